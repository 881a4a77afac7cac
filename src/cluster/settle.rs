//! Settling the leftovers: code the clustering could not place. Two kinds of symbol come out
//! of [`fold`](super::propose) unassigned, and neither is code without a home:
//!
//! - code whose only ties go through kernel *candidates*, which are outside the projection
//!   while it is clustered (anitya's forty version-check backends are called from
//!   `check_project_release`, a high-fan-in function that the kernel check later gives to the
//!   one service using it). Once the kernel is confirmed, those ties are ties to a service;
//! - code tied to no other item at all (a helper nothing in the analysis calls, a form class
//!   read by a template), which has only its module to say where it lives.
//!
//! **Reach rule.** An unassigned symbol joins the service it is most tied to over the
//! dependency graph's item-to-item edges (calls, enqueues, inheritance, containment, reads and
//! writes of placed tables, each weighted as in [`weights`](super::weights)); edges to the
//! shared kernel and to other unassigned items do not count. Rounds repeat from the state at
//! the start of each round (so the order of items cannot matter) until nothing moves: a
//! backend's helpers follow the backend once it is placed.
//!
//! **Kernel rule.** A symbol whose only placed ties are to the shared kernel (a plugin
//! implementing a kernel interface, a helper only kernel code calls) is reached through it:
//! it joins the service that reaches it through those kernel items, each kernel item's pull
//! shared among the services tied to it, when that service holds at least [`DOMINANT_TIE`] of
//! the pull. Reached about evenly, or through kernel items no service is tied to, it is part
//! of the shared library and joins the kernel, unless it reads or writes a table: the kernel
//! is data-free, and such a symbol stays unassigned for a person to place.
//!
//! **Module rule.** A symbol tied to no item follows its module when at least
//! [`MODULE_MAJORITY`] of that module's placed symbols are in one place (a service, or the
//! kernel for data-free code): code written in one file moves with it unless the dependencies
//! say otherwise. In a module the services share about evenly (a classic `views.py` over
//! every domain), it stays unassigned.
//!
//! Only symbols move; tables follow their writers afterwards, as always. The number of services
//! does not change.

use std::collections::BTreeMap;

use super::projection::Items;
use super::propose::Place;
use super::weights;
use crate::analysis::{Analysis, EdgeKind};

/// Share of a module's placed symbols one service must hold for an untied symbol to follow.
pub(crate) const MODULE_MAJORITY: f64 = 1.0;

/// Share of the pull through the kernel one service must hold to take a symbol.
pub(crate) const DOMINANT_TIE: f64 = 0.6;

/// Rounds of the reach rule at most (each settles one more hop away from placed code).
const ROUNDS: usize = 16;

/// Place what fold left unassigned: the reach rule to a fixpoint, then the kernel rule and the
/// module rule, and again while anything moves. `writes`: the items that read or write a table
/// (never kernel).
pub(crate) fn settle(a: &Analysis, items: &Items<'_>, writes: &[bool], place: &mut [Place]) {
    // With no service there is nothing to reach, and a kernel shared by nobody means nothing.
    if super::propose::service_count(place) == 0 {
        return;
    }
    let ties = item_ties(a, items);
    let mut tied = vec![false; items.len()];
    for &(i, j, _) in &ties {
        tied[i] = true;
        tied[j] = true;
    }
    for _ in 0..ROUNDS {
        for _ in 0..ROUNDS {
            if !reach_round(&ties, items, place) {
                break;
            }
        }
        let through_kernel = kernel_round(&ties, writes, items, place);
        let by_module = module_round(&tied, writes, items, place);
        if !through_kernel && !by_module {
            break;
        }
    }
}

/// One round of the kernel rule (for symbols whose placed ties are all to the kernel); whether
/// anything moved.
fn kernel_round(
    ties: &[(usize, usize, f64)],
    writes: &[bool],
    items: &Items<'_>,
    place: &mut [Place],
) -> bool {
    // Each kernel item's ties to services, as shares.
    let mut kernel_pull: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
    for &(i, j, w) in ties {
        for (k, y) in [(i, j), (j, i)] {
            if place[k] == Place::Kernel
                && let Place::Service(s) = place[y]
            {
                *kernel_pull.entry(k).or_default().entry(s).or_default() += w;
            }
        }
    }
    let mut pull: BTreeMap<usize, (f64, BTreeMap<usize, f64>)> = BTreeMap::new();
    for &(i, j, w) in ties {
        for (x, k) in [(i, j), (j, i)] {
            if place[x] != Place::Unassigned || items.is_table(x) || place[k] != Place::Kernel {
                continue;
            }
            let entry = pull.entry(x).or_default();
            entry.0 += w;
            if let Some(by_service) = kernel_pull.get(&k) {
                let total: f64 = by_service.values().sum();
                for (&s, &v) in by_service {
                    *entry.1.entry(s).or_default() += w * v / total;
                }
            }
        }
    }
    let mut moved = false;
    for (x, (total, by_service)) in pull {
        let best = by_service
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)));
        match best {
            Some((&s, &v)) if v >= DOMINANT_TIE * total => place[x] = Place::Service(s),
            _ if !writes[x] => place[x] = Place::Kernel,
            _ => continue,
        }
        moved = true;
    }
    moved
}

/// Every item-to-item edge of the analysis with its weight (both endpoints clustered, distinct).
pub(crate) fn item_ties(a: &Analysis, items: &Items<'_>) -> Vec<(usize, usize, f64)> {
    items
        .edges(a)
        .filter(|(_, _, e)| {
            !matches!(
                e.kind,
                EdgeKind::Imports | EdgeKind::Handles | EdgeKind::Wraps
            )
        })
        .filter(|&(i, j, _)| i != j)
        .map(|(i, j, e)| (i, j, weights::weight(e.kind, e.count)))
        .collect()
}

/// One round of the reach rule; whether anything moved.
fn reach_round(ties: &[(usize, usize, f64)], items: &Items<'_>, place: &mut [Place]) -> bool {
    let mut pull: BTreeMap<usize, BTreeMap<usize, f64>> = BTreeMap::new();
    for &(i, j, w) in ties {
        for (x, y) in [(i, j), (j, i)] {
            if place[x] == Place::Unassigned
                && !items.is_table(x)
                && let Place::Service(s) = place[y]
            {
                *pull.entry(x).or_default().entry(s).or_default() += w;
            }
        }
    }
    let mut moved = false;
    for (x, by_service) in pull {
        let best = by_service
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(s, _)| *s);
        if let Some(s) = best {
            place[x] = Place::Service(s);
            moved = true;
        }
    }
    moved
}

/// One round of the module rule; whether anything moved.
fn module_round(tied: &[bool], writes: &[bool], items: &Items<'_>, place: &mut [Place]) -> bool {
    // The kernel counts as one more place, numbered past every service.
    const KERNEL: usize = usize::MAX;
    let mut by_module: BTreeMap<&str, BTreeMap<usize, u32>> = BTreeMap::new();
    for (i, p) in place.iter().enumerate() {
        let at = match *p {
            Place::Service(s) => s,
            Place::Kernel => KERNEL,
            Place::Unassigned => continue,
        };
        if !items.is_table(i) {
            *by_module
                .entry(items.modules[i])
                .or_default()
                .entry(at)
                .or_default() += 1;
        }
    }
    let home: BTreeMap<&str, usize> = by_module
        .into_iter()
        .filter_map(|(m, counts)| {
            let total: u32 = counts.values().sum();
            let (s, n) = counts
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
            (f64::from(n) >= MODULE_MAJORITY * f64::from(total)).then_some((m, s))
        })
        .collect();
    let mut moved = false;
    for i in 0..items.len() {
        if place[i] == Place::Unassigned
            && !items.is_table(i)
            && !tied[i]
            && let Some(&s) = home.get(items.modules[i])
        {
            if s != KERNEL {
                place[i] = Place::Service(s);
            } else if !writes[i] {
                place[i] = Place::Kernel;
            } else {
                continue;
            }
            moved = true;
        }
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Edge, Node, NodeKind};

    fn analysis(nodes: &[(&str, NodeKind)], edges: &[(&str, &str, EdgeKind)]) -> Analysis {
        Analysis {
            nodes: nodes
                .iter()
                .map(|(id, kind)| Node {
                    id: (*id).to_owned(),
                    kind: *kind,
                    file: "x.py".into(),
                    line: 1,
                    end_line: 1,
                    tags: std::sync::Arc::from([]),
                })
                .collect(),
            edges: edges
                .iter()
                .map(|(from, to, kind)| Edge {
                    from: (*from).into(),
                    to: (*to).into(),
                    kind: *kind,
                    count: 1,
                    evidence: Vec::new(),
                })
                .collect(),
            ..Analysis::default()
        }
    }

    fn touching(a: &Analysis, items: &Items<'_>) -> Vec<bool> {
        let mut out = vec![false; items.len()];
        for e in &a.edges {
            if matches!(e.kind, EdgeKind::Reads | EdgeKind::Writes) {
                out[items.index[&*e.from]] = true;
            }
        }
        out
    }

    fn at(items: &Items<'_>, place: &[Place], id: &str) -> Place {
        place[items.index[id]]
    }

    #[test]
    fn a_plugin_reached_through_placed_code_follows_it_hop_by_hop() {
        use NodeKind::{Function, Method};
        // `orders:check` (placed in service 0) calls the backend, whose helper it calls in turn.
        let a = analysis(
            &[
                ("orders:check", Function),
                ("users:login", Function),
                ("backends.x:X.get", Method),
                ("backends.x:_helper", Function),
            ],
            &[
                ("orders:check", "backends.x:X.get", EdgeKind::Calls),
                ("backends.x:X.get", "backends.x:_helper", EdgeKind::Calls),
            ],
        );
        let items = Items::of(&a);
        let mut place = vec![
            Place::Service(0),
            Place::Service(1),
            Place::Unassigned,
            Place::Unassigned,
        ];
        settle(&a, &items, &touching(&a, &items), &mut place);
        assert_eq!(at(&items, &place, "backends.x:X.get"), Place::Service(0));
        assert_eq!(at(&items, &place, "backends.x:_helper"), Place::Service(0));
    }

    #[test]
    fn code_reached_only_through_the_kernel_joins_the_dominant_service_or_the_kernel() {
        use NodeKind::{Class, Function, Table};
        let a = analysis(
            &[
                ("orders:checkout", Function),
                ("users:login", Function),
                ("core:Base", Class),
                ("plugins.a:A", Class),
                ("core:hub", Function),
                ("lib:fmt", Function),
                ("lib:load", Function),
                ("table:t", Table),
            ],
            &[
                // Only orders uses the plugin base: its plugins belong with orders.
                ("orders:checkout", "core:Base", EdgeKind::Calls),
                ("plugins.a:A", "core:Base", EdgeKind::Inherits),
                // Both use the hub evenly: what only the hub reaches is shared library...
                ("orders:checkout", "core:hub", EdgeKind::Calls),
                ("users:login", "core:hub", EdgeKind::Calls),
                ("core:hub", "lib:fmt", EdgeKind::Calls),
                // ...unless it touches data: then it is left for a person to place.
                ("core:hub", "lib:load", EdgeKind::Calls),
                ("lib:load", "table:t", EdgeKind::Reads),
            ],
        );
        let items = Items::of(&a);
        let mut place = vec![
            Place::Service(0),
            Place::Service(1),
            Place::Kernel,
            Place::Unassigned,
            Place::Kernel,
            Place::Unassigned,
            Place::Unassigned,
            Place::Unassigned,
        ];
        settle(&a, &items, &touching(&a, &items), &mut place);
        assert_eq!(at(&items, &place, "plugins.a:A"), Place::Service(0));
        assert_eq!(at(&items, &place, "lib:fmt"), Place::Kernel);
        assert_eq!(at(&items, &place, "lib:load"), Place::Unassigned);
        // Tables are not settled here: they follow their writers afterwards.
        assert_eq!(at(&items, &place, "table:t"), Place::Unassigned);
    }

    #[test]
    fn an_untied_symbol_follows_its_module_only_when_the_module_is_one_place() {
        use NodeKind::Function;
        let a = analysis(
            &[
                ("billing:charge", Function),
                ("billing:refund", Function),
                ("billing:unused", Function),
                ("views:orders", Function),
                ("views:users", Function),
                ("views:health", Function),
            ],
            &[],
        );
        let items = Items::of(&a);
        let mut place = vec![
            Place::Service(0),
            Place::Service(0),
            Place::Unassigned,
            Place::Service(0),
            Place::Service(1),
            Place::Unassigned,
        ];
        settle(&a, &items, &touching(&a, &items), &mut place);
        assert_eq!(at(&items, &place, "billing:unused"), Place::Service(0));
        assert_eq!(at(&items, &place, "views:health"), Place::Unassigned);
    }

    #[test]
    fn with_no_service_nothing_moves() {
        let a = analysis(
            &[("m:f", NodeKind::Function), ("m:g", NodeKind::Function)],
            &[],
        );
        let items = Items::of(&a);
        let mut place = vec![Place::Kernel, Place::Unassigned];
        settle(&a, &items, &touching(&a, &items), &mut place);
        assert_eq!(place, vec![Place::Kernel, Place::Unassigned]);
    }
}
