//! Accumulates what resolution finds (edges with evidence, tables, queries, routes, counts) in
//! ordered maps, so the finished [`Analysis`] comes out sorted whatever order the steps ran in.

use std::collections::{BTreeMap, BTreeSet};

use seam_facts::Diagnostic;

use crate::analysis::{Column, EdgeKind, Evidence, ForeignKey, Query, Route};

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

#[derive(Debug, Default)]
pub(crate) struct Builder {
    pub edges: BTreeMap<(String, String, EdgeKind), Vec<Evidence>>,
    pub external: BTreeMap<(String, String), u32>,
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
}

impl Builder {
    pub fn edge(&mut self, from: &str, to: &str, kind: EdgeKind, file: &str, line: u32) {
        if from == to && kind == EdgeKind::Calls {
            return;
        }
        self.edges
            .entry((from.to_owned(), to.to_owned(), kind))
            .or_default()
            .push(Evidence {
                file: file.to_owned(),
                line,
            });
    }

    pub fn table(&mut self, name: &str) -> &mut TableAcc {
        self.tables.entry(name.to_owned()).or_default()
    }

    pub fn tag(&mut self, id: &str, tag: &'static str) {
        self.tags.entry(id.to_owned()).or_default().insert(tag);
    }
}
