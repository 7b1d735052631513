//! /resource_classes on both backends.

use actix_web::http::{Method, StatusCode};
use actix_web::test as awtest;
use placement_rs::api::policy::PolicyMode;
use placement_rs::placement_app;
use serde_json::json;

use crate::common::{Req, TestDb, call, engine, settings};
use crate::on_both_backends;

async fn lifecycle(db: TestDb) {
    let app = awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;
    let post = |name: &str| {
        Req::new(Method::POST, "/resource_classes")
            .version("1.2")
            .json(json!({"name": name}))
    };

    let r = call(&app, Req::get("/resource_classes").version("1.1")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "masked below 1.2");

    let r = call(&app, post("CUSTOM_IRON_NFV")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        r.header("location")
            .unwrap()
            .ends_with("/resource_classes/CUSTOM_IRON_NFV")
    );
    assert!(r.header("content-type").is_none());

    let r = call(&app, post("CUSTOM_IRON_NFV")).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.detail()
            .contains("Conflicting resource class already exists: CUSTOM_IRON_NFV")
    );

    for bad in [
        "FOO",
        "CUSTOM_Illegal&@!Name?",
        &format!("CUSTOM_{}", "S".repeat(250)),
    ] {
        let r = call(&app, post(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(r.detail().contains("JSON does not validate"), "{}", r.body);
    }
    let r = call(
        &app,
        Req::new(Method::POST, "/resource_classes")
            .version("1.2")
            .json(json!({"name": "CUSTOM_A", "x": 1})),
    )
    .await;
    assert!(r.detail().contains("Additional properties are not allowed"));
    let r = call(
        &app,
        Req::new(Method::POST, "/resource_classes")
            .version("1.2")
            .header("content-type", "application/json")
            .raw("{\"foo\": }"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().contains("Malformed JSON:"));

    let r = call(&app, Req::get("/resource_classes").version("1.2")).await;
    assert_eq!(r.json()["resource_classes"].as_array().unwrap().len(), 22);
    assert!(
        r.header("last-modified").is_none(),
        "no cache headers before 1.15"
    );
    let r = call(
        &app,
        Req::get("/resource_classes/CUSTOM_IRON_NFV").version("1.15"),
    )
    .await;
    assert_eq!(
        r.json()["links"][0]["href"],
        "/resource_classes/CUSTOM_IRON_NFV"
    );
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert!(r.header("last-modified").unwrap().ends_with("GMT"));

    // Rename (1.2–1.6).
    let put = |path, name: &str| {
        Req::new(Method::PUT, path)
            .version("1.6")
            .json(json!({"name": name}))
    };
    let r = call(&app, put("/resource_classes/VCPU", "CUSTOM_IRON_NFV")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.detail()
            .contains("Cannot update standard resource class VCPU")
    );
    assert_eq!(
        call(&app, post("CUSTOM_NFV_FOO")).await.status,
        StatusCode::CREATED
    );
    let r = call(
        &app,
        put("/resource_classes/CUSTOM_NFV_FOO", "CUSTOM_IRON_NFV"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = call(
        &app,
        put("/resource_classes/CUSTOM_IRON_NFV", "CUSTOM_NFV_BAR"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["name"], "CUSTOM_NFV_BAR");
    let r = call(&app, put("/resource_classes/CUSTOM_NOPE", "CUSTOM_NFV_BAZ")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // Create-or-verify (1.7+).
    let ensure = |path| Req::new(Method::PUT, path).version("1.7");
    assert_eq!(
        call(&app, ensure("/resource_classes/CUSTOM_COW"))
            .await
            .status,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&app, ensure("/resource_classes/CUSTOM_COW"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = call(&app, ensure("/resource_classes/VCPU")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().contains("Failed validating 'pattern'"));

    // Delete.
    let del = |path| Req::new(Method::DELETE, path).version("1.2");
    let r = call(&app, del("/resource_classes/VCPU")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().contains("Cannot delete standard resource class"));
    assert_eq!(
        call(&app, del("/resource_classes/CUSTOM_NFV_BAR"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, del("/resource_classes/CUSTOM_NFV_BAR"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = call(
        &app,
        Req::get("/resource_classes/CUSTOM_NFV_BAR").version("1.2"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.detail()
            .contains("No such resource class CUSTOM_NFV_BAR.")
    );
}
on_both_backends!(resource_class_lifecycle, lifecycle);

async fn custom_ids(db: TestDb) {
    let eng = engine(&db);
    let a = eng.create_resource_class("CUSTOM_A").await.unwrap();
    let b = eng.create_resource_class("CUSTOM_B").await.unwrap();
    assert_eq!((a.id, b.id), (10000, 10001));
    assert_eq!(eng.resource_class("VCPU").unwrap().id, 0);
    assert_eq!(eng.resource_class("DISK_GB").unwrap().id, 2);
}
on_both_backends!(custom_class_ids_start_at_10000, custom_ids);
