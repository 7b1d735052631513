//! The request pipeline around every handler, in upstream's order:
//! request id → CORS → noauth2 → microversion → content-length check →
//! routing; on the way out: error bodies, version headers, access log.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};

use super::context::{RequestContext, noauth_credentials};
use super::error::{ApiError, RenderContext, render};
use super::settings::{ALLOW_METHODS, Cors, EXPOSE_HEADERS, Settings};
use crate::domain::Version;
use crate::domain::microversion::{self, VersionError};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-openstack-request-id");
pub const API_VERSION: HeaderName = HeaderName::from_static("openstack-api-version");

/// Request facts kept for rendering errors and logging.
struct Facts {
    request_id: String,
    method: String,
    path: String,
    accept: String,
    content_type: String,
    version: Option<Version>,
}

fn header_str(req: &ServiceRequest, name: impl header::AsHeaderName) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

pub async fn pipeline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let settings = req
        .app_data::<web::Data<Settings>>()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    let accept = match header_str(&req, header::ACCEPT) {
        None => "application/json".to_string(),
        Some(a) if a.trim().is_empty() || a.trim() == "*/*" => "application/json".to_string(),
        Some(a) => a,
    };
    let mut facts = Facts {
        request_id: format!("req-{}", uuid::Uuid::new_v4()),
        method: req.method().to_string(),
        path: req.path().to_string(),
        accept,
        content_type: header_str(&req, header::CONTENT_TYPE).unwrap_or_default(),
        version: None,
    };
    let origin = header_str(&req, header::ORIGIN);

    let res = match stages(req, next, &settings, &mut facts).await {
        Ok(res) => res,
        Err(Refused(req, err)) => req.into_response(err.error_response_boxed()),
        Err(Unhandled(e)) => return Err(e),
    };
    let mut res = finish(res, &facts);
    if let (Some(cors), Some(origin)) = (&settings.cors, origin)
        && facts.method != "OPTIONS"
    {
        apply_cors_simple(&mut res, cors, &origin);
    }
    log::info!(
        "{} \"{} {}\" status: {} microversion: {} {:.1}ms",
        facts.request_id,
        facts.method,
        facts.path,
        res.status().as_u16(),
        facts.version.map_or("-".to_string(), |v| v.to_string()),
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(res)
}

trait BoxedError {
    fn error_response_boxed(&self) -> HttpResponse;
}

impl BoxedError for ApiError {
    fn error_response_boxed(&self) -> HttpResponse {
        actix_web::ResponseError::error_response(self)
    }
}

enum Early {
    Refused(ServiceRequest, ApiError),
    Unhandled(actix_web::Error),
}
use Early::{Refused, Unhandled};

async fn stages(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    settings: &Settings,
    facts: &mut Facts,
) -> Result<ServiceResponse<BoxBody>, Early> {
    if let Some(cors) = &settings.cors
        && req.method() == Method::OPTIONS
    {
        let resp = preflight(&req, cors);
        return Ok(req.into_response(resp));
    }

    let is_root = facts.path.is_empty() || facts.path == "/";
    let creds = noauth_credentials(req.headers());
    let creds = match creds {
        Some(c) => c,
        None if is_root => Default::default(),
        None => {
            let mut e = ApiError::new(StatusCode::UNAUTHORIZED, "").without_vary();
            e.bare = true;
            return Err(Refused(req, e));
        }
    };

    let version_header = header_str(&req, &API_VERSION);
    let version = match microversion::negotiate(version_header.as_deref()) {
        Ok(v) => v,
        Err(VersionError::Invalid(v)) => {
            let e =
                ApiError::bad_request(format!("Invalid microversion: invalid version string: {v}"));
            return Err(Refused(req, e.without_vary()));
        }
        Err(VersionError::Unacceptable(v)) => {
            let e = ApiError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!("Invalid microversion: Unacceptable version header: {v}"),
            );
            return Err(Refused(req, e.without_vary()));
        }
    };
    facts.version = Some(version);

    // The connection's FramingGuard renames a Content-Length that cannot
    // frame a body, so that this check can answer it as upstream does.
    let content_length = header_str(&req, header::CONTENT_LENGTH)
        .or_else(|| header_str(&req, crate::server::REJECTED_CONTENT_LENGTH));
    if let Some(len) = content_length {
        match len.trim().parse::<i64>() {
            Err(_) => {
                let e = ApiError::bad_request("content-length header must be an integer");
                return Err(Refused(req, e.without_vary()));
            }
            Ok(n) if n > 0 && facts.content_type.is_empty() => {
                let e =
                    ApiError::bad_request("content-type header required when content-length > 0");
                return Err(Refused(req, e.without_vary()));
            }
            Ok(_) => {}
        }
    }

    req.extensions_mut().insert(RequestContext {
        request_id: facts.request_id.clone(),
        version,
        creds,
        policy: settings.policy,
        accept: facts.accept.clone(),
    });
    // Handler errors are already responses here; anything else is a bug
    // of the app, reported as 500 by actix itself.
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
        .map_err(|e| {
            log::error!("{} unhandled error: {e}", facts.request_id);
            Unhandled(e)
        })
}

/// Renders error bodies and adds the request id and microversion headers.
fn finish(res: ServiceResponse<BoxBody>, facts: &Facts) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let api_error = res.response().extensions().get::<ApiError>().cloned();
    let api_error = match api_error {
        Some(e) => Some(e),
        // A 4xx/5xx that actix produced itself (e.g. payload errors).
        None if status.is_client_error() || status.is_server_error() => {
            Some(ApiError::new(status, "").without_vary())
        }
        None => None,
    };
    let vary = facts.version.is_some() && api_error.as_ref().is_none_or(|e| e.vary);
    let (http_req, mut resp) = res.into_parts();
    if let Some(err) = api_error {
        let ctx = RenderContext {
            accept: &facts.accept,
            method: &facts.method,
            content_type: if facts.content_type.is_empty() {
                "None"
            } else {
                &facts.content_type
            },
            request_id: &facts.request_id,
            version: facts.version,
        };
        let (content_type, body) = render(&err, &ctx);
        let headers = resp.headers().clone();
        resp = resp.set_body(BoxBody::new(body));
        for (k, v) in headers.iter() {
            resp.headers_mut().insert(k.clone(), v.clone());
        }
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if let Some(allow) = err.allow {
            resp.headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
    }
    let headers = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&facts.request_id) {
        headers.insert(REQUEST_ID, v);
    }
    if let Some(version) = facts.version {
        if let Ok(v) = HeaderValue::from_str(&format!("placement {version}")) {
            headers.insert(API_VERSION, v);
        }
        if vary {
            headers.insert(
                header::VARY,
                HeaderValue::from_static("openstack-api-version"),
            );
        }
    }
    ServiceResponse::new(http_req, resp)
}

/// Request headers a CORS preflight may always ask for (oslo's simple headers).
const SIMPLE_HEADERS: &[&str] = &[
    "cache-control",
    "content-language",
    "content-type",
    "expires",
    "last-modified",
    "pragma",
];

/// oslo.middleware's preflight: always 200; CORS headers only when the origin,
/// method and requested headers are all permitted.
fn preflight(req: &ServiceRequest, cors: &Cors) -> HttpResponse {
    let mut resp = HttpResponse::Ok().finish();
    let get = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let Some(origin) = get("origin") else {
        return resp;
    };
    if !cors
        .allowed_origins
        .iter()
        .any(|o| *o == origin || o == "*")
    {
        return resp;
    }
    let Some(method) = get("access-control-request-method") else {
        return resp;
    };
    if !ALLOW_METHODS.split(',').any(|m| m == method) {
        return resp;
    }
    let requested: Vec<String> = get("access-control-request-headers")
        .map(|h| {
            h.split(',')
                .map(|x| x.trim().to_string())
                .filter(|x| !x.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let permitted = |h: &str| {
        let h = h.to_ascii_lowercase();
        cors.allow_headers.contains(&h) || SIMPLE_HEADERS.contains(&h.as_str())
    };
    if !requested.iter().all(|h| permitted(h)) {
        return resp;
    }
    let allowed_origin = if cors.allowed_origins.contains(&origin) {
        origin
    } else {
        "*".to_string()
    };
    let headers = resp.headers_mut();
    let mut set = |k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            headers.insert(HeaderName::from_static(k), v);
        }
    };
    set("vary", "Origin");
    set("access-control-allow-origin", &allowed_origin);
    set("access-control-allow-credentials", "true");
    set("access-control-allow-methods", &method);
    if !requested.is_empty() {
        set("access-control-allow-headers", &requested.join(","));
    }
    resp
}

/// oslo.middleware's simple (non-preflight) CORS response headers.
fn apply_cors_simple(res: &mut ServiceResponse<BoxBody>, cors: &Cors, origin: &str) {
    let allowed = if cors.allowed_origins.iter().any(|o| o == origin) {
        origin.to_string()
    } else if cors.allowed_origins.iter().any(|o| o == "*") {
        "*".to_string()
    } else {
        return;
    };
    let headers = res.headers_mut();
    let vary = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(v) => format!("{v},Origin"),
        None => "Origin".to_string(),
    };
    for (k, v) in [
        (header::VARY, vary),
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed),
        (header::ACCESS_CONTROL_ALLOW_CREDENTIALS, "true".to_string()),
        (
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            EXPOSE_HEADERS.to_string(),
        ),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            headers.insert(k, v);
        }
    }
}
