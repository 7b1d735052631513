//! Just enough of HTTP Accept negotiation (RFC 7231 media ranges with q).

/// The quality the Accept header gives to `offer` (`type/subtype`), or 0.
/// The most specific matching range wins, as in webob's acceptable_offers.
pub fn quality(accept: &str, offer: &str) -> f32 {
    let (otype, osub) = offer.split_once('/').unwrap_or((offer, ""));
    let mut best: Option<(u8, f32)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if media.is_empty() {
            continue;
        }
        let mut q = 1.0f32;
        for p in parts {
            if let Some((k, v)) = p.split_once('=')
                && k.trim().eq_ignore_ascii_case("q")
            {
                q = v.trim().parse().unwrap_or(0.0);
            }
        }
        let (rtype, rsub) = media.split_once('/').unwrap_or((media.as_str(), ""));
        let specificity = match (rtype, rsub) {
            ("*", "*") => 1,
            (t, "*") if t == otype => 2,
            (t, s) if t == otype && s == osub => 3,
            _ => continue,
        };
        if best.is_none_or(|(s, _)| specificity > s) {
            best = Some((specificity, q));
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// True when Accept allows application/json (used by JSON GET handlers).
pub fn allows_json(accept: &str) -> bool {
    quality(accept, "application/json") > 0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert!(allows_json("application/json"));
        assert!(allows_json("text/html,application/xhtml+xml,*/*;q=0.8"));
        assert!(!allows_json("text/plain"));
        assert!(!allows_json("application/json;q=0"));
        assert_eq!(quality("*/*", "text/html"), 1.0);
    }
}
