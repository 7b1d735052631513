//! GET /resource_providers with resources, required and member_of filters,
//! through the real app in-process, over 1,000 and 10,000 providers.
//!
//! The database is seeded with diesel in one transaction (through the HTTP
//! API every write is its own durable commit, minutes for 10,000), then the
//! engine loads it as at server start.

use std::hint::black_box;
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as awtest;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use diesel::prelude::*;
use placement_rs::api::Settings;
use placement_rs::api::policy::{Policy, PolicyMode};
use placement_rs::engine::{Engine, EngineConfig, prepare_database};
use placement_rs::placement_app;
use placement_rs::store::AnyConnection;
use placement_rs::store::schema::{
    allocations, inventories, placement_aggregates, resource_classes, resource_provider_aggregates,
    resource_provider_traits, resource_providers, traits,
};

const AGGREGATES: u64 = 10;
const SIZES: [usize; 2] = [1_000, 10_000];

fn provider_uuid(i: u64) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

fn aggregate_uuid(k: u64) -> String {
    format!("aaaaaaaa-0000-4000-8000-{k:012x}")
}

/// One inventory record and what is allocated from it.
#[derive(Clone, Copy)]
struct Inv {
    class: &'static str,
    total: i32,
    reserved: i32,
    min: i32,
    max: i32,
    step: i32,
    ratio: f64,
    used: i32,
}

/// One provider's generated shape; deterministic in its index.
struct Shape {
    aggregates: Vec<u64>,
    avx2: bool,
    inventories: [Inv; 3],
}

impl Shape {
    fn of(i: u64) -> Shape {
        // A fixed mix of the index, so the traits don't line up with aggregates.
        let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29) ^ i;
        let bits = |shift: u32, modulo: u64| (h >> shift) % modulo;
        let first = bits(0, AGGREGATES);
        let mut aggregates = vec![first];
        if bits(8, 8) == 0 {
            aggregates.push((first + 1) % AGGREGATES);
        }
        let vcpus = 16 * (1 + bits(12, 4) as i32);
        // One in five hosts is full on VCPU.
        let vcpu_used = if bits(16, 5) == 0 {
            vcpus * 4
        } else {
            bits(20, vcpus as u64) as i32
        };
        let memory = 65_536 * (1 + bits(24, 4) as i32);
        // One in six hosts has too little disk for the query.
        let disk = if bits(28, 6) == 0 {
            8
        } else {
            500 + 100 * bits(32, 16) as i32
        };
        Shape {
            aggregates,
            avx2: bits(40, 2) == 0,
            inventories: [
                Inv {
                    class: "VCPU",
                    total: vcpus,
                    reserved: 0,
                    min: 1,
                    max: vcpus,
                    step: 1,
                    ratio: 4.0,
                    used: vcpu_used,
                },
                Inv {
                    class: "MEMORY_MB",
                    total: memory,
                    reserved: 512,
                    min: 256,
                    max: memory,
                    step: 256,
                    ratio: 1.0,
                    used: 256 * bits(44, 64) as i32,
                },
                Inv {
                    class: "DISK_GB",
                    total: disk,
                    reserved: 0,
                    min: 1,
                    max: disk,
                    step: 1,
                    ratio: 1.0,
                    used: bits(48, 4) as i32,
                },
            ],
        }
    }

    /// Whether the benchmarked query should return this provider (computed
    /// here independently of the engine's filter).
    fn matches(&self, agg: u64) -> bool {
        let wanted = [("VCPU", 1), ("DISK_GB", 10), ("MEMORY_MB", 256)];
        self.avx2
            && self.aggregates.contains(&agg)
            && wanted.iter().all(|(class, amount)| {
                let inv = self
                    .inventories
                    .iter()
                    .find(|inv| inv.class == *class)
                    .expect("class");
                *amount >= inv.min
                    && *amount <= inv.max
                    && amount % inv.step == 0
                    && f64::from(inv.used + amount)
                        <= f64::from(inv.total - inv.reserved) * inv.ratio
            })
    }
}

/// A seeded SQLite database; the directory lives as long as the fixture.
struct Fixture {
    _dir: tempfile::TempDir,
    config: EngineConfig,
}

fn seed(n: usize) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("placement.sqlite").display());
    let config = EngineConfig::new(url);
    let pool = prepare_database(&config).expect("migrate");
    let mut conn = pool.get().expect("connection");
    conn.transaction(|c| insert_rows(c, n as u64))
        .expect("seed");
    Fixture { _dir: dir, config }
}

fn id_of_class(c: &mut AnyConnection, name: &str) -> QueryResult<i32> {
    resource_classes::table
        .filter(resource_classes::name.eq(name))
        .select(resource_classes::id)
        .first(c)
}

fn insert_rows(c: &mut AnyConnection, n: u64) -> QueryResult<()> {
    let at = Some(chrono::Utc::now().naive_utc());
    let avx2: i32 = traits::table
        .filter(traits::name.eq("HW_CPU_X86_AVX2"))
        .select(traits::id)
        .first(c)?;
    let mut class_ids = vec![];
    for name in ["VCPU", "MEMORY_MB", "DISK_GB"] {
        class_ids.push((name, id_of_class(c, name)?));
    }
    for k in 0..AGGREGATES {
        diesel::insert_into(placement_aggregates::table)
            .values((
                placement_aggregates::id.eq(k as i32 + 1),
                placement_aggregates::uuid.eq(aggregate_uuid(k)),
                placement_aggregates::created_at.eq(at),
            ))
            .execute(c)?;
    }
    for i in 1..=n {
        let id = i as i32;
        let shape = Shape::of(i);
        diesel::insert_into(resource_providers::table)
            .values((
                resource_providers::id.eq(id),
                resource_providers::uuid.eq(provider_uuid(i)),
                resource_providers::name.eq(format!("compute-{i}")),
                resource_providers::generation.eq(1),
                resource_providers::root_provider_id.eq(id),
                resource_providers::created_at.eq(at),
                resource_providers::updated_at.eq(at),
            ))
            .execute(c)?;
        for inv in shape.inventories {
            let class_id = class_ids
                .iter()
                .find(|(n, _)| *n == inv.class)
                .expect("id")
                .1;
            diesel::insert_into(inventories::table)
                .values((
                    inventories::resource_provider_id.eq(id),
                    inventories::resource_class_id.eq(class_id),
                    inventories::total.eq(inv.total),
                    inventories::reserved.eq(inv.reserved),
                    inventories::min_unit.eq(inv.min),
                    inventories::max_unit.eq(inv.max),
                    inventories::step_size.eq(inv.step),
                    inventories::allocation_ratio.eq(inv.ratio),
                    inventories::created_at.eq(at),
                ))
                .execute(c)?;
            if inv.used > 0 {
                diesel::insert_into(allocations::table)
                    .values((
                        allocations::resource_provider_id.eq(id),
                        allocations::consumer_id.eq(provider_uuid(1_000_000 + i)),
                        allocations::resource_class_id.eq(class_id),
                        allocations::used.eq(inv.used),
                        allocations::created_at.eq(at),
                    ))
                    .execute(c)?;
            }
        }
        for k in &shape.aggregates {
            diesel::insert_into(resource_provider_aggregates::table)
                .values((
                    resource_provider_aggregates::resource_provider_id.eq(id),
                    resource_provider_aggregates::aggregate_id.eq(*k as i32 + 1),
                    resource_provider_aggregates::created_at.eq(at),
                ))
                .execute(c)?;
        }
        if shape.avx2 {
            diesel::insert_into(resource_provider_traits::table)
                .values((
                    resource_provider_traits::resource_provider_id.eq(id),
                    resource_provider_traits::trait_id.eq(avx2),
                    resource_provider_traits::created_at.eq(at),
                ))
                .execute(c)?;
        }
    }
    Ok(())
}

/// One GET; returns the status and the body.
async fn get<S, B>(app: &S, uri: &str) -> (u16, actix_web::web::Bytes)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let req = awtest::TestRequest::get()
        .uri(uri)
        .insert_header(("OpenStack-API-Version", "placement 1.39"))
        .insert_header(("X-Auth-Token", "admin"))
        .to_request();
    let res = awtest::call_service(app, req).await;
    let status = res.status().as_u16();
    (status, awtest::read_body(res).await)
}

fn benches(c: &mut Criterion) {
    let agg = 0;
    let uri = format!(
        "/resource_providers?resources=VCPU:1,DISK_GB:10,MEMORY_MB:256\
         &required=HW_CPU_X86_AVX2&member_of={}",
        aggregate_uuid(agg)
    );
    let mut group = c.benchmark_group("provider_list");
    group
        .sample_size(40)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    for n in SIZES {
        let fixture = seed(n);
        // The test service is !Send: keep one actix System for all iterations.
        let sys = actix_rt::System::new();
        let engine = Engine::open(&fixture.config).expect("engine opens");
        let settings = Settings {
            policy: Policy::new(PolicyMode::Legacy),
            cors: None,
            candidates: Default::default(),
        };
        let app = sys.block_on(awtest::init_service(placement_app!(engine, settings)));

        // A bench of a 400 or of an empty answer would measure nothing useful.
        let (status, body) = sys.block_on(get(&app, &uri));
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let v: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        let found = v["resource_providers"].as_array().expect("list").len();
        let expected = (1..=n as u64)
            .filter(|i| Shape::of(*i).matches(agg))
            .count();
        assert_eq!(found, expected, "the filter disagrees with the seed");
        assert!(found > 0 && found < n, "{found} of {n} match");
        eprintln!("{n} providers: the query returns {found}");

        group.bench_with_input(BenchmarkId::from_parameter(n), &uri, |b, uri| {
            b.iter(|| black_box(sys.block_on(get(&app, uri))))
        });
    }
    group.finish();
}

criterion_group!(provider_list, benches);
criterion_main!(provider_list);
