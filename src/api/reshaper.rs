//! POST /reshaper (1.30): move inventories and allocations in one step.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;

use super::allocations::{consumer_claim, post_schema};
use super::context::RequestContext;
use super::error::{ApiError, codes};
use super::inventories::{put_all_schema, record};
use super::util::{json_body, require_json};
use crate::engine::{Engine, EngineError, ReshapeInventory};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/reshaper")
            .route(web::post().to(reshape))
            .default_service(web::to(super::not_allowed("POST"))),
    );
}

fn schema(ctx: &RequestContext) -> Value {
    let mut allocations = post_schema(ctx);
    allocations["minProperties"] = 0.into();
    serde_json::json!({
        "type": "object",
        "properties": {
            "inventories": {
                "type": "object",
                "patternProperties": {"^[0-9a-fA-F-]{36}$": put_all_schema()},
                "minProperties": 1,
                "additionalProperties": false,
            },
            "allocations": allocations,
        },
        "required": ["inventories", "allocations"],
        "additionalProperties": false,
    })
}

async fn reshape(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(30)?;
    require_json(&req)?;
    ctx.authorize("placement:reshaper:reshape")?;
    let data = json_body(&body, &schema(&ctx))?;
    let mut inventories = vec![];
    for (rp, v) in data["inventories"].as_object().into_iter().flatten() {
        inventories.push(ReshapeInventory {
            provider: rp.clone(),
            generation: v["resource_provider_generation"].as_i64().unwrap_or(-1),
            inventories: v["inventories"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(class, rec)| (class.clone(), record(rec)))
                .collect(),
        });
    }
    let claims = data["allocations"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(consumer, v)| consumer_claim(&ctx, consumer.clone(), v))
        .collect();
    engine
        .reshape(inventories, claims)
        .await
        .map_err(|e| match e {
            EngineError::ClassNotFound(_) => {
                ApiError::bad_request(format!("malformed reshaper data: {e}"))
            }
            EngineError::InventoryInUse { provider, classes } => {
                let names: Vec<String> = classes
                    .iter()
                    .map(|c| engine.class_name(*c).unwrap_or_default())
                    .collect();
                ApiError::conflict(format!(
                    "update conflict: Inventory for '{}' on resource provider '{provider}' in use.",
                    names.join(", ")
                ))
                .with_code(codes::INVENTORY_INUSE)
            }
            EngineError::ConcurrentUpdate => ApiError::conflict(format!("update conflict: {e}"))
                .with_code(codes::CONCURRENT_UPDATE),
            other => other.into(),
        })?;
    Ok(HttpResponse::NoContent().finish())
}
