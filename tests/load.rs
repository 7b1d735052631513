//! The load generator's logic on fabricated data: statistics, report table,
//! invariant check, request bodies and query placeholders. No server, no
//! timing assertions.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use placement_rs::load::check::{Inventory, Snapshot, Violation, check_snapshot, parse_snapshot};
use placement_rs::load::client::{Kind, Microversion, error_code, picked_allocations};
use placement_rs::load::populate::{Layout, custom_trait_name};
use placement_rs::load::report::{rows, table};
use placement_rs::load::stats::{Live, Percentiles, Recorder, Stats};
use placement_rs::load::workload::{Budget, Pick, Plan, allocation_body, pick_index};
use placement_rs::load::{DEFAULT_QUERY, candidates_path};
use serde_json::json;
use uuid::Uuid;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Two workers: candidates at 1..=100 ms (one a second), claims at 10 ms
/// with two 409s of different codes and one 500.
fn fabricated() -> (Stats, Arc<Live>) {
    let epoch = Instant::now();
    let live = Arc::new(Live::default());
    let mut a = Recorder::new(epoch, live.clone());
    let mut b = Recorder::new(epoch, live.clone());
    for i in 1..=100u64 {
        let rec = if i % 2 == 0 { &mut a } else { &mut b };
        rec.record(Kind::Candidates, epoch + ms(i * 10), ms(i), 200, None);
    }
    b.record(Kind::Claim, epoch, ms(10), 204, None);
    b.record(
        Kind::Claim,
        epoch,
        ms(10),
        409,
        Some("placement.concurrent_update"),
    );
    a.record(
        Kind::Claim,
        epoch + ms(1500),
        ms(10),
        409,
        Some("placement.concurrent_update"),
    );
    a.record(Kind::Claim, epoch + ms(1500), ms(10), 409, None);
    a.record(Kind::Claim, epoch + ms(1500), ms(10), 500, None);
    (Stats::merge([a, b]), live)
}

#[test]
fn stats_merge_percentiles_errors_and_conflicts() {
    let (stats, live) = fabricated();
    assert_eq!(Live::get(&live.requests), 105);
    assert_eq!(Live::get(&live.errors), 4);
    assert_eq!(Live::get(&live.conflicts), 3);
    assert_eq!(stats.samples.len(), 105);
    assert!(stats.samples.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));

    let by_kind = stats.by_kind();
    let (cand, cand_errors) = &by_kind[&Kind::Candidates];
    assert_eq!((cand.len(), *cand_errors), (100, 0));
    let p = Percentiles::of(cand);
    // 3 significant digits: within 0.1% of the exact order statistics.
    for (got, want) in [
        (p.p50_ms, 50.0),
        (p.p90_ms, 90.0),
        (p.p99_ms, 99.0),
        (p.max_ms, 100.0),
    ] {
        assert!((got - want).abs() <= want * 0.001, "{got} vs {want}");
    }
    assert_eq!(by_kind[&Kind::Claim].1, 4);

    let codes: BTreeMap<&str, u64> = stats
        .conflicts
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        codes,
        BTreeMap::from([("(no code)", 1), ("placement.concurrent_update", 2)])
    );
    assert_eq!(stats.failures["claim 409"], 3);
    assert_eq!(stats.failures["claim 500"], 1);
}

#[test]
fn time_series_buckets_cover_the_run_without_gaps() {
    let (stats, _) = fabricated();
    let series = stats.time_series(Duration::from_millis(250));
    // The last candidate starts at 1000 ms, the last claims at 1500 ms.
    assert_eq!(series.len(), 7);
    assert_eq!(series[2].start_s, 0.5);
    let total: u64 = series
        .iter()
        .flat_map(|b| b.kinds.values())
        .map(|k| k.count)
        .sum();
    assert_eq!(total, 105);
    let last = &series[6].kinds[&Kind::Claim];
    assert_eq!((last.count, last.errors), (3, 3));
    assert!(series[5].kinds.is_empty());
    // Bucket 0 holds candidates started at 10..=240 ms, i.e. 1..=24 ms long.
    let first = &series[0].kinds[&Kind::Candidates];
    assert_eq!(first.count, 24);
    assert!((first.latency.max_ms - 24.0).abs() < 0.05);
}

#[test]
fn report_table_is_aligned_with_throughput() {
    let (stats, _) = fabricated();
    let rows = rows(&stats, Duration::from_secs(2));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].kind, Kind::Candidates);
    assert_eq!(rows[0].per_second, 50.0);
    assert_eq!((rows[1].count, rows[1].errors), (5, 4));
    let text = table(&rows);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("kind"));
    assert!(lines[1].starts_with("candidates"));
    assert!(lines[1].contains(" 50.0 "));
    // Right-aligned numbers: every line ends at the same column.
    assert!(lines.iter().all(|l| l.len() == lines[0].len()), "{text}");
}

fn snapshot(usages: &[(&str, u64)], allocations: &[(&str, &[(&str, u64)])]) -> Snapshot {
    let inv = |total, reserved, allocation_ratio| Inventory {
        total,
        reserved,
        allocation_ratio,
    };
    Snapshot {
        provider: Uuid::nil(),
        inventories: BTreeMap::from([
            ("VCPU".to_string(), inv(8, 0, 4.0)),
            ("MEMORY_MB".to_string(), inv(1024, 512, 1.5)),
        ]),
        usages: usages.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
        allocations: allocations
            .iter()
            .map(|(c, r)| {
                (
                    c.to_string(),
                    r.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
                )
            })
            .collect(),
    }
}

#[test]
fn invariant_check_finds_over_capacity_and_mismatches() {
    assert_eq!(
        Inventory {
            total: 1024,
            reserved: 512,
            allocation_ratio: 1.5
        }
        .capacity(),
        768
    );
    let full = snapshot(
        &[("VCPU", 32), ("MEMORY_MB", 768)],
        &[
            ("a", &[("VCPU", 30), ("MEMORY_MB", 700)]),
            ("b", &[("VCPU", 2), ("MEMORY_MB", 68)]),
        ],
    );
    assert_eq!(check_snapshot(&full), vec![]);

    let over = snapshot(&[("VCPU", 33)], &[("a", &[("VCPU", 33)])]);
    assert_eq!(
        check_snapshot(&over),
        vec![Violation::OverCapacity {
            provider: Uuid::nil(),
            class: "VCPU".into(),
            usage: 33,
            capacity: 32
        }]
    );

    // A usage the allocations do not explain, and an allocation of a class
    // with no usage and no inventory.
    let wrong = snapshot(&[("VCPU", 3)], &[("a", &[("VCPU", 2), ("DISK_GB", 5)])]);
    let found = check_snapshot(&wrong);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.contains(&Violation::UsageMismatch {
        provider: Uuid::nil(),
        class: "VCPU".into(),
        usage: 3,
        allocated: 2
    }));
    assert!(found.contains(&Violation::UsageMismatch {
        provider: Uuid::nil(),
        class: "DISK_GB".into(),
        usage: 0,
        allocated: 5
    }));
}

#[test]
fn snapshot_parses_placement_bodies() {
    let p = Uuid::new_v4();
    let inventories = json!({"resource_provider_generation": 3, "inventories": {
        "VCPU": {"total": 8, "reserved": 1, "min_unit": 1, "max_unit": 8, "step_size": 1, "allocation_ratio": 16.0}}});
    let usages = json!({"resource_provider_generation": 3, "usages": {"VCPU": 3}});
    let allocations = json!({"resource_provider_generation": 3, "allocations": {
        "c1": {"resources": {"VCPU": 1}}, "c2": {"resources": {"VCPU": 2}}}});
    let s = parse_snapshot(p, &inventories, &usages, &allocations).expect("parses");
    assert_eq!(s.inventories["VCPU"].capacity(), 112);
    assert_eq!(s.usages["VCPU"], 3);
    assert_eq!(s.allocations.len(), 2);
    assert!(check_snapshot(&s).is_empty());
    assert!(parse_snapshot(p, &json!({}), &usages, &allocations).is_err());
}

fn plan() -> Plan {
    Plan {
        candidates_path: String::new(),
        pick: Pick::First,
        delete_rate: 0.0,
        move_rate: 0.0,
        max_retries: 3,
        project_id: "p".into(),
        user_id: "u".into(),
        consumer_type: "INSTANCE".into(),
    }
}

#[test]
fn allocation_bodies_follow_the_microversion() {
    let allocs = json!({"rp": {"resources": {"VCPU": 1}}});
    let mv = |s: &str| s.parse::<Microversion>().expect("microversion");
    assert_eq!(
        allocation_body(mv("1.39"), &allocs, None, &plan()),
        json!({"allocations": allocs, "project_id": "p", "user_id": "u",
               "consumer_generation": null, "consumer_type": "INSTANCE"})
    );
    assert_eq!(
        allocation_body(mv("1.28"), &allocs, Some(4), &plan()),
        json!({"allocations": allocs, "project_id": "p", "user_id": "u", "consumer_generation": 4})
    );
    assert_eq!(
        allocation_body(mv("1.12"), &allocs, Some(4), &plan()),
        json!({"allocations": allocs, "project_id": "p", "user_id": "u"})
    );
    assert!("1".parse::<Microversion>().is_err());
}

#[test]
fn candidates_are_picked_and_error_codes_read() {
    let reply = json!({"allocation_requests": [
        {"allocations": {"a": {"resources": {"VCPU": 1}}}},
        {"allocations": {"b": {"resources": {"VCPU": 1}}}}]});
    let body = serde_json::to_vec(&reply).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let mut first = |n| pick_index(n, Pick::First, &mut rng);
    assert_eq!(
        picked_allocations(&body, &mut first),
        Some(json!({"a": {"resources": {"VCPU": 1}}}))
    );
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..40 {
        let mut random = |n| pick_index(n, Pick::Random, &mut rng);
        let got = picked_allocations(&body, &mut random).expect("one");
        seen.insert(got.as_object().unwrap().keys().next().unwrap().clone());
    }
    assert_eq!(seen.len(), 2, "random picks reach both requests");
    let none =
        serde_json::to_vec(&json!({"allocation_requests": [], "provider_summaries": {}})).unwrap();
    let mut random = |n| pick_index(n, Pick::Random, &mut rng);
    assert_eq!(picked_allocations(&none, &mut random), None);
    assert_eq!(picked_allocations(b"not json", &mut random), None);
    let conflict = json!({"errors": [{"status": 409, "code": "placement.concurrent_update"}]});
    assert_eq!(error_code(&conflict), Some("placement.concurrent_update"));
    assert_eq!(error_code(&json!({"errors": []})), None);
}

#[test]
fn query_placeholders_and_budget() {
    let aggs: Vec<Uuid> = (0..12).map(|_| Uuid::new_v4()).collect();
    let layout = Layout {
        prefix: "load-ab12".into(),
        aggregates: aggs.clone(),
        custom_traits: vec![custom_trait_name("load-ab12", 0)],
        trees: Vec::new(),
    };
    assert_eq!(layout.custom_traits[0], "CUSTOM_LOAD_AB12_0");
    let path = candidates_path(DEFAULT_QUERY, &layout, Some(5)).expect("expands");
    assert_eq!(
        path,
        format!(
            "/allocation_candidates?resources=VCPU:1,DISK_GB:10,MEMORY_MB:256&member_of={}&required=HW_CPU_X86_AVX2&limit=5",
            aggs[0]
        )
    );
    let path = candidates_path(
        "member_of=in:{agg1},{agg11}&required={custom0}",
        &layout,
        None,
    )
    .expect("expands");
    assert_eq!(
        path,
        format!(
            "/allocation_candidates?member_of=in:{},{}&required=CUSTOM_LOAD_AB12_0",
            aggs[1], aggs[11]
        )
    );
    assert!(candidates_path("member_of={agg99}", &layout, None).is_err());

    let budget = Budget::new(None, Some(3));
    assert_eq!((0..5).filter(|_| budget.take()).count(), 3);
    let past = Budget::new(Some(Instant::now()), None);
    assert!(!past.take());
}

#[test]
fn check_report_counts_a_tree_spanning_consumer_once() {
    use placement_rs::load::check::CheckReport;
    let root = snapshot(&[("VCPU", 1)], &[("c", &[("VCPU", 1)])]);
    let mut child = snapshot(
        &[("VCPU", 2)],
        &[("c", &[("VCPU", 1)]), ("d", &[("VCPU", 1)])],
    );
    child.provider = Uuid::new_v4();
    let mut report = CheckReport::default();
    report.add(&root);
    report.add(&child);
    assert_eq!((report.providers, report.consumers), (2, 2));
    assert_eq!(report.usage_by_class["VCPU"], 3);
    assert_eq!(report.capacity_by_class["VCPU"], 64);
    assert!(report.passed());
}
