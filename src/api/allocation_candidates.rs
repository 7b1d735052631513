//! GET /allocation_candidates: parse the query (domain), search the read
//! model (engine), serialise per microversion.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::context::RequestContext;
use super::error::ApiError;
use super::settings::Settings;
use super::util::{cache_headers, query_pairs};
use crate::domain::Version;
use crate::domain::candidate_request::{self, CandidateRequest};
use crate::engine::{
    Candidate, Candidates, Catalog, Engine, EngineError, ProviderState, ProviderTable,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/allocation_candidates")
            .route(web::get().to(list))
            .default_service(web::to(super::not_allowed("GET"))),
    );
}

async fn list(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    settings: web::Data<Settings>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(10)?;
    ctx.check_accept_json()?;
    ctx.authorize("placement:allocation_candidates:list")?;
    let pairs = query_pairs(&req)?;
    let request = candidate_request::parse(&pairs, ctx.version).map_err(|e| {
        let status = actix_web::http::StatusCode::from_u16(e.status)
            .unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
        let err = ApiError::new(status, e.message);
        match e.code {
            Some(code) => err.with_code(code),
            None => err,
        }
    })?;
    let cache = settings.candidates_cache.clone();
    let cacheable = cache.enabled() && !settings.candidates.randomize;
    let query = req.query_string().to_string();
    let version = ctx.version;
    let cached = if cacheable {
        cache.get(engine.read_model_version(), version, &query)
    } else {
        None
    };
    let body = match cached {
        Some(body) => body,
        None => {
            // The search and the body are CPU work that grows with the
            // deployment: run them on the blocking pool so the workers
            // keep serving others.
            let opts = settings.candidates;
            let engine = engine.into_inner();
            let (body, at) = web::block(move || {
                let before = engine.read_model_version();
                let found = engine.allocation_candidates(&request, version, opts)?;
                let body = bytes::Bytes::from(serialize(&engine, version, &request, &found));
                // Kept only when no change happened while it was computed.
                let unchanged = engine.read_model_version() == before;
                Ok::<_, EngineError>((body, unchanged.then_some(before)))
            })
            .await
            .map_err(|e| ApiError::internal(format!("candidates search failed: {e}")))?
            .map_err(|e| match e {
                EngineError::ClassNotFound(_) => ApiError::bad_request(format!(
                    "Invalid resource class in resources parameter: {e}"
                )),
                EngineError::TraitNotFound(_) => ApiError::bad_request(e.to_string()),
                other => other.into(),
            })?;
            if let (true, Some(at)) = (cacheable, at) {
                cache.put(at, version, &query, body.clone());
            }
            body
        }
    };
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(b.insert_header((header::CONTENT_TYPE, "application/json"))
        .body(body))
}

/// The answer, written straight from the read model (no intermediate
/// `Value` tree: at a thousand candidates that tree cost ~45 µs each).
struct Answer<'a> {
    catalog: &'a Catalog,
    t: &'a ProviderTable,
    version: Version,
    found: &'a Candidates,
    /// Classes any group asks for (summaries before 1.27 show only these).
    requested: BTreeSet<&'a str>,
}

impl Answer<'_> {
    fn class(&self, id: i32) -> &str {
        self.catalog
            .classes
            .by_id(id)
            .map_or("", |e| e.name.as_str())
    }

    fn uuid(&self, id: i32) -> &str {
        self.t.by_id(id).map_or("", |p| p.uuid.as_str())
    }
}

fn serialize(
    engine: &Engine,
    version: Version,
    request: &CandidateRequest,
    found: &Candidates,
) -> Vec<u8> {
    engine.with_catalog_and_providers(|catalog, t| {
        let answer = Answer {
            catalog,
            t,
            version,
            found,
            requested: request
                .groups
                .iter()
                .flat_map(|g| g.resources.iter().map(|(n, _)| n.as_str()))
                .collect(),
        };
        serde_json::to_vec(&answer).unwrap_or_default()
    })
}

impl Serialize for Answer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("allocation_requests", &Requests(self))?;
        m.serialize_entry("provider_summaries", &Summaries(self))?;
        m.end()
    }
}

struct Requests<'a>(&'a Answer<'a>);

impl Serialize for Requests<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.found.requests.iter().map(|c| RequestOut(self.0, c)))
    }
}

struct RequestOut<'a>(&'a Answer<'a>, &'a Candidate);

impl Serialize for RequestOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (a, c) = (self.0, self.1);
        // Provider → (class, amount), providers in first-use order.
        let mut by_rp: Vec<(i32, Vec<(i32, i64)>)> = vec![];
        for (rp, rc, n) in &c.resources {
            match by_rp.iter_mut().find(|(p, _)| p == rp) {
                Some((_, v)) => v.push((*rc, *n)),
                None => by_rp.push((*rp, vec![(*rc, *n)])),
            }
        }
        let mut m = s.serialize_map(None)?;
        if a.version.at_least(12) {
            let allocs: Vec<(&str, ResourcesOut<'_>)> = by_rp
                .iter()
                .map(|(rp, res)| (a.uuid(*rp), ResourcesOut(a, res)))
                .collect();
            m.serialize_entry("allocations", &MapOf(&allocs))?;
            if a.version.at_least(34) {
                let mappings: Vec<(&str, Vec<&str>)> = c
                    .mappings
                    .iter()
                    .map(|(suffix, rps)| {
                        (suffix.as_str(), rps.iter().map(|r| a.uuid(*r)).collect())
                    })
                    .collect();
                m.serialize_entry("mappings", &MapOf(&mappings))?;
            }
        } else {
            let allocs: Vec<ListItem<'_>> = by_rp
                .iter()
                .map(|(rp, res)| ListItem(a.uuid(*rp), Classes(a, res)))
                .collect();
            m.serialize_entry("allocations", &allocs)?;
        }
        m.end()
    }
}

/// A list of pairs written as a JSON object, in list order.
struct MapOf<'a, K, V>(&'a [(K, V)]);

impl<K: Serialize, V: Serialize> Serialize for MapOf<'_, K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// `{"resources": {CLASS: amount}}`
struct ResourcesOut<'a>(&'a Answer<'a>, &'a [(i32, i64)]);

impl Serialize for ResourcesOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("resources", &Classes(self.0, self.1))?;
        m.end()
    }
}

/// `{CLASS: amount}`
struct Classes<'a>(&'a Answer<'a>, &'a [(i32, i64)]);

impl Serialize for Classes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.1.iter().map(|(rc, n)| (self.0.class(*rc), n)))
    }
}

/// The list form before 1.12: `{"resource_provider": {"uuid": U}, "resources": {...}}`.
struct ListItem<'a>(&'a str, Classes<'a>);

impl Serialize for ListItem<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("resource_provider", &UuidOnly(self.0))?;
        m.serialize_entry("resources", &self.1)?;
        m.end()
    }
}

struct UuidOnly<'a>(&'a str);

impl Serialize for UuidOnly<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("uuid", self.0)?;
        m.end()
    }
}

struct Summaries<'a>(&'a Answer<'a>);

impl Serialize for Summaries<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.0;
        s.collect_map(
            a.found
                .summaries
                .iter()
                .filter_map(|id| a.t.by_id(*id))
                .map(|p| (p.uuid.as_str(), SummaryOut(a, p))),
        )
    }
}

struct SummaryOut<'a>(&'a Answer<'a>, &'a ProviderState);

impl Serialize for SummaryOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (a, p) = (self.0, self.1);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("resources", &Capacities(a, p))?;
        if a.version.at_least(17) {
            // In trait id order, as upstream's query returns them.
            let names: Vec<&str> = p
                .traits
                .iter()
                .filter_map(|t| a.catalog.traits.by_id(*t).map(|e| e.name.as_str()))
                .collect();
            m.serialize_entry("traits", &names)?;
        }
        if a.version.at_least(29) {
            m.serialize_entry("parent_provider_uuid", &p.parent)?;
            m.serialize_entry("root_provider_uuid", &p.root)?;
        }
        m.end()
    }
}

/// `{CLASS: {"capacity": C, "used": U}}`
struct Capacities<'a>(&'a Answer<'a>, &'a ProviderState);

impl Serialize for Capacities<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (a, p) = (self.0, self.1);
        let all = a.version.at_least(27);
        s.collect_map(
            p.inventories
                .iter()
                .map(|(rc, e)| (a.class(*rc), rc, e))
                .filter(|(name, _, _)| all || a.requested.contains(name))
                .map(|(name, rc, e)| {
                    (
                        name,
                        CapacityOut {
                            capacity: e.inventory.capacity_int(),
                            used: p.used(*rc),
                        },
                    )
                }),
        )
    }
}

#[derive(Serialize)]
struct CapacityOut {
    capacity: i64,
    used: i64,
}
