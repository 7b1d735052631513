//! Per-request context: request id, microversion, credentials (noauth2).

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header::HeaderMap;
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use super::error::ApiError;
use super::policy::Credentials;
use crate::domain::Version;

/// Set by the request middleware before any handler runs.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub version: Version,
    pub creds: Credentials,
    pub policy: super::policy::Policy,
    /// Accept after upstream's rewrite (missing or `*/*` → application/json).
    pub accept: String,
}

impl RequestContext {
    /// Refuses with upstream's 403 unless policy allows `action` on the
    /// caller's own project.
    pub fn authorize(&self, action: &str) -> Result<(), ApiError> {
        let project = self.creds.project_id.clone();
        self.authorize_for(action, project.as_deref())
    }

    /// As `authorize`, with an explicit target project.
    pub fn authorize_for(
        &self,
        action: &str,
        target_project: Option<&str>,
    ) -> Result<(), ApiError> {
        if self.policy.allows(action, &self.creds, target_project) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "Policy does not allow {action} to be performed."
            )))
        }
    }

    /// 404 below a handler's minimum microversion.
    pub fn require_version(&self, minor: u32) -> Result<(), ApiError> {
        if self.version.at_least(minor) {
            Ok(())
        } else {
            Err(ApiError::not_found(""))
        }
    }

    pub fn at_least(&self, minor: u32) -> bool {
        self.version.at_least(minor)
    }

    /// 406 unless Accept allows JSON (upstream's check_accept).
    pub fn check_accept_json(&self) -> Result<(), ApiError> {
        if super::accept::allows_json(&self.accept) {
            Ok(())
        } else {
            Err(ApiError::new(
                actix_web::http::StatusCode::NOT_ACCEPTABLE,
                "Only application/json is provided",
            ))
        }
    }
}

impl FromRequest for RequestContext {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<RequestContext>()
                .cloned()
                .ok_or_else(|| ApiError::internal("request context missing")),
        )
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// noauth2: `X-Auth-Token: USER[:PROJECT]`; roles from `X-Roles`, else admin
/// for the user `admin`; an explicit `X-Project-Id` wins; system scope from
/// `OpenStack-System-Scope`. None when there is no token.
pub fn noauth_credentials(headers: &HeaderMap) -> Option<Credentials> {
    let token = header(headers, "x-auth-token")?;
    let (user, project) = match token.split_once(':') {
        Some((u, p)) => (u.to_string(), p.to_string()),
        None => (token.to_string(), token.to_string()),
    };
    let system_scoped = header(headers, "openstack-system-scope").is_some();
    let roles = match header(headers, "x-roles") {
        Some(r) => r
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        None if user == "admin" => vec!["admin".to_string()],
        None => vec![],
    };
    let project_id = match header(headers, "x-project-id") {
        Some(p) => Some(p.to_string()),
        None if system_scoped => None,
        None => Some(project),
    };
    Some(Credentials {
        user_id: Some(user),
        project_id,
        roles,
        system_scoped,
    })
}
