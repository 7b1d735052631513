//! Queries for consumers and their allocations: loading them at start and
//! persisting one claim (the caller wraps each claim in a savepoint and a
//! batch of claims in one transaction).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{allocations, consumer_types, consumers, projects, resource_providers, users};
use super::{AnyConnection, StoreError};
use crate::domain::inventory::Inventory;

#[derive(Debug, Clone, Queryable)]
pub struct ConsumerRow {
    pub id: i32,
    pub uuid: String,
    pub project: String,
    pub user: String,
    pub generation: i32,
    pub consumer_type: Option<String>,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable)]
pub struct AllocationRow {
    pub consumer: String,
    pub provider: i32,
    pub class: i32,
    pub used: i32,
    pub created_at: Option<NaiveDateTime>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Every consumer and allocation, for rebuilding state at start.
pub fn load_all(
    conn: &mut AnyConnection,
) -> Result<(Vec<ConsumerRow>, Vec<AllocationRow>), StoreError> {
    let rows = consumers::table
        .inner_join(projects::table.on(projects::id.eq(consumers::project_id)))
        .inner_join(users::table.on(users::id.eq(consumers::user_id)))
        .left_join(
            consumer_types::table.on(consumer_types::id
                .nullable()
                .eq(consumers::consumer_type_id)),
        )
        .select((
            consumers::id,
            consumers::uuid,
            projects::external_id,
            users::external_id,
            consumers::generation,
            consumer_types::name.nullable(),
            consumers::created_at,
            consumers::updated_at,
        ))
        .order(consumers::id)
        .load::<ConsumerRow>(conn)?;
    let allocs = allocations::table
        .select((
            allocations::consumer_id,
            allocations::resource_provider_id,
            allocations::resource_class_id,
            allocations::used,
            allocations::created_at,
            allocations::updated_at,
        ))
        .order(allocations::id)
        .load::<AllocationRow>(conn)?;
    Ok((rows, allocs))
}

/// One consumer's part of a claim, as the database needs it.
#[derive(Debug, Clone)]
pub struct ConsumerRecord {
    pub uuid: String,
    /// The stored consumer (id, generation) the write is fenced on; None
    /// when the consumer is new.
    pub existing: Option<(i32, i64)>,
    pub project: String,
    pub user: String,
    /// None leaves the stored type alone (requests before 1.38).
    pub consumer_type: Option<String>,
    /// (provider id, class id, used) rows to insert; all with used > 0.
    pub rows: Vec<(i32, i32, i64)>,
}

/// A whole claim: consumers written together, providers whose generation moves.
#[derive(Debug, Clone)]
pub struct ClaimRecord {
    pub consumers: Vec<ConsumerRecord>,
    pub bump_providers: Vec<i32>,
    pub at: NaiveDateTime,
}

/// The consumer id each consumer ended with (None: its record was removed).
pub type ClaimOutcome = Vec<Option<i32>>;

/// Writes one claim. Fails with `StoreError::Conflict` when a consumer's
/// stored generation moved (it cannot on a single node: the engine
/// serialises writes per consumer; the fence keeps several nodes honest).
pub fn persist_claim(
    conn: &mut AnyConnection,
    claim: &ClaimRecord,
    known: &mut KnownIds,
) -> Result<ClaimOutcome, StoreError> {
    // Writes first: on SQLite the first write takes the database lock, so
    // a read-then-write upgrade can never fail with a stale snapshot.
    for rp in &claim.bump_providers {
        bump_provider(conn, *rp, 1, claim.at)?;
    }
    persist_consumers(conn, claim, known)
}

/// Moves a provider's generation by `by` (one per claim that touched it).
pub fn bump_provider(
    conn: &mut AnyConnection,
    id: i32,
    by: i32,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    super::kept_prepared::Bump {
        id,
        by,
        at: Some(at),
    }
    .execute(conn)?;
    Ok(())
}

/// A claim's consumers and allocations, its providers' generations aside
/// (the caller moves them, before any read: see `persist_claim`).
pub fn persist_consumers(
    conn: &mut AnyConnection,
    claim: &ClaimRecord,
    known: &mut KnownIds,
) -> Result<ClaimOutcome, StoreError> {
    let mut outcome = Vec::with_capacity(claim.consumers.len());
    for c in &claim.consumers {
        // A consumer the engine does not know has no rows: at start the
        // engine learns every consumer that has allocations.
        if c.existing.is_some() {
            diesel::delete(allocations::table.filter(allocations::consumer_id.eq(&c.uuid)))
                .execute(conn)?;
        }
        if c.rows.is_empty() {
            if let Some((id, generation)) = c.existing {
                let n = diesel::delete(
                    consumers::table
                        .filter(consumers::id.eq(id))
                        .filter(consumers::generation.eq(generation as i32)),
                )
                .execute(conn)?;
                if n != 1 {
                    return Err(StoreError::Conflict(c.uuid.clone()));
                }
            }
            outcome.push(None);
            continue;
        }
        let project = known.id(conn, Named::Project, &c.project, claim.at)?;
        let user = known.id(conn, Named::User, &c.user, claim.at)?;
        let ctype = match &c.consumer_type {
            Some(name) => Some(known.id(conn, Named::ConsumerType, name, claim.at)?),
            None => None,
        };
        let id = match c.existing {
            Some((id, generation)) => {
                let target = consumers::table
                    .filter(consumers::id.eq(id))
                    .filter(consumers::generation.eq(generation as i32));
                let n = match ctype {
                    Some(t) => diesel::update(target)
                        .set((
                            consumers::generation.eq(generation as i32 + 1),
                            consumers::project_id.eq(project),
                            consumers::user_id.eq(user),
                            consumers::consumer_type_id.eq(Some(t)),
                            consumers::updated_at.eq(Some(claim.at)),
                        ))
                        .execute(conn)?,
                    None => diesel::update(target)
                        .set((
                            consumers::generation.eq(generation as i32 + 1),
                            consumers::project_id.eq(project),
                            consumers::user_id.eq(user),
                            consumers::updated_at.eq(Some(claim.at)),
                        ))
                        .execute(conn)?,
                };
                if n != 1 {
                    return Err(StoreError::Conflict(c.uuid.clone()));
                }
                id
            }
            None => diesel::insert_into(consumers::table)
                .values((
                    consumers::uuid.eq(&c.uuid),
                    consumers::project_id.eq(project),
                    consumers::user_id.eq(user),
                    consumers::generation.eq(1),
                    consumers::consumer_type_id.eq(ctype),
                    consumers::created_at.eq(Some(claim.at)),
                    consumers::updated_at.eq(Some(claim.at)),
                ))
                .returning(consumers::id)
                .get_result(conn)?,
        };
        // One row per statement: diesel keeps single-row inserts prepared
        // (a multi-row one is parsed and planned on every claim).
        for (rp, rc, used) in &c.rows {
            diesel::insert_into(allocations::table)
                .values((
                    allocations::resource_provider_id.eq(*rp),
                    allocations::consumer_id.eq(&c.uuid),
                    allocations::resource_class_id.eq(*rc),
                    allocations::used.eq(*used as i32),
                    allocations::created_at.eq(Some(claim.at)),
                ))
                .execute(conn)?;
        }
        outcome.push(Some(id));
    }
    Ok(outcome)
}

/// A reshape: inventories replaced, generations moved, allocations rewritten.
#[derive(Debug, Clone)]
pub struct ReshapeRecord {
    pub inventories: Vec<(i32, Vec<(i32, Inventory)>)>,
    /// (provider id, how many generations it moves)
    pub bumps: Vec<(i32, i32)>,
    pub claim: ClaimRecord,
}

pub fn persist_reshape(
    conn: &mut AnyConnection,
    r: &ReshapeRecord,
    known: &mut KnownIds,
) -> Result<ClaimOutcome, StoreError> {
    for (rp, n) in &r.bumps {
        diesel::update(resource_providers::table.find(rp))
            .set((
                resource_providers::generation.eq(resource_providers::generation + *n),
                resource_providers::updated_at.eq(Some(r.claim.at)),
            ))
            .execute(conn)?;
    }
    for (rp, inventories) in &r.inventories {
        super::providers::replace_inventories(conn, *rp, inventories, r.claim.at)?;
    }
    persist_claim(conn, &r.claim, known)
}

/// Removes every allocation of a consumer and its record, without any
/// generation checks (upstream's DELETE /allocations/{consumer}).
pub fn delete_consumer(conn: &mut AnyConnection, uuid: &str) -> Result<(), StoreError> {
    diesel::delete(allocations::table.filter(allocations::consumer_id.eq(uuid))).execute(conn)?;
    diesel::delete(consumers::table.filter(consumers::uuid.eq(uuid))).execute(conn)?;
    Ok(())
}

/// Rows named by an external id or name, created on first use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Named {
    Project,
    User,
    ConsumerType,
}

/// Ids of projects, users and consumer types. Such rows are never deleted
/// or renumbered, so an id seen in a committed transaction stays right;
/// the writer keeps them to spare each claim its lookups. Ids learned
/// inside a transaction are staged and kept only once it commits.
#[derive(Debug, Default)]
pub struct KnownIds {
    committed: HashMap<(Named, String), i32>,
    staged: Vec<((Named, String), i32)>,
    /// Where the current claim's staged ids start.
    claim_start: usize,
}

impl KnownIds {
    /// The id of `name`, created when missing.
    pub fn id(
        &mut self,
        conn: &mut AnyConnection,
        kind: Named,
        name: &str,
        at: NaiveDateTime,
    ) -> Result<i32, StoreError> {
        let key = (kind, name.to_string());
        if let Some(id) = self.committed.get(&key) {
            return Ok(*id);
        }
        let id = lookup_or_create(conn, kind, name, at)?;
        self.staged.push((key, id));
        Ok(id)
    }

    /// A claim's savepoint starts.
    pub fn begin_claim(&mut self) {
        self.claim_start = self.staged.len();
    }

    /// A claim's savepoint was rolled back: what it learned may not exist.
    pub fn abort_claim(&mut self) {
        self.staged.truncate(self.claim_start);
    }

    /// The transaction committed (true) or rolled back (false).
    pub fn end_transaction(&mut self, committed: bool) {
        let staged = std::mem::take(&mut self.staged);
        if committed {
            self.committed.extend(staged);
        }
        self.claim_start = 0;
    }
}

fn lookup_or_create(
    conn: &mut AnyConnection,
    kind: Named,
    name: &str,
    at: NaiveDateTime,
) -> Result<i32, StoreError> {
    let found = match kind {
        Named::Project => projects::table
            .filter(projects::external_id.eq(name))
            .select(projects::id)
            .first::<i32>(conn)
            .optional()?,
        Named::User => users::table
            .filter(users::external_id.eq(name))
            .select(users::id)
            .first::<i32>(conn)
            .optional()?,
        Named::ConsumerType => consumer_types::table
            .filter(consumer_types::name.eq(name))
            .select(consumer_types::id)
            .first::<i32>(conn)
            .optional()?,
    };
    if let Some(id) = found {
        return Ok(id);
    }
    let id = match kind {
        Named::Project => diesel::insert_into(projects::table)
            .values((
                projects::external_id.eq(name),
                projects::created_at.eq(Some(at)),
            ))
            .returning(projects::id)
            .get_result(conn)?,
        Named::User => diesel::insert_into(users::table)
            .values((users::external_id.eq(name), users::created_at.eq(Some(at))))
            .returning(users::id)
            .get_result(conn)?,
        Named::ConsumerType => diesel::insert_into(consumer_types::table)
            .values((
                consumer_types::name.eq(name),
                consumer_types::created_at.eq(Some(at)),
            ))
            .returning(consumer_types::id)
            .get_result(conn)?,
    };
    Ok(id)
}

#[cfg(test)]
mod tests {
    use diesel::Connection;

    use super::*;
    use crate::store::connection::{DatabaseUrl, build_pool};
    use crate::store::migrate::run_migrations;

    fn project_exists(conn: &mut AnyConnection, id: i32) -> bool {
        projects::table
            .find(id)
            .select(projects::id)
            .first::<i32>(conn)
            .optional()
            .unwrap()
            .is_some()
    }

    /// An id learned in a claim that was rolled back, or in a transaction
    /// that failed, is never served from the cache.
    #[test]
    fn known_ids_keep_only_committed_rows() {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::parse(&format!("sqlite://{}/t.db", dir.path().display())).unwrap();
        let pool = build_pool(&url, 1, true).unwrap();
        let mut conn = pool.get().unwrap();
        run_migrations(&mut conn).unwrap();
        let at = crate::store::now();
        let mut known = KnownIds::default();

        // Claim 1 creates project "p" in a savepoint that rolls back.
        let mut seen = 0;
        let committed = conn.transaction::<(), StoreError, _>(|conn| {
            known.begin_claim();
            let one = conn.transaction::<(), StoreError, _>(|conn| {
                seen = known.id(conn, Named::Project, "p", at)?;
                Err(StoreError::Conflict("forced".into()))
            });
            assert!(one.is_err());
            known.abort_claim();
            assert!(!project_exists(conn, seen));
            // Claim 2 in the same transaction must create it again.
            known.begin_claim();
            let again = known.id(conn, Named::Project, "p", at)?;
            assert!(project_exists(conn, again));
            // The whole transaction then fails.
            Err(StoreError::Conflict("batch fails".into()))
        });
        assert!(committed.is_err());
        known.end_transaction(false);

        let id = conn
            .transaction::<i32, StoreError, _>(|conn| {
                known.begin_claim();
                known.id(conn, Named::Project, "p", at)
            })
            .unwrap();
        known.end_transaction(true);
        assert!(project_exists(&mut conn, id));
        // Served from the cache now, and still right.
        let cached = known.id(&mut conn, Named::Project, "p", at).unwrap();
        assert_eq!(cached, id);
        assert_eq!(known.committed.len(), 1);

        // A committed transaction whose claim for "q" rolled back.
        conn.transaction::<(), StoreError, _>(|conn| {
            known.begin_claim();
            let one = conn.transaction::<(), StoreError, _>(|conn| {
                known.id(conn, Named::Project, "q", at)?;
                Err(StoreError::Conflict("forced".into()))
            });
            assert!(one.is_err());
            known.abort_claim();
            Ok(())
        })
        .unwrap();
        known.end_transaction(true);
        let q = known.id(&mut conn, Named::Project, "q", at).unwrap();
        assert!(project_exists(&mut conn, q));
    }
}
