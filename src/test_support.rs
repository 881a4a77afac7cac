//! Nodes and edges for unit tests that build small analyses by hand (clustering, advice).

use crate::analysis::{Edge, EdgeKind, Evidence, Node, NodeKind};

/// A node of `kind` in `x.py`, `lines` long.
pub(crate) fn node(id: &str, kind: NodeKind, lines: u32) -> Node {
    Node {
        id: id.to_owned(),
        kind,
        file: "x.py".into(),
        line: 1,
        end_line: lines,
        tags: std::sync::Arc::from([]),
    }
}

/// An edge of `kind` seen once, at `x.py:1`.
pub(crate) fn edge(from: &str, to: &str, kind: EdgeKind) -> Edge {
    Edge {
        from: from.into(),
        to: to.into(),
        kind,
        count: 1,
        evidence: vec![Evidence {
            file: "x.py".into(),
            line: 1,
        }],
    }
}
