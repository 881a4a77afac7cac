//! What is clustered and how: the items (classes, functions, methods and tables; not tests,
//! migrations or scripts, not the shared kernel) and the weighted undirected projection of the
//! dependency graph over them. Module nodes join the projection as weak glue (co-membership)
//! but are never members of a service.

use rustc_hash::FxHashMap as HashMap;

use super::WeightedGraph;
use super::weights::{self, MODULE_MEMBERSHIP};
use crate::analysis::{Analysis, EdgeKind, NodeKind};

/// Tags that keep a node out of clustering (it stays in the graph).
use crate::analysis::NOT_APPLICATION as EXCLUDED_TAGS;

/// The clusterable items of an analysis, indexed.
#[derive(Debug)]
pub(crate) struct Items<'a> {
    pub ids: Vec<&'a str>,
    pub kinds: Vec<NodeKind>,
    /// Module id of each symbol; `""` for tables.
    pub modules: Vec<&'a str>,
    pub index: HashMap<&'a str, usize>,
    /// Module nodes that may serve as glue (not tests), by id.
    pub module_nodes: Vec<&'a str>,
    pub tagged_model: Vec<bool>,
    /// The edges of the analysis between two items, as (from, to, edge index), in edge
    /// order: resolved from ids once per proposal, read by every level and stage of it.
    item_edges: Vec<(u32, u32, u32)>,
}

impl<'a> Items<'a> {
    /// The distinct modules the clustered symbols are in.
    pub fn module_set(&self) -> std::collections::BTreeSet<&'a str> {
        self.modules
            .iter()
            .copied()
            .filter(|m| !m.is_empty())
            .collect()
    }

    pub fn of(a: &'a Analysis) -> Self {
        let mut items = Items {
            ids: Vec::new(),
            kinds: Vec::new(),
            modules: Vec::new(),
            index: HashMap::default(),
            module_nodes: Vec::new(),
            tagged_model: Vec::new(),
            item_edges: Vec::new(),
        };
        for n in &a.nodes {
            if n.tags.iter().any(|t| EXCLUDED_TAGS.contains(&t.as_str())) {
                continue;
            }
            match n.kind {
                NodeKind::Class | NodeKind::Function | NodeKind::Method | NodeKind::Table => {
                    items.index.insert(n.id.as_str(), items.ids.len());
                    items.ids.push(n.id.as_str());
                    items.kinds.push(n.kind);
                    items.modules.push(if n.kind == NodeKind::Table {
                        ""
                    } else {
                        module_of(&n.id)
                    });
                    items.tagged_model.push(n.tags.iter().any(|t| t == "model"));
                }
                NodeKind::Module => items.module_nodes.push(n.id.as_str()),
                NodeKind::Route => {}
            }
        }
        items.item_edges = a
            .edges
            .iter()
            .enumerate()
            .filter_map(|(k, e)| {
                let f = *items.index.get(&*e.from)?;
                let t = *items.index.get(&*e.to)?;
                Some((f as u32, t as u32, k as u32))
            })
            .collect();
        items
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// The edges of `a` between two clustered items, as (from, to, edge).
    pub fn edges<'e>(
        &'e self,
        a: &'e Analysis,
    ) -> impl Iterator<Item = (usize, usize, &'e crate::analysis::Edge)> + 'e {
        self.item_edges
            .iter()
            .map(move |&(f, t, k)| (f as usize, t as usize, &a.edges[k as usize]))
    }

    pub fn is_table(&self, i: usize) -> bool {
        self.kinds[i] == NodeKind::Table
    }
}

/// The module part of a symbol id (`shop.views:login` → `shop.views`).
pub(crate) fn module_of(id: &str) -> &str {
    id.split_once(':').map_or(id, |(m, _)| m)
}

/// The projection over the items not in `excluded`, plus module glue nodes. Returns the graph
/// and, for each graph node, the item it stands for (`None` for module glue).
pub(crate) fn project(
    a: &Analysis,
    items: &Items<'_>,
    excluded: &[bool],
) -> (WeightedGraph, Vec<Option<usize>>) {
    let mut node_of_item: Vec<Option<u32>> = vec![None; items.len()];
    let mut item_of_node: Vec<Option<usize>> = Vec::new();
    for (i, slot) in node_of_item.iter_mut().enumerate() {
        if !excluded[i] {
            *slot = Some(item_of_node.len() as u32);
            item_of_node.push(Some(i));
        }
    }
    let mut module_node: HashMap<&str, u32> = HashMap::default();
    for m in &items.module_nodes {
        module_node.insert(m, item_of_node.len() as u32);
        item_of_node.push(None);
    }
    let endpoint = |id: &str| -> Option<u32> {
        match items.index.get(id) {
            Some(&i) => node_of_item[i],
            None => module_node.get(id).copied(),
        }
    };
    let mut referencing: HashMap<&str, usize> = HashMap::default();
    for e in a
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::References && e.from != e.to)
    {
        *referencing.entry(&*e.to).or_default() += 1;
    }
    let mut relating: HashMap<&str, usize> = HashMap::default();
    for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Relates) {
        *relating.entry(&*e.to).or_default() += 1;
    }
    // A function handed to a thread or an RQ queue (`resolve/handoff.rs`) is named by its
    // caller, not called by it: the worker runs it. Only a declared task (Celery's, tagged
    // `task`) is a unit of its own that an enqueue binds to; other handoffs weigh nothing
    // here (they stay in the graph for the advice and the boundary check). Measured: binding
    // them as calls moved mlflow's trace store from 32 % to 47 % of the lines.
    let tasks = a.ids_tagged(&["task"]);
    let binds = |e: &&crate::analysis::Edge| e.kind != EdgeKind::Enqueues || tasks.contains(&*e.to);
    let mut callers: HashMap<&str, usize> = HashMap::default();
    for e in a
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Calls | EdgeKind::Enqueues) && e.from != e.to)
        .filter(binds)
    {
        *callers.entry(&*e.to).or_default() += 1;
    }
    let mut edges = Vec::new();
    for e in a.edges.iter().filter(binds) {
        let (Some(x), Some(y)) = (endpoint(&e.from), endpoint(&e.to)) else {
            continue;
        };
        if x == y {
            continue;
        }
        let from_module = module_node.contains_key(&*e.from);
        let w = match e.kind {
            EdgeKind::Contains if from_module => MODULE_MEMBERSHIP,
            EdgeKind::References => {
                let hub = |t: &str| referencing.get(t).copied().unwrap_or(0);
                if hub(&e.from) >= 2 {
                    weights::base(EdgeKind::References)
                } else {
                    weights::reference(hub(&e.to))
                }
            }
            EdgeKind::Relates => {
                weights::base(EdgeKind::Relates)
                    / relating.get(&*e.to).copied().unwrap_or(1).max(1) as f64
            }
            EdgeKind::Calls | EdgeKind::Enqueues => {
                weights::call(e.kind, e.count, callers.get(&*e.to).copied().unwrap_or(1))
            }
            kind => weights::weight(kind, e.count),
        };
        if w > 0.0 {
            edges.push((x, y, w));
        }
    }
    (
        WeightedGraph {
            n: item_of_node.len(),
            edges,
        },
        item_of_node,
    )
}

/// Logical coupling (modules changed together in git history) as extra weight between module
/// glue nodes: [`weights::CO_CHANGE`] times the pair's degree.
pub(crate) fn add_co_change(
    graph: &mut WeightedGraph,
    items: &Items<'_>,
    pairs: &[(String, String, f64)],
) {
    if pairs.is_empty() {
        return;
    }
    // Module glue nodes follow the items, in `items.module_nodes` order (see `project`).
    let first = graph.n - items.module_nodes.len();
    let node: HashMap<&str, u32> = items
        .module_nodes
        .iter()
        .enumerate()
        .map(|(i, m)| (*m, (first + i) as u32))
        .collect();
    for (a, b, degree) in pairs {
        if let (Some(&x), Some(&y)) = (node.get(a.as_str()), node.get(b.as_str()))
            && x != y
        {
            graph
                .edges
                .push((x, y, weights::CO_CHANGE * degree.clamp(0.0, 1.0)));
        }
    }
}
