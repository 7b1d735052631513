//! GET /allocation_candidates: parse the query (domain), search the read
//! model (engine), serialise per microversion.

use std::collections::BTreeSet;

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::settings::Settings;
use super::util::{cache_headers, json_response, query_pairs};
use crate::domain::Version;
use crate::domain::candidate_request::{self, CandidateRequest};
use crate::engine::{Candidates, Engine, EngineError};

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
    // The search and the body are CPU work that grows with the deployment:
    // run them on the blocking pool so the workers keep serving others.
    let version = ctx.version;
    let opts = settings.candidates;
    let engine = engine.into_inner();
    let body = web::block(move || {
        let found = engine.allocation_candidates(&request, version, opts)?;
        Ok::<Value, EngineError>(serialize(&engine, version, &request, &found))
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
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &body))
}

fn serialize(
    engine: &Engine,
    version: Version,
    request: &CandidateRequest,
    found: &Candidates,
) -> Value {
    let class = |id: i32| engine.class_name(id).unwrap_or_default();
    engine.with_providers(|t| {
        let uuid = |id: i32| t.by_id(id).map(|p| p.uuid.clone()).unwrap_or_default();
        let mut requests = vec![];
        for c in &found.requests {
            // Provider → class → amount, providers in first-use order.
            let mut by_rp: Vec<(i32, Map<String, Value>)> = vec![];
            for (rp, rc, n) in &c.resources {
                let slot = match by_rp.iter().position(|(p, _)| p == rp) {
                    Some(i) => &mut by_rp[i].1,
                    None => {
                        by_rp.push((*rp, Map::new()));
                        &mut by_rp.last_mut().expect("just pushed").1
                    }
                };
                slot.insert(class(*rc), json!(n));
            }
            let v = if version.at_least(12) {
                let allocs: Map<String, Value> = by_rp
                    .into_iter()
                    .map(|(rp, res)| (uuid(rp), json!({"resources": res})))
                    .collect();
                let mut v = json!({"allocations": allocs});
                if version.at_least(34) {
                    let m: Map<String, Value> = c
                        .mappings
                        .iter()
                        .map(|(s, rps)| {
                            (
                                s.clone(),
                                json!(rps.iter().map(|r| uuid(*r)).collect::<Vec<_>>()),
                            )
                        })
                        .collect();
                    v["mappings"] = Value::Object(m);
                }
                v
            } else {
                let allocs: Vec<Value> = by_rp
                    .into_iter()
                    .map(|(rp, res)| {
                        json!({"resource_provider": {"uuid": uuid(rp)}, "resources": res})
                    })
                    .collect();
                json!({"allocations": allocs})
            };
            requests.push(v);
        }
        let requested: BTreeSet<&str> = request
            .groups
            .iter()
            .flat_map(|g| g.resources.iter().map(|(n, _)| n.as_str()))
            .collect();
        let mut summaries = Map::new();
        for id in &found.summaries {
            let Some(p) = t.by_id(*id) else { continue };
            let mut resources = Map::new();
            for (rc, e) in &p.inventories {
                let name = class(*rc);
                if !version.at_least(27) && !requested.contains(name.as_str()) {
                    continue;
                }
                resources.insert(
                    name,
                    json!({"capacity": e.inventory.capacity_int(), "used": p.used(*rc)}),
                );
            }
            let mut s = json!({"resources": resources});
            if version.at_least(17) {
                // In trait id order, as upstream's query returns them.
                let names: Vec<String> = p
                    .traits
                    .iter()
                    .filter_map(|t| engine.trait_by_id(*t).map(|e| e.name))
                    .collect();
                s["traits"] = json!(names);
            }
            if version.at_least(29) {
                s["parent_provider_uuid"] = json!(p.parent);
                s["root_provider_uuid"] = json!(p.root);
            }
            summaries.insert(p.uuid.clone(), s);
        }
        json!({"allocation_requests": requests, "provider_summaries": summaries})
    })
}
