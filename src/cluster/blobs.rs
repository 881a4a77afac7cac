//! Blobs: one service holding a large share of the code (a `token` service with 44 % of an
//! app, FlaskBB's `auth` with the app factory, the CLI and the forum index). Modularity has a
//! resolution limit: on a large graph it prefers to keep a dense core together that is itself
//! several domains. A blob, a service over [`BLOB_SHARE`] of the clustered lines and over
//! twice an even share ([`is_blob`]), is
//! clustered again on its own (the projection restricted to its items, the same seeded Leiden)
//! and split at that weakest seam when at least two of the parts hold a table; the code parts
//! (no table) join the part they share the most weight with. Aggregates are joined after this,
//! so a blob that is one aggregate (tables written together, a root and its only child) comes
//! back whole.

use std::collections::{BTreeMap, BTreeSet};

use super::projection::Items;
use super::propose::{Place, service_count};
use super::slivers::{Sizes, service_lines};
use super::{Partitioner, WeightedGraph};

/// Share of the clustered lines over which a service is a blob.
pub(crate) const BLOB_SHARE: f64 = 0.25;

/// A service of `lines` among `services` holding `total` lines is a blob: over [`BLOB_SHARE`]
/// of the lines, and over twice an even share up to half the code (four even services of a
/// small app hold a quarter each and none is a blob; one of two holding 90 % is).
pub(crate) fn is_blob(lines: u32, total: u32, services: usize) -> bool {
    let (lines, total) = (f64::from(lines), f64::from(total));
    let even = (2.0 / services.max(1) as f64).min(0.5);
    lines > BLOB_SHARE.max(even) * total
}

/// How many times a part of a blob may itself be split again.
const ROUNDS: usize = 3;

pub(crate) fn split_blobs(
    leiden: &(impl Partitioner + Sync),
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    sizes: &Sizes,
    seed: u64,
    place: &mut [Place],
) -> bool {
    let mut any = false;
    for _ in 0..ROUNDS {
        let lines = service_lines(items, sizes, place, service_count(place));
        let total: u32 = lines.iter().sum();
        let blobs: Vec<usize> = (0..lines.len())
            .filter(|&s| is_blob(lines[s], total, lines.len()))
            .collect();
        let mut split_any = false;
        for s in blobs {
            split_any |= split(leiden, graph, item_of_node, items, seed, s, place);
        }
        if !split_any {
            break;
        }
        any = true;
    }
    any
}

/// Split service `s` at its weakest seam; whether it was split.
fn split(
    leiden: &(impl Partitioner + Sync),
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    items: &Items<'_>,
    seed: u64,
    s: usize,
    place: &mut [Place],
) -> bool {
    // The projection restricted to the service's items.
    let mut local: BTreeMap<u32, u32> = BTreeMap::new();
    let mut item_of: Vec<usize> = Vec::new();
    for (node, item) in item_of_node.iter().enumerate() {
        if let Some(i) = *item
            && place[i] == Place::Service(s)
        {
            local.insert(node as u32, item_of.len() as u32);
            item_of.push(i);
        }
    }
    if item_of.len() < 4 {
        return false;
    }
    let mut sub = WeightedGraph::new(item_of.len());
    for &(x, y, w) in &graph.edges {
        if let (Some(&a), Some(&b)) = (local.get(&x), local.get(&y)) {
            sub.edges.push((a, b, w));
        }
    }
    let labels = super::consensus::partition(leiden, &sub, 1.0, seed);
    let k = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
    let mut has_table = vec![false; k];
    let mut size = vec![0usize; k];
    for (n, &l) in labels.iter().enumerate() {
        size[l as usize] += 1;
        if items.is_table(item_of[n]) {
            has_table[l as usize] = true;
        }
    }
    let parts: Vec<usize> = (0..k).filter(|&c| has_table[c]).collect();
    if parts.len() < 2 {
        return false;
    }
    // Code without a table joins the part it shares the most weight with; the largest part
    // takes what is tied to none.
    let mut tie: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for &(a, b, w) in &sub.edges {
        let (la, lb) = (labels[a as usize] as usize, labels[b as usize] as usize);
        if la != lb {
            *tie.entry((la, lb)).or_default() += w;
            *tie.entry((lb, la)).or_default() += w;
        }
    }
    let largest = *parts
        .iter()
        .max_by_key(|&&c| (size[c], std::cmp::Reverse(c)))
        .unwrap_or(&parts[0]);
    let target: Vec<usize> = (0..k)
        .map(|c| {
            if has_table[c] {
                return c;
            }
            tie.range((c, 0)..(c + 1, 0))
                .filter(|((_, d), _)| has_table[*d])
                .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.1.cmp(&a.0.1)))
                .map_or(largest, |((_, d), _)| *d)
        })
        .collect();
    // The largest part keeps the number; the others get new ones, in part order.
    let mut next = service_count(place);
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    for &c in &parts {
        let n = if c == largest {
            s
        } else {
            next += 1;
            next - 1
        };
        number.insert(c, n);
    }
    for (n, &i) in item_of.iter().enumerate() {
        place[i] = Place::Service(number[&target[labels[n] as usize]]);
    }
    true
}

/// What a service left over [`BLOB_SHARE`] says of itself: one aggregate (a function of the
/// application writes a row of one of its tables and the row's parent in another, by the rule
/// of `transactions.rs`: the note names the tables and the writer's file:line; or a root table
/// and its only child are both in it), or a core the splitting found no seam in, or the
/// granularity the user asked for.
pub(crate) fn blob_note(
    items: &Items<'_>,
    tables: &[String],
    units: &[super::transactions::Unit],
    aggregates: &[(usize, usize)],
    share: f64,
    split_tried: bool,
) -> (String, bool) {
    let percent = (100.0 * share).round();
    if !split_tried {
        return (
            format!(
                "holds {percent} % of the code, over the blob share of {:.0} %: the granularity asked for (--services or --resolution) keeps it whole",
                100.0 * BLOB_SHARE
            ),
            false,
        );
    }
    let own: BTreeSet<&str> = tables.iter().map(String::as_str).collect();
    let inside = |t: usize| own.contains(items.ids[t]);
    // The unit binding the most of the service's tables (ties: the first function).
    let best = units
        .iter()
        .filter(|u| u.bound.iter().any(|&(x, y)| inside(x) && inside(y)))
        .max_by(|x, y| {
            let n =
                |u: &super::transactions::Unit| u.tables.iter().filter(|(t, _)| inside(*t)).count();
            n(x).cmp(&n(y))
                .then_with(|| items.ids[y.function].cmp(items.ids[x.function]))
        });
    match best {
        Some(u) => {
            let names: Vec<&str> = u
                .tables
                .iter()
                .filter(|(t, _)| inside(*t))
                .map(|(t, _)| items.ids[*t].trim_start_matches("table:"))
                .collect();
            let place = u
                .tables
                .first()
                .map(|(_, ev)| format!(" ({}:{})", ev.file, ev.line))
                .unwrap_or_default();
            (
                format!(
                    "holds {percent} % of the code, over the blob share of {:.0} %, and is one aggregate: {} are written together by {}{place}; splitting it would cut that write in two",
                    100.0 * BLOB_SHARE,
                    names.join(", "),
                    items.ids[u.function]
                ),
                true,
            )
        }
        None => {
            if let Some((root, child)) = aggregates
                .iter()
                .find(|(r, c)| own.contains(items.ids[*r]) && own.contains(items.ids[*c]))
            {
                let name = |i: usize| items.ids[i].trim_start_matches("table:").to_owned();
                return (
                    format!(
                        "holds {percent} % of the code, over the blob share of {:.0} %, and is one aggregate: {} is the root of {}, the only table that references it",
                        100.0 * BLOB_SHARE,
                        name(*root),
                        name(*child)
                    ),
                    true,
                );
            }
            (
                format!(
                    "holds {percent} % of the code, over the blob share of {:.0} %: clustered again on its own, at most one part holds a table, so there is no seam to cut it at; review it by hand",
                    100.0 * BLOB_SHARE
                ),
                false,
            )
        }
    }
}
