//! /allocations/{consumer_uuid}, POST /allocations and
//! /resource_providers/{uuid}/allocations.

use std::collections::BTreeMap;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde_json::{Map, Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::util::{cache_headers, json_body, json_response, require_json};
use crate::domain::query::normalize_uuid;
use crate::domain::schema_cache::PerVersion;
use crate::engine::{ConsumerClaim, ConsumerState, Engine, EngineError, GenerationCheck};

/// Project and user recorded for writes that carry none (before 1.8), as
/// upstream's `incomplete_consumer_project_id`/`_user_id` defaults.
pub const INCOMPLETE_CONSUMER_ID: &str = "00000000-0000-0000-0000-000000000000";

const UUID_PATTERN: &str = "^[0-9a-fA-F-]{36}$";
const RC_PATTERN: &str = "^[A-Z0-9_]+$";
const GROUP_PATTERN: &str = "[a-zA-Z0-9_-]{1,64}";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/allocations")
            .route(web::post().to(post_allocations))
            .default_service(web::to(super::not_allowed("POST"))),
    )
    .service(
        web::resource("/allocations/{consumer_uuid}")
            .route(web::get().to(show))
            .route(web::put().to(put_allocations))
            .route(web::delete().to(delete))
            .default_service(web::to(super::not_allowed("GET, PUT, DELETE"))),
    )
    .service(
        web::resource("/resource_providers/{uuid}/allocations")
            .route(web::get().to(provider_allocations))
            .default_service(web::to(super::not_allowed("GET"))),
    );
}

// ---- schemas (upstream's placement/schemas/allocation.py) ----

fn resources_schema() -> Value {
    json!({
        "type": "object",
        "minProperties": 1,
        "patternProperties": {RC_PATTERN: {"type": "integer", "minimum": 1}},
        "additionalProperties": false,
    })
}

fn string_id() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": 255})
}

/// The list form of 1.0–1.11; project and user required from 1.8.
fn list_schema(with_owner: bool) -> Value {
    let mut s = json!({
        "type": "object",
        "properties": {
            "allocations": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "resource_provider": {
                            "type": "object",
                            "properties": {"uuid": {"type": "string", "format": "uuid"}},
                            "additionalProperties": false,
                            "required": ["uuid"],
                        },
                        "resources": resources_schema(),
                    },
                    "required": ["resource_provider", "resources"],
                    "additionalProperties": false,
                },
            },
        },
        "required": ["allocations"],
        "additionalProperties": false,
    });
    if with_owner {
        s["properties"]["project_id"] = string_id();
        s["properties"]["user_id"] = string_id();
        s["required"] = json!(["allocations", "project_id", "user_id"]);
    }
    s
}

/// The dict form from 1.12, grown per microversion window.
fn dict_schema(version: &RequestContext, min_providers: u32) -> Value {
    let mut s = json!({
        "type": "object",
        "properties": {
            "allocations": {
                "type": "object",
                "minProperties": min_providers,
                "patternProperties": {
                    UUID_PATTERN: {
                        "type": "object",
                        "properties": {
                            "generation": {"type": "integer"},
                            "resources": resources_schema(),
                        },
                        "required": ["resources"],
                        "additionalProperties": false,
                    },
                },
                "additionalProperties": false,
            },
            "project_id": string_id(),
            "user_id": string_id(),
        },
        "additionalProperties": false,
        "required": ["allocations", "project_id", "user_id"],
    });
    if version.at_least(28) {
        s["properties"]["consumer_generation"] =
            json!({"type": ["integer", "null"], "additionalProperties": false});
        push_required(&mut s, "consumer_generation");
    }
    if version.at_least(34) {
        s["properties"]["mappings"] = json!({
            "type": "object",
            "minProperties": 1,
            "patternProperties": {
                GROUP_PATTERN: {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string", "format": "uuid"},
                },
            },
        });
    }
    if version.at_least(38) {
        s["properties"]["consumer_type"] = json!({
            "type": "string", "pattern": RC_PATTERN, "minLength": 1, "maxLength": 255,
        });
        push_required(&mut s, "consumer_type");
    }
    s
}

fn push_required(schema: &mut Value, key: &str) {
    if let Some(r) = schema["required"].as_array_mut() {
        r.push(json!(key));
    }
}

fn put_schema(ctx: &RequestContext) -> Value {
    if !ctx.at_least(12) {
        list_schema(ctx.at_least(8))
    } else {
        // From 1.28 an empty allocations object removes them all.
        dict_schema(ctx, if ctx.at_least(28) { 0 } else { 1 })
    }
}

pub(super) fn post_schema(ctx: &RequestContext) -> Value {
    json!({
        "type": "object",
        "minProperties": 1,
        "additionalProperties": false,
        "patternProperties": {UUID_PATTERN: dict_schema(ctx, 0)},
    })
}

// ---- body → engine claim ----

/// One consumer's body (dict form) as an engine claim.
pub(super) fn consumer_claim(
    ctx: &RequestContext,
    consumer: String,
    body: &Value,
) -> ConsumerClaim {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    let (project, user) = match (text("project_id"), text("user_id")) {
        (Some(p), Some(u)) => (p, u),
        _ => (
            INCOMPLETE_CONSUMER_ID.to_string(),
            INCOMPLETE_CONSUMER_ID.to_string(),
        ),
    };
    let generation = if ctx.at_least(28) {
        GenerationCheck::Expect(body.get("consumer_generation").and_then(Value::as_i64))
    } else {
        GenerationCheck::Unchecked
    };
    let mut allocations = vec![];
    if let Some(map) = body.get("allocations").and_then(Value::as_object) {
        for (rp, entry) in map {
            allocations.push((rp.clone(), resources(&entry["resources"])));
        }
    }
    ConsumerClaim {
        consumer,
        project,
        user,
        consumer_type: ctx.at_least(38).then(|| text("consumer_type")).flatten(),
        generation,
        allocations,
    }
}

fn resources(v: &Value) -> Vec<(String, i64)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, n)| (k.clone(), n.as_i64().unwrap_or(i64::MAX)))
                .collect()
        })
        .unwrap_or_default()
}

/// The 1.0–1.11 list form as the dict form; a repeated provider keeps its
/// first position and takes the last resources, as a Python dict does.
fn list_to_dict(body: &Value) -> Value {
    let mut allocs = Map::new();
    for item in body["allocations"].as_array().into_iter().flatten() {
        let rp = item["resource_provider"]["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        allocs.insert(rp, json!({"resources": item["resources"].clone()}));
    }
    let mut out = body.clone();
    out["allocations"] = Value::Object(allocs);
    out
}

// ---- handlers ----

async fn put_allocations(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    consumer: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.authorize("placement:allocations:update")?;
    let consumer = normalize_uuid(&consumer)
        .ok_or_else(|| ApiError::bad_request(format!("Malformed consumer_uuid: {consumer}")))?;
    static PUT: PerVersion = PerVersion::new();
    let mut data = json_body(&body, &PUT.get(ctx.version, || put_schema(&ctx)))?;
    if !ctx.at_least(12) {
        data = list_to_dict(&data);
    }
    let claim = consumer_claim(&ctx, consumer.clone(), &data);
    engine.claim(vec![claim]).await.map_err(|e| match e {
        EngineError::ClassNotFound(_) => ApiError::bad_request(format!(
            "Unable to allocate inventory for consumer {consumer}: {e}"
        )),
        other => other.into(),
    })?;
    Ok(HttpResponse::NoContent().finish())
}

async fn post_allocations(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(13)?;
    require_json(&req)?;
    ctx.authorize("placement:allocations:manage")?;
    static POST: PerVersion = PerVersion::new();
    let data = json_body(&body, &POST.get(ctx.version, || post_schema(&ctx)))?;
    let claims = data
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(consumer, v)| consumer_claim(&ctx, consumer.clone(), v))
                .collect()
        })
        .unwrap_or_default();
    engine.claim(claims).await.map_err(|e| match e {
        EngineError::ClassNotFound(_) => {
            ApiError::bad_request(format!("Unable to allocate inventory {e}"))
        }
        other => other.into(),
    })?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    consumer: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.authorize("placement:allocations:delete")?;
    engine.delete_allocations(&consumer).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn show(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    consumer: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:allocations:list")?;
    let state: Option<ConsumerState> = engine.with_consumers(|t| {
        t.get(&consumer)
            .filter(|c| !c.allocations.is_empty())
            .cloned()
    });
    let mut out = json!({"allocations": {}});
    let mut modified: Option<NaiveDateTime> = None;
    if let Some(c) = state {
        let mut by_rp: BTreeMap<i32, Map<String, Value>> = BTreeMap::new();
        for a in &c.allocations {
            modified = modified.max(a.modified());
            by_rp
                .entry(a.provider)
                .or_default()
                .insert(class_name(&engine, a.class), json!(a.used));
        }
        let mut allocs = Map::new();
        engine.with_providers(|t| {
            for (rp, resources) in by_rp {
                if let Some(p) = t.by_id(rp) {
                    allocs.insert(
                        p.uuid.clone(),
                        json!({"generation": p.generation, "resources": resources}),
                    );
                }
            }
        });
        out["allocations"] = Value::Object(allocs);
        if ctx.at_least(12) {
            out["project_id"] = json!(c.project);
            out["user_id"] = json!(c.user);
        }
        if ctx.at_least(28) {
            out["consumer_generation"] = json!(c.generation);
        }
        if ctx.at_least(38) {
            out["consumer_type"] = json!(c.consumer_type.as_deref().unwrap_or("unknown"));
        }
    }
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &out))
}

async fn provider_allocations(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:allocations:list")?;
    let p = engine.provider(&uuid).ok_or_else(|| {
        ApiError::not_found(format!(
            "Resource provider '{uuid}' not found: No resource provider with uuid {uuid} found"
        ))
    })?;
    let mut allocs = Map::new();
    let mut modified: Option<NaiveDateTime> = None;
    engine.with_consumers(|t| {
        for c in t.on_provider(p.id) {
            let mut resources = Map::new();
            for a in c.allocations.iter().filter(|a| a.provider == p.id) {
                modified = modified.max(a.modified());
                resources.insert(class_name(&engine, a.class), json!(a.used));
            }
            let mut entry = json!({"resources": resources});
            if ctx.at_least(28) {
                entry["consumer_generation"] = json!(c.generation);
            }
            allocs.insert(c.uuid.clone(), entry);
        }
    });
    let out = json!({"allocations": allocs, "resource_provider_generation": p.generation});
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &out))
}

fn class_name(engine: &Engine, id: i32) -> String {
    engine.class_name(id).unwrap_or_default()
}
