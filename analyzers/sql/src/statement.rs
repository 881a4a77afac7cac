//! One parsed statement to one [`seam_facts::sql::Statement`]: picks the kind and sends each
//! part of the statement to the module that understands it.

use seam_facts::sql::{Statement as Facts, StatementKind};
use sqlparser::ast::{SetExpr, Statement};

use crate::ddl;
use crate::walker::Walker;

/// The facts of `statement`, which starts at absolute line `line`.
pub(crate) fn facts(statement: &Statement, line: u32) -> Facts {
    let mut walker = Walker::default();
    let mut creates = None;
    let mut added_foreign_keys = Vec::new();
    let kind = match statement {
        Statement::Query(query) => {
            walker.query(query);
            match &*query.body {
                SetExpr::Insert(_) => StatementKind::Insert,
                SetExpr::Update(_) => StatementKind::Update,
                SetExpr::Delete(_) => StatementKind::Delete,
                SetExpr::Merge(_) => StatementKind::Merge,
                _ => StatementKind::Select,
            }
        }
        Statement::Insert(insert) => {
            walker.insert(insert);
            StatementKind::Insert
        }
        Statement::Update(update) => {
            walker.update(update);
            StatementKind::Update
        }
        Statement::Delete(delete) => {
            walker.delete(delete);
            StatementKind::Delete
        }
        Statement::Merge(merge) => {
            walker.merge(merge);
            StatementKind::Merge
        }
        Statement::Copy { source, to, .. } => {
            walker.copy(source, *to);
            StatementKind::Copy
        }
        Statement::Truncate(truncate) => {
            walker.truncate(truncate);
            StatementKind::Truncate
        }
        Statement::CreateTable(create) => {
            creates = ddl::table_def(create);
            if let Some(query) = &create.query {
                walker.query(query);
            }
            StatementKind::CreateTable
        }
        Statement::AlterTable(alter) => {
            added_foreign_keys = ddl::added_foreign_keys(alter);
            StatementKind::AlterTable
        }
        Statement::CreateIndex(_) => StatementKind::CreateIndex,
        Statement::CreateView(view) => {
            walker.query(&view.query);
            StatementKind::CreateView
        }
        Statement::Drop { .. }
        | Statement::DropFunction(_)
        | Statement::DropDomain(_)
        | Statement::DropProcedure { .. }
        | Statement::DropSecret { .. }
        | Statement::DropPolicy(_)
        | Statement::DropRule(_)
        | Statement::DropConnector { .. }
        | Statement::DropExtension(_)
        | Statement::DropOperator(_)
        | Statement::DropOperatorFamily(_)
        | Statement::DropOperatorClass(_)
        | Statement::DropTrigger(_) => StatementKind::Drop,
        other => {
            // EXPLAIN, DECLARE ... CURSOR FOR, PREPARE, ...: whatever queries they hold.
            walker.scan(other);
            StatementKind::Other
        }
    };
    let found = walker.found;
    Facts {
        line,
        kind,
        reads: found.reads.into_iter().collect(),
        writes: found.writes.into_iter().collect(),
        creates,
        added_foreign_keys,
        equality_columns: found.equality.into_iter().collect(),
        joins: found.joins.into_iter().collect(),
        assigned_columns: found.assigned.into_iter().collect(),
        locking: found.locking,
    }
}

/// A statement with no facts but its kind (`Other`), for statements sqlparser cannot parse but
/// that could not have had any.
pub(crate) fn other(line: u32) -> Facts {
    Facts {
        line,
        kind: StatementKind::Other,
        reads: Vec::new(),
        writes: Vec::new(),
        creates: None,
        added_foreign_keys: Vec::new(),
        equality_columns: Vec::new(),
        joins: Vec::new(),
        assigned_columns: Vec::new(),
        locking: false,
    }
}
