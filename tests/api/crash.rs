//! Crash safety: claims under load against a real server process, which
//! is SIGKILLed mid-load and restarted on the same database. Every claim
//! acknowledged with 204 must be there, usages must equal the sum of the
//! allocations, and no claim may be half-written.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::{Backend, TestDb};

const CLIENTS: usize = 16;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A server process, killed if a failing test unwinds past it.
struct Proc(Child);

impl Proc {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts the real binary and waits until it answers.
fn start_server(url: &str, port: u16) -> Proc {
    let child = Command::new(env!("CARGO_BIN_EXE_placement-rs"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
        ])
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start placement-rs");
    let mut server = Proc(child);
    let client = Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .is_ok()
        {
            return server;
        }
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("server exited early: {status}");
        }
        thread::sleep(Duration::from_millis(50));
    }
    panic!("server did not start on port {port}");
}

fn send(
    client: &Client,
    port: u16,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Result<(u16, Value)> {
    let mut r = client
        .request(method, format!("http://127.0.0.1:{port}{path}"))
        .header("x-auth-token", "admin")
        .header("openstack-api-version", "placement 1.39")
        .timeout(Duration::from_secs(30));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send()?;
    let status = resp.status().as_u16();
    let text = resp.text()?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

fn get(client: &Client, port: u16, path: &str) -> Value {
    let (s, v) = send(client, port, reqwest::Method::GET, path, None).expect("GET");
    assert_eq!(s, 200, "GET {path}: {v}");
    v
}

/// provider uuid → VCPU
type Held = HashMap<String, i64>;

fn allocations_of(client: &Client, port: u16, consumer: &str) -> Held {
    get(client, port, &format!("/allocations/{consumer}"))["allocations"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(rp, a)| (rp.clone(), a["resources"]["VCPU"].as_i64().unwrap()))
        .collect()
}

fn run(db: TestDb) {
    let port = free_port();
    let mut server = start_server(&db.url, port);
    let client = Client::new();
    let mut providers = vec![];
    for i in 0..3 {
        let (s, v) = send(
            &client,
            port,
            reqwest::Method::POST,
            "/resource_providers",
            Some(json!({"name": format!("cn{i}")})),
        )
        .unwrap();
        assert_eq!(s, 200, "{v}");
        let uuid = v["uuid"].as_str().unwrap().to_string();
        let (s, v) = send(
            &client,
            port,
            reqwest::Method::PUT,
            &format!("/resource_providers/{uuid}/inventories"),
            Some(json!({"resource_provider_generation": 0,
                        "inventories": {"VCPU": {"total": 1_000_000}}})),
        )
        .unwrap();
        assert_eq!(s, 200, "{v}");
        providers.push(uuid);
    }

    // Every attempted claim (consumer → intended allocations) and the
    // ones acknowledged with 204.
    let attempted = Arc::new(Mutex::new(Vec::<(String, Held)>::new()));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|w| {
            let providers = providers.clone();
            let (attempted, acknowledged, stop) =
                (attempted.clone(), acknowledged.clone(), stop.clone());
            thread::spawn(move || {
                let client = Client::new();
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let consumer = uuid::Uuid::new_v4().to_string();
                    // Every other claim spans two providers.
                    let mut held =
                        Held::from([(providers[(w + i) % 3].clone(), 1 + (i % 3) as i64)]);
                    if i.is_multiple_of(2) {
                        held.insert(providers[(w + i + 1) % 3].clone(), 2);
                    }
                    let allocs: serde_json::Map<String, Value> = held
                        .iter()
                        .map(|(rp, n)| (rp.clone(), json!({"resources": {"VCPU": n}})))
                        .collect();
                    let body = json!({"allocations": allocs, "project_id": "p", "user_id": "u",
                                      "consumer_generation": null, "consumer_type": "INSTANCE"});
                    attempted.lock().unwrap().push((consumer.clone(), held));
                    match send(
                        &client,
                        port,
                        reqwest::Method::PUT,
                        &format!("/allocations/{consumer}"),
                        Some(body),
                    ) {
                        Ok((204, _)) => acknowledged.lock().unwrap().push(consumer),
                        Ok((s, v)) => panic!("unexpected {s}: {v}"),
                        Err(_) => return, // the server is gone
                    }
                }
            })
        })
        .collect();

    // Let load build up, then kill the server without warning.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acknowledged.lock().unwrap().len() < 300 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    server.kill(); // SIGKILL
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("client thread");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 50,
        "too little load before the kill: {}",
        acknowledged.len()
    );

    let mut server = start_server(&db.url, port);
    let attempted = attempted.lock().unwrap().clone();
    let intended: HashMap<&str, &Held> = attempted.iter().map(|(c, h)| (c.as_str(), h)).collect();
    for c in &acknowledged {
        assert_eq!(
            &allocations_of(&client, port, c),
            intended[c.as_str()],
            "acknowledged claim {c} lost or changed"
        );
    }
    let mut expected_usage: HashMap<String, i64> = HashMap::new();
    for (c, held) in &attempted {
        let got = allocations_of(&client, port, c);
        assert!(
            got.is_empty() || &got == held,
            "claim {c} half-written: {got:?} of {held:?}"
        );
        for (rp, n) in &got {
            *expected_usage.entry(rp.clone()).or_default() += n;
        }
    }
    for rp in &providers {
        let usage =
            get(&client, port, &format!("/resource_providers/{rp}/usages"))["usages"]["VCPU"]
                .as_i64()
                .unwrap();
        let listed: i64 = get(
            &client,
            port,
            &format!("/resource_providers/{rp}/allocations"),
        )["allocations"]
            .as_object()
            .unwrap()
            .values()
            .map(|a| a["resources"]["VCPU"].as_i64().unwrap())
            .sum();
        assert_eq!(
            usage, listed,
            "{rp}: usage is not the sum of its allocations"
        );
        assert_eq!(
            usage,
            expected_usage.get(rp).copied().unwrap_or(0),
            "{rp}: usage from unknown claims"
        );
    }
    server.kill();
}

#[test]
fn sigkill_mid_load_sqlite() {
    if let Some(db) = TestDb::new(Backend::Sqlite) {
        run(db);
    }
}

#[test]
fn sigkill_mid_load_postgres() {
    if let Some(db) = TestDb::new(Backend::Postgres) {
        run(db);
    }
}
