//! The one API error type, and how errors are rendered as upstream does
//! (webob's templates + Placement's JSON error formatter).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::domain::Version;
use crate::engine::EngineError;

/// Error codes Placement emits from microversion 1.23.
pub mod codes {
    pub const UNDEFINED: &str = "placement.undefined_code";
    pub const CONCURRENT_UPDATE: &str = "placement.concurrent_update";
    pub const DUPLICATE_NAME: &str = "placement.duplicate_name";
    pub const INVENTORY_INUSE: &str = "placement.inventory.inuse";
    pub const PROVIDER_INUSE: &str = "placement.resource_provider.inuse";
    pub const PROVIDER_CANNOT_DELETE_PARENT: &str =
        "placement.resource_provider.cannot_delete_parent";
    pub const PROVIDER_NOT_FOUND: &str = "placement.resource_provider.not_found";
    pub const QUERY_DUPLICATE_KEY: &str = "placement.query.duplicate_key";
    pub const QUERY_BAD_VALUE: &str = "placement.query.bad_value";
    pub const QUERY_MISSING_VALUE: &str = "placement.query.missing_value";
}

/// An HTTP error with upstream's status, detail and code.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status}: {detail}")]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub code: Option<&'static str>,
    /// Handler-level errors carry `Vary: openstack-api-version`; errors
    /// raised around the handlers (routing 404, policy 403) do not.
    pub vary: bool,
    /// `Allow` header for 405.
    pub allow: Option<&'static str>,
    /// Which body shape: Placement's JSON errors or webob's bare default (401).
    pub bare: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            detail: detail.into(),
            code: None,
            vary: true,
            allow: None,
            bare: false,
        }
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail)
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, detail).without_vary()
    }
    pub fn internal(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, detail).without_vary()
    }
    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = Self::new(StatusCode::METHOD_NOT_ALLOWED, "");
        e.allow = Some(allow);
        e
    }
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
    pub fn without_vary(mut self) -> Self {
        self.vary = false;
        self
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// The body is rendered later by the request middleware, which knows
    /// the request's Accept, id and microversion.
    fn error_response(&self) -> HttpResponse {
        let mut resp = HttpResponse::build(self.status).finish();
        resp.extensions_mut().insert(self.clone());
        resp
    }
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::ClassNotFound(_) | EngineError::TraitNotFound(_) => {
                ApiError::not_found(e.to_string())
            }
            EngineError::ClassExists(_)
            | EngineError::ClassInUse(_)
            | EngineError::TraitInUse(_) => ApiError::conflict(e.to_string()),
            EngineError::StandardClass(_) | EngineError::StandardTrait(_) => {
                ApiError::bad_request(e.to_string())
            }
            EngineError::ProviderNotFound(_) => ApiError::not_found(e.to_string()),
            EngineError::ProviderExists(_) => {
                ApiError::conflict(e.to_string()).with_code(codes::DUPLICATE_NAME)
            }
            EngineError::ProviderAction { .. } => ApiError::bad_request(e.to_string()),
            EngineError::ProviderHasChildren(_) => {
                ApiError::conflict(e.to_string()).with_code(codes::PROVIDER_CANNOT_DELETE_PARENT)
            }
            EngineError::ProviderInUse(_) => {
                ApiError::conflict(e.to_string()).with_code(codes::PROVIDER_INUSE)
            }
            EngineError::ProviderGenerationConflict(_) => {
                ApiError::conflict(e.to_string()).with_code(codes::CONCURRENT_UPDATE)
            }
            EngineError::InventoryInUse { .. } => {
                ApiError::conflict(e.to_string()).with_code(codes::INVENTORY_INUSE)
            }
            EngineError::ConsumerGenerationConflict { .. } => {
                ApiError::conflict(e.to_string()).with_code(codes::CONCURRENT_UPDATE)
            }
            EngineError::AllocationProviderNotFound(_) => ApiError::bad_request(e.to_string()),
            EngineError::AllocationRefused(_) => {
                ApiError::conflict(format!("Unable to allocate inventory: {e}"))
            }
            EngineError::ConcurrentUpdate => ApiError::conflict(format!(
                "Inventory and/or allocations changed while attempting to allocate: {e}"
            ))
            .with_code(codes::CONCURRENT_UPDATE),
            EngineError::NoAllocations(_) => ApiError::not_found(e.to_string()),
            EngineError::ReshapeProviderNotFound(_) => {
                ApiError::bad_request(e.to_string()).with_code(codes::PROVIDER_NOT_FOUND)
            }
            EngineError::ReshapeGenerationConflict { .. } => {
                ApiError::conflict(e.to_string()).with_code(codes::CONCURRENT_UPDATE)
            }
            EngineError::Busy => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            EngineError::Store(_) | EngineError::Internal(_) => {
                log::error!("internal error: {e}");
                ApiError::internal(e.to_string())
            }
        }
    }
}

/// What the renderer needs to know about the request.
pub struct RenderContext<'a> {
    pub accept: &'a str,
    pub method: &'a str,
    pub content_type: &'a str,
    pub request_id: &'a str,
    /// None when negotiation failed or has not happened.
    pub version: Option<Version>,
}

/// The output format webob picks from Accept among text/html and application/json.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorFormat {
    Html,
    Json,
    Plain,
}

pub fn error_format(accept: &str) -> ErrorFormat {
    let html = super::accept::quality(accept, "text/html");
    let json = super::accept::quality(accept, "application/json");
    match (html, json) {
        (h, j) if h > 0.0 && h >= j => ErrorFormat::Html,
        (_, j) if j > 0.0 => ErrorFormat::Json,
        _ => ErrorFormat::Plain,
    }
}

fn explanation(status: StatusCode, ctx: &RenderContext<'_>) -> String {
    match status.as_u16() {
        400 => "The server could not comply with the request since it is either malformed or otherwise incorrect.".into(),
        401 => "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.".into(),
        403 => "Access was denied to this resource.".into(),
        404 => "The resource could not be found.".into(),
        405 => format!("The method {} is not allowed for this resource. ", ctx.method),
        406 => format!(
            "The resource could not be generated that was acceptable to your browser\n(content of type {}. ",
            ctx.accept
        ),
        409 => "There was a conflict when trying to complete your request.".into(),
        413 => "The body of your request was too large for this server.".into(),
        415 => format!("The request media type {} is not supported by this server.\n", ctx.content_type),
        500 => "The server has either erred or is incapable of performing the requested operation.".into(),
        503 => "The server is currently unavailable. Please try again at a later time.".into(),
        _ => String::new(),
    }
}

/// webob's body template before tag stripping.
fn template_body(err: &ApiError, ctx: &RenderContext<'_>, escape: fn(&str) -> String) -> String {
    let expl = escape(&explanation(err.status, ctx));
    let detail = escape(&err.detail);
    match err.status.as_u16() {
        405 | 406 | 415 => format!("{expl}<br /><br />\n{detail}"),
        _ => format!("{expl}<br /><br />\n{detail}\n\n"),
    }
}

/// webob.exc.strip_tags.
fn strip_tags(s: &str) -> String {
    let s = s.replace('\n', " ").replace('\r', "");
    let s = s.replace("<br />", "\n");
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

fn no_escape(s: &str) -> String {
    s.to_string()
}

fn status_line(status: StatusCode) -> String {
    format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
}

/// Renders the error body and its content type.
pub fn render(err: &ApiError, ctx: &RenderContext<'_>) -> (&'static str, String) {
    let status = status_line(err.status);
    match error_format(ctx.accept) {
        ErrorFormat::Html => {
            let body = template_body(err, ctx, html_escape);
            let html = format!(
                "<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n  {body}\n </body>\n</html>"
            );
            ("text/html; charset=UTF-8", html)
        }
        ErrorFormat::Plain => {
            let body = strip_tags(&template_body(err, ctx, no_escape));
            ("text/plain; charset=UTF-8", format!("{status}\n\n{body}"))
        }
        ErrorFormat::Json => {
            let body = strip_tags(&template_body(err, ctx, no_escape));
            let title = err.status.canonical_reason().unwrap_or("");
            if err.bare {
                let v = serde_json::json!({"message": body, "code": status, "title": title});
                return ("application/json", v.to_string());
            }
            let mut e = serde_json::Map::new();
            e.insert("status".into(), err.status.as_u16().into());
            e.insert("title".into(), title.into());
            e.insert("detail".into(), body.into());
            if ctx.version.is_some_and(|v| v.at_least(23)) {
                e.insert("code".into(), err.code.unwrap_or(codes::UNDEFINED).into());
            }
            e.insert("request_id".into(), ctx.request_id.into());
            if err.status == StatusCode::NOT_ACCEPTABLE && ctx.version.is_none() {
                e.insert("max_version".into(), Version::MAX.to_string().into());
                e.insert("min_version".into(), Version::MIN.to_string().into());
            }
            (
                "application/json",
                serde_json::json!({"errors": [e]}).to_string(),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(accept: &str) -> RenderContext<'_> {
        RenderContext {
            accept,
            method: "GET",
            content_type: "",
            request_id: "req-1",
            version: Some(Version::new(1, 23)),
        }
    }

    #[test]
    fn json_detail_matches_webob() {
        let e = ApiError::not_found("No resource provider with uuid X found");
        let (ct, body) = render(&e, &ctx("application/json"));
        assert_eq!(ct, "application/json");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            v["errors"][0]["detail"],
            "The resource could not be found.\n\n No resource provider with uuid X found  "
        );
        assert_eq!(v["errors"][0]["code"], "placement.undefined_code");
        assert_eq!(v["errors"][0]["title"], "Not Found");
    }

    #[test]
    fn formats_follow_accept() {
        assert_eq!(error_format("text/html"), ErrorFormat::Html);
        assert_eq!(error_format("application/json"), ErrorFormat::Json);
        assert_eq!(error_format("text/plain"), ErrorFormat::Plain);
        assert_eq!(
            error_format("text/html,application/xhtml+xml,*/*;q=0.8"),
            ErrorFormat::Html
        );
        let (ct, body) = render(
            &ApiError::bad_request("JSON does not validate: x"),
            &ctx("text/plain"),
        );
        assert!(ct.starts_with("text/plain"));
        assert!(body.starts_with("400 Bad Request\n\n"));
        assert!(body.contains("JSON does not validate"));
    }
}
