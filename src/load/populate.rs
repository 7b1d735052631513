//! Populate phase: plan a run-unique set of provider trees, then create them
//! over HTTP with a bounded number of concurrent workers.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::ProgressBar;
use reqwest::Method;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::LoadOptions;
use super::client::{Client, Kind};
use super::error::LoadError;
use super::stats::{Live, Recorder, Stats};

#[derive(Clone, Debug, PartialEq)]
pub struct InventorySpec {
    pub class: String,
    pub total: u64,
    pub reserved: u64,
    pub allocation_ratio: f64,
}

#[derive(Clone, Debug)]
pub struct ProviderPlan {
    pub uuid: Uuid,
    pub name: String,
    pub parent: Option<Uuid>,
    pub inventory: Vec<InventorySpec>,
    pub aggregates: Vec<Uuid>,
    pub traits: Vec<String>,
}

/// What a run creates. Names and aggregate uuids are unique to the run, so
/// runs can be repeated against the same server without clashing.
#[derive(Clone, Debug)]
pub struct Layout {
    pub prefix: String,
    pub aggregates: Vec<Uuid>,
    pub custom_traits: Vec<String>,
    /// One tree per compute node, root first, children after their parent.
    pub trees: Vec<Vec<ProviderPlan>>,
}

impl Layout {
    pub fn providers(&self) -> impl Iterator<Item = &ProviderPlan> {
        self.trees.iter().flatten()
    }

    pub fn provider_uuids(&self) -> Vec<Uuid> {
        self.providers().map(|p| p.uuid).collect()
    }
}

/// A custom trait name derived from the run prefix (CUSTOM_[A-Z0-9_]+).
pub fn custom_trait_name(prefix: &str, i: usize) -> String {
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("CUSTOM_{clean}_{i}")
}

fn inv(class: &str, total: u64, reserved: u64, ratio: f64) -> InventorySpec {
    InventorySpec {
        class: class.to_string(),
        total,
        reserved,
        allocation_ratio: ratio,
    }
}

/// Plan the trees. Compute node i gets aggregate i mod A and custom trait
/// i mod T; every provider of a tree carries the tree's aggregates and traits
/// so member_of and required match whichever provider a candidate uses.
pub fn plan(opts: &LoadOptions, prefix: &str) -> Layout {
    let aggregates: Vec<Uuid> = (0..opts.aggregates).map(|_| Uuid::new_v4()).collect();
    let custom_traits: Vec<String> = (0..opts.custom_traits)
        .map(|i| custom_trait_name(prefix, i))
        .collect();
    let numa = u64::from(opts.numa_nodes);
    let trees = (0..opts.providers)
        .map(|i| {
            let aggs: Vec<Uuid> = aggregates
                .get(i % aggregates.len().max(1))
                .copied()
                .into_iter()
                .collect();
            let mut traits = opts.traits.clone();
            if !custom_traits.is_empty() {
                traits.push(custom_traits[i % custom_traits.len()].clone());
            }
            let node = |name: String, parent, inventory| ProviderPlan {
                uuid: Uuid::new_v4(),
                name,
                parent,
                inventory,
                aggregates: aggs.clone(),
                traits: traits.clone(),
            };
            let root_name = format!("{prefix}-cn-{i}");
            let compute = [
                inv("VCPU", opts.vcpus, 0, opts.cpu_allocation_ratio),
                inv(
                    "MEMORY_MB",
                    opts.memory_mb,
                    opts.memory_reserved_mb,
                    opts.ram_allocation_ratio,
                ),
            ];
            let disk = inv("DISK_GB", opts.disk_gb, 0, opts.disk_allocation_ratio);
            let root_inventory = if numa == 0 {
                let mut v = compute.to_vec();
                v.push(disk);
                v
            } else {
                vec![disk]
            };
            let root = node(root_name.clone(), None, root_inventory);
            let root_uuid = root.uuid;
            let mut tree = vec![root];
            // NUMA cells split CPU and memory evenly; the root keeps the disk.
            for n in 0..numa {
                tree.push(node(
                    format!("{root_name}-numa{n}"),
                    Some(root_uuid),
                    compute
                        .iter()
                        .map(|c| {
                            inv(
                                &c.class,
                                c.total / numa,
                                c.reserved / numa,
                                c.allocation_ratio,
                            )
                        })
                        .collect(),
                ));
            }
            for p in 0..opts.pfs {
                tree.push(node(
                    format!("{root_name}-pf{p}"),
                    Some(root_uuid),
                    vec![inv("SRIOV_NET_VF", opts.vfs_per_pf, 0, 1.0)],
                ));
            }
            tree
        })
        .collect();
    Layout {
        prefix: prefix.to_string(),
        aggregates,
        custom_traits,
        trees,
    }
}

fn generation_of(body: &Value, what: &str) -> Result<u64, LoadError> {
    body.get("resource_provider_generation")
        .and_then(Value::as_u64)
        .ok_or_else(|| LoadError::Response {
            what: what.to_string(),
            detail: format!("no resource_provider_generation in {body}"),
        })
}

async fn send(
    client: &Client,
    rec: &mut Recorder,
    kind: Kind,
    method: Method,
    path: &str,
    body: &Value,
) -> Result<Value, LoadError> {
    let reply = client
        .call(rec, kind, method.clone(), path, Some(body))
        .await?;
    Ok(reply.expect_success(&method, path)?.body)
}

async fn create_provider(
    client: &Client,
    rec: &mut Recorder,
    p: &ProviderPlan,
) -> Result<(), LoadError> {
    let mut body = json!({"name": p.name, "uuid": p.uuid});
    if let Some(parent) = p.parent {
        body["parent_provider_uuid"] = json!(parent);
    }
    send(
        client,
        rec,
        Kind::CreateProvider,
        Method::POST,
        "/resource_providers",
        &body,
    )
    .await?;
    let base = format!("/resource_providers/{}", p.uuid);
    // A new provider starts at generation 0; each write returns the next one.
    let mut generation = 0;
    if !p.inventory.is_empty() {
        let inventories: Map<String, Value> = p
            .inventory
            .iter()
            .map(|i| {
                let body = json!({
                    "total": i.total, "reserved": i.reserved, "min_unit": 1,
                    "max_unit": i.total, "step_size": 1,
                    "allocation_ratio": i.allocation_ratio,
                });
                (i.class.clone(), body)
            })
            .collect();
        let body = json!({"resource_provider_generation": generation, "inventories": inventories});
        let path = format!("{base}/inventories");
        let reply = send(client, rec, Kind::PutInventory, Method::PUT, &path, &body).await?;
        generation = generation_of(&reply, &path)?;
    }
    if !p.aggregates.is_empty() {
        let path = format!("{base}/aggregates");
        if client.microversion.at_least(19) {
            let body =
                json!({"aggregates": p.aggregates, "resource_provider_generation": generation});
            let reply = send(client, rec, Kind::PutAggregates, Method::PUT, &path, &body).await?;
            generation = generation_of(&reply, &path)?;
        } else {
            // Before 1.19 the body is a bare list and the generation is not bumped.
            send(
                client,
                rec,
                Kind::PutAggregates,
                Method::PUT,
                &path,
                &json!(p.aggregates),
            )
            .await?;
        }
    }
    if !p.traits.is_empty() {
        let path = format!("{base}/traits");
        let body = json!({"traits": p.traits, "resource_provider_generation": generation});
        send(client, rec, Kind::PutTraits, Method::PUT, &path, &body).await?;
    }
    Ok(())
}

/// The layout of an earlier run, from its aggregates: every provider in any
/// of them, so a workload can be repeated without populating again.
pub async fn discover(
    client: &Client,
    prefix: &str,
    aggregates: &[Uuid],
) -> Result<Layout, LoadError> {
    let list: Vec<String> = aggregates.iter().map(Uuid::to_string).collect();
    let path = format!("/resource_providers?member_of=in:{}", list.join(","));
    let live = Arc::new(Live::default());
    let mut rec = Recorder::new(Instant::now(), live);
    let reply = client
        .call(&mut rec, Kind::CreateProvider, Method::GET, &path, None)
        .await?
        .expect_success(&Method::GET, &path)?;
    let bad = || LoadError::Response {
        what: path.clone(),
        detail: "no resource_providers list with uuids".into(),
    };
    let providers = reply
        .body
        .get("resource_providers")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    let trees = providers
        .iter()
        .map(|p| {
            let uuid = p
                .get("uuid")
                .and_then(Value::as_str)
                .and_then(|u| u.parse().ok())
                .ok_or_else(bad)?;
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let plan = ProviderPlan {
                uuid,
                name,
                parent: None,
                inventory: Vec::new(),
                aggregates: Vec::new(),
                traits: Vec::new(),
            };
            Ok(vec![plan])
        })
        .collect::<Result<_, LoadError>>()?;
    Ok(Layout {
        prefix: prefix.to_string(),
        aggregates: aggregates.to_vec(),
        custom_traits: Vec::new(),
        trees,
    })
}

/// Create the layout's custom traits, then its trees with `concurrency`
/// workers (a tree is created by one worker, parents before children).
pub async fn populate(
    client: &Client,
    layout: Arc<Layout>,
    concurrency: usize,
    live: Arc<Live>,
    progress: ProgressBar,
) -> Result<Stats, LoadError> {
    let epoch = Instant::now();
    let mut first = Recorder::new(epoch, live.clone());
    for name in &layout.custom_traits {
        let path = format!("/traits/{name}");
        client
            .call(&mut first, Kind::CreateTrait, Method::PUT, &path, None)
            .await?
            .expect_success(&Method::PUT, &path)?;
    }
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..concurrency.max(1) {
        let (client, layout, next, failed, progress) = (
            client.clone(),
            layout.clone(),
            next.clone(),
            failed.clone(),
            progress.clone(),
        );
        let mut rec = Recorder::new(epoch, live.clone());
        tasks.push(tokio::spawn(async move {
            while !failed.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(tree) = layout.trees.get(i) else {
                    break;
                };
                for p in tree {
                    if let Err(e) = create_provider(&client, &mut rec, p).await {
                        failed.store(true, Ordering::Relaxed);
                        return (rec, Err(e));
                    }
                    progress.inc(1);
                }
            }
            (rec, Ok(()))
        }));
    }
    let mut recorders = vec![first];
    let mut error = None;
    for task in tasks {
        let (rec, result) = task.await.map_err(|e| LoadError::Response {
            what: "populate worker".into(),
            detail: e.to_string(),
        })?;
        recorders.push(rec);
        if let Err(e) = result {
            error.get_or_insert(e);
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(Stats::merge(recorders)),
    }
}
