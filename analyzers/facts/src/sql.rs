//! Facts the SQL front end extracts, statement by statement. Table names here are already
//! normalised with [`crate::ids::table_name`] (lowercase, no `public.`); column references are
//! `table.column` with the table resolved through aliases and CTEs.

use serde::{Deserialize, Serialize};

/// What a statement does, coarsely: enough to tell queries (reads/writes) from schema (DDL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    Select,
    Insert,
    Update,
    Delete,
    Merge,
    Copy,
    Truncate,
    CreateTable,
    AlterTable,
    CreateIndex,
    CreateView,
    Drop,
    Other,
}

impl StatementKind {
    /// The name used in the JSON (`select`, `create_table`...), as serde writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Select => "select",
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Delete => "delete",
            Self::Merge => "merge",
            Self::Copy => "copy",
            Self::Truncate => "truncate",
            Self::CreateTable => "create_table",
            Self::AlterTable => "alter_table",
            Self::CreateIndex => "create_index",
            Self::CreateView => "create_view",
            Self::Drop => "drop",
            Self::Other => "other",
        }
    }

    /// Statements that touch data (and so make a query site), as opposed to schema changes.
    pub fn is_query(self) -> bool {
        matches!(
            self,
            Self::Select
                | Self::Insert
                | Self::Update
                | Self::Delete
                | Self::Merge
                | Self::Copy
                | Self::Truncate
        )
    }
}

/// A column of a created table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    /// The type as written, lowercase (`integer`, `varchar(80)`).
    pub data_type: String,
    pub nullable: bool,
    pub unique: bool,
}

/// `columns` of this table reference `ref_columns` of table `references` (normalised name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub references: String,
    pub ref_columns: Vec<String>,
}

/// A table as `CREATE TABLE` defines it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints (not the primary key), each a list of columns.
    pub unique: Vec<Vec<String>>,
}

/// One parsed statement. `line` is absolute in the file it came from (1-based).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Statement {
    pub line: u32,
    pub kind: StatementKind,
    /// Tables read (FROM, JOIN, subqueries, USING, the source of INSERT ... SELECT / COPY TO).
    pub reads: Vec<String>,
    /// Tables written (INSERT/UPDATE/DELETE/MERGE target, COPY FROM, TRUNCATE).
    pub writes: Vec<String>,
    /// The table a CREATE TABLE defines.
    pub creates: Option<TableDef>,
    /// Foreign keys added to an existing table (`ALTER TABLE t ADD ... FOREIGN KEY`): (table, key).
    pub added_foreign_keys: Vec<(String, ForeignKey)>,
    /// `table.column` compared for equality with a value (literal, placeholder, hole): the
    /// columns a query is pinned on (`WHERE o.customer_id = $1` → `orders.customer_id`).
    pub equality_columns: Vec<String>,
    /// Column pairs compared with each other (`a.x = b.y`, JOIN ... ON / USING), each pair sorted.
    pub joins: Vec<(String, String)>,
    /// Columns given values by INSERT (column list) or UPDATE (SET), as `table.column`.
    pub assigned_columns: Vec<String>,
    /// `FOR UPDATE` / `FOR SHARE` (row locks).
    pub locking: bool,
}

/// A statement that could not be used, with why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SqlProblem {
    pub line: u32,
    pub message: String,
    /// The statement carried template tags (Jinja, format holes) that could not be neutralised:
    /// counted as skipped rather than as broken SQL.
    pub templated: bool,
}

/// Everything one piece of SQL text yields: parsing never fails, it returns what it could.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlFacts {
    pub statements: Vec<Statement>,
    pub problems: Vec<SqlProblem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialised_ones() {
        for k in [
            StatementKind::Select,
            StatementKind::Insert,
            StatementKind::Update,
            StatementKind::Delete,
            StatementKind::Merge,
            StatementKind::Copy,
            StatementKind::Truncate,
            StatementKind::CreateTable,
            StatementKind::AlterTable,
            StatementKind::CreateIndex,
            StatementKind::CreateView,
            StatementKind::Drop,
            StatementKind::Other,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }
}
