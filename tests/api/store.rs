//! Storage: standard data sync, persistence across restarts, bad URLs.

use std::time::{Duration, Instant};

use placement_rs::engine::{Engine, EngineConfig, TraitFilter};

use crate::common::{TestDb, engine};
use crate::on_both_backends;

async fn survives_restart(db: TestDb) {
    {
        let eng = engine(&db);
        eng.create_resource_class("CUSTOM_KEEP").await.unwrap();
        eng.ensure_trait("CUSTOM_KEEP_TRAIT").await.unwrap();
    }
    // Opening again runs migrations and the standard sync a second time.
    let eng = engine(&db);
    let class = eng.resource_class("CUSTOM_KEEP").expect("class persisted");
    assert_eq!(class.id, 10000);
    assert!(class.created_at.is_some());
    assert!(eng.trait_by_name("CUSTOM_KEEP_TRAIT").is_some());
    assert_eq!(eng.resource_classes().len(), 22);
    assert_eq!(
        eng.traits(&TraitFilter::default()).await.unwrap().len(),
        378
    );
}
on_both_backends!(catalog_survives_restart, survives_restart);

#[test]
fn unreachable_postgres_fails_fast_with_one_line() {
    let started = Instant::now();
    let err = Engine::open(&EngineConfig::new("postgres://nobody@127.0.0.1:1/x"))
        .err()
        .expect("must fail");
    let msg = err.to_string();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(msg.contains("postgres://nobody@127.0.0.1:1/x"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}

#[test]
fn unknown_scheme_is_refused() {
    let err = Engine::open(&EngineConfig::new("mysql://root@localhost/x"))
        .err()
        .expect("must fail");
    assert!(err.to_string().contains("unsupported database scheme"));
}
