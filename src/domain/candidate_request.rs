//! The query string of `GET /allocation_candidates` (microversions 1.10–1.39),
//! parsed and validated as Placement 16.0.0's handler does before it searches:
//! the query schema, then the request-wide parameters (`lib.RequestWideParams`),
//! then the request groups (`lib.RequestGroup.dict_from_request`), then the
//! handler's own `group_policy` check. Errors carry upstream's text and code
//! and come out in upstream's order. Unknown resource classes and traits are
//! left to the search, which upstream only checks there.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::domain::Version;
use crate::domain::jsonschema::{self, UuidFormat};
use crate::domain::query::{
    AggregateFilter, TraitFilter, check_trait_conflicts, parse_in_tree, parse_member_of,
    parse_required, parse_resources, py_int, py_strip,
};
use crate::domain::schema_cache::PerVersion;

pub const DUPLICATE_KEY: &str = "placement.query.duplicate_key";
pub const BAD_VALUE: &str = "placement.query.bad_value";
pub const MISSING_VALUE: &str = "placement.query.missing_value";

#[derive(Debug, Clone, PartialEq)]
pub struct RequestGroup {
    /// "" for the unsuffixed group; otherwise the text after the prefix (e.g. "1", "_NET").
    pub suffix: String,
    /// (class name, amount) in query order; empty for a resourceless group.
    pub resources: Vec<(String, u64)>,
    pub required: TraitFilter,
    pub member_of: AggregateFilter,
    pub in_tree: Option<String>,
}

impl RequestGroup {
    fn new(suffix: &str) -> Self {
        RequestGroup {
            suffix: suffix.to_string(),
            resources: Vec::new(),
            required: TraitFilter::default(),
            member_of: AggregateFilter::default(),
            in_tree: None,
        }
    }

    /// Upstream's `use_same_provider`: every suffixed group is satisfied by one provider.
    pub fn use_same_provider(&self) -> bool {
        !self.suffix.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupPolicy {
    None,
    Isolate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateRequest {
    /// Upstream's `by_suffix` dict order: a group sits where a key of its
    /// suffix (`resourcesS`, `requiredS`, `member_ofS`, `in_treeS`) first
    /// appears in the query string. Upstream iterates the groups in this order
    /// (and so lists them in `mappings`), hence the same order here.
    pub groups: Vec<RequestGroup>,
    /// The first `limit` (the schema only checked the last one). None when
    /// absent or 0 (upstream treats 0 as "no limit"); beyond `usize` it clamps.
    pub limit: Option<usize>,
    /// QUIRK: a negative first `limit` -n (only possible when a later `limit`
    /// passes the schema). Upstream then keeps all but the last n candidates
    /// (`[:-n]`), or 500s (`random.sample`) with randomize_allocation_candidates.
    pub negative_limit: Option<usize>,
    /// The first `group_policy` (the schema only checked the last one): an
    /// empty first value counts as absent; any value but "isolate" filters
    /// like "none", as upstream compares with `!= 'isolate'`.
    pub group_policy: Option<GroupPolicy>,
    /// root_required: any_of = one single-member set per required trait; forbidden.
    pub root_required: TraitFilter,
    pub same_subtree: Vec<BTreeSet<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueryError {
    pub message: String,
    /// e.g. "placement.query.duplicate_key"; None = undefined code.
    pub code: Option<&'static str>,
    /// 400, except 500 where upstream raises an unhandled exception.
    pub status: u16,
}

impl QueryError {
    fn bad(message: impl Into<String>) -> Self {
        QueryError {
            message: message.into(),
            code: None,
            status: 400,
        }
    }

    fn coded(message: impl Into<String>, code: &'static str) -> Self {
        QueryError {
            code: Some(code),
            ..QueryError::bad(message)
        }
    }
}

/// Parses the decoded query `pairs` (in order, repeats kept) for `version`.
pub fn parse(pairs: &[(String, String)], version: Version) -> Result<CandidateRequest, QueryError> {
    check_schema(pairs, version)?;
    let (limit, negative_limit) = parse_limit(first(pairs, "limit"))?;
    let group_policy = first(pairs, "group_policy").and_then(group_policy);
    let root_required = parse_root_required(&values(pairs, "root_required"))?;
    let same_subtree = parse_same_subtree(&values(pairs, "same_subtree"))?;
    let groups = parse_groups(pairs, version)?;
    if version.at_least(36) {
        check_subtree_groups(&groups, &same_subtree)?;
    } else {
        check_orphans(&groups)?;
    }
    if version.at_least(22) {
        let filters = groups.iter().map(|g| (g.suffix.as_str(), &g.required));
        check_trait_conflicts(filters).map_err(QueryError::bad)?;
    }
    check_group_policy(&groups, group_policy)?;
    Ok(CandidateRequest {
        groups,
        limit,
        negative_limit,
        group_policy,
        root_required,
        same_subtree,
    })
}

fn values<'a>(pairs: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Python `dict(req.GET)`: keys in first-appearance order, each with its last value.
fn check_schema(pairs: &[(String, String)], version: Version) -> Result<(), QueryError> {
    let mut map = serde_json::Map::new();
    for (k, v) in pairs {
        map.insert(k.clone(), Value::String(v.clone()));
    }
    static SCHEMA: PerVersion = PerVersion::new();
    let schema = SCHEMA.get(version, || schema(version));
    jsonschema::validate(&Value::Object(map), &schema, UuidFormat::Strict)
        .map_err(|e| QueryError::bad(format!("Invalid query string parameters: {e}")))
}

/// Upstream's `GET_SCHEMA_1_x`, keys in the order its deepcopy-and-edit
/// chain leaves them (they show in the error text).
fn schema(version: Version) -> Value {
    let limit = json!({"type": ["integer", "string"], "pattern": "^[1-9][0-9]*$",
                       "minimum": 1, "minLength": 1});
    let string_list = json!({"type": ["string"]});
    if !version.at_least(25) {
        let mut props = json!({"resources": {"type": "string"}});
        let extra = [
            (16, "limit", &limit),
            (17, "required", &string_list),
            (21, "member_of", &string_list),
        ];
        for (minor, key, s) in extra {
            if version.at_least(minor) {
                props[key] = s.clone();
            }
        }
        return json!({"type": "object", "properties": props, "required": ["resources"],
                      "additionalProperties": false});
    }
    let mut props = json!({"limit": limit,
                           "group_policy": {"type": "string", "enum": ["none", "isolate"]}});
    for (minor, key) in [(35, "root_required"), (36, "same_subtree")] {
        if version.at_least(minor) {
            props[key] = string_list.clone();
        }
    }
    let group_pat = if version.at_least(33) {
        "[a-zA-Z0-9_-]{1,64}"
    } else {
        "[1-9][0-9]*"
    };
    let mut patterns = serde_json::Map::new();
    for prefix in Prefix::ALL.iter().filter(|p| version.at_least(p.since())) {
        let pattern = format!("^{}({group_pat})?$", prefix.name());
        patterns.insert(pattern, json!({"type": "string"}));
    }
    json!({"type": "object", "properties": props, "additionalProperties": false,
           "patternProperties": patterns})
}

/// `int(limit[0])`: a non-integer first value (the schema saw only the last) is
/// an unhandled ValueError upstream.
fn parse_limit(raw: Option<&str>) -> Result<(Option<usize>, Option<usize>), QueryError> {
    let Some(raw) = raw else {
        return Ok((None, None));
    };
    let Some(n) = py_int(py_strip(raw)) else {
        let shown = jsonschema::py_repr(&Value::String(raw.to_string()));
        return Err(QueryError {
            status: 500,
            ..QueryError::bad(format!("invalid literal for int() with base 10: {shown}"))
        });
    };
    let magnitude = |digits: &str| digits.parse::<usize>().unwrap_or(usize::MAX);
    Ok(match n.strip_prefix('-') {
        Some(digits) => (None, Some(magnitude(digits))),
        None if n == "0" => (None, None),
        None => (Some(magnitude(&n)), None),
    })
}

/// The first `group_policy`, which the schema did not check: "" is falsy
/// (absent) upstream, and only "isolate" isolates.
fn group_policy(raw: &str) -> Option<GroupPolicy> {
    match raw {
        "" => None,
        "isolate" => Some(GroupPolicy::Isolate),
        _ => Some(GroupPolicy::None),
    }
}

/// `root_required` (1.35+): once only; `!T` allowed, `in:` not (it takes
/// upstream's pre-1.39 parser whatever the microversion).
fn parse_root_required(values: &[&str]) -> Result<TraitFilter, QueryError> {
    let Some(&value) = values.first() else {
        return Ok(TraitFilter::default());
    };
    if values.len() > 1 {
        return Err(QueryError::coded(
            "Query parameter 'root_required' may be specified only once.",
            DUPLICATE_KEY,
        ));
    }
    let parsed = parse_required(&[value], Version::new(1, 35)).map_err(QueryError::bad)?;
    // Upstream flattens into one set, so duplicates collapse.
    let required: BTreeSet<String> = parsed.any_of.into_iter().flatten().collect();
    let conflicts: Vec<&str> = required
        .intersection(&parsed.forbidden)
        .map(String::as_str)
        .collect();
    if !conflicts.is_empty() {
        // Upstream joins a set (arbitrary order); sorted here.
        let msg = format!(
            "Conflicting required and forbidden traits found in root_required: {}",
            conflicts.join(", ")
        );
        return Err(QueryError::coded(msg, BAD_VALUE));
    }
    Ok(TraitFilter {
        any_of: required.into_iter().map(|t| BTreeSet::from([t])).collect(),
        forbidden: parsed.forbidden,
    })
}

/// `same_subtree` (1.36+, repeatable): each value a set of stripped suffixes.
fn parse_same_subtree(values: &[&str]) -> Result<Vec<BTreeSet<String>>, QueryError> {
    let mut out = Vec::new();
    for value in values {
        let set: BTreeSet<String> = value.split(',').map(|s| py_strip(s).to_string()).collect();
        if set.contains("") {
            // The trailing space is upstream's.
            return Err(QueryError::coded(
                "Empty string (unsuffixed group) can not be specified in `same_subtree` ",
                BAD_VALUE,
            ));
        }
        out.push(set);
    }
    Ok(out)
}

/// The four keys a request group is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    Resources,
    Required,
    MemberOf,
    InTree,
}

impl Prefix {
    /// In upstream's regex alternation (and schema) order.
    const ALL: [Prefix; 4] = [
        Prefix::Resources,
        Prefix::Required,
        Prefix::MemberOf,
        Prefix::InTree,
    ];

    fn name(self) -> &'static str {
        match self {
            Prefix::Resources => "resources",
            Prefix::Required => "required",
            Prefix::MemberOf => "member_of",
            Prefix::InTree => "in_tree",
        }
    }

    /// Microversion from which the schema accepts a suffixed key of this kind.
    fn since(self) -> u32 {
        match self {
            Prefix::InTree => 31,
            _ => 25,
        }
    }
}

/// Upstream's `_QS_KEY_PATTERN(_1_33)` via `re.match`: `^(prefix)(suffix)?$`.
/// Python's `$` also matches before one final "\n", so `required1\n` names
/// group "1" (a quirk kept: from 1.25 the schema lets such keys through).
fn split_group_key(key: &str, verbose: bool) -> Option<(Prefix, &str)> {
    let key = key.strip_suffix('\n').unwrap_or(key);
    let (prefix, suffix) = Prefix::ALL
        .iter()
        .find_map(|p| key.strip_prefix(p.name()).map(|rest| (*p, rest)))?;
    (suffix.is_empty() || is_suffix(suffix, verbose)).then_some((prefix, suffix))
}

/// `[a-zA-Z0-9_-]{1,64}` from 1.33 (`verbose`), `[1-9][0-9]*` before.
fn is_suffix(s: &str, verbose: bool) -> bool {
    if verbose {
        let ok = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        (1..=64).contains(&s.len()) && s.bytes().all(ok)
    } else {
        s.starts_with(|c: char| ('1'..='9').contains(&c)) && s.bytes().all(|b| b.is_ascii_digit())
    }
}

/// `_parse_request_items`: pairs in order, so the first bad value errors
/// first. `requiredS`/`member_ofS` read every value of that exact key, never of
/// a "\n"-ended one (upstream re-reads them at each occurrence, with the same
/// outcome, so once suffices); `resourcesS`/`in_treeS` take each value in
/// turn, the last one winning.
fn parse_groups(
    pairs: &[(String, String)],
    version: Version,
) -> Result<Vec<RequestGroup>, QueryError> {
    let mut groups: Vec<RequestGroup> = Vec::new();
    let mut read_all: Vec<(Prefix, &str)> = Vec::new();
    for (key, value) in pairs {
        let Some((prefix, suffix)) = split_group_key(key, version.at_least(33)) else {
            continue;
        };
        let at = match groups.iter().position(|g| g.suffix == suffix) {
            Some(at) => at,
            None => {
                groups.push(RequestGroup::new(suffix));
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        let exact = format!("{}{suffix}", prefix.name());
        let first_time = !read_all.contains(&(prefix, suffix));
        match prefix {
            Prefix::Resources => {
                group.resources = parse_resources(value).map_err(QueryError::bad)?
            }
            Prefix::InTree => {
                group.in_tree = Some(parse_in_tree(key, value).map_err(QueryError::bad)?);
            }
            Prefix::Required if first_time => {
                let all = values(pairs, &exact);
                group.required = parse_required(&all, version).map_err(QueryError::bad)?;
                read_all.push((prefix, suffix));
            }
            Prefix::MemberOf if first_time => {
                let all = values(pairs, &exact);
                group.member_of =
                    parse_member_of(&exact, &all, version).map_err(QueryError::bad)?;
                read_all.push((prefix, suffix));
            }
            Prefix::Required | Prefix::MemberOf => {}
        }
    }
    Ok(groups)
}

/// Before 1.36 every group needs resources; upstream names the offending
/// `required`/`member_of` keys first, in group order. A group with only
/// forbidden traits is not a traits orphan (upstream looks at required ones).
fn check_orphans(groups: &[RequestGroup]) -> Result<(), QueryError> {
    let resourceless = || groups.iter().filter(|g| g.resources.is_empty());
    let keys = |prefix: &str, pick: fn(&&RequestGroup) -> bool| -> Vec<String> {
        let orphans = resourceless().filter(pick);
        orphans.map(|g| format!("{prefix}{}", g.suffix)).collect()
    };
    let traits = keys("required", |g| !g.required.any_of.is_empty());
    if !traits.is_empty() {
        // Two spaces after "resources." are upstream's.
        return Err(QueryError::bad(format!(
            "All traits parameters must be associated with resources.  \
             Found the following orphaned traits keys: {}",
            traits.join(", ")
        )));
    }
    let aggs = keys("member_of", |g| {
        !g.member_of.any_of.is_empty() || !g.member_of.forbidden.is_empty()
    });
    if !aggs.is_empty() {
        return Err(QueryError::bad(format!(
            "All member_of parameters must be associated with resources. \
             Found the following orphaned member_of keys: {}",
            aggs.join(", ")
        )));
    }
    if resourceless().next().is_some() {
        return Err(QueryError::bad(
            "All request groups must specify resources.",
        ));
    }
    if groups.is_empty() {
        return Err(QueryError::bad(
            "At least one request group (`resources` or `resources{$S}`) is required.",
        ));
    }
    Ok(())
}

/// Python `str(list_of_str)`, as upstream formats suffix lists into messages.
fn py_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    let items = items.into_iter().map(|s| Value::String(s.to_string()));
    jsonschema::py_repr(&Value::Array(items.collect()))
}

/// From 1.36 resourceless groups are legal if `same_subtree` names them, and
/// `same_subtree` may only name existing groups. Upstream lists the bad
/// suffixes in set order (arbitrary); here in group / query order.
fn check_subtree_groups(
    groups: &[RequestGroup],
    same_subtree: &[BTreeSet<String>],
) -> Result<(), QueryError> {
    let resourceless: Vec<&str> = groups
        .iter()
        .filter(|g| g.resources.is_empty())
        .map(|g| g.suffix.as_str())
        .collect();
    if resourceless.len() == groups.len() {
        return Err(QueryError::coded(
            "There must be at least one resources or resources[$S] parameter.",
            MISSING_VALUE,
        ));
    }
    let named = |s: &str| same_subtree.iter().any(|set| set.contains(s));
    let bad: Vec<&str> = resourceless.into_iter().filter(|s| !named(s)).collect();
    if !bad.is_empty() {
        let msg = format!(
            "Resourceless suffixed group request should be specified in `same_subtree` \
             query param: bad group(s) - {}.",
            py_list(bad)
        );
        return Err(QueryError::coded(msg, BAD_VALUE));
    }
    let mut unknown: Vec<&str> = Vec::new();
    for s in same_subtree.iter().flatten() {
        if !groups.iter().any(|g| &g.suffix == s) && !unknown.contains(&s.as_str()) {
            unknown.push(s);
        }
    }
    if !unknown.is_empty() {
        let all = groups.iter().map(|g| g.suffix.as_str());
        let msg = format!(
            "Real suffixes should be specified in `same_subtree`: {} not found in {}.",
            py_list(unknown),
            py_list(all)
        );
        return Err(QueryError::coded(msg, BAD_VALUE));
    }
    Ok(())
}

/// The handler's last check: without a (truthy) `group_policy`, at most one
/// suffixed group, resourceless ones included.
fn check_group_policy(
    groups: &[RequestGroup],
    policy: Option<GroupPolicy>,
) -> Result<(), QueryError> {
    let suffixed = groups.iter().filter(|g| g.use_same_provider()).count();
    if policy.is_none() && suffixed > 1 {
        return Err(QueryError::bad(
            "The \"group_policy\" parameter is required when specifying more than one \
             \"resources{N}\" parameter.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from upstream Placement 16.0.0 itself (Python 3.11, jsonschema
    /// 4.26): its schema check, `RequestWideParams.from_request`,
    /// `RequestGroup.dict_from_request` and the handler's `group_policy` check
    /// run on each query. One JSON record a line: `src` (the gabbit test it
    /// comes from, "hand", "sweep" or "fuzz2", random queries), `v` (minor version), `q` (pairs) and
    /// `want`: `{"err": [status, message, code]}` or `{"ok": {...}}` in the
    /// shape of `to_json` below (empty fields left out; `limit` negative for
    /// `negative_limit`; `group_policy` as it filters).
    const ORACLE: &str = include_str!("candidate_request_oracle.jsonl");

    const U1: &str = "11111111-1111-1111-1111-111111111111";

    fn v(minor: u32) -> Version {
        Version::new(1, minor)
    }

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ok(pairs: &[(&str, &str)], minor: u32) -> CandidateRequest {
        parse(&q(pairs), v(minor)).expect("valid query")
    }

    fn err(pairs: &[(&str, &str)], minor: u32) -> QueryError {
        parse(&q(pairs), v(minor)).expect_err("invalid query")
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn suffixes(r: &CandidateRequest) -> Vec<&str> {
        r.groups.iter().map(|g| g.suffix.as_str()).collect()
    }

    #[test]
    fn groups_in_first_appearance_order_last_resources_win() {
        let r = ok(
            &[
                ("required1", "A"),
                ("resources", "VCPU:1"),
                ("member_of_x", U1),
                ("resources1", "VCPU:2"),
                ("resources_x", "DISK_GB:1"),
                ("resources", "MEMORY_MB:3"),
                ("group_policy", "isolate"),
            ],
            36,
        );
        assert_eq!(suffixes(&r), ["1", "", "_x"]);
        assert_eq!(r.groups[1].resources, [("MEMORY_MB".to_string(), 3)]);
        assert_eq!(r.groups[0].required.any_of, [set(&["A"])]);
        assert_eq!(r.groups[2].member_of.any_of, [set(&[U1])]);
        assert_eq!(r.group_policy, Some(GroupPolicy::Isolate));
    }

    #[test]
    fn required_repeats_and_any_of() {
        let pairs = [
            ("resources", "VCPU:1"),
            ("required", "A"),
            ("required", "in:B, C"),
            ("required", "!D"),
        ];
        let g = &ok(&pairs, 39).groups[0].required;
        assert_eq!(g.any_of, [set(&["A"]), set(&["B", "C"])]);
        assert_eq!(g.forbidden, set(&["D"]));
        // Before 1.39 only the last value counts and `in:` is refused.
        let e = err(&pairs[..3], 38);
        assert!(e.message.contains("only supported since microversion 1.39"));
        let g = &ok(&pairs[..2], 38).groups[0].required;
        assert_eq!(g.any_of, [set(&["A"])]);
    }

    #[test]
    fn request_wide_params() {
        let r = ok(
            &[
                ("resources", "VCPU:1"),
                ("limit", "7"),
                ("limit", "3"),
                ("root_required", "!!A, B ,B,!C"),
                ("same_subtree", " _A , 1"),
                ("resources_A", "VCPU:1"),
                ("resources1", "VCPU:1"),
                ("group_policy", "none"),
            ],
            36,
        );
        assert_eq!((r.limit, r.negative_limit), (Some(7), None));
        assert_eq!(r.root_required.any_of, [set(&["B"])]);
        assert_eq!(r.root_required.forbidden, set(&["A", "C"]));
        assert_eq!(r.same_subtree, [set(&["_A", "1"])]);
        assert_eq!(r.group_policy, Some(GroupPolicy::None));
    }

    #[test]
    fn first_limit_and_group_policy_quirks() {
        let base = [("resources1", "VCPU:1"), ("resources2", "VCPU:1")];
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut p = base.to_vec();
            p.extend_from_slice(extra);
            p
        };
        let r = ok(
            &with(&[
                ("limit", "-2"),
                ("limit", "3"),
                ("group_policy", "x"),
                ("group_policy", "none"),
            ]),
            25,
        );
        assert_eq!((r.limit, r.negative_limit), (None, Some(2)));
        assert_eq!(r.group_policy, Some(GroupPolicy::None));
        let e = err(&with(&[("limit", "x"), ("limit", "3")]), 25);
        assert_eq!(e.status, 500);
        // An empty first group_policy is falsy upstream.
        let e = err(&with(&[("group_policy", ""), ("group_policy", "none")]), 25);
        assert!(
            e.message
                .starts_with("The \"group_policy\" parameter is required")
        );
    }

    /// (query, minor version, message, code).
    type Case<'a> = (&'a [(&'a str, &'a str)], u32, &'a str, Option<&'a str>);

    #[test]
    fn error_codes() {
        let r = ("resources", "VCPU:1");
        let cases: [Case; 7] = [
            (
                &[r, ("root_required", "A"), ("root_required", "B")],
                35,
                "Query parameter 'root_required' may be specified only once.",
                Some(DUPLICATE_KEY),
            ),
            (
                &[r, ("root_required", "A,!A")],
                35,
                "Conflicting required and forbidden traits found in root_required: A",
                Some(BAD_VALUE),
            ),
            (
                &[("required", "T")],
                36,
                "There must be at least one resources or resources[$S] parameter.",
                Some(MISSING_VALUE),
            ),
            (
                &[
                    ("resources_A", "VCPU:1"),
                    ("required", "T"),
                    ("same_subtree", "_A"),
                ],
                36,
                "Resourceless suffixed group request should be specified in `same_subtree` \
                 query param: bad group(s) - [''].",
                Some(BAD_VALUE),
            ),
            (
                &[("resources_A", "VCPU:1"), ("same_subtree", "_A,_B")],
                36,
                "Real suffixes should be specified in `same_subtree`: ['_B'] not found in ['_A'].",
                Some(BAD_VALUE),
            ),
            (
                &[r, ("same_subtree", "_A,,_B")],
                36,
                "Empty string (unsuffixed group) can not be specified in `same_subtree` ",
                Some(BAD_VALUE),
            ),
            (
                &[r, ("required", "A,!A")],
                22,
                "Conflicting required and forbidden traits found in the following traits keys: \
                 required: (A)",
                None,
            ),
        ];
        for (pairs, minor, message, code) in cases {
            let e = err(pairs, minor);
            assert_eq!((e.message.as_str(), e.code, e.status), (message, code, 400));
        }
    }

    #[test]
    fn orphans_before_1_36() {
        let e = err(&[("required", "FOO"), ("required1", "BAR")], 25);
        assert!(
            e.message
                .ends_with("orphaned traits keys: required, required1")
        );
        // Forbidden-only traits are no orphan; the group still lacks resources.
        let e = err(&[("resources", "VCPU:1"), ("required1", "!BAR")], 25);
        assert_eq!(e.message, "All request groups must specify resources.");
        let e = err(
            &[("resources", "VCPU:1"), ("member_of1", &format!("!{U1}"))],
            32,
        );
        assert!(e.message.ends_with("orphaned member_of keys: member_of1"));
        let e = err(&[("group_policy", "isolate")], 25);
        assert!(e.message.starts_with("At least one request group"));
    }

    #[test]
    fn errors_follow_query_order() {
        let e = err(&[("required", "!A"), ("resources", "VCPU:x")], 21);
        assert!(e.message.contains("HW_CPU_X86_VMX,CUSTOM_MAGIC. Got: !A"));
        let e = err(&[("resources", "VCPU:x"), ("required", "!A")], 21);
        assert!(
            e.message
                .starts_with("Requested resource VCPU expected positive integer")
        );
        // Request-wide parameters are checked before any group.
        let e = err(
            &[
                ("resources", "VCPU:x"),
                ("root_required", "A"),
                ("root_required", "A"),
            ],
            35,
        );
        assert_eq!(e.code, Some(DUPLICATE_KEY));
    }

    #[test]
    fn trailing_newline_key_quirk() {
        // `required1\n` joins group "1" but upstream reads values of `required1` only.
        let r = ok(&[("required1\n", "A"), ("resources1", "VCPU:1")], 36);
        assert_eq!(suffixes(&r), ["1"]);
        assert!(r.groups[0].required.is_empty());
        // Before 1.25 the schema names keys exactly, so it refuses `resources\n`.
        let e = err(&[("resources\n", "VCPU:1")], 10);
        assert!(e.message.contains("'resources' is a required property"));
    }

    #[test]
    fn schema_per_microversion() {
        let e = err(&[("resources", "VCPU:1"), ("limit", "5")], 15);
        assert!(e.message.contains("'limit' was unexpected"));
        let e = err(&[("resources01", "VCPU:1")], 25);
        assert!(
            e.message
                .contains("'resources01' does not match any of the regexes")
        );
        assert_eq!(suffixes(&ok(&[("resources_A", "VCPU:1")], 33)), ["_A"]);
        assert!(parse(&q(&[("resources_A", "VCPU:1")]), v(32)).is_err());
    }

    fn sorted(sets: &[BTreeSet<String>]) -> Value {
        json!(
            sets.iter()
                .map(|s| s.iter().collect::<Vec<_>>())
                .collect::<Vec<_>>()
        )
    }

    /// Inserts `value` unless it is empty, as the oracle's `prune`.
    fn put(map: &mut serde_json::Map<String, Value>, key: &str, value: Value) {
        let empty = match &value {
            Value::Null => true,
            Value::Array(a) => a.is_empty(),
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        if !empty {
            map.insert(key.to_string(), value);
        }
    }

    fn group_json(g: &RequestGroup) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("suffix".into(), json!(g.suffix));
        put(&mut m, "resources", json!(g.resources));
        put(&mut m, "required", sorted(&g.required.any_of));
        put(&mut m, "forbidden", json!(g.required.forbidden));
        put(&mut m, "member_of", sorted(&g.member_of.any_of));
        put(&mut m, "forbidden_aggs", json!(g.member_of.forbidden));
        put(&mut m, "in_tree", json!(g.in_tree));
        Value::Object(m)
    }

    fn to_json(r: &CandidateRequest) -> Value {
        let mut m = serde_json::Map::new();
        m.insert("groups".into(), r.groups.iter().map(group_json).collect());
        let limit = match (r.limit, r.negative_limit) {
            (Some(n), _) => json!(n),
            (_, Some(n)) => json!(-(n as i64)),
            _ => Value::Null,
        };
        put(&mut m, "limit", limit);
        let policy = r.group_policy.map(|p| match p {
            GroupPolicy::None => "none",
            GroupPolicy::Isolate => "isolate",
        });
        put(&mut m, "group_policy", json!(policy));
        let root: Vec<&String> = r.root_required.any_of.iter().flatten().collect();
        put(&mut m, "root_required", json!(root));
        put(&mut m, "root_forbidden", json!(r.root_required.forbidden));
        put(&mut m, "same_subtree", sorted(&r.same_subtree));
        Value::Object(m)
    }

    /// Upstream lists these from Python sets (order varies with the hash
    /// seed), so compare their items sorted.
    fn canonical(message: &str) -> String {
        let sort = |items: &str, sep: &str| {
            let mut v: Vec<&str> = items.split(sep).collect();
            v.sort_unstable();
            v.join(sep)
        };
        let conflict = "found in root_required: ";
        if let Some((head, list)) = message.split_once(conflict) {
            return format!("{head}{conflict}{}", sort(list, ", "));
        }
        for open in ["bad group(s) - [", "`same_subtree`: ["] {
            if let Some((head, rest)) = message.split_once(open)
                && let Some((list, tail)) = rest.split_once(']')
            {
                return format!("{head}{open}{}]{tail}", sort(list, ", "));
            }
        }
        message.to_string()
    }

    /// A huge first `limit` clamps to usize::MAX (JSON reads it as a float).
    fn normalise_limit(mut want: Value) -> Value {
        if let Some(l) = want.get_mut("limit")
            && l.is_f64()
        {
            *l = json!(usize::MAX);
        }
        want
    }

    fn run(pairs: &[(String, String)], minor: u32) -> Value {
        match parse(pairs, v(minor)) {
            Ok(r) => json!({"ok": to_json(&r)}),
            Err(e) => json!({"err": [e.status, canonical(&e.message), e.code]}),
        }
    }

    fn expected(want: &Value) -> Value {
        if let Some(ok) = want.get("ok") {
            return json!({"ok": normalise_limit(ok.clone())});
        }
        let e = &want["err"];
        let message = canonical(e[1].as_str().unwrap_or_default());
        json!({"err": [e[0], message, e[2]]})
    }

    #[test]
    fn matches_upstream_oracle() {
        let mut failures = Vec::new();
        let mut count = 0;
        for line in ORACLE.lines().filter(|l| !l.is_empty()) {
            let rec: Value = serde_json::from_str(line).expect("oracle line");
            let pairs: Vec<(String, String)> = serde_json::from_value(rec["q"].clone()).unwrap();
            let minor = rec["v"].as_u64().unwrap() as u32;
            let (want, got) = (expected(&rec["want"]), run(&pairs, minor));
            if got != want {
                let src = &rec["src"];
                failures.push(format!(
                    "{src}\n  1.{minor} {pairs:?}\n  want {want}\n  got  {got}"
                ));
            }
            count += 1;
        }
        assert!(count > 300, "oracle has {count} cases");
        assert!(
            failures.is_empty(),
            "{} of {count} differ:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
