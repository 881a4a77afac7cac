//! The analysis as the JSON document writes it (schema 2): the same facts as [`Analysis`],
//! without what a reader can derive from the rest, because on a large tree the document was
//! 2.9 times the source, most of it repeated file paths and containment.
//!
//! Three rules, each reversible (`tests/common::expand` is the reader's side, and
//! `tests/json_wire.rs` checks that it gives back the analysis):
//!
//! - a node's `file` is left out when it is its module's (`m:Class.f` is in the file of the
//!   node `m`); `tags` is left out when empty;
//! - a `contains` edge is left out when the ids say it: the container of `m:a.b` is `m:a`, of
//!   `m:a` the module `m`, and that edge is the only `contains` edge ending at `m:a.b`. A
//!   reader adds the edge from the id's container to every symbol node that no written
//!   `contains` edge ends at (every symbol has a container: `structure_edges`); a class a
//!   factory makes inside a method keeps its edge from the method;
//! - an edge's evidence is `lines` (places in the `from` node's file, ascending) and
//!   `elsewhere` (`{file, line}`, the rest, sorted, left out when empty; the analysis sorts evidence by file, then line); `count`, always the number
//!   of places, is left out.

use rustc_hash::FxHashMap;
use serde::Serialize;
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};

use crate::analysis::{Analysis, Edge, EdgeKind, Evidence, Node, NodeKind};

/// The container of a symbol as its id names it: `m:a.b` → `m:a`, `m:a` → `m`; `None` for
/// ids that are not symbols (modules, tables, routes).
pub fn container_of(id: &str) -> Option<&str> {
    if id.starts_with("table:") || id.starts_with("route:") {
        return None;
    }
    let (module, qualname) = id.split_once(':')?;
    Some(match qualname.rfind('.') {
        Some(dot) => &id[..module.len() + 1 + dot],
        None => module,
    })
}

/// The module id of a symbol id (`m:a.b` → `m`); `None` for other ids.
fn module_of(id: &str) -> Option<&str> {
    container_of(id).map(|_| id.split_once(':').map_or(id, |(m, _)| m))
}

/// The analysis with the rules above applied, borrowed.
#[derive(Debug)]
pub struct Wire<'a> {
    analysis: &'a Analysis,
    /// Each node, by id.
    nodes: FxHashMap<&'a str, &'a Node>,
    /// Each module's file, by module id.
    module_file: FxHashMap<&'a str, &'a str>,
    /// How many `contains` edges end at each node.
    containers: FxHashMap<&'a str, u32>,
}

impl<'a> Wire<'a> {
    pub fn new(analysis: &'a Analysis) -> Self {
        let module_file = analysis
            .nodes
            .iter()
            .filter(|n| n.kind == NodeKind::Module)
            .map(|n| (n.id.as_str(), &*n.file))
            .collect();
        let nodes = analysis.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let mut containers: FxHashMap<&str, u32> = FxHashMap::default();
        for e in analysis
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Contains)
        {
            *containers.entry(&*e.to).or_default() += 1;
        }
        Wire {
            analysis,
            nodes,
            module_file,
            containers,
        }
    }

    /// The node's file unless the reader can take it from its module.
    fn written_file(&self, n: &'a Node) -> Option<&'a str> {
        let inherited = match n.kind {
            NodeKind::Module | NodeKind::Route | NodeKind::Table => None,
            _ => module_of(&n.id).and_then(|m| self.module_file.get(m).copied()),
        };
        (inherited != Some(&*n.file)).then_some(&*n.file)
    }

    /// Every edge but a `contains` edge the reader rebuilds from the ids: the only one ending
    /// at its node, from the id's container, with the node's own place as its evidence.
    fn edge_written(&self, e: &Edge) -> bool {
        !(e.kind == EdgeKind::Contains
            && container_of(&e.to) == Some(&*e.from)
            && self.containers.get(&*e.to) == Some(&1)
            && self.nodes.get(&*e.to).is_some_and(
                |n| matches!(&e.evidence[..], [ev] if *ev.file == *n.file && ev.line == n.line),
            ))
    }
}

impl Serialize for Wire<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let a = self.analysis;
        let mut st = s.serialize_struct("Analysis", 12)?;
        st.serialize_field("schema_version", &a.schema_version)?;
        st.serialize_field("summary", &a.summary)?;
        st.serialize_field("nodes", &Nodes(self))?;
        st.serialize_field("edges", &Edges(self))?;
        st.serialize_field("routes", &a.routes)?;
        st.serialize_field("tables", &a.tables)?;
        st.serialize_field("queries", &a.queries)?;
        st.serialize_field("external_calls", &a.external_calls)?;
        st.serialize_field("endpoint_refs", &a.endpoint_refs)?;
        st.serialize_field("unresolved", &a.unresolved)?;
        st.serialize_field("self_checks", &a.self_checks)?;
        st.serialize_field("diagnostics", &a.diagnostics)?;
        st.end()
    }
}

struct Nodes<'w, 'a>(&'w Wire<'a>);

impl Serialize for Nodes<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let nodes = &self.0.analysis.nodes;
        let mut seq = s.serialize_seq(Some(nodes.len()))?;
        for n in nodes {
            seq.serialize_element(&WireNode {
                id: &n.id,
                kind: n.kind,
                file: self.0.written_file(n),
                line: n.line,
                end_line: n.end_line,
                tags: &n.tags,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct WireNode<'a> {
    id: &'a str,
    kind: NodeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    line: u32,
    end_line: u32,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
}

struct Edges<'w, 'a>(&'w Wire<'a>);

impl Serialize for Edges<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let edges = &self.0.analysis.edges;
        let written = edges.iter().filter(|e| self.0.edge_written(e));
        let mut seq = s.serialize_seq(Some(written.clone().count()))?;
        for e in written {
            let home = self.0.nodes.get(&*e.from).map(|n| &*n.file);
            let (here, there): (Vec<&Evidence>, Vec<&Evidence>) =
                e.evidence.iter().partition(|ev| Some(&*ev.file) == home);
            seq.serialize_element(&WireEdge {
                from: &e.from,
                to: &e.to,
                kind: e.kind,
                lines: here.iter().map(|ev| ev.line).collect(),
                elsewhere: there,
            })?;
        }
        seq.end()
    }
}

#[derive(Serialize)]
struct WireEdge<'a> {
    from: &'a str,
    to: &'a str,
    kind: EdgeKind,
    lines: Vec<u32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    elsewhere: Vec<&'a Evidence>,
}

/// The reader's side: a schema 2 document back in the shape of the analysis (nodes with
/// `file` and `tags`, edges with `count` and `evidence`, every `contains` edge), the
/// reference for consumers; the tests read every document through it. A document that
/// breaks the rules above (an edge without `lines`, a node whose file cannot be found) is an
/// `Err` naming the record.
pub fn read_back(doc: &serde_json::Value) -> Result<serde_json::Value, String> {
    use serde_json::{Value, json};
    let mut doc = doc.clone();
    let obj = doc.as_object_mut().ok_or("the document is not an object")?;
    let mut nodes = match obj.remove("nodes") {
        Some(Value::Array(n)) => n,
        _ => return Err("no `nodes` array".into()),
    };
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let module_file: FxHashMap<String, String> = nodes
        .iter()
        .filter(|n| n["kind"] == "module")
        .filter_map(|n| Some((text(n, "id")?, text(n, "file")?)))
        .collect();
    for n in &mut nodes {
        let id = text(n, "id").ok_or_else(|| format!("a node without an id: {n}"))?;
        let n = n.as_object_mut().ok_or("a node is not an object")?;
        if !n.contains_key("file") {
            let file = module_of(&id)
                .and_then(|m| module_file.get(m))
                .ok_or_else(|| {
                    format!("node `{id}`: no file and no module node to take it from")
                })?;
            n.insert("file".into(), json!(file));
        }
        n.entry("tags").or_insert_with(|| json!([]));
    }
    let place: FxHashMap<String, (String, Value)> = nodes
        .iter()
        .filter_map(|n| Some((text(n, "id")?, (text(n, "file")?, n["line"].clone()))))
        .collect();
    let Some(Value::Array(written)) = obj.remove("edges") else {
        return Err("no `edges` array".into());
    };
    let mut contained: rustc_hash::FxHashSet<String> = rustc_hash::FxHashSet::default();
    let mut edges = Vec::with_capacity(written.len());
    for e in written {
        let (Some(from), Some(to), Some(kind)) =
            (text(&e, "from"), text(&e, "to"), text(&e, "kind"))
        else {
            return Err(format!("an edge without from, to or kind: {e}"));
        };
        let lines = e["lines"]
            .as_array()
            .ok_or_else(|| format!("edge {from} -{kind}-> {to}: no `lines`"))?;
        let home = place.get(&from).map(|(f, _)| f.as_str());
        let mut evidence = Vec::new();
        for l in lines {
            let home = home.ok_or_else(|| {
                format!("edge {from} -{kind}-> {to}: lines, but `{from}` is no node")
            })?;
            evidence.push(json!({"file": home, "line": l}));
        }
        if let Some(Value::Array(other)) = e.get("elsewhere") {
            evidence.extend(other.iter().cloned());
        }
        // The analysis keeps evidence sorted by file, then line.
        evidence.sort_by_cached_key(|ev| (text(ev, "file"), ev["line"].as_u64()));
        if kind == "contains" {
            contained.insert(to.clone());
        }
        edges.push(json!({"from": from, "to": to, "kind": kind, "count": evidence.len(), "evidence": evidence}));
    }
    for n in &nodes {
        let id = text(n, "id").unwrap_or_default();
        if contained.contains(&id) {
            continue;
        }
        let Some(parent) = container_of(&id).filter(|p| place.contains_key(*p)) else {
            continue;
        };
        let (file, line) = &place[&id];
        edges.push(
            json!({"from": parent, "to": id, "kind": "contains", "count": 1,
            "evidence": [{"file": file, "line": line}]}),
        );
    }
    let rank = |e: &Value| -> (String, String, Option<EdgeKind>) {
        (
            text(e, "from").unwrap_or_default(),
            text(e, "to").unwrap_or_default(),
            serde_json::from_value(e["kind"].clone()).ok(),
        )
    };
    edges.sort_by_cached_key(rank);
    obj.insert("nodes".into(), Value::Array(nodes));
    obj.insert("edges".into(), Value::Array(edges));
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_follow_the_ids() {
        assert_eq!(
            container_of("app.models:User.save"),
            Some("app.models:User")
        );
        assert_eq!(container_of("app.models:User"), Some("app.models"));
        assert_eq!(container_of("app.models"), None);
        assert_eq!(container_of("table:users"), None);
        assert_eq!(container_of("route:GET /a:b"), None);
        assert_eq!(module_of("app.models:User.save"), Some("app.models"));
        assert_eq!(module_of("route:GET /x"), None);
    }
}
