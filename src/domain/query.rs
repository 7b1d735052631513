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
pub(crate) fn py_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c))
}

/// Python `int(s)` in base 10 over ASCII digits: surrounding whitespace
/// (exactly Rust's `trim` set), one optional sign, single `_` between digits.
/// Returns the value's canonical decimal text (" -0_07" → "-7", "-0" → "0").
pub(crate) fn py_int(s: &str) -> Option<String> {
    let s = s.trim();
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    // Splitting on '_' yields an empty piece for a leading, trailing or doubled '_'.
    let ok = body
        .split('_')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let digits: String = body.chars().filter(|c| *c != '_').collect();
    match digits.trim_start_matches('0') {
        _ if !ok => None,
        "" => Some("0".to_string()),
        d if s.starts_with('-') => Some(format!("-{d}")),
        d => Some(d.to_string()),
    }
}

/// oslo `uuidutils.is_uuid_like`: drop every "urn:" then "uuid:", strip
/// surrounding braces, drop dashes; what is left must be 32 hex digits.
pub fn is_uuid_like(value: &str) -> bool {
    let s = value.replace("urn:", "").replace("uuid:", "");
    let s = s.trim_matches(|c| c == '{' || c == '}');
    let hex: Vec<char> = s.chars().filter(|c| *c != '-').collect();
    hex.len() == 32 && hex.iter().all(char::is_ascii_hexdigit)
}

/// The canonical form (lowercase, dashed) of a uuid-like value, as Python's
/// `str(uuid.UUID(value))`.
pub fn normalize_uuid(value: &str) -> Option<String> {
    if !is_uuid_like(value) {
        return None;
    }
    let hex: String = value
        .replace("urn:", "")
        .replace("uuid:", "")
        .chars()
        .filter(char::is_ascii_hexdigit)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    ))
}

/// `resources=RC:N,RC:N` → (class, amount) pairs. Upstream builds a dict, so a
/// repeated class keeps its first position and takes the last amount. Class
/// names are not stripped or validated; both handlers report an unknown one as
/// `Invalid resource class in resources parameter: No such resource class X.`
/// Amounts beyond `i64::MAX` (upstream passes on unbounded ints that no
/// inventory can satisfy) are clamped to `i64::MAX`.
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
        let Some(amount) = py_int(raw) else {
            return Err(format!(
                "Requested resource {name} expected positive integer amount. Got: {raw}."
            ));
        };
        if amount == "0" || amount.starts_with('-') {
            return Err(format!(
                "Requested resource {name} requires amount >= 1. Got: {amount}."
            ));
        }
        let cap = i64::MAX as u64;
        let amount = amount.parse::<u64>().map_or(cap, |n| n.min(cap));
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
/// whatever the suffix. Unknown names are the caller's check: upstream names
/// one missing trait, `No such trait(s): X.`, and only the RP list prefixes it
/// with `Invalid trait(s) in "required" parameter: `.
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
        // Each plain trait is its own one-member any-of set.
        let required = items.iter().filter(|t| !t.starts_with('!'));
        let sets = required.map(|t| BTreeSet::from([t.to_string()]));
        filter.any_of.extend(sets);
        filter
            .forbidden
            .extend(forbidden.into_iter().map(String::from));
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
        // "!in:L" and "in:L" carry a list; without "in:" a comma was rejected above.
        let negated = val.starts_with('!');
        let body = val.strip_prefix('!').unwrap_or(val);
        let list = body.strip_prefix("in:").unwrap_or(body);
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
    const BAD: &str = "Invalid query string parameters:";

    fn v(minor: u32) -> Version {
        Version { major: 1, minor }
    }
    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }
    fn res_err(input: &str) -> String {
        parse_resources(input).expect_err(input)
    }
    fn req_err(input: &str, minor: u32) -> String {
        parse_required(&[input], v(minor)).expect_err(input)
    }
    fn mo_err(key: &str, values: &[&str], minor: u32) -> String {
        parse_member_of(key, values, v(minor)).expect_err(key)
    }

    #[test]
    fn resources() {
        let got = parse_resources("VCPU:2,MEMORY_MB:3,VCPU:4").unwrap();
        assert_eq!(got, vec![("VCPU".into(), 4), ("MEMORY_MB".into(), 3)]);
        let got = parse_resources(" VCPU: +1_0 ,DISK_GB:99999999999999999999").unwrap();
        assert_eq!(
            got,
            vec![(" VCPU".into(), 10), ("DISK_GB".into(), i64::MAX as u64)]
        );
        let form = "Badly formed resources parameter. Expected resources query string parameter \
                    in form: ?resources=VCPU:2,MEMORY_MB:1024. Got:";
        assert_eq!(res_err(""), format!("{form} empty string."));
        assert_eq!(res_err(" \x1c"), format!("{form} empty string."));
        assert_eq!(res_err("VCPU:1,VCPU"), format!("{form} VCPU."));
        assert_eq!(res_err("VCPU:1:2"), format!("{form} VCPU:1:2."));
        assert_eq!(res_err("VCPU:1,"), format!("{form} ."));
        for amount in ["a", "", "1__0", "_1", "1_", "0x5", "+"] {
            let want =
                format!("Requested resource VCPU expected positive integer amount. Got: {amount}.");
            assert_eq!(res_err(&format!("VCPU:{amount}")), want);
        }
        for (amount, shown) in [("0", "0"), ("-007", "-7"), ("-0", "0"), (" 0_0 ", "0")] {
            let want = format!("Requested resource VCPU requires amount >= 1. Got: {shown}.");
            assert_eq!(res_err(&format!("VCPU:{amount}")), want);
        }
    }

    #[test]
    fn required_gates_and_forms() {
        let f = parse_required(&["A,!!B"], v(22)).unwrap();
        assert_eq!(
            (f.any_of.clone(), f.forbidden.clone()),
            (vec![set(&["A"])], set(&["B"]))
        );
        assert_eq!(f.names(), set(&["A", "B"]));
        // Before 1.39 only the last value is used, so an earlier `in:` is ignored.
        let f = parse_required(&["in:A", "B"], v(38)).unwrap();
        assert_eq!(f.any_of, vec![set(&["B"])]);
        let f = parse_required(&["A", "in:B, C", "!D"], v(39)).unwrap();
        assert_eq!(f.any_of, vec![set(&["A"]), set(&["B", "C"])]);
        assert_eq!(f.forbidden, set(&["D"]));
        let f = parse_required(&[" A , !B", "A,A", " in:A"], v(39)).unwrap();
        assert_eq!(f.any_of, [["A"], ["A"], ["A"], ["in:A"]].map(|s| set(&s)));
        assert!(parse_required(&[], v(39)).unwrap().is_empty());
    }

    #[test]
    fn required_errors() {
        let form = format!("{BAD} Expected 'required' parameter value of the form:");
        let plain = format!("{form} HW_CPU_X86_VMX,CUSTOM_MAGIC.");
        assert_eq!(req_err("A,!B", 21), format!("{plain} Got: A,!B"));
        assert_eq!(
            req_err("A,,B", 21),
            format!("{plain} Got an empty trait in: A,,B")
        );
        assert_eq!(
            req_err("!", 21),
            format!("{plain} Got an empty trait in: !")
        );
        let bang = format!("{form} HW_CPU_X86_VMX,!CUSTOM_MAGIC.");
        assert_eq!(
            req_err("A,!", 22),
            format!("{bang} Got an empty trait in: A,!")
        );
        let in_form = format!("{BAD} The format 'in:HW_CPU_X86_VMX,CUSTOM_MAGIC'");
        let old = format!("{in_form} only supported since microversion 1.39. Got: in:A,B");
        assert_eq!(req_err("in:A,B", 38), old);
        let in_empty = format!("{form} in:HW_CPU_X86_VMX,CUSTOM_MAGIC. Got an empty trait in:");
        assert_eq!(req_err("in:A,", 39), format!("{in_empty} in:A,"));
        assert_eq!(req_err("in:", 39), format!("{in_empty} in:"));
        let no_bang = format!("{in_form} does not support forbidden traits. Got: in:A,!B");
        assert_eq!(req_err("in:A,!B", 39), no_bang);
    }

    #[test]
    fn trait_conflicts() {
        let g0 = parse_required(&["in:A,B", "C", "!A", "!C", "C"], v(39)).unwrap();
        let g1 = parse_required(&["in:A,B", "!A,!B"], v(39)).unwrap();
        let ok = parse_required(&["in:A,B", "!A"], v(39)).unwrap();
        assert_eq!(check_trait_conflicts([("", &ok)]), Ok(()));
        assert_eq!(
            check_trait_conflicts([("1", &g1), ("", &g0)]),
            Err(
                "Conflicting required and forbidden traits found in the following traits keys: \
                 required1: (A, B), required: (C), required: (C)"
                    .to_string()
            )
        );
    }

    #[test]
    fn member_of_ok() {
        let one = parse_member_of("member_of", &[U1], v(3)).unwrap();
        assert_eq!(one.any_of, vec![set(&[U1])]);
        let (in_all, neg_in) = (format!("in:{U1},{U2}"), format!("!in:{U2},{U1}"));
        let neg = format!("!{U1}");
        let f = parse_member_of("member_of", &[&in_all, &neg, &neg_in], v(32)).unwrap();
        assert_eq!(
            (f.any_of, f.forbidden),
            (vec![set(&[U1, U2])], set(&[U1, U2]))
        );
        // Kept verbatim: upstream does not normalise the accepted spelling.
        let braces = format!("{{{}}}", U1.to_uppercase());
        let f = parse_member_of("member_of", &[&braces], v(3)).unwrap();
        assert_eq!(f.any_of, vec![set(&[&braces])]);
    }

    #[test]
    fn member_of_errors() {
        let multi = "Multiple member_of1 parameters are not supported";
        assert_eq!(mo_err("member_of1", &[U1, U2], 23), multi);
        let comma = format!("{U1},{U2}");
        let want = format!(
            "Multiple values for 'member_of' must be prefixed with the 'in:' or '!in:' keyword \
             using the valid microversion. Got: {comma}"
        );
        assert_eq!(mo_err("member_of", &[&comma], 24), want);
        let forbidden =
            "Forbidden member_of2 parameters are not supported in the specified microversion";
        assert_eq!(mo_err("member_of2", &[&format!("!{U1}")], 31), forbidden);
        assert_eq!(
            mo_err("member_of2", &[&format!("!in:{U1},{U2}")], 31),
            forbidden
        );
        let bad = format!("{BAD} Expected 'member_of' parameter to contain valid UUID(s). Got:");
        // The UUID check runs before the forbidden gate.
        assert_eq!(mo_err("member_of", &["!x"], 31), format!("{bad} x"));
        for (input, got) in [
            (format!("in:{U1},x"), "x".to_string()),
            ("in:".to_string(), String::new()),
            ("!".to_string(), String::new()),
            (format!("in:{U1},!{U2}"), format!("!{U2}")),
            (format!("!!{U1}"), format!("!{U1}")),
        ] {
            assert_eq!(mo_err("member_of", &[&input], 32), format!("{bad} {got}"));
        }
    }

    #[test]
    fn in_tree_and_uuid_like() {
        assert_eq!(
            parse_in_tree("in_tree", &format!(" {U1}\x1f")),
            Ok(U1.to_string())
        );
        let msg = format!("{BAD} Expected 'in_tree' parameter to be a format of uuid. Got:");
        assert_eq!(parse_in_tree("in_tree1", " x "), Err(format!("{msg}  x ")));
        assert_eq!(parse_in_tree("in_tree", ""), Err(format!("{msg} ")));
        let hex = "12345678123456781234567812345678";
        let uuid_like = [
            format!("{{{{{U1}}}}}"),
            format!("urn:uuid:{hex}"),
            format!("uuurn:id:{hex}"),
            format!("-{}-8-", &hex[..31]),
            "123456781234567812345678123456AB".to_string(),
        ];
        assert!(uuid_like.iter().all(|u| is_uuid_like(u)));
        let not_uuid = [
            format!("URN:{hex}"),
            format!("uu urn:id:{hex}"),
            format!("{hex}0"),
        ];
        assert!(not_uuid.iter().all(|u| !is_uuid_like(u)));
    }
}
