//! The store writer: one thread that owns the claim writes and commits
//! them in groups. Claims that queue while a transaction runs go into the
//! next one, so the database's commit latency sets the batch size (no
//! timers). Each claim runs in its own savepoint: one claim's failure rolls
//! back only that claim. Every waiter is answered after the commit is
//! durable (SQLite `synchronous=FULL`, PostgreSQL's default).

use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::store::allocations::{self, ClaimOutcome, ClaimRecord, KnownIds, ReshapeRecord};
use crate::store::{Pool, StoreError};

/// Most claims in one transaction.
const MAX_BATCH: usize = 256;
/// Claims queued for the writer before senders wait (backpressure).
const QUEUE: usize = 1024;

/// One unit of writer work.
pub enum WriteJob {
    Claim(ClaimRecord),
    /// Upstream's unfenced DELETE /allocations/{consumer}.
    DeleteConsumer(String),
    Reshape(ReshapeRecord),
}

struct Job {
    work: WriteJob,
    reply: oneshot::Sender<Result<ClaimOutcome, StoreError>>,
}

#[derive(Clone)]
pub struct StoreWriter {
    /// None: persistence is off and claims are answered at once.
    tx: Option<mpsc::Sender<Job>>,
    /// Consumer ids handed out when nothing is stored.
    next_id: std::sync::Arc<std::sync::atomic::AtomicI32>,
}

impl StoreWriter {
    pub fn start(pool: Pool) -> std::io::Result<StoreWriter> {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("placement-writer".into())
            .spawn(move || run(pool, rx))?;
        Ok(StoreWriter {
            tx: Some(tx),
            next_id: Default::default(),
        })
    }

    /// A writer that stores nothing (`Persistence::Off`).
    pub fn in_memory() -> StoreWriter {
        StoreWriter {
            tx: None,
            next_id: std::sync::Arc::new(std::sync::atomic::AtomicI32::new(1)),
        }
    }

    /// What the store would answer, without storing.
    fn answer_in_memory(&self, work: &WriteJob) -> ClaimOutcome {
        let claim = match work {
            WriteJob::Claim(c) => c,
            WriteJob::Reshape(r) => &r.claim,
            WriteJob::DeleteConsumer(_) => return vec![],
        };
        claim
            .consumers
            .iter()
            .map(|c| {
                (!c.rows.is_empty()).then(|| match c.existing {
                    Some((id, _)) => id,
                    None => self
                        .next_id
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                })
            })
            .collect()
    }

    /// Queues the work and waits until it is durable (or failed).
    pub async fn write(&self, work: WriteJob) -> Result<ClaimOutcome, StoreError> {
        let Some(tx) = &self.tx else {
            return Ok(self.answer_in_memory(&work));
        };
        let (reply, rx) = oneshot::channel();
        tx.send(Job { work, reply })
            .await
            .map_err(|_| StoreError::Failed("store writer stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Failed("store writer dropped a claim".into()))?
    }
}

/// Waits for work, then takes whatever else is already queued (up to
/// `max`): the group a writer thread runs in one transaction. None once
/// every sender is gone.
pub(super) fn next_group<T>(rx: &mut mpsc::Receiver<T>, max: usize) -> Option<Vec<T>> {
    let mut group = vec![rx.blocking_recv()?];
    while group.len() < max {
        match rx.try_recv() {
            Ok(job) => group.push(job),
            Err(_) => break,
        }
    }
    Some(group)
}

fn run(pool: Pool, mut rx: mpsc::Receiver<Job>) {
    let mut known = KnownIds::default();
    while let Some(batch) = next_group(&mut rx, MAX_BATCH) {
        let results = write_batch(&pool, &batch, &mut known);
        for (job, result) in batch.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

fn write_batch(
    pool: &Pool,
    batch: &[Job],
    known: &mut KnownIds,
) -> Vec<Result<ClaimOutcome, StoreError>> {
    let mut conn = match pool.get() {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            return batch
                .iter()
                .map(|_| Err(StoreError::Failed(format!("connection pool: {msg}"))))
                .collect();
        }
    };
    let mut results = Vec::with_capacity(batch.len());
    let committed = conn.transaction::<(), StoreError, _>(|conn| {
        for job in batch {
            known.begin_claim();
            let one = conn.transaction::<ClaimOutcome, StoreError, _>(|conn| match &job.work {
                WriteJob::Claim(record) => allocations::persist_claim(conn, record, known),
                WriteJob::Reshape(record) => allocations::persist_reshape(conn, record, known),
                WriteJob::DeleteConsumer(uuid) => {
                    allocations::delete_consumer(conn, uuid).map(|_| vec![])
                }
            });
            if one.is_err() {
                known.abort_claim();
            }
            results.push(one);
        }
        Ok(())
    });
    known.end_transaction(committed.is_ok());
    match committed {
        Ok(()) => results,
        Err(e) => {
            let msg = e.to_string();
            batch
                .iter()
                .map(|_| Err(StoreError::Failed(format!("group commit failed: {msg}"))))
                .collect()
        }
    }
}
