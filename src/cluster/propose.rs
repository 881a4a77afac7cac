//! From the analysis to a proposal: pick the items, take out the shared-kernel candidates,
//! project, cluster (seeded Leiden), fold fragments into their neighbours, confirm the kernel,
//! give tables to their owners, name the services, and measure. Pure: no IO.

use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};

use super::blobs;
use super::memo::{Memoized, Partitions};
use super::metrics::{self, Dep, round};
use super::naming::{self, Clues};
use super::ownership;
use super::projection::{self, Items, module_of};
use super::proposal::{CrossCall, LayoutMetrics, Metrics, Proposal, Service, Settings, Split};
use super::slivers::{self, Sizes};
use super::{Leiden, Partitioner, WeightedGraph, kernel, modularity};
use crate::analysis::{Analysis, EdgeKind, NodeKind};
use crate::union_find::UnionFind;

/// How to cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterOptions {
    /// Leiden resolution γ; `None`: 1.0 (plain modularity), or searched for `services`.
    pub resolution: Option<f64>,
    /// Ask for about this many services: γ is searched to come closest.
    pub services: Option<u32>,
    pub seed: u64,
    /// Optional logical coupling from git history: (module, module, degree in 0..=1).
    pub co_change: Vec<(String, String, f64)>,
}

impl Default for ClusterOptions {
    fn default() -> Self {
        Self {
            resolution: None,
            services: None,
            seed: 42,
            co_change: Vec::new(),
        }
    }
}

/// Where an item ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    Service(usize),
    Kernel,
    Unassigned,
}

impl Place {
    pub(super) fn service(self) -> Option<usize> {
        match self {
            Place::Service(s) => Some(s),
            _ => None,
        }
    }
}

/// Services are numbered 0..n: the count is one past the highest number in use.
pub(super) fn service_count(place: &[Place]) -> usize {
    place
        .iter()
        .filter_map(|p| p.service())
        .map(|s| s + 1)
        .max()
        .unwrap_or(0)
}

/// The resolutions of the granularity ladder, coarse to fine: each is a whole proposal, with
/// every guardrail applied; the default level is chosen among them (see `levels.rs`).
pub const LADDER: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

pub fn propose(a: &Analysis, options: &ClusterOptions) -> Proposal {
    propose_with(a, options, &Partitions::default())
}

/// [`propose`] with the partitions computed before (`memo`, see `memo.rs`): the same proposal,
/// without computing again a partition the memo holds; the memo gains this one's.
pub fn propose_with(a: &Analysis, options: &ClusterOptions, memo: &Partitions) -> Proposal {
    let items = Items::of(a);
    let touches = touching(a, &items);
    let kernel = kernel::candidates(a, &items, &touches);
    let (mut graph, item_of_node) = projection::project(a, &items, &kernel.candidates);
    projection::add_co_change(&mut graph, &items, &options.co_change);
    let routes_of = handlers_to_routes(a);
    let fixed = Fixed {
        aggregates: aggregate_pairs(a, &items),
        touches,
        units: super::transactions::units(a, &items),
        sizes: Sizes::new(a, &items, &symbol_lines(a, &items), &routes_of),
        leiden: Memoized {
            leiden: Leiden::default(),
            memo,
        },
        seed: options.seed,
    };
    let at = At {
        a,
        items: &items,
        kernel: &kernel,
        graph: &graph,
        item_of_node: &item_of_node,
        routes_of: &routes_of,
        fixed: &fixed,
        options,
    };
    use rayon::prelude::*;
    // Each level is measured on a light proposal (services, flags, metrics); only the one
    // proposed is assembled in full (shared tables, splits, crossings, cuts, verdict).
    let (places, ladder): (Vec<Vec<Place>>, Vec<Proposal>) = LADDER
        .par_iter()
        .map(|&g| {
            let place = at.places(g, true);
            let light = at.assemble(place.clone(), g, true, false);
            (place, light)
        })
        .unzip();
    let explicit = match (options.resolution, options.services) {
        (Some(r), _) => Some(r),
        (None, Some(n)) => Some(search_resolution(&fixed, &graph, &item_of_node, &items, n)),
        (None, None) => None,
    };
    let stability = super::levels::stabilities(&ladder);
    let (mut chosen, index) = match explicit {
        // The granularity asked for takes the user's word: no blob is split for it.
        Some(gamma) => (
            at.assemble(at.places(gamma, false), gamma, false, true),
            None,
        ),
        None => {
            let i = super::levels::choose(&ladder, &stability);
            (
                at.assemble(places[i].clone(), LADDER[i], true, true),
                Some(i),
            )
        }
    };
    chosen.levels = super::levels::ladder(&ladder, &stability, &chosen, index);
    chosen
}

/// Everything one proposal at one resolution is computed from.
struct At<'x, 'a, 'm> {
    a: &'a Analysis,
    items: &'x Items<'a>,
    kernel: &'x kernel::Kernel,
    graph: &'x WeightedGraph,
    item_of_node: &'x [Option<usize>],
    routes_of: &'x HashMap<&'a str, Vec<&'a str>>,
    fixed: &'x Fixed<'m>,
    options: &'x ClusterOptions,
}

impl At<'_, '_, '_> {
    /// Where every item goes at resolution `gamma`; `split` splits blobs (every level of the
    /// ladder; not a granularity the user asked for).
    fn places(&self, gamma: f64, split: bool) -> Vec<Place> {
        let (a, items, fixed) = (self.a, self.items, self.fixed);
        let item_of_node = self.item_of_node;
        let (labels, graph) = partition(fixed, self.graph, item_of_node, gamma);
        let graph = &*graph;
        let mut place = services_of(fixed, split, graph, &labels, item_of_node, items);
        confirm_kernel(a, items, self.kernel, &mut place);
        super::settle::settle(a, items, &fixed.touches, &mut place);
        // Settling can grow a service past the blob share: it is split again, as any blob.
        if split && fixed.split_blobs(graph, item_of_node, items, &mut place) {
            rejoin(fixed, graph, item_of_node, items, &mut place);
        }
        super::dataless::merge_dataless(a, items, &fixed.sizes, &mut place);
        place
    }

    /// The proposal for `place`; `full`: with shared tables, splits, crossings, cuts, today's
    /// layout and the verdict (the proposal shown), else services and metrics only (a level).
    fn assemble(&self, place: Vec<Place>, gamma: f64, split: bool, full: bool) -> Proposal {
        let group_count = service_count(&place);
        assemble(
            self.a,
            self.items,
            self.graph,
            self.item_of_node,
            place,
            group_count,
            self.routes_of,
            gamma,
            self.options,
            &self.fixed.units,
            &self.fixed.aggregates,
            split,
            full,
        )
    }
}

/// Which items read or write a table.
fn touching(a: &Analysis, items: &Items<'_>) -> Vec<bool> {
    let mut out = vec![false; items.len()];
    for e in a
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Reads | EdgeKind::Writes))
    {
        if let Some(&i) = items.index.get(&*e.from) {
            out[i] = true;
        }
    }
    out
}

/// Route ids by handler id.
fn handlers_to_routes(a: &Analysis) -> HashMap<&str, Vec<&str>> {
    let mut out: HashMap<&str, Vec<&str>> = HashMap::default();
    for r in &a.routes {
        out.entry(r.handler.as_str())
            .or_default()
            .push(r.id.as_str());
    }
    out
}

/// How much a module-glue edge counts when a fragment picks the service to join.
const GLUE_TIE: f64 = 1e-3;

/// Communities → places: communities that hold data (a table) become services — a service
/// owns data; code without any (views reached only through dependency injection, helpers) is
/// not a service of its own — and the others join the service they share the most weight
/// with, or stay unassigned. Services (numbered by their first
/// item, so numbering is stable), fragments join the substantial community they share the most
/// weight with, or stay unassigned.
fn fold(
    graph: &WeightedGraph,
    labels: &[u32],
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    touches: &[bool],
) -> Vec<Place> {
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    for (node, &label) in labels.iter().enumerate() {
        if let Some(item) = item_of_node[node] {
            members[label as usize].push(item);
        }
    }
    let substantial: Vec<bool> = members
        .iter()
        .map(|m| m.iter().any(|&i| items.is_table(i)))
        .collect();
    // Weight between communities, for folding fragments. Module glue only breaks ties: a
    // fragment holding a big module's node would otherwise follow wherever its siblings went.
    let mut tie: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for &(x, y, w) in &graph.edges {
        let (lx, ly) = (labels[x as usize] as usize, labels[y as usize] as usize);
        let glue = item_of_node[x as usize].is_none() || item_of_node[y as usize].is_none();
        let w = if glue { w * GLUE_TIE } else { w };
        if lx != ly {
            *tie.entry((lx, ly)).or_default() += w;
            *tie.entry((ly, lx)).or_default() += w;
        }
    }
    let mut target: Vec<Option<usize>> = (0..k).map(|c| substantial[c].then_some(c)).collect();
    // A library-shaped fragment tied about evenly to several services (the app's wiring: the
    // factory, error handlers, config helpers) belongs to none of them: it is left to the
    // kernel (data-free code) or to settling (code that touches a table).
    let mut shared = vec![false; k];
    for c in (0..k).filter(|&c| !substantial[c] && !members[c].is_empty()) {
        let ties: Vec<(usize, f64)> = tie
            .range((c, 0)..(c + 1, 0))
            .filter(|((_, d), _)| substantial[*d])
            .map(|((_, d), w)| (*d, *w))
            .collect();
        let total: f64 = ties.iter().map(|(_, w)| w).sum();
        let best = ties
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
            .copied();
        // Only library-shaped fragments: most members in a module named for helpers or wiring
        // ([`WIRING_SEGMENTS`]) or in a top-level package module (where the app factory
        // lives). A fragment of views that calls several services still joins the one
        // it calls most.
        let library = members[c]
            .iter()
            .filter(|&&i| {
                let m = items.modules[i];
                !m.contains('.') || m.split('.').any(|w| WIRING_SEGMENTS.contains(&w))
            })
            .count()
            * 2
            >= members[c].len();
        match best {
            Some((_, w)) if library && w < FOLD_DOMINANCE * total => shared[c] = true,
            Some((d, _)) => target[c] = Some(d),
            None => {}
        }
    }
    // Number services by their smallest item index.
    let mut first: BTreeMap<usize, usize> = BTreeMap::new();
    for (c, m) in members.iter().enumerate() {
        if let (Some(t), Some(&min)) = (target[c], m.iter().min()) {
            let e = first.entry(t).or_insert(min);
            *e = (*e).min(min);
        }
    }
    let mut order: Vec<(usize, usize)> = first.into_iter().map(|(c, min)| (min, c)).collect();
    order.sort_unstable();
    let number: HashMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(n, &(_, c))| (c, n))
        .collect();
    // An item tied to no other item (only to its module) has nothing to say where it belongs:
    // it stays unassigned rather than follow whichever service took its module's glue.
    let mut tied = vec![false; items.len()];
    for &(x, y, _) in &graph.edges {
        if let (Some(i), Some(j)) = (item_of_node[x as usize], item_of_node[y as usize])
            && i != j
        {
            tied[i] = true;
            tied[j] = true;
        }
    }
    let mut place = vec![Place::Unassigned; items.len()];
    for (c, m) in members.iter().enumerate() {
        for &i in m {
            place[i] = match target[c] {
                Some(t) if tied[i] => Place::Service(number[&t]),
                _ if shared[c] && !touches[i] => Place::Kernel,
                _ => Place::Unassigned,
            };
        }
    }
    place
}

/// Module path segments of helpers and wiring. Narrower than the kernel's generic words:
/// `lib`, `common` and `shared` hold whole domains in real apps (privacyidea's `lib/token.py`).
pub(super) const WIRING_SEGMENTS: &[&str] = &[
    "utils",
    "util",
    "helpers",
    "helper",
    "extensions",
    "decorators",
    "compat",
    "_compat",
    "config",
    "settings",
    "misc",
];

/// Share of a route-serving service's table accesses that are writes of its own tables under
/// which it is an edge service (a front end over other services' data). Data owners on the
/// corpus write their own tables in 8 % of their accesses or more; calibre-web's front end
/// (`cps.web`, 120 routes) in none.
const EDGE_OWN_SHARE: f64 = 0.05;

/// Share of a fragment's ties to services the one it folds into must hold.
const FOLD_DOMINANCE: f64 = 0.6;

/// An aggregate stays whole: a table that exactly one other table references (`tasks`, whose
/// only child is `comments`; `invoices`, whose only child is `payments`) is that child's
/// aggregate root, and the services holding the two are merged. A table referenced from several
/// tables (`users`, `accounts`, `orders`) is shared reference data: its children may live
/// anywhere. Services are renumbered by first appearance.
fn join_aggregates(aggregates: &[(usize, usize)], place: &mut [Place]) {
    let services = service_count(place);
    let mut sets = UnionFind::new(services);
    for &(table, child) in aggregates {
        if let (Place::Service(p), Place::Service(c)) = (place[table], place[child]) {
            sets.union(p, c);
        }
    }
    let roots: Vec<usize> = (0..services).map(|s| sets.find(s)).collect();
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    for p in place.iter_mut() {
        if let Place::Service(s) = p {
            let next = number.len();
            *s = *number.entry(roots[*s]).or_insert(next);
        }
    }
}

/// Kernel candidates stay in the kernel when two or more services use them; used by one, they
/// join it; used by none but the kernel, they stay. Library code (see [`kernel::Kernel`]) is
/// confirmed by its module's users, not its own. With fewer than two services nothing is
/// shared between services and "used by one" says nothing: the candidates (chosen by fan-in,
/// a property of the code) stay the platform under the one service.
fn confirm_kernel(a: &Analysis, items: &Items<'_>, kernel: &kernel::Kernel, place: &mut [Place]) {
    let candidates: Vec<bool> = (kernel.candidates.iter().zip(&kernel.library))
        .map(|(&c, &l)| c || l)
        .collect();
    for (i, &c) in candidates.iter().enumerate() {
        if c {
            place[i] = Place::Kernel;
        }
    }
    if service_count(place) < 2 {
        return;
    }
    let mut users: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    let mut container: HashMap<usize, usize> = HashMap::default();
    for (f, t, e) in items.edges(a) {
        match e.kind {
            EdgeKind::Calls | EdgeKind::Enqueues | EdgeKind::Inherits => {
                if let (true, Place::Service(s)) = (candidates[t], place[f]) {
                    users.entry(t).or_default().insert(s);
                }
            }
            EdgeKind::Contains => {
                container.insert(t, f);
            }
            _ => {}
        }
    }
    // A library module is one library (an e-mail and SMS gateway, a `utils.py`): when its
    // shared code (library or candidate) is used by two services, all its library code is
    // shared, though each of its functions may have one user.
    let mut module_users: HashMap<&str, BTreeSet<usize>> = HashMap::default();
    for (&i, s) in &users {
        if kernel.library[i] || kernel.candidates[i] {
            module_users
                .entry(items.modules[i])
                .or_default()
                .extend(s.iter().copied());
        }
    }
    for (i, _) in kernel.library.iter().enumerate().filter(|(_, l)| **l) {
        if let Some(s) = module_users.get(items.modules[i]) {
            users.insert(i, s.clone());
        }
    }
    // Outer definitions first, so that what they contain follows them.
    let depth =
        |i: usize| items.ids[i].matches('.').count() - module_of(items.ids[i]).matches('.').count();
    let mut order: Vec<usize> = (0..items.len()).filter(|&i| candidates[i]).collect();
    order.sort_by_key(|&i| (depth(i), i));
    for i in order {
        if let Some(&c) = container.get(&i).filter(|&&c| candidates[c]) {
            place[i] = place[c];
            continue;
        }
        if let Some(s) = users
            .get(&i)
            .filter(|s| s.len() == 1)
            .and_then(|s| s.first())
        {
            place[i] = Place::Service(*s);
        }
    }
}

/// (root table, its only child table) item pairs: computed once per proposal, used by every
/// [`services_of`] (the `--services` search runs it up to 18 times).
fn aggregate_pairs(a: &Analysis, items: &Items<'_>) -> Vec<(usize, usize)> {
    let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in a
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::References && e.from != e.to)
    {
        children.entry(&*e.to).or_default().insert(&*e.from);
    }
    children
        .iter()
        .filter_map(|(table, kids)| {
            let [child] = kids.iter().copied().collect::<Vec<_>>()[..] else {
                return None;
            };
            Some((*items.index.get(table)?, *items.index.get(child)?))
        })
        .collect()
}

/// Communities → services: fragments folded, aggregates joined. The one path both the proposal
/// and the `--services` search take, so the count searched for is the count proposed.
fn services_of(
    fixed: &Fixed,
    split: bool,
    graph: &WeightedGraph,
    labels: &[u32],
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
) -> Vec<Place> {
    let mut place = fold(graph, labels, item_of_node, items, &fixed.touches);
    if split {
        let _ = fixed.split_blobs(graph, item_of_node, items, &mut place);
    }
    rejoin(fixed, graph, item_of_node, items, &mut place);
    place
}

impl Fixed<'_> {
    /// Split the blobs of `place` with this proposal's partitioner and seed; whether any was.
    fn split_blobs(
        &self,
        graph: &WeightedGraph,
        item_of_node: &[Option<usize>],
        items: &Items<'_>,
        place: &mut [Place],
    ) -> bool {
        blobs::split_blobs(
            &self.leiden,
            graph,
            item_of_node,
            items,
            &self.sizes,
            self.seed,
            place,
        )
    }
}

/// After folding or a blob split: aggregates and write units joined, slivers merged.
fn rejoin(
    fixed: &Fixed,
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    place: &mut [Place],
) {
    join_aggregates(&fixed.aggregates, place);
    super::transactions::join_units(&fixed.units, items, &fixed.sizes, place);
    slivers::merge_slivers(graph, item_of_node, items, &fixed.sizes, place);
}

/// What every partition of one projection is read with, computed once per proposal (the
/// `--services` search partitions up to 18 times): the aggregate pairs and the items' sizes.
struct Fixed<'m> {
    aggregates: Vec<(usize, usize)>,
    /// Items that read or write a table (never kernel).
    touches: Vec<bool>,
    /// Functions writing two or more tables: their services are joined.
    units: Vec<super::transactions::Unit>,
    sizes: Sizes,
    /// The partitioner and seed every clustering of this proposal uses (the whole graph, each
    /// `--services` step, each blob).
    leiden: Memoized<'m>,
    seed: u64,
}

/// The partition at `gamma`: the consensus of seeds (see `consensus.rs`), on the graph with
/// layer modules' glue discounted when the first seed's clustering shows any (see
/// `layers.rs`); with the graph it was made on, which the rest of the level is computed on.
fn partition<'g>(
    fixed: &Fixed,
    graph: &'g WeightedGraph,
    item_of_node: &[Option<usize>],
    gamma: f64,
) -> (Vec<u32>, std::borrow::Cow<'g, WeightedGraph>) {
    use super::consensus;
    // Layers are read off the first seed's run, which is the consensus's first run when
    // there are none.
    let first = fixed.leiden.partition(graph, gamma, fixed.seed);
    match super::layers::discount(graph, item_of_node, &first) {
        Some(layered) => (
            consensus::partition(&fixed.leiden, &layered, gamma, fixed.seed),
            std::borrow::Cow::Owned(layered),
        ),
        None => (
            consensus::partition_after(&fixed.leiden, graph, gamma, fixed.seed, first),
            std::borrow::Cow::Borrowed(graph),
        ),
    }
}

/// Count of services a resolution gives.
fn services_at(
    fixed: &Fixed,
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    gamma: f64,
) -> usize {
    let (labels, graph) = partition(fixed, graph, item_of_node, gamma);
    let graph = &*graph;
    service_count(&services_of(
        fixed,
        false,
        graph,
        &labels,
        item_of_node,
        items,
    ))
}

/// The resolution whose service count comes closest to `want` (bisection on log γ; the count
/// grows with γ). Ties go to the smaller γ (fewer, larger services).
fn search_resolution(
    fixed: &Fixed,
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    want: u32,
) -> f64 {
    let want = want.max(1) as usize;
    let (mut lo, mut hi) = (0.01f64.ln(), 100f64.ln());
    let mut best = (usize::MAX, 1.0f64);
    for _ in 0..18 {
        let mid = (lo + hi) / 2.0;
        let gamma = mid.exp();
        let n = services_at(fixed, graph, item_of_node, items, gamma);
        let diff = n.abs_diff(want);
        if diff < best.0 || (diff == best.0 && gamma < best.1) {
            best = (diff, gamma);
        }
        if diff == 0 {
            break;
        }
        if n < want { lo = mid } else { hi = mid }
    }
    round(best.1)
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    a: &Analysis,
    items: &Items<'_>,
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    mut place: Vec<Place>,
    groups: usize,
    routes_of: &HashMap<&str, Vec<&str>>,
    resolution: f64,
    options: &ClusterOptions,
    units: &[super::transactions::Unit],
    aggregates: &[(usize, usize)],
    split_tried: bool,
    full: bool,
) -> Proposal {
    // Tables go to their owners (most writes); untouched tables are orphans.
    // Symbols are placed for good here; only tables move below.
    let symbol_place = place.clone();
    let service_of_symbol = |id: &str| -> Option<usize> {
        items.index.get(id).and_then(|&i| symbol_place[i].service())
    };
    let keys = ownership::service_keys(&symbol_place, groups);
    let usage = ownership::table_use(a, &|id| {
        service_of_symbol(id).and_then(|s| keys.get(s).map(String::as_str))
    });
    let mut orphan_tables = Vec::new();
    let touched_by_anyone: BTreeSet<&str> = a
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Reads | EdgeKind::Writes))
        .map(|e| &*e.to)
        .collect();
    for i in (0..items.len()).filter(|&i| items.is_table(i)) {
        let id = items.ids[i];
        place[i] = match usage.owner(id).and_then(|s| s.parse::<usize>().ok()) {
            Some(s) => Place::Service(s),
            None if !touched_by_anyone.contains(id) => {
                orphan_tables.push(id.to_owned());
                Place::Unassigned
            }
            // Touched only by the kernel or unassigned code: the community it fell in decides.
            None => place[i],
        };
    }
    // Names.
    let root = common_root(items);
    // How much each service's own members use each table (a write counts double), and how
    // many tables of the same service reference it.
    let mut use_of: HashMap<usize, f64> = HashMap::default();
    let mut children: HashMap<usize, usize> = HashMap::default();
    for (f, t, e) in items.edges(a) {
        if place[t].service().is_none() || place[f] != place[t] {
            continue;
        }
        match e.kind {
            EdgeKind::Reads => *use_of.entry(t).or_default() += 1.0,
            EdgeKind::Writes => *use_of.entry(t).or_default() += 2.0,
            EdgeKind::References if e.from != e.to => *children.entry(t).or_default() += 1,
            _ => {}
        }
    }
    let mut clues: Vec<Clues<'_>> = (0..groups).map(|_| Clues::default()).collect();
    for (i, p) in place.iter().enumerate() {
        let Place::Service(s) = *p else { continue };
        if items.is_table(i) {
            clues[s].tables.push((
                items.ids[i],
                use_of.get(&i).copied().unwrap_or(0.0),
                children.get(&i).copied().unwrap_or(0),
            ));
        } else {
            clues[s].member_modules.push(items.modules[i]);
            for r in routes_of.get(items.ids[i]).into_iter().flatten() {
                clues[s]
                    .route_paths
                    .push(r.split_once(' ').map_or(*r, |(_, p)| p));
            }
        }
    }
    // Edge services: serving routes while writing almost none of their own tables (a web front
    // end that reads the catalogue and owns one flag table). Named and flagged as such, not for
    // the incidental table.
    let mut own_use = vec![0u32; groups];
    let mut foreign_use = vec![0u32; groups];
    for (table, list) in &usage.accesses {
        let owner = items.index.get(table).and_then(|&t| place[t].service());
        for acc in list {
            if let Ok(s) = acc.service.parse::<usize>() {
                if owner == Some(s) && acc.kind == "writes" {
                    own_use[s] += 1;
                } else {
                    foreign_use[s] += 1;
                }
            }
        }
    }
    let edge: Vec<Option<f64>> = (0..groups)
        .map(|s| {
            let total = own_use[s] + foreign_use[s];
            let share = f64::from(own_use[s]) / f64::from(total.max(1));
            (!clues[s].route_paths.is_empty() && total > 0 && share < EDGE_OWN_SHARE)
                .then_some(share)
        })
        .collect();
    for (s, e) in edge.iter().enumerate() {
        clues[s].edge = e.is_some();
    }
    let names = naming::names(&clues, root);
    let name_of = |s: usize| names[s].clone();

    // Metrics over services (kernel and unassigned not counted).
    let group: Vec<Option<usize>> = place.iter().map(|p| p.service()).collect();
    let deps = metrics::dependencies(a, items, &group);
    let pm = metrics::measure(groups, &group, &deps);
    let q = item_modularity(graph, item_of_node, &group);

    // Services.
    let lines = symbol_lines(a, items);
    let mut services: Vec<Service> = (0..groups)
        .map(|s| Service {
            name: name_of(s),
            ..Service::default()
        })
        .collect();
    let mut module_places: BTreeMap<&str, BTreeSet<Option<usize>>> = BTreeMap::new();
    for (i, p) in place.iter().enumerate() {
        if !items.is_table(i) {
            module_places
                .entry(items.modules[i])
                .or_default()
                .insert(p.service());
        }
        let Place::Service(s) = *p else { continue };
        let svc = &mut services[s];
        if items.is_table(i) {
            svc.tables.push(items.ids[i].to_owned());
        } else {
            svc.members.push(items.ids[i].to_owned());
            svc.routes.extend(
                routes_of
                    .get(items.ids[i])
                    .into_iter()
                    .flatten()
                    .map(|r| (*r).to_owned()),
            );
            let container = container_of(items.ids[i]);
            if container.is_none_or(|c| items.index.get(c).is_none_or(|&ci| place[ci] != *p)) {
                svc.metrics.lines += lines.get(items.ids[i]).copied().unwrap_or(0);
            }
        }
    }
    for (module, places) in &module_places {
        if let [Some(s)] = places.iter().copied().collect::<Vec<_>>().as_slice() {
            services[*s].modules.push((*module).to_owned());
        }
    }
    for (s, svc) in services.iter_mut().enumerate() {
        svc.members.sort();
        svc.tables.sort();
        svc.routes.sort();
        svc.routes.dedup();
        let m = &mut svc.metrics;
        m.members = svc.members.len() as u32;
        m.routes = svc.routes.len() as u32;
        m.tables = svc.tables.len() as u32;
        m.afferent = pm.afferent[s];
        m.efferent = pm.efferent[s];
        m.instability = round(if m.afferent + m.efferent == 0 {
            0.0
        } else {
            f64::from(m.efferent) / f64::from(m.afferent + m.efferent)
        });
        m.cohesion = round(pm.cohesion[s]);
    }
    // Slivers the merge left (no dominant neighbour) are said to be such.
    let (all_lines, all_routes) = services.iter().fold((0, 0), |(l, r), s| {
        (l + s.metrics.lines, r + s.metrics.routes)
    });
    for (s, svc) in services.iter_mut().enumerate() {
        let m = &svc.metrics;
        let share = f64::from(m.lines) / f64::from(all_lines.max(1));
        if blobs::is_blob(m.lines, all_lines, groups) {
            let (note, aggregate) =
                blobs::blob_note(items, &svc.tables, units, aggregates, share, split_tried);
            svc.blob = Some(note);
            svc.blob_aggregate = aggregate;
        }
        if slivers::too_small(
            m.members, m.lines, m.routes, m.tables, all_lines, all_routes,
        ) {
            svc.sliver = Some(slivers::KEPT_SLIVER.to_owned());
        }
        if let (Some(share), true) = (edge[s], m.tables > 0) {
            svc.edge = Some(format!(
                "an edge service: {} routes over data that is mostly other services' (writes of its own tables are {:.0} % of its reads and writes): a front end or BFF over the services it calls, not the owner of a domain",
                m.routes,
                100.0 * share
            ));
        }
        if m.tables == 0 {
            svc.owns_no_table = Some(if m.routes > 0 {
                format!(
                    "owns no table (the tables it touches went to the services that write them most): an edge service serving {} routes over the services it calls",
                    m.routes
                )
            } else {
                "owns no table and serves no route: code to place by hand with the service it serves".to_owned()
            });
        }
    }

    // Shared tables, splits, cross-service calls (the proposal shown only).
    let mut shared_tables = Vec::new();
    for table in usage.accesses.keys().filter(|_| full) {
        let owner = items
            .index
            .get(table)
            .and_then(|&i| place[i].service().map(|s| s.to_string()));
        if let Some(mut st) = usage.shared(table, owner.as_deref()) {
            let rename = |s: &str| {
                s.parse::<usize>()
                    .map(name_of)
                    .unwrap_or_else(|_| s.to_owned())
            };
            st.owner = st.owner.as_deref().map(rename);
            st.readers = st
                .readers
                .iter()
                .map(|s| rename(s))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            st.writers = st
                .writers
                .iter()
                .map(|s| rename(s))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            for acc in &mut st.evidence {
                acc.service = rename(&acc.service);
            }
            st.evidence.sort();
            st.reference_data = ownership::reference_note(&st);
            shared_tables.push(st);
        }
    }
    let mut splits = Vec::new();
    for (module, places) in module_places.iter().filter(|_| full) {
        let services_here = places.iter().filter(|p| p.is_some()).count();
        if services_here < 2 {
            continue;
        }
        let mut parts: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (i, p) in place.iter().enumerate() {
            if items.is_table(i) || items.modules[i] != *module {
                continue;
            }
            let key = match p {
                Place::Service(s) => name_of(*s),
                Place::Kernel => "shared_kernel".to_owned(),
                Place::Unassigned => continue,
            };
            parts.entry(key).or_default().push(items.ids[i].to_owned());
        }
        splits.push(Split {
            module: (*module).to_owned(),
            parts,
        });
    }
    let mut cross_service_calls = Vec::new();
    for e in a.edges.iter().filter(|_| full) {
        if !matches!(e.kind, EdgeKind::Calls | EdgeKind::Enqueues) {
            continue;
        }
        let (Some(f), Some(t)) = (service_of_symbol(&e.from), service_of_symbol(&e.to)) else {
            continue;
        };
        if f != t {
            cross_service_calls.push(CrossCall {
                from: e.from.to_string(),
                to: e.to.to_string(),
                from_service: name_of(f),
                to_service: name_of(t),
                kind: e.kind.as_str().to_owned(),
                count: e.count,
                evidence: e.evidence.clone(),
            });
        }
    }
    cross_service_calls.sort();
    let transaction_cuts = if full {
        super::transactions::cuts(units, items, |t| place[t].service(), name_of)
    } else {
        Vec::new()
    };

    let shared_kernel: Vec<String> = (0..items.len())
        .filter(|&i| place[i] == Place::Kernel)
        .map(|i| items.ids[i].to_owned())
        .collect();
    let unassigned: Vec<String> = (0..items.len())
        .filter(|&i| place[i] == Place::Unassigned)
        .map(|i| items.ids[i].to_owned())
        .collect();
    let metrics = Metrics {
        services: groups as u32,
        modularity: round(q),
        sm: round(pm.sm),
        icp: round(pm.icp),
        ifn: round(pm.ifn),
        ned: round(pm.ned),
        cross_service_calls: pm.cross_call_occurrences,
        cross_service_call_edges: pm.cross_call_edges,
        shared_tables: shared_tables.len() as u32,
        clustered_symbols: (0..items.len()).filter(|&i| !items.is_table(i)).count() as u32,
        shared_kernel: shared_kernel.len() as u32,
        unassigned: unassigned.len() as u32,
    };
    let current_layout = if full {
        layout_metrics(a, items, graph, item_of_node)
    } else {
        LayoutMetrics::default()
    };
    // Lines of clustered code: each symbol not nested in another clustered one.
    let clustered_lines: u32 = (0..items.len())
        .filter(|&i| !items.is_table(i))
        .filter(|&i| container_of(items.ids[i]).is_none_or(|c| !items.index.contains_key(c)))
        .map(|i| lines.get(items.ids[i]).copied().unwrap_or(0))
        .sum();
    let services_lines: u32 = services.iter().map(|s| s.metrics.lines).sum();
    let largest = services
        .iter()
        .max_by(|x, y| {
            x.metrics
                .lines
                .cmp(&y.metrics.lines)
                .then_with(|| y.name.cmp(&x.name))
        })
        .map_or(("", 0.0), |s| {
            (
                s.name.as_str(),
                f64::from(s.metrics.lines) / f64::from(services_lines.max(1)),
            )
        });
    let verdict = super::verdict::verdict(clustered_lines, &metrics, &current_layout, largest);
    services.sort_by(|x, y| x.name.cmp(&y.name));
    Proposal {
        services,
        shared_kernel,
        shared_tables,
        transaction_cuts,
        orphan_tables,
        splits,
        unassigned,
        cross_service_calls,
        metrics,
        current_layout,
        verdict,
        settings: Settings {
            resolution: round(resolution),
            seed: options.seed,
            requested_services: options.services,
        },
        levels: Vec::new(),
    }
}

/// `m:C.f` → `m:C`; `m:f` → None.
pub(crate) fn container_of(id: &str) -> Option<&str> {
    let (module, qual) = id.split_once(':')?;
    qual.rsplit_once('.')
        .map(|(parent, _)| &id[..module.len() + 1 + parent.len()])
}

/// The first dotted segment shared by every module (`shop`, `flaskbb`): not a domain word.
fn common_root<'a>(items: &Items<'a>) -> &'a str {
    let mut roots = items
        .modules
        .iter()
        .filter(|m| !m.is_empty())
        .map(|m| m.split('.').next().unwrap_or(m));
    let Some(first) = roots.next() else { return "" };
    if roots.all(|r| r == first) { first } else { "" }
}

/// Lines of each clustered symbol: its definition's span (`line` to `end_line`).
fn symbol_lines<'a>(a: &'a Analysis, items: &Items<'_>) -> HashMap<&'a str, u32> {
    a.nodes
        .iter()
        .filter(|n| {
            matches!(
                n.kind,
                NodeKind::Class | NodeKind::Function | NodeKind::Method
            ) && items.index.contains_key(n.id.as_str())
        })
        .map(|n| (n.id.as_str(), n.end_line.saturating_sub(n.line) + 1))
        .collect()
}

/// Modularity (γ = 1) of a grouping on the projection restricted to items: module glue nodes
/// left out; items without a group each count as their own community.
fn item_modularity(
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    group: &[Option<usize>],
) -> f64 {
    let mut node_of: Vec<Option<u32>> = vec![None; item_of_node.len()];
    let mut n = 0u32;
    let mut labels = Vec::new();
    let groups = group.iter().flatten().max().map_or(0, |g| g + 1);
    let mut next_single = groups as u32;
    for (node, item) in item_of_node.iter().enumerate() {
        if let Some(i) = item {
            node_of[node] = Some(n);
            n += 1;
            labels.push(match group[*i] {
                Some(g) => g as u32,
                None => {
                    next_single += 1;
                    next_single - 1
                }
            });
        }
    }
    let edges = graph
        .edges
        .iter()
        .filter_map(|&(x, y, w)| Some((node_of[x as usize]?, node_of[y as usize]?, w)))
        .collect();
    let g = WeightedGraph {
        n: n as usize,
        edges,
    };
    modularity(&g, &labels, 1.0)
}

/// The partition the code has today: one group per package (a module's parent; tables go with
/// their model's package, else their first accessor's).
fn layout_metrics(
    a: &Analysis,
    items: &Items<'_>,
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
) -> LayoutMetrics {
    let table_home = super::layout::table_homes(a, items);
    let package = |module: &str| super::layout::package(module);
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut group = vec![None; items.len()];
    for (i, slot) in group.iter_mut().enumerate() {
        let key = if items.is_table(i) {
            table_home.get(items.ids[i]).cloned()
        } else {
            Some(package(items.modules[i]))
        };
        if let Some(key) = key {
            let next = ids.len();
            *slot = Some(*ids.entry(key).or_insert(next));
        }
    }
    let deps: Vec<Dep> = metrics::dependencies(a, items, &group);
    let pm = metrics::measure(ids.len(), &group, &deps);
    let cohesion = if pm.cohesion.is_empty() {
        0.0
    } else {
        pm.cohesion.iter().sum::<f64>() / pm.cohesion.len() as f64
    };
    LayoutMetrics {
        packages: ids.len() as u32,
        modularity: round(item_modularity(graph, item_of_node, &group)),
        sm: round(pm.sm),
        icp: round(pm.icp),
        cohesion: round(cohesion),
        cross_call_edges: pm.cross_call_edges,
    }
}
