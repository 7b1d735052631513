//! `placement-rs load URL`: a scheduler-shaped load generator for any
//! Placement-compatible endpoint, over HTTP only.
//!
//! A run populates a run-unique set of providers, then either runs K
//! Nova-like schedulers (candidates → pick → claim, retry on 409, with churn)
//! or read-only candidate queries, then checks the server's own usages
//! against its inventories and allocations and prints a report.

pub mod check;
pub mod client;
pub mod error;
pub mod plot;
pub mod populate;
pub mod report;
pub mod stats;
pub mod workload;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use client::{Client, Microversion};
pub use error::LoadError;
use populate::Layout;
use report::{LoadResult, PhaseResult};
use stats::{Live, Stats};
use workload::{Budget, Pick, Plan};

/// Upstream Placement's perf-job query; `{agg}` is the run's first aggregate.
pub const DEFAULT_QUERY: &str =
    "resources=VCPU:1,DISK_GB:10,MEMORY_MB:256&member_of={agg}&required=HW_CPU_X86_AVX2";

/// What the measured phase does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Schedulers: GET candidates, pick one, PUT /allocations/{new consumer}.
    Claim,
    /// GET /allocation_candidates only.
    Read,
    /// Only populate (and check); measures populate time.
    Populate,
}

/// Options of `placement-rs load`. Every number of the workload is one.
#[derive(clap::Args, Clone, Debug, Serialize)]
pub struct LoadOptions {
    /// Base URL of the Placement endpoint, e.g. http://127.0.0.1:8778.
    pub url: String,
    /// claim: schedulers claiming; read: candidates only; populate: only populate.
    #[arg(long, value_enum, default_value = "claim")]
    pub mode: Mode,
    /// X-Auth-Token sent with every request (noauth2: "admin").
    #[arg(long, default_value = "admin")]
    #[serde(skip)] // a credential has no place in --json output
    pub token: String,
    /// Placement microversion sent with every request (bodies follow it; 1.10 at least).
    #[arg(long, default_value = "1.39")]
    pub microversion: String,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub timeout: f64,

    /// Compute nodes (root providers) to create.
    #[arg(long, default_value_t = 10)]
    pub providers: usize,
    /// Concurrent workers creating providers (and running the final check).
    #[arg(long, default_value_t = 8)]
    pub populate_concurrency: usize,
    /// VCPU total per compute node (split over NUMA children with --numa-nodes).
    #[arg(long, default_value_t = 64)]
    pub vcpus: u64,
    /// allocation_ratio of VCPU inventories.
    #[arg(long, default_value_t = 4.0)]
    pub cpu_allocation_ratio: f64,
    /// MEMORY_MB total per compute node.
    #[arg(long, default_value_t = 131_072)]
    pub memory_mb: u64,
    /// MEMORY_MB reserved per compute node.
    #[arg(long, default_value_t = 0)]
    pub memory_reserved_mb: u64,
    /// allocation_ratio of MEMORY_MB inventories.
    #[arg(long, default_value_t = 1.0)]
    pub ram_allocation_ratio: f64,
    /// DISK_GB total per compute node (always on the root).
    #[arg(long, default_value_t = 4000)]
    pub disk_gb: u64,
    /// allocation_ratio of DISK_GB inventories.
    #[arg(long, default_value_t = 1.0)]
    pub disk_allocation_ratio: f64,
    /// Aggregates of the run; compute node i joins aggregate i mod N.
    #[arg(long, default_value_t = 1)]
    pub aggregates: usize,
    /// Existing traits (e.g. standard ones) set on every provider, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "HW_CPU_X86_AVX2")]
    pub traits: Vec<String>,
    /// Custom traits to create (CUSTOM_<PREFIX>_i); compute node i gets trait i mod N.
    #[arg(long, default_value_t = 0)]
    pub custom_traits: usize,
    /// NUMA children per compute node, holding its VCPU and MEMORY_MB (nested; 1.14+).
    #[arg(long, default_value_t = 0)]
    pub numa_nodes: u32,
    /// PF children per compute node, each with SRIOV_NET_VF inventory (nested; 1.14+).
    #[arg(long, default_value_t = 0)]
    pub pfs: u32,
    /// SRIOV_NET_VF total per PF child.
    #[arg(long, default_value_t = 8)]
    pub vfs_per_pf: u64,
    /// Skip populate: reuse the providers of these aggregates (an earlier
    /// run's, as its report prints them); {agg}/{aggN} name them in order.
    #[arg(long, value_delimiter = ',')]
    pub reuse_aggregates: Vec<uuid::Uuid>,
    /// Name prefix of the run's providers (default: load-<random>), unique per run.
    #[arg(long)]
    pub prefix: Option<String>,

    /// Concurrent schedulers (claim mode) or readers (read mode).
    #[arg(long, visible_alias = "schedulers", default_value_t = 10)]
    pub concurrency: usize,
    /// Stop the measured phase after this many seconds (default 10 without --count).
    #[arg(long)]
    pub duration: Option<f64>,
    /// Stop after this many scheduling attempts (claim) or candidate queries (read).
    #[arg(long)]
    pub count: Option<u64>,
    /// Query string of GET /allocation_candidates; {agg} / {aggN} is the run's
    /// Nth aggregate, {customN} its Nth custom trait, {prefix} the run prefix.
    #[arg(long, default_value = DEFAULT_QUERY)]
    pub query: String,
    /// Adds limit=N to the candidates query.
    #[arg(long)]
    pub limit: Option<u32>,
    /// Which allocation request a scheduler picks.
    #[arg(long, value_enum, default_value = "random")]
    pub pick: Pick,
    /// Per attempt, the probability of first deleting one of the scheduler's consumers.
    #[arg(long, default_value_t = 0.0)]
    pub delete_rate: f64,
    /// Per attempt, the probability of first moving one of the scheduler's consumers.
    #[arg(long, default_value_t = 0.0)]
    pub move_rate: f64,
    /// Retries of the whole candidates → claim loop after a 409.
    #[arg(long, default_value_t = 10)]
    pub max_retries: u32,
    #[arg(long, default_value = "6f1d6e1c-load-project")]
    pub project_id: String,
    #[arg(long, default_value = "6f1d6e1c-load-user")]
    pub user_id: String,
    /// consumer_type of claims (1.38+).
    #[arg(long, default_value = "INSTANCE")]
    pub consumer_type: String,
    /// Seed of the schedulers' random choices (default: random).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Width in seconds of the time-series buckets (JSON and plot).
    #[arg(long, default_value_t = 1.0)]
    pub bucket: f64,

    /// Write the full result (config, counts, percentiles, time series) as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write an SVG with latency over time and the percentile distribution.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Skip the final invariant check.
    #[arg(long)]
    pub no_check: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl LoadOptions {
    fn validate(&self) -> Result<Microversion, LoadError> {
        let bad = |m: String| Err(LoadError::Config(m));
        let mv: Microversion = self.microversion.parse().map_err(LoadError::Config)?;
        if !mv.at_least(10) {
            return bad(format!(
                "microversion {mv}: allocation candidates need 1.10+"
            ));
        }
        if (self.numa_nodes > 0 || self.pfs > 0) && !mv.at_least(14) {
            return bad(format!("microversion {mv}: nested providers need 1.14+"));
        }
        for (name, p) in [
            ("delete-rate", self.delete_rate),
            ("move-rate", self.move_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return bad(format!("--{name} {p} is not a probability"));
            }
        }
        if self.delete_rate + self.move_rate > 1.0 {
            return bad("--delete-rate + --move-rate exceed 1".into());
        }
        if self.timeout <= 0.0 || self.bucket <= 0.0 || self.duration.is_some_and(|d| d <= 0.0) {
            return bad("--timeout, --bucket and --duration must be positive".into());
        }
        Ok(mv)
    }
}

/// The candidates GET path for `query` with the run's placeholders filled in.
pub fn candidates_path(
    query: &str,
    layout: &Layout,
    limit: Option<u32>,
) -> Result<String, LoadError> {
    let mut q = query
        .trim_start_matches('?')
        .replace("{prefix}", &layout.prefix);
    // Longest index first so {agg1} is not read as {agg} followed by "1".
    for (i, agg) in layout.aggregates.iter().enumerate().rev() {
        q = q.replace(&format!("{{agg{i}}}"), &agg.to_string());
    }
    if let Some(first) = layout.aggregates.first() {
        q = q.replace("{agg}", &first.to_string());
    }
    for (i, name) in layout.custom_traits.iter().enumerate().rev() {
        q = q.replace(&format!("{{custom{i}}}"), name);
    }
    if let Some(open) = q.find('{') {
        return Err(LoadError::Config(format!(
            "--query: unknown placeholder at {:?}",
            &q[open..]
        )));
    }
    if let Some(n) = limit {
        q = if q.is_empty() {
            format!("limit={n}")
        } else {
            format!("{q}&limit={n}")
        };
    }
    Ok(format!("/allocation_candidates?{q}"))
}

fn progress(quiet: bool, len: u64, template: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Keep the run's bar moving and its message (rates, errors) fresh.
fn tick(
    bar: ProgressBar,
    live: Arc<Live>,
    started: Instant,
    by_count: bool,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut last = (Instant::now(), 0u64);
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let requests = Live::get(&live.requests);
            let rate = (requests - last.1) as f64 / last.0.elapsed().as_secs_f64().max(1e-3);
            last = (Instant::now(), requests);
            if by_count {
                bar.set_position(Live::get(&live.attempts));
            } else {
                bar.set_position(started.elapsed().as_millis() as u64);
            }
            bar.set_message(format!(
                "{rate:.0} req/s  claims {}  errors {}  409s {}",
                Live::get(&live.claims),
                Live::get(&live.errors),
                Live::get(&live.conflicts),
            ));
        }
    })
}

/// Populate with a progress bar of providers created.
async fn populate_layout(
    opts: &LoadOptions,
    client: &Client,
    layout: Arc<Layout>,
) -> Result<Stats, LoadError> {
    let total = layout.providers().count();
    eprintln!(
        "populating {} compute nodes ({total} providers) as {}, aggregates {:?}",
        opts.providers,
        layout.prefix,
        layout
            .aggregates
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
    );
    let bar = progress(
        opts.quiet,
        total as u64,
        "populate [{bar:40}] {pos}/{len} providers  {elapsed_precise} (eta {eta})",
    );
    let populated = populate::populate(
        client,
        layout,
        opts.populate_concurrency,
        Arc::new(Live::default()),
        bar.clone(),
    )
    .await;
    bar.finish_and_clear();
    populated
}

async fn run_async(opts: &LoadOptions, mv: Microversion) -> Result<LoadResult, LoadError> {
    let pool = opts.concurrency.max(opts.populate_concurrency);
    let client = Client::new(
        &opts.url,
        &opts.token,
        mv,
        Duration::from_secs_f64(opts.timeout),
        pool,
    )?;
    let prefix = opts
        .prefix
        .clone()
        .unwrap_or_else(|| format!("load-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]));
    let bucket = Duration::from_secs_f64(opts.bucket);
    let started = Instant::now();
    let (layout, populate_stats) = if opts.reuse_aggregates.is_empty() {
        let layout = Arc::new(populate::plan(opts, &prefix));
        let stats = populate_layout(opts, &client, layout.clone()).await?;
        (layout, stats)
    } else {
        let layout = populate::discover(&client, &prefix, &opts.reuse_aggregates).await?;
        eprintln!(
            "reusing {} providers of {:?}",
            layout.trees.len(),
            opts.reuse_aggregates
        );
        (Arc::new(layout), Stats::default())
    };
    let path = candidates_path(&opts.query, &layout, opts.limit)?;
    let total = layout.providers().count();
    let populate = PhaseResult::new(&populate_stats, started.elapsed(), bucket);

    let mut run_stats = Stats::default();
    let mut outcomes = workload::Outcomes::default();
    let mut run = None;
    if opts.mode != Mode::Populate {
        let duration = match (opts.duration, opts.count) {
            (None, None) => Some(10.0),
            (d, _) => d,
        };
        let live = Arc::new(Live::default());
        let (bar, by_count) = match (opts.count, duration) {
            (Some(n), _) => (
                progress(opts.quiet, n, "{spinner} [{bar:40}] {pos}/{len}  {msg}"),
                true,
            ),
            (None, d) => {
                let ms = (d.unwrap_or(10.0) * 1000.0) as u64;
                (
                    progress(
                        opts.quiet,
                        ms,
                        "{spinner} [{bar:40}] {elapsed_precise}  {msg}",
                    ),
                    false,
                )
            }
        };
        let plan = Arc::new(Plan {
            candidates_path: path.clone(),
            pick: opts.pick,
            delete_rate: opts.delete_rate,
            move_rate: opts.move_rate,
            max_retries: opts.max_retries,
            project_id: opts.project_id.clone(),
            user_id: opts.user_id.clone(),
            consumer_type: opts.consumer_type.clone(),
        });
        let started = Instant::now();
        let budget = Arc::new(Budget::new(
            duration.map(|d| started + Duration::from_secs_f64(d)),
            opts.count,
        ));
        let ticker = tick(bar.clone(), live.clone(), started, by_count);
        let phase = workload::Phase {
            read_only: opts.mode == Mode::Read,
            concurrency: opts.concurrency,
            budget,
            epoch: started,
            live,
            seed: opts.seed.unwrap_or_else(|| fastrand::u64(..)),
        };
        let (recorders, totals) = workload::run(&client, plan, &phase).await;
        let elapsed = started.elapsed();
        ticker.abort();
        bar.finish_and_clear();
        run_stats = Stats::merge(recorders);
        outcomes = totals;
        run = Some((PhaseResult::new(&run_stats, elapsed, bucket), elapsed));
    }

    let check = if opts.no_check {
        None
    } else {
        Some(check::check(&client, layout.provider_uuids(), opts.populate_concurrency).await?)
    };
    let claims_per_second = run.as_ref().map_or(0.0, |(_, e)| {
        outcomes.claims as f64 / e.as_secs_f64().max(f64::EPSILON)
    });
    if let Some(file) = &opts.plot {
        let title = format!("{:?} @ {}", opts.mode, opts.url).to_lowercase();
        let (series, stats) = match &run {
            Some((r, _)) => (&r.time_series, &run_stats),
            None => (&populate.time_series, &populate_stats),
        };
        plot::draw(file, &title, series, stats)?;
    }
    Ok(LoadResult {
        config: serde_json::to_value(opts).unwrap_or_default(),
        prefix,
        aggregates: layout.aggregates.clone(),
        candidates_path: path,
        providers_created: total,
        reused: !opts.reuse_aggregates.is_empty(),
        populate,
        run: run.map(|(r, _)| r),
        outcomes,
        claims_per_second,
        check,
    })
}

/// Run `placement-rs load` to the end: print the report, write `--json`
/// and `--plot`, and fail when the invariant check found violations.
pub fn run(opts: &LoadOptions) -> Result<(), LoadError> {
    let mv = opts.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)?;
    let result = runtime.block_on(run_async(opts, mv))?;
    print!("{}", report::render(&result));
    if let Some(path) = &opts.json {
        let text = serde_json::to_string_pretty(&result).unwrap_or_default();
        std::fs::write(path, text).map_err(|source| LoadError::Write {
            path: path.clone(),
            source,
        })?;
    }
    if let Some(c) = &result.check
        && !c.passed()
    {
        return Err(LoadError::InvariantViolated(c.violations.len()));
    }
    let o = &result.outcomes;
    if o.aborted_workers > 0 {
        return Err(LoadError::Aborted {
            workers: o.aborted_workers,
            last: o.last_error.clone().unwrap_or_default(),
        });
    }
    Ok(())
}
