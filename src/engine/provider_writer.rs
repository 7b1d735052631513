//! The provider writer: one thread that takes the catalogue writes
//! (providers, inventories, aggregates, traits) in groups. Each write of a
//! group is checked against the read model plus the group's earlier
//! writes, runs in its own savepoint, and the group commits once; only
//! then does the read model change and does anyone get an answer. So the
//! answers are those of the writes run one by one, for one commit (one
//! fsync) per group instead of one per write.

use std::collections::BTreeMap;
use std::sync::Weak;

use actix::Addr;
use diesel::Connection;
use tokio::sync::{OwnedRwLockReadGuard, mpsc, oneshot};

use super::ledger::Token;
use super::provider_actor::{Abort, ApplyInventories, ProviderActor, Stop};
use super::provider_changes::{Change, ProviderWrite, plan};
use super::provider_overlay::Overlay;
use super::provider_state::ProviderState;
use super::{Engine, EngineError, Inner};
use crate::domain::inventory::Inventory;
use crate::engine::ledger::Ledger;
use crate::store::StoreError;

/// Most writes in one transaction.
const MAX_BATCH: usize = 128;
/// Writes queued before senders wait.
const QUEUE: usize = 1024;

/// A hold on a provider's inventory (taken before an inventory change or a
/// delete). Dropped unused, it is released.
pub struct Held {
    pub token: Token,
    actor: Option<Addr<ProviderActor>>,
}

impl Held {
    pub fn new(token: Token, actor: Addr<ProviderActor>) -> Held {
        Held {
            token,
            actor: Some(actor),
        }
    }

    fn apply(mut self, inventories: BTreeMap<i32, Inventory>) {
        if let Some(actor) = self.actor.take() {
            actor.do_send(ApplyInventories {
                token: self.token,
                inventories,
            });
        }
    }

    fn stop(mut self) {
        if let Some(actor) = self.actor.take() {
            actor.do_send(Stop);
        }
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(actor) = self.actor.take() {
            actor.do_send(Abort { token: self.token });
        }
    }
}

/// What a write answers: the provider afterwards (None once deleted).
pub type WriteResult = Result<Option<ProviderState>, EngineError>;

pub struct Job {
    pub write: ProviderWrite,
    pub held: Option<Held>,
    /// Keeps the reshaper out until the write is published.
    pub gate: OwnedRwLockReadGuard<()>,
    pub reply: oneshot::Sender<WriteResult>,
}

pub type Sender = mpsc::Sender<Job>;

pub fn channel() -> (Sender, mpsc::Receiver<Job>) {
    mpsc::channel(QUEUE)
}

/// Starts the writer thread; it ends when the engine is dropped.
pub fn start(engine: Weak<Inner>, rx: mpsc::Receiver<Job>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("placement-providers".into())
        .spawn(move || run(engine, rx))?;
    Ok(())
}

fn run(engine: Weak<Inner>, mut rx: mpsc::Receiver<Job>) {
    while let Some(batch) = super::store_writer::next_group(&mut rx, MAX_BATCH) {
        let Some(inner) = engine.upgrade() else {
            for job in batch {
                let _ = job
                    .reply
                    .send(Err(EngineError::Internal("engine stopped".into())));
            }
            return;
        };
        Engine { inner }.write_providers(batch);
    }
}

impl Engine {
    /// Queues a write and waits until it is durable and published.
    pub(super) async fn write_provider(
        &self,
        write: ProviderWrite,
        held: Option<Held>,
        gate: OwnedRwLockReadGuard<()>,
    ) -> WriteResult {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            write,
            held,
            gate,
            reply,
        };
        self.inner
            .provider_writer
            .send(job)
            .await
            .map_err(|_| EngineError::Internal("provider writer stopped".into()))?;
        rx.await
            .map_err(|_| EngineError::Internal("provider writer dropped a write".into()))?
    }

    /// Plans, persists (one transaction) and publishes a group of writes.
    fn write_providers(&self, batch: Vec<Job>) {
        let changes = self.persist_group(&batch);
        // Actors first, so a provider is never visible without one.
        for change in changes.iter().flatten() {
            if let Change::Create(p) = change {
                let actor = self.inner.runtime.start_provider(Ledger::default());
                self.directory_mut().insert(p.id, actor);
            }
        }
        let mut deleted = vec![];
        let answers: Vec<WriteResult> = {
            let mut t = self.providers_mut();
            changes
                .into_iter()
                .map(|r| {
                    r.map(|change| {
                        if let Change::Delete { id, .. } = change {
                            deleted.push(id);
                        }
                        change.apply(&mut t)
                    })
                })
                .collect()
        };
        if !deleted.is_empty() {
            let mut directory = self.directory_mut();
            for id in deleted {
                directory.remove(&id);
            }
        }
        for (job, answer) in batch.into_iter().zip(answers) {
            let Job {
                write,
                held,
                gate,
                reply,
            } = job;
            match (answer.is_ok(), &write, held) {
                (true, ProviderWrite::Inventories { inventories, .. }, Some(held)) => {
                    held.apply(inventories.iter().copied().collect());
                }
                (true, ProviderWrite::Delete { .. }, Some(held)) => held.stop(),
                // A failed write's hold is released as it drops.
                _ => {}
            }
            drop(gate);
            let _ = reply.send(answer);
        }
    }

    /// Runs every write in its own savepoint of one transaction, each
    /// checked against what the earlier ones left.
    fn persist_group(&self, batch: &[Job]) -> Vec<Result<Change, EngineError>> {
        let failed = |e: &dyn std::fmt::Display| -> Vec<Result<Change, EngineError>> {
            let msg = e.to_string();
            batch
                .iter()
                .map(|_| Err(EngineError::Store(StoreError::Failed(msg.clone()))))
                .collect()
        };
        let mut conn = match self.inner.pool.get() {
            Ok(c) => c,
            Err(e) => return failed(&format!("connection pool: {e}")),
        };
        let mut results = Vec::with_capacity(batch.len());
        let committed = conn.transaction::<(), StoreError, _>(|conn| {
            let mut overlay = Overlay::default();
            for job in batch {
                let planned = {
                    let committed = self.providers();
                    plan(&overlay.view(&committed), &job.write)
                };
                let change = planned.and_then(|p| p.persist(conn));
                if let Ok(change) = &change {
                    let committed = self.providers();
                    match change {
                        Change::Create(p) => overlay.mark_created(&p.uuid),
                        Change::Delete { uuid, .. } => overlay.mark_deleted(uuid),
                        _ => {}
                    }
                    overlay.stage(&committed, change.touched(), |t| {
                        change.apply(t);
                    });
                }
                results.push(change);
            }
            Ok(())
        });
        match committed {
            Ok(()) => results,
            Err(e) => failed(&format!("provider writes failed to commit: {e}")),
        }
    }
}
