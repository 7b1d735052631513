//! The HTTP layer (actix-web): one module per resource, the request
//! pipeline, errors and policy. Talks to the engine only.

pub mod accept;
mod allocation_candidates;
mod allocations;
pub mod candidates_cache;
pub mod context;
pub mod error;
mod inventories;
pub mod middleware;
pub mod policy;
mod provider_links;
mod reshaper;
mod resource_classes;
mod resource_providers;
mod root;
pub mod settings;
mod traits;
mod usages;
pub mod util;

use actix_web::{HttpResponse, web};

pub use error::ApiError;
pub use settings::Settings;

/// Largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Every route of the API, for the server and for in-process tests alike.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY));
    root::configure(cfg);
    resource_classes::configure(cfg);
    traits::configure(cfg);
    resource_providers::configure(cfg);
    inventories::configure(cfg);
    provider_links::configure(cfg);
    allocations::configure(cfg);
    allocation_candidates::configure(cfg);
    reshaper::configure(cfg);
    usages::configure(cfg);
    cfg.default_service(web::to(not_found_route));
}

/// A handler answering 405 with the declared methods in `Allow`.
pub fn not_allowed(
    allow: &'static str,
) -> impl Fn() -> std::future::Ready<Result<HttpResponse, ApiError>> + Clone {
    move || std::future::ready(Err(ApiError::method_not_allowed(allow)))
}

async fn not_found_route() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("").without_vary())
}

/// Builds the application with the pipeline middleware.
#[macro_export]
macro_rules! placement_app {
    ($engine:expr, $settings:expr) => {
        actix_web::App::new()
            .app_data(actix_web::web::Data::new($engine))
            .app_data(actix_web::web::Data::new($settings))
            .configure($crate::api::configure)
            .wrap(actix_web::middleware::from_fn(
                $crate::api::middleware::pipeline,
            ))
    };
}
