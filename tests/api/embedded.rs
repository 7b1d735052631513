//! The engine embedded in a plain tokio runtime (no actix, no HTTP), as a
//! scheduler would use it, on SQLite and PostgreSQL.

use placement_rs::domain::Version;
use placement_rs::domain::candidate_request;
use placement_rs::domain::inventory::Inventory;
use placement_rs::engine::{ConsumerClaim, GenerationCheck, NewProvider, SearchOptions};
use placement_rs::{Engine, EngineConfig, EngineError};

use crate::common::{Backend, TestDb};

fn claim(consumer: &str, host: &str, vcpu: i64, generation: Option<i64>) -> ConsumerClaim {
    ConsumerClaim {
        consumer: consumer.into(),
        project: "p".into(),
        user: "u".into(),
        consumer_type: None,
        generation: GenerationCheck::Expect(generation),
        allocations: vec![(host.into(), vec![("VCPU".into(), vcpu)])],
    }
}

async fn scheduler(db: TestDb) {
    let engine = Engine::open(&EngineConfig::new(db.url.clone())).expect("engine opens");
    let vcpu = engine.resource_class("VCPU").expect("standard class").id;
    let mut hosts = vec![];
    for i in 0..3 {
        let uuid = uuid::Uuid::new_v4().to_string();
        let p = engine
            .create_provider(NewProvider {
                uuid: uuid.clone(),
                name: format!("host-{i}"),
                parent: None,
            })
            .await
            .unwrap();
        engine
            .set_inventories(&uuid, p.generation, vec![(vcpu, Inventory::with_total(4))])
            .await
            .unwrap();
        hosts.push(uuid);
    }
    let query = vec![("resources".to_string(), "VCPU:3".to_string())];
    let req = candidate_request::parse(&query, Version::new(1, 39)).unwrap();
    let found = engine
        .allocation_candidates(&req, Version::new(1, 39), SearchOptions::default())
        .unwrap();
    assert_eq!(found.requests.len(), 3);

    // Claims from several tasks of this runtime and from a plain thread.
    let a = uuid::Uuid::new_v4().to_string();
    let b = uuid::Uuid::new_v4().to_string();
    let (e1, e2) = (engine.clone(), engine.clone());
    let (h0, h1) = (hosts[0].clone(), hosts[0].clone());
    let (ca, cb) = (a.clone(), b.clone());
    let t1 = tokio::spawn(async move { e1.claim(vec![claim(&ca, &h0, 3, None)]).await });
    let t2 = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(e2.claim(vec![claim(&cb, &h1, 3, None)]))
    });
    let results = [t1.await.unwrap(), t2.join().unwrap()];
    // Only one of two 3-VCPU claims fits on a 4-VCPU host.
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    let refused = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert!(
        matches!(refused, EngineError::AllocationRefused(m) if m.contains("exceed the capacity")),
        "{refused:?}"
    );
    assert_eq!(engine.provider(&hosts[0]).unwrap().used(vcpu), 3);
    let found = engine
        .allocation_candidates(&req, Version::new(1, 39), SearchOptions::default())
        .unwrap();
    assert_eq!(found.requests.len(), 2, "the full host is no candidate");

    // A stale consumer generation is refused; the right one moves the claim.
    let winner = if results[0].is_ok() { &a } else { &b };
    let err = engine
        .claim(vec![claim(winner, &hosts[1], 1, None)])
        .await
        .unwrap_err();
    assert!(
        matches!(err, EngineError::ConsumerGenerationConflict { .. }),
        "{err:?}"
    );
    engine
        .claim(vec![claim(winner, &hosts[1], 1, Some(1))])
        .await
        .unwrap();
    assert_eq!(engine.provider(&hosts[0]).unwrap().used(vcpu), 0);
    assert_eq!(engine.provider(&hosts[1]).unwrap().used(vcpu), 1);
    engine.delete_allocations(winner).await.unwrap();
    assert_eq!(engine.provider(&hosts[1]).unwrap().used(vcpu), 0);
}

#[tokio::test]
async fn scheduler_on_tokio_sqlite() {
    if let Some(db) = TestDb::new(Backend::Sqlite) {
        scheduler(db).await;
    }
}

#[tokio::test]
async fn scheduler_on_tokio_postgres() {
    if let Some(db) = TestDb::new(Backend::Postgres) {
        scheduler(db).await;
    }
}
