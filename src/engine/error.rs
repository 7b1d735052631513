use crate::store::StoreError;

/// What the engine refuses, or why it failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("No such resource class {0}.")]
    ClassNotFound(String),
    #[error("Conflicting resource class already exists: {0}")]
    ClassExists(String),
    #[error("Cannot delete resource class {0}. Class is in use in inventory.")]
    ClassInUse(String),
    #[error("Cannot delete standard resource class {0}.")]
    StandardClass(String),
    #[error("No such trait(s): {0}.")]
    TraitNotFound(String),
    #[error("The trait {0} is in use by a resource provider.")]
    TraitInUse(String),
    #[error("Cannot delete standard trait {0}.")]
    StandardTrait(String),
    #[error("Conflicting resource provider {0} already exists.")]
    ProviderExists(String),
    #[error("Object action {action} failed because: {reason}")]
    ProviderAction {
        action: &'static str,
        reason: String,
    },
    #[error("No resource provider with uuid {0} found")]
    ProviderNotFound(String),
    #[error("Unable to delete parent resource provider {0}: It has child resource providers.")]
    ProviderHasChildren(String),
    #[error("Unable to delete resource provider {0}: Resource provider has allocations.")]
    ProviderInUse(String),
    #[error("resource provider generation conflict")]
    ProviderGenerationConflict(String),
    #[error("Inventory for classes {classes:?} on resource provider '{provider}' in use.")]
    InventoryInUse { provider: String, classes: Vec<i32> },
    #[error("consumer generation conflict - expected {expected} but got {got}")]
    ConsumerGenerationConflict { expected: String, got: String },
    #[error("Allocation for resource provider '{0}' that does not exist.")]
    AllocationProviderNotFound(String),
    /// Upstream's InvalidInventory family: no inventory, unit rules, capacity.
    #[error("{0}")]
    AllocationRefused(String),
    #[error("Another thread concurrently updated the data. Please retry your update")]
    ConcurrentUpdate,
    #[error("No allocations for consumer '{0}'")]
    NoAllocations(String),
    #[error(
        "Resource provider {0} in inventories not found: No resource provider with uuid {0} found"
    )]
    ReshapeProviderNotFound(String),
    #[error(
        "resource provider generation conflict for provider {provider}: actual: {actual}, given: {given}"
    )]
    ReshapeGenerationConflict {
        provider: String,
        actual: i64,
        given: i64,
    },
    #[error("The service is busy; retry the request.")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}
