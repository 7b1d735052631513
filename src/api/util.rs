//! Helpers shared by the handlers: bodies, content types, cache headers, links.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDateTime;
use serde_json::Value;

use super::context::RequestContext;
use super::error::ApiError;
use crate::domain::jsonschema::{self, UuidFormat};

/// 415 unless the media type is exactly application/json (upstream's require_content).
pub fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let raw = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = raw.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    let shown = if media.is_empty() { "None" } else { media };
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!("The media type {shown} is not supported, use application/json"),
    ))
}

/// Parses a JSON body and validates it against an upstream schema.
pub fn json_body(body: &[u8], schema: &Value) -> Result<Value, ApiError> {
    let data: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("Malformed JSON: {e}")))?;
    jsonschema::validate(&data, schema, UuidFormat::Lenient)
        .map_err(|e| ApiError::bad_request(format!("JSON does not validate: {e}")))?;
    Ok(data)
}

/// Validates query parameters (last value per key, as webob's dict(req.GET)).
pub fn validate_query(pairs: &[(String, String)], schema: &Value) -> Result<(), ApiError> {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    jsonschema::validate(&Value::Object(map), schema, UuidFormat::Strict)
        .map_err(|e| ApiError::bad_request(format!("Invalid query string parameters: {e}")))
}

/// The query string as ordered (key, value) pairs; undecodable bytes are a 400.
pub fn query_pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    let qs = req.query_string();
    let mut out = Vec::new();
    for (k, v) in form_urlencoded::parse(qs.as_bytes()) {
        if k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
            return Err(ApiError::bad_request(
                "Invalid query string parameters: 'utf-8' codec can't decode the query string",
            ));
        }
        out.push((k.into_owned(), v.into_owned()));
    }
    Ok(out)
}

/// RFC 7231 date as webob writes Last-Modified.
pub fn http_date(t: NaiveDateTime) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// From 1.15: `Cache-Control: no-cache` and `Last-Modified` (now when None).
pub fn cache_headers(
    builder: &mut HttpResponseBuilder,
    ctx: &RequestContext,
    modified: Option<NaiveDateTime>,
) {
    if ctx.at_least(15) {
        let when = modified.unwrap_or_else(crate::store::now);
        builder.insert_header((header::CACHE_CONTROL, "no-cache"));
        builder.insert_header((header::LAST_MODIFIED, http_date(when)));
    }
}

/// A 200 JSON response.
pub fn json_response(builder: &mut HttpResponseBuilder, body: &Value) -> HttpResponse {
    builder
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(body.to_string())
}

/// An absolute URL for a Location header, as webob makes it.
pub fn absolute_url(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}{}", info.scheme(), info.host(), path)
}

pub fn set_location(builder: &mut HttpResponseBuilder, req: &HttpRequest, path: &str) {
    if let Ok(v) = HeaderValue::from_str(&absolute_url(req, path)) {
        builder.insert_header((header::LOCATION, v));
    }
}
