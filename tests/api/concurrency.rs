//! Many HTTP clients claiming on a few providers at once, on SQLite and
//! PostgreSQL: no oversubscription, usages equal the allocations, every
//! acknowledged claim is there, and no 409 while the capacity sufficed.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use reqwest::blocking::Client;
use serde_json::{Value, json};

use crate::common::{Backend, TestDb, engine, settings};
use placement_rs::api::policy::PolicyMode;

const CLIENTS: usize = 50;
/// Each provider's VCPU total; phase one never needs more than
/// CLIENTS × 2 = 100 on any provider.
const CAPACITY: i64 = 160;
const PROVIDERS: usize = 3;

/// A server on a free port, in its own actix System thread.
struct Server {
    base: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    fn start(db: &TestDb) -> Server {
        let engine = engine(db);
        let settings = settings(PolicyMode::Legacy);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = actix_web::HttpServer::new(move || {
                    placement_rs::placement_app!(engine.clone(), settings.clone())
                })
                .workers(2)
                .listen(listener)
                .unwrap()
                .run();
                tx.send(server.handle()).unwrap();
                server.await.unwrap();
            })
        });
        Server {
            base,
            handle: rx.recv().unwrap(),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Api {
    client: Client,
    base: String,
}

impl Api {
    fn new(base: &str) -> Api {
        Api {
            client: Client::new(),
            base: base.to_string(),
        }
    }

    fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-auth-token", "admin")
            .header("openstack-api-version", "placement 1.39");
        if let Some(b) = body {
            r = r.json(&b);
        }
        let resp = r.send().expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn get(&self, path: &str) -> Value {
        let (s, v) = self.send(reqwest::Method::GET, path, None);
        assert_eq!(s, 200, "GET {path}: {v}");
        v
    }
}

/// What a client believes one of its consumers holds: provider → VCPU.
type Held = HashMap<String, i64>;

struct Consumer {
    uuid: String,
    generation: Option<i64>,
    held: Held,
}

impl Consumer {
    fn new() -> Consumer {
        Consumer {
            uuid: uuid::Uuid::new_v4().to_string(),
            generation: None,
            held: Held::new(),
        }
    }

    fn body(&self, want: &Held) -> Value {
        let allocs: serde_json::Map<String, Value> = want
            .iter()
            .map(|(rp, n)| (rp.clone(), json!({"resources": {"VCPU": n}})))
            .collect();
        json!({
            "allocations": allocs,
            "project_id": "p", "user_id": "u",
            "consumer_generation": self.generation,
            "consumer_type": "INSTANCE",
        })
    }

    /// PUTs `want` (empty: delete); returns the status and error body.
    fn put(&mut self, api: &Api, want: Held) -> (u16, Value) {
        let (s, v) = api.send(
            reqwest::Method::PUT,
            &format!("/allocations/{}", self.uuid),
            Some(self.body(&want)),
        );
        if s == 204 {
            self.generation = if want.is_empty() {
                None
            } else {
                Some(self.generation.map_or(1, |g| g + 1))
            };
            self.held = want;
        }
        (s, v)
    }
}

/// A small deterministic generator so a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A refused claim: the provider named in the message and the amount asked there.
#[derive(Debug)]
struct Refusal {
    provider: String,
    amount: i64,
    detail: String,
}

fn run(db: TestDb) {
    let server = Server::start(&db);
    let api = Api::new(&server.base);
    let mut providers = vec![];
    for i in 0..PROVIDERS {
        let (s, v) = api.send(
            reqwest::Method::POST,
            "/resource_providers",
            Some(json!({"name": format!("cn{i}")})),
        );
        assert_eq!(s, 200, "{v}");
        let uuid = v["uuid"].as_str().unwrap().to_string();
        let (s, v) = api.send(
            reqwest::Method::PUT,
            &format!("/resource_providers/{uuid}/inventories"),
            Some(json!({"resource_provider_generation": 0,
                        "inventories": {"VCPU": {"total": CAPACITY}}})),
        );
        assert_eq!(s, 200, "{v}");
        providers.push(uuid);
    }
    let providers = Arc::new(providers);
    let refusals = Arc::new(Mutex::new(Vec::<Refusal>::new()));
    let acknowledged = Arc::new(Mutex::new(Vec::<(String, Held)>::new()));
    let phase_two = Arc::new(Barrier::new(CLIENTS));

    let workers: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let base = server.base.clone();
            let providers = providers.clone();
            let refusals = refusals.clone();
            let acknowledged = acknowledged.clone();
            let phase_two = phase_two.clone();
            thread::spawn(move || {
                let api = Api::new(&base);
                let mut rng = Rng(client as u64 + 1);
                let pick = |rng: &mut Rng| providers[rng.next(PROVIDERS as u64) as usize].clone();
                // A client that fails in phase one still reaches the
                // barrier, so the test fails instead of hanging.
                let phase_one = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    // Phase one: capacity always suffices (≤ 2 VCPU per client
                    // per provider), with creates, multi-provider replacements
                    // and deletes. Every write must succeed.
                    let mut c = Consumer::new();
                    for _ in 0..12 {
                        let want: Held = match rng.next(4) {
                            0 => Held::new(),
                            1 => {
                                let (a, b) = (pick(&mut rng), pick(&mut rng));
                                if a == b {
                                    Held::from([(a, 2)])
                                } else {
                                    Held::from([(a, 1), (b, 1)])
                                }
                            }
                            _ => Held::from([(pick(&mut rng), 1 + rng.next(2) as i64)]),
                        };
                        if want.is_empty() && c.held.is_empty() {
                            continue;
                        }
                        if want.is_empty() && rng.next(2) == 0 {
                            // Upstream's unfenced DELETE.
                            let (s, v) = api.send(
                                reqwest::Method::DELETE,
                                &format!("/allocations/{}", c.uuid),
                                None,
                            );
                            assert_eq!(s, 204, "phase one delete: {v}");
                            c = Consumer::new();
                            continue;
                        }
                        let (s, v) = c.put(&api, want);
                        assert_eq!(s, 204, "phase one claim while capacity sufficed: {v}");
                    }
                    let mut mine = vec![];
                    if !c.held.is_empty() {
                        mine.push((c.uuid.clone(), c.held.clone()));
                    }
                    mine
                }));
                phase_two.wait();
                let mut mine = phase_one.unwrap_or_else(|p| std::panic::resume_unwind(p));
                // Phase two, once every client is done with phase one:
                // only new claims, so usage only grows; claim until
                // refused three times.
                let mut refused = 0;
                while refused < 3 {
                    let mut c = Consumer::new();
                    let amount = 1 + rng.next(3) as i64;
                    let want = if rng.next(3) == 0 {
                        let (a, b) = (pick(&mut rng), pick(&mut rng));
                        if a == b {
                            Held::from([(a, amount)])
                        } else {
                            Held::from([(a, amount), (b, amount)])
                        }
                    } else {
                        Held::from([(pick(&mut rng), amount)])
                    };
                    let (s, v) = c.put(&api, want.clone());
                    match s {
                        204 => mine.push((c.uuid.clone(), c.held.clone())),
                        409 => {
                            let detail =
                                v["errors"][0]["detail"].as_str().unwrap_or("").to_string();
                            let code = v["errors"][0]["code"].as_str().unwrap_or("");
                            assert_eq!(code, "placement.undefined_code", "{v}");
                            assert!(detail.contains("would exceed the capacity"), "{detail}");
                            let provider = detail
                                .split("resource provider '")
                                .nth(1)
                                .and_then(|s| s.split('\'').next())
                                .unwrap_or("")
                                .to_string();
                            let amount = *want.get(&provider).expect("refused provider was asked");
                            refusals.lock().unwrap().push(Refusal {
                                provider,
                                amount,
                                detail,
                            });
                            refused += 1;
                        }
                        other => panic!("unexpected status {other}: {v}"),
                    }
                }
                acknowledged.lock().unwrap().extend(mine);
            })
        })
        .collect();
    for w in workers {
        w.join().expect("client thread");
    }

    // Invariants, from the server's own answers.
    let mut free = HashMap::new();
    for rp in providers.iter() {
        let usage = api.get(&format!("/resource_providers/{rp}/usages"))["usages"]["VCPU"]
            .as_i64()
            .unwrap();
        assert!(
            usage <= CAPACITY,
            "{rp} oversubscribed: {usage} > {CAPACITY}"
        );
        let allocs = api.get(&format!("/resource_providers/{rp}/allocations"));
        let sum: i64 = allocs["allocations"]
            .as_object()
            .unwrap()
            .values()
            .map(|a| a["resources"]["VCPU"].as_i64().unwrap())
            .sum();
        assert_eq!(usage, sum, "{rp}: usage is not the sum of its allocations");
        free.insert(rp.clone(), CAPACITY - usage);
    }
    let acknowledged = acknowledged.lock().unwrap();
    assert!(acknowledged.len() > CLIENTS, "the run claimed too little");
    for (consumer, held) in acknowledged.iter() {
        let got = api.get(&format!("/allocations/{consumer}"));
        let got: Held = got["allocations"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(rp, a)| (rp.clone(), a["resources"]["VCPU"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            &got, held,
            "acknowledged claim of {consumer} changed or lost"
        );
    }
    let refusals = refusals.lock().unwrap();
    assert_eq!(refusals.len(), CLIENTS * 3);
    for r in refusals.iter() {
        // Usage only grew after phase one, so what is free now is at most
        // what was free when the claim was refused.
        assert!(
            free[&r.provider] < r.amount,
            "refused {} on {} while {} are free still: {}",
            r.amount,
            r.provider,
            free[&r.provider],
            r.detail
        );
    }
}

#[test]
fn fifty_clients_sqlite() {
    if let Some(db) = TestDb::new(Backend::Sqlite) {
        run(db);
    }
}

#[test]
fn fifty_clients_postgres() {
    if let Some(db) = TestDb::new(Backend::Postgres) {
        run(db);
    }
}
