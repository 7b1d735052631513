//! The closing invariant check, from the server's own answers: no provider
//! is over capacity, and every usage equals the sum of the allocations.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::client::{Client, Kind};
use super::error::LoadError;
use super::stats::{Live, Recorder};

#[derive(Clone, Debug, PartialEq)]
pub struct Inventory {
    pub total: u64,
    pub reserved: u64,
    pub allocation_ratio: f64,
}

impl Inventory {
    /// Placement's capacity: int((total - reserved) * allocation_ratio).
    pub fn capacity(&self) -> u64 {
        (self.total.saturating_sub(self.reserved) as f64 * self.allocation_ratio).floor() as u64
    }
}

/// What the server says about one provider.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    pub provider: Uuid,
    pub inventories: BTreeMap<String, Inventory>,
    pub usages: BTreeMap<String, u64>,
    /// consumer → class → amount
    pub allocations: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Violation {
    OverCapacity {
        provider: Uuid,
        class: String,
        usage: u64,
        capacity: u64,
    },
    UsageMismatch {
        provider: Uuid,
        class: String,
        usage: u64,
        allocated: u64,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::OverCapacity {
                provider,
                class,
                usage,
                capacity,
            } => write!(
                f,
                "{provider} {class}: usage {usage} exceeds capacity {capacity}"
            ),
            Violation::UsageMismatch {
                provider,
                class,
                usage,
                allocated,
            } => write!(
                f,
                "{provider} {class}: usage {usage} but allocations sum to {allocated}"
            ),
        }
    }
}

/// Check one provider's snapshot. A class with usage but no inventory has
/// capacity 0, so it shows up as over capacity.
pub fn check_snapshot(s: &Snapshot) -> Vec<Violation> {
    let mut allocated: BTreeMap<&str, u64> = BTreeMap::new();
    for resources in s.allocations.values() {
        for (class, amount) in resources {
            *allocated.entry(class).or_default() += amount;
        }
    }
    let mut classes: Vec<&str> = s.usages.keys().map(String::as_str).collect();
    classes.extend(allocated.keys().copied());
    classes.sort_unstable();
    classes.dedup();
    let mut out = Vec::new();
    for class in classes {
        let usage = s.usages.get(class).copied().unwrap_or(0);
        let summed = allocated.get(class).copied().unwrap_or(0);
        if usage != summed {
            out.push(Violation::UsageMismatch {
                provider: s.provider,
                class: class.to_string(),
                usage,
                allocated: summed,
            });
        }
        let capacity = s.inventories.get(class).map_or(0, Inventory::capacity);
        if usage > capacity {
            out.push(Violation::OverCapacity {
                provider: s.provider,
                class: class.to_string(),
                usage,
                capacity,
            });
        }
    }
    out
}

/// The result of the check over all of a run's providers.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CheckReport {
    pub providers: usize,
    /// Distinct consumers (one spanning a tree is counted once).
    pub consumers: usize,
    #[serde(skip)]
    consumer_ids: BTreeSet<String>,
    pub usage_by_class: BTreeMap<String, u64>,
    pub capacity_by_class: BTreeMap<String, u64>,
    pub violations: Vec<Violation>,
}

impl CheckReport {
    pub fn passed(&self) -> bool {
        self.violations.is_empty()
    }

    pub fn add(&mut self, s: &Snapshot) {
        self.providers += 1;
        self.consumer_ids.extend(s.allocations.keys().cloned());
        self.consumers = self.consumer_ids.len();
        for (class, usage) in &s.usages {
            *self.usage_by_class.entry(class.clone()).or_default() += usage;
        }
        for (class, inv) in &s.inventories {
            *self.capacity_by_class.entry(class.clone()).or_default() += inv.capacity();
        }
        self.violations.extend(check_snapshot(s));
    }
}

fn bad(what: &str, body: &Value) -> LoadError {
    LoadError::Response {
        what: what.to_string(),
        detail: format!("unexpected body {body}"),
    }
}

fn object<'a>(
    body: &'a Value,
    key: &str,
    what: &str,
) -> Result<&'a serde_json::Map<String, Value>, LoadError> {
    body.get(key)
        .and_then(Value::as_object)
        .ok_or_else(|| bad(what, body))
}

fn amounts(
    map: &serde_json::Map<String, Value>,
    what: &str,
) -> Result<BTreeMap<String, u64>, LoadError> {
    map.iter()
        .map(|(k, v)| {
            v.as_u64()
                .map(|n| (k.clone(), n))
                .ok_or_else(|| bad(what, v))
        })
        .collect()
}

/// Parse the three GET bodies of a provider into a snapshot.
pub fn parse_snapshot(
    provider: Uuid,
    inventories: &Value,
    usages: &Value,
    allocations: &Value,
) -> Result<Snapshot, LoadError> {
    let mut snap = Snapshot {
        provider,
        ..Snapshot::default()
    };
    for (class, inv) in object(inventories, "inventories", "inventories")? {
        let field = |k: &str| inv.get(k).ok_or_else(|| bad("inventories", inv));
        snap.inventories.insert(
            class.clone(),
            Inventory {
                total: field("total")?
                    .as_u64()
                    .ok_or_else(|| bad("inventories", inv))?,
                reserved: field("reserved")?
                    .as_u64()
                    .ok_or_else(|| bad("inventories", inv))?,
                allocation_ratio: field("allocation_ratio")?
                    .as_f64()
                    .ok_or_else(|| bad("inventories", inv))?,
            },
        );
    }
    snap.usages = amounts(object(usages, "usages", "usages")?, "usages")?;
    for (consumer, alloc) in object(allocations, "allocations", "allocations")? {
        let resources = object(alloc, "resources", "allocations")?;
        snap.allocations
            .insert(consumer.clone(), amounts(resources, "allocations")?);
    }
    Ok(snap)
}

async fn fetch(client: &Client, rec: &mut Recorder, provider: Uuid) -> Result<Snapshot, LoadError> {
    let mut bodies = Vec::new();
    for part in ["inventories", "usages", "allocations"] {
        let path = format!("/resource_providers/{provider}/{part}");
        let reply = client
            .call(rec, Kind::GetAllocations, Method::GET, &path, None)
            .await?
            .expect_success(&Method::GET, &path)?;
        bodies.push(reply.body);
    }
    parse_snapshot(provider, &bodies[0], &bodies[1], &bodies[2])
}

/// Fetch and check every provider with `concurrency` workers. The requests
/// are not part of the measured phases.
pub async fn check(
    client: &Client,
    providers: Vec<Uuid>,
    concurrency: usize,
) -> Result<CheckReport, LoadError> {
    let providers = Arc::new(providers);
    let next = Arc::new(AtomicUsize::new(0));
    let live = Arc::new(Live::default());
    let epoch = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, providers, next) = (client.clone(), providers.clone(), next.clone());
        let mut rec = Recorder::new(epoch, live.clone());
        tasks.push(tokio::spawn(async move {
            let mut snaps = Vec::new();
            while let Some(p) = providers.get(next.fetch_add(1, Ordering::Relaxed)) {
                snaps.push(fetch(&client, &mut rec, *p).await?);
            }
            Ok::<_, LoadError>(snaps)
        }));
    }
    let mut report = CheckReport::default();
    for task in tasks {
        let snaps = task.await.map_err(|e| LoadError::Response {
            what: "check worker".into(),
            detail: e.to_string(),
        })??;
        for s in &snaps {
            report.add(s);
        }
    }
    Ok(report)
}
