//! Placement microversions (`OpenStack-API-Version: placement X.Y`).

use std::fmt;

/// A microversion `major.minor`, ordered numerically (1.10 > 1.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u32,
    pub minor: u32,
}

impl Version {
    pub const MIN: Version = Version::new(1, 0);
    pub const MAX: Version = Version::new(1, 39);

    pub const fn new(major: u32, minor: u32) -> Self {
        Version { major, minor }
    }

    /// True when this version is at least 1.`minor`.
    pub fn at_least(self, minor: u32) -> bool {
        self >= Version::new(1, minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Why a requested microversion was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// Not of the form `X.Y` (400).
    Invalid(String),
    /// Well formed but outside MIN..=MAX (406).
    Unacceptable(String),
}

/// Finds the `placement` entry of an `OpenStack-API-Version` header value.
/// Entries are scanned from the last to the first, as upstream does; entries
/// that are not exactly two whitespace-separated tokens are skipped.
pub fn placement_entry(header: &str) -> Option<String> {
    header.split(',').rev().find_map(|entry| {
        let mut tokens = entry.split_whitespace();
        let (service, value, extra) = (tokens.next(), tokens.next(), tokens.next());
        match (service, value, extra) {
            (Some(s), Some(v), None) if s.eq_ignore_ascii_case("placement") => Some(v.to_string()),
            _ => None,
        }
    })
}

/// Negotiates the version for a request: missing header = MIN, `latest` = MAX.
pub fn negotiate(header: Option<&str>) -> Result<Version, VersionError> {
    let Some(value) = header.and_then(placement_entry) else {
        return Ok(Version::MIN);
    };
    if value.eq_ignore_ascii_case("latest") {
        return Ok(Version::MAX);
    }
    let version = parse(&value).ok_or_else(|| VersionError::Invalid(value.clone()))?;
    if version < Version::MIN || version > Version::MAX {
        return Err(VersionError::Unacceptable(value));
    }
    Ok(version)
}

fn parse(value: &str) -> Option<Version> {
    let (major, minor) = value.split_once('.')?;
    let parse_part = |s: &str| -> Option<u32> {
        let s = s.trim();
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    Some(Version::new(parse_part(major)?, parse_part(minor)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_header_is_min() {
        assert_eq!(negotiate(None), Ok(Version::MIN));
        assert_eq!(negotiate(Some("compute 2.1")), Ok(Version::MIN));
    }

    #[test]
    fn latest_and_explicit() {
        assert_eq!(negotiate(Some("placement latest")), Ok(Version::MAX));
        assert_eq!(negotiate(Some("placement 1.01")), Ok(Version::new(1, 1)));
        assert_eq!(
            negotiate(Some("compute 2.1, placement 1.10")),
            Ok(Version::new(1, 10))
        );
    }

    #[test]
    fn bad_versions() {
        assert!(matches!(
            negotiate(Some("placement pony.horse")),
            Err(VersionError::Invalid(_))
        ));
        assert!(matches!(
            negotiate(Some("placement 1.2.3")),
            Err(VersionError::Invalid(_))
        ));
        assert!(matches!(
            negotiate(Some("placement 1")),
            Err(VersionError::Invalid(_))
        ));
        assert!(matches!(
            negotiate(Some("placement 0.5")),
            Err(VersionError::Unacceptable(_))
        ));
        assert!(matches!(
            negotiate(Some("placement 1.40")),
            Err(VersionError::Unacceptable(_))
        ));
        assert!(matches!(
            negotiate(Some("placement 2.0")),
            Err(VersionError::Unacceptable(_))
        ));
    }

    #[test]
    fn ordering_is_numeric() {
        assert!(Version::new(1, 10) > Version::new(1, 9));
        assert!(Version::new(1, 10).at_least(10));
        assert!(!Version::new(1, 9).at_least(10));
    }
}
