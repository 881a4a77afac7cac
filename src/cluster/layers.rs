//! Layer modules: in a layered layout (`views/pages.py`, `services/workflow.py` each serving
//! every domain) a module is a layer, not a domain, and its co-membership glue pulls each of
//! its functions towards whichever service took the module's node: the front desk's logout
//! follows the patient pages it sits beside rather than the staff table its user loader reads.
//! Glue is meant to break ties only (`weights::MODULE_MEMBERSHIP`), and in a domain package it
//! does; in a layer it decides. So after a first clustering, a module of at least
//! [`LAYER_MIN_MEMBERS`] clustered members of which no service holds [`LAYER_PURITY`] is a
//! layer, its membership glue is cut to [`LAYER_GLUE`] of its weight, and the graph is
//! clustered again. Domain modules (most members in one service) keep their glue, so a
//! package-per-domain app clusters as before.

use super::WeightedGraph;

/// Clustered members a module needs before its spread says anything.
pub(crate) const LAYER_MIN_MEMBERS: usize = 6;
/// Share of a module's members its largest service must hold for the module to be a domain's.
pub(crate) const LAYER_PURITY: f64 = 0.5;
/// What is left of a layer module's glue.
pub(crate) const LAYER_GLUE: f64 = 0.2;

/// The graph with the glue of layer modules under `labels` discounted, or `None` when no
/// module is a layer.
pub(crate) fn discount(
    graph: &WeightedGraph,
    item_of_node: &[Option<usize>],
    labels: &[u32],
) -> Option<WeightedGraph> {
    // Membership edges: a module glue node (no item) and an item node.
    let glue = |x: u32, y: u32| -> Option<(usize, u32)> {
        match (item_of_node[x as usize], item_of_node[y as usize]) {
            (None, Some(_)) => Some((x as usize, labels[y as usize])),
            (Some(_), None) => Some((y as usize, labels[x as usize])),
            _ => None,
        }
    };
    let mut spread: rustc_hash::FxHashMap<usize, std::collections::BTreeMap<u32, usize>> =
        rustc_hash::FxHashMap::default();
    for &(x, y, _) in &graph.edges {
        if let Some((m, label)) = glue(x, y) {
            *spread.entry(m).or_default().entry(label).or_default() += 1;
        }
    }
    let layer: rustc_hash::FxHashSet<usize> = spread
        .iter()
        .filter(|(_, by)| {
            let total: usize = by.values().sum();
            let top = by.values().copied().max().unwrap_or(0);
            total >= LAYER_MIN_MEMBERS && (top as f64) < LAYER_PURITY * total as f64
        })
        .map(|(&m, _)| m)
        .collect();
    if layer.is_empty() {
        return None;
    }
    let edges = graph
        .edges
        .iter()
        .map(|&(x, y, w)| match glue(x, y) {
            Some((m, _)) if layer.contains(&m) => (x, y, w * LAYER_GLUE),
            _ => (x, y, w),
        })
        .collect();
    Some(WeightedGraph { n: graph.n, edges })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Items 0..6 in module node 6, spread over three services; items 7..13 in module node
    /// 13, all in one service.
    #[test]
    fn a_module_spread_over_services_loses_its_glue_and_a_domain_module_keeps_it() {
        let mut item_of_node: Vec<Option<usize>> = (0..14).map(Some).collect();
        item_of_node[6] = None;
        item_of_node[13] = None;
        let mut g = WeightedGraph::new(14);
        for i in 0..6 {
            g.edges.push((6, i, 1.0));
        }
        for i in 7..13 {
            g.edges.push((13, i, 1.0));
        }
        g.edges.push((0, 7, 2.0));
        let labels = [0, 0, 1, 1, 2, 2, 0, 3, 3, 3, 3, 3, 3, 3];
        let d = discount(&g, &item_of_node, &labels).expect("one layer");
        for &(x, y, w) in &d.edges {
            let expected = if x == 6 {
                LAYER_GLUE
            } else if x == 0 {
                2.0
            } else {
                1.0
            };
            assert_eq!(w, expected, "edge {x}-{y}");
        }
        let pure = [0u32; 14];
        assert!(discount(&g, &item_of_node, &pure).is_none());
    }
}
