//! Tables written together stay together. A function that inserts or updates two tables in
//! one body (FlaskBB's `Post.save`: the post, its topic's counters and the forum's last post;
//! a kanban `move_card`: the card's position and both lists' counts) keeps them consistent in
//! one transaction; cutting those tables into two services turns one commit into a saga. So
//! the services holding tables of one such **write unit** are joined.
//!
//! What counts as a unit, and why:
//! - only inserts and updates (and merges) the function runs itself, through any call chain
//!   the front end resolved into it (`Query::via`), not the writes of the functions it calls:
//!   an audit or activity helper every operation calls writes its table in the caller's
//!   transaction too, but it is a shared capability, and following calls would glue every
//!   domain that logs into one service;
//! - not deletes: a cascade (delete a project and everything under it) crosses every domain
//!   that references the row, and is the classic case for an event (`project.deleted`), not for
//!   one service;
//! - not a function writing more than [`MAX_UNIT_TABLES`] tables: that is a bulk operation (a
//!   seed, an import, a reset), not one aggregate's invariant;
//! - only application code (the clustered items: no tests, migrations or scripts);
//! - only a row and its parent bind: the two tables a foreign key links, the parent referenced
//!   by at most [`MAX_CHILDREN`] tables. A checkout that inserts an order and decrements a
//!   product's stock writes two aggregates (the order, the catalogue) in one transaction; that
//!   is a cut to name (a reservation, then a confirmation), not a reason to merge the catalogue
//!   into orders. Nor does a post bind its author, whose post count it bumps: `users` is a hub.
//!
//! Every unit whose tables end in different services is reported ([`cuts`]): the function,
//! the tables and services, the file:line of each write, and the cost (one commit becomes a
//! saga or an event with a compensating action).
//!
//! A join that would make a service hold more than [`JOIN_LIMIT`] of the clustered lines is
//! not made (the services stay apart, and the unit is reported as a cut, with its function and
//! file:line, so that the cost of the cut is named), unless the application is small enough
//! ([`SMALL_APP_LINES`]) that it is one service anyway.

use std::collections::{BTreeMap, BTreeSet};

use super::projection::Items;
use super::propose::{Place, service_count};
use super::slivers::{Sizes, service_lines};
use crate::analysis::{Analysis, EdgeKind, Evidence};
use crate::union_find::UnionFind;

/// Tables one function may insert or update and still be one aggregate's write.
pub(crate) const MAX_UNIT_TABLES: usize = 4;

/// Tables referencing a parent above which it is a hub (`users`, `projects`): writing a row
/// and its hub parent together (a post and its author's post count) binds nothing. FlaskBB's
/// `users` has 9, zou's `person` dozens; a forum with its topics, read markers and
/// moderators (5) is an aggregate root.
pub(crate) const MAX_CHILDREN: usize = 6;

/// The largest share of the clustered lines a join may build.
pub(crate) const JOIN_LIMIT: f64 = 0.5;

/// Clustered lines under which joins are not limited: an app this small is one service.
pub(crate) const SMALL_APP_LINES: u32 = 2_000;

/// One function's inserts and updates, when they span two to [`MAX_UNIT_TABLES`] tables.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    /// The writing function (an item).
    pub function: usize,
    /// The tables it writes (items), sorted, with where it first writes each.
    pub tables: Vec<(usize, Evidence)>,
    /// The pairs of those tables that are a row and its parent (a foreign key links them, and
    /// the parent is not a hub): the pairs that bind services together.
    pub bound: Vec<(usize, usize)>,
}

/// The write units of an analysis, ordered by function id.
pub(crate) fn units(a: &Analysis, items: &Items<'_>) -> Vec<Unit> {
    let mut by_site: BTreeMap<usize, BTreeMap<usize, Evidence>> = BTreeMap::new();
    for q in a
        .queries
        .iter()
        .filter(|q| matches!(q.kind.as_str(), "insert" | "update" | "merge"))
    {
        let Some(&site) = items.index.get(q.site.as_str()) else {
            continue;
        };
        if items.is_table(site) {
            continue;
        }
        for t in &q.writes {
            if let Some(&table) = items.index.get(t.as_str()) {
                by_site
                    .entry(site)
                    .or_default()
                    .entry(table)
                    .or_insert_with(|| Evidence {
                        file: q.file.clone().into(),
                        line: q.line,
                    });
            }
        }
    }
    // Foreign keys: parent → the tables referencing it.
    let mut children: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for e in a
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::References && e.from != e.to)
    {
        if let (Some(&c), Some(&p)) = (items.index.get(&*e.from), items.index.get(&*e.to)) {
            children.entry(p).or_default().insert(c);
        }
    }
    let parent_of = |child: usize, parent: usize| {
        children
            .get(&parent)
            .is_some_and(|c| c.contains(&child) && c.len() <= MAX_CHILDREN)
    };
    let mut out: Vec<Unit> = by_site
        .into_iter()
        .filter(|(_, written)| (2..=MAX_UNIT_TABLES).contains(&written.len()))
        .map(|(function, written)| {
            let tables: Vec<(usize, Evidence)> = written.into_iter().collect();
            let mut bound = Vec::new();
            for (i, (x, _)) in tables.iter().enumerate() {
                for (y, _) in &tables[i + 1..] {
                    if parent_of(*x, *y) || parent_of(*y, *x) {
                        bound.push((*x, *y));
                    }
                }
            }
            Unit {
                function,
                tables,
                bound,
            }
        })
        .collect();
    out.sort_by(|x, y| items.ids[x.function].cmp(items.ids[y.function]));
    out
}

/// Join the services holding tables of one unit (see the module doc for the limit). Services
/// are renumbered by first appearance.
pub(crate) fn join_units(units: &[Unit], items: &Items<'_>, sizes: &Sizes, place: &mut [Place]) {
    let services = service_count(place);
    if services < 2 {
        return;
    }
    let lines = service_lines(items, sizes, place, services);
    let total: u32 = lines.iter().sum();
    let limit = if total < SMALL_APP_LINES {
        f64::INFINITY
    } else {
        JOIN_LIMIT * f64::from(total)
    };
    let mut sets = UnionFind::new(services);
    let mut size: Vec<u32> = lines.clone();
    for &(x, y) in units.iter().flat_map(|u| &u.bound) {
        let (Some(sx), Some(sy)) = (place[x].service(), place[y].service()) else {
            continue;
        };
        let mut roots = vec![sets.find(sx), sets.find(sy)];
        roots.sort_unstable();
        roots.dedup();
        if roots.len() < 2 {
            continue;
        }
        let merged: u32 = roots.iter().map(|&r| size[r]).sum();
        if f64::from(merged) > limit {
            continue;
        }
        for &r in &roots[1..] {
            sets.union(roots[0], r);
        }
        let root = sets.find(roots[0]);
        size[root] = merged;
    }
    let mut number: BTreeMap<usize, usize> = BTreeMap::new();
    for p in place.iter_mut() {
        if let Place::Service(s) = p {
            let next = number.len();
            *s = *number.entry(sets.find(*s)).or_insert(next);
        }
    }
}

/// The units the proposal cuts: tables one function writes that went to different services.
/// `owner` gives each table item's service; `name` a service's name.
pub(crate) fn cuts(
    units: &[Unit],
    items: &Items<'_>,
    owner: impl Fn(usize) -> Option<usize>,
    name: impl Fn(usize) -> String,
) -> Vec<super::proposal::TransactionCut> {
    units
        .iter()
        .filter_map(|u| {
            let services: BTreeSet<usize> = u.tables.iter().filter_map(|(t, _)| owner(*t)).collect();
            if services.len() < 2 {
                return None;
            }
            let tables = u
                .tables
                .iter()
                .map(|(t, ev)| super::proposal::CutTable {
                    table: items.ids[*t].to_owned(),
                    service: owner(*t).map(&name),
                    evidence: ev.clone(),
                })
                .collect();
            Some(super::proposal::TransactionCut {
                function: items.ids[u.function].to_owned(),
                services: services.iter().map(|&s| name(s)).collect::<BTreeSet<_>>().into_iter().collect(),
                tables,
                cost: format!(
                    "{} writes these tables in one transaction today; across {} services the commit becomes a saga (or an event with a compensating action), and readers see one side before the other",
                    items.ids[u.function],
                    services.len()
                ),
            })
        })
        .collect()
}
