//! The walker that carries scopes and findings through one statement. Query structure (WITH,
//! FROM, joins, DML targets) is walked by hand because scoping depends on it; everything else
//! (projections, WHERE, function arguments, VALUES, RETURNING, ...) is searched generically
//! with sqlparser's visitor, so a subquery anywhere is found without listing every place
//! sqlparser can put an expression.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, Visit, Visitor};

use crate::scope::Scopes;

/// What a statement was found to do; sets so the output is sorted and deduplicated.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub reads: BTreeSet<String>,
    pub writes: BTreeSet<String>,
    pub equality: BTreeSet<String>,
    pub joins: BTreeSet<(String, String)>,
    pub assigned: BTreeSet<String>,
    pub locking: bool,
}

impl Found {
    /// Records `a = b` between two columns, the pair in sorted order.
    pub(crate) fn join(&mut self, a: String, b: String) {
        if a != b {
            self.joins.insert(if a < b { (a, b) } else { (b, a) });
        }
    }
}

/// Walks one statement: `scopes` say what names mean at the current point, `found` collects.
#[derive(Debug, Default)]
pub(crate) struct Walker {
    pub found: Found,
    pub scopes: Scopes,
}

impl Walker {
    /// Walks every subquery in `node` (in the current scopes), without reading predicates.
    pub(crate) fn scan<N: Visit + ?Sized>(&mut self, node: &N) {
        let _ = node.visit(&mut Nested {
            walker: self,
            depth: 0,
            predicates: false,
            done: Vec::new(),
        });
    }

    /// Like [`Walker::scan`], and also records equality and join predicates: for WHERE, ON,
    /// HAVING and similar filters.
    pub(crate) fn filter<N: Visit + ?Sized>(&mut self, node: &N) {
        let _ = node.visit(&mut Nested {
            walker: self,
            depth: 0,
            predicates: true,
            done: Vec::new(),
        });
    }
}

/// Visitor state: only expressions and queries at depth 0 are ours; deeper ones belong to the
/// subquery, which [`Walker::query`] walks in its own scope.
struct Nested<'w> {
    walker: &'w mut Walker,
    depth: usize,
    predicates: bool,
    /// Subqueries a predicate already walked (to learn their output column).
    done: Vec<*const Query>,
}

impl Visitor for Nested<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if self.depth == 0 && !self.done.iter().any(|&q| std::ptr::eq(q, query)) {
            self.walker.query(query);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth == 0 && self.predicates {
            self.walker.predicate(expr, &mut self.done);
        }
        ControlFlow::Continue(())
    }
}
