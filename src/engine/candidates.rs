//! GET /allocation_candidates answered from the read model: no SQL and no
//! actor messages per request. The search follows upstream's shape (per
//! group candidates anchored at tree roots, then a product across groups
//! per anchor), because its results — including which trees count as
//! touched and which duplicates collapse — are what clients see. The
//! product is generated lazily with exact prefix pruning (isolate,
//! capacity) and stops at `limit` or the configured cap.

use std::collections::{BTreeMap, BTreeSet};

// Ids are small integers chosen by us, so a fast non-keyed hash is safe.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use rand::seq::SliceRandom;

use super::providers::ProviderTable;
use super::{Engine, EngineError, ProviderState};
use crate::domain::candidate_request::{CandidateRequest, GroupPolicy, RequestGroup};
use crate::domain::microversion::Version;

const SHARING_TRAIT: &str = "MISC_SHARES_VIA_AGGREGATE";

/// Search knobs (upstream's [placement] options of the same names).
#[derive(Debug, Clone, Copy)]
pub struct SearchOptions {
    /// Most unique candidates generated; None = unlimited.
    pub max_candidates: Option<usize>,
    pub randomize: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            max_candidates: Some(100_000),
            randomize: false,
        }
    }
}

/// One allocation request: provider id → class id → amount, plus which
/// providers served which group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Candidate {
    pub anchor: i32,
    /// (provider id, class id, amount), consolidated, in generation order.
    pub resources: Vec<(i32, i32, i64)>,
    pub mappings: BTreeMap<String, BTreeSet<i32>>,
}

/// The answer: requests and the providers to summarise (ids, in order).
#[derive(Debug, Default)]
pub struct Candidates {
    pub requests: Vec<Candidate>,
    pub summaries: Vec<i32>,
}

/// A group resolved to ids.
struct Group<'a> {
    src: &'a RequestGroup,
    resources: Vec<(i32, i64)>,
    required: Vec<BTreeSet<i32>>,
    forbidden: BTreeSet<i32>,
    /// Providers directly in every positive member_of set (None: no filter).
    in_aggs: Option<HashSet<i32>>,
    tree_root: Option<i32>,
    same_provider: bool,
}

/// What makes two candidates the same: resources as a set, and mappings.
type CandidateKey = (Vec<(i32, i32, i64)>, BTreeMap<String, BTreeSet<i32>>);

/// A group candidate without its anchor.
type AreqKey<'x> = (&'x [(i32, i32, i64)], &'x BTreeMap<String, BTreeSet<i32>>);

/// Why a search ends early with no results rather than an error.
struct NoResults;

/// One group's candidate before merging.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Areq {
    anchor: i32,
    resources: Vec<(i32, i32, i64)>,
    mappings: BTreeMap<String, BTreeSet<i32>>,
}

impl Engine {
    pub fn allocation_candidates(
        &self,
        req: &CandidateRequest,
        version: Version,
        opts: SearchOptions,
    ) -> Result<Candidates, EngineError> {
        let t = self.providers();
        let search = Search::new(self, &t, req, version, opts);
        search.run()
    }
}

struct Search<'a> {
    engine: &'a Engine,
    t: &'a ProviderTable,
    req: &'a CandidateRequest,
    nested_aware: bool,
    opts: SearchOptions,
    has_trees: bool,
    sharing: HashSet<i32>,
    anchor_roots: Option<HashSet<i32>>,
}

impl<'a> Search<'a> {
    fn new(
        engine: &'a Engine,
        t: &'a ProviderTable,
        req: &'a CandidateRequest,
        version: Version,
        opts: SearchOptions,
    ) -> Self {
        Search {
            engine,
            t,
            req,
            nested_aware: version.at_least(29),
            opts,
            has_trees: false,
            sharing: HashSet::default(),
            anchor_roots: None,
        }
    }

    fn root_id(&self, p: &ProviderState) -> i32 {
        if p.parent.is_none() {
            return p.id;
        }
        self.t.get(&p.root).map_or(p.id, |r| r.id)
    }

    fn trait_ids(&self, names: &BTreeSet<String>) -> Result<BTreeSet<i32>, EngineError> {
        names
            .iter()
            .map(|n| {
                self.engine
                    .trait_by_name(n)
                    .map(|e| e.id)
                    .ok_or_else(|| EngineError::TraitNotFound(n.clone()))
            })
            .collect()
    }

    fn run(mut self) -> Result<Candidates, EngineError> {
        self.has_trees = self.t.has_trees();
        // Root traits are resolved before any group, as upstream does.
        let rr = &self.req.root_required;
        if !rr.is_empty() {
            let required: BTreeSet<String> = rr.any_of.iter().flatten().cloned().collect();
            let required = self.trait_ids(&required)?;
            let forbidden = self.trait_ids(&rr.forbidden)?;
            let roots: HashSet<i32> = self
                .t
                .iter()
                .filter(|p| p.parent.is_none())
                .filter(|p| required.is_subset(&p.traits) && p.traits.is_disjoint(&forbidden))
                .map(|p| p.id)
                .collect();
            if roots.is_empty() {
                return Ok(Candidates::default());
            }
            self.anchor_roots = Some(roots);
        }
        if let Some(sh) = self.engine.trait_by_name(SHARING_TRAIT)
            && let Some(ids) = self.t.with_trait(sh.id)
        {
            self.sharing = ids.iter().copied().collect();
        }
        let mut per_group: Vec<(String, bool, Vec<Areq>)> = vec![];
        let mut amounts: HashMap<i32, i64> = HashMap::default();
        let mut multi_group_rcs: HashSet<i32> = HashSet::default();
        for g in &self.req.groups {
            let group = match self.resolve(g)? {
                Ok(group) => group,
                Err(NoResults) => return Ok(Candidates::default()),
            };
            for (rc, n) in &group.resources {
                if amounts.contains_key(rc) {
                    multi_group_rcs.insert(*rc);
                }
                *amounts.entry(*rc).or_default() += n;
            }
            let areqs = self.group_candidates(&group)?;
            if areqs.is_empty() {
                return Ok(Candidates::default());
            }
            per_group.push((g.suffix.clone(), group.same_provider, areqs));
        }
        let mut requests = if per_group.len() == 1 {
            // One group: its candidates are the answer; no product to form.
            let (_, _, areqs) = per_group.pop().unwrap_or_default();
            self.single_group(areqs, self.cap())
        } else {
            self.merge(&per_group, &amounts, &multi_group_rcs)
        };
        let mut used: Vec<i32> = vec![];
        if !self.nested_aware && self.has_trees {
            requests.retain(|c| {
                let rps: BTreeSet<i32> = c.resources.iter().map(|r| r.0).collect();
                let roots: BTreeSet<i32> = rps
                    .iter()
                    .filter_map(|id| self.t.by_id(*id))
                    .map(|p| self.root_id(p))
                    .collect();
                rps.len() == roots.len()
            });
        }
        if let Some(limit) = self.req.limit
            && limit < requests.len()
        {
            if self.opts.randomize {
                requests.shuffle(&mut rand::rng());
            }
            requests.truncate(limit);
        } else if let Some(n) = self.req.negative_limit {
            // Upstream slices with the negative value: all but the last n.
            if self.opts.randomize {
                return Err(EngineError::Internal(
                    "Sample larger than population or is negative".into(),
                ));
            }
            requests.truncate(requests.len().saturating_sub(n));
        } else if self.opts.randomize {
            requests.shuffle(&mut rand::rng());
        }
        let mut seen_rps: HashSet<i32> = HashSet::default();
        for c in &requests {
            for (rp, _, _) in &c.resources {
                if seen_rps.insert(*rp) {
                    used.push(*rp);
                }
            }
        }
        let summaries = if !self.nested_aware || !self.has_trees {
            // Without trees every provider is its own whole tree.
            used.clone()
        } else {
            let roots: HashSet<i32> = used
                .iter()
                .filter_map(|id| self.t.by_id(*id))
                .map(|p| self.root_id(p))
                .collect();
            self.t
                .iter()
                .filter(|p| roots.contains(&self.root_id(p)))
                .map(|p| p.id)
                .collect()
        };
        Ok(Candidates {
            requests,
            summaries,
        })
    }

    /// Resolves names and the group-wide filters in upstream's order; an
    /// unknown class or trait is an error, a filter matching nothing is
    /// an empty answer.
    fn resolve(&self, g: &'a RequestGroup) -> Result<Result<Group<'a>, NoResults>, EngineError> {
        let mut resources = vec![];
        for (name, n) in &g.resources {
            let id = self
                .engine
                .resource_class(name)
                .ok_or_else(|| EngineError::ClassNotFound(name.clone()))?
                .id;
            resources.push((id, i64::try_from(*n).unwrap_or(i64::MAX)));
        }
        let in_aggs = if g.member_of.any_of.is_empty() {
            None
        } else {
            // Each any-of set is the union of its aggregates' members;
            // the sets are AND'ed.
            let mut set: Option<HashSet<i32>> = None;
            for any in &g.member_of.any_of {
                let members: HashSet<i32> = any
                    .iter()
                    .filter_map(|a| self.t.in_aggregate(a))
                    .flatten()
                    .copied()
                    .collect();
                set = Some(match set {
                    None => members,
                    Some(prev) => prev.intersection(&members).copied().collect(),
                });
            }
            let set = set.unwrap_or_default();
            if set.is_empty() {
                return Ok(Err(NoResults));
            }
            Some(set)
        };
        let mut required = vec![];
        for set in &g.required.any_of {
            required.push(self.trait_ids(set)?);
        }
        let forbidden = self.trait_ids(&g.required.forbidden)?;
        let tree_root = match &g.in_tree {
            None => None,
            Some(u) => match self.t.get(u) {
                Some(p) => Some(self.root_id(p)),
                None => return Ok(Err(NoResults)),
            },
        };
        let group = Group {
            src: g,
            resources,
            required,
            forbidden,
            in_aggs,
            tree_root,
            same_provider: !g.suffix.is_empty(),
        };
        for (rc, n) in &group.resources {
            if self.with_resource(&group, *rc, *n).next().is_none() {
                return Ok(Err(NoResults));
            }
        }
        Ok(Ok(group))
    }

    /// Providers (with their roots) that can give `amount` of `rc` alone.
    fn with_resource<'b>(
        &'b self,
        g: &'b Group<'_>,
        rc: i32,
        amount: i64,
    ) -> impl Iterator<Item = (i32, i32)> + 'b {
        self.t.iter().filter_map(move |p| {
            let e = p.inventories.get(&rc)?;
            if !e.inventory.fits(p.used(rc), amount) {
                return None;
            }
            let root = self.root_id(p);
            if g.tree_root.is_some_and(|r| r != root) {
                return None;
            }
            Some((p.id, root))
        })
    }

    fn in_filtered_anchors(&self, root: i32) -> bool {
        self.anchor_roots.as_ref().is_none_or(|a| a.contains(&root))
    }

    /// Roots of every provider sharing an aggregate with the sharing provider (itself included).
    fn anchors_of(&self, sp: &ProviderState) -> BTreeSet<i32> {
        if sp.aggregates.is_empty() {
            return BTreeSet::new();
        }
        self.t
            .iter()
            .filter(|p| p.aggregates.iter().any(|a| sp.aggregates.contains(a)))
            .map(|p| self.root_id(p))
            .collect()
    }

    fn has_any(p: &ProviderState, traits: &BTreeSet<i32>) -> bool {
        traits.iter().any(|t| p.traits.contains(t))
    }

    fn in_forbidden_aggs(&self, g: &Group<'_>, p: &ProviderState) -> bool {
        !g.src.member_of.forbidden.is_empty()
            && p.aggregates
                .iter()
                .any(|a| g.src.member_of.forbidden.contains(a))
    }

    fn group_candidates(&self, g: &Group<'_>) -> Result<Vec<Areq>, EngineError> {
        if !g.same_provider && (!self.sharing.is_empty() || self.has_trees) {
            return Ok(self.multiple_providers(g));
        }
        Ok(self.single_provider(g))
    }

    /// One provider gives the whole group.
    fn single_provider(&self, g: &Group<'_>) -> Vec<Areq> {
        let positive = !g.required.is_empty() || g.in_aggs.is_some();
        let fits = |p: &ProviderState| {
            g.required.iter().all(|s| Self::has_any(p, s))
                && g.in_aggs.as_ref().is_none_or(|a| a.contains(&p.id))
                && !self.in_forbidden_aggs(g, p)
                && !Self::has_any(p, &g.forbidden)
        };
        let mut out = vec![];
        for p in self.pool(g) {
            if !fits(p) {
                continue;
            }
            if g.resources.is_empty() {
                // A resourceless group needs a positive filter (upstream quirk).
                if !positive {
                    continue;
                }
            } else {
                let root = self.root_id(p);
                let ok = g.resources.iter().all(|(rc, n)| {
                    p.inventories
                        .get(rc)
                        .is_some_and(|e| e.inventory.fits(p.used(*rc), *n))
                }) && g.tree_root.is_none_or(|r| r == root);
                if !ok {
                    continue;
                }
            }
            let root = self.root_id(p);
            let areq = Areq {
                anchor: root,
                resources: g.resources.iter().map(|(rc, n)| (p.id, *rc, *n)).collect(),
                mappings: BTreeMap::from([(g.src.suffix.clone(), BTreeSet::from([p.id]))]),
            };
            // A sharing provider also serves the trees it shares with,
            // after its own.
            let copies: Vec<i32> = if self.sharing.contains(&p.id) {
                self.anchors_of(p)
                    .into_iter()
                    .filter(|a| *a != root && self.in_filtered_anchors(*a))
                    .collect()
            } else {
                vec![]
            };
            let own = self.in_filtered_anchors(root);
            if own && copies.is_empty() {
                out.push(areq);
                continue;
            }
            if own {
                out.push(areq.clone());
            }
            for anchor in copies {
                out.push(Areq {
                    anchor,
                    ..areq.clone()
                });
            }
        }
        out
    }

    /// The providers worth checking for a single-provider group: the
    /// smallest of the positive filters' member sets, else all (by id).
    fn pool(&self, g: &Group<'_>) -> Vec<&'a ProviderState> {
        // Sizes first (a union is at most the sum of its members), so only
        // the chosen set is built.
        let trait_size = |any: &BTreeSet<i32>| -> usize {
            any.iter()
                .filter_map(|t| self.t.with_trait(*t))
                .map(BTreeSet::len)
                .sum()
        };
        let smallest_traits = g.required.iter().min_by_key(|any| trait_size(any));
        let aggs_size = g.in_aggs.as_ref().map(HashSet::len);
        let mut ids: Vec<i32> = match (aggs_size, smallest_traits) {
            (Some(n), Some(any)) if trait_size(any) < n => self.trait_members(any),
            (Some(_), _) => g.in_aggs.iter().flatten().copied().collect(),
            (None, Some(any)) => self.trait_members(any),
            (None, None) => return self.t.iter().collect(),
        };
        ids.sort_unstable();
        ids.dedup();
        ids.iter().filter_map(|id| self.t.by_id(*id)).collect()
    }

    fn trait_members(&self, any: &BTreeSet<i32>) -> Vec<i32> {
        any.iter()
            .filter_map(|t| self.t.with_trait(*t))
            .flatten()
            .copied()
            .collect()
    }

    /// The unsuffixed group when trees or sharing providers exist: each
    /// class may come from a different provider of the tree, or from a
    /// sharing provider anchored to it.
    fn multiple_providers(&self, g: &Group<'_>) -> Vec<Areq> {
        let all_required: BTreeSet<i32> = g.required.iter().flatten().copied().collect();
        if !all_required.is_empty() && !self.t.iter().any(|p| Self::has_any(p, &all_required)) {
            return vec![];
        }
        // (provider, anchor root) per class; only trees offering every class survive.
        let mut cands: BTreeMap<i32, BTreeSet<(i32, i32)>> = BTreeMap::new();
        let mut trees: Option<BTreeSet<i32>> = None;
        for (rc, n) in &g.resources {
            let mut list: BTreeSet<(i32, i32)> = self.with_resource(g, *rc, *n).collect();
            if g.tree_root.is_none() {
                for (sp, _) in self.with_resource(g, *rc, *n).collect::<Vec<_>>() {
                    if !self.sharing.contains(&sp)
                        || g.in_aggs.as_ref().is_some_and(|a| !a.contains(&sp))
                    {
                        continue;
                    }
                    if let Some(p) = self.t.by_id(sp) {
                        for anchor in self.anchors_of(p) {
                            list.insert((sp, anchor));
                        }
                    }
                }
            }
            if let Some(anchors) = &self.anchor_roots {
                list.retain(|(_, root)| anchors.contains(root));
            }
            if let Some(aggs) = &g.in_aggs {
                list.retain(|(rp, root)| aggs.contains(rp) || aggs.contains(root));
            }
            if !g.src.member_of.forbidden.is_empty() {
                list.retain(|(rp, root)| {
                    let bad = |id: &i32| {
                        self.t
                            .by_id(*id)
                            .is_some_and(|p| self.in_forbidden_aggs(g, p))
                    };
                    !bad(rp) && !bad(root)
                });
            }
            if list.is_empty() {
                return vec![];
            }
            let these: BTreeSet<i32> = list.iter().map(|(_, r)| *r).collect();
            trees = Some(match trees {
                None => these,
                Some(prev) => prev.intersection(&these).copied().collect(),
            });
            cands.insert(*rc, list);
            let keep = trees.clone().unwrap_or_default();
            for l in cands.values_mut() {
                l.retain(|(_, r)| keep.contains(r));
            }
            if keep.is_empty() {
                return vec![];
            }
        }
        if (!g.required.is_empty() || !g.forbidden.is_empty()) && self.sharing.is_empty() {
            self.prefilter_trees_by_traits(g, &mut cands);
        }
        let rcs: Vec<(i32, i64)> = {
            let mut v = g.resources.clone();
            v.sort_by_key(|(rc, _)| *rc);
            v
        };
        let trees: BTreeSet<i32> = cands.values().flatten().map(|(_, r)| *r).collect();
        let mut out: Vec<Areq> = vec![];
        let mut seen: HashSet<Areq> = HashSet::default();
        for root in trees {
            let lists: Vec<Vec<i32>> = rcs
                .iter()
                .map(|(rc, _)| {
                    cands[rc]
                        .iter()
                        .filter(|(_, r)| *r == root)
                        .map(|(p, _)| *p)
                        .collect()
                })
                .collect();
            if lists.iter().any(Vec::is_empty) {
                continue;
            }
            let mut idx = vec![0usize; lists.len()];
            loop {
                let chosen: Vec<i32> = idx.iter().zip(&lists).map(|(i, l)| l[*i]).collect();
                if self.traits_satisfied(g, &chosen) {
                    let areq = Areq {
                        anchor: root,
                        resources: chosen
                            .iter()
                            .zip(&rcs)
                            .map(|(p, (rc, n))| (*p, *rc, *n))
                            .collect(),
                        mappings: BTreeMap::from([(
                            g.src.suffix.clone(),
                            chosen.iter().copied().collect(),
                        )]),
                    };
                    if seen.insert(areq.clone()) {
                        out.push(areq);
                    }
                }
                if !advance(&mut idx, &lists) {
                    break;
                }
            }
        }
        out
    }

    /// Drops trees whose candidate providers cannot collectively carry the
    /// required traits without a forbidden one (upstream's pre-filter).
    fn prefilter_trees_by_traits(
        &self,
        g: &Group<'_>,
        cands: &mut BTreeMap<i32, BTreeSet<(i32, i32)>>,
    ) {
        let rps: BTreeSet<i32> = cands.values().flatten().map(|(p, _)| *p).collect();
        let mut good_roots: HashSet<i32> = HashSet::default();
        let mut traits_by_root: HashMap<i32, BTreeSet<i32>> = HashMap::default();
        for id in &rps {
            if let Some(p) = self.t.by_id(*id)
                && !Self::has_any(p, &g.forbidden)
            {
                let root = self.root_id(p);
                good_roots.insert(root);
                traits_by_root.entry(root).or_default().extend(&p.traits);
            }
        }
        let keep: HashSet<i32> = if g.required.is_empty() {
            good_roots
        } else {
            traits_by_root
                .into_iter()
                .filter(|(_, ts)| g.required.iter().all(|s| s.iter().any(|t| ts.contains(t))))
                .map(|(r, _)| r)
                .collect()
        };
        for l in cands.values_mut() {
            l.retain(|(p, r)| {
                keep.contains(r) && self.t.by_id(*p).is_some_and(|x| self.root_id(x) == *r)
            });
        }
    }

    /// The providers used by one combination must carry every required
    /// any-of set between them, and none may carry a forbidden trait.
    fn traits_satisfied(&self, g: &Group<'_>, chosen: &[i32]) -> bool {
        let mut all: BTreeSet<i32> = BTreeSet::new();
        for id in chosen {
            let Some(p) = self.t.by_id(*id) else {
                return false;
            };
            if Self::has_any(p, &g.forbidden) {
                return false;
            }
            all.extend(&p.traits);
        }
        g.required.iter().all(|s| s.iter().any(|t| all.contains(t)))
    }

    /// Capacity left for (provider, class) after its committed usage, and its max_unit.
    fn room(&self, rp: i32, rc: i32) -> Option<(i64, i64)> {
        let p = self.t.by_id(rp)?;
        let e = p.inventories.get(&rc)?;
        Some((
            e.inventory.capacity_int() - p.used(rc),
            e.inventory.max_unit,
        ))
    }

    /// Most candidates worth generating.
    fn cap(&self) -> Option<usize> {
        let mut cap = self.opts.max_candidates;
        // Stopping at `limit` is safe only when nothing is dropped later.
        if let Some(limit) = self.req.limit
            && !self.opts.randomize
            && (self.nested_aware || !self.has_trees)
        {
            cap = Some(cap.map_or(limit, |c| c.min(limit)));
        }
        cap
    }

    /// The product across groups per anchor, with group policy, same
    /// subtree and combined capacity; unique results only.
    fn merge(
        &self,
        per_group: &[(String, bool, Vec<Areq>)],
        amounts: &HashMap<i32, i64>,
        multi_group_rcs: &HashSet<i32>,
    ) -> Vec<Candidate> {
        let cap = self.cap();
        let isolate = self.req.group_policy == Some(GroupPolicy::Isolate);
        // anchor → per group (in group order) its candidates; anchors in first-seen order.
        let mut anchors: Vec<i32> = vec![];
        let mut by_anchor: HashMap<i32, Vec<Vec<&Areq>>> = HashMap::default();
        for (gi, (_, _, areqs)) in per_group.iter().enumerate() {
            for a in areqs {
                let slot = by_anchor.entry(a.anchor).or_insert_with(|| {
                    anchors.push(a.anchor);
                    vec![vec![]; per_group.len()]
                });
                slot[gi].push(a);
            }
        }
        let mut out: Vec<Candidate> = vec![];
        let mut seen: HashSet<CandidateKey> = HashSet::default();
        for anchor in anchors {
            let lists = &by_anchor[&anchor];
            if lists.iter().any(Vec::is_empty) {
                continue;
            }
            if !self.overall_capacity_ok(lists, amounts, multi_group_rcs) {
                continue;
            }
            let mut picked: Vec<&Areq> = Vec::with_capacity(lists.len());
            let mut sums: HashMap<(i32, i32), i64> = HashMap::default();
            let done = self.product(
                lists,
                per_group,
                isolate,
                &mut picked,
                &mut sums,
                &mut |picked: &[&Areq]| {
                    if !self.same_subtree_ok(picked) {
                        return false;
                    }
                    let c = consolidate(anchor, picked);
                    let mut key_res = c.resources.clone();
                    key_res.sort_unstable();
                    if seen.insert((key_res, c.mappings.clone())) {
                        out.push(c);
                    }
                    cap.is_some_and(|n| out.len() >= n)
                },
            );
            if done {
                break;
            }
        }
        out
    }

    /// The merge of a lone group: each candidate within capacity, once
    /// (a sharing provider's copies for other anchors collapse).
    fn single_group(&self, areqs: Vec<Areq>, cap: Option<usize>) -> Vec<Candidate> {
        let limit = cap.unwrap_or(usize::MAX);
        // Which candidates to keep, decided on borrowed keys. Copies (that
        // differ only in the anchor) exist only through sharing providers;
        // trees keep the check as well, as their combinations are built
        // per anchor.
        let dedupe = !self.sharing.is_empty() || self.has_trees;
        let mut seen: HashSet<AreqKey<'_>> = HashSet::default();
        let mut keep = vec![false; areqs.len()];
        let mut kept = 0;
        for (i, a) in areqs.iter().enumerate() {
            if kept >= limit {
                break;
            }
            let fits = a.resources.iter().all(|(rp, rc, n)| {
                self.room(*rp, *rc)
                    .is_none_or(|(room, max_unit)| *n <= room && *n <= max_unit)
            });
            if fits && (!dedupe || seen.insert((&a.resources, &a.mappings))) {
                keep[i] = true;
                kept += 1;
            }
        }
        areqs
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(a, _)| Candidate {
                anchor: a.anchor,
                resources: a.resources,
                mappings: a.mappings,
            })
            .collect()
    }

    /// Depth-first product over groups; prunes a prefix that already breaks
    /// isolation or capacity (every extension would too). Returns true
    /// when `emit` asks to stop.
    fn product<'b>(
        &self,
        lists: &'b [Vec<&'b Areq>],
        per_group: &[(String, bool, Vec<Areq>)],
        isolate: bool,
        picked: &mut Vec<&'b Areq>,
        sums: &mut HashMap<(i32, i32), i64>,
        emit: &mut dyn FnMut(&[&Areq]) -> bool,
    ) -> bool {
        let depth = picked.len();
        if depth == lists.len() {
            return emit(picked);
        }
        let same_provider = per_group[depth].1;
        for a in &lists[depth] {
            if isolate && same_provider {
                let mine = a.mappings.values().next();
                let clash = picked
                    .iter()
                    .enumerate()
                    .any(|(i, b)| per_group[i].1 && b.mappings.values().next() == mine);
                if clash {
                    continue;
                }
            }
            let mut fits = true;
            for (rp, rc, n) in &a.resources {
                let s = sums.entry((*rp, *rc)).or_default();
                *s += n;
                if let Some((room, max_unit)) = self.room(*rp, *rc)
                    && (*s > room || *s > max_unit)
                {
                    fits = false;
                }
            }
            if fits {
                picked.push(a);
                let stop = self.product(lists, per_group, isolate, picked, sums, emit);
                picked.pop();
                if stop {
                    for (rp, rc, n) in &a.resources {
                        *sums.entry((*rp, *rc)).or_default() -= n;
                    }
                    return true;
                }
            }
            for (rp, rc, n) in &a.resources {
                *sums.entry((*rp, *rc)).or_default() -= n;
            }
        }
        false
    }

    /// Upstream's cheap pre-check: for classes asked by several groups,
    /// the providers on offer under this anchor must hold enough in total.
    fn overall_capacity_ok(
        &self,
        lists: &[Vec<&Areq>],
        amounts: &HashMap<i32, i64>,
        multi_group_rcs: &HashSet<i32>,
    ) -> bool {
        if multi_group_rcs.is_empty() {
            return true;
        }
        let rps: BTreeSet<i32> = lists
            .iter()
            .flatten()
            .flat_map(|a| a.resources.iter().map(|r| r.0))
            .collect();
        multi_group_rcs.iter().all(|rc| {
            let available: i64 = rps
                .iter()
                .filter_map(|rp| self.t.by_id(*rp))
                .filter_map(|p| p.inventories.get(rc))
                .map(|e| e.inventory.capacity_int())
                .sum();
            amounts.get(rc).copied().unwrap_or(0) <= available
        })
    }

    fn same_subtree_ok(&self, picked: &[&Areq]) -> bool {
        for suffixes in &self.req.same_subtree {
            let rps: BTreeSet<i32> = picked
                .iter()
                .flat_map(|a| {
                    suffixes
                        .iter()
                        .filter_map(|s| a.mappings.get(s))
                        .flatten()
                        .copied()
                })
                .collect();
            if rps.len() <= 1 {
                continue;
            }
            // Some provider of the set must be an ancestor-or-self of all.
            let ok = rps.iter().any(|cand| {
                rps.iter()
                    .all(|other| self.is_ancestor_or_self(*cand, *other))
            });
            if !ok {
                return false;
            }
        }
        true
    }

    fn is_ancestor_or_self(&self, ancestor: i32, node: i32) -> bool {
        let mut cur = self.t.by_id(node);
        while let Some(p) = cur {
            if p.id == ancestor {
                return true;
            }
            cur = p.parent.as_deref().and_then(|u| self.t.get(u));
        }
        false
    }
}

/// Sums the same (provider, class) across groups and unites mappings.
fn consolidate(anchor: i32, picked: &[&Areq]) -> Candidate {
    let mut resources: Vec<(i32, i32, i64)> = vec![];
    let mut mappings: BTreeMap<String, BTreeSet<i32>> = BTreeMap::new();
    for a in picked {
        for (rp, rc, n) in &a.resources {
            match resources.iter_mut().find(|r| r.0 == *rp && r.1 == *rc) {
                Some(r) => r.2 += n,
                None => resources.push((*rp, *rc, *n)),
            }
        }
        for (s, rps) in &a.mappings {
            mappings.entry(s.clone()).or_default().extend(rps);
        }
    }
    Candidate {
        anchor,
        resources,
        mappings,
    }
}

/// Odometer step over a mixed-radix index; false after the last combination.
fn advance(idx: &mut [usize], lists: &[Vec<i32>]) -> bool {
    for i in (0..idx.len()).rev() {
        idx[i] += 1;
        if idx[i] < lists[i].len() {
            return true;
        }
        idx[i] = 0;
    }
    false
}
