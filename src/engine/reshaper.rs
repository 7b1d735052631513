//! POST /reshaper: inventories and allocations moved across a tree in one
//! step. Every affected provider's actor is frozen (no claims in flight,
//! new ones wait), the checks run on the frozen ledgers, one transaction
//! persists it all, then the actors apply it and the freeze ends.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use actix::Addr;

use super::claims::{ConsumerClaim, Plan};
use super::ledger::{HoldRefusal, Ledger, Token};
use super::provider_actor::{Abort, ApplyReshape, Freeze, ProviderActor, ReadLedger};
use super::store_writer::WriteJob;
use super::{Engine, EngineError};
use crate::domain::inventory::Inventory;
use crate::store::StoreError;
use crate::store::allocations::ReshapeRecord;

/// A frozen provider's inventories and committed usage.
type Book = (BTreeMap<i32, Inventory>, BTreeMap<i32, i64>);

const FREEZE_WAIT: Duration = Duration::from_secs(20);

/// One provider's new inventories, fenced on its generation.
#[derive(Debug, Clone)]
pub struct ReshapeInventory {
    pub provider: String,
    pub generation: i64,
    /// (class name, record); the complete new set.
    pub inventories: Vec<(String, Inventory)>,
}

impl Engine {
    pub async fn reshape(
        &self,
        inventories: Vec<ReshapeInventory>,
        claims: Vec<ConsumerClaim>,
    ) -> Result<(), EngineError> {
        let engine = self.clone();
        self.on_engine(async move { engine.run_reshape(inventories, claims).await })
            .await
    }

    async fn run_reshape(
        &self,
        inventories: Vec<ReshapeInventory>,
        claims: Vec<ConsumerClaim>,
    ) -> Result<(), EngineError> {
        let _slot = self.admit().await?;
        let _w = self.inner.provider_writes.write().await;
        let mut targets: Vec<(i32, String)> = vec![];
        {
            let t = self.providers();
            for r in &inventories {
                let p = t
                    .get(&r.provider)
                    .ok_or_else(|| EngineError::ReshapeProviderNotFound(r.provider.clone()))?;
                if p.generation != r.generation {
                    return Err(EngineError::ReshapeGenerationConflict {
                        provider: r.provider.clone(),
                        actual: p.generation,
                        given: r.generation,
                    });
                }
                targets.push((p.id, p.uuid.clone()));
            }
        }
        let _locks = self
            .inner
            .consumer_locks
            .lock(claims.iter().map(|c| c.consumer.as_str()))
            .await;
        self.check_claims(&claims)?;
        let mut finals: BTreeMap<i32, BTreeMap<i32, Inventory>> = BTreeMap::new();
        for ((id, _), r) in targets.iter().zip(&inventories) {
            let mut set = BTreeMap::new();
            for (name, inv) in &r.inventories {
                let class = self
                    .resource_class(name)
                    .ok_or_else(|| EngineError::ClassNotFound(name.clone()))?;
                set.insert(class.id, *inv);
            }
            finals.insert(*id, set);
        }
        let plan = self.plan_claim(&claims, false)?;
        let mut affected: BTreeSet<i32> = finals.keys().copied().collect();
        affected.extend(plan.requests.keys());
        affected.extend(&plan.bump);
        let token = self.inner.tokens.fetch_add(1, Ordering::Relaxed);
        let frozen = self.freeze_all(&affected, token).await?;
        let result = self
            .reshape_frozen(&frozen, token, &targets, &finals, plan)
            .await;
        if result.is_err() {
            for (_, addr) in &frozen {
                addr.do_send(Abort { token });
            }
        }
        result
    }

    /// Freezes providers in id order, waiting while claims are in flight.
    async fn freeze_all(
        &self,
        ids: &BTreeSet<i32>,
        token: Token,
    ) -> Result<Vec<(i32, Addr<ProviderActor>)>, EngineError> {
        let addrs: Vec<(i32, Addr<ProviderActor>)> = {
            let dir = self.directory();
            ids.iter()
                .filter_map(|id| dir.get(id).map(|a| (*id, a.clone())))
                .collect()
        };
        let deadline = Instant::now() + FREEZE_WAIT;
        for (i, (id, addr)) in addrs.iter().enumerate() {
            let mut pause = Duration::from_micros(200);
            loop {
                let refused = match addr.send(Freeze { token }).await {
                    Ok(Ok(())) => break,
                    Ok(Err(HoldRefusal::Busy)) if Instant::now() < deadline => None,
                    Ok(Err(_)) => Some(EngineError::ConcurrentUpdate),
                    Err(e) => Some(EngineError::Internal(format!("provider {id}: {e}"))),
                };
                if let Some(err) = refused {
                    for (_, a) in &addrs[..i] {
                        a.do_send(Abort { token });
                    }
                    return Err(err);
                }
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(20));
            }
        }
        Ok(addrs)
    }

    async fn reshape_frozen(
        &self,
        frozen: &[(i32, Addr<ProviderActor>)],
        token: Token,
        targets: &[(i32, String)],
        finals: &BTreeMap<i32, BTreeMap<i32, Inventory>>,
        plan: Plan,
    ) -> Result<(), EngineError> {
        let mut books: BTreeMap<i32, Book> = BTreeMap::new();
        for (id, addr) in frozen {
            let book = addr
                .send(ReadLedger)
                .await
                .map_err(|e| EngineError::Internal(format!("provider {id}: {e}")))?;
            books.insert(*id, book);
        }
        // Allocations are checked against the interim inventories: the
        // current ones with the new records laid over them (upstream).
        let interim = |id: i32| -> BTreeMap<i32, Inventory> {
            let mut inv = books.get(&id).map(|b| b.0.clone()).unwrap_or_default();
            if let Some(new) = finals.get(&id)
                && !new.is_empty()
            {
                inv.extend(new.iter().map(|(c, i)| (*c, *i)));
            }
            inv
        };
        self.missing_inventory_check(&plan.rows, |rp, rc| interim(rp).contains_key(&rc))?;
        let now = Instant::now();
        for (rp, requests) in &plan.requests {
            let used = books.get(rp).map(|b| b.1.clone()).unwrap_or_default();
            let mut check = Ledger::new(interim(*rp), used);
            if let Err(r) = check.prepare(0, requests, now, Duration::from_secs(1)) {
                return Err(self.refusal_error(*rp, r));
            }
        }
        // Then each provider ends with exactly its new set; a class
        // dropped while still allocated after the move is refused.
        for (id, uuid) in targets {
            let after_usage = |rc: i32| {
                let used = books
                    .get(id)
                    .and_then(|b| b.1.get(&rc))
                    .copied()
                    .unwrap_or(0);
                let delta: i64 = plan
                    .requests
                    .get(id)
                    .into_iter()
                    .flatten()
                    .filter(|r| r.class == rc)
                    .map(|r| r.delta)
                    .sum();
                used + delta
            };
            let in_use: Vec<i32> = interim(*id)
                .keys()
                .filter(|rc| !finals[id].contains_key(rc) && after_usage(**rc) > 0)
                .copied()
                .collect();
            if !in_use.is_empty() {
                return Err(EngineError::InventoryInUse {
                    provider: uuid.clone(),
                    classes: in_use,
                });
            }
        }
        // Generations move as upstream's three steps move them: interim
        // inventory (when the new set is not empty), allocations, final inventory.
        let mut bumps: BTreeMap<i32, i32> = BTreeMap::new();
        for (id, set) in finals {
            *bumps.entry(*id).or_default() += if set.is_empty() { 1 } else { 2 };
        }
        for id in &plan.bump {
            *bumps.entry(*id).or_default() += 1;
        }
        let WriteJob::Claim(mut claim) = plan.job else {
            return Err(EngineError::Internal("reshape without a claim".into()));
        };
        claim.bump_providers.clear();
        let at = claim.at;
        let record = ReshapeRecord {
            inventories: finals
                .iter()
                .map(|(id, set)| (*id, set.iter().map(|(c, i)| (*c, *i)).collect()))
                .collect(),
            bumps: bumps.iter().map(|(id, n)| (*id, *n)).collect(),
            claim,
        };
        let outcome = self
            .inner
            .writer
            .write(WriteJob::Reshape(record))
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => EngineError::ConcurrentUpdate,
                other => EngineError::Store(other),
            })?;
        let mut usage = vec![];
        for (id, addr) in frozen {
            let deltas: Vec<(i32, i64)> = plan
                .requests
                .get(id)
                .into_iter()
                .flatten()
                .filter(|r| r.delta != 0)
                .map(|r| (r.class, r.delta))
                .collect();
            let msg = ApplyReshape {
                token,
                inventories: finals.get(id).cloned(),
                deltas: deltas.clone(),
            };
            addr.send(msg)
                .await
                .map_err(|e| EngineError::Internal(format!("provider {id}: {e}")))?;
            usage.push((*id, deltas));
        }
        {
            let mut t = self.providers_mut();
            for (id, set) in finals {
                if let Some(p) = t.by_id_mut(*id) {
                    let list: Vec<(i32, Inventory)> = set.iter().map(|(c, i)| (*c, *i)).collect();
                    p.replace_inventories(&list, at);
                }
            }
        }
        // Usage as deltas: a claim committed just before the freeze may
        // still be publishing.
        let moves: BTreeMap<i32, i64> = bumps.iter().map(|(id, n)| (*id, i64::from(*n))).collect();
        self.publish(&moves, usage, at);
        self.apply_consumers(plan.after, outcome);
        Ok(())
    }
}
