//! Queries for resource providers and what hangs off them: inventories,
//! aggregates, traits. Every write that changes a provider's generation is
//! fenced on the generation the engine expects (`WHERE generation = g`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    allocations, inventories, placement_aggregates, resource_provider_aggregates,
    resource_provider_traits, resource_providers,
};
use super::{AnyConnection, StoreError};
use crate::domain::inventory::Inventory;

#[derive(Debug, Clone, Queryable)]
pub struct ProviderRow {
    pub id: i32,
    pub uuid: String,
    pub name: Option<String>,
    pub generation: Option<i32>,
    pub root_provider_id: Option<i32>,
    pub parent_provider_id: Option<i32>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable)]
pub struct InventoryRow {
    pub resource_provider_id: i32,
    pub resource_class_id: i32,
    pub total: i32,
    pub reserved: i32,
    pub min_unit: i32,
    pub max_unit: i32,
    pub step_size: i32,
    pub allocation_ratio: f64,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

impl InventoryRow {
    pub fn inventory(&self) -> Inventory {
        Inventory {
            total: self.total.into(),
            reserved: self.reserved.into(),
            min_unit: self.min_unit.into(),
            max_unit: self.max_unit.into(),
            step_size: self.step_size.into(),
            allocation_ratio: self.allocation_ratio,
        }
    }
}

/// Everything the engine loads at start.
pub struct ProviderData {
    pub providers: Vec<ProviderRow>,
    pub inventories: Vec<InventoryRow>,
    /// (provider id, aggregate uuid)
    pub aggregates: Vec<(i32, String)>,
    /// (provider id, trait id)
    pub traits: Vec<(i32, i32)>,
    /// (provider id, class id, sum of used)
    pub usages: Vec<(i32, i32, i64)>,
}

pub fn load_all(conn: &mut AnyConnection) -> Result<ProviderData, StoreError> {
    let providers = resource_providers::table
        .order(resource_providers::id)
        .load::<ProviderRow>(conn)?;
    let inventories = inventories::table
        .select((
            inventories::resource_provider_id,
            inventories::resource_class_id,
            inventories::total,
            inventories::reserved,
            inventories::min_unit,
            inventories::max_unit,
            inventories::step_size,
            inventories::allocation_ratio,
            inventories::created_at,
            inventories::updated_at,
        ))
        .load::<InventoryRow>(conn)?;
    let aggregates = resource_provider_aggregates::table
        .inner_join(
            placement_aggregates::table
                .on(placement_aggregates::id.eq(resource_provider_aggregates::aggregate_id)),
        )
        .select((
            resource_provider_aggregates::resource_provider_id,
            placement_aggregates::uuid,
        ))
        .load::<(i32, Option<String>)>(conn)?
        .into_iter()
        .filter_map(|(rp, agg)| agg.map(|a| (rp, a)))
        .collect();
    let traits = resource_provider_traits::table
        .select((
            resource_provider_traits::resource_provider_id,
            resource_provider_traits::trait_id,
        ))
        .load(conn)?;
    let usages = allocations::table
        .group_by((
            allocations::resource_provider_id,
            allocations::resource_class_id,
        ))
        .select((
            allocations::resource_provider_id,
            allocations::resource_class_id,
            diesel::dsl::sum(allocations::used),
        ))
        .load::<(i32, i32, Option<i64>)>(conn)?
        .into_iter()
        .map(|(rp, rc, used)| (rp, rc, used.unwrap_or(0)))
        .collect();
    Ok(ProviderData {
        providers,
        inventories,
        aggregates,
        traits,
        usages,
    })
}

/// Inserts a provider; a root gets `root_provider_id = id` by a second
/// statement, as upstream does (so roots have `updated_at` set).
pub fn insert_provider(
    conn: &mut AnyConnection,
    uuid: &str,
    name: &str,
    parent: Option<(i32, i32)>,
    at: NaiveDateTime,
) -> Result<i32, StoreError> {
    conn.transaction(|conn| {
        let id: i32 = diesel::insert_into(resource_providers::table)
            .values((
                resource_providers::uuid.eq(uuid),
                resource_providers::name.eq(name),
                resource_providers::generation.eq(0),
                resource_providers::parent_provider_id.eq(parent.map(|(p, _)| p)),
                resource_providers::root_provider_id.eq(parent.map(|(_, r)| r)),
                resource_providers::created_at.eq(Some(at)),
            ))
            .returning(resource_providers::id)
            .get_result(conn)?;
        if parent.is_none() {
            super::kept_prepared::SetOwnRoot { id, at: Some(at) }.execute(conn)?;
        }
        Ok(id)
    })
}

/// Renames and/or re-parents a provider; `tree` lists (id, new root id) for
/// the provider and all its descendants when the root changes.
pub fn update_provider(
    conn: &mut AnyConnection,
    id: i32,
    name: &str,
    parent_id: Option<i32>,
    tree: &[(i32, i32)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::update(resource_providers::table.find(id))
            .set((
                resource_providers::name.eq(name),
                resource_providers::parent_provider_id.eq(parent_id),
                resource_providers::updated_at.eq(Some(at)),
            ))
            .execute(conn)?;
        for (node, root) in tree {
            diesel::update(resource_providers::table.find(node))
                .set(resource_providers::root_provider_id.eq(root))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn delete_provider(conn: &mut AnyConnection, id: i32) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(inventories::table.filter(inventories::resource_provider_id.eq(id)))
            .execute(conn)?;
        diesel::delete(
            resource_provider_aggregates::table
                .filter(resource_provider_aggregates::resource_provider_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(
            resource_provider_traits::table
                .filter(resource_provider_traits::resource_provider_id.eq(id)),
        )
        .execute(conn)?;
        diesel::delete(resource_providers::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// Bumps a provider's generation from `expected` and sets `updated_at`
/// (upstream's column default does on every bump); false when someone
/// else moved it.
pub fn bump_generation(
    conn: &mut AnyConnection,
    id: i32,
    expected: i64,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = super::kept_prepared::FencedBump {
        id,
        expected: expected as i32,
        at: Some(at),
    }
    .execute(conn)?;
    Ok(n == 1)
}

/// An error inside a transaction that must roll it back.
#[derive(Debug)]
pub enum Fenced {
    Stale,
    Store(StoreError),
}

impl From<diesel::result::Error> for Fenced {
    fn from(e: diesel::result::Error) -> Self {
        Fenced::Store(e.into())
    }
}

/// Runs `f` in a transaction after bumping the generation from `expected`.
pub fn fenced<T>(
    conn: &mut AnyConnection,
    id: i32,
    expected: i64,
    at: NaiveDateTime,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let result = conn.transaction::<T, Fenced, _>(|conn| {
        if !bump_generation(conn, id, expected, at).map_err(Fenced::Store)? {
            return Err(Fenced::Stale);
        }
        f(conn).map_err(Fenced::Store)
    });
    match result {
        Ok(v) => Ok(Some(v)),
        Err(Fenced::Stale) => Ok(None),
        Err(Fenced::Store(e)) => Err(e),
    }
}

/// Replaces the provider's inventories with `new` (class id → inventory).
pub fn replace_inventories(
    conn: &mut AnyConnection,
    rp: i32,
    new: &[(i32, Inventory)],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let existing: Vec<i32> = inventories::table
        .filter(inventories::resource_provider_id.eq(rp))
        .select(inventories::resource_class_id)
        .load(conn)?;
    for rc in &existing {
        if !new.iter().any(|(c, _)| c == rc) {
            diesel::delete(
                inventories::table
                    .filter(inventories::resource_provider_id.eq(rp))
                    .filter(inventories::resource_class_id.eq(rc)),
            )
            .execute(conn)?;
        }
    }
    let values = |inv: &Inventory| {
        (
            inventories::total.eq(inv.total as i32),
            inventories::reserved.eq(inv.reserved as i32),
            inventories::min_unit.eq(inv.min_unit as i32),
            inventories::max_unit.eq(inv.max_unit as i32),
            inventories::step_size.eq(inv.step_size as i32),
            inventories::allocation_ratio.eq(inv.allocation_ratio),
        )
    };
    for (rc, inv) in new {
        if existing.contains(rc) {
            diesel::update(
                inventories::table
                    .filter(inventories::resource_provider_id.eq(rp))
                    .filter(inventories::resource_class_id.eq(rc)),
            )
            .set((values(inv), inventories::updated_at.eq(Some(at))))
            .execute(conn)?;
        } else {
            // One row per statement: diesel keeps single-row inserts
            // prepared, never multi-row ones.
            diesel::insert_into(inventories::table)
                .values((
                    inventories::resource_provider_id.eq(rp),
                    inventories::resource_class_id.eq(*rc),
                    values(inv),
                    inventories::created_at.eq(Some(at)),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Replaces the provider's aggregates, creating unknown aggregate uuids.
pub fn replace_aggregates(
    conn: &mut AnyConnection,
    rp: i32,
    uuids: &[String],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(
        resource_provider_aggregates::table
            .filter(resource_provider_aggregates::resource_provider_id.eq(rp)),
    )
    .execute(conn)?;
    for uuid in uuids {
        let found: Option<i32> = placement_aggregates::table
            .filter(placement_aggregates::uuid.eq(uuid))
            .select(placement_aggregates::id)
            .first(conn)
            .optional()?;
        let agg = match found {
            Some(id) => id,
            None => diesel::insert_into(placement_aggregates::table)
                .values((
                    placement_aggregates::uuid.eq(uuid),
                    placement_aggregates::created_at.eq(Some(at)),
                ))
                .returning(placement_aggregates::id)
                .get_result(conn)?,
        };
        diesel::insert_into(resource_provider_aggregates::table)
            .values((
                resource_provider_aggregates::resource_provider_id.eq(rp),
                resource_provider_aggregates::aggregate_id.eq(agg),
                resource_provider_aggregates::created_at.eq(Some(at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Replaces the provider's traits.
pub fn replace_traits(
    conn: &mut AnyConnection,
    rp: i32,
    trait_ids: &[i32],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::delete(
        resource_provider_traits::table
            .filter(resource_provider_traits::resource_provider_id.eq(rp)),
    )
    .execute(conn)?;
    for t in trait_ids {
        diesel::insert_into(resource_provider_traits::table)
            .values((
                resource_provider_traits::resource_provider_id.eq(rp),
                resource_provider_traits::trait_id.eq(t),
                resource_provider_traits::created_at.eq(Some(at)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Aggregate replacement without a generation change (before 1.19).
pub fn set_aggregates_unfenced(
    conn: &mut AnyConnection,
    rp: i32,
    uuids: &[String],
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    conn.transaction(|c| replace_aggregates(c, rp, uuids, at))
}
