//! Embedded migrations (one folder per backend) and the standard data sync.

use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::schema::{resource_classes, traits};
use super::{AnyConnection, StoreError, now};
use crate::domain::standard;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Applies pending migrations for the connection's backend.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<(), StoreError> {
    let result = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE).map(|_| ()),
        AnyConnection::Postgresql(c) => c.run_pending_migrations(POSTGRES).map(|_| ()),
    };
    result.map_err(|e| StoreError::Migration(e.to_string()))
}

/// Inserts the standard resource classes (id = list position) and standard
/// traits that are missing; never removes anything. Safe to run repeatedly.
pub fn sync_standard_data(conn: &mut AnyConnection) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        let stamp = now();
        let existing: Vec<(i32, String)> = resource_classes::table
            .select((resource_classes::id, resource_classes::name))
            .load(conn)?;
        for (id, name) in standard::resource_classes().into_iter().enumerate() {
            let id = id as i32;
            if existing.iter().any(|(i, n)| *i == id || n == name) {
                continue;
            }
            diesel::insert_into(resource_classes::table)
                .values((
                    resource_classes::id.eq(id),
                    resource_classes::name.eq(name),
                    resource_classes::created_at.eq(Some(stamp)),
                ))
                .execute(conn)?;
        }
        let existing: std::collections::HashSet<String> = traits::table
            .select(traits::name)
            .load::<String>(conn)?
            .into_iter()
            .collect();
        for name in standard::traits() {
            if !existing.contains(name) {
                diesel::insert_into(traits::table)
                    .values((traits::name.eq(name), traits::created_at.eq(Some(stamp))))
                    .execute(conn)?;
            }
        }
        Ok(())
    })
}
