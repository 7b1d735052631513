//! Running the HTTP service: open the engine, bind, serve until SIGTERM/SIGINT.

mod framing_guard;

use std::net::TcpListener;
use std::time::Duration;

use actix_http::{HttpService, Protocol};
use actix_service::{ServiceFactoryExt as _, fn_service, map_config};
use actix_web::dev::AppConfig;

pub use framing_guard::{FramingGuard, REJECTED_CONTENT_LENGTH};

use crate::api::Settings;
use crate::engine::{Engine, EngineConfig};

/// What `placement-rs serve` needs.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub bind: String,
    pub database_url: String,
    /// HTTP worker threads; 0 = one per core.
    pub workers: usize,
}

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Engine(#[from] crate::engine::EngineError),
    #[error("configuration: {0}")]
    Settings(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Opens the database and serves until a shutdown signal; in-flight
/// requests are finished before returning (actix-server's graceful stop).
pub fn serve(config: &ServeConfig) -> Result<(), ServeError> {
    let settings = Settings::from_env().map_err(ServeError::Settings)?;
    let engine = Engine::open(&EngineConfig::new(config.database_url.clone()))?;
    let listener = TcpListener::bind(&config.bind).map_err(|source| ServeError::Bind {
        addr: config.bind.clone(),
        source,
    })?;
    log::info!("placement-rs serving on http://{}", config.bind);
    let workers = if config.workers == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        config.workers
    };
    actix_web::rt::System::new().block_on(async move {
        // actix-web's HttpServer, spelled out so every connection goes
        // through the FramingGuard (see its module doc for why).
        actix_server::Server::build()
            .workers(workers)
            .shutdown_timeout(30)
            .listen("placement", listener, move || {
                let app = crate::placement_app!(engine.clone(), settings.clone());
                let http = HttpService::build()
                    .keep_alive(Duration::from_secs(5))
                    .client_request_timeout(Duration::from_secs(5))
                    .finish(map_config(app, |_| AppConfig::default()));
                fn_service(|io: actix_web::rt::net::TcpStream| async move {
                    // Small JSON answers: do not wait for Nagle.
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    Ok::<_, actix_http::error::DispatchError>((
                        FramingGuard::new(io),
                        Protocol::Http1,
                        peer,
                    ))
                })
                .and_then(http)
            })?
            .run()
            .await
    })?;
    log::info!("placement-rs stopped");
    Ok(())
}
