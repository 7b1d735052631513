//! /resource_providers and /resource_providers/{uuid}.

use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::util::{
    cache_headers, json_body, json_response, query_pairs, require_json, set_location,
    validate_query,
};
use crate::domain::Version;
use crate::domain::query;
use crate::domain::schema_cache::PerVersion;
use crate::engine::{
    Engine, EngineError, NewProvider, ProviderState, ProviderTable, ProviderUpdate,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/resource_providers")
            .route(web::get().to(list))
            .route(web::post().to(create))
            .default_service(web::to(super::not_allowed("GET, POST"))),
    )
    .service(
        web::resource("/resource_providers/{uuid}")
            .route(web::get().to(show))
            .route(web::delete().to(delete))
            .route(web::put().to(update))
            .default_service(web::to(super::not_allowed("GET, DELETE, PUT"))),
    );
}

pub fn provider_url(uuid: &str) -> String {
    format!("/resource_providers/{uuid}")
}

/// A provider as upstream serialises it at this microversion.
pub fn serialize(p: &ProviderState, version: Version) -> Value {
    let url = provider_url(&p.uuid);
    let mut rels = vec!["inventories", "usages"];
    if version.at_least(1) {
        rels.push("aggregates");
    }
    if version.at_least(6) {
        rels.push("traits");
    }
    if version.at_least(11) {
        rels.push("allocations");
    }
    let mut links = vec![json!({"rel": "self", "href": url})];
    links.extend(
        rels.iter()
            .map(|r| json!({"rel": r, "href": format!("{url}/{r}")})),
    );
    let mut v = json!({"uuid": p.uuid, "name": p.name, "generation": p.generation, "links": links});
    if version.at_least(14) {
        v["parent_provider_uuid"] = json!(p.parent);
        v["root_provider_uuid"] = json!(p.root);
    }
    v
}

fn uuid_schema() -> Value {
    json!({"type": "string", "format": "uuid"})
}

fn post_schema(version: Version) -> Value {
    let mut s = json!({
        "type": "object",
        "properties": {"name": {"type": "string", "maxLength": 200}, "uuid": uuid_schema()},
        "required": ["name"],
        "additionalProperties": false,
    });
    if version.at_least(14) {
        s["properties"]["parent_provider_uuid"] =
            json!({"anyOf": [uuid_schema(), {"type": "null"}]});
    }
    s
}

fn put_schema(version: Version) -> Value {
    let mut s = post_schema(version);
    if let Some(props) = s["properties"].as_object_mut() {
        props.remove("uuid");
    }
    s
}

fn list_schema(version: Version) -> Value {
    let mut props = json!({"name": {"type": "string"}, "uuid": uuid_schema()});
    let extra: &[(u32, &str, Value)] = &[
        (3, "member_of", json!({"type": "string"})),
        (4, "resources", json!({"type": "string"})),
        (14, "in_tree", uuid_schema()),
        (18, "required", json!({"type": "string"})),
    ];
    for (minor, key, schema) in extra {
        if version.at_least(*minor) {
            props[*key] = schema.clone();
        }
    }
    json!({"type": "object", "properties": props, "additionalProperties": false})
}

/// Canonical lowercase dashed form of a uuid-like string (upstream normalises POSTed uuids).
fn normalize_uuid(s: &str) -> String {
    uuid::Uuid::parse_str(s)
        .map(|u| u.hyphenated().to_string())
        .unwrap_or_else(|_| s.to_lowercase())
}

async fn create(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:create")?;
    static POST: PerVersion = PerVersion::new();
    let data = json_body(&body, &POST.get(ctx.version, || post_schema(ctx.version)))?;
    let name = data["name"].as_str().unwrap_or_default().to_string();
    let uuid = match data.get("uuid").and_then(Value::as_str) {
        Some(u) => normalize_uuid(u),
        None => uuid::Uuid::new_v4().to_string(),
    };
    if name.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Unable to create resource provider \"{name}\", {uuid}: Object action create failed because: name is required"
        )));
    }
    let parent = data
        .get("parent_provider_uuid")
        .and_then(Value::as_str)
        .map(str::to_string);
    let created = engine
        .create_provider(NewProvider {
            uuid: uuid.clone(),
            name: name.clone(),
            parent,
        })
        .await;
    let p = match created {
        Ok(p) => p,
        Err(e @ EngineError::ProviderAction { .. }) => {
            return Err(ApiError::bad_request(format!(
                "Unable to create resource provider \"{name}\", {uuid}: {e}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    if ctx.at_least(20) {
        let mut b = HttpResponse::Ok();
        set_location(&mut b, &req, &provider_url(&p.uuid));
        cache_headers(&mut b, &ctx, None);
        return Ok(json_response(&mut b, &serialize(&p, ctx.version)));
    }
    let mut b = HttpResponse::Created();
    set_location(&mut b, &req, &provider_url(&p.uuid));
    Ok(b.finish())
}

async fn show(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:show")?;
    let p = engine.provider(&uuid).ok_or_else(|| not_found(&uuid))?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, p.modified());
    Ok(json_response(&mut b, &serialize(&p, ctx.version)))
}

pub fn not_found(uuid: &str) -> ApiError {
    ApiError::not_found(format!("No resource provider with uuid {uuid} found"))
}

async fn update(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
    body: Bytes,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    ctx.authorize("placement:resource_providers:update")?;
    let before = engine.provider(&uuid).ok_or_else(|| not_found(&uuid))?;
    static PUT: PerVersion = PerVersion::new();
    let data = json_body(&body, &PUT.get(ctx.version, || put_schema(ctx.version)))?;
    let name = data["name"].as_str().unwrap_or_default().to_string();
    let parent = match data.get("parent_provider_uuid") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(v.as_str().map(str::to_string)),
    };
    let update = ProviderUpdate {
        name,
        parent,
        allow_reparenting: ctx.at_least(37),
    };
    let p = match engine.update_provider(&uuid, update).await {
        Ok(p) => p,
        Err(e @ EngineError::ProviderAction { .. }) => {
            return Err(ApiError::bad_request(format!(
                "Unable to save resource provider {uuid}: {e}"
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let mut b = HttpResponse::Ok();
    if ctx.at_least(15) {
        // Upstream reports the updated_at read before the update (absent if unset).
        b.insert_header((actix_web::http::header::CACHE_CONTROL, "no-cache"));
        if let Some(t) = before.updated_at {
            b.insert_header((
                actix_web::http::header::LAST_MODIFIED,
                super::util::http_date(t),
            ));
        }
    }
    Ok(json_response(&mut b, &serialize(&p, ctx.version)))
}

async fn delete(
    ctx: RequestContext,
    engine: web::Data<Engine>,
    uuid: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    ctx.authorize("placement:resource_providers:delete")?;
    match engine.delete_provider(&uuid).await {
        Ok(()) => Ok(HttpResponse::NoContent().finish()),
        Err(EngineError::ProviderNotFound(_)) => Err(ApiError::not_found(format!(
            "No resource provider with uuid {uuid} found for delete"
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The list filters of GET /resource_providers (all AND'ed).
struct ListFilter {
    name: Option<String>,
    uuid: Option<String>,
    in_tree: Option<String>,
    member_of: query::AggregateFilter,
    required: query::TraitFilter,
    /// (class id, amount)
    resources: Vec<(i32, i64)>,
}

impl ListFilter {
    fn matches(
        &self,
        t: &ProviderTable,
        p: &ProviderState,
        trait_ids: &dyn Fn(&str) -> Option<i32>,
    ) -> bool {
        if self.name.as_ref().is_some_and(|n| *n != p.name)
            || self.uuid.as_ref().is_some_and(|u| *u != p.uuid)
        {
            return false;
        }
        if let Some(tree) = &self.in_tree {
            match t.get(tree) {
                Some(anchor) if anchor.root == p.root => {}
                _ => return false,
            }
        }
        let in_agg = |a: &String| p.aggregates.contains(a);
        if !self
            .member_of
            .any_of
            .iter()
            .all(|set| set.iter().any(in_agg))
            || self.member_of.forbidden.iter().any(in_agg)
        {
            return false;
        }
        let has = |name: &String| trait_ids(name).is_some_and(|id| p.traits.contains(&id));
        if !self.required.any_of.iter().all(|set| set.iter().any(has))
            || self.required.forbidden.iter().any(has)
        {
            return false;
        }
        self.resources
            .iter()
            .all(|(class, amount)| p.can_fit(*class, *amount))
    }
}

async fn list(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, ApiError> {
    ctx.check_accept_json()?;
    ctx.authorize("placement:resource_providers:list")?;
    let pairs = query_pairs(&req)?;
    validate_query(&pairs, &list_schema(ctx.version))?;
    let all = |key: &str| {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let last = |key: &str| all(key).last().map(|v| v.to_string());
    let member_of = match all("member_of") {
        v if v.is_empty() => Default::default(),
        v => query::parse_member_of("member_of", &v, ctx.version).map_err(ApiError::bad_request)?,
    };
    let required = match all("required") {
        v if v.is_empty() => Default::default(),
        v => query::parse_required(&v, ctx.version).map_err(ApiError::bad_request)?,
    };
    let mut resources = vec![];
    if let Some(value) = last("resources") {
        for (class, amount) in query::parse_resources(&value).map_err(ApiError::bad_request)? {
            let entry = engine.resource_class(&class).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Invalid resource class in resources parameter: No such resource class {class}."
                ))
            })?;
            resources.push((entry.id, amount as i64));
        }
    }
    let unknown: Vec<String> = required
        .names()
        .into_iter()
        .filter(|n| engine.trait_by_name(n).is_none())
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Invalid trait(s) in \"required\" parameter: No such trait(s): {}.",
            unknown.join(", ")
        )));
    }
    let filter = ListFilter {
        name: last("name"),
        uuid: last("uuid"),
        in_tree: last("in_tree"),
        member_of,
        required,
        resources,
    };
    // The scan and the body grow with the deployment: run them on the
    // blocking pool so the workers keep serving other requests.
    let version = ctx.version;
    let engine = engine.into_inner();
    let (body, modified) = web::block(move || {
        let trait_id = |name: &str| engine.trait_by_name(name).map(|e| e.id);
        engine.with_providers(|t| {
            let found: Vec<&ProviderState> = t
                .iter()
                .filter(|p| filter.matches(t, p, &trait_id))
                .collect();
            let modified = found.iter().filter_map(|p| p.modified()).max();
            let list: Vec<Value> = found.iter().map(|p| serialize(p, version)).collect();
            (json!({ "resource_providers": list }), modified)
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("provider list failed: {e}")))?;
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, modified);
    Ok(json_response(&mut b, &body))
}
