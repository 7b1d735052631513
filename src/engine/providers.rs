//! The provider catalogue: create, update, delete providers, and set their
//! inventories, aggregates and traits. Every change is persisted (fenced on
//! the provider generation) before it is applied in memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::OwnedRwLockReadGuard;

use super::ledger::HoldRefusal;
use super::provider_actor::HoldInventory;
use super::provider_changes::ProviderWrite;
use super::provider_state::{InventoryEntry, ProviderState};
use super::provider_writer::Held;
use super::{Engine, EngineError};
use crate::domain::inventory::Inventory;
use crate::store;

/// All providers in memory, by id (creation order) with uuid and name
/// indexes, and the indexes queries start from: providers per aggregate,
/// per trait, and how many have a parent.
#[derive(Debug, Default, Clone)]
pub struct ProviderTable {
    by_id: BTreeMap<i32, ProviderState>,
    by_uuid: HashMap<String, i32>,
    by_name: HashMap<String, i32>,
    by_aggregate: HashMap<String, BTreeSet<i32>>,
    by_trait: HashMap<i32, BTreeSet<i32>>,
    /// What each provider is indexed under (to unindex it on change).
    indexed: HashMap<i32, (Vec<String>, Vec<i32>, bool)>,
    nested: usize,
}

impl ProviderTable {
    pub fn insert(&mut self, p: ProviderState) {
        self.by_uuid.insert(p.uuid.clone(), p.id);
        self.by_name.insert(p.name.clone(), p.id);
        let id = p.id;
        self.by_id.insert(p.id, p);
        self.reindex(id);
    }

    pub fn remove(&mut self, uuid: &str) -> Option<ProviderState> {
        let id = self.by_uuid.remove(uuid)?;
        self.unindex(id);
        let p = self.by_id.remove(&id)?;
        self.by_name.remove(&p.name);
        Some(p)
    }

    fn unindex(&mut self, id: i32) {
        let Some((aggs, traits, nested)) = self.indexed.remove(&id) else {
            return;
        };
        for a in aggs {
            if let Some(set) = self.by_aggregate.get_mut(&a) {
                set.remove(&id);
            }
        }
        for t in traits {
            if let Some(set) = self.by_trait.get_mut(&t) {
                set.remove(&id);
            }
        }
        if nested {
            self.nested -= 1;
        }
    }

    /// Updates the query indexes after a provider's aggregates, traits
    /// or parent changed.
    pub fn reindex(&mut self, id: i32) {
        self.unindex(id);
        let Some(p) = self.by_id.get(&id) else {
            return;
        };
        let entry = (
            p.aggregates.clone(),
            p.traits.iter().copied().collect::<Vec<_>>(),
            p.parent.is_some(),
        );
        for a in &entry.0 {
            self.by_aggregate.entry(a.clone()).or_default().insert(id);
        }
        for t in &entry.1 {
            self.by_trait.entry(*t).or_default().insert(id);
        }
        if entry.2 {
            self.nested += 1;
        }
        self.indexed.insert(id, entry);
    }

    /// Providers directly in aggregate `uuid`.
    pub fn in_aggregate(&self, uuid: &str) -> Option<&BTreeSet<i32>> {
        self.by_aggregate.get(uuid)
    }

    /// Providers that have trait `id`.
    pub fn with_trait(&self, id: i32) -> Option<&BTreeSet<i32>> {
        self.by_trait.get(&id)
    }

    /// Whether any provider has a parent.
    pub fn has_trees(&self) -> bool {
        self.nested > 0
    }

    pub fn get(&self, uuid: &str) -> Option<&ProviderState> {
        self.by_uuid.get(uuid).and_then(|id| self.by_id.get(id))
    }

    pub fn by_id_mut(&mut self, id: i32) -> Option<&mut ProviderState> {
        self.by_id.get_mut(&id)
    }

    pub(super) fn get_mut(&mut self, uuid: &str) -> Option<&mut ProviderState> {
        let id = *self.by_uuid.get(uuid)?;
        self.by_id.get_mut(&id)
    }

    pub fn by_name(&self, name: &str) -> Option<&ProviderState> {
        self.by_name.get(name).and_then(|id| self.by_id.get(id))
    }

    pub fn by_id(&self, id: i32) -> Option<&ProviderState> {
        self.by_id.get(&id)
    }

    /// Providers in creation order.
    pub fn iter(&self) -> impl Iterator<Item = &ProviderState> {
        self.by_id.values()
    }

    pub fn children_of<'t>(&'t self, uuid: &str) -> impl Iterator<Item = &'t ProviderState> {
        self.by_id
            .values()
            .filter(move |p| p.parent.as_deref() == Some(uuid))
    }

    /// The provider and all its descendants.
    pub fn subtree(&self, uuid: &str) -> Vec<String> {
        subtree_with(uuid, |u| {
            self.children_of(u).map(|c| c.uuid.clone()).collect()
        })
    }

    pub(super) fn rename(&mut self, uuid: &str, name: &str) {
        if let Some(id) = self.by_uuid.get(uuid).copied()
            && let Some(p) = self.by_id.get_mut(&id)
        {
            self.by_name.remove(&p.name);
            p.name = name.to_string();
            self.by_name.insert(name.to_string(), id);
        }
    }

    /// Builds the table from the store's rows.
    pub fn from_data(data: store::providers::ProviderData) -> Self {
        let uuid_of: HashMap<i32, String> = data
            .providers
            .iter()
            .map(|r| (r.id, r.uuid.clone()))
            .collect();
        let mut table = ProviderTable::default();
        for r in data.providers {
            let parent = r
                .parent_provider_id
                .and_then(|id| uuid_of.get(&id).cloned());
            let root = r
                .root_provider_id
                .and_then(|id| uuid_of.get(&id).cloned())
                .unwrap_or_else(|| r.uuid.clone());
            let mut p = ProviderState::new(r.id, r.uuid, r.name.unwrap_or_default(), parent, root);
            p.generation = r.generation.unwrap_or(0).into();
            p.created_at = r.created_at;
            p.updated_at = r.updated_at;
            table.insert(p);
        }
        let uuid_by_id = |t: &ProviderTable, id: i32| t.by_id(id).map(|p| p.uuid.clone());
        for inv in data.inventories {
            if let Some(u) = uuid_by_id(&table, inv.resource_provider_id)
                && let Some(p) = table.get_mut(&u)
            {
                let entry = InventoryEntry {
                    inventory: inv.inventory(),
                    created_at: inv.created_at,
                    updated_at: inv.updated_at,
                };
                p.inventories.insert(inv.resource_class_id, entry);
            }
        }
        for (rp, agg) in data.aggregates {
            if let Some(p) = table.by_id.get_mut(&rp) {
                p.aggregates.push(agg);
            }
        }
        for p in table.by_id.values_mut() {
            p.aggregates = sorted_unique(&p.aggregates);
        }
        for (rp, t) in data.traits {
            if let Some(p) = table.by_id.get_mut(&rp) {
                p.traits.insert(t);
            }
        }
        for (rp, rc, used) in data.usages {
            if let Some(p) = table.by_id.get_mut(&rp) {
                p.usage.insert(rc, used);
            }
        }
        let ids: Vec<i32> = table.by_id.keys().copied().collect();
        for id in ids {
            table.reindex(id);
        }
        table
    }
}

/// `uuid` and its descendants, breadth first, from a children lookup.
pub(super) fn subtree_with(uuid: &str, children: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let mut out = vec![uuid.to_string()];
    let mut i = 0;
    while i < out.len() {
        let next = children(&out[i]);
        out.extend(next);
        i += 1;
    }
    out
}

/// Aggregates are kept sorted, so reads answer the same before and after
/// a restart (the store keeps no order).
pub(super) fn sorted_unique(v: &[String]) -> Vec<String> {
    let set: BTreeSet<&String> = v.iter().collect();
    set.into_iter().cloned().collect()
}

/// How long an inventory change waits for claims in flight on the provider.
const HOLD_WAIT: Duration = Duration::from_secs(20);

/// What creating a provider needs.
#[derive(Debug, Clone)]
pub struct NewProvider {
    pub uuid: String,
    pub name: String,
    pub parent: Option<String>,
}

/// A change of name and/or parent. `parent: None` leaves the parent alone;
/// `Some(None)` makes the provider a root.
#[derive(Debug, Clone)]
pub struct ProviderUpdate {
    pub name: String,
    pub parent: Option<Option<String>>,
    /// From 1.37 a provider may be moved or un-parented.
    pub allow_reparenting: bool,
}

impl Engine {
    pub fn provider(&self, uuid: &str) -> Option<ProviderState> {
        self.providers().get(uuid).cloned()
    }

    /// Runs `f` over the provider table (a consistent view).
    pub fn with_providers<T>(&self, f: impl FnOnce(&ProviderTable) -> T) -> T {
        f(&self.providers())
    }

    /// Runs `f` over the catalog of classes and traits and the provider
    /// table together (for answers that name many of both).
    pub fn with_catalog_and_providers<T>(
        &self,
        f: impl FnOnce(&super::Catalog, &ProviderTable) -> T,
    ) -> T {
        let catalog = self.catalog();
        f(&catalog, &self.providers())
    }

    /// Catalogue writes share this gate; the reshaper takes it alone.
    /// Taken before any hold on an actor, so the two never wait on each other.
    async fn provider_gate(&self) -> OwnedRwLockReadGuard<()> {
        self.inner.provider_writes.clone().read_owned().await
    }

    /// A write that answers with the provider's new state.
    async fn write_and_answer(
        &self,
        write: ProviderWrite,
        held: Option<Held>,
        gate: OwnedRwLockReadGuard<()>,
    ) -> Result<ProviderState, EngineError> {
        self.write_provider(write, held, gate)
            .await?
            .ok_or_else(|| EngineError::Internal("provider write answered nothing".into()))
    }

    pub async fn create_provider(&self, new: NewProvider) -> Result<ProviderState, EngineError> {
        let gate = self.provider_gate().await;
        self.write_and_answer(ProviderWrite::Create(new), None, gate)
            .await
    }

    pub async fn update_provider(
        &self,
        uuid: &str,
        update: ProviderUpdate,
    ) -> Result<ProviderState, EngineError> {
        let gate = self.provider_gate().await;
        let uuid = uuid.to_string();
        self.write_and_answer(ProviderWrite::Update { uuid, update }, None, gate)
            .await
    }

    pub async fn delete_provider(&self, uuid: &str) -> Result<(), EngineError> {
        let gate = self.provider_gate().await;
        let id = {
            let t = self.providers();
            let p = t
                .get(uuid)
                .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
            if t.children_of(uuid).next().is_some() {
                return Err(EngineError::ProviderHasChildren(uuid.to_string()));
            }
            p.id
        };
        let held = match self.hold_inventory(id, None).await? {
            Ok(held) => held,
            Err(_) => return Err(EngineError::ProviderInUse(uuid.to_string())),
        };
        let write = ProviderWrite::Delete {
            uuid: uuid.to_string(),
        };
        self.write_provider(write, Some(held), gate).await?;
        Ok(())
    }

    /// Replaces all inventories when `expected` is the current generation.
    /// Callers have validated records and resolved class names.
    pub async fn set_inventories(
        &self,
        uuid: &str,
        expected: i64,
        inventories: Vec<(i32, Inventory)>,
    ) -> Result<ProviderState, EngineError> {
        let gate = self.provider_gate().await;
        let id = {
            let t = self.providers();
            let p = t
                .get(uuid)
                .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
            if p.generation != expected {
                return Err(EngineError::ProviderGenerationConflict(uuid.to_string()));
            }
            p.id
        };
        let keep: BTreeSet<i32> = inventories.iter().map(|(c, _)| *c).collect();
        let held = match self.hold_inventory(id, Some(keep)).await? {
            Ok(held) => held,
            Err(classes) => {
                return Err(EngineError::InventoryInUse {
                    provider: uuid.to_string(),
                    classes,
                });
            }
        };
        let write = ProviderWrite::Inventories {
            uuid: uuid.to_string(),
            expected,
            inventories,
        };
        self.write_and_answer(write, Some(held), gate).await
    }

    /// Holds a provider's inventory for a change (None: deleting the
    /// provider). Waits while claims are in flight on it; `Err(classes)`
    /// when classes to be removed are allocated.
    async fn hold_inventory(
        &self,
        id: i32,
        keep: Option<BTreeSet<i32>>,
    ) -> Result<Result<Held, Vec<i32>>, EngineError> {
        let actor = self
            .directory()
            .get(&id)
            .cloned()
            .ok_or_else(|| EngineError::Internal(format!("provider {id} has no actor")))?;
        let deadline = Instant::now() + HOLD_WAIT;
        let mut pause = Duration::from_micros(200);
        loop {
            let token = self.inner.tokens.fetch_add(1, Ordering::Relaxed);
            let msg = HoldInventory {
                token,
                keep: keep.clone(),
            };
            match actor.send(msg).await {
                Ok(Ok(())) => return Ok(Ok(Held::new(token, actor))),
                Ok(Err(HoldRefusal::InUse(classes))) => return Ok(Err(classes)),
                Ok(Err(HoldRefusal::Busy)) if Instant::now() < deadline => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Ok(Err(HoldRefusal::Busy)) => return Err(EngineError::ConcurrentUpdate),
                Err(e) => return Err(EngineError::Internal(format!("provider {id}: {e}"))),
            }
        }
    }

    /// Replaces the aggregates; without `expected` (before 1.19) the generation stays.
    pub async fn set_aggregates(
        &self,
        uuid: &str,
        expected: Option<i64>,
        aggregates: Vec<String>,
    ) -> Result<ProviderState, EngineError> {
        let gate = self.provider_gate().await;
        let write = ProviderWrite::Aggregates {
            uuid: uuid.to_string(),
            expected,
            aggregates,
        };
        self.write_and_answer(write, None, gate).await
    }

    /// Replaces the traits; the generation moves only when the set changes.
    pub async fn set_traits(
        &self,
        uuid: &str,
        expected: i64,
        traits: Vec<i32>,
    ) -> Result<ProviderState, EngineError> {
        let gate = self.provider_gate().await;
        let write = ProviderWrite::Traits {
            uuid: uuid.to_string(),
            expected,
            traits,
        };
        self.write_and_answer(write, None, gate).await
    }
}
