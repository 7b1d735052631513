//! /resource_classes (1.2+).

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::util::{cache_headers, json_body, json_response, require_json, set_location};
use crate::engine::{Engine, EngineError, Ensured, Entry};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/resource_classes")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(super::not_allowed("GET, POST"))),
    )
    .service(
        web::resource("/resource_classes/{name}")
            .route(web::get().to(show))
            .route(web::put().to(update))
            .route(web::delete().to(delete))
            .default_service(web::to(super::not_allowed("GET, PUT, DELETE"))),
    );
}

/// POST_RC_SCHEMA_V1_2 / PUT_RC_SCHEMA_V1_2.
fn name_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "name": {"type": "string", "pattern": "^CUSTOM_[A-Z0-9_]+$", "maxLength": 255},
        },
        "required": ["name"],
        "additionalProperties": false,
    })
}

fn url(name: &str) -> String {
    format!("/resource_classes/{name}")
}

fn serialize(e: &Entry) -> Value {
    json!({"name": e.name, "links": [{"rel": "self", "href": url(&e.name)}]})
}

fn not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("No such resource class {name}."))
}

async fn list(ctx: RequestContext, engine: web::Data<Engine>) -> Result<HttpResponse, ApiError> {
    ctx.require_version(2)?;
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_classes:list")?;
    let classes = engine.resource_classes();
    let modified = classes.iter().filter_map(Entry::modified).max();
    let body = json!({"resource_classes": classes.iter().map(serialize).collect::<Vec<_>>()});
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &body))
}

async fn create(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(2)?;
    require_json(&req)?;
    ctx.authorize("placement:resource_classes:create")?;
    let data = json_body(&body, &name_schema())?;
    let name = data["name"].as_str().unwrap_or_default();
    engine.create_resource_class(name).await?;
    let mut b = HttpResponse::Created();
    set_location(&mut b, &req, &url(name));
    Ok(b.finish())
}

async fn show(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(2)?;
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_classes:show")?;
    let entry = engine
        .resource_class(&name)
        .ok_or_else(|| not_found(&name).without_vary())?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, entry.modified());
    Ok(json_response(&mut b, &serialize(&entry)))
}

async fn update(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    name: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(2)?;
    if ctx.at_least(7) {
        return ensure(ctx, req, engine, &name).await;
    }
    require_json(&req)?;
    ctx.authorize("placement:resource_classes:update")?;
    let data = json_body(&body, &name_schema())?;
    let new_name = data["name"].as_str().unwrap_or_default();
    match engine.rename_resource_class(&name, new_name).await {
        Ok(entry) => Ok(json_response(&mut HttpResponse::Ok(), &serialize(&entry))),
        Err(EngineError::ClassNotFound(n)) => Err(not_found(&n).without_vary()),
        Err(EngineError::ClassExists(n)) => Err(ApiError::conflict(format!(
            "Resource class already exists: {n}"
        ))),
        Err(EngineError::StandardClass(n)) => Err(ApiError::bad_request(format!(
            "Cannot update standard resource class {n}"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// PUT from 1.7: bodiless create-or-verify.
async fn ensure(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    name: &str,
) -> Result<HttpResponse, ApiError> {
    ctx.authorize("placement:resource_classes:update")?;
    // Upstream validates the name by wrapping it in the body schema.
    crate::domain::jsonschema::validate(
        &json!({"name": name}),
        &name_schema(),
        crate::domain::jsonschema::UuidFormat::Lenient,
    )
    .map_err(|e| ApiError::bad_request(format!("JSON does not validate: {e}")))?;
    let (_, outcome) = engine.ensure_resource_class(name).await?;
    let mut b = match outcome {
        Ensured::Created => HttpResponse::Created(),
        Ensured::Existed => HttpResponse::NoContent(),
    };
    set_location(&mut b, &req, &url(name));
    Ok(b.finish())
}

async fn delete(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(2)?;
    ctx.authorize("placement:resource_classes:delete")?;
    match engine.delete_resource_class(&name).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(EngineError::ClassNotFound(n)) => Err(not_found(&n).without_vary()),
        Err(e @ EngineError::StandardClass(_)) => Err(ApiError::bad_request(format!(
            "Error in delete resource class: {e}"
        ))),
        Err(e @ EngineError::ClassInUse(_)) => Err(ApiError::conflict(format!(
            "Error in delete resource class: {e}"
        ))),
        Err(e) => Err(e.into()),
    }
}
