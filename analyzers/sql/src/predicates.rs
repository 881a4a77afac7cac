//! Equality predicates in WHERE / ON / HAVING: a column pinned to a value (`o.customer_id =
//! $1`, `status IN ('a', 'b')`, `id = ANY($1)`) is an equality column; two columns compared
//! (`o.customer_id = c.id`, `customer_id IN (SELECT id FROM customers)`) are a join. These
//! say how a query reaches its rows, which is what a service boundary has to preserve.

use std::ops::ControlFlow;

use sqlparser::ast::{BinaryOperator, Expr, InTarget, Query, Visit, Visitor};

use crate::scope::is_hole;
use crate::walker::Walker;

impl Walker {
    /// Records what one expression node says (its children are visited separately). A
    /// subquery walked here to learn its output column is added to `done`.
    pub(crate) fn predicate(&mut self, expr: &Expr, done: &mut Vec<*const Query>) {
        match expr {
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => match (&**left, &**right) {
                (Expr::Tuple(ls), Expr::Tuple(rs)) if ls.len() == rs.len() => {
                    for (l, r) in ls.iter().zip(rs) {
                        self.equal(l, r, done);
                    }
                }
                (l, r) => self.equal(l, r, done),
            },
            Expr::In {
                expr,
                target: InTarget::List(list),
                negated: false,
                ..
            } => {
                if let Some(column) = self.column_of(expr)
                    && list.iter().all(is_value)
                {
                    self.found.equality.insert(column);
                }
            }
            Expr::In {
                expr,
                target: InTarget::Subquery(query),
                negated: false,
                ..
            } => {
                if let Some(column) = self.column_of(expr) {
                    self.subquery_join(column, query, done);
                }
            }
            Expr::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => {
                if let Some(column) = self.column_of(left)
                    && is_value(right)
                {
                    self.found.equality.insert(column);
                }
            }
            _ => {}
        }
    }

    /// `l = r`: a join when both are columns, an equality when one is a value.
    fn equal(&mut self, l: &Expr, r: &Expr, done: &mut Vec<*const Query>) {
        match (self.column_of(l), self.column_of(r)) {
            (Some(a), Some(b)) => self.found.join(a, b),
            (Some(a), None) => self.column_equals(a, r, done),
            (None, Some(b)) => self.column_equals(b, l, done),
            (None, None) => {}
        }
    }

    fn column_equals(&mut self, column: String, other: &Expr, done: &mut Vec<*const Query>) {
        match strip(other) {
            Expr::Subquery(query) => self.subquery_join(column, query, done),
            other if is_value(other) => {
                self.found.equality.insert(column);
            }
            _ => {}
        }
    }

    /// `col IN (SELECT x ...)` / `col = (SELECT x ...)`: a join with the subquery's column.
    fn subquery_join(&mut self, column: String, query: &Query, done: &mut Vec<*const Query>) {
        let shape = self.query(query);
        done.push(std::ptr::from_ref(query));
        if let Some(real) = shape.single() {
            self.found.join(column, real.to_owned());
        }
    }

    /// The real `table.column` an expression is, seeing through parentheses, casts and
    /// COLLATE (`o.id::text` still pins `orders.id`).
    pub(crate) fn column_of(&self, expr: &Expr) -> Option<String> {
        match strip(expr) {
            Expr::Identifier(ident) => self.scopes.resolve(std::slice::from_ref(ident)),
            Expr::CompoundIdentifier(parts) => self.scopes.resolve(parts),
            _ => None,
        }
    }
}

fn strip(mut expr: &Expr) -> &Expr {
    loop {
        expr = match expr {
            Expr::Nested(inner)
            | Expr::Cast { expr: inner, .. }
            | Expr::Collate { expr: inner, .. } => inner,
            _ => return expr,
        };
    }
}

/// A value: literals, placeholders, template holes and anything computed only from them
/// (`lower($1)`, `$1::int`, `now() - interval '1 day'`): no column, no subquery.
pub(crate) fn is_value(expr: &Expr) -> bool {
    struct Columns;
    impl Visitor for Columns {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            match expr {
                Expr::Identifier(i) if !is_hole(&i.value) => ControlFlow::Break(()),
                Expr::CompoundIdentifier(parts) if !parts.iter().any(|p| is_hole(&p.value)) => {
                    ControlFlow::Break(())
                }
                _ => ControlFlow::Continue(()),
            }
        }
        fn pre_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
    }
    expr.visit(&mut Columns).is_continue()
}

#[cfg(test)]
mod tests {
    use crate::one;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn equality_through_aliases_and_unqualified_columns() {
        let s = one(
            "SELECT * FROM orders o WHERE o.customer_id = $1 AND status = 'paid' AND o.total > 10",
        );
        assert_eq!(
            s.equality_columns,
            vec!["orders.customer_id", "orders.status"]
        );
        let s =
            one("SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE email = $1");
        assert!(
            s.equality_columns.is_empty(),
            "unqualified with two tables is ambiguous"
        );
        assert_eq!(s.joins, pairs(&[("customers.id", "orders.customer_id")]));
    }

    #[test]
    fn values_may_be_computed_but_not_from_columns() {
        let s = one(
            "SELECT * FROM users u WHERE lower(u.email) = $1 AND u.name = lower($2) \
             AND u.day = CURRENT_DATE AND u.kind = $3::text AND (u.a, u.b) = (1, 2) AND u.x = u.y + 1",
        );
        assert_eq!(
            s.equality_columns,
            vec![
                "users.a",
                "users.b",
                "users.day",
                "users.kind",
                "users.name"
            ]
        );
    }

    #[test]
    fn in_lists_and_any() {
        let s = one(
            "SELECT * FROM t WHERE a IN (1, 2, $1) AND b NOT IN (3) AND c = ANY($2) AND d IN (1, e)",
        );
        assert_eq!(s.equality_columns, vec!["t.a", "t.c"]);
    }

    #[test]
    fn joins_from_on_where_and_using() {
        let s = one(
            "SELECT * FROM orders o JOIN items USING (order_id) JOIN products p ON p.id = items.product_id \
             LEFT JOIN shipments s ON s.order_id = o.order_id AND s.kind = 'x' WHERE o.warehouse_id = p.warehouse_id",
        );
        assert_eq!(
            s.joins,
            pairs(&[
                ("items.order_id", "orders.order_id"),
                ("items.product_id", "products.id"),
                ("orders.order_id", "shipments.order_id"),
                ("orders.warehouse_id", "products.warehouse_id"),
            ])
        );
        assert_eq!(s.equality_columns, vec!["shipments.kind"]);
    }

    #[test]
    fn having_and_self_joins() {
        let s = one(
            "SELECT m.id FROM employees e JOIN employees m ON e.manager_id = m.id GROUP BY m.id HAVING m.id = 3",
        );
        assert_eq!(s.joins, pairs(&[("employees.id", "employees.manager_id")]));
        assert_eq!(s.equality_columns, vec!["employees.id"]);
    }

    #[test]
    fn derived_tables_trace_their_columns() {
        let s = one("SELECT * FROM (SELECT o.customer_id AS cid FROM orders o) x WHERE x.cid = 5");
        assert_eq!(s.equality_columns, vec!["orders.customer_id"]);
        let s =
            one("SELECT * FROM (SELECT * FROM orders) x JOIN customers c ON c.id = x.customer_id");
        assert_eq!(s.joins, pairs(&[("customers.id", "orders.customer_id")]));
        let s = one("SELECT * FROM t WHERE t.a = (SELECT b FROM u WHERE u.c = 1)");
        assert_eq!(s.joins, pairs(&[("t.a", "u.b")]));
    }

    #[test]
    fn projections_are_not_predicates() {
        let s = one("SELECT a = 1, CASE WHEN b = 2 THEN 1 END FROM t");
        assert!(s.equality_columns.is_empty());
    }
}
