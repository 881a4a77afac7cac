//! The call-and-data-dependency graph (petgraph) built from an [`Analysis`]: nodes are modules,
//! classes, functions, methods, routes and tables; edges carry their kind, count and evidence.
//! Nodes are inserted in id order, so indices are deterministic; later stages (clustering,
//! metrics, advice) work on this graph, never on syntax.

use rustc_hash::FxHashMap as HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::analysis::{Analysis, Edge, Node};

/// The dependency graph with an id index.
#[derive(Debug, Default)]
pub struct DepGraph<'a> {
    pub graph: DiGraph<&'a Node, &'a Edge>,
    pub index: HashMap<&'a str, NodeIndex>,
}

impl<'a> DepGraph<'a> {
    pub fn build(analysis: &'a Analysis) -> Self {
        let mut graph = DiGraph::with_capacity(analysis.nodes.len(), analysis.edges.len());
        let mut index = HashMap::with_capacity_and_hasher(analysis.nodes.len(), Default::default());
        for node in &analysis.nodes {
            index.insert(node.id.as_str(), graph.add_node(node));
        }
        for edge in &analysis.edges {
            if let (Some(&a), Some(&b)) =
                (index.get(edge.from.as_str()), index.get(edge.to.as_str()))
            {
                graph.add_edge(a, b, edge);
            }
        }
        Self { graph, index }
    }

    pub fn node(&self, id: &str) -> Option<NodeIndex> {
        self.index.get(id).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{EdgeKind, NodeKind};

    #[test]
    fn builds_nodes_and_edges_by_id() {
        let mut a = Analysis::default();
        for (id, kind) in [
            ("m", NodeKind::Module),
            ("m:f", NodeKind::Function),
            ("table:t", NodeKind::Table),
        ] {
            a.nodes.push(Node {
                id: id.into(),
                kind,
                file: "m.py".into(),
                line: 1,
                end_line: 1,
                tags: vec![],
            });
        }
        a.edges.push(Edge {
            from: "m:f".into(),
            to: "table:t".into(),
            kind: EdgeKind::Writes,
            count: 1,
            evidence: vec![],
        });
        a.edges.push(Edge {
            from: "m:f".into(),
            to: "missing".into(),
            kind: EdgeKind::Calls,
            count: 1,
            evidence: vec![],
        });
        let g = DepGraph::build(&a);
        assert_eq!(g.graph.node_count(), 3);
        assert_eq!(g.graph.edge_count(), 1);
        let f = g.node("m:f").unwrap();
        let t = g.node("table:t").unwrap();
        assert!(g.graph.contains_edge(f, t));
    }
}
