//! /traits (1.6+).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::util::{cache_headers, json_response, query_pairs, set_location, validate_query};
use crate::domain::names::{MAX_NAME_LEN, is_custom_shaped};
use crate::engine::{Engine, EngineError, Ensured, Entry, TraitFilter};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/traits")
            .route(web::get().to(list))
            .default_service(web::to(super::not_allowed("GET"))),
    )
    .service(
        web::resource("/traits/{name}")
            .route(web::get().to(show))
            .route(web::put().to(put))
            .route(web::delete().to(delete))
            .default_service(web::to(super::not_allowed("GET, PUT, DELETE"))),
    );
}

/// LIST_TRAIT_SCHEMA.
fn list_schema() -> Value {
    json!({
        "type": "object",
        "properties": {"name": {"type": "string"}, "associated": {"type": "string"}},
        "additionalProperties": false,
    })
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("No such trait(s): {name}."))
}

/// `name=in:A,B` or `name=startswith:P`; any other operator filters nothing.
fn name_filter(value: &str, filter: &mut TraitFilter) -> Result<(), ApiError> {
    let Some((op, rest)) = value.split_once(':') else {
        return Err(ApiError::bad_request(format!(
            "Badly formatted name parameter. Expected name query string parameter in form: \
             ?name=[in|startswith]:[name1,name2|prefix]. Got: \"{value}\""
        )));
    };
    match op {
        "in" => filter.names_in = Some(rest.split(',').map(str::to_string).collect()),
        "startswith" => filter.starts_with = Some(rest.to_string()),
        _ => {}
    }
    Ok(())
}

/// Serialised traits and upstream's Last-Modified (max over them).
pub fn serialize(traits: &[Entry]) -> (Value, Option<chrono::NaiveDateTime>) {
    let modified = traits.iter().filter_map(Entry::modified).max();
    (
        json!({"traits": traits.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()}),
        modified,
    )
}

async fn list(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.check_accept_json()?;
    ctx.authorize("placement:traits:list")?;
    let pairs = query_pairs(&req)?;
    validate_query(&pairs, &list_schema())?;
    let last = |key: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut filter = TraitFilter::default();
    if let Some(name) = last("name") {
        name_filter(name, &mut filter)?;
    }
    if let Some(assoc) = last("associated") {
        filter.associated = match assoc.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => {
                return Err(ApiError::bad_request(
                    "The query parameter \"associated\" only accepts \"true\" or \"false\"",
                ));
            }
        };
    }
    let traits = engine.traits(&filter).await?;
    let (body, modified) = serialize(&traits);
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &body))
}

async fn show(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.authorize("placement:traits:show")?;
    let entry = engine
        .trait_by_name(&name)
        .ok_or_else(|| not_found(&name))?;
    let mut b = HttpResponse::NoContent();
    cache_headers(&mut b, &ctx, entry.created_at);
    Ok(b.finish())
}

async fn put(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.authorize("placement:traits:update")?;
    if !is_custom_shaped(&name) || name.chars().count() > MAX_NAME_LEN {
        return Err(ApiError::bad_request(
            "The trait is invalid. A valid trait must be no longer than 255 characters, start with the \
             prefix \"CUSTOM_\" and use following characters: \"A\"-\"Z\", \"0\"-\"9\" and \"_\"",
        ));
    }
    let (entry, outcome) = engine.ensure_trait(&name).await?;
    let mut b = match outcome {
        Ensured::Created => HttpResponse::Created(),
        Ensured::Existed => HttpResponse::NoContent(),
    };
    set_location(&mut b, &req, &format!("/traits/{name}"));
    cache_headers(&mut b, &ctx, entry.created_at);
    Ok(b.finish())
}

async fn delete(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(6)?;
    ctx.authorize("placement:traits:delete")?;
    match engine.delete_trait(&name).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(EngineError::TraitNotFound(n)) => Err(not_found(&n)),
        Err(e) => Err(e.into()),
    }
}
