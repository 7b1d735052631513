//! Hot UPDATE statements written as query fragments with a static query
//! id, so diesel keeps them prepared. Its own UPDATE builder never is
//! (`unsafe_to_cache_prepared`), and on SQLite preparing cost more than
//! running them.

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Integer, Nullable, Timestamp};
use diesel::{QueryResult, RunQueryDsl};

/// `generation = generation + 1` and `updated_at`, fenced on `expected`
/// when given (a separate statement shape, so a separate query id).
#[derive(QueryId)]
pub struct FencedBump {
    pub id: i32,
    pub expected: i32,
    pub at: Option<NaiveDateTime>,
}

/// Every allocation change moves the generation of its providers, by one
/// per claim (`by`: the claims of a group that touch the provider).
#[derive(QueryId)]
pub struct Bump {
    pub id: i32,
    pub by: i32,
    pub at: Option<NaiveDateTime>,
}

/// A new root is its own root (the id is known only after the insert).
#[derive(QueryId)]
pub struct SetOwnRoot {
    pub id: i32,
    pub at: Option<NaiveDateTime>,
}

impl<DB> QueryFragment<DB> for FencedBump
where
    DB: Backend,
    i32: ToSql<Integer, DB>,
    Option<NaiveDateTime>: ToSql<Nullable<Timestamp>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE resource_providers SET generation = generation + 1, updated_at = ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Integer, _>(&self.id)?;
        out.push_sql(" AND generation = ");
        out.push_bind_param::<Integer, _>(&self.expected)
    }
}

impl<DB> QueryFragment<DB> for Bump
where
    DB: Backend,
    i32: ToSql<Integer, DB>,
    Option<NaiveDateTime>: ToSql<Nullable<Timestamp>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE resource_providers SET generation = generation + ");
        out.push_bind_param::<Integer, _>(&self.by)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Integer, _>(&self.id)
    }
}

impl<DB> QueryFragment<DB> for SetOwnRoot
where
    DB: Backend,
    i32: ToSql<Integer, DB>,
    Option<NaiveDateTime>: ToSql<Nullable<Timestamp>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql("UPDATE resource_providers SET root_provider_id = ");
        out.push_bind_param::<Integer, _>(&self.id)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<Integer, _>(&self.id)
    }
}

impl<C> RunQueryDsl<C> for FencedBump {}
impl<C> RunQueryDsl<C> for Bump {}
impl<C> RunQueryDsl<C> for SetOwnRoot {}
