//! Providers, inventories, aggregates and traits on both backends, and
//! that all of it reads back the same after a restart.

use actix_web::http::{Method, StatusCode};
use actix_web::test as awtest;
use placement_rs::api::policy::PolicyMode;
use placement_rs::placement_app;
use serde_json::json;

use crate::common::{Req, TestDb, call, engine, settings};
use crate::on_both_backends;

const ROOT: &str = "6f6c3c3e-5a3e-4f59-9d6f-5b3a5d0c0a01";
const CHILD: &str = "6f6c3c3e-5a3e-4f59-9d6f-5b3a5d0c0a02";
const AGG: &str = "0d4a2d9e-0b0c-4a5a-8d7e-2c1e0f3b4a5c";

async fn tree_and_restart(db: TestDb) {
    let snapshot = {
        let app =
            awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;
        let post = |body| {
            Req::new(Method::POST, "/resource_providers")
                .version("1.20")
                .json(body)
        };
        let r = call(&app, post(json!({"name": "root", "uuid": ROOT}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = call(
            &app,
            post(json!({"name": "child", "uuid": CHILD, "parent_provider_uuid": ROOT})),
        )
        .await;
        assert_eq!(r.json()["root_provider_uuid"], ROOT);
        let r = call(
            &app,
            post(json!({"name": "root", "uuid": uuid::Uuid::new_v4().to_string()})).version("1.23"),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(
            r.json()["errors"][0]["code"],
            "placement.duplicate_name",
            "{}",
            r.body
        );

        let inv = json!({"resource_provider_generation": 0, "inventories": {"VCPU": {"total": 8, "allocation_ratio": 2.0}, "DISK_GB": {"total": 100, "reserved": 10}}});
        let r = call(
            &app,
            Req::new(
                Method::PUT,
                &format!("/resource_providers/{ROOT}/inventories"),
            )
            .version("1.26")
            .json(inv.clone()),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["resource_provider_generation"], 1);
        let r = call(
            &app,
            Req::new(
                Method::PUT,
                &format!("/resource_providers/{ROOT}/inventories"),
            )
            .version("1.26")
            .json(inv),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "stale generation");
        assert_eq!(r.json()["errors"][0]["code"], "placement.concurrent_update");
        let bad = json!({"resource_provider_generation": 1, "inventories": {"VCPU": {"total": 8, "reserved": 9}}});
        let r = call(
            &app,
            Req::new(
                Method::PUT,
                &format!("/resource_providers/{ROOT}/inventories"),
            )
            .version("1.26")
            .json(bad),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.detail()
                .contains("The reserved value is greater than total.")
        );

        let aggs = json!({"aggregates": [AGG], "resource_provider_generation": 1});
        let r = call(
            &app,
            Req::new(
                Method::PUT,
                &format!("/resource_providers/{ROOT}/aggregates"),
            )
            .version("1.19")
            .json(aggs),
        )
        .await;
        assert_eq!(r.json()["resource_provider_generation"], 2);
        let traits = json!({"traits": ["HW_CPU_X86_AVX2"], "resource_provider_generation": 2});
        let r = call(
            &app,
            Req::new(Method::PUT, &format!("/resource_providers/{ROOT}/traits"))
                .version("1.6")
                .json(traits),
        )
        .await;
        assert_eq!(r.json()["resource_provider_generation"], 3);

        let q = format!(
            "/resource_providers?resources=VCPU:16&member_of={AGG}&required=HW_CPU_X86_AVX2"
        );
        let r = call(&app, Req::get(&q).version("1.18")).await;
        assert_eq!(r.json()["resource_providers"].as_array().unwrap().len(), 1);
        let r = call(
            &app,
            Req::get("/resource_providers?resources=VCPU:17").version("1.18"),
        )
        .await;
        assert!(
            r.json()["resource_providers"]
                .as_array()
                .unwrap()
                .is_empty()
        );

        let r = call(
            &app,
            Req::new(Method::DELETE, &format!("/resource_providers/{ROOT}")),
        )
        .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "has a child");
        read_all(&app).await
    };
    // A new engine on the same database answers exactly as before.
    let app = awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;
    assert_eq!(read_all(&app).await, snapshot);
}
on_both_backends!(provider_tree_survives_restart, tree_and_restart);

async fn read_all<S, B>(app: &S) -> Vec<serde_json::Value>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut out = vec![
        call(app, Req::get("/resource_providers").version("1.39"))
            .await
            .json(),
    ];
    for rp in [ROOT, CHILD] {
        for sub in ["", "/inventories", "/aggregates", "/traits", "/usages"] {
            out.push(
                call(
                    app,
                    Req::get(&format!("/resource_providers/{rp}{sub}")).version("1.39"),
                )
                .await
                .json(),
            );
        }
    }
    out
}
