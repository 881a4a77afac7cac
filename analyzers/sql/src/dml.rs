//! Writes: INSERT, UPDATE, DELETE, MERGE, COPY and TRUNCATE targets, and the columns INSERT
//! and UPDATE give values to. The target is bound in scope (under its alias) so WHERE and
//! SET can name it; tables in UPDATE ... FROM, DELETE ... USING and MERGE ... USING are reads.

use sqlparser::ast::{
    Assignment, AssignmentTarget, CopySource, Delete, FromTable, Insert, Merge, MergeAction,
    MergeInsertKind, MergeUpdateKind, ObjectName, OnConflictAction, OnInsert, Statement,
    TableFactor, TableObject, Truncate, Update, UpdateTableFromKind,
};

use crate::scope::{Source, ident_name, last_ident, object_table};
use crate::walker::Walker;

impl Walker {
    /// A data-changing statement, at top level or inside a WITH.
    pub(crate) fn dml(&mut self, statement: &Statement) {
        match statement {
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::Merge(merge) => self.merge(merge),
            other => self.scan(other),
        }
    }

    pub(crate) fn insert(&mut self, insert: &Insert) {
        let target = match &insert.table {
            TableObject::TableName(name) => object_table(name),
            TableObject::TableQuery(query) => {
                self.query(query);
                None
            }
            TableObject::TableFunction(_) => None,
        };
        if let Some(source) = &insert.source {
            self.query(source);
        }
        self.scopes.push_frame();
        if let Some(t) = &target {
            self.found.writes.insert(t.clone());
            for column in insert.columns.iter().filter_map(last_ident) {
                self.found.assigned.insert(format!("{t}.{column}"));
            }
            let name = insert
                .table_alias
                .as_ref()
                .map_or_else(|| t.clone(), |a| ident_name(&a.alias));
            self.scopes.bind(name, None, Source::Table(t.clone()));
            // ON CONFLICT DO UPDATE sees the proposed row as `excluded`.
            self.scopes
                .bind("excluded".into(), None, Source::Table(t.clone()));
        }
        self.assignments(target.as_deref(), &insert.assignments);
        match &insert.on {
            Some(OnInsert::OnConflict(conflict)) => {
                if let OnConflictAction::DoUpdate(update) = &conflict.action {
                    self.assignments(target.as_deref(), &update.assignments);
                    self.filter(&update.selection);
                }
            }
            Some(OnInsert::DuplicateKeyUpdate(assignments)) => {
                self.assignments(target.as_deref(), assignments)
            }
            _ => {}
        }
        self.scan(&insert.returning);
        self.scopes.pop_frame();
    }

    pub(crate) fn update(&mut self, update: &Update) {
        self.scopes.push_frame();
        let target = self.target(&update.table.relation);
        for join in &update.table.joins {
            self.join(join);
        }
        if let Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from)) =
            &update.from
        {
            for item in from {
                self.table_with_joins(item);
            }
        }
        self.assignments(target.as_deref(), &update.assignments);
        self.filter(&update.selection);
        self.scan(&update.returning);
        self.scopes.pop_frame();
    }

    pub(crate) fn delete(&mut self, delete: &Delete) {
        self.scopes.push_frame();
        let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &delete.from;
        if delete.tables.is_empty() {
            for item in from {
                self.target(&item.relation);
                for join in &item.joins {
                    self.join(join);
                }
            }
        } else {
            // MySQL `DELETE t1 FROM t1 JOIN t2`: the named tables are written, FROM is read.
            for item in from {
                self.table_with_joins(item);
            }
            self.found
                .writes
                .extend(delete.tables.iter().filter_map(object_table));
        }
        for item in delete.using.iter().flatten() {
            self.table_with_joins(item);
        }
        self.filter(&delete.selection);
        self.scan(&delete.returning);
        self.scopes.pop_frame();
    }

    pub(crate) fn merge(&mut self, merge: &Merge) {
        self.scopes.push_frame();
        let target = self.target(&merge.table);
        self.table_factor(&merge.source);
        self.filter(&*merge.on);
        for clause in &merge.clauses {
            self.filter(&clause.predicate);
            match &clause.action {
                MergeAction::Insert(insert) => {
                    if let Some(t) = &target {
                        for column in insert.columns.iter().filter_map(last_ident) {
                            self.found.assigned.insert(format!("{t}.{column}"));
                        }
                    }
                    if let MergeInsertKind::Values(values) = &insert.kind {
                        self.scan(values);
                    }
                    self.filter(&insert.insert_predicate);
                }
                MergeAction::Update(update) => {
                    if let MergeUpdateKind::Set(assignments) = &update.kind {
                        self.assignments(target.as_deref(), assignments);
                    }
                    self.filter(&update.update_predicate);
                    self.filter(&update.delete_predicate);
                }
                MergeAction::Delete { .. } | MergeAction::DoNothing { .. } => {}
            }
        }
        self.scopes.pop_frame();
    }

    /// `COPY t FROM ...` writes `t`; `COPY t TO ...` and `COPY (query) TO ...` read.
    pub(crate) fn copy(&mut self, source: &CopySource, to: bool) {
        match source {
            CopySource::Table { table_name, .. } => {
                if let Some(t) = object_table(table_name) {
                    if to {
                        self.found.reads.insert(t)
                    } else {
                        self.found.writes.insert(t)
                    };
                }
            }
            CopySource::Query(query) => {
                self.query(query);
            }
        }
    }

    pub(crate) fn truncate(&mut self, truncate: &Truncate) {
        self.found.writes.extend(
            truncate
                .table_names
                .iter()
                .filter_map(|t| object_table(&t.name)),
        );
    }

    /// Binds and records the table a DML statement writes; returns its name.
    fn target(&mut self, factor: &TableFactor) -> Option<String> {
        let TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = factor
        else {
            self.table_factor(factor);
            return None;
        };
        let table = object_table(name);
        let binding = match (alias, &table) {
            (Some(a), _) => ident_name(&a.name),
            (None, Some(t)) => t.clone(),
            (None, None) => String::new(),
        };
        let short = match (alias, &table) {
            (None, Some(t)) => t.rsplit_once('.').map(|(_, s)| s.to_owned()),
            _ => None,
        };
        let source = table.clone().map_or(Source::Opaque, Source::Table);
        self.scopes.bind(binding, short, source);
        if let Some(t) = &table {
            self.found.writes.insert(t.clone());
        }
        table
    }

    /// SET targets are columns of the written table; their values may hold subqueries.
    fn assignments(&mut self, target: Option<&str>, assignments: &[Assignment]) {
        for assignment in assignments {
            if let Some(t) = target {
                let names: Vec<&ObjectName> = match &assignment.target {
                    AssignmentTarget::ColumnName(name) => vec![name],
                    AssignmentTarget::Tuple(names) => names.iter().collect(),
                };
                for column in names.into_iter().filter_map(last_ident) {
                    self.found.assigned.insert(format!("{t}.{column}"));
                }
            }
            self.scan(&assignment.value);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::one;
    use seam_facts::sql::StatementKind;

    #[test]
    fn insert_values_and_insert_select() {
        let s = one(
            "INSERT INTO public.Orders (customer_id, Total) VALUES ($1, (SELECT max(t) FROM limits))",
        );
        assert_eq!(
            (s.kind, s.writes, s.reads),
            (
                StatementKind::Insert,
                vec!["orders".into()],
                vec!["limits".into()]
            )
        );
        assert_eq!(
            s.assigned_columns,
            vec!["orders.customer_id", "orders.total"]
        );
        let s = one("INSERT INTO archive (id) SELECT o.id FROM orders o WHERE o.closed = true");
        assert_eq!(
            (s.writes, s.reads),
            (vec!["archive".into()], vec!["orders".into()])
        );
        assert_eq!(s.equality_columns, vec!["orders.closed"]);
    }

    #[test]
    fn upserts_assign_their_set_columns() {
        let s = one(
            "INSERT INTO stock (sku, qty) VALUES (:sku, :qty) ON CONFLICT (sku) DO UPDATE SET qty = stock.qty + excluded.qty WHERE stock.sku = :sku",
        );
        assert_eq!(s.assigned_columns, vec!["stock.qty", "stock.sku"]);
        assert_eq!(s.equality_columns, vec!["stock.sku"]);
    }

    #[test]
    fn update_from() {
        let s = one(
            "UPDATE orders o SET status = 'vip', note = (SELECT n FROM notes LIMIT 1) FROM customers c \
             WHERE o.customer_id = c.id AND c.tier = %s",
        );
        assert_eq!(s.kind, StatementKind::Update);
        assert_eq!(s.writes, vec!["orders"]);
        assert_eq!(s.reads, vec!["customers", "notes"]);
        assert_eq!(s.assigned_columns, vec!["orders.note", "orders.status"]);
        assert_eq!(s.equality_columns, vec!["customers.tier"]);
        assert_eq!(
            s.joins,
            vec![("customers.id".into(), "orders.customer_id".into())]
        );
        let s = one("UPDATE users SET name = $1 WHERE id = $2");
        assert_eq!(s.equality_columns, vec!["users.id"]);
        assert!(s.reads.is_empty());
    }

    #[test]
    fn delete_using() {
        let s = one(
            "DELETE FROM sessions s USING users u WHERE s.user_id = u.id AND u.banned = TRUE RETURNING s.id",
        );
        assert_eq!(s.kind, StatementKind::Delete);
        assert_eq!(
            (s.writes, s.reads),
            (vec!["sessions".into()], vec!["users".into()])
        );
        assert_eq!(
            s.joins,
            vec![("sessions.user_id".into(), "users.id".into())]
        );
        assert_eq!(s.equality_columns, vec!["users.banned"]);
    }

    #[test]
    fn merge() {
        let s = one(
            "MERGE INTO inventory i USING (SELECT sku, qty FROM deliveries WHERE day = $1) d ON i.sku = d.sku \
             WHEN MATCHED THEN UPDATE SET qty = i.qty + d.qty \
             WHEN NOT MATCHED THEN INSERT (sku, qty) VALUES (d.sku, d.qty)",
        );
        assert_eq!(s.kind, StatementKind::Merge);
        assert_eq!(
            (s.writes, s.reads),
            (vec!["inventory".into()], vec!["deliveries".into()])
        );
        assert_eq!(
            s.joins,
            vec![("deliveries.sku".into(), "inventory.sku".into())]
        );
        assert_eq!(s.assigned_columns, vec!["inventory.qty", "inventory.sku"]);
        assert_eq!(s.equality_columns, vec!["deliveries.day"]);
    }

    #[test]
    fn copy_both_ways() {
        let s = one("COPY billing.invoices (id, total) FROM '/tmp/x.csv' WITH (FORMAT csv)");
        assert_eq!(
            (s.kind, s.writes, s.reads),
            (StatementKind::Copy, vec!["billing.invoices".into()], vec![])
        );
        let s = one("COPY users TO STDOUT");
        assert_eq!((s.writes, s.reads), (vec![], vec!["users".into()]));
        let s = one("COPY (SELECT * FROM orders o JOIN users u ON u.id = o.user_id) TO STDOUT");
        assert_eq!(s.reads, vec!["orders", "users"]);
    }

    #[test]
    fn truncate() {
        let s = one("TRUNCATE TABLE public.logs, audit.events RESTART IDENTITY");
        assert_eq!(
            (s.kind, s.writes),
            (
                StatementKind::Truncate,
                vec!["audit.events".into(), "logs".into()]
            )
        );
    }

    #[test]
    fn data_modifying_ctes() {
        let s = one(
            "WITH moved AS (DELETE FROM queue WHERE id = $1 RETURNING *) INSERT INTO done SELECT * FROM moved",
        );
        assert_eq!(s.kind, StatementKind::Insert);
        assert_eq!(s.writes, vec!["done", "queue"]);
        assert!(s.reads.is_empty());
        assert_eq!(s.equality_columns, vec!["queue.id"]);
    }
}
