//! One provider catalogue write in three steps: `plan` checks it against
//! the view (the read model plus the batch's earlier writes), `persist`
//! runs its SQL (fenced on the generation where the API says so), and
//! `Change::apply` makes it true in a provider table.

use std::collections::BTreeSet;

use chrono::NaiveDateTime;

use super::EngineError;
use super::provider_overlay::View;
use super::provider_state::ProviderState;
use super::providers::{NewProvider, ProviderTable, ProviderUpdate, sorted_unique};
use crate::domain::inventory::Inventory;
use crate::store::{self, AnyConnection, StoreError};

/// A catalogue write as callers ask for it.
#[derive(Debug, Clone)]
pub enum ProviderWrite {
    Create(NewProvider),
    Update {
        uuid: String,
        update: ProviderUpdate,
    },
    Delete {
        uuid: String,
    },
    /// Replaces all inventories when `expected` is the generation.
    Inventories {
        uuid: String,
        expected: i64,
        inventories: Vec<(i32, Inventory)>,
    },
    /// Without `expected` (before 1.19) the generation stays.
    Aggregates {
        uuid: String,
        expected: Option<i64>,
        aggregates: Vec<String>,
    },
    /// The generation moves only when the set changes.
    Traits {
        uuid: String,
        expected: i64,
        traits: Vec<i32>,
    },
}

/// Which of the three provider attributes a fenced write replaces.
#[derive(Debug, Clone)]
pub enum Attach {
    Inventories(Vec<(i32, Inventory)>),
    Aggregates(Vec<String>),
    Traits(Vec<i32>),
}

/// A write checked against the view, ready to persist.
pub enum Planned {
    Create {
        new: NewProvider,
        /// (parent id, root id) of a child.
        parent_ids: Option<(i32, i32)>,
        root: String,
    },
    Update {
        id: i32,
        uuid: String,
        name: String,
        parent: Option<String>,
        parent_id: Option<i32>,
        /// (uuid, new root uuid) and (id, new root id) of the subtree
        /// when the root changes.
        tree: Vec<(String, String)>,
        tree_ids: Vec<(i32, i32)>,
    },
    Delete {
        id: i32,
        uuid: String,
    },
    Attach {
        id: i32,
        uuid: String,
        expected: i64,
        what: Attach,
    },
    AggregatesUnfenced {
        id: i32,
        uuid: String,
        aggregates: Vec<String>,
    },
    Unchanged {
        uuid: String,
    },
}

/// A persisted write, to apply to the read model.
pub enum Change {
    Create(ProviderState),
    Update {
        uuid: String,
        name: String,
        parent: Option<String>,
        tree: Vec<(String, String)>,
        at: NaiveDateTime,
    },
    Delete {
        id: i32,
        uuid: String,
    },
    Attach {
        uuid: String,
        what: Attach,
        at: NaiveDateTime,
    },
    AggregatesUnfenced {
        uuid: String,
        aggregates: Vec<String>,
    },
    Unchanged {
        uuid: String,
    },
}

fn not_found(uuid: &str) -> EngineError {
    EngineError::ProviderNotFound(uuid.to_string())
}

/// Checks `write` against `view`, as the write would run alone on it.
pub fn plan(view: &View<'_>, write: &ProviderWrite) -> Result<Planned, EngineError> {
    match write {
        ProviderWrite::Create(new) => plan_create(view, new),
        ProviderWrite::Update { uuid, update } => plan_update(view, uuid, update),
        ProviderWrite::Delete { uuid } => {
            let p = view.get(uuid).ok_or_else(|| not_found(uuid))?;
            if view.has_children(uuid) {
                return Err(EngineError::ProviderHasChildren(uuid.clone()));
            }
            Ok(Planned::Delete {
                id: p.id,
                uuid: uuid.clone(),
            })
        }
        ProviderWrite::Inventories {
            uuid,
            expected,
            inventories,
        } => plan_attach(
            view,
            uuid,
            *expected,
            Attach::Inventories(inventories.clone()),
        ),
        ProviderWrite::Aggregates {
            uuid,
            expected: Some(g),
            aggregates,
        } => plan_attach(view, uuid, *g, Attach::Aggregates(aggregates.clone())),
        ProviderWrite::Aggregates {
            uuid,
            expected: None,
            aggregates,
        } => {
            let p = view.get(uuid).ok_or_else(|| not_found(uuid))?;
            Ok(Planned::AggregatesUnfenced {
                id: p.id,
                uuid: uuid.clone(),
                aggregates: aggregates.clone(),
            })
        }
        ProviderWrite::Traits {
            uuid,
            expected,
            traits,
        } => {
            let p = view.get(uuid).ok_or_else(|| not_found(uuid))?;
            if p.generation != *expected {
                return Err(EngineError::ProviderGenerationConflict(uuid.clone()));
            }
            if p.traits == traits.iter().copied().collect::<BTreeSet<_>>() {
                return Ok(Planned::Unchanged { uuid: uuid.clone() });
            }
            plan_attach(view, uuid, *expected, Attach::Traits(traits.clone()))
        }
    }
}

fn plan_create(view: &View<'_>, new: &NewProvider) -> Result<Planned, EngineError> {
    let dup_uuid = view.get(&new.uuid).is_some();
    let dup_name = view.by_name(&new.name).is_some();
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
    let create_err = |reason: &str| EngineError::ProviderAction {
        action: "create",
        reason: reason.into(),
    };
    let (parent_ids, root) = match &new.parent {
        None => (None, new.uuid.clone()),
        Some(parent) if *parent == new.uuid => {
            return Err(create_err(
                "parent provider UUID cannot be same as UUID. Please set parent provider UUID to None if there is no parent.",
            ));
        }
        Some(parent) => {
            let p = view
                .get(parent)
                .ok_or_else(|| create_err("parent provider UUID does not exist."))?;
            let root_id = view.get(&p.root).map_or(p.id, |r| r.id);
            (Some((p.id, root_id)), p.root.clone())
        }
    };
    Ok(Planned::Create {
        new: new.clone(),
        parent_ids,
        root,
    })
}

fn plan_update(
    view: &View<'_>,
    uuid: &str,
    update: &ProviderUpdate,
) -> Result<Planned, EngineError> {
    let me = view.get(uuid).ok_or_else(|| not_found(uuid))?;
    if let Some(other) = view.by_name(&update.name)
        && other.uuid != me.uuid
    {
        return Err(EngineError::ProviderExists(update.name.clone()));
    }
    let action_err = |reason: &str| EngineError::ProviderAction {
        action: "update",
        reason: reason.into(),
    };
    let parent: Option<String> = match &update.parent {
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
            // Upstream names the action "create" here.
            let p = view
                .get(parent)
                .ok_or_else(|| EngineError::ProviderAction {
                    action: "create",
                    reason: "parent provider UUID does not exist.".into(),
                })?;
            if me.parent.as_deref().is_some_and(|cur| cur != p.uuid) && !update.allow_reparenting {
                return Err(action_err(
                    "re-parenting a provider is not currently allowed.",
                ));
            }
            if view.subtree(uuid).contains(&p.uuid) {
                return Err(action_err(
                    "creating loop in the provider tree is not allowed.",
                ));
            }
            Some(p.uuid.clone())
        }
    };
    let parent_id = parent.as_deref().and_then(|u| view.get(u)).map(|p| p.id);
    let new_root = match &parent {
        Some(pu) => view
            .get(pu)
            .map(|p| p.root.clone())
            .unwrap_or_else(|| pu.clone()),
        None => uuid.to_string(),
    };
    let tree: Vec<(String, String)> = if new_root != me.root {
        view.subtree(uuid)
            .into_iter()
            .map(|u| (u, new_root.clone()))
            .collect()
    } else {
        vec![]
    };
    let tree_ids = tree
        .iter()
        .filter_map(|(u, r)| Some((view.get(u)?.id, view.get(r)?.id)))
        .collect();
    Ok(Planned::Update {
        id: me.id,
        uuid: uuid.to_string(),
        name: update.name.clone(),
        parent,
        parent_id,
        tree,
        tree_ids,
    })
}

fn plan_attach(
    view: &View<'_>,
    uuid: &str,
    expected: i64,
    what: Attach,
) -> Result<Planned, EngineError> {
    let p = view.get(uuid).ok_or_else(|| not_found(uuid))?;
    if p.generation != expected {
        return Err(EngineError::ProviderGenerationConflict(uuid.to_string()));
    }
    Ok(Planned::Attach {
        id: p.id,
        uuid: uuid.to_string(),
        expected,
        what,
    })
}

impl Planned {
    /// Runs the write's SQL in a savepoint of the caller's transaction.
    pub fn persist(self, conn: &mut AnyConnection) -> Result<Change, EngineError> {
        let at = store::now();
        match self {
            Planned::Create {
                new,
                parent_ids,
                root,
            } => {
                let id =
                    store::providers::insert_provider(conn, &new.uuid, &new.name, parent_ids, at)
                        .map_err(|e| match e {
                        StoreError::Duplicate(m) => EngineError::ProviderExists(m),
                        other => other.into(),
                    })?;
                let mut p = ProviderState::new(id, new.uuid, new.name, new.parent, root);
                p.created_at = Some(at);
                if p.parent.is_none() {
                    p.updated_at = Some(at);
                }
                Ok(Change::Create(p))
            }
            Planned::Update {
                id,
                uuid,
                name,
                parent,
                parent_id,
                tree,
                tree_ids,
            } => {
                store::providers::update_provider(conn, id, &name, parent_id, &tree_ids, at)
                    .map_err(|e| match e {
                        StoreError::Duplicate(_) => EngineError::ProviderExists(name.clone()),
                        other => other.into(),
                    })?;
                Ok(Change::Update {
                    uuid,
                    name,
                    parent,
                    tree,
                    at,
                })
            }
            Planned::Delete { id, uuid } => {
                store::providers::delete_provider(conn, id)?;
                Ok(Change::Delete { id, uuid })
            }
            Planned::Attach {
                id,
                uuid,
                expected,
                what,
            } => {
                let done = store::providers::fenced(conn, id, expected, at, |c| match &what {
                    Attach::Inventories(v) => store::providers::replace_inventories(c, id, v, at),
                    Attach::Aggregates(v) => store::providers::replace_aggregates(c, id, v, at),
                    Attach::Traits(v) => store::providers::replace_traits(c, id, v, at),
                })?;
                match done {
                    Some(()) => Ok(Change::Attach { uuid, what, at }),
                    None => Err(EngineError::ProviderGenerationConflict(uuid)),
                }
            }
            Planned::AggregatesUnfenced {
                id,
                uuid,
                aggregates,
            } => {
                store::providers::set_aggregates_unfenced(conn, id, &aggregates, at)?;
                Ok(Change::AggregatesUnfenced { uuid, aggregates })
            }
            Planned::Unchanged { uuid } => Ok(Change::Unchanged { uuid }),
        }
    }
}

impl Change {
    /// The providers whose state the change reads or rewrites.
    pub fn touched(&self) -> Vec<&str> {
        match self {
            Change::Create(_) | Change::Unchanged { .. } => vec![],
            Change::Update { uuid, tree, .. } => std::iter::once(uuid.as_str())
                .chain(tree.iter().map(|(u, _)| u.as_str()))
                .collect(),
            Change::Delete { uuid, .. }
            | Change::Attach { uuid, .. }
            | Change::AggregatesUnfenced { uuid, .. } => vec![uuid.as_str()],
        }
    }

    /// Makes the change true in `t`; the provider's state afterwards
    /// (None once deleted).
    pub fn apply(&self, t: &mut ProviderTable) -> Option<ProviderState> {
        match self {
            Change::Create(p) => {
                t.insert(p.clone());
                Some(p.clone())
            }
            Change::Update {
                uuid,
                name,
                parent,
                tree,
                at,
            } => {
                t.rename(uuid, name);
                for (u, root) in tree {
                    if let Some(p) = t.get_mut(u) {
                        p.root = root.clone();
                    }
                }
                let p = t.get_mut(uuid)?;
                p.parent = parent.clone();
                p.updated_at = Some(*at);
                let (id, out) = (p.id, p.clone());
                t.reindex(id);
                Some(out)
            }
            Change::Delete { uuid, .. } => {
                t.remove(uuid);
                None
            }
            Change::Attach { uuid, what, at } => {
                let p = t.get_mut(uuid)?;
                // Relative: a claim committed meanwhile moved it too.
                p.generation += 1;
                p.updated_at = Some(*at);
                match what {
                    Attach::Inventories(v) => p.replace_inventories(v, *at),
                    Attach::Aggregates(v) => p.aggregates = sorted_unique(v),
                    Attach::Traits(v) => p.traits = v.iter().copied().collect(),
                }
                let (id, out) = (p.id, p.clone());
                t.reindex(id);
                Some(out)
            }
            Change::AggregatesUnfenced { uuid, aggregates } => {
                let p = t.get_mut(uuid)?;
                p.aggregates = sorted_unique(aggregates);
                let (id, out) = (p.id, p.clone());
                t.reindex(id);
                Some(out)
            }
            Change::Unchanged { uuid } => t.get(uuid).cloned(),
        }
    }
}
