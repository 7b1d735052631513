//! Trait operations.

use std::collections::HashSet;

use super::resource_classes::Ensured;
use super::{Engine, EngineError, Entry};
use crate::store;

/// Filters of GET /traits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraitFilter {
    /// `name=in:A,B`: exactly these names.
    pub names_in: Option<Vec<String>>,
    /// `name=startswith:P`: upstream uses SQL LIKE 'P%' without escaping.
    pub starts_with: Option<String>,
    /// `associated=true|false`.
    pub associated: Option<bool>,
}

/// SQL `LIKE 'prefix%'` as upstream runs it on SQLite/MySQL: `_` is any one
/// character, `%` any run (not escaped), ASCII letters compare case-insensitively.
fn like_prefix(name: &str, prefix: &str) -> bool {
    fn matches(n: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => true, // trailing '%'
            Some(('%', rest)) => (0..=n.len()).any(|i| matches(&n[i..], rest)),
            Some(('_', rest)) => !n.is_empty() && matches(&n[1..], rest),
            Some((c, rest)) => {
                n.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && matches(&n[1..], rest)
            }
        }
    }
    let n: Vec<char> = name.chars().collect();
    let p: Vec<char> = prefix.chars().collect();
    matches(&n, &p)
}

impl Engine {
    pub fn trait_by_id(&self, id: i32) -> Option<Entry> {
        self.catalog().traits.by_id(id).cloned()
    }

    pub fn trait_by_name(&self, name: &str) -> Option<Entry> {
        self.catalog().traits.by_name(name).cloned()
    }

    /// Traits matching the filter, in id order.
    pub async fn traits(&self, filter: &TraitFilter) -> Result<Vec<Entry>, EngineError> {
        let associated: Option<HashSet<i32>> = match filter.associated {
            Some(_) => Some(
                self.with_conn(store::catalog::associated_trait_ids)
                    .await?
                    .into_iter()
                    .collect(),
            ),
            None => None,
        };
        let catalog = self.catalog();
        Ok(catalog
            .traits
            .iter()
            .filter(|t| {
                filter
                    .names_in
                    .as_ref()
                    .is_none_or(|names| names.contains(&t.name))
            })
            .filter(|t| {
                filter
                    .starts_with
                    .as_ref()
                    .is_none_or(|p| like_prefix(&t.name, p))
            })
            .filter(|t| match (&associated, filter.associated) {
                (Some(set), Some(want)) => set.contains(&t.id) == want,
                _ => true,
            })
            .cloned()
            .collect())
    }

    /// Creates a custom trait unless it exists (PUT /traits/{name}).
    pub async fn ensure_trait(&self, name: &str) -> Result<(Entry, Ensured), EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        if let Some(e) = self.trait_by_name(name) {
            return Ok((e, Ensured::Existed));
        }
        let at = store::now();
        let owned = name.to_string();
        let id = self
            .with_conn(move |c| store::catalog::insert_trait(c, &owned, at))
            .await?;
        let entry = Entry {
            id,
            name: name.to_string(),
            created_at: Some(at),
            updated_at: None,
        };
        self.catalog_mut().traits.insert(entry.clone());
        Ok((entry, Ensured::Created))
    }

    /// Deletes a custom trait no provider has.
    pub async fn delete_trait(&self, name: &str) -> Result<(), EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        let entry = self
            .trait_by_name(name)
            .ok_or_else(|| EngineError::TraitNotFound(name.to_string()))?;
        if !name.starts_with("CUSTOM_") {
            return Err(EngineError::StandardTrait(name.to_string()));
        }
        let id = entry.id;
        if !self
            .with_conn(move |c| store::catalog::delete_trait(c, id))
            .await?
        {
            return Err(EngineError::TraitInUse(name.to_string()));
        }
        self.catalog_mut().traits.remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::like_prefix;

    #[test]
    fn like_prefix_semantics() {
        assert!(like_prefix("CUSTOM_FOO", "CUSTOM"));
        assert!(like_prefix("CUSTOM_FOO", "CUSTOM_"));
        assert!(
            like_prefix("CUSTOMXFOO", "CUSTOM_"),
            "_ matches any one character"
        );
        assert!(!like_prefix("HW_CPU", "CUSTOM"));
        assert!(like_prefix("HW_CPU", "%CPU"));
    }
}
