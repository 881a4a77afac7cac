//! Tables declared without a class: `Table("name", metadata, Column(...), ...)` and
//! `db.Table("name", ...)`, assigned to a variable or written as a bare statement (the
//! metadata keeps them either way); and the classical mapping of a class onto such a table,
//! `mapper(Class, table)` / `registry.map_imperatively(Class, table)`.

use seam_facts::python::{Arg, DefKind, Expr};

use super::super::builder::Builder;
use super::super::dotted::last_segment;
use super::super::index::Index;
use super::super::names::Value;
use super::columns::{add_column, constraint};
use super::{Models, str_arg, unit_outside_schema};
use crate::analysis::Evidence;

/// The name of a SQLAlchemy `Table(...)` call: a string first argument and at least one
/// `Column`/constraint or a metadata argument, so other classes named `Table` are left alone.
fn table_of_call(callee: &str, args: &[Arg]) -> Option<String> {
    if last_segment(callee) != "Table" {
        return None;
    }
    let name = str_arg(args, 0, "name").filter(|n| !n.contains('{'))?;
    let has_columns = args.iter().any(|a| {
        matches!(&a.value, Expr::Call { callee, .. }
            if matches!(last_segment(callee), "Column" | "ForeignKeyConstraint" | "PrimaryKeyConstraint"))
    });
    let has_metadata = args
        .iter()
        .filter(|a| a.keyword.is_none())
        .nth(1)
        .is_some_and(
            |a| matches!(&a.value, Expr::Name(n) if n.to_lowercase().ends_with("metadata")),
        );
    let schema = str_arg(args, usize::MAX, "schema");
    (has_columns || has_metadata).then(|| super::qualified(schema.as_deref(), &name))
}

/// Every `Table(...)` at module or class level outside migrations: a table with its columns,
/// keys and evidence; the variables holding one are remembered for `secondary=`, mappings and
/// core statements (in migrations too, where they make no table).
pub(crate) fn table_calls(ix: &Index<'_>, b: &mut Builder, models: &mut Models) {
    for (u, unit) in ix.units.iter().enumerate() {
        if unit_outside_schema(ix, u) {
            // A migration's helper table (`person_helper = sa.Table("person", ...)`) is no
            // schema, but the statements on it (`person_helper.update()`) still name the
            // table they change.
            for (a, assign) in unit.facts.assigns.iter().enumerate() {
                if let Expr::Call { callee, args } = &assign.value
                    && let Some(name) = table_of_call(callee, args)
                {
                    models.table_vars.insert((u, a), name);
                }
            }
            continue;
        }
        let at_top = |scope: &str| {
            scope.is_empty()
                || ix
                    .def_of_scope(u, scope)
                    .is_some_and(|d| unit.facts.defs[d].kind == DefKind::Class)
        };
        for (a, assign) in unit.facts.assigns.iter().enumerate() {
            if let Expr::Call { callee, args } = &assign.value
                && let Some(name) = table_of_call(callee, args)
            {
                models.table_vars.insert((u, a), name);
            }
        }
        for call in unit.facts.calls.iter().filter(|c| at_top(&c.scope)) {
            let Some(name) = table_of_call(&call.callee, &call.args) else {
                continue;
            };
            let evidence = Evidence {
                file: unit.file.rel.clone().into(),
                line: call.line,
            };
            b.table(&name).defined_in.insert(evidence.clone());
            for arg in &call.args {
                match &arg.value {
                    Expr::Call {
                        callee,
                        args: col_args,
                    } if last_segment(callee) == "Column" => {
                        if let Some(col) = str_arg(col_args, 0, "name") {
                            add_column(ix, b, &name, &col, col_args, &evidence, u, &call.scope);
                        }
                    }
                    other => constraint(ix, b, &name, other, &evidence, u, &call.scope),
                }
            }
        }
    }
}

/// `__table__ = Table("tracking_raw", ...)` or `__table__ = tracking_table` in a class body:
/// the class maps onto that table.
pub(crate) fn assigned_table(
    ix: &Index<'_>,
    models: &Models,
    u: usize,
    d: usize,
) -> Option<String> {
    let a = super::class_attr(ix, u, d, "__table__")?;
    match &a.value {
        Expr::Call { callee, args } => table_of_call(callee, args),
        Expr::Name(n) => match ix.resolve(u, &a.scope, n) {
            Value::Var(vu, va) => models.table_vars.get(&(vu, va)).cloned(),
            _ => None,
        },
        _ => None,
    }
}

/// `mapper(Order, orders_table)`, `registry.map_imperatively(Order, orders_table)`: the class
/// maps onto the table held by the variable.
pub(crate) fn imperative_mappings(ix: &Index<'_>, models: &mut Models) {
    for (u, unit) in ix.units.iter().enumerate() {
        if unit_outside_schema(ix, u) {
            continue;
        }
        for call in &unit.facts.calls {
            if !matches!(last_segment(&call.callee), "map_imperatively" | "mapper") {
                continue;
            }
            let mut positional = call.args.iter().filter(|a| a.keyword.is_none());
            let (Some(class), Some(table)) = (positional.next(), positional.next()) else {
                continue;
            };
            let (Expr::Name(class), Expr::Name(table)) = (&class.value, &table.value) else {
                continue;
            };
            let Value::Def(cu, cd) = ix.resolve(u, &call.scope, class) else {
                continue;
            };
            if ix.units[cu].facts.defs[cd].kind != DefKind::Class
                || models.by_def.contains_key(&(cu, cd))
            {
                continue;
            }
            let Value::Var(vu, va) = ix.resolve(u, &call.scope, table) else {
                continue;
            };
            if let Some(name) = models.table_vars.get(&(vu, va)).cloned() {
                models.insert(ix, cu, cd, name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::analyze;

    #[test]
    fn bare_and_assigned_tables_and_imperative_mappings() {
        let a = analyze(&[
            (
                "m/meta.py",
                "from sqlalchemy import MetaData, orm\nmetadata = MetaData()\nregistry = orm.registry(metadata=metadata)\n",
            ),
            (
                "m/tag.py",
                "from sqlalchemy import Table, Column, ForeignKey, ForeignKeyConstraint, types\nfrom . import meta\ntag_table = Table('tag', meta.metadata,\n    Column('id', types.UnicodeText, primary_key=True),\n    Column('owner', types.UnicodeText),\n    ForeignKeyConstraint(['owner'], ['users.id']),\n    schema='crm')\nTable('audit', meta.metadata, Column('tag_id', types.UnicodeText, ForeignKey('crm.tag.id')))\nclass Tag:\n    pass\nmeta.registry.map_imperatively(Tag, tag_table)\n",
            ),
        ]);
        let names: Vec<&str> = a.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, vec!["audit", "crm.tag", "users"]);
        let tag = &a.tables[1];
        assert_eq!(tag.id, "table:crm.tag");
        assert_eq!(tag.models, vec!["m.tag:Tag"]);
        assert_eq!(tag.foreign_keys[0].references, "table:users");
        assert_eq!(a.tables[0].foreign_keys[0].references, "table:crm.tag");
    }
}
