//! `ProviderState`: one resource provider's state as a plain struct (no
//! actix, no I/O), so its rules are unit-tested on their own.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;

use crate::domain::inventory::Inventory;

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryEntry {
    pub inventory: Inventory,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl InventoryEntry {
    pub fn modified(&self) -> Option<NaiveDateTime> {
        self.updated_at.or(self.created_at)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProviderState {
    pub id: i32,
    pub uuid: String,
    pub name: String,
    pub generation: i64,
    pub parent: Option<String>,
    pub root: String,
    /// Inventory per resource class id.
    pub inventories: BTreeMap<i32, InventoryEntry>,
    /// Committed usage per resource class id.
    pub usage: BTreeMap<i32, i64>,
    pub traits: BTreeSet<i32>,
    /// Aggregate uuids, in the order they were set.
    pub aggregates: Vec<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl ProviderState {
    pub fn new(id: i32, uuid: String, name: String, parent: Option<String>, root: String) -> Self {
        ProviderState {
            id,
            uuid,
            name,
            generation: 0,
            parent,
            root,
            inventories: BTreeMap::new(),
            usage: BTreeMap::new(),
            traits: BTreeSet::new(),
            aggregates: Vec::new(),
            created_at: None,
            updated_at: None,
        }
    }

    pub fn modified(&self) -> Option<NaiveDateTime> {
        self.updated_at.or(self.created_at)
    }

    pub fn used(&self, class: i32) -> i64 {
        self.usage.get(&class).copied().unwrap_or(0)
    }

    /// Classes that have allocations (usage > 0).
    pub fn classes_in_use(&self) -> impl Iterator<Item = i32> + '_ {
        self.usage.iter().filter(|(_, u)| **u > 0).map(|(c, _)| *c)
    }

    /// Classes a replacement inventory set would remove while still allocated.
    pub fn removed_in_use(&self, new_classes: &BTreeSet<i32>) -> Vec<i32> {
        self.classes_in_use()
            .filter(|c| !new_classes.contains(c))
            .collect()
    }

    /// Applies a replacement inventory set (already persisted).
    pub fn replace_inventories(&mut self, new: &[(i32, Inventory)], at: NaiveDateTime) {
        let mut next = BTreeMap::new();
        for (class, inv) in new {
            let entry = match self.inventories.get(class) {
                Some(old) => InventoryEntry {
                    inventory: *inv,
                    created_at: old.created_at,
                    updated_at: Some(at),
                },
                None => InventoryEntry {
                    inventory: *inv,
                    created_at: Some(at),
                    updated_at: None,
                },
            };
            next.insert(*class, entry);
        }
        self.inventories = next;
    }

    /// Whether `amount` of `class` would fit on this provider now.
    pub fn can_fit(&self, class: i32, amount: i64) -> bool {
        self.inventories
            .get(&class)
            .is_some_and(|e| e.inventory.fits(self.used(class), amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> NaiveDateTime {
        chrono::DateTime::UNIX_EPOCH.naive_utc()
    }

    fn provider() -> ProviderState {
        ProviderState::new(1, "u".into(), "n".into(), None, "u".into())
    }

    #[test]
    fn replace_keeps_created_at_and_sets_updated_at() {
        let mut p = provider();
        p.replace_inventories(&[(0, Inventory::with_total(4))], at());
        assert!(p.inventories[&0].created_at.is_some());
        assert!(p.inventories[&0].updated_at.is_none());
        p.replace_inventories(
            &[(0, Inventory::with_total(8)), (1, Inventory::with_total(1))],
            at(),
        );
        assert!(p.inventories[&0].updated_at.is_some());
        assert_eq!(p.inventories[&0].inventory.total, 8);
        p.replace_inventories(&[(1, Inventory::with_total(1))], at());
        assert!(!p.inventories.contains_key(&0));
    }

    #[test]
    fn in_use_classes_block_removal() {
        let mut p = provider();
        p.replace_inventories(
            &[(0, Inventory::with_total(4)), (1, Inventory::with_total(4))],
            at(),
        );
        p.usage.insert(0, 2);
        p.usage.insert(1, 0);
        assert_eq!(p.removed_in_use(&BTreeSet::from([1])), vec![0]);
        assert!(p.removed_in_use(&BTreeSet::from([0])).is_empty());
    }

    #[test]
    fn fit_checks_capacity_and_units() {
        let mut p = provider();
        p.replace_inventories(
            &[(
                0,
                Inventory {
                    max_unit: 4,
                    ..Inventory::with_total(8)
                },
            )],
            at(),
        );
        p.usage.insert(0, 6);
        assert!(p.can_fit(0, 2));
        assert!(!p.can_fit(0, 3));
        assert!(!p.can_fit(1, 1), "no inventory of that class");
    }
}
