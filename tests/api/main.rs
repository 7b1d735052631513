//! HTTP-level integration tests, each run on SQLite and on PostgreSQL.
//! PostgreSQL tests need PLACEMENT_TEST_POSTGRES_URL (a database the user
//! may CREATE DATABASE from); without it they are skipped with one line.

mod candidates_cache;
mod common;
mod concurrency;
mod crash;
mod embedded;
mod http_core;
mod process_restart;
mod provider_writes;
mod providers;
mod resource_classes;
mod store;
mod traits;
