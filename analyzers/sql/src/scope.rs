//! Name resolution: what a table name in FROM means (a real table, a CTE, a derived table)
//! and which real `table.column` a column reference means, through aliases, CTEs and
//! subqueries. Facts are about real tables, so every alias and CTE must be seen through.

use seam_facts::ids::table_name;
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// The identifier the neutraliser and the Python front end put where a template hole was.
pub(crate) use seam_facts::python::HOLE;

/// True when a name came (partly) from a template hole: it names nothing we can know.
pub(crate) fn is_hole(name: &str) -> bool {
    name.to_ascii_lowercase().contains(HOLE)
}

/// An identifier as PostgreSQL folds it for our purposes: lowercase.
pub(crate) fn ident_name(ident: &Ident) -> String {
    ident.value.to_lowercase()
}

/// A table name, normalised (`public.Users` → `users`), or `None` for a templated name or a
/// name with function parts.
pub(crate) fn object_table(name: &ObjectName) -> Option<String> {
    let mut parts = Vec::with_capacity(name.0.len());
    for part in &name.0 {
        match part {
            ObjectNamePart::Identifier(ident) => parts.push(ident.value.as_str()),
            ObjectNamePart::Function(_) => return None,
        }
    }
    let joined = parts.join(".");
    (!joined.is_empty() && !is_hole(&joined)).then(|| table_name(&joined))
}

/// The last identifier of a name (`t.col` → `col`), lowercase.
pub(crate) fn last_ident(name: &ObjectName) -> Option<String> {
    match name.0.last()? {
        ObjectNamePart::Identifier(ident) => Some(ident_name(ident)),
        ObjectNamePart::Function(_) => None,
    }
}

/// The columns a CTE or subquery outputs, each traced to a real `table.column` when it is a
/// plain column of its FROM.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shape {
    /// Output columns in order: (name, real column). Unnamed expressions have an empty name.
    pub columns: Vec<(String, Option<String>)>,
    /// `SELECT *` over a single source (or `SELECT t.*`): other names pass through to it.
    pub star: Option<Box<Source>>,
}

impl Shape {
    fn column(&self, name: &str) -> Option<String> {
        match self.columns.iter().find(|(n, _)| n == name) {
            Some((_, real)) => real.clone(),
            None => self.star.as_ref().and_then(|s| s.column(name)),
        }
    }

    /// Applies `AS x(a, b)` / `WITH x(a, b) AS`: the names replace output columns by position.
    pub(crate) fn renamed(self, names: Vec<String>) -> Shape {
        if names.is_empty() {
            return self;
        }
        let known = if self.star.is_some() {
            Vec::new()
        } else {
            self.columns
        };
        let mut reals = known.into_iter().map(|(_, real)| real);
        let columns = names
            .into_iter()
            .map(|n| (n, reals.next().flatten()))
            .collect();
        Shape {
            columns,
            star: None,
        }
    }

    /// The real column behind a one-column subquery (`IN (SELECT id FROM t)`).
    pub(crate) fn single(&self) -> Option<&str> {
        match (self.columns.as_slice(), &self.star) {
            ([(_, Some(real))], None) => Some(real),
            _ => None,
        }
    }
}

/// What a name in FROM stands for.
#[derive(Debug, Clone)]
pub(crate) enum Source {
    /// A real table (normalised name).
    Table(String),
    /// A CTE or subquery.
    Derived(Shape),
    /// A function, VALUES, a templated name: its columns are not table columns.
    Opaque,
}

impl Source {
    pub(crate) fn column(&self, name: &str) -> Option<String> {
        match self {
            Source::Table(t) => Some(format!("{t}.{name}")),
            Source::Derived(shape) => shape.column(name),
            Source::Opaque => None,
        }
    }
}

/// One entry of a FROM clause.
#[derive(Debug)]
struct Binding {
    /// The alias, or the normalised table / CTE name.
    name: String,
    /// For an unaliased schema-qualified table, its bare name (`billing.invoices` → `invoices`).
    short: Option<String>,
    source: Source,
}

/// The stack of CTE definitions and FROM scopes in effect while walking a statement.
#[derive(Debug, Default)]
pub(crate) struct Scopes {
    ctes: Vec<Vec<(String, Shape)>>,
    frames: Vec<Vec<Binding>>,
}

impl Scopes {
    pub(crate) fn push_ctes(&mut self) {
        self.ctes.push(Vec::new());
    }

    pub(crate) fn pop_ctes(&mut self) {
        self.ctes.pop();
    }

    /// Defines (or, for a recursive CTE seen before its body, redefines) a CTE.
    pub(crate) fn define_cte(&mut self, name: String, shape: Shape) {
        let Some(frame) = self.ctes.last_mut() else {
            return;
        };
        match frame.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = shape,
            None => frame.push((name, shape)),
        }
    }

    /// The CTE a bare table name refers to, innermost WITH first.
    pub(crate) fn cte(&self, name: &str) -> Option<&Shape> {
        self.ctes
            .iter()
            .rev()
            .find_map(|frame| frame.iter().find(|(n, _)| n == name).map(|(_, s)| s))
    }

    pub(crate) fn push_frame(&mut self) {
        self.frames.push(Vec::new());
    }

    pub(crate) fn pop_frame(&mut self) {
        self.frames.pop();
    }

    /// Adds a FROM entry to the innermost scope; returns its index there.
    pub(crate) fn bind(&mut self, name: String, short: Option<String>, source: Source) -> usize {
        match self.frames.last_mut() {
            Some(frame) => {
                frame.push(Binding {
                    name,
                    short,
                    source,
                });
                frame.len() - 1
            }
            None => 0,
        }
    }

    /// Number of entries in the innermost scope.
    pub(crate) fn len(&self) -> usize {
        self.frames.last().map_or(0, Vec::len)
    }

    /// Entry `index` of the innermost scope.
    pub(crate) fn source(&self, index: usize) -> Option<&Source> {
        self.frames.last()?.get(index).map(|b| &b.source)
    }

    /// The only entry of the innermost scope, if there is exactly one.
    pub(crate) fn only(&self) -> Option<&Source> {
        match self.frames.last()?.as_slice() {
            [one] => Some(&one.source),
            _ => None,
        }
    }

    /// The entry a qualifier names (`o` in `o.id`), innermost scope first (so correlated
    /// subqueries see their outer query).
    pub(crate) fn qualified(&self, qualifier: &str) -> Option<&Source> {
        let wanted = table_name(qualifier);
        self.frames.iter().rev().find_map(|frame| {
            frame
                .iter()
                .rev()
                .find(|b| b.name == wanted || b.short.as_deref() == Some(wanted.as_str()))
                .map(|b| &b.source)
        })
    }

    /// The real `table.column` a column reference (`col`, `t.col`, `schema.t.col`) means:
    /// unqualified columns only when the innermost scope has a single entry.
    pub(crate) fn resolve(&self, parts: &[Ident]) -> Option<String> {
        let (column, qualifier) = parts.split_last()?;
        if parts.iter().any(|p| is_hole(&p.value)) {
            return None;
        }
        let column = ident_name(column);
        if qualifier.is_empty() {
            return self.only()?.column(&column);
        }
        let qualifier: Vec<&str> = qualifier.iter().map(|p| p.value.as_str()).collect();
        self.qualified(&qualifier.join("."))?.column(&column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idents(s: &str) -> Vec<Ident> {
        s.split('.').map(Ident::new).collect()
    }

    #[test]
    fn resolves_aliases_short_names_and_outer_scopes() {
        let mut s = Scopes::default();
        s.push_frame();
        s.bind("o".into(), None, Source::Table("orders".into()));
        s.bind(
            "billing.invoices".into(),
            Some("invoices".into()),
            Source::Table("billing.invoices".into()),
        );
        assert_eq!(s.resolve(&idents("o.id")).as_deref(), Some("orders.id"));
        assert_eq!(
            s.resolve(&idents("invoices.total")).as_deref(),
            Some("billing.invoices.total")
        );
        assert_eq!(
            s.resolve(&idents("billing.invoices.total")).as_deref(),
            Some("billing.invoices.total")
        );
        assert_eq!(s.resolve(&idents("id")), None, "ambiguous with two tables");
        s.push_frame();
        s.bind("items".into(), None, Source::Table("items".into()));
        assert_eq!(
            s.resolve(&idents("order_id")).as_deref(),
            Some("items.order_id")
        );
        assert_eq!(s.resolve(&idents("O.ID")).as_deref(), Some("orders.id"));
        assert_eq!(s.resolve(&idents("o.__seam_hole__")), None);
    }

    #[test]
    fn derived_shapes_trace_columns_to_tables() {
        let shape = Shape {
            columns: vec![
                ("cid".into(), Some("orders.customer_id".into())),
                (String::new(), None),
            ],
            star: None,
        };
        let src = Source::Derived(shape.clone());
        assert_eq!(src.column("cid").as_deref(), Some("orders.customer_id"));
        assert_eq!(src.column("x"), None);
        let renamed = Source::Derived(shape.renamed(vec!["a".into(), "b".into()]));
        assert_eq!(renamed.column("a").as_deref(), Some("orders.customer_id"));
        let star = Source::Derived(Shape {
            columns: vec![],
            star: Some(Box::new(Source::Table("t".into()))),
        });
        assert_eq!(star.column("x").as_deref(), Some("t.x"));
    }

    #[test]
    fn table_names_are_normalised_and_holes_dropped() {
        let name = ObjectName::from(vec![Ident::new("public"), Ident::with_quote('"', "Users")]);
        assert_eq!(object_table(&name).as_deref(), Some("users"));
        assert_eq!(
            object_table(&ObjectName::from(vec![
                Ident::new("x"),
                Ident::new("__seam_hole__")
            ])),
            None
        );
    }
}
