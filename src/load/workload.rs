//! The measured phase: K schedulers shaped like Nova's (candidates, pick,
//! claim, retry on 409, with churn), or read-only candidate queries.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::client::{CandidatesReply, Client, Kind, Microversion, Reply};
use super::error::LoadError;
use super::stats::{Live, Recorder};

/// Consecutive unexpected failures after which a worker gives up, so a dead
/// or broken endpoint ends the run instead of being hammered until the end.
const MAX_FAILURE_STREAK: u32 = 50;

/// When to stop: at a deadline, after a number of attempts, or both.
#[derive(Debug)]
pub struct Budget {
    deadline: Option<Instant>,
    remaining: Option<AtomicU64>,
}

impl Budget {
    pub fn new(deadline: Option<Instant>, count: Option<u64>) -> Self {
        Budget {
            deadline,
            remaining: count.map(AtomicU64::new),
        }
    }

    /// Take one attempt from the budget; false once it is spent.
    pub fn take(&self) -> bool {
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            return false;
        }
        match &self.remaining {
            None => true,
            Some(r) => r
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

/// Which allocation request a scheduler picks from the candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    First,
    Random,
}

/// What every worker of the phase does.
#[derive(Clone, Debug)]
pub struct Plan {
    /// GET path of the candidates query, query string included.
    pub candidates_path: String,
    pub pick: Pick,
    pub delete_rate: f64,
    pub move_rate: f64,
    pub max_retries: u32,
    pub project_id: String,
    pub user_id: String,
    pub consumer_type: String,
}

/// How the scheduling attempts ended, summed over workers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Outcomes {
    pub attempts: u64,
    pub claims: u64,
    /// Attempts retried after a 409 (each retry counted once).
    pub retries: u64,
    /// Candidates came back empty: no room left for the query.
    pub no_valid_host: u64,
    /// Still 409 after the last retry.
    pub gave_up: u64,
    /// Unexpected status or no response.
    pub failed: u64,
    pub deletes: u64,
    pub moves: u64,
    pub move_gave_up: u64,
    pub reads: u64,
    /// Workers that stopped early on a streak of failures, with the last one.
    pub aborted_workers: u64,
    pub last_error: Option<String>,
}

impl Outcomes {
    pub fn add(&mut self, o: &Outcomes) {
        self.attempts += o.attempts;
        self.claims += o.claims;
        self.retries += o.retries;
        self.no_valid_host += o.no_valid_host;
        self.gave_up += o.gave_up;
        self.failed += o.failed;
        self.deletes += o.deletes;
        self.moves += o.moves;
        self.move_gave_up += o.move_gave_up;
        self.reads += o.reads;
        self.aborted_workers += o.aborted_workers;
        if o.last_error.is_some() {
            self.last_error.clone_from(&o.last_error);
        }
    }
}

/// The body of PUT /allocations/{consumer} for `mv`: `allocations` as the
/// candidate gave it (its shape already matches the microversion), plus the
/// consumer fields each microversion requires.
pub fn allocation_body(
    mv: Microversion,
    allocations: &Value,
    consumer_generation: Option<u64>,
    plan: &Plan,
) -> Value {
    let mut body = json!({ "allocations": allocations });
    if mv.at_least(8) {
        body["project_id"] = json!(plan.project_id);
        body["user_id"] = json!(plan.user_id);
    }
    if mv.at_least(28) {
        body["consumer_generation"] = json!(consumer_generation);
    }
    if mv.at_least(38) {
        body["consumer_type"] = json!(plan.consumer_type);
    }
    body
}

/// Which of `n` allocation requests to take (None when there are none).
pub fn pick_index(n: usize, pick: Pick, rng: &mut fastrand::Rng) -> Option<usize> {
    match pick {
        _ if n == 0 => None,
        Pick::First => Some(0),
        Pick::Random => Some(rng.usize(..n)),
    }
}

enum Step {
    Done,
    NoValidHost,
    GaveUp,
}

struct Worker {
    client: Client,
    plan: Arc<Plan>,
    rec: Recorder,
    rng: fastrand::Rng,
    out: Outcomes,
}

impl Worker {
    fn unexpected(&self, method: &Method, path: &str, reply: Reply) -> LoadError {
        LoadError::Status {
            method: method.to_string(),
            path: path.to_string(),
            status: reply.status,
            body: reply.body.to_string(),
        }
    }

    /// GET the candidates; Ok(None) when there are none.
    async fn candidates(&mut self) -> Result<Option<Value>, LoadError> {
        let path = self.plan.candidates_path.clone();
        let (pick, rng) = (self.plan.pick, &mut self.rng);
        let mut choose = |n: usize| pick_index(n, pick, rng);
        let reply = self
            .client
            .candidates(&mut self.rec, &path, Some(&mut choose))
            .await?;
        match reply {
            CandidatesReply::Picked(allocations) => Ok(allocations),
            CandidatesReply::Failed(reply) => Err(self.unexpected(&Method::GET, &path, reply)),
        }
    }

    /// GET the candidates without reading them (read-only load).
    async fn read_candidates(&mut self) -> Result<(), LoadError> {
        let path = self.plan.candidates_path.clone();
        match self.client.candidates(&mut self.rec, &path, None).await? {
            CandidatesReply::Picked(_) => Ok(()),
            CandidatesReply::Failed(reply) => Err(self.unexpected(&Method::GET, &path, reply)),
        }
    }

    /// PUT allocations; Ok(false) on a 409 (counted by code by the recorder).
    async fn put(&mut self, kind: Kind, consumer: Uuid, body: &Value) -> Result<bool, LoadError> {
        let path = format!("/allocations/{consumer}");
        let reply = self
            .client
            .call(&mut self.rec, kind, Method::PUT, &path, Some(body))
            .await?;
        match reply.status {
            s if (200..300).contains(&s) => Ok(true),
            409 => Ok(false),
            _ => Err(self.unexpected(&Method::PUT, &path, reply)),
        }
    }

    /// Schedule a new consumer, retrying the whole loop on 409 as Nova does.
    async fn claim(&mut self, consumer: Uuid) -> Result<Step, LoadError> {
        for attempt in 0..=self.plan.max_retries {
            if attempt > 0 {
                self.out.retries += 1;
            }
            let Some(allocations) = self.candidates().await? else {
                return Ok(Step::NoValidHost);
            };
            let body = allocation_body(self.client.microversion, &allocations, None, &self.plan);
            if self.put(Kind::Claim, consumer, &body).await? {
                return Ok(Step::Done);
            }
        }
        Ok(Step::GaveUp)
    }

    /// The consumer's current generation (None before 1.28 or when gone).
    async fn consumer_generation(&mut self, consumer: Uuid) -> Result<Option<u64>, LoadError> {
        let path = format!("/allocations/{consumer}");
        let reply = self
            .client
            .call(
                &mut self.rec,
                Kind::GetAllocations,
                Method::GET,
                &path,
                None,
            )
            .await?;
        if !reply.is_success() {
            return Err(self.unexpected(&Method::GET, &path, reply));
        }
        Ok(reply
            .body
            .get("consumer_generation")
            .and_then(Value::as_u64))
    }

    /// Move a consumer to another candidate, with its current generation.
    async fn relocate(&mut self, consumer: Uuid) -> Result<Step, LoadError> {
        for attempt in 0..=self.plan.max_retries {
            if attempt > 0 {
                self.out.retries += 1;
            }
            let generation = self.consumer_generation(consumer).await?;
            let Some(allocations) = self.candidates().await? else {
                return Ok(Step::NoValidHost);
            };
            let body = allocation_body(
                self.client.microversion,
                &allocations,
                generation,
                &self.plan,
            );
            if self.put(Kind::Move, consumer, &body).await? {
                return Ok(Step::Done);
            }
        }
        Ok(Step::GaveUp)
    }

    async fn delete(&mut self, consumer: Uuid) -> Result<(), LoadError> {
        let path = format!("/allocations/{consumer}");
        let reply = self
            .client
            .call(&mut self.rec, Kind::Delete, Method::DELETE, &path, None)
            .await?;
        if reply.is_success() {
            Ok(())
        } else {
            Err(self.unexpected(&Method::DELETE, &path, reply))
        }
    }

    /// One scheduling iteration: maybe churn an earlier consumer, then claim.
    async fn iterate(&mut self, mine: &mut Vec<Uuid>) -> Result<(), LoadError> {
        let roll = self.rng.f64();
        if !mine.is_empty() && roll < self.plan.delete_rate + self.plan.move_rate {
            let i = self.rng.usize(..mine.len());
            if roll < self.plan.delete_rate {
                let victim = mine.swap_remove(i);
                self.delete(victim).await?;
                self.out.deletes += 1;
            } else {
                match self.relocate(mine[i]).await? {
                    Step::Done => self.out.moves += 1,
                    Step::NoValidHost | Step::GaveUp => self.out.move_gave_up += 1,
                }
            }
        }
        let consumer = Uuid::new_v4();
        match self.claim(consumer).await? {
            Step::Done => {
                mine.push(consumer);
                self.out.claims += 1;
                Live::bump(&self.rec.live().claims);
            }
            Step::NoValidHost => self.out.no_valid_host += 1,
            Step::GaveUp => self.out.gave_up += 1,
        }
        Ok(())
    }

    /// Schedules (or, read-only, queries) until the budget is spent or
    /// too many attempts in a row fail.
    async fn run(mut self, budget: Arc<Budget>, read_only: bool) -> (Recorder, Outcomes) {
        let mut mine = Vec::new();
        let mut streak = 0;
        while budget.take() {
            self.out.attempts += 1;
            Live::bump(&self.rec.live().attempts);
            let step = if read_only {
                let read = self.read_candidates().await;
                if read.is_ok() {
                    self.out.reads += 1;
                }
                read
            } else {
                self.iterate(&mut mine).await
            };
            match step {
                Ok(()) => streak = 0,
                Err(e) => {
                    self.out.failed += 1;
                    self.out.last_error = Some(e.to_string());
                    streak += 1;
                    if streak >= MAX_FAILURE_STREAK {
                        self.out.aborted_workers += 1;
                        break;
                    }
                }
            }
        }
        (self.rec, self.out)
    }
}

/// How the measured phase runs its workers.
pub struct Phase {
    pub read_only: bool,
    pub concurrency: usize,
    pub budget: Arc<Budget>,
    /// Start of the phase: sample times are relative to it.
    pub epoch: Instant,
    pub live: Arc<Live>,
    pub seed: u64,
}

/// Run the phase's workers until its budget is spent; returns their
/// recorders and the summed outcomes.
pub async fn run(client: &Client, plan: Arc<Plan>, phase: &Phase) -> (Vec<Recorder>, Outcomes) {
    let mut tasks = Vec::new();
    for i in 0..phase.concurrency.max(1) {
        let worker = Worker {
            client: client.clone(),
            plan: plan.clone(),
            rec: Recorder::new(phase.epoch, phase.live.clone()),
            rng: fastrand::Rng::with_seed(phase.seed.wrapping_add(i as u64)),
            out: Outcomes::default(),
        };
        let (budget, read_only) = (phase.budget.clone(), phase.read_only);
        tasks.push(tokio::spawn(worker.run(budget, read_only)));
    }
    let mut recorders = Vec::new();
    let mut total = Outcomes::default();
    for task in tasks {
        match task.await {
            Ok((rec, out)) => {
                total.add(&out);
                recorders.push(rec);
            }
            Err(e) => {
                total.aborted_workers += 1;
                total.last_error = Some(format!("worker panicked: {e}"));
            }
        }
    }
    (recorders, total)
}
