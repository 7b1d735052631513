//! The end-of-run report: a plain aligned table per phase and the full
//! result as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::check::CheckReport;
use super::client::Kind;
use super::stats::{Bucket, Percentiles, Stats};
use super::workload::Outcomes;

/// One row of the table: a request kind over a phase.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KindRow {
    pub kind: Kind,
    pub count: u64,
    pub errors: u64,
    pub per_second: f64,
    #[serde(flatten)]
    pub latency: Percentiles,
}

/// Rows for every kind a phase used, in request-kind order.
pub fn rows(stats: &Stats, elapsed: Duration) -> Vec<KindRow> {
    let secs = elapsed.as_secs_f64();
    stats
        .by_kind()
        .into_iter()
        .map(|(kind, (hist, errors))| KindRow {
            kind,
            count: hist.len(),
            errors,
            per_second: if secs > 0.0 {
                hist.len() as f64 / secs
            } else {
                0.0
            },
            latency: Percentiles::of(&hist),
        })
        .collect()
}

/// Render rows as a right-aligned plain-text table.
pub fn table(rows: &[KindRow]) -> String {
    let header = [
        "kind", "count", "errors", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for r in rows {
        let l = &r.latency;
        lines.push(vec![
            r.kind.to_string(),
            r.count.to_string(),
            r.errors.to_string(),
            format!("{:.1}", r.per_second),
            format!("{:.2}", l.p50_ms),
            format!("{:.2}", l.p90_ms),
            format!("{:.2}", l.p99_ms),
            format!("{:.2}", l.max_ms),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for line in &lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, w))| {
                // The kind column reads best left-aligned, numbers right-aligned.
                if c == 0 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One phase's numbers.
#[derive(Clone, Debug, Serialize)]
pub struct PhaseResult {
    pub elapsed_s: f64,
    pub requests: u64,
    pub kinds: Vec<KindRow>,
    /// 409 responses by Placement error code.
    pub conflicts: BTreeMap<String, u64>,
    /// Failed requests by "kind status" (status 0: no response).
    pub failures: BTreeMap<String, u64>,
    pub time_series: Vec<Bucket>,
}

impl PhaseResult {
    pub fn new(stats: &Stats, elapsed: Duration, bucket: Duration) -> Self {
        PhaseResult {
            elapsed_s: elapsed.as_secs_f64(),
            requests: stats.samples.len() as u64,
            kinds: rows(stats, elapsed),
            conflicts: stats.conflicts.clone(),
            failures: stats.failures.clone(),
            time_series: stats.time_series(bucket),
        }
    }
}

/// Everything `--json` writes.
#[derive(Debug, Serialize)]
pub struct LoadResult {
    pub config: serde_json::Value,
    pub prefix: String,
    pub aggregates: Vec<uuid::Uuid>,
    pub candidates_path: String,
    pub providers_created: usize,
    /// Providers came from --reuse-aggregates: nothing was populated.
    pub reused: bool,
    pub populate: PhaseResult,
    pub run: Option<PhaseResult>,
    pub outcomes: Outcomes,
    pub claims_per_second: f64,
    pub check: Option<CheckReport>,
}

fn counts(title: &str, map: &BTreeMap<String, u64>, out: &mut String) {
    if map.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    let width = map.keys().map(String::len).max().unwrap_or(0);
    for (k, n) in map {
        let _ = writeln!(out, "  {k:<width$}  {n}");
    }
}

fn populate_section(result: &LoadResult, out: &mut String) {
    let p = &result.populate;
    let _ = writeln!(
        out,
        "\npopulate: {} providers in {:.2}s ({:.1} providers/s, {} requests)",
        result.providers_created,
        p.elapsed_s,
        result.providers_created as f64 / p.elapsed_s.max(f64::EPSILON),
        p.requests
    );
    out.push_str(&table(&p.kinds));
    counts("populate failures", &p.failures, out);
}

/// The human-readable report printed at the end of a run.
pub fn render(result: &LoadResult) -> String {
    let mut out = String::new();
    if result.reused {
        let _ = writeln!(
            out,
            "\nreused {} providers of aggregates {:?}",
            result.providers_created, result.aggregates
        );
    } else {
        populate_section(result, &mut out);
    }
    if let Some(run) = &result.run {
        let o = &result.outcomes;
        let _ = writeln!(
            out,
            "\nrun: {:.2}s, {} requests, {} attempts; query {}",
            run.elapsed_s, run.requests, o.attempts, result.candidates_path
        );
        out.push_str(&table(&run.kinds));
        if o.reads > 0 {
            let _ = writeln!(out, "candidate reads: {}", o.reads);
        }
        if o.claims + o.gave_up + o.no_valid_host > 0 {
            let _ = writeln!(
                out,
                "claims: {} ({:.1}/s), retries {}, gave up {}, no valid host {}, deletes {}, moves {} (gave up {})",
                o.claims,
                result.claims_per_second,
                o.retries,
                o.gave_up,
                o.no_valid_host,
                o.deletes,
                o.moves,
                o.move_gave_up
            );
        }
        let total_409: u64 = run.conflicts.values().sum();
        let _ = writeln!(out, "409s: {total_409}");
        counts("409s by code", &run.conflicts, &mut out);
        counts("failed requests (kind status)", &run.failures, &mut out);
        if o.failed > 0 {
            let _ = writeln!(
                out,
                "failed attempts: {} (workers stopped early: {}); last: {}",
                o.failed,
                o.aborted_workers,
                o.last_error.as_deref().unwrap_or("-")
            );
        }
    }
    if let Some(c) = &result.check {
        let verdict = if c.passed() { "PASS" } else { "FAIL" };
        let _ = writeln!(
            out,
            "\ninvariant check: {verdict} ({} providers, {} consumers, {} violations)",
            c.providers,
            c.consumers,
            c.violations.len()
        );
        for (class, used) in &c.usage_by_class {
            let cap = c.capacity_by_class.get(class).copied().unwrap_or(0);
            let _ = writeln!(out, "  {class}: {used} used of {cap}");
        }
        for v in c.violations.iter().take(20) {
            let _ = writeln!(out, "  violation: {v}");
        }
    }
    out
}
