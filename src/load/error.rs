//! The load generator's error type.

use std::path::PathBuf;

/// Why a load run could not be carried out (or failed its check).
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("bad option: {0}")]
    Config(String),
    /// No response; `detail` is the whole error chain (reqwest's own
    /// message hides the cause, e.g. a reset connection).
    #[error("HTTP {method} {path}: {detail}")]
    Transport {
        method: String,
        path: String,
        detail: String,
    },
    #[error("{method} {path} answered {status}: {body}")]
    Status {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("unexpected response to {what}: {detail}")]
    Response { what: String, detail: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot draw {path}: {detail}")]
    Plot { path: PathBuf, detail: String },
    #[error("{workers} worker(s) stopped on repeated failures; last: {last}")]
    Aborted { workers: u64, last: String },
    #[error("invariant check failed: {0} violation(s)")]
    InvariantViolated(usize),
}
