//! placement-rs: a wire-compatible OpenStack Placement API built as an
//! actor engine. `api` serves it over HTTP; schedulers can embed the same
//! engine without HTTP — the HTTP layer calls exactly this API.
//!
//! # Embedding the engine
//!
//! [`Engine::open`] migrates the database, loads every provider and
//! consumer, and starts the engine's own actix System on a dedicated
//! thread. The returned handle is `Send + Sync + Clone`; its async methods
//! work from any runtime (tokio, actix, or `block_on` on a plain thread).
//!
//! ```
//! use placement_rs::domain::{Version, candidate_request, inventory::Inventory};
//! use placement_rs::engine::{ConsumerClaim, GenerationCheck, NewProvider, SearchOptions};
//! use placement_rs::{Engine, EngineConfig};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let url = format!("sqlite://{}", dir.path().join("placement.sqlite").display());
//! // Claims durable in SQLite; `.without_persistence()` keeps them in memory.
//! let engine = Engine::open(&EngineConfig::new(url))?;
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! rt.block_on(async {
//!     // A compute node with 8 VCPUs.
//!     let host = "c1a1e8c6-2d28-4c7a-9d4c-3b7a3a0b8f11".to_string();
//!     let p = engine
//!         .create_provider(NewProvider { uuid: host.clone(), name: "cn1".into(), parent: None })
//!         .await?;
//!     let vcpu = engine.resource_class("VCPU").expect("standard class").id;
//!     engine.set_inventories(&host, p.generation, vec![(vcpu, Inventory::with_total(8))]).await?;
//!
//!     // Ask for candidates, as GET /allocation_candidates?resources=VCPU:2 would.
//!     let query = vec![("resources".to_string(), "VCPU:2".to_string())];
//!     let request = candidate_request::parse(&query, Version::new(1, 39)).expect("valid query");
//!     let found = engine.allocation_candidates(&request, Version::new(1, 39), SearchOptions::default())?;
//!     assert_eq!(found.requests.len(), 1);
//!
//!     // Claim for a new consumer (all or nothing, like POST /allocations).
//!     engine
//!         .claim(vec![ConsumerClaim {
//!             consumer: "0f3b4cf5-1c4e-4d5b-8a6f-2b1f8e2d9c01".into(),
//!             project: "project".into(),
//!             user: "user".into(),
//!             consumer_type: Some("INSTANCE".into()),
//!             generation: GenerationCheck::Expect(None),
//!             allocations: vec![(host.clone(), vec![("VCPU".into(), 2)])],
//!         }])
//!         .await?;
//!     assert_eq!(engine.provider(&host).expect("exists").used(vcpu), 2);
//!     Ok::<_, placement_rs::EngineError>(())
//! })?;
//! # Ok(())
//! # }
//! ```
//!
//! Layers: [`domain`] (pure rules), [`engine`] (provider actors, claims,
//! the read model, candidates), [`store`] (diesel), [`api`] (actix-web),
//! [`load`] (the load generator behind `placement-rs load`).

pub mod api;
pub mod domain;
pub mod engine;
pub mod load;
pub mod server;
pub mod store;

pub use engine::{Engine, EngineConfig, EngineError, Persistence};
