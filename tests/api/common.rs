//! Test support: a fresh database per test on either backend, an in-process
//! app built exactly as the server builds it, and a small request helper.

use std::sync::Once;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode, header::HeaderMap};
use actix_web::test as awtest;
use diesel::{Connection, RunQueryDsl, pg::PgConnection};
use placement_rs::api::Settings;
use placement_rs::api::policy::{Policy, PolicyMode};
use placement_rs::engine::{Engine, EngineConfig};

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

static SKIP_NOTICE: Once = Once::new();

impl TestDb {
    /// None when the backend is not available (PostgreSQL without its URL).
    pub fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("placement.sqlite").display());
                Some(TestDb {
                    url,
                    _dir: Some(dir),
                    pg: None,
                })
            }
            Backend::Postgres => {
                let Ok(admin) = std::env::var("PLACEMENT_TEST_POSTGRES_URL") else {
                    SKIP_NOTICE.call_once(|| {
                        eprintln!(
                            "PLACEMENT_TEST_POSTGRES_URL is not set: skipping the PostgreSQL tests"
                        )
                    });
                    return None;
                };
                let name = format!("placement_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin)
                    .expect("connect to PLACEMENT_TEST_POSTGRES_URL");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create database");
                let url = replace_database(&admin, &name);
                Some(TestDb {
                    url,
                    _dir: None,
                    pg: Some((admin, name)),
                })
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.pg
            && let Ok(mut conn) = PgConnection::establish(admin)
        {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn);
        }
    }
}

/// The same URL naming another database.
fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    match base[scheme_end..].rfind('/') {
        Some(i) => format!("{}/{db}{query}", &base[..scheme_end + i]),
        None => format!("{base}/{db}{query}"),
    }
}

pub fn engine(db: &TestDb) -> Engine {
    Engine::open(&EngineConfig::new(db.url.clone())).expect("engine opens")
}

pub fn settings(mode: PolicyMode) -> Settings {
    Settings {
        policy: Policy::new(mode),
        cors: None,
        candidates: Default::default(),
        candidates_cache: Default::default(),
    }
}

/// A response as the tests look at it.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The first error's detail, for error responses.
    pub fn detail(&self) -> String {
        self.json()["errors"][0]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// A request: method, path, microversion, token and optional JSON body.
pub struct Req<'a> {
    pub method: Method,
    pub path: &'a str,
    pub version: Option<&'a str>,
    pub token: Option<&'a str>,
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: Option<String>,
}

impl<'a> Req<'a> {
    pub fn new(method: Method, path: &'a str) -> Self {
        Req {
            method,
            path,
            version: None,
            token: Some("admin"),
            headers: vec![],
            body: None,
        }
    }
    pub fn get(path: &'a str) -> Self {
        Self::new(Method::GET, path)
    }
    pub fn version(mut self, v: &'a str) -> Self {
        self.version = Some(v);
        self
    }
    pub fn token(mut self, t: Option<&'a str>) -> Self {
        self.token = t;
        self
    }
    pub fn header(mut self, k: &'a str, v: &'a str) -> Self {
        self.headers.push((k, v));
        self
    }
    pub fn json(mut self, v: serde_json::Value) -> Self {
        self.body = Some(v.to_string());
        self.headers.push(("content-type", "application/json"));
        self
    }
    pub fn raw(mut self, body: &str) -> Self {
        self.body = Some(body.to_string());
        self
    }
}

pub async fn call<S, B>(app: &S, r: Req<'_>) -> Resp
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let mut tr = awtest::TestRequest::default().method(r.method).uri(r.path);
    if let Some(v) = r.version {
        tr = tr.insert_header(("openstack-api-version", format!("placement {v}")));
    }
    if let Some(t) = r.token {
        tr = tr.insert_header(("x-auth-token", t));
    }
    for (k, v) in r.headers {
        tr = tr.insert_header((k, v));
    }
    if let Some(b) = r.body {
        tr = tr.set_payload(b);
    }
    let res = awtest::call_service(app, tr.to_request()).await;
    let status = res.status();
    let headers = res.headers().clone();
    let body = awtest::read_body(res).await;
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// Runs an async test body once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                if let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Sqlite) {
                    super::$body(db).await;
                }
            }
            #[actix_web::test]
            async fn postgres() {
                if let Some(db) = $crate::common::TestDb::new($crate::common::Backend::Postgres) {
                    super::$body(db).await;
                }
            }
        }
    };
}

#[test]
fn database_url_replacement() {
    assert_eq!(
        replace_database("postgres://u@h:5432/test", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        replace_database("postgresql://u@h/test?sslmode=disable", "x"),
        "postgresql://u@h/x?sslmode=disable"
    );
}
