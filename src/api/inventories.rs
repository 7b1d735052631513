//! /resource_providers/{uuid}/inventories[/{resource_class}] and …/usages.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

use super::context::RequestContext;
use super::error::{ApiError, codes};
use super::resource_providers::provider_url;
use super::util::{cache_headers, json_body, json_response, require_json, set_location};
use crate::domain::inventory::{Inventory, MAX_INT};
use crate::engine::{Engine, EngineError, ProviderState};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/resource_providers/{uuid}/inventories")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .route(web::put().to(replace))
            .route(web::delete().to(delete_all))
            .default_service(web::to(super::not_allowed("GET, POST, PUT, DELETE"))),
    )
    .service(
        web::resource("/resource_providers/{uuid}/inventories/{resource_class}")
            .route(web::get().to(show))
            .route(web::put().to(update))
            .route(web::delete().to(delete))
            .default_service(web::to(super::not_allowed("GET, PUT, DELETE"))),
    )
    .service(
        web::resource("/resource_providers/{uuid}/usages")
            .route(web::get().to(usages))
            .default_service(web::to(super::not_allowed("GET"))),
    );
}

const RC_PATTERN: &str = "^[A-Z0-9_]+$";

fn record_properties() -> Value {
    let int = |min: i64| json!({"type": "integer", "maximum": MAX_INT, "minimum": min});
    json!({
        "resource_provider_generation": {"type": "integer"},
        "total": int(1),
        "reserved": int(0),
        "min_unit": int(1),
        "max_unit": int(1),
        "step_size": int(1),
        "allocation_ratio": {"type": "number", "maximum": 3.40282e38},
    })
}

fn base_schema(required: &[&str]) -> Value {
    json!({"type": "object", "properties": record_properties(), "required": required, "additionalProperties": false})
}

fn post_schema() -> Value {
    let mut s = base_schema(&["total", "resource_class"]);
    s["properties"]["resource_class"] = json!({"type": "string", "pattern": RC_PATTERN});
    s
}

pub(super) fn put_all_schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "resource_provider_generation": {"type": "integer"},
            "inventories": {"type": "object", "patternProperties": {RC_PATTERN: base_schema(&["total"])}},
        },
        "required": ["resource_provider_generation", "inventories"],
        "additionalProperties": false,
    })
}

/// A validated record with upstream's defaults filled in.
pub(super) fn record(v: &Value) -> Inventory {
    let int = |k: &str, d: i64| v.get(k).and_then(Value::as_i64).unwrap_or(d);
    Inventory {
        total: int("total", 0),
        reserved: int("reserved", 0),
        min_unit: int("min_unit", 1),
        max_unit: int("max_unit", MAX_INT),
        step_size: int("step_size", 1),
        allocation_ratio: v
            .get("allocation_ratio")
            .and_then(Value::as_f64)
            .unwrap_or(1.0),
    }
}

fn serialize_record(inv: &Inventory) -> Value {
    json!({
        "total": inv.total, "reserved": inv.reserved, "min_unit": inv.min_unit, "max_unit": inv.max_unit,
        "step_size": inv.step_size, "allocation_ratio": inv.allocation_ratio,
    })
}

fn class_name(engine: &Engine, id: i32) -> String {
    engine
        .resource_classes()
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.name)
        .unwrap_or_default()
}

fn serialize_all(engine: &Engine, p: &ProviderState) -> Value {
    let mut invs = Map::new();
    for (class, e) in &p.inventories {
        invs.insert(class_name(engine, *class), serialize_record(&e.inventory));
    }
    json!({"resource_provider_generation": p.generation, "inventories": invs})
}

fn serialize_one(inv: &Inventory, generation: i64) -> Value {
    let mut v = serialize_record(inv);
    v["resource_provider_generation"] = json!(generation);
    v
}

fn provider(engine: &Engine, uuid: &str) -> Result<ProviderState, ApiError> {
    engine
        .provider(uuid)
        .ok_or_else(|| super::resource_providers::not_found(uuid).without_vary())
}

fn capacity_check(
    ctx: &RequestContext,
    uuid: &str,
    class: &str,
    inv: &Inventory,
    verb: &str,
) -> Result<(), ApiError> {
    match inv.capacity_error(ctx.at_least(26)) {
        None => Ok(()),
        Some(why) => Err(ApiError::bad_request(format!(
            "Unable to {verb} inventory for resource provider {uuid}: Invalid inventory for '{class}' on resource provider '{uuid}'. {why}"
        ))),
    }
}

/// Upstream's 404 on inventory reads repeats the object-layer message.
fn read_not_found(uuid: &str) -> ApiError {
    ApiError::not_found(format!(
        "No resource provider with uuid {uuid} found : No resource provider with uuid {uuid} found"
    ))
}

fn inventory_url(uuid: &str, class: &str) -> String {
    format!("{}/inventories/{class}", provider_url(uuid))
}

async fn list(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:inventories:list")?;
    let p = engine
        .provider(&uuid)
        .ok_or_else(|| read_not_found(&uuid))?;
    let mut b = HttpResponse::Ok();
    if ctx.at_least(15) {
        b.insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"));
        if let Some(t) = p.inventories.values().filter_map(|e| e.modified()).max() {
            b.insert_header((
                actix_web::http::header::LAST_MODIFIED,
                super::util::http_date(t),
            ));
        }
    }
    Ok(json_response(&mut b, &serialize_all(&engine, &p)))
}

async fn show(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (uuid, class) = path.into_inner();
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:inventories:show")?;
    let p = engine
        .provider(&uuid)
        .ok_or_else(|| read_not_found(&uuid))?;
    let entry = engine
        .resource_class(&class)
        .and_then(|c| p.inventories.get(&c.id))
        .ok_or_else(|| ApiError::not_found(format!("No inventory of class {class} for {uuid}")))?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, entry.modified());
    Ok(json_response(
        &mut b,
        &serialize_one(&entry.inventory, p.generation),
    ))
}

async fn create(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:inventories:create")?;
    let p = provider(&engine, &uuid)?;
    static POST: LazyLock<Value> = LazyLock::new(post_schema);
    let data = json_body(&body, &POST)?;
    let class = data["resource_class"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let inv = record(&data);
    capacity_check(&ctx, &uuid, &class, &inv, "create")?;
    let class_id = engine.resource_class(&class).map(|c| c.id).ok_or_else(|| {
        ApiError::bad_request(format!(
            "Unable to create inventory for resource provider {uuid}: No such resource class {class}."
        ))
    })?;
    if p.inventories.contains_key(&class_id) {
        return Err(ApiError::conflict(
            "Update conflict: Another thread concurrently updated the data. Please retry your update",
        )
        .with_code(codes::CONCURRENT_UPDATE));
    }
    let mut all: Vec<(i32, Inventory)> = p
        .inventories
        .iter()
        .map(|(c, e)| (*c, e.inventory))
        .collect();
    all.push((class_id, inv));
    let p = engine
        .set_inventories(&uuid, p.generation, all)
        .await
        .map_err(conflict_as_update)?;
    let mut b = HttpResponse::Created();
    set_location(&mut b, &req, &inventory_url(&uuid, &class));
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &serialize_one(&inv, p.generation)))
}

fn conflict_as_update(e: EngineError) -> ApiError {
    match e {
        EngineError::ProviderGenerationConflict(_) => ApiError::conflict(
            "Update conflict: Another thread concurrently updated the data. Please retry your update",
        )
        .with_code(codes::CONCURRENT_UPDATE),
        other => other.into(),
    }
}

async fn replace(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:inventories:update")?;
    let p = provider(&engine, &uuid)?;
    static PUT_ALL: LazyLock<Value> = LazyLock::new(put_all_schema);
    let data = json_body(&body, &PUT_ALL)?;
    if data["resource_provider_generation"].as_i64() != Some(p.generation) {
        return Err(ApiError::conflict("resource provider generation conflict")
            .with_code(codes::CONCURRENT_UPDATE));
    }
    let mut parsed: BTreeMap<String, Inventory> = BTreeMap::new();
    let mut order = vec![];
    if let Some(invs) = data["inventories"].as_object() {
        for (class, v) in invs {
            parsed.insert(class.clone(), record(v));
            order.push(class.clone());
        }
    }
    for class in &order {
        capacity_check(&ctx, &uuid, class, &parsed[class], "update")?;
    }
    let mut new = vec![];
    for class in &order {
        let id = engine.resource_class(class).map(|c| c.id).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Unknown resource class in inventory for resource provider {uuid}: No such resource class {class}."
            ))
        })?;
        new.push((id, parsed[class]));
    }
    let p = engine
        .set_inventories(&uuid, p.generation, new)
        .await
        .map_err(|e| in_use_message(&engine, &uuid, e))?;
    let mut b = HttpResponse::Ok();
    if ctx.at_least(15) {
        b.insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"));
        if !p.inventories.is_empty() {
            b.insert_header((
                actix_web::http::header::LAST_MODIFIED,
                super::util::http_date(crate::store::now()),
            ));
        }
    }
    Ok(json_response(&mut b, &serialize_all(&engine, &p)))
}

fn in_use_message(engine: &Engine, uuid: &str, e: EngineError) -> ApiError {
    match e {
        EngineError::InventoryInUse { classes, .. } => {
            let names: Vec<String> = classes.iter().map(|c| class_name(engine, *c)).collect();
            ApiError::conflict(format!(
                "update conflict: Inventory for '{}' on resource provider '{uuid}' in use.",
                names.join(", ")
            ))
            .with_code(codes::INVENTORY_INUSE)
        }
        other => conflict_as_update(other),
    }
}

async fn update(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    path: web::Path<(String, String)>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    let (uuid, class) = path.into_inner();
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:inventories:update")?;
    let p = provider(&engine, &uuid)?;
    static PUT_ONE: LazyLock<Value> =
        LazyLock::new(|| base_schema(&["total", "resource_provider_generation"]));
    let data = json_body(&body, &PUT_ONE)?;
    if data["resource_provider_generation"].as_i64() != Some(p.generation) {
        return Err(ApiError::conflict("resource provider generation conflict")
            .with_code(codes::CONCURRENT_UPDATE));
    }
    let inv = record(&data);
    capacity_check(&ctx, &uuid, &class, &inv, "update")?;
    let class_id = engine.resource_class(&class).map(|c| c.id).ok_or_else(|| {
        ApiError::not_found(format!("No such resource class {class}.")).without_vary()
    })?;
    if !p.inventories.contains_key(&class_id) {
        return Err(ApiError::bad_request(format!(
            "No inventory record with resource class for resource provider {uuid}: No inventory of class {class} found."
        )));
    }
    let all: Vec<(i32, Inventory)> = p
        .inventories
        .iter()
        .map(|(c, e)| (*c, if *c == class_id { inv } else { e.inventory }))
        .collect();
    let p = engine
        .set_inventories(&uuid, p.generation, all)
        .await
        .map_err(conflict_as_update)?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &serialize_one(&inv, p.generation)))
}

async fn delete(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (uuid, class) = path.into_inner();
    ctx.authorize("placement:resource_providers:inventories:delete")?;
    let p = provider(&engine, &uuid)?;
    let class_id = engine
        .resource_class(&class)
        .map(|c| c.id)
        .filter(|id| p.inventories.contains_key(id));
    let Some(class_id) = class_id else {
        return Err(ApiError::not_found(format!(
            "No inventory of class {class} found for delete: No inventory of class {class} found."
        )));
    };
    if p.used(class_id) > 0 {
        return Err(ApiError::conflict(format!(
            "Unable to delete inventory of class {class}: Inventory for '{class}' on resource provider '{uuid}' in use."
        ))
        .with_code(codes::CONCURRENT_UPDATE));
    }
    let rest: Vec<(i32, Inventory)> = p
        .inventories
        .iter()
        .filter(|(c, _)| **c != class_id)
        .map(|(c, e)| (*c, e.inventory))
        .collect();
    engine.set_inventories(&uuid, p.generation, rest).await.map_err(|e| match e {
        EngineError::ProviderGenerationConflict(_) => ApiError::conflict(format!(
            "Unable to delete inventory of class {class}: Another thread concurrently updated the data. Please retry your update"
        ))
        .with_code(codes::CONCURRENT_UPDATE),
        other => other.into(),
    })?;
    Ok(HttpResponse::NoContent().finish())
}

async fn delete_all(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !ctx.at_least(5) {
        return Err(ApiError::method_not_allowed("GET, POST, PUT, DELETE"));
    }
    ctx.authorize("placement:resource_providers:inventories:delete")?;
    let p = provider(&engine, &uuid)?;
    engine
        .set_inventories(&uuid, p.generation, vec![])
        .await
        .map_err(|e| match e {
            EngineError::InventoryInUse { classes, .. } => {
                let names: Vec<String> = classes.iter().map(|c| class_name(&engine, *c)).collect();
                ApiError::conflict(format!(
                    "Inventory for '{}' on resource provider '{uuid}' in use.",
                    names.join(", ")
                ))
                .with_code(codes::INVENTORY_INUSE)
            }
            other => conflict_as_update(other),
        })?;
    Ok(HttpResponse::NoContent().finish())
}

async fn usages(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:usages")?;
    let p = engine.provider(&uuid).ok_or_else(|| {
        ApiError::not_found(format!("No resource provider with uuid {uuid} found"))
    })?;
    let mut u = Map::new();
    for class in p.inventories.keys() {
        u.insert(class_name(&engine, *class), json!(p.used(*class)));
    }
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(
        &mut b,
        &json!({"resource_provider_generation": p.generation, "usages": u}),
    ))
}
