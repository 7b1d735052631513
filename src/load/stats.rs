//! Recording of every request (per worker, lock-free) and the statistics
//! derived from the merged recordings: HDR histograms and a time series.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::client::Kind;

/// Counters shared by all workers, read by the progress bar while running.
#[derive(Default, Debug)]
pub struct Live {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
    pub conflicts: AtomicU64,
    pub claims: AtomicU64,
    pub attempts: AtomicU64,
}

impl Live {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }

    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// One request: when it started (ms since the phase began), how long it took.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub at_ms: u32,
    pub micros: u32,
    pub kind: Kind,
    pub ok: bool,
}

/// What one worker saw. Workers own theirs, so recording takes no lock;
/// they are merged into [`Stats`] at the end of a phase.
#[derive(Debug)]
pub struct Recorder {
    epoch: Instant,
    live: Arc<Live>,
    samples: Vec<Sample>,
    conflicts: BTreeMap<String, u64>,
    failures: BTreeMap<String, u64>,
}

impl Recorder {
    pub fn new(epoch: Instant, live: Arc<Live>) -> Self {
        Recorder {
            epoch,
            live,
            samples: Vec::new(),
            conflicts: BTreeMap::new(),
            failures: BTreeMap::new(),
        }
    }

    pub fn live(&self) -> &Live {
        &self.live
    }

    /// Record a finished request; status 0 means no response at all.
    pub fn record(
        &mut self,
        kind: Kind,
        started: Instant,
        took: Duration,
        status: u16,
        code: Option<&str>,
    ) {
        let ok = (100..400).contains(&status);
        let at_ms = started.saturating_duration_since(self.epoch).as_millis();
        self.samples.push(Sample {
            at_ms: u32::try_from(at_ms).unwrap_or(u32::MAX),
            micros: u32::try_from(took.as_micros()).unwrap_or(u32::MAX),
            kind,
            ok,
        });
        Live::bump(&self.live.requests);
        if ok {
            return;
        }
        Live::bump(&self.live.errors);
        *self.failures.entry(format!("{kind} {status}")).or_default() += 1;
        if status == 409 {
            Live::bump(&self.live.conflicts);
            let code = code.unwrap_or("(no code)").to_string();
            *self.conflicts.entry(code).or_default() += 1;
        }
    }
}

/// Latency percentiles of one kind, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Percentiles {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Percentiles {
    pub fn of(hist: &Histogram<u64>) -> Self {
        let ms = |micros: u64| micros as f64 / 1000.0;
        if hist.is_empty() {
            return Percentiles::default();
        }
        Percentiles {
            p50_ms: ms(hist.value_at_quantile(0.50)),
            p90_ms: ms(hist.value_at_quantile(0.90)),
            p99_ms: ms(hist.value_at_quantile(0.99)),
            max_ms: ms(hist.max()),
        }
    }
}

/// Per-kind numbers in one time bucket.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BucketKind {
    pub count: u64,
    pub errors: u64,
    #[serde(flatten)]
    pub latency: Percentiles,
}

/// One time bucket of the series: its start (s since the phase began).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Bucket {
    pub start_s: f64,
    pub kinds: BTreeMap<Kind, BucketKind>,
}

/// Everything a phase recorded, merged over its workers.
#[derive(Debug, Default)]
pub struct Stats {
    pub samples: Vec<Sample>,
    /// 409 responses by Placement error code.
    pub conflicts: BTreeMap<String, u64>,
    /// Failed requests by "kind status" (status 0: no response).
    pub failures: BTreeMap<String, u64>,
}

/// A histogram of microseconds from 1 µs to an hour, 3 significant digits.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("static histogram bounds are valid")
}

impl Stats {
    pub fn merge(recorders: impl IntoIterator<Item = Recorder>) -> Self {
        let mut stats = Stats::default();
        for rec in recorders {
            stats.samples.extend(rec.samples);
            for (code, n) in rec.conflicts {
                *stats.conflicts.entry(code).or_default() += n;
            }
            for (what, n) in rec.failures {
                *stats.failures.entry(what).or_default() += n;
            }
        }
        stats.samples.sort_by_key(|s| s.at_ms);
        stats
    }

    /// One histogram per kind that was seen, with its request and error counts.
    pub fn by_kind(&self) -> BTreeMap<Kind, (Histogram<u64>, u64)> {
        let mut out: BTreeMap<Kind, (Histogram<u64>, u64)> = BTreeMap::new();
        for s in &self.samples {
            let (hist, errors) = out.entry(s.kind).or_insert_with(|| (new_histogram(), 0));
            hist.saturating_record(u64::from(s.micros).max(1));
            if !s.ok {
                *errors += 1;
            }
        }
        out
    }

    /// Per-kind latency and counts in buckets of `width` (empty buckets kept,
    /// so the series has no gaps in time).
    pub fn time_series(&self, width: Duration) -> Vec<Bucket> {
        let width_ms = width.as_millis().max(1) as u64;
        let Some(last) = self.samples.last() else {
            return Vec::new();
        };
        let n = (u64::from(last.at_ms) / width_ms + 1) as usize;
        let mut hists: Vec<BTreeMap<Kind, (Histogram<u64>, u64)>> = vec![BTreeMap::new(); n];
        for s in &self.samples {
            let slot = &mut hists[(u64::from(s.at_ms) / width_ms) as usize];
            let (hist, errors) = slot.entry(s.kind).or_insert_with(|| (new_histogram(), 0));
            hist.saturating_record(u64::from(s.micros).max(1));
            if !s.ok {
                *errors += 1;
            }
        }
        hists
            .into_iter()
            .enumerate()
            .map(|(i, kinds)| Bucket {
                start_s: (i as u64 * width_ms) as f64 / 1000.0,
                kinds: kinds
                    .into_iter()
                    .map(|(kind, (hist, errors))| {
                        let entry = BucketKind {
                            count: hist.len(),
                            errors,
                            latency: Percentiles::of(&hist),
                        };
                        (kind, entry)
                    })
                    .collect(),
            })
            .collect()
    }
}
