//! The real binary, stopped with SIGKILL or SIGTERM and started again on the
//! same database, answers every GET exactly as before (generations included).
//! SIGKILL comes right after the last write's 2xx: acknowledged writes must
//! be durable, not merely applied in memory.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::{Backend, TestDb};

const ROOT: &str = "5b1c2a3e-0000-4000-8000-000000000001";
const CHILD1: &str = "5b1c2a3e-0000-4000-8000-000000000002";
const CHILD2: &str = "5b1c2a3e-0000-4000-8000-000000000003";
const GRANDCHILD: &str = "5b1c2a3e-0000-4000-8000-000000000004";
/// Created and deleted again, so ids have a gap.
const GONE: &str = "5b1c2a3e-0000-4000-8000-000000000005";
const PROVIDERS: [&str; 5] = [ROOT, CHILD1, CHILD2, GRANDCHILD, GONE];
const AGG_A: &str = "a99a0000-0000-4000-8000-00000000000a";
const AGG_B: &str = "a99a0000-0000-4000-8000-00000000000b";
const AGG_C: &str = "a99a0000-0000-4000-8000-00000000000c";
const CLASSES: [&str; 4] = ["VCPU", "MEMORY_MB", "DISK_GB", "CUSTOM_X"];

#[derive(Clone, Copy)]
enum Stop {
    Kill,
    Term,
}

/// A running `placement-rs serve`; killed if the test panics.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db_url: &str) -> Server {
        // Bind-and-drop finds a free port; the tiny race is acceptable in tests.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let bind = format!("127.0.0.1:{port}");
        let child = Command::new(env!("CARGO_BIN_EXE_placement-rs"))
            .args(["serve", "--bind", &bind, "--database-url", db_url])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn placement-rs");
        let mut server = Server {
            child,
            base: format!("http://{bind}"),
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let http = Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("client");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("placement-rs exited before serving: {status}");
            }
            if http
                .get(format!("{}/", self.base))
                .send()
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "placement-rs did not answer within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn stop(mut self, how: Stop) {
        match how {
            // std's kill() is SIGKILL on Unix.
            Stop::Kill => self.child.kill().expect("SIGKILL"),
            Stop::Term => {
                let sent = Command::new("kill")
                    .args(["-TERM", &self.child.id().to_string()])
                    .status()
                    .expect("run kill");
                assert!(sent.success(), "kill -TERM failed");
            }
        }
        let deadline = Instant::now() + Duration::from_secs(40);
        let status = loop {
            if let Some(s) = self.child.try_wait().expect("try_wait") {
                break s;
            }
            assert!(Instant::now() < deadline, "placement-rs did not exit");
            std::thread::sleep(Duration::from_millis(20));
        };
        if matches!(how, Stop::Term) {
            assert!(status.success(), "graceful stop should exit 0: {status}");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Api {
    http: Client,
    base: String,
}

/// What one GET answered, as compared across the restart.
#[derive(Debug, PartialEq)]
struct Answer {
    path: String,
    status: u16,
    /// Only where it comes from stored timestamps (not "now").
    last_modified: Option<String>,
    body: Value,
}

impl Api {
    fn new(server: &Server) -> Api {
        Api {
            http: Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("client"),
            base: server.base.clone(),
        }
    }

    fn send(&self, method: Method, path: &str, body: Option<Value>) -> reqwest::blocking::Response {
        let mut rb = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("X-Auth-Token", "admin")
            .header("OpenStack-API-Version", "placement 1.39");
        if let Some(b) = body {
            rb = rb
                .header("Content-Type", "application/json")
                .body(b.to_string());
        }
        rb.send().unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// A write that must succeed; returns the JSON body (Null when empty).
    fn write(&self, method: Method, path: &str, body: Value) -> Value {
        let r = self.send(method.clone(), path, Some(body));
        let status = r.status();
        let text = r.text().expect("body");
        assert!(status.is_success(), "{method} {path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    fn generation(&self, uuid: &str) -> i64 {
        let r = self.send(Method::GET, &format!("/resource_providers/{uuid}"), None);
        let v: Value = r.json().expect("provider JSON");
        v["generation"].as_i64().expect("generation")
    }

    fn get(&self, path: &str) -> Answer {
        let r = self.send(Method::GET, path, None);
        let status = r.status().as_u16();
        let keep_date = !(path.ends_with("/aggregates") || path.ends_with("/usages"));
        let last_modified = r
            .headers()
            .get("last-modified")
            .filter(|_| keep_date)
            .map(|v| v.to_str().unwrap_or_default().to_string());
        let text = r.text().expect("body");
        let mut body: Value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
        };
        // Error bodies carry a per-request id.
        if let Some(errors) = body.get_mut("errors").and_then(Value::as_array_mut) {
            for e in errors {
                if let Some(e) = e.as_object_mut() {
                    e.remove("request_id");
                }
            }
        }
        Answer {
            path: path.to_string(),
            status,
            last_modified,
            body,
        }
    }
}

fn inventory(total: i64, reserved: i64, min: i64, max: i64, step: i64, ratio: f64) -> Value {
    json!({"total": total, "reserved": reserved, "min_unit": min, "max_unit": max,
           "step_size": step, "allocation_ratio": ratio})
}

/// Builds the tree and everything hanging off it; the last call is a write.
fn populate(api: &Api) {
    let rps = "/resource_providers";
    api.write(Method::POST, rps, json!({"name": "root", "uuid": ROOT}));
    for (name, uuid, parent) in [
        ("child-1", CHILD1, ROOT),
        ("child-2", CHILD2, ROOT),
        ("grandchild", GRANDCHILD, CHILD1),
        ("gone", GONE, ROOT),
    ] {
        api.write(
            Method::POST,
            rps,
            json!({"name": name, "uuid": uuid, "parent_provider_uuid": parent}),
        );
    }
    let r = api.send(Method::DELETE, &format!("{rps}/{GONE}"), None);
    assert_eq!(r.status().as_u16(), 204);
    api.write(
        Method::PUT,
        &format!("{rps}/{CHILD2}"),
        json!({"name": "child-2-renamed", "parent_provider_uuid": ROOT}),
    );
    api.write(
        Method::POST,
        "/resource_classes",
        json!({"name": "CUSTOM_X"}),
    );
    let r = api.send(Method::PUT, "/traits/CUSTOM_T", None);
    assert_eq!(r.status().as_u16(), 201);

    let inventories = |uuid: &str, invs: Value| {
        let g = api.generation(uuid);
        let body = json!({"resource_provider_generation": g, "inventories": invs});
        let r = api.write(Method::PUT, &format!("{rps}/{uuid}/inventories"), body);
        assert_eq!(r["resource_provider_generation"], g + 1);
    };
    inventories(
        ROOT,
        json!({
            "VCPU": inventory(64, 4, 1, 32, 1, 4.0),
            "MEMORY_MB": inventory(262144, 2048, 256, 131072, 256, 1.5),
            "DISK_GB": inventory(4000, 100, 10, 2000, 10, 1.0),
        }),
    );
    inventories(
        CHILD1,
        json!({"CUSTOM_X": inventory(16, 1, 2, 8, 2, 1.0), "VCPU": inventory(8, 0, 1, 8, 1, 16.0)}),
    );
    inventories(
        GRANDCHILD,
        json!({"DISK_GB": inventory(500, 0, 1, 500, 1, 1.25)}),
    );
    // One record updated on its own: created_at and updated_at both set.
    let g = api.generation(ROOT);
    let mut vcpu = inventory(96, 8, 1, 48, 1, 3.0);
    vcpu["resource_provider_generation"] = json!(g);
    api.write(Method::PUT, &format!("{rps}/{ROOT}/inventories/VCPU"), vcpu);

    // Aggregates in an order that differs from their creation order: the
    // answer must not change with the order the store happens to load them in.
    let aggregates = |uuid: &str, aggs: &[&str]| {
        let g = api.generation(uuid);
        let body = json!({"resource_provider_generation": g, "aggregates": aggs});
        let r = api.write(Method::PUT, &format!("{rps}/{uuid}/aggregates"), body);
        assert_eq!(r["resource_provider_generation"], g + 1);
    };
    aggregates(CHILD2, &[AGG_A]);
    aggregates(ROOT, &[AGG_C, AGG_B, AGG_A]);
    aggregates(GRANDCHILD, &[AGG_B, AGG_C]);

    let traits = |uuid: &str, names: &[&str]| {
        let g = api.generation(uuid);
        let body = json!({"resource_provider_generation": g, "traits": names});
        let r = api.write(Method::PUT, &format!("{rps}/{uuid}/traits"), body);
        assert_eq!(r["resource_provider_generation"], g + 1);
    };
    traits(ROOT, &["HW_CPU_X86_AVX2", "CUSTOM_T", "HW_CPU_X86_SSE42"]);
    traits(CHILD1, &["CUSTOM_T"]);
    traits(CHILD2, &["STORAGE_DISK_SSD", "COMPUTE_VOLUME_MULTI_ATTACH"]);
}

/// The write the server is stopped right after. Its traits are already on
/// CHILD2, so it changes no list filter, only GRANDCHILD's generation and
/// traits. Returns the new generation and the response (= the GET body).
fn last_write(api: &Api) -> (i64, Answer) {
    let g = api.generation(GRANDCHILD);
    let path = format!("/resource_providers/{GRANDCHILD}/traits");
    let body = json!({"resource_provider_generation": g,
                      "traits": ["STORAGE_DISK_SSD", "COMPUTE_VOLUME_MULTI_ATTACH"]});
    let r = api.send(Method::PUT, &path, Some(body));
    assert_eq!(r.status().as_u16(), 200);
    let answer = Answer {
        path,
        status: 200,
        last_modified: None,
        body: r.json().expect("traits JSON"),
    };
    assert_eq!(answer.body["resource_provider_generation"], g + 1);
    (g + 1, answer)
}

fn snapshot(api: &Api) -> Vec<Answer> {
    let mut paths: Vec<String> = [
        "/resource_providers".to_string(),
        format!("/resource_providers?in_tree={CHILD1}"),
        format!("/resource_providers?member_of={AGG_A}"),
        format!("/resource_providers?member_of=in:{AGG_B},{AGG_C}"),
        "/resource_providers?required=CUSTOM_T,!HW_CPU_X86_AVX2".to_string(),
        "/resource_providers?resources=VCPU:40,DISK_GB:100".to_string(),
        "/resource_providers?resources=CUSTOM_X:4".to_string(),
        "/resource_classes".to_string(),
        "/resource_classes/CUSTOM_X".to_string(),
        "/traits".to_string(),
        "/traits?associated=true".to_string(),
        "/traits?name=startswith:CUSTOM_".to_string(),
        "/traits/CUSTOM_T".to_string(),
    ]
    .into();
    for rp in PROVIDERS {
        let base = format!("/resource_providers/{rp}");
        for sub in ["", "/inventories", "/aggregates", "/traits", "/usages"] {
            paths.push(format!("{base}{sub}"));
        }
        for class in CLASSES {
            paths.push(format!("{base}/inventories/{class}"));
        }
    }
    paths.iter().map(|p| api.get(p)).collect()
}

fn restart_preserves_reads(backend: Backend, how: Stop) {
    let Some(db) = TestDb::new(backend) else {
        return;
    };
    let server = Server::start(&db.url);
    let api = Api::new(&server);
    populate(&api);
    let (mut expected, bump) = match how {
        Stop::Term => {
            last_write(&api);
            (snapshot(&api), None)
        }
        // Reading after the last write would give a write-behind store time
        // to catch up, so read first and apply the write's known effect.
        Stop::Kill => (snapshot(&api), Some(last_write(&api))),
    };
    server.stop(how);
    let changed = bump.as_ref().map(|_| GRANDCHILD);
    if let Some((generation, traits)) = bump {
        expect_bump(&mut expected, GRANDCHILD, generation, traits);
    }
    compare_after_restart(&db, expected, changed);
}

/// Starts a server on `db` and checks it answers `expected`; `changed` names
/// a provider whose Last-Modified is not compared (see `expect_bump`).
fn compare_after_restart(db: &TestDb, mut expected: Vec<Answer>, changed: Option<&str>) {
    check_contents(&expected);
    let server = Server::start(&db.url);
    let mut after = snapshot(&Api::new(&server));
    if let Some(uuid) = changed {
        for a in expected.iter_mut().chain(after.iter_mut()) {
            if mentions(&a.body, uuid) || a.path.contains(uuid) {
                a.last_modified = None;
            }
        }
    }
    assert_same(&expected, &after);
    server.stop(Stop::Term);
}

/// Applies the last write to a snapshot taken before it: the provider's
/// generation moves everywhere it is shown and its traits answer is the
/// PUT's response.
fn expect_bump(snap: &mut [Answer], uuid: &str, generation: i64, traits: Answer) {
    for a in snap.iter_mut() {
        set_generation(&mut a.body, uuid, generation);
        if a.path.starts_with(&format!("/resource_providers/{uuid}/"))
            && let Some(g) = a.body.get_mut("resource_provider_generation")
        {
            *g = json!(generation);
        }
    }
    let slot = snap
        .iter_mut()
        .find(|a| a.path == traits.path)
        .expect("traits path in snapshot");
    *slot = traits;
}

fn set_generation(v: &mut Value, uuid: &str, generation: i64) {
    match v {
        Value::Object(m) => {
            if m.get("uuid").and_then(Value::as_str) == Some(uuid) && m.contains_key("generation") {
                m.insert("generation".into(), json!(generation));
            }
            m.values_mut()
                .for_each(|x| set_generation(x, uuid, generation));
        }
        Value::Array(xs) => xs
            .iter_mut()
            .for_each(|x| set_generation(x, uuid, generation)),
        _ => {}
    }
}

fn mentions(v: &Value, uuid: &str) -> bool {
    match v {
        Value::String(s) => s == uuid,
        Value::Object(m) => m.values().any(|x| mentions(x, uuid)),
        Value::Array(xs) => xs.iter().any(|x| mentions(x, uuid)),
        _ => false,
    }
}

/// Equal answers, reported per path so a failure names what changed.
fn assert_same(before: &[Answer], after: &[Answer]) {
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(after) {
        assert_eq!(b, a, "GET {} differs after the restart", b.path);
    }
}

/// The snapshot really holds what `populate` wrote (a comparison of two
/// empty or broken snapshots would prove nothing).
fn check_contents(snap: &[Answer]) {
    let find = |path: &str| {
        snap.iter()
            .find(|a| a.path == path)
            .unwrap_or_else(|| panic!("{path} not in snapshot"))
    };
    let list = find("/resource_providers");
    assert_eq!(list.status, 200);
    assert_eq!(list.body["resource_providers"].as_array().unwrap().len(), 4);
    let root = find(&format!("/resource_providers/{ROOT}"));
    // create 0, inventories +1, VCPU +1, aggregates +1, traits +1.
    assert_eq!(root.body["generation"], 4, "{:?}", root.body);
    assert!(root.last_modified.is_some());
    let gc = find(&format!("/resource_providers/{GRANDCHILD}"));
    assert_eq!(gc.body["root_provider_uuid"], ROOT);
    assert_eq!(gc.body["generation"], 3);
    let gc_traits = find(&format!("/resource_providers/{GRANDCHILD}/traits"));
    assert_eq!(
        gc_traits.body["traits"].as_array().map(Vec::len),
        Some(2),
        "the last acknowledged write is there"
    );
    let vcpu = find(&format!("/resource_providers/{ROOT}/inventories/VCPU"));
    assert_eq!(vcpu.body["total"], 96);
    assert_eq!(vcpu.body["allocation_ratio"], 3.0);
    assert_eq!(
        find(&format!("/resource_providers/{GONE}")).status,
        404,
        "a deleted provider stays deleted"
    );
    assert_eq!(
        find(&format!(
            "/resource_providers/{CHILD1}/inventories/CUSTOM_X"
        ))
        .body["step_size"],
        2
    );
}

#[test]
fn sqlite_sigkill() {
    restart_preserves_reads(Backend::Sqlite, Stop::Kill);
}

#[test]
fn sqlite_sigterm() {
    restart_preserves_reads(Backend::Sqlite, Stop::Term);
}

#[test]
fn postgres_sigkill() {
    restart_preserves_reads(Backend::Postgres, Stop::Kill);
}

#[test]
fn postgres_sigterm() {
    restart_preserves_reads(Backend::Postgres, Stop::Term);
}
