//! Accumulates what resolution finds (edges with evidence, tables, queries, routes, counts) in
//! ordered maps, so the finished [`Analysis`] comes out sorted whatever order the steps ran in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use seam_facts::Diagnostic;

use crate::analysis::{Column, Edge, EdgeKind, Evidence, ForeignKey, Query, Route};

/// A table as the pieces of evidence describe it, merged across models, DDL and migrations.
#[derive(Debug, Default)]
pub(crate) struct TableAcc {
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub models: BTreeSet<String>,
    pub foreign_keys: BTreeSet<ForeignKey>,
    /// Where each foreign key was declared, for `references` edge evidence.
    pub fk_evidence: BTreeMap<String, BTreeSet<Evidence>>,
    pub unique: BTreeSet<Vec<String>>,
    pub defined_in: BTreeSet<Evidence>,
}

impl TableAcc {
    pub fn add_column(&mut self, column: Column) {
        match self.columns.iter_mut().find(|c| c.name == column.name) {
            Some(existing) => {
                if existing.data_type.is_empty() {
                    existing.data_type = column.data_type;
                }
                existing.nullable &= column.nullable;
            }
            None => self.columns.push(column),
        }
    }

    pub fn add_primary_key(&mut self, column: &str) {
        if !self.primary_key.iter().any(|c| c == column) {
            self.primary_key.push(column.to_owned());
        }
    }
}

/// (from, to, kind) by interned ids.
type EdgeKey = (u32, u32, EdgeKind);

/// One occurrence of an edge: its ends by interned id, and where (interned file, line).
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    from: u32,
    to: u32,
    kind: EdgeKind,
    file: u32,
    line: u32,
}

impl Occurrence {
    fn key(&self) -> EdgeKey {
        (self.from, self.to, self.kind)
    }
}

/// Edges are keyed by interned ids and evidence by interned file names: a million-line
/// repository records hundreds of thousands of occurrences, and owned strings per occurrence
/// dominated both time and memory. Occurrences are one flat list, grouped into edges once,
/// by sorting, at the end: 20 bytes each, where a map from edge to a list of occurrences
/// took a slot and a heap block per edge (771 k edges on the 194 MB tree).
#[derive(Debug, Default)]
pub(crate) struct Edges {
    /// Indices into `names`, hashed by their text.
    ids: HashTable<u32>,
    names: Vec<Arc<str>>,
    files: FxHashMap<Arc<str>, u32>,
    file_names: Vec<Arc<str>>,
    occurrences: Vec<Occurrence>,
    /// Removed edges: the number of occurrences recorded when each was removed; the edge's
    /// occurrences before that are dropped (one recorded after is an edge again).
    removed: FxHashMap<EdgeKey, usize>,
}

impl Edges {
    /// One allocation per string, shared by the map, the list and the edges made of it.
    fn intern(map: &mut FxHashMap<Arc<str>, u32>, names: &mut Vec<Arc<str>>, s: &str) -> u32 {
        if let Some(&i) = map.get(s) {
            return i;
        }
        let i = names.len() as u32;
        let shared: Arc<str> = Arc::from(s);
        names.push(Arc::clone(&shared));
        map.insert(shared, i);
        i
    }

    /// The interned id of node id `s`.
    pub fn id(&mut self, s: &str) -> u32 {
        let hash = FxBuildHasher.hash_one(s);
        let names = &mut self.names;
        if let Some(&i) = self.ids.find(hash, |&i| &*names[i as usize] == s) {
            return i;
        }
        let i = names.len() as u32;
        names.push(Arc::from(s));
        self.ids
            .insert_unique(hash, i, |&j| FxBuildHasher.hash_one(&*names[j as usize]));
        i
    }

    /// The node id interned as `i`.
    pub fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    fn lookup(&self, s: &str) -> Option<u32> {
        let hash = FxBuildHasher.hash_one(s);
        self.ids
            .find(hash, |&i| &*self.names[i as usize] == s)
            .copied()
    }

    pub fn add(&mut self, from: &str, to: &str, kind: EdgeKind, file: &str, line: u32) {
        let from = self.id(from);
        let to = self.id(to);
        let file = Self::intern(&mut self.files, &mut self.file_names, file);
        self.occurrences.push(Occurrence {
            from,
            to,
            kind,
            file,
            line,
        });
    }

    /// The one shared copy of a file name, the same the evidence naming it holds.
    pub fn file(&mut self, name: &str) -> Arc<str> {
        let i = Self::intern(&mut self.files, &mut self.file_names, name);
        Arc::clone(&self.file_names[i as usize])
    }

    pub fn remove(&mut self, from: &str, to: &str, kind: EdgeKind) {
        if let (Some(f), Some(t)) = (self.lookup(from), self.lookup(to)) {
            self.removed.insert((f, t, kind), self.occurrences.len());
        }
    }

    /// Whether occurrence `i` of the list survives the removals: it was recorded after its
    /// edge was last removed, or the edge never was.
    fn is_live(removed: &FxHashMap<EdgeKey, usize>, i: usize, o: &Occurrence) -> bool {
        removed.get(&o.key()).is_none_or(|&before| i >= before)
    }

    /// The occurrences of the edges not removed.
    fn live(&self) -> impl Iterator<Item = &Occurrence> + '_ {
        self.occurrences
            .iter()
            .enumerate()
            .filter_map(|(i, o)| Self::is_live(&self.removed, i, o).then_some(o))
    }

    /// (from, to, kind) of every edge, once per occurrence, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = (&str, &str, EdgeKind)> + '_ {
        self.live().map(|o| {
            (
                &*self.names[o.from as usize],
                &*self.names[o.to as usize],
                o.kind,
            )
        })
    }

    /// The first evidence (in file, line order) of the edges into each target.
    pub fn first_evidence_by_target(&self) -> BTreeMap<&str, Evidence> {
        let mut best: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
        for o in self.live() {
            let slot = best.entry(o.to).or_insert((o.file, o.line));
            let (bf, bl) = *slot;
            if (&*self.file_names[o.file as usize], o.line) < (&*self.file_names[bf as usize], bl) {
                *slot = (o.file, o.line);
            }
        }
        best.into_iter()
            .map(|(t, (file, line))| {
                (
                    &*self.names[t as usize],
                    Evidence {
                        file: Arc::clone(&self.file_names[file as usize]),
                        line,
                    },
                )
            })
            .collect()
    }

    /// The edges whose ends `keep` accepts, sorted by (from, to, kind), evidence sorted.
    pub fn into_sorted(self, keep: impl Fn(&str) -> bool) -> Vec<crate::analysis::Edge> {
        // Sort by the rank of each interned string instead of comparing strings per pair.
        let rank_of = |strings: &[Arc<str>]| -> Vec<u32> {
            let mut order: Vec<u32> = (0..strings.len() as u32).collect();
            order.sort_unstable_by(|a, b| strings[*a as usize].cmp(&strings[*b as usize]));
            let mut rank = vec![0u32; strings.len()];
            for (r, &i) in order.iter().enumerate() {
                rank[i as usize] = r as u32;
            }
            rank
        };
        let (rank, file_rank) = (rank_of(&self.names), rank_of(&self.file_names));
        let kept: Vec<bool> = self.names.iter().map(|n| keep(n)).collect();
        let Edges {
            names,
            file_names,
            occurrences: mut live,
            removed,
            ..
        } = self;
        // In place: the occurrences are the largest list resolution builds.
        let mut i = 0;
        live.retain(|o| {
            let live = Self::is_live(&removed, i, o);
            i += 1;
            live && kept[o.from as usize] && kept[o.to as usize]
        });
        live.sort_unstable_by_key(|o| {
            (
                rank[o.from as usize],
                rank[o.to as usize],
                o.kind,
                file_rank[o.file as usize],
                o.line,
            )
        });
        live.chunk_by(|a, b| a.key() == b.key())
            .map(|group| {
                let o = group[0];
                let evidence: Vec<Evidence> = group
                    .iter()
                    .map(|o| Evidence {
                        file: Arc::clone(&file_names[o.file as usize]),
                        line: o.line,
                    })
                    .collect();
                Edge {
                    from: Arc::clone(&names[o.from as usize]),
                    to: Arc::clone(&names[o.to as usize]),
                    kind: o.kind,
                    count: evidence.len() as u32,
                    evidence,
                }
            })
            .collect()
    }
}

#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub edges: Edges,
    /// (caller, by its id in `edges`; external name) → (calls, line of the first): one
    /// entry per caller and name (82 k on the 194 MB tree), two strings each when keyed by
    /// text.
    pub external: FxHashMap<(u32, seam_facts::python::Name), (u32, u32)>,
    pub endpoint_refs: Vec<crate::analysis::EndpointRef>,
    pub unresolved: BTreeMap<String, u32>,
    pub queries: Vec<Query>,
    pub routes: BTreeSet<Route>,
    pub tables: BTreeMap<String, TableAcc>,
    /// Extra node tags by id (`task`, `model`).
    pub tags: BTreeMap<String, BTreeSet<&'static str>>,
    pub diagnostics: Vec<Diagnostic>,
    pub calls: u32,
    pub resolved_calls: u32,
    pub external_calls: u32,
    pub builtin_calls: u32,
    pub dynamic_calls: u32,
    pub unresolved_calls: u32,
    /// Classes deriving a model base whose table was not found (each also a diagnostic).
    pub unmapped_models: u32,
    /// Classes made at import time (`type(name, bases, attrs)`): id → where `type` is called.
    pub generated_classes: BTreeMap<String, Evidence>,
    pub unbound_registrations: u32,
}

impl Builder {
    /// A call made on the code's behalf that no call fact shows (the framework runs a
    /// callback, a getter runs on an attribute read, a binding dispatches to an override):
    /// a `calls` edge, counted as a call seen and resolved.
    pub fn implicit_call(&mut self, from: &str, to: &str, file: &str, line: u32) {
        self.calls += 1;
        self.resolved_calls += 1;
        self.edge(from, to, EdgeKind::Calls, file, line);
    }

    /// A function handed to a queue, thread or executor (see `handoff.rs`): an `enqueues`
    /// edge, counted as a call seen and resolved (the worker makes it).
    pub fn handoff(&mut self, from: &str, to: &str, file: &str, line: u32) {
        self.calls += 1;
        self.resolved_calls += 1;
        self.edge(from, to, EdgeKind::Enqueues, file, line);
    }

    pub fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, file: &str, line: u32) {
        if from == to && kind == EdgeKind::Calls {
            return;
        }
        self.edges.add(from, to, kind, file, line);
    }

    pub fn table(&mut self, name: &str) -> &mut TableAcc {
        self.tables.entry(name.to_owned()).or_default()
    }

    pub fn tag(&mut self, id: &str, tag: &'static str) {
        self.tags.entry(id.to_owned()).or_default().insert(tag);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(edge: &Edge) -> Vec<(&str, u32)> {
        edge.evidence.iter().map(|e| (&*e.file, e.line)).collect()
    }

    /// Occurrences group into one edge per (from, to, kind), edges sorted by (from, to, kind
    /// in declaration order) and evidence by (file, line); a
    /// removed edge loses what was recorded before its removal, not what comes after.
    #[test]
    fn occurrences_group_into_sorted_edges_and_removal_drops_the_earlier_ones() {
        let mut edges = Edges::default();
        edges.add("b", "c", EdgeKind::Calls, "z.py", 9);
        edges.add("a", "b", EdgeKind::Calls, "y.py", 3);
        edges.add("b", "c", EdgeKind::Calls, "x.py", 5);
        edges.add("a", "b", EdgeKind::Imports, "y.py", 1);
        edges.add("r", "h", EdgeKind::Handles, "y.py", 7);
        edges.remove("r", "h", EdgeKind::Handles);
        edges.add("a", "gone", EdgeKind::Calls, "y.py", 4);
        edges.remove("a", "b", EdgeKind::Imports);
        edges.add("a", "b", EdgeKind::Imports, "y.py", 2);
        let keys: BTreeSet<_> = edges.keys().collect();
        assert!(!keys.contains(&("r", "h", EdgeKind::Handles)));
        let sorted = edges.into_sorted(|id| id != "gone");
        let got: Vec<_> = sorted
            .iter()
            .map(|e| (&*e.from, &*e.to, e.kind, e.count, evidence(e)))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "b", EdgeKind::Imports, 1, vec![("y.py", 2)]),
                ("a", "b", EdgeKind::Calls, 1, vec![("y.py", 3)]),
                ("b", "c", EdgeKind::Calls, 2, vec![("x.py", 5), ("z.py", 9)]),
            ]
        );
    }
}
