//! Catalogue writes sent at once, so the provider writer takes them in
//! groups: every group must answer as the writes would one by one, and
//! what a restart reads back must be what was answered.

use std::collections::BTreeSet;

use futures_util::future::join_all;
use placement_rs::engine::{NewProvider, ProviderUpdate};
use placement_rs::{Engine, EngineError};

use crate::common::{Backend, TestDb, engine};

const PAIRS: usize = 24;

fn new(uuid: &str, name: &str, parent: Option<&str>) -> NewProvider {
    NewProvider {
        uuid: uuid.into(),
        name: name.into(),
        parent: parent.map(String::from),
    }
}

fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn roots(engine: &Engine, n: usize, tag: &str) -> Vec<String> {
    let mut out = vec![];
    for i in 0..n {
        let u = uuid();
        engine
            .create_provider(new(&u, &format!("{tag}-{i}"), None))
            .await
            .unwrap();
        out.push(u);
    }
    out
}

/// Moving A under B and B under A at once: one move wins, the other is
/// the loop refusal, and no loop reaches the database.
async fn crossed_moves(db: TestDb) {
    let e = engine(&db);
    let a = roots(&e, PAIRS, "a").await;
    let b = roots(&e, PAIRS, "b").await;
    let moves = (0..PAIRS).flat_map(|i| {
        let under = |child: &str, parent: &str, name: String| {
            let e = e.clone();
            let (child, parent) = (child.to_string(), parent.to_string());
            async move {
                let update = ProviderUpdate {
                    name,
                    parent: Some(Some(parent)),
                    allow_reparenting: true,
                };
                e.update_provider(&child, update).await
            }
        };
        [
            under(&a[i], &b[i], format!("a-{i}")),
            under(&b[i], &a[i], format!("b-{i}")),
        ]
    });
    let answers = join_all(moves).await;
    let mut a_moved = vec![];
    for (i, pair) in answers.chunks(2).enumerate() {
        let wins: Vec<bool> = pair.iter().map(Result::is_ok).collect();
        assert_eq!(wins.iter().filter(|w| **w).count(), 1, "pair {i}: {pair:?}");
        let loser = pair.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(
            matches!(loser, EngineError::ProviderAction { reason, .. } if reason.contains("loop")),
            "pair {i}: {loser:?}"
        );
        a_moved.push(wins[0]);
    }
    drop(e);
    let e = engine(&db);
    for i in 0..PAIRS {
        let (child, parent) = if a_moved[i] {
            (&a[i], &b[i])
        } else {
            (&b[i], &a[i])
        };
        let c = e.provider(child).unwrap();
        let p = e.provider(parent).unwrap();
        assert_eq!(c.parent.as_deref(), Some(parent.as_str()), "pair {i}");
        assert_eq!(p.parent, None, "pair {i}");
        assert_eq!(
            (c.root.as_str(), p.root.as_str()),
            (parent.as_str(), parent.as_str())
        );
    }
}

/// Deleting a provider while a child is created under it: exactly one of
/// the two happens, with upstream's refusal for the other.
async fn delete_against_new_child(db: TestDb) {
    let e = engine(&db);
    let parents = roots(&e, PAIRS, "p").await;
    let children: Vec<String> = (0..PAIRS).map(|_| uuid()).collect();
    let races = (0..PAIRS).map(|i| {
        let (e, p, c) = (e.clone(), parents[i].clone(), children[i].clone());
        async move {
            let name = format!("c-{i}");
            let create = e.create_provider(new(&c, &name, Some(&p)));
            let delete = e.delete_provider(&p);
            let (created, deleted) = tokio::join!(create, delete);
            (created.map(|_| ()), deleted)
        }
    });
    let answers = join_all(races).await;
    let mut child_made = vec![];
    for (i, (created, deleted)) in answers.iter().enumerate() {
        match (created, deleted) {
            (Ok(()), Err(EngineError::ProviderHasChildren(_))) => child_made.push(true),
            (Err(EngineError::ProviderAction { reason, .. }), Ok(()))
                if reason == "parent provider UUID does not exist." =>
            {
                child_made.push(false)
            }
            other => panic!("pair {i}: {other:?}"),
        }
    }
    drop(e);
    let e = engine(&db);
    for i in 0..PAIRS {
        assert_eq!(e.provider(&parents[i]).is_some(), child_made[i], "pair {i}");
        assert_eq!(
            e.provider(&children[i]).is_some(),
            child_made[i],
            "pair {i}"
        );
    }
}

/// Creates racing for one name, then for one uuid: one wins each race.
async fn duplicate_creates(db: TestDb) {
    let e = engine(&db);
    let same_name = (0..PAIRS).map(|_| e.create_provider(new(&uuid(), "shared", None)));
    let answers = join_all(same_name).await;
    let won: Vec<_> = answers.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for r in answers.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r, EngineError::ProviderExists(m) if m.contains("name: shared")),
            "{r:?}"
        );
    }
    let one = uuid();
    let same_uuid = (0..PAIRS).map(|i| e.create_provider(new(&one, &format!("u-{i}"), None)));
    let answers = join_all(same_uuid).await;
    assert_eq!(
        answers.iter().filter(|r| r.is_ok()).count(),
        1,
        "{answers:?}"
    );
    for r in answers.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r, EngineError::ProviderExists(m) if m.contains(&one)),
            "{r:?}"
        );
    }
    let winner = won[0].uuid.clone();
    drop(e);
    let e = engine(&db);
    assert_eq!(
        e.with_providers(|t| t.by_name("shared").map(|p| p.uuid.clone())),
        Some(winner)
    );
    assert!(e.provider(&one).is_some());
}

/// Writes fenced on one generation at once: one wins, the rest see a
/// generation conflict; the winner's traits are what a restart reads.
async fn one_generation_one_winner(db: TestDb) {
    let e = engine(&db);
    let host = uuid();
    e.create_provider(new(&host, "host", None)).await.unwrap();
    let t: Vec<i32> = e.with_catalog_and_providers(|c, _| {
        [
            "HW_CPU_X86_AVX",
            "HW_CPU_X86_AVX2",
            "HW_CPU_X86_SSE",
            "STORAGE_DISK_SSD",
        ]
        .iter()
        .map(|n| c.traits.by_name(n).expect("standard trait").id)
        .collect()
    });
    let sets: Vec<Vec<i32>> = (0..PAIRS).map(|i| vec![t[i % 4], t[(i + 1) % 4]]).collect();
    let writes = sets.iter().map(|s| e.set_traits(&host, 0, s.clone()));
    let answers = join_all(writes).await;
    let winners: Vec<usize> = (0..PAIRS).filter(|i| answers[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "{answers:?}");
    for r in answers.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(r, EngineError::ProviderGenerationConflict(_)),
            "{r:?}"
        );
    }
    drop(e);
    let e = engine(&db);
    let p = e.provider(&host).unwrap();
    assert_eq!(p.generation, 1);
    let want: BTreeSet<i32> = sets[winners[0]].iter().copied().collect();
    assert_eq!(p.traits, want);
}

macro_rules! on_both_backends {
    ($($name:ident),*) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                if let Some(db) = super::TestDb::new(super::Backend::Sqlite) {
                    super::$name(db).await;
                }
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                if let Some(db) = super::TestDb::new(super::Backend::Postgres) {
                    super::$name(db).await;
                }
            })*
        }
    };
}

on_both_backends!(
    crossed_moves,
    delete_against_new_child,
    duplicate_creates,
    one_generation_one_winner
);
