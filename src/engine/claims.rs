//! The claim coordinator: PUT/POST/DELETE of allocations as the two-phase
//! protocol. Per consumer lock → consumer generation check → per-provider
//! deltas → Prepare on every provider in id order → Persist (group commit)
//! → Commit, or Abort every provider that was sent a Prepare.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix::Addr;

use super::consumers::{Allocation, ConsumerState};
use super::ledger::{ClassRequest, Refusal, Token};
use super::provider_actor::{Abort, Commit, Prepare, ProviderActor};
use super::providers::ProviderTable;
use super::store_writer::WriteJob;
use super::{Engine, EngineError};
use crate::store::allocations::{ClaimRecord, ConsumerRecord};
use crate::store::{self, StoreError};

/// How long a claim keeps retrying while other claims in flight hold the
/// capacity it needs, before it gives up with `Busy`.
const CONTENTION_WAIT: Duration = Duration::from_secs(20);
/// How long a claim may wait for a slot before the engine answers `Busy`.
const ADMISSION_WAIT: Duration = Duration::from_secs(30);

/// What the client said about the consumer's generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GenerationCheck {
    /// Before 1.28: no check.
    Unchecked,
    /// The generation the client saw; None = "the consumer must not exist".
    Expect(Option<i64>),
}

/// One consumer's new allocations. Empty `allocations` removes them all.
#[derive(Debug, Clone)]
pub struct ConsumerClaim {
    pub consumer: String,
    pub project: String,
    pub user: String,
    /// None leaves the stored type alone (before 1.38).
    pub consumer_type: Option<String>,
    pub generation: GenerationCheck,
    /// (provider uuid, [(class name, amount)]) in request order.
    pub allocations: Vec<(String, Vec<(String, i64)>)>,
}

/// A claim resolved against the current state, ready for the protocol.
pub(super) struct Plan {
    /// The new rows (provider, class, used); used 0 marks a removal.
    pub(super) rows: Vec<(i32, i32, i64)>,
    pub(super) requests: BTreeMap<i32, Vec<ClassRequest>>,
    pub(super) bump: BTreeSet<i32>,
    pub(super) job: WriteJob,
    /// What each consumer becomes after the commit (None: removed).
    pub(super) after: Vec<(String, Option<ConsumerState>)>,
    pub(super) at: chrono::NaiveDateTime,
}

impl Engine {
    /// Replaces the allocations of one or more consumers, all or nothing.
    pub async fn claim(&self, claims: Vec<ConsumerClaim>) -> Result<(), EngineError> {
        let engine = self.clone();
        let Ok(slot) = self.inner.claim_slots.clone().try_acquire_owned() else {
            // No slot free: wait for one on the engine thread (its timer).
            return self
                .on_engine(async move { engine.run_claim(claims).await })
                .await;
        };
        // The plan is made on the caller's thread (it only reads, so a
        // caller that goes away leaves nothing behind) and only the
        // protocol, which must not be cut in half, runs on the engine
        // thread, the one every provider actor shares.
        let (locks, plan) = self.lock_and_plan(&claims).await?;
        self.on_engine(async move {
            // Held until the claim is published.
            let _held = (slot, locks);
            engine.execute(plan).await
        })
        .await
    }

    /// Removes all allocations of a consumer and its record, as upstream's
    /// DELETE /allocations/{consumer}: no generation checks or increments.
    pub async fn delete_allocations(&self, consumer: &str) -> Result<(), EngineError> {
        let engine = self.clone();
        let consumer = consumer.to_string();
        self.on_engine(async move { engine.run_delete(consumer).await })
            .await
    }

    /// Runs `fut` to completion on the engine thread, whatever happens to
    /// the caller.
    pub(super) async fn on_engine<T, F>(&self, fut: F) -> Result<T, EngineError>
    where
        T: Send + 'static,
        F: std::future::Future<Output = Result<T, EngineError>> + Send + 'static,
    {
        self.inner
            .runtime
            .run(fut)
            .await
            .unwrap_or_else(|| Err(EngineError::Internal("engine stopped".into())))
    }

    pub(super) async fn admit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, EngineError> {
        let slots = self.inner.claim_slots.clone();
        // A free slot needs no timer (the common case).
        if let Ok(permit) = slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        tokio::time::timeout(ADMISSION_WAIT, slots.acquire_owned())
            .await
            .map_err(|_| EngineError::Busy)?
            .map_err(|_| EngineError::Internal("claim slots closed".into()))
    }

    /// Takes the claim's consumer locks and plans it against the state
    /// they protect.
    async fn lock_and_plan(
        &self,
        claims: &[ConsumerClaim],
    ) -> Result<(Vec<tokio::sync::OwnedMutexGuard<()>>, Plan), EngineError> {
        let locks = self
            .inner
            .consumer_locks
            .lock(claims.iter().map(|c| c.consumer.as_str()))
            .await;
        let plan = self.plan_claim(claims, true)?;
        Ok((locks, plan))
    }

    async fn run_claim(&self, claims: Vec<ConsumerClaim>) -> Result<(), EngineError> {
        let _slot = self.admit().await?;
        let (_locks, plan) = self.lock_and_plan(&claims).await?;
        self.execute(plan).await
    }

    async fn run_delete(&self, consumer: String) -> Result<(), EngineError> {
        let _slot = self.admit().await?;
        let _locks = self.inner.consumer_locks.lock([consumer.as_str()]).await;
        let old = self
            .consumers()
            .get(&consumer)
            .filter(|c| !c.allocations.is_empty())
            .cloned()
            .ok_or_else(|| EngineError::NoAllocations(consumer.clone()))?;
        let mut deltas: BTreeMap<(i32, i32), i64> = BTreeMap::new();
        for a in &old.allocations {
            *deltas.entry((a.provider, a.class)).or_default() -= a.used;
        }
        let plan = Plan {
            rows: vec![],
            requests: requests_from(&deltas, &BTreeMap::new()),
            bump: BTreeSet::new(),
            job: WriteJob::DeleteConsumer(consumer.clone()),
            after: vec![(consumer, None)],
            at: store::now(),
        };
        self.execute(plan).await
    }

    /// Consumer generations, then that every named provider exists, in
    /// upstream's order of errors.
    pub(super) fn check_claims(&self, claims: &[ConsumerClaim]) -> Result<(), EngineError> {
        let stored = self.stored_consumers(claims);
        check_generations(claims, &stored)?;
        check_providers_exist(claims, &self.providers())
    }

    /// What each claim's consumer holds now, copied: planning then holds
    /// no read lock that the engine thread's publishing would wait on.
    fn stored_consumers(&self, claims: &[ConsumerClaim]) -> Vec<Option<ConsumerState>> {
        let consumers = self.consumers();
        claims
            .iter()
            .map(|c| consumers.get(&c.consumer).cloned())
            .collect()
    }

    /// Checks generations, resolves providers and classes, and computes
    /// each provider's part. `check_inventory` is false for a reshape,
    /// whose inventories change in the same step.
    pub(super) fn plan_claim(
        &self,
        claims: &[ConsumerClaim],
        check_inventory: bool,
    ) -> Result<Plan, EngineError> {
        let stored = self.stored_consumers(claims);
        check_generations(claims, &stored)?;
        // (consumer index, provider id, class, used); used 0 marks a removal.
        let mut rows: Vec<(usize, i32, ClassName, i64)> = vec![];
        // The inventory classes of each provider named, for the check below.
        let mut inventory: HashMap<i32, BTreeSet<i32>> = HashMap::new();
        {
            // The first unknown provider, in request order, is the error
            // (removals name none), as in `check_providers_exist`.
            let providers = self.providers();
            for (i, c) in claims.iter().enumerate() {
                if c.allocations.is_empty() {
                    for a in stored[i].iter().flat_map(|s| &s.allocations) {
                        rows.push((i, a.provider, ClassName::Id(a.class), 0));
                    }
                    continue;
                }
                for (rp, resources) in &c.allocations {
                    let p = providers
                        .get(rp)
                        .ok_or_else(|| EngineError::AllocationProviderNotFound(rp.clone()))?;
                    for (class, used) in resources {
                        rows.push((i, p.id, ClassName::Name(class.clone()), *used));
                    }
                }
            }
            if check_inventory {
                for (_, rp, _, _) in &rows {
                    if let Some(p) = providers.by_id(*rp) {
                        inventory
                            .entry(*rp)
                            .or_insert_with(|| p.inventories.keys().copied().collect());
                    }
                }
            }
        }
        let rows: Vec<(usize, i32, i32, i64)> = {
            let catalog = self.catalog();
            rows.into_iter()
                .map(|(i, rp, class, used)| match class {
                    ClassName::Id(id) => Ok((i, rp, id, used)),
                    ClassName::Name(n) => catalog
                        .classes
                        .by_name(&n)
                        .map(|e| (i, rp, e.id, used))
                        .ok_or(EngineError::ClassNotFound(n)),
                })
                .collect::<Result<_, _>>()?
        };
        if check_inventory {
            // Upstream refuses a claim naming a provider with no inventory
            // of any class the claim asks for, listing them all.
            let rows: Vec<(i32, i32, i64)> = rows.iter().map(|r| (r.1, r.2, r.3)).collect();
            self.missing_inventory_check(&rows, |rp, rc| {
                inventory.get(&rp).is_some_and(|c| c.contains(&rc))
            })?;
        }

        let mut old: BTreeMap<(i32, i32), i64> = BTreeMap::new();
        for a in stored.iter().flatten().flat_map(|s| &s.allocations) {
            *old.entry((a.provider, a.class)).or_default() += a.used;
        }
        let mut new: BTreeMap<(i32, i32), i64> = BTreeMap::new();
        let mut amounts: BTreeMap<(i32, i32), Vec<i64>> = BTreeMap::new();
        for (_, rp, rc, used) in &rows {
            *new.entry((*rp, *rc)).or_default() += used;
            if *used > 0 {
                amounts.entry((*rp, *rc)).or_default().push(*used);
            }
        }
        let mut deltas = old;
        for d in deltas.values_mut() {
            *d = -*d;
        }
        for (k, v) in &new {
            *deltas.entry(*k).or_default() += v;
        }

        let at = store::now();
        let mut records = vec![];
        let mut after = vec![];
        for (i, c) in claims.iter().enumerate() {
            let stored = stored[i].as_ref();
            let mine: Vec<(i32, i32, i64)> = rows
                .iter()
                .filter(|(ci, _, _, used)| *ci == i && *used > 0)
                .map(|(_, rp, rc, used)| (*rp, *rc, *used))
                .collect();
            if stored.is_none() && mine.is_empty() {
                // Nothing stored and nothing to store.
                continue;
            }
            records.push(ConsumerRecord {
                uuid: c.consumer.clone(),
                existing: stored.map(|s| (s.id, s.generation)),
                project: c.project.clone(),
                user: c.user.clone(),
                consumer_type: c.consumer_type.clone(),
                rows: mine.clone(),
            });
            let state = (!mine.is_empty()).then(|| ConsumerState {
                id: 0, // set from the store's answer
                uuid: c.consumer.clone(),
                project: c.project.clone(),
                user: c.user.clone(),
                consumer_type: match &c.consumer_type {
                    Some(t) => Some(t.clone()),
                    None => stored.and_then(|s| s.consumer_type.clone()),
                },
                generation: stored.map_or(1, |s| s.generation + 1),
                allocations: mine
                    .iter()
                    .map(|(rp, rc, used)| Allocation {
                        provider: *rp,
                        class: *rc,
                        used: *used,
                        created_at: Some(at),
                        updated_at: None,
                    })
                    .collect(),
            });
            after.push((c.consumer.clone(), state));
        }
        let bump: BTreeSet<i32> = rows.iter().map(|(_, rp, _, _)| *rp).collect();
        Ok(Plan {
            rows: rows
                .iter()
                .map(|(_, rp, rc, used)| (*rp, *rc, *used))
                .collect(),
            requests: requests_from(&deltas, &amounts),
            job: WriteJob::Claim(ClaimRecord {
                consumers: records,
                bump_providers: bump.iter().copied().collect(),
                at,
            }),
            bump,
            after,
            at,
        })
    }

    /// Upstream's check that each provider named has inventory of at least
    /// one class the claim asks for, listing every one that has not.
    pub(super) fn missing_inventory_check(
        &self,
        rows: &[(i32, i32, i64)],
        has_inventory: impl Fn(i32, i32) -> bool,
    ) -> Result<(), EngineError> {
        let classes: BTreeSet<i32> = rows.iter().map(|r| r.1).collect();
        let mut missing: BTreeSet<String> = BTreeSet::new();
        for rp in rows.iter().map(|r| r.0).collect::<BTreeSet<_>>() {
            if !classes.iter().any(|c| has_inventory(rp, *c))
                && let Some(p) = self.providers().by_id(rp)
            {
                missing.insert(p.uuid.clone());
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let catalog = self.catalog();
        let names: Vec<&str> = classes
            .iter()
            .filter_map(|c| catalog.classes.by_id(*c).map(|e| e.name.as_str()))
            .collect();
        Err(EngineError::AllocationRefused(format!(
            "Inventory for '{}' on resource provider '{}' invalid.",
            names.join(", "),
            missing.into_iter().collect::<Vec<_>>().join(", ")
        )))
    }

    /// Prepare → Persist → Commit, with Abort on any failure.
    async fn execute(&self, plan: Plan) -> Result<(), EngineError> {
        let addrs: Vec<(i32, Addr<ProviderActor>)> = {
            let dir = self.directory();
            plan.requests
                .keys()
                .map(|rp| {
                    dir.get(rp)
                        .map(|a| (*rp, a.clone()))
                        .ok_or_else(|| EngineError::Internal(format!("provider {rp} has no actor")))
                })
                .collect::<Result<_, _>>()?
        };
        let token = self.prepare_all(&plan, &addrs).await?;
        let outcome = match self.inner.writer.write(plan.job).await {
            Ok(o) => o,
            Err(e) => {
                abort_all(&addrs, token);
                return Err(match e {
                    StoreError::Conflict(_) => EngineError::ConcurrentUpdate,
                    other => EngineError::Store(other),
                });
            }
        };
        let mut usage = Vec::with_capacity(addrs.len());
        for (rp, addr) in &addrs {
            let deltas: Vec<(i32, i64)> = plan.requests[rp]
                .iter()
                .filter(|r| r.delta != 0)
                .map(|r| (r.class, r.delta))
                .collect();
            addr.do_send(Commit {
                token,
                deltas: deltas.clone(),
            });
            usage.push((*rp, deltas));
        }
        let moves: BTreeMap<i32, i64> = plan.bump.iter().map(|rp| (*rp, 1)).collect();
        self.publish(&moves, usage, plan.at);
        self.apply_consumers(plan.after, outcome);
        Ok(())
    }

    /// Publishes the consumers a persisted claim produced.
    pub(super) fn apply_consumers(
        &self,
        after: Vec<(String, Option<ConsumerState>)>,
        outcome: Vec<Option<i32>>,
    ) {
        let mut ids = outcome.into_iter().flatten();
        let mut consumers = self.consumers_mut();
        for (uuid, state) in after {
            match state {
                Some(mut s) => {
                    s.id = ids.next().unwrap_or(s.id);
                    consumers.put(s);
                }
                None => {
                    consumers.remove(&uuid);
                }
            }
        }
    }

    /// Sends Prepare to each provider in id order. A refusal caused only by
    /// other claims in flight is retried after a short pause; any other
    /// refusal is the answer.
    async fn prepare_all(
        &self,
        plan: &Plan,
        addrs: &[(i32, Addr<ProviderActor>)],
    ) -> Result<Token, EngineError> {
        let deadline = Instant::now() + CONTENTION_WAIT;
        let mut pause = Duration::from_micros(200);
        loop {
            let token = self.inner.tokens.fetch_add(1, Ordering::Relaxed);
            let mut refused = None;
            for (i, (rp, addr)) in addrs.iter().enumerate() {
                let msg = Prepare {
                    token,
                    requests: plan.requests[rp].clone(),
                };
                match addr.send(msg).await {
                    Ok(Ok(())) => {}
                    Ok(Err(r)) => {
                        refused = Some((i, *rp, Some(r)));
                        break;
                    }
                    Err(_) => {
                        refused = Some((i, *rp, None));
                        break;
                    }
                }
            }
            let Some((sent, rp, refusal)) = refused else {
                return Ok(token);
            };
            abort_all(&addrs[..=sent], token);
            match refusal {
                Some(Refusal::Contended) if Instant::now() < deadline => {
                    // Jitter keeps retrying claims from moving in lockstep.
                    let jitter = Duration::from_micros(token % 97 * 10);
                    tokio::time::sleep(pause + jitter).await;
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Some(Refusal::Contended) => return Err(EngineError::Busy),
                Some(r) => return Err(self.refusal_error(rp, r)),
                None => {
                    return Err(EngineError::Internal(format!(
                        "provider {rp} did not answer"
                    )));
                }
            }
        }
    }

    pub(super) fn refusal_error(&self, rp: i32, r: Refusal) -> EngineError {
        let uuid = self
            .providers()
            .by_id(rp)
            .map(|p| p.uuid.clone())
            .unwrap_or_default();
        let class = |c: i32| {
            self.catalog()
                .classes
                .by_id(c)
                .map(|e| e.name.clone())
                .unwrap_or_else(|| c.to_string())
        };
        let text = match r {
            Refusal::NoInventory(c) => format!(
                "Inventory for '{}' on resource provider '{uuid}' invalid.",
                class(c)
            ),
            Refusal::Constraint(c) => format!(
                "Unable to create allocation for '{}' on resource provider '{uuid}'. The requested amount would violate inventory constraints.",
                class(c)
            ),
            Refusal::Capacity(c) => format!(
                "Unable to create allocation for '{}' on resource provider '{uuid}'. The requested amount would exceed the capacity.",
                class(c)
            ),
            Refusal::Contended => return EngineError::Busy,
        };
        EngineError::AllocationRefused(text)
    }

    /// Publishes committed usage and generation moves to the read model.
    /// Deltas, not snapshots: two claims on one provider may publish in
    /// either order and the read model still ends at the actors' totals.
    /// `moves`: how many generations each provider moves.
    pub(super) fn publish(
        &self,
        moves: &BTreeMap<i32, i64>,
        deltas: Vec<(i32, Vec<(i32, i64)>)>,
        at: chrono::NaiveDateTime,
    ) {
        let mut table = self.providers_mut();
        for (rp, changes) in deltas {
            if let Some(p) = table.by_id_mut(rp) {
                for (class, d) in changes {
                    let u = p.usage.entry(class).or_insert(0);
                    *u += d;
                    if *u == 0 {
                        p.usage.remove(&class);
                    }
                }
                if let Some(n) = moves.get(&rp) {
                    p.generation += n;
                    p.updated_at = Some(at);
                }
            }
        }
    }
}

/// Every claim's consumer generation against what is stored, in order.
fn check_generations(
    claims: &[ConsumerClaim],
    stored: &[Option<ConsumerState>],
) -> Result<(), EngineError> {
    for (c, stored) in claims.iter().zip(stored) {
        if let GenerationCheck::Expect(got) = c.generation {
            let stored = stored.as_ref().map(|s| s.generation);
            if stored != got {
                return Err(EngineError::ConsumerGenerationConflict {
                    expected: stored.map_or("null".into(), |g| g.to_string()),
                    got: got.map_or("None".into(), |g| g.to_string()),
                });
            }
        }
    }
    Ok(())
}

/// The first provider named that does not exist, before any other check
/// of the providers.
fn check_providers_exist(
    claims: &[ConsumerClaim],
    providers: &ProviderTable,
) -> Result<(), EngineError> {
    for c in claims {
        if let Some((rp, _)) = c
            .allocations
            .iter()
            .find(|(rp, _)| providers.get(rp).is_none())
        {
            return Err(EngineError::AllocationProviderNotFound(rp.clone()));
        }
    }
    Ok(())
}

enum ClassName {
    Id(i32),
    Name(String),
}

/// Per provider, one request per class touched: the new rows' amounts
/// (checked against the unit rules) and the change in usage.
fn requests_from(
    deltas: &BTreeMap<(i32, i32), i64>,
    amounts: &BTreeMap<(i32, i32), Vec<i64>>,
) -> BTreeMap<i32, Vec<ClassRequest>> {
    let mut out: BTreeMap<i32, Vec<ClassRequest>> = BTreeMap::new();
    let keys: BTreeSet<(i32, i32)> = deltas.keys().chain(amounts.keys()).copied().collect();
    for (rp, rc) in keys {
        out.entry(rp).or_default().push(ClassRequest {
            class: rc,
            amounts: amounts.get(&(rp, rc)).cloned().unwrap_or_default(),
            delta: deltas.get(&(rp, rc)).copied().unwrap_or(0),
        });
    }
    out
}

fn abort_all(addrs: &[(i32, Addr<ProviderActor>)], token: Token) {
    for (_, addr) in addrs {
        // Bounded by the claims in flight; Abort is idempotent.
        addr.do_send(Abort { token });
    }
}
