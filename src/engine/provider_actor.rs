//! `ProviderActor`: the actix shell around one provider's `Ledger`. Every
//! handler decides synchronously and never waits on another actor, so
//! claims over several providers cannot deadlock; the coordinator does all
//! the awaiting. Expired reservations are released by one periodic sweep.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use actix::{Actor, ActorContext, AsyncContext, Context, Handler, Message};

use super::ledger::{ClassRequest, HoldRefusal, Ledger, Refusal, Token};
use crate::domain::inventory::Inventory;

/// How long a prepared reservation or an inventory hold may stay open.
pub const RESERVATION_TTL: Duration = Duration::from_secs(60);
const SWEEP_EVERY: Duration = Duration::from_secs(1);
const MAILBOX: usize = 1024;

pub struct ProviderActor {
    ledger: Ledger,
}

impl ProviderActor {
    pub fn new(ledger: Ledger) -> Self {
        ProviderActor { ledger }
    }
}

impl Actor for ProviderActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        ctx.set_mailbox_capacity(MAILBOX);
        ctx.run_interval(SWEEP_EVERY, |actor, _| {
            let n = actor.ledger.expire(Instant::now());
            if n > 0 {
                log::warn!("released {n} expired reservation(s)");
            }
        });
    }
}

/// Phase one: check and reserve this provider's part of a claim.
#[derive(Message)]
#[rtype(result = "Result<(), Refusal>")]
pub struct Prepare {
    pub token: Token,
    pub requests: Vec<ClassRequest>,
}

/// Phase two after a durable persist: pending becomes used. Sent without
/// waiting for a reply: the mailbox is FIFO, so every later message to the
/// provider sees the commit.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Commit {
    pub token: Token,
    pub deltas: Vec<(i32, i64)>,
}

/// Releases a reservation or hold; idempotent.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Abort {
    pub token: Token,
}

/// Starts an inventory replacement keeping `keep` (None: delete provider).
#[derive(Message)]
#[rtype(result = "Result<(), HoldRefusal>")]
pub struct HoldInventory {
    pub token: Token,
    pub keep: Option<BTreeSet<i32>>,
}

/// Finishes a held inventory replacement after it was persisted.
#[derive(Message)]
#[rtype(result = "()")]
pub struct ApplyInventories {
    pub token: Token,
    pub inventories: BTreeMap<i32, Inventory>,
}

/// Freezes the provider for a reshape (no claims until applied or aborted).
#[derive(Message)]
#[rtype(result = "Result<(), HoldRefusal>")]
pub struct Freeze {
    pub token: Token,
}

/// The ledger's inventories and committed usage.
#[derive(Message)]
#[rtype(result = "(BTreeMap<i32, Inventory>, BTreeMap<i32, i64>)")]
pub struct ReadLedger;

/// Applies a persisted reshape and releases the freeze; returns usage.
#[derive(Message)]
#[rtype(result = "BTreeMap<i32, i64>")]
pub struct ApplyReshape {
    pub token: Token,
    pub inventories: Option<BTreeMap<i32, Inventory>>,
    pub deltas: Vec<(i32, i64)>,
}

impl Handler<Freeze> for ProviderActor {
    type Result = Result<(), HoldRefusal>;
    fn handle(&mut self, m: Freeze, _: &mut Context<Self>) -> Self::Result {
        self.ledger.freeze(m.token, Instant::now(), RESERVATION_TTL)
    }
}

impl Handler<ReadLedger> for ProviderActor {
    type Result = actix::MessageResult<ReadLedger>;
    fn handle(&mut self, _: ReadLedger, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult((
            self.ledger.inventories().clone(),
            self.ledger.usage().clone(),
        ))
    }
}

impl Handler<ApplyReshape> for ProviderActor {
    type Result = actix::MessageResult<ApplyReshape>;
    fn handle(&mut self, m: ApplyReshape, _: &mut Context<Self>) -> Self::Result {
        self.ledger.apply_reshape(m.token, m.inventories, &m.deltas);
        actix::MessageResult(self.ledger.usage().clone())
    }
}

/// Stops the actor (its provider was deleted).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Stop;

impl Handler<Stop> for ProviderActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Committed usage, for checks and tests.
#[derive(Message)]
#[rtype(result = "(BTreeMap<i32, i64>, usize)")]
pub struct ReadUsage;

impl Handler<Prepare> for ProviderActor {
    type Result = Result<(), Refusal>;
    fn handle(&mut self, m: Prepare, _: &mut Context<Self>) -> Self::Result {
        self.ledger
            .prepare(m.token, &m.requests, Instant::now(), RESERVATION_TTL)
    }
}

impl Handler<Commit> for ProviderActor {
    type Result = ();
    fn handle(&mut self, m: Commit, _: &mut Context<Self>) {
        self.ledger.commit(m.token, &m.deltas);
    }
}

impl Handler<Abort> for ProviderActor {
    type Result = ();
    fn handle(&mut self, m: Abort, _: &mut Context<Self>) {
        self.ledger.abort(m.token);
    }
}

impl Handler<HoldInventory> for ProviderActor {
    type Result = Result<(), HoldRefusal>;
    fn handle(&mut self, m: HoldInventory, _: &mut Context<Self>) -> Self::Result {
        self.ledger
            .hold(m.token, m.keep.as_ref(), Instant::now(), RESERVATION_TTL)
    }
}

impl Handler<ApplyInventories> for ProviderActor {
    type Result = ();
    fn handle(&mut self, m: ApplyInventories, _: &mut Context<Self>) {
        self.ledger.apply_inventories(m.token, m.inventories);
    }
}

impl Handler<ReadUsage> for ProviderActor {
    type Result = actix::MessageResult<ReadUsage>;
    fn handle(&mut self, _: ReadUsage, _: &mut Context<Self>) -> Self::Result {
        actix::MessageResult((self.ledger.usage().clone(), self.ledger.pending_count()))
    }
}
