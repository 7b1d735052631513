//! A small scheduler that embeds the engine (no HTTP): it populates
//! providers, asks for allocation candidates, and places requests with
//! claims, from a plain tokio runtime. It prints the rates it reaches.
//!
//! ```text
//! cargo run --release --example embedded_scheduler                 # claims in memory
//! cargo run --release --example embedded_scheduler -- --persist     # durable SQLite claims
//! cargo run --release --example embedded_scheduler -- --providers 1000 --requests 20000
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use placement_rs::domain::Version;
use placement_rs::domain::candidate_request;
use placement_rs::domain::inventory::Inventory;
use placement_rs::engine::{ConsumerClaim, GenerationCheck, NewProvider, SearchOptions};
use placement_rs::{Engine, EngineConfig, EngineError};

struct Args {
    providers: usize,
    requests: usize,
    concurrency: usize,
    persist: bool,
}

fn args() -> Args {
    let mut a = Args {
        providers: 10_000,
        requests: 100_000,
        concurrency: 256,
        persist: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} needs a number"))
        };
        match flag.as_str() {
            "--providers" => a.providers = num("--providers"),
            "--requests" => a.requests = num("--requests"),
            "--concurrency" => a.concurrency = num("--concurrency"),
            "--persist" => a.persist = true,
            other => panic!("unknown option {other}"),
        }
    }
    a
}

/// Providers with room for `requests` claims of 1 VCPU, 512 MB, 10 GB.
async fn populate(engine: &Engine, n: usize) -> Result<Vec<String>, EngineError> {
    let class = |name: &str| engine.resource_class(name).expect("standard class").id;
    let (vcpu, mem, disk) = (class("VCPU"), class("MEMORY_MB"), class("DISK_GB"));
    let mut uuids = Vec::with_capacity(n);
    for i in 0..n {
        let uuid = uuid::Uuid::new_v4().to_string();
        let p = engine
            .create_provider(NewProvider {
                uuid: uuid.clone(),
                name: format!("host-{i}"),
                parent: None,
            })
            .await?;
        let inv = vec![
            (vcpu, Inventory::with_total(64)),
            (mem, Inventory::with_total(262_144)),
            (disk, Inventory::with_total(10_000)),
        ];
        engine.set_inventories(&uuid, p.generation, inv).await?;
        uuids.push(uuid);
    }
    Ok(uuids)
}

fn claim_for(host: &str) -> ConsumerClaim {
    ConsumerClaim {
        consumer: uuid::Uuid::new_v4().to_string(),
        project: "p".into(),
        user: "u".into(),
        consumer_type: Some("INSTANCE".into()),
        generation: GenerationCheck::Expect(None),
        allocations: vec![(
            host.to_string(),
            vec![
                ("VCPU".into(), 1),
                ("MEMORY_MB".into(), 512),
                ("DISK_GB".into(), 10),
            ],
        )],
    }
}

/// mimalloc: claims allocate on one thread and free on another (callers,
/// the engine thread, the writers), which glibc's allocator handles
/// poorly (a fifth of the engine thread's time was in malloc/free).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = args();
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("placement.sqlite").display());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;

    // Populate without fsync, then reopen the same database in the mode asked.
    let started = Instant::now();
    let hosts = {
        let engine = Engine::open(&EngineConfig::new(url.clone()).without_persistence())?;
        rt.block_on(populate(&engine, a.providers))?
    };
    println!(
        "populated {} providers in {:.2} s",
        a.providers,
        started.elapsed().as_secs_f64()
    );
    let mut config = EngineConfig::new(url);
    if !a.persist {
        config = config.without_persistence();
    }
    let engine = Engine::open(&config)?;
    let mode = if a.persist {
        "durable SQLite claims"
    } else {
        "claims in memory"
    };

    // What a scheduler asks first: candidates for one instance.
    let query: Vec<(String, String)> =
        vec![("resources".into(), "VCPU:1,MEMORY_MB:512,DISK_GB:10".into())];
    let request = candidate_request::parse(&query, Version::new(1, 39)).expect("query");
    let started = Instant::now();
    let rounds = 20;
    let mut found = 0;
    for _ in 0..rounds {
        found = engine
            .allocation_candidates(&request, Version::new(1, 39), SearchOptions::default())?
            .requests
            .len();
    }
    println!(
        "candidates over {} providers: {found} found, {:.2} ms per query",
        a.providers,
        started.elapsed().as_secs_f64() * 1000.0 / rounds as f64
    );

    // Then place every request: schedulers spread over the hosts.
    let hosts = Arc::new(hosts);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let placed = rt.block_on(async {
        let mut tasks = vec![];
        for _ in 0..a.concurrency {
            let (engine, hosts, next) = (engine.clone(), hosts.clone(), next.clone());
            let total = a.requests;
            tasks.push(tokio::spawn(async move {
                let mut placed = 0usize;
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total {
                        return Ok::<usize, EngineError>(placed);
                    }
                    engine
                        .claim(vec![claim_for(&hosts[i % hosts.len()])])
                        .await?;
                    placed += 1;
                }
            }));
        }
        let mut placed = 0;
        for t in tasks {
            placed += t.await.expect("task")?;
        }
        Ok::<usize, EngineError>(placed)
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "placed {placed} requests on {} providers in {secs:.2} s: {:.0} claims/s ({mode})",
        a.providers,
        placed as f64 / secs
    );
    Ok(())
}
