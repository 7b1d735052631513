//! The engine: in-memory state in front of the store. The HTTP layer and
//! embedding schedulers talk to it; it owns every write to the database.

pub mod catalog;
mod error;
pub mod provider_state;
pub mod providers;
mod resource_classes;
mod traits;

use std::sync::{Arc, RwLock};

pub use catalog::{Catalog, Entry};
pub use error::EngineError;
pub use provider_state::ProviderState;
pub use providers::{NewProvider, ProviderTable, ProviderUpdate};
pub use resource_classes::Ensured;
pub use traits::TraitFilter;

use crate::store::{self, DatabaseUrl, Pool, StoreError};

/// How to start an engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `sqlite://PATH`, a bare path, or `postgres://…`.
    pub database_url: String,
    /// Connections in the pool.
    pub pool_size: u32,
}

impl EngineConfig {
    pub fn new(database_url: impl Into<String>) -> Self {
        EngineConfig {
            database_url: database_url.into(),
            pool_size: 8,
        }
    }
}

/// A handle to a running engine; cheap to clone and `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    catalog: RwLock<Catalog>,
    /// Serialises catalog writes so check-then-write is atomic.
    catalog_writes: tokio::sync::Mutex<()>,
    providers: RwLock<ProviderTable>,
    /// Serialises provider catalogue writes.
    provider_writes: tokio::sync::Mutex<()>,
}

/// Connects, migrates and syncs the standard classes and traits; returns the pool.
pub fn prepare_database(config: &EngineConfig) -> Result<Pool, StoreError> {
    let url = DatabaseUrl::parse(&config.database_url)?;
    // SQLite: one writer at a time anyway; a few readers.
    let size = if url.is_sqlite() {
        config.pool_size.clamp(1, 4)
    } else {
        config.pool_size.max(1)
    };
    let pool = store::connection::build_pool(&url, size)?;
    let mut conn = pool.get()?;
    store::migrate::run_migrations(&mut conn)?;
    store::migrate::sync_standard_data(&mut conn)?;
    Ok(pool)
}

impl Engine {
    /// Opens the database (migrating it) and loads the state into memory.
    /// Blocking: call it before serving, or from a blocking thread.
    pub fn open(config: &EngineConfig) -> Result<Engine, EngineError> {
        let pool = prepare_database(config)?;
        let mut conn = pool.get().map_err(StoreError::from)?;
        let catalog = Catalog {
            classes: catalog::NameTable::from_rows(store::catalog::load_resource_classes(
                &mut conn,
            )?),
            traits: catalog::NameTable::from_rows(store::catalog::load_traits(&mut conn)?),
        };
        let providers = ProviderTable::from_data(store::providers::load_all(&mut conn)?);
        drop(conn);
        Ok(Engine {
            inner: Arc::new(Inner {
                pool,
                catalog: RwLock::new(catalog),
                catalog_writes: tokio::sync::Mutex::new(()),
                providers: RwLock::new(providers),
                provider_writes: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// Runs blocking store work on a blocking thread with a pooled connection.
    async fn with_conn<T, F>(&self, f: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: FnOnce(&mut store::AnyConnection) -> Result<T, StoreError> + Send + 'static,
    {
        let pool = self.inner.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| EngineError::Internal(format!("store task failed: {e}")))?
        .map_err(EngineError::from)
    }

    fn catalog(&self) -> std::sync::RwLockReadGuard<'_, Catalog> {
        self.inner.catalog.read().unwrap_or_else(|p| p.into_inner())
    }

    fn providers(&self) -> std::sync::RwLockReadGuard<'_, ProviderTable> {
        self.inner
            .providers
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn providers_mut(&self) -> std::sync::RwLockWriteGuard<'_, ProviderTable> {
        self.inner
            .providers
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn catalog_mut(&self) -> std::sync::RwLockWriteGuard<'_, Catalog> {
        self.inner
            .catalog
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }
}
