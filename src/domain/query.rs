//! Query-string value parsing for `GET /resource_providers` and
//! `GET /allocation_candidates`, mirroring Placement 16.0.0's `util.py`
//! normalisers. Every `Err` is the exact upstream 400 message text; lookups of
//! trait / resource-class names are left to the caller (this module has no I/O).

use std::collections::BTreeSet;

use crate::domain::Version;

const RESOURCES_FORM: &str = "Badly formed resources parameter. Expected resources query string \
                              parameter in form: ?resources=VCPU:2,MEMORY_MB:1024. Got:";
const BAD_QS: &str = "Invalid query string parameters:";

/// Python's `str.strip()`: Rust's White_Space plus the ASCII separators
/// U+001C..U+001F, which Python also treats as whitespace.
fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Python `int(s)` for base 10 (ASCII digits only): surrounding whitespace
/// (exactly Rust's `trim` set), optional sign, single `_` between digits.
/// Returns (negative, magnitude digits without leading zeros, "0" for zero).
fn py_int(s: &str) -> Option<(bool, String)> {
    let s = s.trim();
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    // Splitting on '_' yields an empty piece for leading, trailing or doubled '_'.
    if !body.split('_').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    let trimmed = digits.trim_start_matches('0');
    Some((
        neg,
        if trimmed.is_empty() { "0" } else { trimmed }.to_string(),
    ))
}

/// oslo `uuidutils.is_uuid_like`: drop every "urn:" then "uuid:", strip
/// surrounding braces, drop dashes; what is left must be 32 hex digits.
pub fn is_uuid_like(value: &str) -> bool {
    let s = value.replace("urn:", "").replace("uuid:", "");
    let s = s.trim_matches(|c| c == '{' || c == '}');
    let mut n = 0;
    for c in s.chars().filter(|c| *c != '-') {
        if !c.is_ascii_hexdigit() {
            return false;
        }
        n += 1;
    }
    n == 32
}

/// `resources=RC:N,RC:N` → (class, amount) pairs. Upstream builds a dict, so a
/// repeated class keeps its first position and takes the last amount. Class
/// names are not stripped or validated (the caller reports unknown ones as
/// `Invalid resource class in resources parameter: No such resource class X.`
/// on the RP list). Amounts beyond `i64::MAX` (which upstream passes on as
/// unbounded ints that no inventory can satisfy) are clamped to `i64::MAX`.
pub fn parse_resources(value: &str) -> Result<Vec<(String, u64)>, String> {
    if py_strip(value).is_empty() {
        return Err(format!("{RESOURCES_FORM} empty string."));
    }
    let mut out: Vec<(String, u64)> = Vec::new();
    for item in value.split(',') {
        let mut parts = item.split(':');
        let (Some(name), Some(raw), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("{RESOURCES_FORM} {item}."));
        };
        let Some((neg, digits)) = py_int(raw) else {
            return Err(format!(
                "Requested resource {name} expected positive integer amount. Got: {raw}."
            ));
        };
        if neg || digits == "0" {
            let shown = if digits == "0" {
                digits
            } else {
                format!("-{digits}")
            };
            return Err(format!(
                "Requested resource {name} requires amount >= 1. Got: {shown}."
            ));
        }
        let cap = i64::MAX as u64;
        let amount = digits.parse::<u64>().map_or(cap, |n| n.min(cap));
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = amount,
            None => out.push((name.to_string(), amount)),
        }
    }
    Ok(out)
}

/// Traits filter of one request group: every set in `any_of` needs ≥1 member
/// (AND across sets); none of `forbidden`. `any_of` keeps duplicates in query
/// order, as upstream does (they show up in the conflict message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraitFilter {
    pub any_of: Vec<BTreeSet<String>>,
    pub forbidden: BTreeSet<String>,
}

impl TraitFilter {
    /// Every trait named, required or forbidden (for the existence check).
    pub fn names(&self) -> BTreeSet<String> {
        let mut all = self.forbidden.clone();
        all.extend(self.any_of.iter().flatten().cloned());
        all
    }

    pub fn is_empty(&self) -> bool {
        self.any_of.is_empty() && self.forbidden.is_empty()
    }
}

/// All values of one `required<S>` key, in query order. Before 1.39 only the
/// last value counts and `in:` is an error; from 1.39 values are AND'ed and
/// `in:A,B` means any-of. `!T` (forbidden) needs 1.22; leading `!`s are all
/// stripped (`!!T` ≡ `!T`, an upstream quirk). Messages always say `required`
/// whatever the suffix. Unknown names are the caller's check: the message is
/// `No such trait(s): A, B.`, and the RP list prefixes it with
/// `Invalid trait(s) in "required" parameter: `.
pub fn parse_required(values: &[&str], version: Version) -> Result<TraitFilter, String> {
    let allow_forbidden = version.at_least(22);
    let allow_any = version.at_least(39);
    let used = if allow_any {
        values
    } else {
        &values[values.len().saturating_sub(1)..]
    };
    let mut filter = TraitFilter::default();
    for &val in used {
        if let Some(list) = val.strip_prefix("in:") {
            let form = "The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC'";
            if !allow_any {
                return Err(format!(
                    "{BAD_QS} {form} only supported since microversion 1.39. Got: {val}"
                ));
            }
            let set: BTreeSet<String> = list.split(',').map(|t| py_strip(t).to_string()).collect();
            if set.iter().any(String::is_empty) {
                return Err(format!(
                    "{BAD_QS} Expected 'required' parameter value of the form: \
                     in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in: {val}"
                ));
            }
            if set.iter().any(|t| t.starts_with('!')) {
                return Err(format!(
                    "{BAD_QS} {form} does not support forbidden traits. Got: {val}"
                ));
            }
            filter.any_of.push(set);
            continue;
        }
        let items: Vec<&str> = val.split(',').map(py_strip).collect();
        let forbidden: Vec<&str> = items
            .iter()
            .filter_map(|t| t.strip_prefix('!').map(|r| r.trim_start_matches('!')))
            .collect();
        // Upstream checks emptiness (of both lists) before the version gate.
        if items.iter().chain(&forbidden).any(|t| t.is_empty()) {
            let form = if allow_forbidden {
                "HW_CPU_X86_VMX,!CUSTOM_MAGIC"
            } else {
                "HW_CPU_X86_VMX,CUSTOM_MAGIC"
            };
            return Err(format!(
                "{BAD_QS} Expected 'required' parameter value of the form: {form}. \
                 Got an empty trait in: {val}"
            ));
        }
        if !forbidden.is_empty() && !allow_forbidden {
            return Err(format!(
                "{BAD_QS} Expected 'required' parameter value of the form: \
                 HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: {val}"
            ));
        }
        let required = items.iter().filter(|t| !t.starts_with('!'));
        filter
            .any_of
            .extend(required.map(|t| BTreeSet::from([t.to_string()])));
        filter
            .forbidden
            .extend(forbidden.iter().map(|t| t.to_string()));
    }
    Ok(filter)
}

/// Allocation-candidates check (upstream runs it from 1.22): an any-of set whose
/// every member is forbidden in the same group is a conflict. `groups` yields
/// (suffix, filter); "" is the unsuffixed group.
pub fn check_trait_conflicts<'a>(
    groups: impl IntoIterator<Item = (&'a str, &'a TraitFilter)>,
) -> Result<(), String> {
    let mut found = Vec::new();
    for (suffix, f) in groups {
        for set in &f.any_of {
            if set.iter().all(|t| f.forbidden.contains(t)) {
                let names: Vec<&str> = set.iter().map(String::as_str).collect();
                found.push(format!("required{suffix}: ({})", names.join(", ")));
            }
        }
    }
    if found.is_empty() {
        return Ok(());
    }
    found.sort();
    Err(format!(
        "Conflicting required and forbidden traits found in the following traits keys: {}",
        found.join(", ")
    ))
}

/// Aggregates filter: each any_of set needs ≥1 direct membership; none of
/// forbidden. Values are kept verbatim (not case- or brace-normalised).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggregateFilter {
    pub any_of: Vec<BTreeSet<String>>,
    pub forbidden: BTreeSet<String>,
}

/// All values of one `member_of<S>` key (query order); `key` is the name as
/// sent. Forms: `U`, `in:U1,U2`, `!U`, `!in:U1,U2`. Repeating the key needs
/// 1.24, `!` needs 1.32. When several UUIDs in a value are invalid, upstream
/// reports an arbitrary one (set order); this reports the first.
pub fn parse_member_of(
    key: &str,
    values: &[&str],
    version: Version,
) -> Result<AggregateFilter, String> {
    if values.len() > 1 && !version.at_least(24) {
        return Err(format!("Multiple {key} parameters are not supported"));
    }
    let mut filter = AggregateFilter::default();
    for &val in values {
        if val.contains(',') && !val.starts_with("in:") && !val.starts_with("!in:") {
            return Err(format!(
                "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' \
                 keyword using the valid microversion. Got: {val}"
            ));
        }
        let (negated, list) = if let Some(rest) = val.strip_prefix("!in:") {
            (true, rest)
        } else if let Some(rest) = val.strip_prefix('!') {
            // A comma here was rejected above, so this is a single UUID.
            (true, rest)
        } else {
            (false, val.strip_prefix("in:").unwrap_or(val))
        };
        let set: BTreeSet<String> = list.split(',').map(str::to_string).collect();
        // Validity is checked before the microversion gate, as upstream does.
        if let Some(bad) = list.split(',').find(|u| !is_uuid_like(u)) {
            return Err(format!(
                "{BAD_QS} Expected 'member_of' parameter to contain valid UUID(s). Got: {bad}"
            ));
        }
        if !negated {
            filter.any_of.push(set);
        } else if version.at_least(32) {
            filter.forbidden.extend(set);
        } else {
            return Err(format!(
                "Forbidden {key} parameters are not supported in the specified microversion"
            ));
        }
    }
    Ok(filter)
}

/// `in_tree<S>` for allocation candidates: the stripped value must be
/// uuid-like; the message quotes the raw value and always says `in_tree`
/// (upstream ignores the suffix, hence `_key` is unused). The RP list instead
/// validates `in_tree` with its JSON schema (format "uuid") and does not strip.
pub fn parse_in_tree(_key: &str, value: &str) -> Result<String, String> {
    let trimmed = py_strip(value);
    if is_uuid_like(trimmed) {
        Ok(trimmed.to_string())
    } else {
        Err(format!(
            "{BAD_QS} Expected 'in_tree' parameter to be a format of uuid. Got: {value}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U1: &str = "11111111-1111-1111-1111-111111111111";
    const U2: &str = "22222222-2222-2222-2222-222222222222";

    fn v(minor: u32) -> Version {
        Version { major: 1, minor }
    }
    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }
    fn err<T: std::fmt::Debug>(r: Result<T, String>) -> String {
        r.expect_err("expected an error")
    }

    #[test]
    fn resources_ok() {
        let got = parse_resources("VCPU:2,MEMORY_MB:3,VCPU:4").unwrap();
        assert_eq!(got, vec![("VCPU".into(), 4), ("MEMORY_MB".into(), 3)]);
        assert_eq!(
            parse_resources("VCPU: +1_0 ").unwrap(),
            vec![("VCPU".into(), 10)]
        );
        assert_eq!(
            parse_resources(" VCPU:1").unwrap(),
            vec![(" VCPU".into(), 1)]
        );
        let huge = parse_resources("VCPU:99999999999999999999").unwrap();
        assert_eq!(huge, vec![("VCPU".into(), i64::MAX as u64)]);
    }

    #[test]
    fn resources_errors() {
        let form = "Badly formed resources parameter. Expected resources query string parameter \
                    in form: ?resources=VCPU:2,MEMORY_MB:1024. Got: ";
        for (input, tail) in [
            ("", "empty string."),
            (" \x1c", "empty string."),
            ("VCPU:1,VCPU", "VCPU."),
            ("VCPU:1:2", "VCPU:1:2."),
            ("VCPU:1,", "."),
        ] {
            assert_eq!(err(parse_resources(input)), format!("{form}{tail}"));
        }
        for (input, got) in [
            ("VCPU:a", "a"),
            ("VCPU:", ""),
            ("VCPU:1__0", "1__0"),
            ("VCPU:_1", "_1"),
        ] {
            let want =
                format!("Requested resource VCPU expected positive integer amount. Got: {got}.");
            assert_eq!(err(parse_resources(input)), want);
        }
        for (input, got) in [("VCPU:0", "0"), ("VCPU:-007", "-7"), ("VCPU:-0", "0")] {
            let want = format!("Requested resource VCPU requires amount >= 1. Got: {got}.");
            assert_eq!(err(parse_resources(input)), want);
        }
    }

    #[test]
    fn required_gates_and_forms() {
        let f = parse_required(&["A,!!B"], v(22)).unwrap();
        assert_eq!(f.any_of, vec![set(&["A"])]);
        assert_eq!(f.forbidden, set(&["B"]));
        assert_eq!(f.names(), set(&["A", "B"]));
        // Before 1.39 only the last value is used, so an earlier `in:` is ignored.
        let f = parse_required(&["in:A", "B"], v(38)).unwrap();
        assert_eq!(f.any_of, vec![set(&["B"])]);
        let f = parse_required(&["A", "in:B, C", "!D"], v(39)).unwrap();
        assert_eq!(f.any_of, vec![set(&["A"]), set(&["B", "C"])]);
        assert_eq!(f.forbidden, set(&["D"]));
        let f = parse_required(&[" A , !B", "A,A", " in:A"], v(39)).unwrap();
        let want = vec![set(&["A"]), set(&["A"]), set(&["A"]), set(&["in:A"])];
        assert_eq!(f.any_of, want);
        assert!(parse_required(&[], v(39)).unwrap().is_empty());
    }

    #[test]
    fn required_errors() {
        let p = "Invalid query string parameters:";
        let plain = "Expected 'required' parameter value of the form: HW_CPU_X86_VMX,CUSTOM_MAGIC.";
        let with_bang =
            "Expected 'required' parameter value of the form: HW_CPU_X86_VMX,!CUSTOM_MAGIC.";
        let in_form = "The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC'";
        let in_empty = "Expected 'required' parameter value of the form: \
                        in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in:";
        let cases = [
            ("A,!B", 21, format!("{p} {plain} Got: A,!B")),
            (
                "A,,B",
                21,
                format!("{p} {plain} Got an empty trait in: A,,B"),
            ),
            ("!", 21, format!("{p} {plain} Got an empty trait in: !")),
            (
                "A,!",
                22,
                format!("{p} {with_bang} Got an empty trait in: A,!"),
            ),
            (
                "in:A,B",
                38,
                format!("{p} {in_form} only supported since microversion 1.39. Got: in:A,B"),
            ),
            ("in:A,", 39, format!("{p} {in_empty} in:A,")),
            ("in:", 39, format!("{p} {in_empty} in:")),
            (
                "in:A,!B",
                39,
                format!("{p} {in_form} does not support forbidden traits. Got: in:A,!B"),
            ),
        ];
        for (input, minor, want) in cases {
            assert_eq!(err(parse_required(&[input], v(minor))), want, "{input}");
        }
    }

    #[test]
    fn trait_conflicts() {
        let g0 = parse_required(&["in:A,B", "C", "!A", "!C", "C"], v(39)).unwrap();
        let g1 = parse_required(&["in:A,B", "!A,!B"], v(39)).unwrap();
        let ok = parse_required(&["in:A,B", "!A"], v(39)).unwrap();
        assert_eq!(check_trait_conflicts([("", &ok)]), Ok(()));
        assert_eq!(
            err(check_trait_conflicts([("1", &g1), ("", &g0)])),
            "Conflicting required and forbidden traits found in the following traits keys: \
             required1: (A, B), required: (C), required: (C)"
        );
    }

    #[test]
    fn member_of_ok() {
        let one = parse_member_of("member_of", &[U1], v(3)).unwrap();
        assert_eq!(one.any_of, vec![set(&[U1])]);
        let in_all = format!("in:{U1},{U2}");
        let neg_in = format!("!in:{U2},{U1}");
        let neg = format!("!{U1}");
        let f = parse_member_of("member_of", &[&in_all, &neg, &neg_in], v(32)).unwrap();
        assert_eq!(f.any_of, vec![set(&[U1, U2])]);
        assert_eq!(f.forbidden, set(&[U1, U2]));
        let braces = format!("{{{}}}", U1.to_uppercase());
        assert_eq!(
            parse_member_of("member_of", &[&braces], v(3))
                .unwrap()
                .any_of,
            vec![set(&[&braces])]
        );
    }

    #[test]
    fn member_of_errors() {
        let bad = "Invalid query string parameters: Expected 'member_of' parameter to contain valid UUID(s). Got: ";
        assert_eq!(
            err(parse_member_of("member_of1", &[U1, U2], v(23))),
            "Multiple member_of1 parameters are not supported"
        );
        let comma = format!("{U1},{U2}");
        assert_eq!(
            err(parse_member_of("member_of", &[&comma], v(24))),
            format!(
                "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword using the valid microversion. Got: {comma}"
            )
        );
        let forbidden =
            "Forbidden member_of2 parameters are not supported in the specified microversion";
        assert_eq!(
            err(parse_member_of("member_of2", &[&format!("!{U1}")], v(31))),
            forbidden
        );
        assert_eq!(
            err(parse_member_of(
                "member_of2",
                &[&format!("!in:{U1},{U2}")],
                v(31)
            )),
            forbidden
        );
        // The UUID check runs before the forbidden gate.
        assert_eq!(
            err(parse_member_of("member_of", &["!x"], v(31))),
            format!("{bad}x")
        );
        for (input, got) in [
            (format!("in:{U1},x"), "x".to_string()),
            ("in:".to_string(), String::new()),
            ("!".to_string(), String::new()),
            (format!("in:{U1},!{U2}"), format!("!{U2}")),
            (format!("!!{U1}"), format!("!{U1}")),
        ] {
            assert_eq!(
                err(parse_member_of("member_of", &[&input], v(32))),
                format!("{bad}{got}")
            );
        }
    }

    #[test]
    fn in_tree_and_uuid_like() {
        assert_eq!(parse_in_tree("in_tree", &format!(" {U1}\x1f")).unwrap(), U1);
        let msg = "Invalid query string parameters: Expected 'in_tree' parameter to be a format of uuid. Got: ";
        assert_eq!(err(parse_in_tree("in_tree1", " x ")), format!("{msg} x "));
        assert_eq!(err(parse_in_tree("in_tree", "")), msg);
        let hex = "12345678123456781234567812345678";
        for ok in [
            format!("{{{{{U1}}}}}"),
            format!("urn:uuid:{hex}"),
            format!("uuurn:id:{hex}"),
            format!("-{}-8-", &hex[..31]),
            "123456781234567812345678123456AB".to_string(),
        ] {
            assert!(is_uuid_like(&ok), "{ok}");
        }
        for bad in [
            format!("URN:{hex}"),
            format!("uu urn:id:{hex}"),
            format!("{hex}0"),
            "x".into(),
        ] {
            assert!(!is_uuid_like(&bad), "{bad}");
        }
    }
}
