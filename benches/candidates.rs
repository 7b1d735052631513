//! The allocation candidates search over the read model (no HTTP):
//! upstream's perf-job query over 1,000, 10,000 and 100,000 flat hosts; a
//! nested query with granular groups and same_subtree over 1,000 trees of
//! 7 providers; and a wide tree (1 root, 8 identical children, 6 groups).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use placement_rs::domain::Version;
use placement_rs::domain::candidate_request::{self, CandidateRequest};
use placement_rs::engine::{Engine, SearchOptions};

mod seed;
use seed::{Inv, aggregate_uuid, seed, seed_hosts};

fn request(query: &str) -> CandidateRequest {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    candidate_request::parse(&pairs, Version::new(1, 39)).expect("valid query")
}

/// 1,000 trees: a compute root with disk, two NUMA nodes (VCPU, memory),
/// each with two NICs (VFs on physnet0 or physnet1).
fn seed_trees(trees: u64) -> seed::Fixture {
    seed(|s| {
        for t in 0..trees {
            let root = t * 7 + 1;
            s.provider(root, None, root)?;
            s.inventory(root, Inv::plain("DISK_GB", 1000))?;
            s.add_aggregate(root, t % 10)?;
            for numa in 0..2 {
                let n = root + 1 + numa * 3;
                s.provider(n, Some(root), root)?;
                s.inventory(n, Inv::plain("VCPU", 16))?;
                s.inventory(n, Inv::plain("MEMORY_MB", 32768))?;
                s.add_trait(n, "HW_NUMA_ROOT")?;
                for nic in 0..2 {
                    let p = n + 1 + nic;
                    s.provider(p, Some(n), root)?;
                    s.inventory(p, Inv::plain("SRIOV_NET_VF", 8))?;
                    s.add_trait(p, &format!("CUSTOM_PHYSNET{}", (t + nic) % 2))?;
                }
            }
        }
        Ok(())
    })
}

/// One root with eight children of the same class.
fn seed_wide() -> seed::Fixture {
    seed(|s| {
        s.provider(1, None, 1)?;
        for c in 2..=9 {
            s.provider(c, Some(1), 1)?;
            s.inventory(c, Inv::plain("SRIOV_NET_VF", 4))?;
        }
        Ok(())
    })
}

fn bench_flat(c: &mut Criterion) {
    let req = request(&format!(
        "resources=VCPU:1,DISK_GB:10,MEMORY_MB:256&member_of={}&required=HW_CPU_X86_AVX2",
        aggregate_uuid(0)
    ));
    let mut group = c.benchmark_group("candidates_flat");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in [1_000u64, 10_000, 100_000] {
        let fixture = seed_hosts(n);
        let engine = Engine::open(&fixture.config).expect("engine opens");
        let opts = SearchOptions::default();
        let found = engine
            .allocation_candidates(&req, Version::new(1, 39), opts)
            .expect("search");
        let expected = (1..=n).filter(|i| seed::Shape::of(*i).matches(0)).count();
        // Measuring an empty or wrong answer would mean nothing.
        assert_eq!(
            found.requests.len(),
            expected,
            "search disagrees with the seed"
        );
        assert!(expected > 0);
        eprintln!("{n} hosts: {expected} candidates");
        group.bench_with_input(BenchmarkId::from_parameter(n), &req, |b, req| {
            b.iter(|| {
                black_box(
                    engine
                        .allocation_candidates(req, Version::new(1, 39), opts)
                        .expect("search"),
                )
            })
        });
    }
    group.finish();
}

fn bench_nested(c: &mut Criterion) {
    let fixture = seed_trees(1_000);
    let engine = Engine::open(&fixture.config).expect("engine opens");
    let req = request(
        "resources=DISK_GB:10\
         &resources_COMPUTE=VCPU:2,MEMORY_MB:1024&required_COMPUTE=HW_NUMA_ROOT\
         &resources_NET=SRIOV_NET_VF:1&required_NET=CUSTOM_PHYSNET0\
         &same_subtree=_COMPUTE,_NET&group_policy=none",
    );
    let opts = SearchOptions::default();
    let found = engine
        .allocation_candidates(&req, Version::new(1, 39), opts)
        .expect("search");
    // Per tree: two NUMA nodes, each with one NIC on physnet0.
    assert_eq!(found.requests.len(), 2_000);
    let mut group = c.benchmark_group("candidates_nested");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("1000_trees_of_7", |b| {
        b.iter(|| {
            black_box(
                engine
                    .allocation_candidates(&req, Version::new(1, 39), opts)
                    .expect("search"),
            )
        })
    });
    group.finish();
}

fn bench_wide(c: &mut Criterion) {
    let fixture = seed_wide();
    let engine = Engine::open(&fixture.config).expect("engine opens");
    let groups: String = (1..=6)
        .map(|g| format!("&resources{g}=SRIOV_NET_VF:1"))
        .collect();
    let req = request(&format!("group_policy=isolate{groups}"));
    let mut group = c.benchmark_group("candidates_wide");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    // 8 × 7 × 6 × 5 × 4 × 3 isolated assignments exist; the cap bounds the work.
    for (name, cap, expected) in [
        ("cap_1000", Some(1_000), 1_000),
        ("all_20160", None, 20_160),
    ] {
        let opts = SearchOptions {
            max_candidates: cap,
            randomize: false,
        };
        let found = engine
            .allocation_candidates(&req, Version::new(1, 39), opts)
            .expect("search");
        assert_eq!(found.requests.len(), expected);
        group.bench_function(name, |b| {
            b.iter(|| {
                black_box(
                    engine
                        .allocation_candidates(&req, Version::new(1, 39), opts)
                        .expect("search"),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(candidates, bench_flat, bench_nested, bench_wide);
criterion_main!(candidates);
