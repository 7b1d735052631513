//! Queries for resource classes and traits.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{inventories, resource_classes, resource_provider_traits, traits};
use super::{AnyConnection, StoreError};

/// A row of `resource_classes` or `traits`.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct NamedRow {
    pub id: i32,
    pub name: String,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn load_resource_classes(conn: &mut AnyConnection) -> Result<Vec<NamedRow>, StoreError> {
    Ok(resource_classes::table
        .select((
            resource_classes::id,
            resource_classes::name,
            resource_classes::created_at,
            resource_classes::updated_at,
        ))
        .order(resource_classes::id)
        .load(conn)?)
}

pub fn insert_resource_class(
    conn: &mut AnyConnection,
    id: i32,
    name: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(resource_classes::table)
        .values((
            resource_classes::id.eq(id),
            resource_classes::name.eq(name),
            resource_classes::created_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn rename_resource_class(
    conn: &mut AnyConnection,
    id: i32,
    name: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(resource_classes::table.filter(resource_classes::id.eq(id)))
        .set((
            resource_classes::name.eq(name),
            resource_classes::updated_at.eq(Some(at)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Deletes a resource class unless some inventory uses it; returns false when in use.
pub fn delete_resource_class(conn: &mut AnyConnection, id: i32) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let used: i64 = inventories::table
            .filter(inventories::resource_class_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Ok(false);
        }
        diesel::delete(resource_classes::table.filter(resource_classes::id.eq(id)))
            .execute(conn)?;
        Ok(true)
    })
}

pub fn load_traits(conn: &mut AnyConnection) -> Result<Vec<NamedRow>, StoreError> {
    Ok(traits::table
        .select((
            traits::id,
            traits::name,
            traits::created_at,
            traits::updated_at,
        ))
        .order(traits::id)
        .load(conn)?)
}

/// Inserts a trait and returns its id.
pub fn insert_trait(
    conn: &mut AnyConnection,
    name: &str,
    at: NaiveDateTime,
) -> Result<i32, StoreError> {
    Ok(diesel::insert_into(traits::table)
        .values((traits::name.eq(name), traits::created_at.eq(Some(at))))
        .returning(traits::id)
        .get_result(conn)?)
}

/// Deletes a trait unless a provider has it; returns false when in use.
pub fn delete_trait(conn: &mut AnyConnection, id: i32) -> Result<bool, StoreError> {
    conn.transaction(|conn| {
        let used: i64 = resource_provider_traits::table
            .filter(resource_provider_traits::trait_id.eq(id))
            .count()
            .get_result(conn)?;
        if used > 0 {
            return Ok(false);
        }
        diesel::delete(traits::table.filter(traits::id.eq(id))).execute(conn)?;
        Ok(true)
    })
}

/// Ids of the traits that at least one provider has.
pub fn associated_trait_ids(conn: &mut AnyConnection) -> Result<Vec<i32>, StoreError> {
    Ok(resource_provider_traits::table
        .select(resource_provider_traits::trait_id)
        .distinct()
        .load(conn)?)
}
