//! A provider's aggregates (1.1+) and traits (1.6+).

use std::sync::LazyLock;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::context::RequestContext;
use super::error::{ApiError, codes};
use super::util::{cache_headers, json_body, json_response, require_json};
use crate::engine::{Engine, EngineError, Entry, ProviderState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/resource_providers/{uuid}/aggregates")
            .route(web::get().to(get_aggregates))
            .route(web::put().to(put_aggregates))
            .default_service(web::to(super::not_allowed("GET, PUT"))),
    )
    .service(
        web::resource("/resource_providers/{uuid}/traits")
            .route(web::get().to(get_traits))
            .route(web::put().to(put_traits))
            .route(web::delete().to(delete_traits))
            .default_service(web::to(super::not_allowed("GET, PUT, DELETE"))),
    );
}

const GENERATION_CHANGED: &str =
    "Resource provider's generation already changed. Please update the generation and try again.";

fn generation_conflict() -> ApiError {
    ApiError::conflict(GENERATION_CHANGED).with_code(codes::CONCURRENT_UPDATE)
}

/// A stale generation found while writing gets the same 409 as one found up front.
fn write_error(e: EngineError) -> ApiError {
    match e {
        EngineError::ProviderGenerationConflict(_) => generation_conflict(),
        other => other.into(),
    }
}

fn provider(engine: &Engine, uuid: &str) -> Result<ProviderState, ApiError> {
    engine
        .provider(uuid)
        .ok_or_else(|| super::resource_providers::not_found(uuid).without_vary())
}

fn aggregates_list_schema() -> Value {
    json!({"type": "array", "items": {"type": "string", "format": "uuid"}, "uniqueItems": true})
}

fn aggregates_body(ctx: &RequestContext, p: &ProviderState) -> Value {
    let mut v = json!({"aggregates": p.aggregates});
    if ctx.at_least(19) {
        v["resource_provider_generation"] = json!(p.generation);
    }
    v
}

async fn get_aggregates(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.require_version(1)?;
    ctx.authorize("placement:resource_providers:aggregates:list")?;
    let p = provider(&engine, &uuid)?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &aggregates_body(&ctx, &p)))
}

async fn put_aggregates(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.require_version(1)?;
    ctx.authorize("placement:resource_providers:aggregates:update")?;
    let p = provider(&engine, &uuid)?;
    let (aggs, expected) = if ctx.at_least(19) {
        static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
            json!({
                "type": "object",
                "properties": {"aggregates": aggregates_list_schema(), "resource_provider_generation": {"type": "integer"}},
                "required": ["aggregates", "resource_provider_generation"],
                "additionalProperties": false,
            })
        });
        let data = json_body(&body, &SCHEMA)?;
        if data["resource_provider_generation"].as_i64() != Some(p.generation) {
            return Err(generation_conflict());
        }
        (data["aggregates"].clone(), Some(p.generation))
    } else {
        static LIST: LazyLock<Value> = LazyLock::new(aggregates_list_schema);
        (json_body(&body, &LIST)?, None)
    };
    let aggs: Vec<String> = aggs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let mut p = engine
        .set_aggregates(&uuid, expected, aggs.clone())
        .await
        .map_err(write_error)?;
    // The answer echoes the request's order; reads list them sorted.
    p.aggregates = aggs;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &aggregates_body(&ctx, &p)))
}

fn traits_body(engine: &Engine, p: &ProviderState) -> (Value, Option<chrono::NaiveDateTime>) {
    let entries: Vec<Entry> = p
        .traits
        .iter()
        .filter_map(|id| engine.trait_by_id(*id))
        .collect();
    let (mut v, modified) = super::traits::serialize(&entries);
    v["resource_provider_generation"] = json!(p.generation);
    (v, modified)
}

async fn get_traits(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:traits:list")?;
    let p = provider(&engine, &uuid)?;
    let (body, modified) = traits_body(&engine, &p);
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &body))
}

async fn put_traits(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:traits:update")?;
    static SCHEMA: LazyLock<Value> = LazyLock::new(|| {
        json!({
            "type": "object",
            "properties": {
                "traits": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 255}},
                "resource_provider_generation": {"type": "integer"},
            },
            "required": ["traits", "resource_provider_generation"],
            "additionalProperties": false,
        })
    });
    let data = json_body(&body, &SCHEMA)?;
    let p = provider(&engine, &uuid)?;
    if data["resource_provider_generation"].as_i64() != Some(p.generation) {
        return Err(generation_conflict());
    }
    let names: Vec<&str> = data["traits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut ids = vec![];
    let mut unknown = vec![];
    for n in &names {
        match engine.trait_by_name(n) {
            Some(t) => ids.push(t.id),
            None if !unknown.contains(n) => unknown.push(*n),
            None => {}
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(format!(
            "No such trait {}",
            unknown.join(", ")
        )));
    }
    let p = engine
        .set_traits(&uuid, p.generation, ids)
        .await
        .map_err(write_error)?;
    let (body, modified) = traits_body(&engine, &p);
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &body))
}

async fn delete_traits(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.authorize("placement:resource_providers:traits:delete")?;
    let p = provider(&engine, &uuid)?;
    engine
        .set_traits(&uuid, p.generation, vec![])
        .await
        .map_err(write_error)?;
    Ok(HttpResponse::NoContent().finish())
}
