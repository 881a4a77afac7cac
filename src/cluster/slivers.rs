//! Slivers: services too small to run, operate and own on their own (a 94-line service for
//! salary scales, 3 symbols that read one table another system writes). A design review would
//! fold each into the service it belongs with; this does it, by a documented rule, before the
//! services are named and measured, so the `--services` search counts what is proposed.
//!
//! A service is a **sliver** when it has fewer than [`MIN_MEMBERS`] symbols, or when it is
//! small on every axis at once: under [`SLIVER_LINES`] of the clustered lines, under
//! [`SLIVER_ROUTES`] of the routes, and at most [`SLIVER_TABLES`] tables. A sliver merges into
//! the service it is most tied to (the projection's edge weight between their items; edges to a
//! table no clustered code writes do not count, since reading reference data ties a sliver to
//! nothing) when that service holds at least [`DOMINANT_TIE`] of the sliver's ties to other
//! services. A sliver
//! used about evenly by several services (an audit trail every domain writes through one
//! function) has no service it belongs with: it stays, a shared capability, and so does a
//! sliver tied to no other service. Slivers merge smallest first, one at a time, the sizes
//! and ties recomputed after each merge.

use std::collections::BTreeMap;

use super::WeightedGraph;
use super::projection::Items;
use super::propose::{Place, container_of, service_count};
use crate::analysis::{Analysis, EdgeKind};

/// Fewer symbols than this is a sliver whatever else it holds.
pub(crate) const MIN_MEMBERS: u32 = 5;
/// Share of the clustered lines under which a service is small.
pub(crate) const SLIVER_LINES: f64 = 0.01;
/// Share of the routes under which a service is small.
pub(crate) const SLIVER_ROUTES: f64 = 0.02;
/// Tables a small service may hold and still be a sliver.
pub(crate) const SLIVER_TABLES: u32 = 2;
/// Share of a sliver's ties to other services the one it merges into must hold.
pub(crate) const DOMINANT_TIE: f64 = 0.6;

/// What each clustered item weighs, computed once per proposal.
#[derive(Debug)]
pub(crate) struct Sizes {
    /// Lines of a symbol's definition (0 for a table).
    lines: Vec<u32>,
    /// Routes it handles.
    routes: Vec<u32>,
    /// The item of the definition it is nested in, if clustered.
    container: Vec<Option<usize>>,
    /// A table no clustered code writes: reference data (another system's, or loaded by
    /// migrations). Reading it ties nothing to the service it sits in.
    unwritten: Vec<bool>,
}

impl Sizes {
    /// Routes item `i` handles.
    pub(crate) fn routes_of(&self, i: usize) -> u32 {
        self.routes[i]
    }

    pub(crate) fn new(
        a: &Analysis,
        items: &Items<'_>,
        lines_of: &rustc_hash::FxHashMap<&str, u32>,
        routes_of: &rustc_hash::FxHashMap<&str, Vec<&str>>,
    ) -> Self {
        let mut unwritten: Vec<bool> = (0..items.len()).map(|i| items.is_table(i)).collect();
        for (_, t, _) in items
            .edges(a)
            .filter(|(_, _, e)| e.kind == EdgeKind::Writes)
        {
            unwritten[t] = false;
        }
        Self {
            unwritten,
            lines: items
                .ids
                .iter()
                .map(|id| lines_of.get(id).copied().unwrap_or(0))
                .collect(),
            routes: items
                .ids
                .iter()
                .map(|id| routes_of.get(id).map_or(0, |r| r.len() as u32))
                .collect(),
            container: items
                .ids
                .iter()
                .map(|id| container_of(id).and_then(|c| items.index.get(c).copied()))
                .collect(),
        }
    }
}

/// One service's size on each axis.
#[derive(Debug, Default, Clone, Copy)]
struct Size {
    members: u32,
    lines: u32,
    routes: u32,
    tables: u32,
}

fn sizes(items: &Items<'_>, sizes: &Sizes, place: &[Place], services: usize) -> Vec<Size> {
    let mut out = vec![Size::default(); services];
    for (i, p) in place.iter().enumerate() {
        let Place::Service(s) = *p else { continue };
        let size = &mut out[s];
        if items.is_table(i) {
            size.tables += 1;
            continue;
        }
        size.members += 1;
        size.routes += sizes.routes[i];
        // A nested definition's lines are its container's when both are here.
        if sizes.container[i].is_none_or(|c| place[c] != *p) {
            size.lines += sizes.lines[i];
        }
    }
    out
}

/// Lines of each service (a nested definition counted with its container when both are in).
pub(crate) fn service_lines(
    items: &Items<'_>,
    weights: &Sizes,
    place: &[Place],
    services: usize,
) -> Vec<u32> {
    sizes(items, weights, place, services)
        .iter()
        .map(|s| s.lines)
        .collect()
}

fn is_sliver(size: &Size, lines: u32, routes: u32) -> bool {
    too_small(
        size.members,
        size.lines,
        size.routes,
        size.tables,
        lines,
        routes,
    )
}

/// The sliver rule on one service's sizes, against the totals over all services.
pub(crate) fn too_small(
    members: u32,
    lines: u32,
    routes: u32,
    tables: u32,
    all_lines: u32,
    all_routes: u32,
) -> bool {
    members < MIN_MEMBERS
        || (f64::from(lines) < SLIVER_LINES * f64::from(all_lines)
            && f64::from(routes) < SLIVER_ROUTES * f64::from(all_routes)
            && tables <= SLIVER_TABLES)
}

/// What the proposal says of a sliver that stayed: it had no service it belongs with.
pub(crate) const KEPT_SLIVER: &str = "a sliver kept on its own: no service holds most of its ties (a capability several services use evenly, or code tied to no other service); merge it by hand where it belongs, or keep it as a shared capability";

/// Merge every sliver that has a service it belongs with (see the module doc), then number
/// the services by first appearance.
pub(crate) fn merge_slivers(
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    weights: &Sizes,
    place: &mut [Place],
) {
    // Numbers stay put while merging (a merged sliver leaves a gap); slivers that stay (no
    // dominant neighbour) are not examined again.
    let services = service_count(place);
    let mut kept = vec![false; services];
    loop {
        let size = sizes(items, weights, place, services);
        let lines: u32 = size.iter().map(|s| s.lines).sum();
        let routes: u32 = size.iter().map(|s| s.routes).sum();
        let mut slivers: Vec<usize> = (0..services)
            .filter(|&s| size[s].members + size[s].tables > 0 && !kept[s])
            .filter(|&s| is_sliver(&size[s], lines, routes))
            .collect();
        slivers.sort_by_key(|&s| (size[s].lines, size[s].members, s));
        let Some(&sliver) = slivers.first() else {
            break;
        };
        let mut ties: BTreeMap<usize, f64> = BTreeMap::new();
        for &(x, y, w) in &graph.edges {
            let (Some(i), Some(j)) = (item_of_node[x as usize], item_of_node[y as usize]) else {
                continue;
            };
            if weights.unwritten[i] || weights.unwritten[j] {
                continue;
            }
            let (Place::Service(a), Place::Service(b)) = (place[i], place[j]) else {
                continue;
            };
            if a == b {
                continue;
            }
            if a == sliver {
                *ties.entry(b).or_default() += w;
            } else if b == sliver {
                *ties.entry(a).or_default() += w;
            }
        }
        let total: f64 = ties.values().sum();
        let best = ties
            .iter()
            .max_by(|x, y| x.1.total_cmp(y.1).then_with(|| y.0.cmp(x.0)))
            .map(|(&s, &w)| (s, w));
        match best {
            Some((target, w)) if total > 0.0 && w >= DOMINANT_TIE * total => {
                for p in place.iter_mut() {
                    if *p == Place::Service(sliver) {
                        *p = Place::Service(target);
                    }
                }
            }
            _ => kept[sliver] = true,
        }
    }
    renumber(place);
}

/// Services numbered by first appearance, with no gaps.
pub(crate) fn renumber(place: &mut [Place]) {
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    let mut order: Vec<usize> = Vec::new();
    for p in place.iter() {
        if let Place::Service(s) = p
            && !number.contains_key(s)
        {
            number.insert(*s, order.len());
            order.push(*s);
        }
    }
    for p in place.iter_mut() {
        if let Place::Service(s) = p {
            *s = number[s];
        }
    }
}
