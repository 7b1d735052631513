//! The provider read model as a batch of catalogue writes sees it: the
//! committed table with the batch's earlier writes laid over it. Writes in
//! one batch are checked in order against this view, so the batch answers
//! as if its writes had run one after another.

use std::collections::HashSet;

use super::provider_state::ProviderState;
use super::providers::ProviderTable;

/// Writes persisted (not yet committed) earlier in the batch: copies of
/// the providers they touched, with the writes applied, and the uuids
/// they deleted.
#[derive(Default)]
pub struct Overlay {
    table: ProviderTable,
    deleted: HashSet<String>,
}

impl Overlay {
    /// Copies `touched` from `committed` where not laid over yet, then
    /// lets `apply` change the copies.
    pub fn stage<'u>(
        &mut self,
        committed: &ProviderTable,
        touched: impl IntoIterator<Item = &'u str>,
        apply: impl FnOnce(&mut ProviderTable),
    ) {
        for uuid in touched {
            if self.table.get(uuid).is_none()
                && !self.deleted.contains(uuid)
                && let Some(p) = committed.get(uuid)
            {
                self.table.insert(p.clone());
            }
        }
        apply(&mut self.table);
    }

    pub fn mark_deleted(&mut self, uuid: &str) {
        self.deleted.insert(uuid.to_string());
    }

    pub fn mark_created(&mut self, uuid: &str) {
        self.deleted.remove(uuid);
    }

    pub fn view<'a>(&'a self, committed: &'a ProviderTable) -> View<'a> {
        View {
            committed,
            overlay: self,
        }
    }
}

/// Lookups over the committed table with an overlay on top.
pub struct View<'a> {
    committed: &'a ProviderTable,
    overlay: &'a Overlay,
}

impl<'a> View<'a> {
    /// Whether the overlay decides what `uuid` is.
    fn laid_over(&self, uuid: &str) -> bool {
        self.overlay.deleted.contains(uuid) || self.overlay.table.get(uuid).is_some()
    }

    pub fn get(&self, uuid: &str) -> Option<&'a ProviderState> {
        if let Some(p) = self.overlay.table.get(uuid) {
            return Some(p);
        }
        if self.overlay.deleted.contains(uuid) {
            return None;
        }
        self.committed.get(uuid)
    }

    pub fn by_name(&self, name: &str) -> Option<&'a ProviderState> {
        self.overlay.table.by_name(name).or_else(|| {
            self.committed
                .by_name(name)
                .filter(|p| !self.laid_over(&p.uuid))
        })
    }

    pub fn has_children(&self, uuid: &str) -> bool {
        self.children_of(uuid).next().is_some()
    }

    fn children_of<'s>(&'s self, uuid: &'s str) -> impl Iterator<Item = &'a ProviderState> + 's {
        let committed = self
            .committed
            .children_of(uuid)
            .filter(move |p| !self.laid_over(&p.uuid));
        committed.chain(self.overlay.table.children_of(uuid))
    }

    /// The provider and all its descendants.
    pub fn subtree(&self, uuid: &str) -> Vec<String> {
        super::providers::subtree_with(uuid, |u| {
            self.children_of(u).map(|c| c.uuid.clone()).collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(id: i32, uuid: &str, name: &str, parent: Option<&str>) -> ProviderState {
        let root = parent.unwrap_or(uuid).to_string();
        ProviderState::new(id, uuid.into(), name.into(), parent.map(String::from), root)
    }

    fn committed() -> ProviderTable {
        let mut t = ProviderTable::default();
        t.insert(provider(1, "a", "A", None));
        t.insert(provider(2, "b", "B", Some("a")));
        t
    }

    #[test]
    fn empty_overlay_sees_the_committed_table() {
        let t = committed();
        let o = Overlay::default();
        let v = o.view(&t);
        assert_eq!(v.get("b").map(|p| p.id), Some(2));
        assert_eq!(v.by_name("A").map(|p| p.id), Some(1));
        assert!(v.has_children("a"));
        assert_eq!(v.subtree("a"), vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn renames_free_the_old_name_and_take_the_new() {
        let t = committed();
        let mut o = Overlay::default();
        o.stage(&t, ["a"], |t| t.rename("a", "Z"));
        let v = o.view(&t);
        assert!(v.by_name("A").is_none());
        assert_eq!(v.by_name("Z").map(|p| p.id), Some(1));
        assert_eq!(t.by_name("A").map(|p| p.id), Some(1), "committed unchanged");
    }

    #[test]
    fn deletes_hide_providers_and_their_parent_links() {
        let t = committed();
        let mut o = Overlay::default();
        o.stage(&t, ["b"], |t| {
            t.remove("b");
        });
        o.mark_deleted("b");
        let v = o.view(&t);
        assert!(v.get("b").is_none());
        assert!(v.by_name("B").is_none());
        assert!(!v.has_children("a"));
    }

    #[test]
    fn created_providers_are_found_and_count_as_children() {
        let t = committed();
        let mut o = Overlay::default();
        o.mark_created("c");
        o.stage(&t, [], |t| t.insert(provider(3, "c", "C", Some("b"))));
        let v = o.view(&t);
        assert_eq!(v.get("c").map(|p| p.id), Some(3));
        assert!(v.has_children("b"));
        assert_eq!(v.subtree("a"), vec!["a", "b", "c"]);
    }

    #[test]
    fn a_uuid_deleted_then_created_is_the_new_provider() {
        let t = committed();
        let mut o = Overlay::default();
        o.stage(&t, ["b"], |t| {
            t.remove("b");
        });
        o.mark_deleted("b");
        o.mark_created("b");
        o.stage(&t, [], |t| t.insert(provider(9, "b", "B2", None)));
        let v = o.view(&t);
        assert_eq!(v.get("b").map(|p| p.id), Some(9));
        assert!(v.by_name("B").is_none());
        assert!(!v.has_children("a"));
    }
}
