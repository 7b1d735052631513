//! The store writer: one thread that owns the claim writes and commits
//! them in groups. Claims that queue while a transaction runs go into the
//! next one, so the database's commit latency sets the batch size (no
//! timers). A group runs without savepoints; only when one of its claims
//! fails is it run again with a savepoint per claim, so one claim's failure
//! rolls back only that claim. Every waiter is answered after the commit is
//! durable (SQLite `synchronous=FULL`, PostgreSQL's default).

use std::collections::BTreeMap;

use diesel::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::store::allocations::{self, ClaimOutcome, ClaimRecord, KnownIds, ReshapeRecord};
use crate::store::{AnyConnection, Pool, StoreError};

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
    match write_all_or_none(&mut conn, batch, known) {
        Some(results) => results,
        None => write_each_in_savepoint(&mut conn, batch, known),
    }
}

fn persist(
    conn: &mut AnyConnection,
    work: &WriteJob,
    known: &mut KnownIds,
) -> Result<ClaimOutcome, StoreError> {
    match work {
        WriteJob::Claim(record) => allocations::persist_claim(conn, record, known),
        WriteJob::Reshape(record) => allocations::persist_reshape(conn, record, known),
        WriteJob::DeleteConsumer(uuid) => allocations::delete_consumer(conn, uuid).map(|_| vec![]),
    }
}

/// The common case: every write of the group in one transaction without
/// savepoints (each costs two more statements and a copy of every page
/// the claim touches). None when one write failed and others remain to be
/// answered: nothing was kept, and the caller runs the group again with a
/// savepoint per write.
fn write_all_or_none(
    conn: &mut AnyConnection,
    batch: &[Job],
    known: &mut KnownIds,
) -> Option<Vec<Result<ClaimOutcome, StoreError>>> {
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut write_failed = false;
    let committed = conn.transaction::<(), StoreError, _>(|conn| {
        // Generations move first (see `persist_claim`), once per provider:
        // fifty claims on five providers are five updates, not fifty.
        for (rp, (by, at)) in generation_moves(batch) {
            allocations::bump_provider(conn, rp, by, at).inspect_err(|_| write_failed = true)?;
        }
        for job in batch {
            let outcome = match &job.work {
                WriteJob::Claim(record) => allocations::persist_consumers(conn, record, known),
                other => persist(conn, other, known),
            };
            outcomes.push(outcome.inspect_err(|_| write_failed = true)?);
        }
        Ok(())
    });
    known.end_transaction(committed.is_ok());
    match committed {
        Ok(()) => Some(outcomes.into_iter().map(Ok).collect()),
        // A lone write's own error is its answer.
        Err(e) if write_failed && batch.len() == 1 => Some(vec![Err(e)]),
        Err(_) if write_failed => None,
        Err(e) => Some(group_failed(batch, &e)),
    }
}

/// Per provider the group's claims touch: how many claims, and the latest.
fn generation_moves(batch: &[Job]) -> BTreeMap<i32, (i32, chrono::NaiveDateTime)> {
    let mut moves: BTreeMap<i32, (i32, chrono::NaiveDateTime)> = BTreeMap::new();
    for job in batch {
        if let WriteJob::Claim(record) = &job.work {
            for rp in &record.bump_providers {
                let (n, at) = moves.entry(*rp).or_insert((0, record.at));
                *n += 1;
                *at = (*at).max(record.at);
            }
        }
    }
    moves
}

/// Each write in its own savepoint: one write's failure rolls back only
/// that write.
fn write_each_in_savepoint(
    conn: &mut AnyConnection,
    batch: &[Job],
    known: &mut KnownIds,
) -> Vec<Result<ClaimOutcome, StoreError>> {
    let mut results = Vec::with_capacity(batch.len());
    let committed = conn.transaction::<(), StoreError, _>(|conn| {
        for job in batch {
            known.begin_claim();
            let one = conn.transaction(|conn| persist(conn, &job.work, known));
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
        Err(e) => group_failed(batch, &e),
    }
}

fn group_failed(batch: &[Job], e: &StoreError) -> Vec<Result<ClaimOutcome, StoreError>> {
    let msg = e.to_string();
    batch
        .iter()
        .map(|_| Err(StoreError::Failed(format!("group commit failed: {msg}"))))
        .collect()
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;

    use super::*;
    use crate::store::allocations::ConsumerRecord;
    use crate::store::connection::{DatabaseUrl, build_pool};
    use crate::store::migrate::run_migrations;
    use crate::store::schema::{allocations, consumers, resource_providers};
    use std::collections::BTreeSet;

    fn generation(pool: &Pool, id: i32) -> Option<i32> {
        resource_providers::table
            .find(id)
            .select(resource_providers::generation)
            .first(&mut pool.get().unwrap())
            .unwrap()
    }

    fn job(uuid: &str, existing: Option<(i32, i64)>, rows: Vec<(i32, i32, i64)>) -> Job {
        let bump_providers = rows.iter().map(|r| r.0).collect::<BTreeSet<_>>();
        let (reply, _) = oneshot::channel();
        Job {
            work: WriteJob::Claim(ClaimRecord {
                consumers: vec![ConsumerRecord {
                    uuid: uuid.into(),
                    existing,
                    project: "p".into(),
                    user: "u".into(),
                    consumer_type: None,
                    rows,
                }],
                bump_providers: bump_providers.into_iter().collect(),
                at: crate::store::now(),
            }),
            reply,
        }
    }

    fn stored(pool: &Pool) -> (Vec<String>, i64) {
        let mut conn = pool.get().unwrap();
        let uuids = consumers::table
            .select(consumers::uuid)
            .order(consumers::uuid)
            .load::<String>(&mut conn)
            .unwrap();
        let n = allocations::table.count().get_result(&mut conn).unwrap();
        (uuids, n)
    }

    /// A failing claim in a group costs only itself: the others of the
    /// group are written, and a lone failing claim writes nothing.
    #[test]
    fn one_failing_claim_rolls_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}/t.db", dir.path().display())).unwrap();
        let pool = build_pool(&url, 2, true).unwrap();
        run_migrations(&mut pool.get().unwrap()).unwrap();
        let mut known = KnownIds::default();
        for (id, uuid) in [(1, "rp-1"), (2, "rp-2")] {
            diesel::insert_into(resource_providers::table)
                .values((
                    resource_providers::id.eq(id),
                    resource_providers::uuid.eq(uuid),
                    resource_providers::generation.eq(0),
                ))
                .execute(&mut pool.get().unwrap())
                .unwrap();
        }

        // A consumer the store does not have, fenced on a generation: a conflict.
        let gone = || job("gone", Some((999, 1)), vec![]);
        let results = write_batch(&pool, &[gone()], &mut known);
        assert!(matches!(results[..], [Err(StoreError::Conflict(_))]));
        assert_eq!(stored(&pool), (vec![], 0));

        let batch = [
            job("a", None, vec![(1, 1, 5), (1, 2, 7)]),
            gone(),
            job("b", None, vec![(2, 1, 1)]),
        ];
        let results = write_batch(&pool, &batch, &mut known);
        assert!(matches!(results[0], Ok(ref o) if o.len() == 1 && o[0].is_some()));
        assert!(matches!(results[1], Err(StoreError::Conflict(_))));
        assert!(matches!(results[2], Ok(ref o) if o.len() == 1 && o[0].is_some()));
        assert_eq!(stored(&pool), (vec!["a".to_string(), "b".to_string()], 3));
        // Each written claim moved its providers once.
        assert_eq!(
            (generation(&pool, 1), generation(&pool, 2)),
            (Some(1), Some(1))
        );

        // A group that succeeds whole moves a provider once per claim.
        let batch = [
            job("c", None, vec![(1, 1, 1)]),
            job("d", None, vec![(1, 1, 1), (2, 1, 1)]),
            job("e", None, vec![(1, 2, 1)]),
        ];
        let results = write_batch(&pool, &batch, &mut known);
        assert!(results.iter().all(|r| r.is_ok()));
        assert_eq!(
            (generation(&pool, 1), generation(&pool, 2)),
            (Some(4), Some(2))
        );
    }
}
