//! Consumers in memory: their project, user, type, generation and
//! allocations, indexed by provider; and the sharded locks that serialise
//! every write for one consumer (where consumer generations are checked).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use chrono::NaiveDateTime;
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::store::allocations::{AllocationRow, ConsumerRow};

#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub provider: i32,
    pub class: i32,
    pub used: i64,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl Allocation {
    pub fn modified(&self) -> Option<NaiveDateTime> {
        self.updated_at.or(self.created_at)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConsumerState {
    pub id: i32,
    pub uuid: String,
    pub project: String,
    pub user: String,
    /// None is upstream's "unknown" type.
    pub consumer_type: Option<String>,
    pub generation: i64,
    pub allocations: Vec<Allocation>,
}

#[derive(Debug, Default)]
pub struct ConsumerTable {
    by_uuid: HashMap<String, ConsumerState>,
    by_provider: HashMap<i32, BTreeSet<String>>,
}

impl ConsumerTable {
    pub fn from_rows(consumers: Vec<ConsumerRow>, allocations: Vec<AllocationRow>) -> Self {
        let mut by_uuid: HashMap<String, ConsumerState> = consumers
            .into_iter()
            .map(|r| {
                let c = ConsumerState {
                    id: r.id,
                    uuid: r.uuid.clone(),
                    project: r.project,
                    user: r.user,
                    consumer_type: r.consumer_type,
                    generation: r.generation.into(),
                    allocations: vec![],
                };
                (r.uuid, c)
            })
            .collect();
        // Allocations without a consumer record (pre-consumer data) are
        // invisible upstream too: reads inner-join consumers.
        for a in allocations {
            if let Some(c) = by_uuid.get_mut(&a.consumer) {
                c.allocations.push(Allocation {
                    provider: a.provider,
                    class: a.class,
                    used: a.used.into(),
                    created_at: a.created_at,
                    updated_at: a.updated_at,
                });
            }
        }
        let mut table = ConsumerTable::default();
        for (_, c) in by_uuid.drain() {
            table.put(c);
        }
        table
    }

    pub fn get(&self, uuid: &str) -> Option<&ConsumerState> {
        self.by_uuid.get(uuid)
    }

    pub fn iter(&self) -> impl Iterator<Item = &ConsumerState> {
        self.by_uuid.values()
    }

    /// Consumers with allocations on a provider.
    pub fn on_provider(&self, provider: i32) -> impl Iterator<Item = &ConsumerState> {
        self.by_provider
            .get(&provider)
            .into_iter()
            .flatten()
            .filter_map(|u| self.by_uuid.get(u))
    }

    /// Inserts or replaces a consumer.
    pub fn put(&mut self, c: ConsumerState) {
        self.unindex(&c.uuid);
        for a in &c.allocations {
            self.by_provider
                .entry(a.provider)
                .or_default()
                .insert(c.uuid.clone());
        }
        self.by_uuid.insert(c.uuid.clone(), c);
    }

    pub fn remove(&mut self, uuid: &str) -> Option<ConsumerState> {
        self.unindex(uuid);
        self.by_uuid.remove(uuid)
    }

    fn unindex(&mut self, uuid: &str) {
        if let Some(old) = self.by_uuid.get(uuid) {
            for a in &old.allocations {
                if let Some(set) = self.by_provider.get_mut(&a.provider) {
                    set.remove(uuid);
                    if set.is_empty() {
                        self.by_provider.remove(&a.provider);
                    }
                }
            }
        }
    }
}

/// Per-consumer write serialisation by hashing uuids onto a fixed set of
/// locks. Several consumers are locked in shard order, so two claims over
/// overlapping consumers cannot deadlock.
pub struct ConsumerLocks {
    shards: Vec<Arc<Mutex<()>>>,
}

impl ConsumerLocks {
    pub fn new(shards: usize) -> Self {
        ConsumerLocks {
            shards: (0..shards.max(1))
                .map(|_| Arc::new(Mutex::new(())))
                .collect(),
        }
    }

    fn shard(&self, uuid: &str) -> usize {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        uuid.hash(&mut h);
        (h.finish() % self.shards.len() as u64) as usize
    }

    pub async fn lock<'a>(
        &self,
        uuids: impl IntoIterator<Item = &'a str>,
    ) -> Vec<OwnedMutexGuard<()>> {
        let shards: BTreeSet<usize> = uuids.into_iter().map(|u| self.shard(u)).collect();
        let mut guards = Vec::with_capacity(shards.len());
        for s in shards {
            guards.push(self.shards[s].clone().lock_owned().await);
        }
        guards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn consumer(uuid: &str, providers: &[i32]) -> ConsumerState {
        ConsumerState {
            id: 1,
            uuid: uuid.into(),
            project: "p".into(),
            user: "u".into(),
            consumer_type: None,
            generation: 1,
            allocations: providers
                .iter()
                .map(|p| Allocation {
                    provider: *p,
                    class: 0,
                    used: 1,
                    created_at: None,
                    updated_at: None,
                })
                .collect(),
        }
    }

    #[test]
    fn provider_index_follows_replacements() {
        let mut t = ConsumerTable::default();
        t.put(consumer("a", &[1, 2]));
        t.put(consumer("b", &[2]));
        assert_eq!(t.on_provider(2).count(), 2);
        t.put(consumer("a", &[3]));
        assert_eq!(t.on_provider(1).count(), 0);
        assert_eq!(t.on_provider(3).count(), 1);
        t.remove("b");
        assert_eq!(t.on_provider(2).count(), 0);
    }

    #[actix_rt::test]
    async fn locks_on_overlapping_sets_do_not_deadlock() {
        let locks = Arc::new(ConsumerLocks::new(4));
        let mut tasks = vec![];
        for i in 0..20 {
            let l = locks.clone();
            tasks.push(actix_rt::spawn(async move {
                let set = if i % 2 == 0 { ["x", "y"] } else { ["y", "x"] };
                let _g = l.lock(set).await;
                actix_rt::task::yield_now().await;
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
    }
}
