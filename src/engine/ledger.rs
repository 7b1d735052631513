//! `Ledger`: one provider's capacity book as a plain struct (no actix, no
//! I/O): inventories, committed usage, and the pending reservations of
//! claims in flight. It is the only place where capacity is decided; the
//! `ProviderActor` is a thin shell around it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::domain::inventory::Inventory;

/// Identifies one claim (or one inventory change) across its phases.
pub type Token = u64;

/// What a claim asks of one resource class on this provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassRequest {
    pub class: i32,
    /// The new allocation rows' amounts (each checked against min/max/step).
    pub amounts: Vec<i64>,
    /// Change of this provider's usage of the class if the claim commits.
    pub delta: i64,
}

/// Why a prepare was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No inventory for a requested class.
    NoInventory(i32),
    /// An amount breaks min_unit, max_unit or step_size.
    Constraint(i32),
    /// Committed usage leaves no room.
    Capacity(i32),
    /// It would fit but for other claims in flight or an inventory change
    /// in progress: worth retrying shortly.
    Contended,
}

/// Why an inventory change or a provider delete cannot start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldRefusal {
    /// These classes would be removed while allocated (or claimed).
    InUse(Vec<i32>),
    /// Another change or a claim in flight touches the classes; retry.
    Busy,
}

#[derive(Debug, Clone)]
struct Reservation {
    deltas: Vec<(i32, i64)>,
    deadline: Instant,
}

#[derive(Debug, Clone)]
struct Hold {
    token: Token,
    deadline: Instant,
}

#[derive(Debug, Clone, Default)]
pub struct Ledger {
    inventories: BTreeMap<i32, Inventory>,
    used: BTreeMap<i32, i64>,
    pending: HashMap<Token, Reservation>,
    hold: Option<Hold>,
}

impl Ledger {
    pub fn new(inventories: BTreeMap<i32, Inventory>, used: BTreeMap<i32, i64>) -> Self {
        Ledger {
            inventories,
            used,
            ..Ledger::default()
        }
    }

    pub fn used(&self, class: i32) -> i64 {
        self.used.get(&class).copied().unwrap_or(0)
    }

    pub fn usage(&self) -> &BTreeMap<i32, i64> {
        &self.used
    }

    pub fn inventories(&self) -> &BTreeMap<i32, Inventory> {
        &self.inventories
    }

    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Units of `class` that other claims in flight may take.
    fn pending_take(&self, class: i32) -> i64 {
        self.pending
            .values()
            .flat_map(|r| r.deltas.iter())
            .filter(|(c, d)| *c == class && *d > 0)
            .map(|(_, d)| d)
            .sum()
    }

    /// Checks a claim's part on this provider and reserves it, or refuses.
    /// A claim that makes no class worse (delta ≤ 0) is allowed even when
    /// the provider is already over capacity, as upstream allows; that
    /// judgement uses committed usage only.
    pub fn prepare(
        &mut self,
        token: Token,
        requests: &[ClassRequest],
        now: Instant,
        ttl: Duration,
    ) -> Result<(), Refusal> {
        if self.pending.contains_key(&token) {
            return Ok(());
        }
        let mut contended = self.hold.is_some();
        for r in requests {
            if r.amounts.is_empty() && r.delta <= 0 {
                continue;
            }
            let Some(inv) = self.inventories.get(&r.class) else {
                return Err(Refusal::NoInventory(r.class));
            };
            let units_ok = |a: &i64| {
                *a >= inv.min_unit
                    && *a <= inv.max_unit
                    && inv.step_size > 0
                    && a % inv.step_size == 0
            };
            if !r.amounts.iter().all(units_ok) {
                return Err(Refusal::Constraint(r.class));
            }
            if r.delta <= 0 {
                continue;
            }
            let after = self.used(r.class) + r.delta;
            let capacity = inv.capacity();
            if after as f64 > capacity {
                return Err(Refusal::Capacity(r.class));
            }
            if (after + self.pending_take(r.class)) as f64 > capacity {
                contended = true;
            }
        }
        if contended {
            return Err(Refusal::Contended);
        }
        let deltas = requests
            .iter()
            .filter(|r| r.delta != 0)
            .map(|r| (r.class, r.delta))
            .collect();
        self.pending.insert(
            token,
            Reservation {
                deltas,
                deadline: now + ttl,
            },
        );
        Ok(())
    }

    /// Applies a persisted claim's deltas. They travel with the commit so
    /// usage follows the database even if the reservation already expired.
    pub fn commit(&mut self, token: Token, deltas: &[(i32, i64)]) {
        self.pending.remove(&token);
        for (class, d) in deltas {
            let u = self.used.entry(*class).or_insert(0);
            *u = (*u + d).max(0);
            if *u == 0 {
                self.used.remove(class);
            }
        }
    }

    /// Releases a reservation; unknown tokens are ignored (abort is idempotent).
    pub fn abort(&mut self, token: Token) {
        self.pending.remove(&token);
        if self.hold.as_ref().is_some_and(|h| h.token == token) {
            self.hold = None;
        }
    }

    /// Drops reservations and holds whose deadline passed; returns how many.
    pub fn expire(&mut self, now: Instant) -> usize {
        let before = self.pending.len();
        self.pending.retain(|_, r| r.deadline > now);
        let mut n = before - self.pending.len();
        if self.hold.as_ref().is_some_and(|h| h.deadline <= now) {
            self.hold = None;
            n += 1;
        }
        n
    }

    /// Starts an inventory change that keeps only `keep` (None: the
    /// provider is being deleted). While held, claims are told to retry.
    pub fn hold(
        &mut self,
        token: Token,
        keep: Option<&BTreeSet<i32>>,
        now: Instant,
        ttl: Duration,
    ) -> Result<(), HoldRefusal> {
        let removed = |c: &i32| keep.is_none_or(|k| !k.contains(c));
        let in_use: Vec<i32> = self
            .used
            .iter()
            .filter(|(c, u)| **u > 0 && removed(c))
            .map(|(c, _)| *c)
            .collect();
        if !in_use.is_empty() {
            return Err(HoldRefusal::InUse(in_use));
        }
        if self.hold.is_some() || !self.pending.is_empty() {
            return Err(HoldRefusal::Busy);
        }
        self.hold = Some(Hold {
            token,
            deadline: now + ttl,
        });
        Ok(())
    }

    /// Holds the provider for a reshape: like `hold` but the caller checks
    /// in-use classes itself, since allocations move in the same change.
    pub fn freeze(&mut self, token: Token, now: Instant, ttl: Duration) -> Result<(), HoldRefusal> {
        if self.hold.is_some() || !self.pending.is_empty() {
            return Err(HoldRefusal::Busy);
        }
        self.hold = Some(Hold {
            token,
            deadline: now + ttl,
        });
        Ok(())
    }

    /// Finishes a reshape: new inventories (None keeps them), usage deltas,
    /// and the hold released.
    pub fn apply_reshape(
        &mut self,
        token: Token,
        inventories: Option<BTreeMap<i32, Inventory>>,
        deltas: &[(i32, i64)],
    ) {
        if let Some(inv) = inventories {
            self.inventories = inv;
        }
        self.commit(token, deltas);
        if self.hold.as_ref().is_some_and(|h| h.token == token) {
            self.hold = None;
        }
    }

    /// Finishes a held inventory change with the persisted inventories.
    pub fn apply_inventories(&mut self, token: Token, inventories: BTreeMap<i32, Inventory>) {
        if self.hold.as_ref().is_some_and(|h| h.token == token) {
            self.hold = None;
        }
        self.inventories = inventories;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(30);

    fn ledger(total: i64, used: i64) -> Ledger {
        Ledger::new(
            BTreeMap::from([(0, Inventory::with_total(total))]),
            BTreeMap::from([(0, used)]),
        )
    }

    fn take(n: i64) -> Vec<ClassRequest> {
        vec![ClassRequest {
            class: 0,
            amounts: vec![n],
            delta: n,
        }]
    }

    #[test]
    fn reserves_then_commits() {
        let now = Instant::now();
        let mut l = ledger(10, 4);
        l.prepare(1, &take(6), now, TTL).unwrap();
        assert_eq!(l.used(0), 4, "pending is not used yet");
        l.commit(1, &[(0, 6)]);
        assert_eq!(l.used(0), 10);
        assert_eq!(l.prepare(2, &take(1), now, TTL), Err(Refusal::Capacity(0)));
    }

    #[test]
    fn pending_claims_make_others_retry_not_fail() {
        let now = Instant::now();
        let mut l = ledger(10, 0);
        l.prepare(1, &take(6), now, TTL).unwrap();
        assert_eq!(l.prepare(2, &take(6), now, TTL), Err(Refusal::Contended));
        l.abort(1);
        l.prepare(2, &take(6), now, TTL).unwrap();
    }

    #[test]
    fn expiry_releases_reservations() {
        let now = Instant::now();
        let mut l = ledger(10, 0);
        l.prepare(1, &take(10), now, TTL).unwrap();
        assert_eq!(l.expire(now + TTL / 2), 0);
        assert_eq!(l.expire(now + TTL), 1);
        l.prepare(2, &take(10), now + TTL, TTL).unwrap();
    }

    #[test]
    fn unit_rules_and_missing_inventory() {
        let now = Instant::now();
        let mut l = Ledger::new(
            BTreeMap::from([(
                0,
                Inventory {
                    step_size: 2,
                    max_unit: 4,
                    ..Inventory::with_total(10)
                },
            )]),
            BTreeMap::new(),
        );
        assert_eq!(
            l.prepare(1, &take(3), now, TTL),
            Err(Refusal::Constraint(0))
        );
        assert_eq!(
            l.prepare(1, &take(6), now, TTL),
            Err(Refusal::Constraint(0))
        );
        let other = [ClassRequest {
            class: 7,
            amounts: vec![1],
            delta: 1,
        }];
        assert_eq!(l.prepare(1, &other, now, TTL), Err(Refusal::NoInventory(7)));
        l.prepare(1, &take(4), now, TTL).unwrap();
    }

    #[test]
    fn over_capacity_provider_accepts_claims_that_do_not_worsen_it() {
        let now = Instant::now();
        // Inventory shrank below usage: 12 used of 8.
        let mut l = ledger(8, 12);
        let shrink = [ClassRequest {
            class: 0,
            amounts: vec![2],
            delta: -1,
        }];
        l.prepare(1, &shrink, now, TTL).unwrap();
        assert_eq!(l.prepare(2, &take(1), now, TTL), Err(Refusal::Capacity(0)));
    }

    #[test]
    fn holds_block_claims_and_refuse_removing_used_classes() {
        let now = Instant::now();
        let mut l = ledger(10, 2);
        assert_eq!(
            l.hold(9, Some(&BTreeSet::new()), now, TTL),
            Err(HoldRefusal::InUse(vec![0]))
        );
        l.hold(9, Some(&BTreeSet::from([0])), now, TTL).unwrap();
        assert_eq!(l.prepare(1, &take(1), now, TTL), Err(Refusal::Contended));
        l.apply_inventories(9, BTreeMap::from([(0, Inventory::with_total(20))]));
        l.prepare(1, &take(18), now, TTL).unwrap();
        assert_eq!(
            l.hold(10, Some(&BTreeSet::from([0])), now, TTL),
            Err(HoldRefusal::Busy)
        );
    }

    #[test]
    fn commit_and_abort_are_idempotent() {
        let now = Instant::now();
        let mut l = ledger(10, 0);
        l.prepare(1, &take(5), now, TTL).unwrap();
        l.abort(1);
        l.abort(1);
        assert_eq!(l.pending_count(), 0);
        l.prepare(2, &take(5), now, TTL).unwrap();
        l.prepare(2, &take(5), now, TTL).unwrap();
        assert_eq!(l.pending_count(), 1);
    }
}

/// Random interleavings of prepare, commit, abort and expiry across a few
/// providers, as a coordinator would drive them, checked against a plain
/// model of committed claims.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    const PROVIDERS: usize = 3;
    const TOTAL: i64 = 10;

    #[derive(Debug, Clone)]
    enum Op {
        /// Start a claim taking (provider, amount) pairs; amount < 0 releases
        /// part of what earlier committed claims took.
        Begin(Vec<(usize, i64)>),
        /// Prepare the next provider of a claim in flight.
        Step(usize),
        /// Commit a fully prepared claim (after the persist succeeded).
        Commit(usize),
        Abort(usize),
        /// Time passes by this many seconds (reservations may expire).
        Tick(u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            prop::collection::vec((0..PROVIDERS, -3i64..=4), 1..=3).prop_map(Op::Begin),
            (0usize..8).prop_map(Op::Step),
            (0usize..8).prop_map(Op::Commit),
            (0usize..8).prop_map(Op::Abort),
            (0u64..40).prop_map(Op::Tick),
        ]
    }

    struct Claim {
        token: Token,
        parts: Vec<(usize, i64)>,
        prepared: usize,
        started: Instant,
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn no_oversubscription_and_usage_is_the_committed_sum(ops in prop::collection::vec(op(), 1..120)) {
            let start = Instant::now();
            let mut now = start;
            let ttl = Duration::from_secs(60);
            let mut ledgers: Vec<Ledger> = (0..PROVIDERS)
                .map(|_| Ledger::new(BTreeMap::from([(0, Inventory::with_total(TOTAL))]), BTreeMap::new()))
                .collect();
            let mut committed = [0i64; PROVIDERS];
            let mut claims: Vec<Claim> = vec![];
            let mut next: Token = 1;
            for op in ops {
                match op {
                    Op::Begin(parts) => {
                        // One part per provider, sorted as the coordinator sends them;
                        // releases never exceed what is committed and not already
                        // being released by a claim in flight (a consumer releases
                        // only its own allocations, one claim at a time).
                        let mut merged: BTreeMap<usize, i64> = BTreeMap::new();
                        for (p, d) in parts { *merged.entry(p).or_default() += d; }
                        let releasing = |p: usize| -> i64 {
                            claims.iter().flat_map(|c| c.parts.iter())
                                .filter(|(q, d)| *q == p && *d < 0).map(|(_, d)| -d).sum()
                        };
                        let parts: Vec<(usize, i64)> = merged
                            .into_iter()
                            .map(|(p, d)| (p, d.max(-(committed[p] - releasing(p)).max(0))))
                            .filter(|(_, d)| *d != 0)
                            .collect();
                        if !parts.is_empty() {
                            claims.push(Claim { token: next, parts, prepared: 0, started: now });
                            next += 1;
                        }
                    }
                    Op::Step(i) if !claims.is_empty() => {
                        let i = i % claims.len();
                        let c = &mut claims[i];
                        if c.prepared == c.parts.len() { continue; }
                        let (p, d) = c.parts[c.prepared];
                        let req = [ClassRequest { class: 0, amounts: if d > 0 { vec![d] } else { vec![] }, delta: d }];
                        let pending_before: i64 = ledgers[p].pending_take(0);
                        match ledgers[p].prepare(c.token, &req, now, ttl) {
                            Ok(()) => {
                                prop_assert!(d <= 0 || committed[p] + pending_before + d <= TOTAL);
                                c.prepared += 1;
                            }
                            Err(Refusal::Capacity(_)) => {
                                prop_assert!(d > 0 && committed[p] + d > TOTAL, "refused while it fit");
                                let c = claims.remove(i);
                                for (q, _) in &c.parts[..c.prepared] { ledgers[*q].abort(c.token); }
                            }
                            Err(Refusal::Contended) => {
                                prop_assert!(pending_before > 0, "contended with nothing pending");
                                let c = claims.remove(i);
                                for (q, _) in &c.parts[..c.prepared] { ledgers[*q].abort(c.token); }
                            }
                            Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
                        }
                    }
                    Op::Commit(i) if !claims.is_empty() => {
                        let i = i % claims.len();
                        if claims[i].prepared < claims[i].parts.len() { continue; }
                        let c = claims.remove(i);
                        // The coordinator commits only what it persisted, and
                        // persists only within the reservation's lifetime.
                        if now.duration_since(c.started) >= ttl {
                            for (q, _) in &c.parts { ledgers[*q].abort(c.token); }
                            continue;
                        }
                        for (p, d) in &c.parts {
                            ledgers[*p].commit(c.token, &[(0, *d)]);
                            committed[*p] += d;
                        }
                    }
                    Op::Abort(i) if !claims.is_empty() => {
                        let i = i % claims.len();
                        let c = claims.remove(i);
                        for (q, _) in &c.parts[..c.prepared] { ledgers[*q].abort(c.token); }
                    }
                    Op::Tick(s) => {
                        now += Duration::from_secs(s);
                        for l in &mut ledgers { l.expire(now); }
                    }
                    _ => {}
                }
                for (p, l) in ledgers.iter().enumerate() {
                    prop_assert_eq!(l.used(0), committed[p]);
                    prop_assert!(l.used(0) <= TOTAL, "provider {} oversubscribed", p);
                    // Everything reserved would still fit if it all committed.
                    prop_assert!(l.used(0) + l.pending_take(0) <= TOTAL);
                }
            }
        }
    }
}
