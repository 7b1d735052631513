//! The request pipeline: versions, errors, auth, policy, content checks.

use actix_web::http::{Method, StatusCode};
use actix_web::test as awtest;
use placement_rs::api::policy::PolicyMode;
use placement_rs::placement_app;

use crate::common::{Req, TestDb, call, engine, settings};
use crate::on_both_backends;

async fn pipeline(db: TestDb) {
    let app = awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;

    let r = call(&app, Req::get("/").token(None)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["versions"][0]["max_version"], "1.39");
    assert_eq!(r.header("openstack-api-version"), Some("placement 1.0"));
    assert_eq!(r.header("vary"), Some("openstack-api-version"));
    assert!(
        r.header("x-openstack-request-id")
            .unwrap()
            .starts_with("req-")
    );

    let r = call(&app, Req::get("/").version("latest")).await;
    assert_eq!(r.header("openstack-api-version"), Some("placement 1.39"));

    let r = call(&app, Req::get("/").version("0.5")).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    let e = &r.json()["errors"][0];
    assert_eq!(e["title"], "Not Acceptable");
    assert_eq!(e["min_version"], "1.0");
    assert_eq!(e["max_version"], "1.39");
    assert!(
        e["detail"]
            .as_str()
            .unwrap()
            .contains("Unacceptable version header: 0.5")
    );
    assert!(r.header("openstack-api-version").is_none());

    let r = call(&app, Req::get("/").version("pony.horse")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().contains("invalid version string: pony.horse"));

    let r = call(
        &app,
        Req::get("/").version("0.5").header("accept", "text/html"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("Unacceptable version header: 0.5"));

    // Unknown route: JSON by default, HTML on request, no Vary.
    let r = call(&app, Req::get("/bc8d9d50-7b0d-45ef-839c-e7b5e1c4e8fd")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.json()["errors"][0]["status"], 404);
    assert!(r.header("vary").is_none());
    let r = call(&app, Req::get("/resource_classes/").version("1.2")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "trailing slash");

    // 405 with Allow, for HEAD too.
    let r = call(
        &app,
        Req::new(Method::POST, "/").header("content-type", "application/xml"),
    )
    .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("allow"), Some("GET"));
    assert_eq!(r.header("openstack-api-version"), Some("placement 1.0"));
    let r = call(&app, Req::new(Method::HEAD, "/traits").version("1.6")).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);

    // noauth2: a token is needed everywhere but the root.
    let r = call(
        &app,
        Req::get("/resource_classes").version("1.2").token(None),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.header("x-openstack-request-id").is_some());

    // Policy: a plain user is refused; codes appear from 1.23.
    let r = call(
        &app,
        Req::get("/resource_classes")
            .version("1.22")
            .token(Some("user")),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        r.detail()
            .contains("Policy does not allow placement:resource_classes:list to be performed.")
    );
    assert!(r.json()["errors"][0].get("code").is_none());
    let r = call(
        &app,
        Req::get("/resource_classes")
            .version("1.23")
            .token(Some("user")),
    )
    .await;
    assert_eq!(r.json()["errors"][0]["code"], "placement.undefined_code");
    // A system-scoped admin is out of scope.
    let r = call(
        &app,
        Req::get("/resource_classes")
            .version("1.2")
            .header("openstack-system-scope", "all"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Content checks.
    let r = call(
        &app,
        Req::new(Method::POST, "/resource_classes")
            .version("1.2")
            .header("content-type", "text/plain")
            .raw("x"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        r.detail()
            .contains("The media type text/plain is not supported, use application/json")
    );
    let r = call(
        &app,
        Req::new(Method::POST, "/resource_classes")
            .version("1.2")
            .raw("{}"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.detail()
            .contains("content-type header required when content-length > 0")
    );
    let r = call(
        &app,
        Req::get("/resource_classes")
            .version("1.2")
            .header("accept", "text/plain"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    assert!(r.body.contains("Only application/json is provided"));
}
on_both_backends!(pipeline_behaves_as_upstream, pipeline);

async fn policy_modes(db: TestDb) {
    let eng = engine(&db);
    let open = awtest::init_service(placement_app!(eng.clone(), settings(PolicyMode::Open))).await;
    let r = call(
        &open,
        Req::get("/traits").version("1.6").token(Some("user")),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let rbac = awtest::init_service(placement_app!(eng, settings(PolicyMode::SecureRbac))).await;
    let r = call(
        &rbac,
        Req::get("/traits")
            .version("1.6")
            .token(Some("user"))
            .header("x-roles", "service"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = call(
        &rbac,
        Req::get("/traits")
            .version("1.6")
            .token(Some("user"))
            .header("x-roles", "reader"),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
on_both_backends!(policy_modes_apply, policy_modes);
