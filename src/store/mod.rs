//! Persistence with diesel: schema, migrations, queries. Knows nothing of HTTP.

pub mod allocations;
pub mod catalog;
pub mod connection;
mod kept_prepared;
pub mod migrate;
pub mod providers;
pub mod schema;

pub use connection::{AnyConnection, DatabaseUrl, Pool, PooledConnection};

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("invalid database configuration: {0}")]
    Config(String),
    #[error("cannot connect to database {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("unique constraint violated: {0}")]
    Duplicate(String),
    #[error("stale consumer generation: {0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Query(diesel::result::Error),
    #[error("{0}")]
    Failed(String),
    #[error("connection pool: {0}")]
    Pool(#[from] r2d2::Error),
}

impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Duplicate(info.message().to_string())
            }
            other => StoreError::Query(other),
        }
    }
}

/// The current time as stored in `created_at`/`updated_at` (UTC, no zone).
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
