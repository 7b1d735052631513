//! placement-rs: a wire-compatible OpenStack Placement API built as an
//! actor engine. The `engine` is the embedding API; `api` serves it over HTTP.

pub mod api;
pub mod domain;
pub mod engine;
pub mod load;
pub mod server;
pub mod store;

pub use engine::{Engine, EngineConfig, EngineError, Persistence};
