//! In-memory catalog of resource classes and traits: names, ids, timestamps.
//! Loaded from the store at start; every change is persisted before it is applied here.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;

use crate::store::catalog::NamedRow;

/// One resource class or trait as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub id: i32,
    pub name: String,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl Entry {
    /// The time upstream reports as Last-Modified for this row.
    pub fn modified(&self) -> Option<NaiveDateTime> {
        self.updated_at.or(self.created_at)
    }
}

impl From<NamedRow> for Entry {
    fn from(r: NamedRow) -> Self {
        Entry {
            id: r.id,
            name: r.name,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// A set of named rows indexed by name and by id.
#[derive(Debug, Default, Clone)]
pub struct NameTable {
    by_id: BTreeMap<i32, Entry>,
    by_name: std::collections::HashMap<String, i32>,
}

impl NameTable {
    pub fn from_rows(rows: Vec<NamedRow>) -> Self {
        let mut t = NameTable::default();
        for r in rows {
            t.insert(r.into());
        }
        t
    }

    pub fn insert(&mut self, e: Entry) {
        self.by_name.insert(e.name.clone(), e.id);
        self.by_id.insert(e.id, e);
    }

    pub fn remove(&mut self, id: i32) -> Option<Entry> {
        let e = self.by_id.remove(&id)?;
        self.by_name.remove(&e.name);
        Some(e)
    }

    pub fn rename(&mut self, id: i32, name: &str, at: NaiveDateTime) {
        if let Some(mut e) = self.remove(id) {
            e.name = name.to_string();
            e.updated_at = Some(at);
            self.insert(e);
        }
    }

    pub fn by_name(&self, name: &str) -> Option<&Entry> {
        self.by_name.get(name).and_then(|id| self.by_id.get(id))
    }

    pub fn by_id(&self, id: i32) -> Option<&Entry> {
        self.by_id.get(&id)
    }

    /// All entries in id order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.by_id.values()
    }

    pub fn max_id(&self) -> Option<i32> {
        self.by_id.keys().next_back().copied()
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Resource classes and traits together.
#[derive(Debug, Default, Clone)]
pub struct Catalog {
    pub classes: NameTable,
    pub traits: NameTable,
}

impl Catalog {
    /// The id for a new custom resource class: max(id) + 1, at least 10000.
    pub fn next_custom_class_id(&self) -> i32 {
        let next = self.classes.max_id().map_or(0, |m| m + 1);
        next.max(crate::domain::names::FIRST_CUSTOM_CLASS_ID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i32, name: &str) -> Entry {
        Entry {
            id,
            name: name.into(),
            created_at: None,
            updated_at: None,
        }
    }

    #[test]
    fn custom_ids_start_at_10000_and_grow() {
        let mut c = Catalog::default();
        c.classes.insert(entry(0, "VCPU"));
        assert_eq!(c.next_custom_class_id(), 10000);
        c.classes.insert(entry(10000, "CUSTOM_A"));
        assert_eq!(c.next_custom_class_id(), 10001);
    }

    #[test]
    fn rename_updates_both_indexes() {
        let mut t = NameTable::default();
        t.insert(entry(10000, "CUSTOM_A"));
        t.rename(10000, "CUSTOM_B", chrono::DateTime::UNIX_EPOCH.naive_utc());
        assert!(t.by_name("CUSTOM_A").is_none());
        assert_eq!(t.by_name("CUSTOM_B").unwrap().id, 10000);
        assert!(t.by_id(10000).unwrap().updated_at.is_some());
    }
}
