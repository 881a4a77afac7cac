//! Services that would own no data and serve no route: once tables go to their owners (the
//! creator of the rows, then the heaviest writer, see `ownership.rs`), a cluster of model
//! classes whose tables another service writes (framework example apps, an ACL mixin every
//! model uses) is left holding nothing a service could be run for. Such a service is not an
//! edge service (it serves no route) and not a data owner: it merges into the service it is
//! most tied to over the dependency graph's item-to-item edges, whatever the share (it has
//! nowhere better to go), smallest first, unless the merge would make a blob. One tied to no
//! service, or too big to merge, stays, and says so (`owns_no_table`). A table-less service that serves routes is an edge service and stays.

use std::collections::BTreeMap;

use super::projection::Items;
use super::propose::{Place, service_count};
use super::slivers::Sizes;
use crate::analysis::{Analysis, EdgeKind};

/// The owner of each table item under `place` (None for symbols and unowned tables), by the
/// rule of `ownership.rs` ([`choose_owner`](super::ownership::choose_owner)), counted here
/// from the edges without gathering every access: services keyed by their number as text,
/// the order `ownership.rs` breaks ties in.
fn owners(a: &Analysis, items: &Items<'_>, place: &[Place]) -> Vec<Option<usize>> {
    let service = |id: &str| items.index.get(id).and_then(|&i| place[i].service());
    // Made once: this runs at every merge of every level.
    let keys = super::ownership::service_keys(place, 0);
    let mut inserts: BTreeMap<usize, BTreeMap<&str, u32>> = BTreeMap::new();
    for q in a
        .queries
        .iter()
        .filter(|q| matches!(q.kind.as_str(), "insert" | "merge" | "copy"))
    {
        let Some(s) = service(&q.site) else { continue };
        for t in &q.writes {
            if let Some(&ti) = items.index.get(t.as_str()) {
                *inserts
                    .entry(ti)
                    .or_default()
                    .entry(keys[s].as_str())
                    .or_default() += 1;
            }
        }
    }
    let mut score: BTreeMap<usize, BTreeMap<&str, f64>> = BTreeMap::new();
    for (f, ti, e) in items.edges(a) {
        let kind = match e.kind {
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            _ => continue,
        };
        let Some(s) = place[f].service() else {
            continue;
        };
        *score
            .entry(ti)
            .or_default()
            .entry(keys[s].as_str())
            .or_default() += super::ownership::access_weight(kind) * e.evidence.len() as f64;
    }
    let empty = BTreeMap::new();
    (0..items.len())
        .map(|i| {
            if !items.is_table(i) {
                return None;
            }
            let sc = score.get(&i).unwrap_or(&empty);
            super::ownership::choose_owner(inserts.get(&i), sc).and_then(|s| s.parse().ok())
        })
        .collect()
}

/// Merge every service left with no owned table and no route into its most tied service.
pub(crate) fn merge_dataless(a: &Analysis, items: &Items<'_>, sizes: &Sizes, place: &mut [Place]) {
    let ties = super::settle::item_ties(a, items);
    let services = service_count(place);
    let mut stays = vec![false; services];
    loop {
        let owner = owners(a, items, place);
        let mut owns = vec![false; services];
        let mut routes = vec![0u32; services];
        let mut members = vec![0u32; services];
        for (i, p) in place.iter().enumerate() {
            if let Some(s) = owner[i] {
                owns[s] = true;
            }
            if let (Place::Service(s), false) = (*p, items.is_table(i)) {
                routes[s] += sizes.routes_of(i);
                members[s] += 1;
            }
        }
        let mut dataless: Vec<usize> = (0..services)
            .filter(|&s| members[s] > 0 && !owns[s] && routes[s] == 0 && !stays[s])
            .collect();
        dataless.sort_by_key(|&s| (members[s], s));
        let Some(&s) = dataless.first() else { break };
        let mut pull: BTreeMap<usize, f64> = BTreeMap::new();
        for &(i, j, w) in &ties {
            for (x, y) in [(i, j), (j, i)] {
                if let (Place::Service(a), Place::Service(b)) = (place[x], place[y])
                    && a == s
                    && b != s
                {
                    *pull.entry(b).or_default() += w;
                }
            }
        }
        let lines = super::slivers::service_lines(items, sizes, place, services);
        let total: u32 = lines.iter().sum();
        let live = lines.iter().filter(|&&l| l > 0).count();
        match pull
            .iter()
            .max_by(|x, y| x.1.total_cmp(y.1).then_with(|| y.0.cmp(x.0)))
        {
            // Not into a blob: a big cluster of orphaned code is for a person to place.
            Some((&target, _))
                if !super::blobs::is_blob(lines[target] + lines[s], total, live - 1) =>
            {
                for p in place.iter_mut() {
                    if *p == Place::Service(s) {
                        *p = Place::Service(target);
                    }
                }
            }
            _ => stays[s] = true,
        }
    }
    super::slivers::renumber(place);
}

#[cfg(test)]
mod tests {
    use rustc_hash::FxHashMap as HashMap;

    use super::*;
    use crate::analysis::NodeKind;
    use crate::test_support::{edge, node};

    /// Service 1 is an ACL mixin whose table service 0 writes: it owns nothing, serves no
    /// route, and joins service 0, which it is tied to. Service 2 owns nothing either but is
    /// tied to no one: it stays.
    #[test]
    fn a_service_with_no_data_and_no_route_joins_its_neighbour() {
        use NodeKind::{Class, Function, Table};
        let a = Analysis {
            nodes: vec![
                node("sketch:save", Function, 10),
                node("acl:Entry", Class, 10),
                node("acl:Entry.grant", Function, 5),
                node("table:acl", Table, 1),
                node("other:big", Function, 100),
            ],
            edges: vec![
                edge("sketch:save", "table:acl", EdgeKind::Writes),
                edge("acl:Entry.grant", "table:acl", EdgeKind::Reads),
                edge("sketch:save", "acl:Entry.grant", EdgeKind::Calls),
            ],
            ..Analysis::default()
        };
        let items = Items::of(&a);
        let lines: HashMap<&str, u32> = a
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.end_line))
            .collect();
        let sizes = Sizes::new(&a, &items, &lines, &HashMap::default());
        let id = |s: &str| items.index[s];
        let mut place = vec![Place::Unassigned; items.len()];
        place[id("sketch:save")] = Place::Service(0);
        place[id("table:acl")] = Place::Service(1);
        place[id("acl:Entry")] = Place::Service(1);
        place[id("acl:Entry.grant")] = Place::Service(1);
        place[id("other:big")] = Place::Service(2);
        merge_dataless(&a, &items, &sizes, &mut place);
        assert_eq!(place[id("acl:Entry.grant")], place[id("sketch:save")]);
        assert_eq!(place[id("acl:Entry")], place[id("sketch:save")]);
        assert_ne!(place[id("other:big")], place[id("sketch:save")]);
        assert!(place[id("other:big")].service().is_some());
    }
}
