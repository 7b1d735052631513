//! GET / : the version document (no token needed).

use actix_web::{HttpResponse, web};
use serde_json::json;

use super::context::RequestContext;
use super::util::{cache_headers, json_response};
use crate::domain::Version;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/")
            .route(web::get().to(home))
            .default_service(web::to(super::not_allowed("GET"))),
    );
}

async fn home(ctx: RequestContext) -> HttpResponse {
    let body = json!({
        "versions": [{
            "id": "v1.0",
            "max_version": Version::MAX.to_string(),
            "min_version": Version::MIN.to_string(),
            "status": "CURRENT",
            "links": [{"rel": "self", "href": ""}],
        }]
    });
    let mut b = HttpResponse::Ok();
    cache_headers(&mut b, &ctx, None);
    json_response(&mut b, &body)
}
