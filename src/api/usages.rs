//! GET /usages: usage totals of a project (and user), by consumer type from 1.38.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use super::context::RequestContext;
use super::error::ApiError;
use super::util::{cache_headers, json_response, query_pairs, validate_query};
use crate::domain::schema_cache::PerVersion;
use crate::engine::{ConsumerState, Engine};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/usages")
            .route(web::get().to(usages))
            .default_service(web::to(super::not_allowed("GET"))),
    );
}

fn schema(ctx: &RequestContext) -> Value {
    let text = || json!({"type": "string", "minLength": 1, "maxLength": 255});
    let mut s = json!({
        "type": "object",
        "properties": {"project_id": text(), "user_id": text()},
        "required": ["project_id"],
        "additionalProperties": false,
    });
    if ctx.at_least(38) {
        let mut t = text();
        t["pattern"] = json!("^[A-Z0-9_]+$|^all|^unknown$");
        s["properties"]["consumer_type"] = t;
    }
    s
}

/// Usage sums per class and the number of distinct consumers.
#[derive(Default)]
struct Totals {
    by_class: BTreeMap<i32, i64>,
    consumers: BTreeSet<String>,
}

impl Totals {
    fn add(&mut self, c: &ConsumerState) {
        for a in &c.allocations {
            *self.by_class.entry(a.class).or_default() += a.used;
        }
        if !c.allocations.is_empty() {
            self.consumers.insert(c.uuid.clone());
        }
    }

    fn to_json(&self, engine: &Engine, with_count: bool) -> Value {
        let mut m = Map::new();
        for (class, used) in &self.by_class {
            m.insert(engine.class_name(*class).unwrap_or_default(), json!(used));
        }
        if with_count {
            m.insert("consumer_count".into(), json!(self.consumers.len()));
        }
        Value::Object(m)
    }
}

async fn usages(
    ctx: RequestContext,
    req: HttpRequest,
    engine: web::Data<Engine>,
) -> Result<HttpResponse, ApiError> {
    ctx.require_version(9)?;
    ctx.check_accept_json()?;
    let pairs = query_pairs(&req)?;
    let last = |k: &str| {
        pairs
            .iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let project = last("project_id");
    ctx.authorize_for("placement:usages", project.as_deref())?;
    static SCHEMA: PerVersion = PerVersion::new();
    validate_query(&pairs, &SCHEMA.get(ctx.version, || schema(&ctx)))?;
    let project = project.unwrap_or_default();
    let user = last("user_id");
    let ctype = last("consumer_type").filter(|_| ctx.at_least(38));
    let out = engine.with_consumers(|t| {
        let mine = t
            .iter()
            .filter(|c| c.project == project && user.as_ref().is_none_or(|u| c.user == *u));
        if !ctx.at_least(38) {
            let mut all = Totals::default();
            mine.for_each(|c| all.add(c));
            return all.to_json(&engine, false);
        }
        let mut groups: BTreeMap<String, Totals> = BTreeMap::new();
        for c in mine {
            let key = match ctype.as_deref() {
                Some("all") => "all".to_string(),
                Some("unknown") if c.consumer_type.is_some() => continue,
                Some(t) if t != "unknown" && c.consumer_type.as_deref() != Some(t) => continue,
                _ => c.consumer_type.clone().unwrap_or_else(|| "unknown".into()),
            };
            groups.entry(key).or_default().add(c);
        }
        let mut m = Map::new();
        for (k, totals) in groups {
            if !totals.by_class.is_empty() {
                m.insert(k, totals.to_json(&engine, true));
            }
        }
        Value::Object(m)
    });
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    Ok(json_response(&mut b, &json!({"usages": out})))
}
