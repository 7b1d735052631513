//! Recent GET /allocation_candidates answers, served again while the read
//! model is unchanged.
//!
//! Schedulers ask the same question many times between two writes, and
//! at a thousand providers writing the answer costs far more than finding
//! it. Every answer is tagged with the engine's read-model version (bumped
//! whenever providers, inventories, usage, traits, aggregates or the
//! catalogue change) and kept only if no change happened while it was
//! computed; a lookup serves it only while the version is still the same.
//! So a cached answer is exactly what a fresh search would write at that
//! moment. Answers that are meant to differ (randomized) are never kept.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use crate::domain::Version;

/// Distinct queries kept for one version.
const MAX_ENTRIES: usize = 32;
/// Larger answers are not kept (100,000 candidates are ~45 MB).
const MAX_ENTRY_BYTES: usize = 8 << 20;
/// All kept answers together.
const MAX_TOTAL_BYTES: usize = 64 << 20;

#[derive(Debug, Default)]
pub struct CandidatesCache {
    /// Off: every query is searched and written afresh.
    disabled: bool,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    version: u64,
    /// Per microversion, per query string (nested so a lookup by `&str`
    /// allocates nothing).
    answers: HashMap<Version, HashMap<String, Bytes>>,
    count: usize,
    bytes: usize,
}

impl CandidatesCache {
    pub fn new(enabled: bool) -> Self {
        CandidatesCache {
            disabled: !enabled,
            inner: Mutex::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.disabled
    }

    /// The answer to `query` at `microversion`, if kept for `version`.
    pub fn get(&self, version: u64, microversion: Version, query: &str) -> Option<Bytes> {
        if self.disabled {
            return None;
        }
        let entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if entries.version != version {
            return None;
        }
        entries.answers.get(&microversion)?.get(query).cloned()
    }

    /// Keeps an answer computed entirely at `version`.
    pub fn put(&self, version: u64, microversion: Version, query: &str, body: Bytes) {
        if self.disabled || body.len() > MAX_ENTRY_BYTES {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if version < entries.version {
            return;
        }
        let full = entries.count >= MAX_ENTRIES || entries.bytes + body.len() > MAX_TOTAL_BYTES;
        if version > entries.version || full {
            entries.answers.clear();
            entries.bytes = 0;
            entries.count = 0;
            entries.version = version;
        }
        entries.bytes += body.len();
        entries.count += 1;
        let replaced = entries
            .answers
            .entry(microversion)
            .or_default()
            .insert(query.to_string(), body);
        if let Some(old) = replaced {
            entries.bytes -= old.len();
            entries.count -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: Version = Version::new(1, 39);

    #[test]
    fn answers_live_only_as_long_as_their_version() {
        let cache = CandidatesCache::default();
        cache.put(5, V, "resources=VCPU:1", Bytes::from_static(b"five"));
        assert_eq!(
            cache.get(5, V, "resources=VCPU:1").as_deref(),
            Some(&b"five"[..])
        );
        // Another microversion or query is another answer.
        assert!(
            cache
                .get(5, Version::new(1, 38), "resources=VCPU:1")
                .is_none()
        );
        assert!(cache.get(5, V, "resources=VCPU:2").is_none());
        // The read model moved on: the answer is gone.
        assert!(cache.get(6, V, "resources=VCPU:1").is_none());
        // An answer from an older version never replaces newer ones.
        cache.put(6, V, "q", Bytes::from_static(b"six"));
        cache.put(5, V, "q", Bytes::from_static(b"late five"));
        assert_eq!(cache.get(6, V, "q").as_deref(), Some(&b"six"[..]));
        assert!(cache.get(6, V, "resources=VCPU:1").is_none());
    }

    #[test]
    fn size_is_bounded() {
        let cache = CandidatesCache::default();
        for i in 0..(MAX_ENTRIES * 3) {
            cache.put(1, V, &format!("q{i}"), Bytes::from(vec![0u8; 1024]));
        }
        let entries = cache.inner.lock().unwrap();
        let stored: usize = entries.answers.values().map(HashMap::len).sum();
        assert_eq!(stored, entries.count);
        assert!(entries.count <= MAX_ENTRIES);
        assert_eq!(entries.bytes, entries.count * 1024);
        drop(entries);
        cache.put(1, V, "huge", Bytes::from(vec![0u8; MAX_ENTRY_BYTES + 1]));
        assert!(cache.get(1, V, "huge").is_none());
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = CandidatesCache::new(false);
        cache.put(1, V, "q", Bytes::from_static(b"x"));
        assert!(cache.get(1, V, "q").is_none());
    }
}
