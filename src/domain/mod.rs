//! Pure types and rules of Placement: no I/O, no actix, no diesel.

pub mod candidate_request;
pub mod inventory;
pub mod jsonschema;
pub mod microversion;
pub mod names;
pub mod query;
pub mod schema_cache;
pub mod standard;

pub use microversion::Version;
