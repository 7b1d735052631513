//! GET /resource_providers with resources, required and member_of filters,
//! through the real app in-process, over 1,000 and 10,000 providers.
//!
//! The database is seeded by benches/seed (one transaction), then the
//! engine loads it as at server start.

use std::hint::black_box;
use std::time::Duration;

use actix_web::dev::{Service, ServiceResponse};
use actix_web::test as awtest;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use placement_rs::api::Settings;
use placement_rs::api::policy::{Policy, PolicyMode};
use placement_rs::engine::Engine;
use placement_rs::placement_app;

mod seed;
use seed::{Shape, aggregate_uuid, seed_hosts};

const SIZES: [usize; 2] = [1_000, 10_000];

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
        let fixture = seed_hosts(n as u64);
        // The test service is !Send: keep one actix System for all iterations.
        let sys = actix_rt::System::new();
        let engine = Engine::open(&fixture.config).expect("engine opens");
        let settings = Settings {
            policy: Policy::new(PolicyMode::Legacy),
            cors: None,
            candidates: Default::default(),
            candidates_cache: Default::default(),
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
