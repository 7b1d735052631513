//! HTTP-level settings: auth strategy, policy mode, CORS (the server contract's env variables).

use std::sync::Arc;

use super::candidates_cache::CandidatesCache;
use super::policy::{Policy, PolicyMode};
use crate::engine::SearchOptions;

/// CORS as oslo.middleware does it, when an allowed origin is configured.
#[derive(Debug, Clone, Default)]
pub struct Cors {
    pub allowed_origins: Vec<String>,
    /// Request headers a preflight may ask for (lower case).
    pub allow_headers: Vec<String>,
}

/// Placement's default CORS allow_headers.
const DEFAULT_ALLOW_HEADERS: &[&str] = &[
    "x-auth-token",
    "x-openstack-request-id",
    "x-identity-status",
    "x-roles",
    "x-service-catalog",
    "x-user-id",
    "x-tenant-id",
    "openstack-api-version",
];

/// Placement's default CORS expose_headers.
pub const EXPOSE_HEADERS: &str =
    "X-Auth-Token,X-Openstack-Request-Id,X-Subject-Token,X-Service-Token,OpenStack-API-Version";
pub const ALLOW_METHODS: &str = "GET,PUT,POST,DELETE,PATCH";

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub policy: Policy,
    pub cors: Option<Cors>,
    pub candidates: SearchOptions,
    /// Shared by every worker of the server.
    pub candidates_cache: Arc<CandidatesCache>,
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}

impl Settings {
    /// Reads `PLACEMENT_AUTH_STRATEGY`, `PLACEMENT_POLICY_MODE`,
    /// `PLACEMENT_CORS_ALLOWED_ORIGIN`, `PLACEMENT_CORS_ALLOW_HEADERS`,
    /// `PLACEMENT_MAX_ALLOCATION_CANDIDATES` (default 100000; -1 unlimited),
    /// `PLACEMENT_RANDOMIZE_ALLOCATION_CANDIDATES` (true/false),
    /// `PLACEMENT_CANDIDATES_CACHE` (on/off, default on).
    pub fn from_env() -> Result<Settings, String> {
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let auth = var("PLACEMENT_AUTH_STRATEGY");
        if !matches!(auth.trim(), "" | "noauth2") {
            return Err(format!(
                "unsupported PLACEMENT_AUTH_STRATEGY '{auth}' (only noauth2 is available)"
            ));
        }
        let mode: PolicyMode = var("PLACEMENT_POLICY_MODE").parse()?;
        let origins = split_list(&var("PLACEMENT_CORS_ALLOWED_ORIGIN"));
        let cors = (!origins.is_empty()).then(|| {
            let headers = split_list(&var("PLACEMENT_CORS_ALLOW_HEADERS"));
            let allow_headers = if headers.is_empty() {
                DEFAULT_ALLOW_HEADERS
                    .iter()
                    .map(|h| h.to_string())
                    .collect()
            } else {
                headers.iter().map(|h| h.to_ascii_lowercase()).collect()
            };
            Cors {
                allowed_origins: origins,
                allow_headers,
            }
        });
        let mut candidates = SearchOptions::default();
        let max = var("PLACEMENT_MAX_ALLOCATION_CANDIDATES");
        if !max.trim().is_empty() {
            let n: i64 = max.trim().parse().map_err(|_| {
                format!("PLACEMENT_MAX_ALLOCATION_CANDIDATES must be an integer, got '{max}'")
            })?;
            // Upstream treats 0 like 1.
            candidates.max_candidates = (n >= 0).then(|| n.max(1) as usize);
        }
        let randomize = var("PLACEMENT_RANDOMIZE_ALLOCATION_CANDIDATES");
        candidates.randomize = match randomize.trim().to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => false,
            "true" | "1" | "yes" => true,
            _ => {
                return Err(format!(
                    "PLACEMENT_RANDOMIZE_ALLOCATION_CANDIDATES must be true or false, got '{randomize}'"
                ));
            }
        };
        let cache = var("PLACEMENT_CANDIDATES_CACHE");
        let cache_on = match cache.trim().to_ascii_lowercase().as_str() {
            "" | "on" | "true" | "1" | "yes" => true,
            "off" | "false" | "0" | "no" => false,
            _ => {
                return Err(format!(
                    "PLACEMENT_CANDIDATES_CACHE must be on or off, got '{cache}'"
                ));
            }
        };
        Ok(Settings {
            policy: Policy::new(mode),
            cors,
            candidates,
            candidates_cache: Arc::new(CandidatesCache::new(cache_on)),
        })
    }
}
