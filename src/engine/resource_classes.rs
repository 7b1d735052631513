//! Resource class operations.

use super::{Engine, EngineError, Entry};
use crate::domain::names::FIRST_CUSTOM_CLASS_ID;
use crate::store::{self, StoreError};

/// Outcome of a create-or-verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    Created,
    Existed,
}

impl Engine {
    /// All resource classes in id order.
    pub fn resource_classes(&self) -> Vec<Entry> {
        self.catalog().classes.iter().cloned().collect()
    }

    pub fn class_name(&self, id: i32) -> Option<String> {
        self.catalog().classes.by_id(id).map(|e| e.name.clone())
    }

    pub fn resource_class(&self, name: &str) -> Option<Entry> {
        self.catalog().classes.by_name(name).cloned()
    }

    /// Creates a custom class; the name must already be validated.
    pub async fn create_resource_class(&self, name: &str) -> Result<Entry, EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        if self.resource_class(name).is_some() {
            return Err(EngineError::ClassExists(name.to_string()));
        }
        self.insert_class(name).await
    }

    /// Creates a custom class unless it exists (PUT /resource_classes/{name} from 1.7).
    pub async fn ensure_resource_class(&self, name: &str) -> Result<(Entry, Ensured), EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        if let Some(e) = self.resource_class(name) {
            return Ok((e, Ensured::Existed));
        }
        Ok((self.insert_class(name).await?, Ensured::Created))
    }

    async fn insert_class(&self, name: &str) -> Result<Entry, EngineError> {
        let id = self.catalog().next_custom_class_id();
        let at = store::now();
        let owned = name.to_string();
        let result = self
            .with_conn(move |c| store::catalog::insert_resource_class(c, id, &owned, at))
            .await;
        match result {
            Err(EngineError::Store(StoreError::Duplicate(_))) => {
                Err(EngineError::ClassExists(name.to_string()))
            }
            Err(e) => Err(e),
            Ok(()) => {
                let entry = Entry {
                    id,
                    name: name.to_string(),
                    created_at: Some(at),
                    updated_at: None,
                };
                self.catalog_mut().classes.insert(entry.clone());
                Ok(entry)
            }
        }
    }

    /// Renames a custom class (PUT /resource_classes/{name}, 1.2–1.6).
    pub async fn rename_resource_class(
        &self,
        name: &str,
        new_name: &str,
    ) -> Result<Entry, EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        let entry = self
            .resource_class(name)
            .ok_or_else(|| EngineError::ClassNotFound(name.to_string()))?;
        if entry.id < FIRST_CUSTOM_CLASS_ID {
            return Err(EngineError::StandardClass(name.to_string()));
        }
        if self.resource_class(new_name).is_some() {
            return Err(EngineError::ClassExists(new_name.to_string()));
        }
        let at = store::now();
        let (id, owned) = (entry.id, new_name.to_string());
        self.with_conn(move |c| store::catalog::rename_resource_class(c, id, &owned, at))
            .await?;
        self.catalog_mut().classes.rename(id, new_name, at);
        Ok(self
            .catalog()
            .classes
            .by_id(id)
            .cloned()
            .expect("renamed class present"))
    }

    /// Deletes a custom class that no inventory uses.
    pub async fn delete_resource_class(&self, name: &str) -> Result<(), EngineError> {
        let _w = self.inner.catalog_writes.lock().await;
        let entry = self
            .resource_class(name)
            .ok_or_else(|| EngineError::ClassNotFound(name.to_string()))?;
        if entry.id < FIRST_CUSTOM_CLASS_ID {
            return Err(EngineError::StandardClass(name.to_string()));
        }
        let id = entry.id;
        if !self
            .with_conn(move |c| store::catalog::delete_resource_class(c, id))
            .await?
        {
            return Err(EngineError::ClassInUse(name.to_string()));
        }
        self.catalog_mut().classes.remove(id);
        Ok(())
    }
}
