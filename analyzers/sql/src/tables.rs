//! Tables read by queries: WITH (CTE scoping), set operations, SELECT, FROM and JOIN. CTE
//! names and aliases are resolved here so that only real tables reach `reads`, and each query
//! reports the [`Shape`] of its output so columns of CTEs and derived tables can be traced to
//! real ones.

use sqlparser::ast::{
    Expr, Join, JoinConstraint, JoinOperator, Query, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableAlias, TableFactor, TableWithJoins, With,
};

use crate::scope::{Shape, Source, ident_name, is_hole, object_table};
use crate::walker::Walker;

impl Walker {
    /// Walks a query (top level, CTE body, subquery) and returns what it outputs.
    pub(crate) fn query(&mut self, query: &Query) -> Shape {
        if let Some(with) = &query.with {
            self.scopes.push_ctes();
            self.with(with);
        }
        let shape = self.set_expr(&query.body);
        self.scan(&query.order_by);
        self.scan(&query.limit_clause);
        self.scan(&query.fetch);
        if !query.locks.is_empty() {
            self.found.locking = true;
        }
        if query.with.is_some() {
            self.scopes.pop_ctes();
        }
        shape
    }

    /// Defines the CTEs of a WITH, each visible to those after it (and, if RECURSIVE, to all).
    fn with(&mut self, with: &With) {
        if with.recursive {
            for cte in &with.cte_tables {
                self.scopes
                    .define_cte(ident_name(&cte.alias.name), Shape::default());
            }
        }
        for cte in &with.cte_tables {
            let shape = self.query(&cte.query).renamed(alias_columns(&cte.alias));
            self.scopes.define_cte(ident_name(&cte.alias.name), shape);
        }
    }

    fn set_expr(&mut self, body: &SetExpr) -> Shape {
        match body {
            SetExpr::Select(select) => self.select(select),
            SetExpr::Query(query) => self.query(query),
            SetExpr::SetOperation { .. } => {
                // UNION chains are left-deep and can be long: walk the spine with a loop.
                let mut node = body;
                let mut rights = Vec::new();
                while let SetExpr::SetOperation { left, right, .. } = node {
                    rights.push(&**right);
                    node = left;
                }
                self.set_expr(node);
                for right in rights.into_iter().rev() {
                    self.set_expr(right);
                }
                // A column of a UNION comes from several tables: not traced.
                Shape::default()
            }
            SetExpr::Values(values) => {
                self.scan(values);
                Shape::default()
            }
            SetExpr::Insert(statement)
            | SetExpr::Update(statement)
            | SetExpr::Delete(statement)
            | SetExpr::Merge(statement) => {
                self.dml(statement);
                Shape::default()
            }
            SetExpr::Table(table) => {
                if let Some(name) = &table.table_name {
                    let full = match &table.schema_name {
                        Some(schema) => format!("{}.{}", schema.value, name.value),
                        None => name.value.clone(),
                    };
                    if !is_hole(&full) {
                        self.found.reads.insert(seam_facts::ids::table_name(&full));
                    }
                }
                Shape::default()
            }
        }
    }

    fn select(&mut self, select: &Select) -> Shape {
        self.scopes.push_frame();
        for from in &select.from {
            self.table_with_joins(from);
        }
        if let Some(into) = &select.into {
            for target in &into.targets {
                if let Some(t) = expr_table(target) {
                    self.found.writes.insert(t);
                }
            }
        }
        self.filter(&select.selection);
        self.filter(&select.having);
        self.filter(&select.prewhere);
        self.filter(&select.qualify);
        self.scan(&select.projection);
        self.scan(&select.distinct);
        self.scan(&select.group_by);
        self.scan(&select.named_window);
        self.scan(&select.sort_by);
        self.scan(&select.lateral_views);
        self.scan(&select.connect_by);
        let shape = self.projection_shape(&select.projection);
        self.scopes.pop_frame();
        shape
    }

    /// Binds a FROM item and its joins in the current scope, recording join conditions.
    pub(crate) fn table_with_joins(&mut self, item: &TableWithJoins) {
        self.table_factor(&item.relation);
        for join in &item.joins {
            self.join(join);
        }
    }

    pub(crate) fn join(&mut self, join: &Join) {
        let left = self.scopes.len().checked_sub(1);
        self.table_factor(&join.relation);
        let right = self.scopes.len().checked_sub(1);
        let Some(constraint) = join_constraint(&join.join_operator) else {
            return;
        };
        match constraint {
            JoinConstraint::On(expr) => self.filter(expr),
            JoinConstraint::Using(columns) | JoinConstraint::UsingAlias(columns, _) => {
                let (Some(left), Some(right)) = (left, right) else {
                    return;
                };
                for column in columns.iter().filter_map(crate::scope::last_ident) {
                    let a = self.scopes.source(left).and_then(|s| s.column(&column));
                    let b = self.scopes.source(right).and_then(|s| s.column(&column));
                    if let (Some(a), Some(b)) = (a, b) {
                        self.found.join(a, b);
                    }
                }
            }
            JoinConstraint::Natural | JoinConstraint::None => {}
        }
    }

    /// Binds one FROM entry: a real table is read, a CTE adds nothing (its body was walked
    /// where it was defined), a subquery is walked.
    pub(crate) fn table_factor(&mut self, factor: &TableFactor) {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    self.scan(args);
                    self.bind_alias(alias, Source::Opaque);
                    return;
                }
                let Some(table) = object_table(name) else {
                    self.bind_alias(alias, Source::Opaque);
                    return;
                };
                if name.0.len() == 1
                    && let Some(shape) = self.scopes.cte(&table)
                {
                    let source = Source::Derived(shape.clone());
                    let binding = alias.as_ref().map_or(table, |a| ident_name(&a.name));
                    self.scopes.bind(binding, None, source);
                    return;
                }
                self.found.reads.insert(table.clone());
                match alias {
                    Some(a) => {
                        // Column renames on a table alias (`t AS x(a, b)`) hide the real names.
                        let source = if a.columns.is_empty() {
                            Source::Table(table)
                        } else {
                            Source::Opaque
                        };
                        self.scopes.bind(ident_name(&a.name), None, source);
                    }
                    None => {
                        let short = table.rsplit_once('.').map(|(_, s)| s.to_owned());
                        self.scopes.bind(table.clone(), short, Source::Table(table));
                    }
                }
            }
            TableFactor::Derived {
                subquery, alias, ..
            } => {
                let shape = self.query(subquery);
                let shape = match alias {
                    Some(a) => shape.renamed(alias_columns(a)),
                    None => shape,
                };
                self.bind_alias(alias, Source::Derived(shape));
            }
            TableFactor::NestedJoin {
                table_with_joins, ..
            } => self.table_with_joins(table_with_joins),
            TableFactor::Pivot { table, alias, .. }
            | TableFactor::Unpivot { table, alias, .. }
            | TableFactor::MatchRecognize { table, alias, .. } => {
                self.table_factor(table);
                self.bind_alias(alias, Source::Opaque);
            }
            other => {
                // Table functions, UNNEST, JSON_TABLE, ...: only their subqueries read tables.
                self.scan(other);
                let alias = match other {
                    TableFactor::TableFunction { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::UNNEST { alias, .. }
                    | TableFactor::JsonTable { alias, .. }
                    | TableFactor::OpenJsonTable { alias, .. }
                    | TableFactor::XmlTable { alias, .. }
                    | TableFactor::SemanticView { alias, .. } => alias,
                    _ => &None,
                };
                self.bind_alias(alias, Source::Opaque);
            }
        }
    }

    fn bind_alias(&mut self, alias: &Option<TableAlias>, source: Source) {
        let name = alias
            .as_ref()
            .map(|a| ident_name(&a.name))
            .unwrap_or_default();
        self.scopes.bind(name, None, source);
    }

    /// The output columns of a SELECT, resolved in its (still open) scope.
    fn projection_shape(&self, items: &[SelectItem]) -> Shape {
        let mut shape = Shape::default();
        let mut stars = 0;
        for item in items {
            match item {
                SelectItem::UnnamedExpr(expr) => {
                    let name = match expr {
                        Expr::Identifier(i) => ident_name(i),
                        Expr::CompoundIdentifier(parts) => {
                            parts.last().map(ident_name).unwrap_or_default()
                        }
                        _ => String::new(),
                    };
                    shape.columns.push((name, self.column_of(expr)));
                }
                SelectItem::ExprWithAlias { expr, alias } => {
                    shape
                        .columns
                        .push((ident_name(alias), self.column_of(expr)));
                }
                SelectItem::ExprWithAliases { aliases, .. } => {
                    shape
                        .columns
                        .extend(aliases.iter().map(|a| (ident_name(a), None)));
                }
                SelectItem::Wildcard(_) => {
                    stars += 1;
                    shape.star = self.scopes.only().cloned().map(Box::new);
                }
                SelectItem::QualifiedWildcard(kind, _) => {
                    stars += 1;
                    shape.star = match kind {
                        SelectItemQualifiedWildcardKind::ObjectName(name) => {
                            let parts: Vec<&str> = name
                                .0
                                .iter()
                                .filter_map(|p| p.as_ident())
                                .map(|i| i.value.as_str())
                                .collect();
                            self.scopes
                                .qualified(&parts.join("."))
                                .cloned()
                                .map(Box::new)
                        }
                        SelectItemQualifiedWildcardKind::Expr(_) => None,
                    };
                }
            }
        }
        if stars > 1 {
            shape.star = None;
        }
        shape
    }
}

/// The ON / USING part of a join, whatever its kind.
fn join_constraint(op: &JoinOperator) -> Option<&JoinConstraint> {
    match op {
        JoinOperator::Join(c)
        | JoinOperator::Inner(c)
        | JoinOperator::Left(c)
        | JoinOperator::LeftOuter(c)
        | JoinOperator::Right(c)
        | JoinOperator::RightOuter(c)
        | JoinOperator::FullOuter(c)
        | JoinOperator::CrossJoin(c)
        | JoinOperator::Semi(c)
        | JoinOperator::LeftSemi(c)
        | JoinOperator::RightSemi(c)
        | JoinOperator::Anti(c)
        | JoinOperator::LeftAnti(c)
        | JoinOperator::RightAnti(c)
        | JoinOperator::StraightJoin(c)
        | JoinOperator::AsOf { constraint: c, .. } => Some(c),
        JoinOperator::CrossApply
        | JoinOperator::OuterApply
        | JoinOperator::ArrayJoin
        | JoinOperator::LeftArrayJoin
        | JoinOperator::InnerArrayJoin => None,
    }
}

/// Column names an alias gives (`x(a, b)`), lowercase.
fn alias_columns(alias: &TableAlias) -> Vec<String> {
    alias.columns.iter().map(|c| ident_name(&c.name)).collect()
}

/// A table named by an expression (`SELECT ... INTO new_table`).
fn expr_table(expr: &Expr) -> Option<String> {
    let joined = match expr {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => parts
            .iter()
            .map(|p| p.value.as_str())
            .collect::<Vec<_>>()
            .join("."),
        _ => return None,
    };
    (!is_hole(&joined)).then(|| seam_facts::ids::table_name(&joined))
}

#[cfg(test)]
mod tests {
    use crate::one;
    use seam_facts::sql::StatementKind;

    #[test]
    fn from_joins_and_normalised_names() {
        let s = one(
            "SELECT * FROM public.\"Users\" u JOIN billing.Invoices i ON i.user_id = u.id, Orders",
        );
        assert_eq!(s.kind, StatementKind::Select);
        assert_eq!(s.reads, vec!["billing.invoices", "orders", "users"]);
        assert!(s.writes.is_empty());
    }

    #[test]
    fn ctes_are_not_tables_but_their_bodies_are_read() {
        let s = one(
            "WITH recent AS (SELECT * FROM orders WHERE created_at > now()), \
             big AS (SELECT customer_id FROM recent WHERE total > 100) \
             SELECT * FROM big JOIN customers c ON c.id = big.customer_id",
        );
        assert_eq!(s.reads, vec!["customers", "orders"]);
        assert_eq!(
            s.joins,
            vec![("customers.id".into(), "orders.customer_id".into())]
        );
    }

    #[test]
    fn a_cte_body_may_read_the_table_it_shadows() {
        let s = one(
            "WITH orders AS (SELECT * FROM orders WHERE paid) SELECT * FROM orders WHERE id = 1",
        );
        assert_eq!(s.reads, vec!["orders"]);
        assert_eq!(s.equality_columns, vec!["orders.id"]);
    }

    #[test]
    fn recursive_ctes_resolve_to_themselves() {
        let s = one(
            "WITH RECURSIVE tree AS (SELECT id, parent_id FROM categories WHERE id = $1 \
             UNION ALL SELECT c.id, c.parent_id FROM categories c JOIN tree t ON c.parent_id = t.id) \
             SELECT * FROM tree",
        );
        assert_eq!(s.reads, vec!["categories"]);
        assert_eq!(s.equality_columns, vec!["categories.id"]);
    }

    #[test]
    fn subqueries_anywhere_are_read() {
        let s = one(
            "SELECT (SELECT count(*) FROM items i WHERE i.order_id = o.id) AS n, \
             coalesce((SELECT max(x) FROM audit), 0) \
             FROM orders o, (SELECT * FROM refunds) r \
             WHERE EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id) \
               AND o.customer_id IN (SELECT id FROM customers WHERE vip) \
             ORDER BY (SELECT 1 FROM ranks LIMIT 1)",
        );
        assert_eq!(
            s.reads,
            vec![
                "audit",
                "customers",
                "items",
                "orders",
                "payments",
                "ranks",
                "refunds"
            ]
        );
        assert!(
            s.joins
                .contains(&("items.order_id".into(), "orders.id".into()))
        );
        assert!(
            s.joins
                .contains(&("orders.id".into(), "payments.order_id".into()))
        );
        assert!(
            s.joins
                .contains(&("customers.id".into(), "orders.customer_id".into()))
        );
    }

    #[test]
    fn unions_table_functions_and_holes() {
        let s = one(
            "SELECT a FROM x UNION SELECT a FROM y UNION ALL SELECT a FROM generate_series(1, 3) g(a)",
        );
        assert_eq!(s.reads, vec!["x", "y"]);
        let s =
            one("SELECT * FROM __seam_hole__ JOIN reports.__seam_hole__ ON true JOIN t ON true");
        assert_eq!(s.reads, vec!["t"]);
    }

    #[test]
    fn views_read_their_query() {
        let s = one(
            "CREATE VIEW active AS SELECT * FROM users u WHERE u.active AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = u.id)",
        );
        assert_eq!(s.kind, StatementKind::CreateView);
        assert_eq!(s.reads, vec!["bans", "users"]);
    }

    #[test]
    fn locking_reads() {
        assert!(
            one("SELECT * FROM jobs WHERE state = 'new' LIMIT 1 FOR UPDATE SKIP LOCKED").locking
        );
        assert!(one("SELECT * FROM a WHERE id IN (SELECT id FROM b FOR SHARE)").locking);
        assert!(!one("SELECT * FROM jobs").locking);
    }
}
