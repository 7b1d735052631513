//! /traits on both backends.

use actix_web::http::{Method, StatusCode};
use actix_web::test as awtest;
use placement_rs::api::policy::PolicyMode;
use placement_rs::placement_app;

use crate::common::{Req, TestDb, call, engine, settings};
use crate::on_both_backends;

async fn lifecycle(db: TestDb) {
    let app = awtest::init_service(placement_app!(engine(&db), settings(PolicyMode::Legacy))).await;
    let put = |path| Req::new(Method::PUT, path).version("1.6");

    for bad in ["/traits/TRAIT_X", "/traits/CUSTOM_ABC:1"] {
        let r = call(&app, put(bad)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.detail().contains("The trait is invalid."));
    }
    let long = format!("/traits/CUSTOM_{}", "A".repeat(250));
    assert_eq!(call(&app, put(&long)).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        call(
            &app,
            Req::new(Method::PUT, "/traits/CUSTOM_T1").version("1.5")
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let r = call(&app, put("/traits/CUSTOM_TRAIT_1")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert!(
        r.header("location")
            .unwrap()
            .ends_with("/traits/CUSTOM_TRAIT_1")
    );
    assert!(r.header("last-modified").is_none());
    let r = call(&app, put("/traits/CUSTOM_TRAIT_1").version("1.15")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(
        call(&app, put("/traits/CUSTOM_TRAIT_2")).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        call(&app, put("/traits/CUSTOM_OTHER")).await.status,
        StatusCode::CREATED
    );

    assert_eq!(
        call(&app, Req::get("/traits/CUSTOM_TRAIT_1").version("1.6"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let r = call(&app, Req::get("/traits/NON_EXISTED").version("1.6")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.detail().contains("No such trait(s): NON_EXISTED."));

    let names = |r: &crate::common::Resp| -> Vec<String> {
        r.json()["traits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let r = call(&app, Req::get("/traits").version("1.6")).await;
    assert_eq!(names(&r).len(), 377 + 3);
    let r = call(
        &app,
        Req::get("/traits?name=in:CUSTOM_TRAIT_1,CUSTOM_TRAIT_2").version("1.6"),
    )
    .await;
    assert_eq!(names(&r), vec!["CUSTOM_TRAIT_1", "CUSTOM_TRAIT_2"]);
    let r = call(
        &app,
        Req::get("/traits?name=startswith:CUSTOM_TRAIT").version("1.6"),
    )
    .await;
    assert_eq!(names(&r), vec!["CUSTOM_TRAIT_1", "CUSTOM_TRAIT_2"]);
    let r = call(
        &app,
        Req::get("/traits?associated=false&name=startswith:CUSTOM").version("1.6"),
    )
    .await;
    assert_eq!(names(&r).len(), 3);
    let r = call(&app, Req::get("/traits?associated=true").version("1.6")).await;
    assert!(names(&r).is_empty());
    let r = call(&app, Req::get("/traits?name=in_abc").version("1.6")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.detail().contains("Badly formatted name parameter"));
    let r = call(&app, Req::get("/traits?invalid=abc").version("1.6")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.detail()
            .contains("Invalid query string parameters: Additional properties are not allowed")
    );
    let r = call(&app, Req::get("/traits?associated=maybe").version("1.6")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let del = |path| Req::new(Method::DELETE, path).version("1.6");
    let r = call(&app, del("/traits/HW_CPU_X86_SSE")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.detail()
            .contains("Cannot delete standard trait HW_CPU_X86_SSE.")
    );
    assert_eq!(
        call(&app, del("/traits/CUSTOM_TRAIT_1")).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, del("/traits/CUSTOM_TRAIT_1")).await.status,
        StatusCode::NOT_FOUND
    );
}
on_both_backends!(trait_lifecycle, lifecycle);
