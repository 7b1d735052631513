//! GET /allocation_candidates answers may be served again from the cache
//! only while nothing changed: every kind of write must show in the next
//! answer.

use actix_web::http::{Method, StatusCode};
use actix_web::test as awtest;
use placement_rs::api::policy::PolicyMode;
use placement_rs::placement_app;
use serde_json::{Value, json};

use crate::common::{Req, TestDb, call, engine, settings};
use crate::on_both_backends;

const RP: &str = "7d7b0b3c-3c1e-4c56-9d1a-0f8f3f2d1a01";
const CONSUMER: &str = "2a1b7c3e-5d4f-4e6a-8b9c-0d1e2f3a4b5c";

async fn answers_follow_every_write(db: TestDb) {
    let app = awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;
    let req = |m, path| Req::new(m, path).version("1.39");
    let candidates = |query: &'static str| {
        let app = &app;
        async move {
            let path = format!("/allocation_candidates?{query}");
            let r = call(app, Req::new(Method::GET, &path).version("1.39")).await;
            assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.body);
            r.json()
        }
    };
    let generation = || {
        let app = &app;
        async move {
            let path = format!("/resource_providers/{RP}");
            let r = call(app, Req::new(Method::GET, &path).version("1.39")).await;
            r.json()["generation"].clone()
        }
    };
    let count = |v: &Value| v["allocation_requests"].as_array().unwrap().len();
    let used = |v: &Value| v["provider_summaries"][RP]["resources"]["VCPU"]["used"].clone();

    let r = call(
        &app,
        req(Method::POST, "/resource_providers").json(json!({"name": "h", "uuid": RP})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let inv = json!({"resource_provider_generation": 0,
                     "inventories": {"VCPU": {"total": 8}}});
    let path = format!("/resource_providers/{RP}/inventories");
    assert_eq!(
        call(&app, req(Method::PUT, &path).json(inv)).await.status,
        StatusCode::OK
    );

    let q = "resources=VCPU:1";
    let first = candidates(q).await;
    assert_eq!((count(&first), used(&first)), (1, json!(0)));
    assert_eq!(
        candidates(q).await,
        first,
        "an unchanged model answers the same"
    );

    // A claim that fills the provider.
    let alloc = json!({"allocations": {RP: {"resources": {"VCPU": 8}}},
                       "project_id": "p", "user_id": "u", "consumer_generation": null,
                       "consumer_type": "INSTANCE"});
    let path = format!("/allocations/{CONSUMER}");
    assert_eq!(
        call(&app, req(Method::PUT, &path).json(alloc)).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(count(&candidates(q).await), 0, "a claim shows at once");

    // Its release.
    assert_eq!(
        call(&app, req(Method::DELETE, &path)).await.status,
        StatusCode::NO_CONTENT
    );
    let after = candidates(q).await;
    assert_eq!(
        (count(&after), used(&after)),
        (1, json!(0)),
        "a release shows at once"
    );

    // Traits on the provider.
    let tq = "resources=VCPU:1&required=HW_CPU_X86_AVX2";
    assert_eq!(count(&candidates(tq).await), 0);
    let path = format!("/resource_providers/{RP}/traits");
    let body =
        json!({"resource_provider_generation": generation().await, "traits": ["HW_CPU_X86_AVX2"]});
    let r = call(&app, req(Method::PUT, &path).json(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count(&candidates(tq).await), 1, "a new trait shows at once");

    // Aggregates.
    let agg = "c1b5f1a2-3d4e-4f60-8a7b-9c0d1e2f3a4b";
    let aq = "resources=VCPU:1&member_of=c1b5f1a2-3d4e-4f60-8a7b-9c0d1e2f3a4b";
    assert_eq!(count(&candidates(aq).await), 0);
    let path = format!("/resource_providers/{RP}/aggregates");
    let body = json!({"resource_provider_generation": generation().await, "aggregates": [agg]});
    let r = call(&app, req(Method::PUT, &path).json(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        count(&candidates(aq).await),
        1,
        "a new aggregate shows at once"
    );

    // Inventory.
    let path = format!("/resource_providers/{RP}/inventories/VCPU");
    let body =
        json!({"resource_provider_generation": generation().await, "total": 8, "reserved": 8});
    let r = call(&app, req(Method::PUT, &path).json(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        count(&candidates(q).await),
        0,
        "an inventory change shows at once"
    );
}

on_both_backends!(follow_every_write, answers_follow_every_write);
