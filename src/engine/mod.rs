//! The engine: in-memory state in front of the store. The HTTP layer and
//! embedding schedulers talk to it; it owns every write to the database.

mod candidates;
pub mod catalog;
mod claims;
pub mod consumers;
mod error;
pub mod ledger;
pub mod provider_actor;
mod provider_changes;
mod provider_overlay;
pub mod provider_state;
mod provider_writer;
pub mod providers;
mod reshaper;
mod resource_classes;
mod runtime;
mod store_writer;
mod traits;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix::Addr;
use parking_lot::{RwLock, RwLockReadGuard, RwLockWriteGuard};

pub use candidates::{Candidate, Candidates, SearchOptions};
pub use catalog::{Catalog, Entry};
pub use claims::{ConsumerClaim, GenerationCheck};
pub use consumers::{Allocation, ConsumerState, ConsumerTable};
pub use error::EngineError;
pub use provider_state::ProviderState;
pub use providers::{NewProvider, ProviderTable, ProviderUpdate};
pub use reshaper::ReshapeInventory;
pub use resource_classes::Ensured;
pub use traits::TraitFilter;

use crate::store::{self, DatabaseUrl, Pool, StoreError};

/// Whether claims reach the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Persistence {
    /// Every claim is durable before it is acknowledged (the server's mode).
    #[default]
    Durable,
    /// Claims live in memory only and SQLite skips fsync: for simulations
    /// and benchmarks that need no crash safety. A restart loses claims.
    Off,
}

/// How to start an engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `sqlite://PATH`, a bare path, or `postgres://…`.
    pub database_url: String,
    /// Connections in the pool.
    pub pool_size: u32,
    pub persistence: Persistence,
}

impl EngineConfig {
    pub fn new(database_url: impl Into<String>) -> Self {
        EngineConfig {
            database_url: database_url.into(),
            pool_size: 8,
            persistence: Persistence::Durable,
        }
    }

    /// The same configuration with claims kept in memory only.
    pub fn without_persistence(mut self) -> Self {
        self.persistence = Persistence::Off;
        self
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
    /// The read model of providers: metadata, trees, traits, aggregates,
    /// inventories and committed usage, as of the last commit.
    providers: RwLock<ProviderTable>,
    /// Shared by catalogue writes, taken alone by the reshaper.
    provider_writes: Arc<tokio::sync::RwLock<()>>,
    /// Queue of the thread that runs catalogue writes in groups.
    provider_writer: provider_writer::Sender,
    /// Provider id → its actor; read by handlers without messaging.
    directory: RwLock<HashMap<i32, Addr<provider_actor::ProviderActor>>>,
    consumers: RwLock<ConsumerTable>,
    consumer_locks: consumers::ConsumerLocks,
    writer: store_writer::StoreWriter,
    /// Bounds the claims in flight.
    claim_slots: Arc<tokio::sync::Semaphore>,
    tokens: AtomicU64,
    /// Moves whenever the read model or the catalogue may change (see
    /// `read_model_version`).
    read_model_version: AtomicU64,
    /// Last field: dropping it stops the actors after everything else.
    runtime: runtime::ActorRuntime,
}

/// Claims in flight at once; more wait for a slot.
const CLAIM_SLOTS: usize = 512;

/// Connects, migrates and syncs the standard classes and traits; returns the pool.
pub fn prepare_database(config: &EngineConfig) -> Result<Pool, StoreError> {
    let url = DatabaseUrl::parse(&config.database_url)?;
    // SQLite: one writer at a time anyway; a few readers.
    let size = if url.is_sqlite() {
        config.pool_size.clamp(1, 4)
    } else {
        config.pool_size.max(1)
    };
    let durable = config.persistence == Persistence::Durable;
    let pool = store::connection::build_pool(&url, size, durable)?;
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
        let (consumer_rows, allocation_rows) = store::allocations::load_all(&mut conn)?;
        drop(conn);
        let consumers = ConsumerTable::from_rows(consumer_rows, allocation_rows);
        let io = |e: std::io::Error| EngineError::Internal(format!("cannot start engine: {e}"));
        let runtime = runtime::ActorRuntime::start().map_err(io)?;
        let directory = providers
            .iter()
            .map(|p| (p.id, runtime.start_provider(ledger_of(p))))
            .collect();
        let writer = match config.persistence {
            Persistence::Durable => store_writer::StoreWriter::start(pool.clone()).map_err(io)?,
            Persistence::Off => store_writer::StoreWriter::in_memory(),
        };
        let (provider_writer, provider_jobs) = provider_writer::channel();
        let inner = Arc::new(Inner {
            pool,
            catalog: RwLock::new(catalog),
            catalog_writes: tokio::sync::Mutex::new(()),
            providers: RwLock::new(providers),
            provider_writes: Default::default(),
            provider_writer,
            directory: RwLock::new(directory),
            consumers: RwLock::new(consumers),
            consumer_locks: consumers::ConsumerLocks::new(256),
            writer,
            claim_slots: Arc::new(tokio::sync::Semaphore::new(CLAIM_SLOTS)),
            tokens: AtomicU64::new(1),
            read_model_version: AtomicU64::new(0),
            runtime,
        });
        provider_writer::start(Arc::downgrade(&inner), provider_jobs).map_err(io)?;
        Ok(Engine { inner })
    }

    fn directory(&self) -> RwLockReadGuard<'_, HashMap<i32, Addr<provider_actor::ProviderActor>>> {
        self.inner.directory.read()
    }

    fn directory_mut(
        &self,
    ) -> RwLockWriteGuard<'_, HashMap<i32, Addr<provider_actor::ProviderActor>>> {
        self.inner.directory.write()
    }

    fn consumers(&self) -> RwLockReadGuard<'_, ConsumerTable> {
        self.inner.consumers.read()
    }

    fn consumers_mut(&self) -> RwLockWriteGuard<'_, ConsumerTable> {
        self.inner.consumers.write()
    }

    /// Runs `f` over the consumers (a consistent view).
    pub fn with_consumers<T>(&self, f: impl FnOnce(&ConsumerTable) -> T) -> T {
        f(&self.consumers())
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

    fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        self.inner.catalog.read()
    }

    fn providers(&self) -> RwLockReadGuard<'_, ProviderTable> {
        self.inner.providers.read()
    }

    /// Every change to the read model goes through here, so the version
    /// moves (while the writer holds the lock) before anything changes.
    fn providers_mut(&self) -> RwLockWriteGuard<'_, ProviderTable> {
        let guard = self.inner.providers.write();
        self.inner.read_model_version.fetch_add(1, Ordering::SeqCst);
        guard
    }

    /// As `providers_mut`, for resource classes and traits.
    fn catalog_mut(&self) -> RwLockWriteGuard<'_, Catalog> {
        let guard = self.inner.catalog.write();
        self.inner.read_model_version.fetch_add(1, Ordering::SeqCst);
        guard
    }

    /// A number that moves on every change of providers, inventories,
    /// usage, traits, aggregates or the catalogue. Two equal readings
    /// around a computation mean it saw one unchanged state.
    pub fn read_model_version(&self) -> u64 {
        self.inner.read_model_version.load(Ordering::SeqCst)
    }
}

/// A provider's capacity book as loaded from the read model.
fn ledger_of(p: &ProviderState) -> ledger::Ledger {
    let inventories: BTreeMap<i32, crate::domain::inventory::Inventory> = p
        .inventories
        .iter()
        .map(|(c, e)| (*c, e.inventory))
        .collect();
    ledger::Ledger::new(inventories, p.usage.clone())
}
