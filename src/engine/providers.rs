//! The provider catalogue: create, update, delete providers, and set their
//! inventories, aggregates and traits. Every change is persisted (fenced on
//! the provider generation) before it is applied in memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix::Addr;

use super::ledger::{HoldRefusal, Ledger, Token};
use super::provider_actor::{Abort, ApplyInventories, HoldInventory, ProviderActor, Stop};
use super::provider_state::{InventoryEntry, ProviderState};
use super::{Engine, EngineError};
use crate::domain::inventory::Inventory;
use crate::store::{self, StoreError};

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

    fn get_mut(&mut self, uuid: &str) -> Option<&mut ProviderState> {
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

    pub fn children_of<'a>(
        &'a self,
        uuid: &'a str,
    ) -> impl Iterator<Item = &'a ProviderState> + 'a {
        self.by_id
            .values()
            .filter(move |p| p.parent.as_deref() == Some(uuid))
    }

    /// The provider and all its descendants.
    pub fn subtree(&self, uuid: &str) -> Vec<String> {
        let mut out = vec![uuid.to_string()];
        let mut i = 0;
        while i < out.len() {
            let next: Vec<String> = self.children_of(&out[i]).map(|c| c.uuid.clone()).collect();
            out.extend(next);
            i += 1;
        }
        out
    }

    fn rename(&mut self, uuid: &str, name: &str) {
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

/// Aggregates are kept sorted, so reads answer the same before and after
/// a restart (the store keeps no order).
fn sorted_unique(v: &[String]) -> Vec<String> {
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

/// Which of the three provider attributes a write replaces.
enum Attach {
    Inventories(Vec<(i32, Inventory)>),
    Aggregates(Vec<String>),
    Traits(Vec<i32>),
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

    pub async fn create_provider(&self, new: NewProvider) -> Result<ProviderState, EngineError> {
        let _w = self.inner.provider_writes.lock().await;
        let (parent_ids, root_uuid) = {
            let t = self.providers();
            let dup_uuid = t.get(&new.uuid).is_some();
            let dup_name = t.by_name(&new.name).is_some();
            if dup_uuid || dup_name {
                let mut parts = vec![];
                if dup_uuid {
                    parts.push(format!("uuid: {}", new.uuid));
                }
                if dup_name {
                    parts.push(format!("name: {}", new.name));
                }
                return Err(EngineError::ProviderExists(parts.join(", ")));
            }
            match &new.parent {
                None => (None, new.uuid.clone()),
                Some(parent) if *parent == new.uuid => {
                    return Err(EngineError::ProviderAction {
                        action: "create",
                        reason: "parent provider UUID cannot be same as UUID. Please set parent provider UUID to None if there is no parent.".into(),
                    });
                }
                Some(parent) => match t.get(parent) {
                    Some(p) => {
                        let root_id = t.get(&p.root).map_or(p.id, |r| r.id);
                        (Some((p.id, root_id)), p.root.clone())
                    }
                    None => {
                        return Err(EngineError::ProviderAction {
                            action: "create",
                            reason: "parent provider UUID does not exist.".into(),
                        });
                    }
                },
            }
        };
        let at = store::now();
        let (uuid, name) = (new.uuid.clone(), new.name.clone());
        let id = self
            .with_conn(move |c| store::providers::insert_provider(c, &uuid, &name, parent_ids, at))
            .await
            .map_err(|e| match e {
                EngineError::Store(StoreError::Duplicate(m)) => EngineError::ProviderExists(m),
                other => other,
            })?;
        let mut p = ProviderState::new(id, new.uuid, new.name, new.parent, root_uuid);
        p.created_at = Some(at);
        if p.parent.is_none() {
            p.updated_at = Some(at);
        }
        let actor = self.inner.runtime.start_provider(Ledger::default());
        self.directory_mut().insert(id, actor);
        self.providers_mut().insert(p.clone());
        Ok(p)
    }

    pub async fn update_provider(
        &self,
        uuid: &str,
        update: ProviderUpdate,
    ) -> Result<ProviderState, EngineError> {
        let _w = self.inner.provider_writes.lock().await;
        let (id, parent_id, new_parent, tree) = {
            let t = self.providers();
            let me = t
                .get(uuid)
                .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
            if let Some(other) = t.by_name(&update.name)
                && other.uuid != me.uuid
            {
                return Err(EngineError::ProviderExists(update.name.clone()));
            }
            let action_err = |reason: &str| EngineError::ProviderAction {
                action: "update",
                reason: reason.into(),
            };
            let new_parent: Option<String> = match &update.parent {
                None => me.parent.clone(),
                Some(None) => {
                    if me.parent.is_some() && !update.allow_reparenting {
                        return Err(action_err(
                            "un-parenting a provider is not currently allowed.",
                        ));
                    }
                    None
                }
                Some(Some(parent)) => {
                    let p = t.get(parent).ok_or_else(|| EngineError::ProviderAction {
                        action: "create",
                        reason: "parent provider UUID does not exist.".into(),
                    })?;
                    if me.parent.as_deref().is_some_and(|cur| cur != p.uuid)
                        && !update.allow_reparenting
                    {
                        return Err(action_err(
                            "re-parenting a provider is not currently allowed.",
                        ));
                    }
                    if t.subtree(uuid).contains(&p.uuid) {
                        return Err(action_err(
                            "creating loop in the provider tree is not allowed.",
                        ));
                    }
                    Some(p.uuid.clone())
                }
            };
            let parent_id = new_parent.as_deref().and_then(|u| t.get(u)).map(|p| p.id);
            let new_root = match &new_parent {
                Some(pu) => t
                    .get(pu)
                    .map(|p| p.root.clone())
                    .unwrap_or_else(|| pu.clone()),
                None => uuid.to_string(),
            };
            let tree: Vec<(String, String)> = if new_root != me.root {
                t.subtree(uuid)
                    .into_iter()
                    .map(|u| (u, new_root.clone()))
                    .collect()
            } else {
                vec![]
            };
            (me.id, parent_id, new_parent, tree)
        };
        let at = store::now();
        let name = update.name.clone();
        let tree_ids: Vec<(i32, i32)> = {
            let t = self.providers();
            let root_id = |u: &str| t.get(u).map(|p| p.id);
            tree.iter()
                .filter_map(|(u, r)| Some((t.get(u)?.id, root_id(r)?)))
                .collect()
        };
        self.with_conn(move |c| {
            store::providers::update_provider(c, id, &name, parent_id, &tree_ids, at)
        })
        .await
        .map_err(|e| match e {
            EngineError::Store(StoreError::Duplicate(_)) => {
                EngineError::ProviderExists(update.name.clone())
            }
            other => other,
        })?;
        let mut t = self.providers_mut();
        t.rename(uuid, &update.name);
        for (u, root) in &tree {
            if let Some(p) = t.get_mut(u) {
                p.root = root.clone();
            }
        }
        let p = t
            .get_mut(uuid)
            .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
        p.parent = new_parent;
        p.updated_at = Some(at);
        let (id, out) = (p.id, p.clone());
        t.reindex(id);
        Ok(out)
    }

    pub async fn delete_provider(&self, uuid: &str) -> Result<(), EngineError> {
        let _w = self.inner.provider_writes.lock().await;
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
        let (token, actor) = match self.hold_inventory(id, None).await? {
            Ok(held) => held,
            Err(_) => return Err(EngineError::ProviderInUse(uuid.to_string())),
        };
        if let Err(e) = self
            .with_conn(move |c| store::providers::delete_provider(c, id))
            .await
        {
            actor.do_send(Abort { token });
            return Err(e);
        }
        actor.do_send(Stop);
        self.directory_mut().remove(&id);
        self.providers_mut().remove(uuid);
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
        let _w = self.inner.provider_writes.lock().await;
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
        let (token, actor) = match self.hold_inventory(id, Some(keep)).await? {
            Ok(held) => held,
            Err(classes) => {
                return Err(EngineError::InventoryInUse {
                    provider: uuid.to_string(),
                    classes,
                });
            }
        };
        let book: BTreeMap<i32, Inventory> = inventories.iter().copied().collect();
        match self
            .attach(uuid, expected, Attach::Inventories(inventories))
            .await
        {
            Ok(p) => {
                let _ = actor
                    .send(ApplyInventories {
                        token,
                        inventories: book,
                    })
                    .await;
                Ok(p)
            }
            Err(e) => {
                actor.do_send(Abort { token });
                Err(e)
            }
        }
    }

    /// Holds a provider's inventory for a change (None: deleting the
    /// provider). Waits while claims are in flight on it; `Err(classes)`
    /// when classes to be removed are allocated.
    async fn hold_inventory(
        &self,
        id: i32,
        keep: Option<BTreeSet<i32>>,
    ) -> Result<Result<(Token, Addr<ProviderActor>), Vec<i32>>, EngineError> {
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
                Ok(Ok(())) => return Ok(Ok((token, actor))),
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
        let _w = self.inner.provider_writes.lock().await;
        match expected {
            Some(g) => self.attach(uuid, g, Attach::Aggregates(aggregates)).await,
            None => {
                let id = self
                    .provider(uuid)
                    .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?
                    .id;
                let at = store::now();
                let aggs = aggregates.clone();
                self.with_conn(move |c| {
                    store::providers::set_aggregates_unfenced(c, id, &aggs, at)
                })
                .await?;
                let mut t = self.providers_mut();
                let p = t
                    .get_mut(uuid)
                    .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
                p.aggregates = sorted_unique(&aggregates);
                let (id, out) = (p.id, p.clone());
                t.reindex(id);
                Ok(out)
            }
        }
    }

    /// Replaces the traits; the generation moves only when the set changes.
    pub async fn set_traits(
        &self,
        uuid: &str,
        expected: i64,
        traits: Vec<i32>,
    ) -> Result<ProviderState, EngineError> {
        let _w = self.inner.provider_writes.lock().await;
        let p = self
            .provider(uuid)
            .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
        if p.generation != expected {
            return Err(EngineError::ProviderGenerationConflict(uuid.to_string()));
        }
        if p.traits == traits.iter().copied().collect::<BTreeSet<_>>() {
            return Ok(p);
        }
        self.attach(uuid, expected, Attach::Traits(traits)).await
    }

    /// Persists one attribute replacement fenced on the generation, then applies it.
    async fn attach(
        &self,
        uuid: &str,
        expected: i64,
        what: Attach,
    ) -> Result<ProviderState, EngineError> {
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
        let at = store::now();
        let (what, done) = {
            let what = std::sync::Arc::new(what);
            let w = what.clone();
            let done = self
                .with_conn(move |c| {
                    store::providers::fenced(c, id, expected, |c| {
                        store::providers::touch(c, id, at)?;
                        match &*w {
                            Attach::Inventories(v) => {
                                store::providers::replace_inventories(c, id, v, at)
                            }
                            Attach::Aggregates(v) => {
                                store::providers::replace_aggregates(c, id, v, at)
                            }
                            Attach::Traits(v) => store::providers::replace_traits(c, id, v, at),
                        }
                    })
                })
                .await?;
            (what, done)
        };
        if done.is_none() {
            return Err(EngineError::ProviderGenerationConflict(uuid.to_string()));
        }
        let mut t = self.providers_mut();
        let p = t
            .get_mut(uuid)
            .ok_or_else(|| EngineError::ProviderNotFound(uuid.to_string()))?;
        // Relative: a claim committed meanwhile moved it too.
        p.generation += 1;
        p.updated_at = Some(at);
        match &*what {
            Attach::Inventories(v) => p.replace_inventories(v, at),
            Attach::Aggregates(v) => p.aggregates = sorted_unique(v),
            Attach::Traits(v) => p.traits = v.iter().copied().collect(),
        }
        let (id, out) = (p.id, p.clone());
        t.reindex(id);
        Ok(out)
    }
}
