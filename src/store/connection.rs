//! One connection type for both backends, a pool, and the SQLite settings.

use std::time::Duration;

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;

use super::StoreError;

/// SQLite or PostgreSQL, chosen by the URL scheme. SQLite must stay the last
/// variant: diesel's derive tries variants in order and SQLite accepts any path.
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path (the `sqlite://` prefix removed).
    Sqlite(String),
}

impl DatabaseUrl {
    /// `postgres://…`/`postgresql://…` is PostgreSQL; `sqlite://PATH` or a bare path is SQLite.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let url = url.trim();
        if url.is_empty() {
            return Err(StoreError::Config("the database URL is empty".into()));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(StoreError::Config("sqlite:// URL without a path".into()));
            }
            return Ok(DatabaseUrl::Sqlite(path.to_string()));
        }
        if let Some((scheme, _)) = url.split_once("://") {
            return Err(StoreError::Config(format!(
                "unsupported database scheme '{scheme}://' (use sqlite:// or postgres://)"
            )));
        }
        Ok(DatabaseUrl::Sqlite(url.to_string()))
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }

    /// The URL without any password, for messages and logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{path}"),
            DatabaseUrl::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((auth, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => format!("{scheme}://{auth}@{host}"),
    }
}

/// Opens connections of the backend the URL names, keeping the real error
/// (diesel's MultiConnection::establish would hide it).
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    /// SQLite: fsync every commit (synchronous=FULL) or never (OFF, for
    /// simulations that do not need to survive a crash).
    durable: bool,
}

impl Manager {
    pub fn new(url: DatabaseUrl, durable: bool) -> Self {
        Manager { url, durable }
    }

    fn open(&self) -> Result<AnyConnection, diesel::ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                // libpq waits for its own connect timeout; keep it short.
                let url = with_connect_timeout(url);
                PgConnection::establish(&url).map(AnyConnection::Postgresql)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // busy_timeout first: switching to WAL can itself meet a lock.
                // synchronous=FULL: an acknowledged commit survives power loss.
                // temp_store=MEMORY: the group commit's per-claim savepoints
                // keep their statement journal in memory, not in a temp file
                // written page by page. cache_size: 32 MiB of pages per
                // connection, so the writer rarely reads back what it wrote.
                let sync = if self.durable { "FULL" } else { "OFF" };
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = {sync}; PRAGMA foreign_keys = ON; \
                     PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;"
                ))
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                Ok(AnyConnection::Sqlite(conn))
            }
        }
    }
}

fn with_connect_timeout(url: &str) -> String {
    if url.contains("connect_timeout=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&connect_timeout=4")
    } else {
        format!("{url}?connect_timeout=4")
    }
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        self.open().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Opens one connection first so a wrong or unreachable database fails at
/// once with its own message, then builds the pool.
pub fn build_pool(url: &DatabaseUrl, max_size: u32, durable: bool) -> Result<Pool, StoreError> {
    let manager = Manager::new(url.clone(), durable);
    manager.open().map_err(|e| StoreError::Connect {
        url: url.redacted(),
        reason: e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    })?;
    r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .build(manager)
        .map_err(|e| StoreError::Connect {
            url: url.redacted(),
            reason: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("placement.sqlite").unwrap(),
            DatabaseUrl::Sqlite("placement.sqlite".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://u@h/db").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn password_is_redacted() {
        let url = DatabaseUrl::parse("postgres://bob:secret@db/x").unwrap();
        assert_eq!(url.redacted(), "postgres://bob:***@db/x");
    }
}
