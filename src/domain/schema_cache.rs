//! Request schemas depend only on the microversion, so each is built once
//! per microversion rather than on every request (building one is a tree
//! of JSON values: a few percent of a request's time on the hot routes).

use std::borrow::Cow;
use std::sync::OnceLock;

use serde_json::Value;

use super::microversion::Version;

/// Minor versions kept; later ones (none today) are built per request.
const SLOTS: usize = 64;

/// One schema's builds, by microversion.
pub struct PerVersion {
    slots: [OnceLock<Value>; SLOTS],
}

impl PerVersion {
    pub const fn new() -> Self {
        PerVersion {
            slots: [const { OnceLock::new() }; SLOTS],
        }
    }

    /// The schema for `version`, built by `build` the first time.
    pub fn get(&self, version: Version, build: impl FnOnce() -> Value) -> Cow<'_, Value> {
        match self.slots.get(version.minor as usize) {
            Some(slot) if version.major == 1 => Cow::Borrowed(slot.get_or_init(build)),
            _ => Cow::Owned(build()),
        }
    }
}

impl Default for PerVersion {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builds_once_per_microversion() {
        let cache = PerVersion::new();
        let v = |minor| Version { major: 1, minor };
        let mut builds = 0;
        for minor in [5, 5, 6, 5] {
            let s = cache.get(v(minor), || {
                builds += 1;
                json!({ "minor": minor })
            });
            assert_eq!(s["minor"], minor);
        }
        assert_eq!(builds, 2);
    }
}
