//! Columns, primary keys and foreign keys of a mapped table: `Column(...)`, `mapped_column(...)`,
//! `Mapped[...]` annotations, `@declared_attr` columns, and the constraints of
//! `__table_args__` or of a `Table(...)` call (`ForeignKeyConstraint`, `PrimaryKeyConstraint`,
//! `UniqueConstraint`), which name their columns as strings.

use seam_facts::ids::table_name;
use seam_facts::python::{Arg, DefKind, Expr};

use super::super::builder::Builder;
use super::super::dotted::last_segment;
use super::super::index::{Index, parent_scope};
use super::super::names::Value;
use super::{class_attr, declared_table, str_arg};
use crate::analysis::{Column, Evidence, ForeignKey};

/// Whether a callee declares a column: `db.Column(...)`, `sa.Column(...)`, `mapped_column(...)`.
pub(crate) fn is_column(callee: &str) -> bool {
    matches!(last_segment(callee), "Column" | "mapped_column")
}

/// The arguments of each column a class body declares (`id = db.Column(..., primary_key=True)`).
pub(crate) fn class_columns<'i>(
    ix: &'i Index<'_>,
    u: usize,
    d: usize,
) -> impl Iterator<Item = &'i [Arg]> {
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    ix.assigns_in_scope(u, qual).filter_map(|a| match &a.value {
        Expr::Call { callee, args } if is_column(callee) => Some(&args[..]),
        _ => None,
    })
}

fn kw_true(args: &[Arg], keyword: &str) -> bool {
    args.iter().any(|a| {
        a.keyword.as_deref() == Some(keyword) && matches!(&a.value, Expr::Const(c) if c == "True")
    })
}

fn kw_false(args: &[Arg], keyword: &str) -> bool {
    args.iter().any(|a| {
        a.keyword.as_deref() == Some(keyword) && matches!(&a.value, Expr::Const(c) if c == "False")
    })
}

pub(crate) fn has_own_primary_key(ix: &Index<'_>, u: usize, d: usize) -> bool {
    class_columns(ix, u, d).any(|args| kw_true(args, "primary_key"))
}

pub(crate) fn columns_of_class(ix: &Index<'_>, b: &mut Builder, table: &str, u: usize, d: usize) {
    let unit = &ix.units[u];
    let qual = unit.facts.defs[d].qualname.as_str();
    for assign in ix.assigns_in_scope(u, qual) {
        let [target] = &assign.targets[..] else {
            continue;
        };
        if target.starts_with("__") {
            continue;
        }
        let evidence = Evidence {
            file: unit.file.rel.clone().into(),
            line: assign.line,
        };
        match &assign.value {
            Expr::Call { callee, args } if is_column(callee) => {
                // `_password = db.Column('password', ...)`: the first string names the column.
                let name = str_arg(args, 0, "name").unwrap_or_else(|| target.to_string());
                add_column(ix, b, table, &name, args, &evidence, u, qual);
            }
            Expr::Other if assign.annotation.is_some() => {
                // `id: Mapped[int]` in a `DeclarativeBase` model: a column without a call.
                let t = b.table(table);
                t.add_column(Column {
                    name: target.to_string(),
                    data_type: assign
                        .annotation
                        .unwrap_or_default()
                        .to_lowercase()
                        .to_string(),
                    nullable: true,
                });
            }
            _ => {}
        }
    }
    // `@declared_attr def hidden_by_id(cls): return db.Column(db.ForeignKey('users.id'))`.
    for def in unit
        .facts
        .defs
        .iter()
        .filter(|m| m.kind == DefKind::Method && parent_scope(&m.qualname) == qual)
    {
        let declared = def
            .decorators
            .iter()
            .any(|e| matches!(e, Expr::Name(n) if n.ends_with("declared_attr")));
        if !declared {
            continue;
        }
        let name = def.qualname.rsplit('.').next().unwrap_or(&def.qualname);
        if name.starts_with("__") {
            continue;
        }
        // A declared_attr that builds a relationship or a class (`type(...)`) declares no
        // column of this table, whatever `Column(...)` its body passes on.
        let builds_other = unit.facts.calls.iter().any(|c| {
            c.scope == def.qualname && matches!(last_segment(&c.callee), "relationship" | "type")
        });
        if builds_other {
            continue;
        }
        let column_call = unit
            .facts
            .calls
            .iter()
            .find(|c| c.scope == def.qualname && is_column(&c.callee));
        if let Some(call) = column_call {
            let evidence = Evidence {
                file: unit.file.rel.clone().into(),
                line: call.line,
            };
            let col = str_arg(&call.args, 0, "name").unwrap_or_else(|| name.to_owned());
            add_column(ix, b, table, &col, &call.args, &evidence, u, qual);
        }
    }
    if let Some(args) = class_attr(ix, u, d, "__table_args__") {
        let evidence = Evidence {
            file: unit.file.rel.clone().into(),
            line: args.line,
        };
        let items: Vec<&Expr> = match &args.value {
            Expr::List(items) => items.iter().collect(),
            other => vec![other],
        };
        for item in items {
            constraint(ix, b, table, item, &evidence, u, qual);
        }
    }
}

/// `ForeignKeyConstraint(["a"], ["t.id"])`, `PrimaryKeyConstraint("a", "b")`,
/// `UniqueConstraint("a", "b")`: an item of `__table_args__` or an argument of `Table(...)`.
pub(crate) fn constraint(
    ix: &Index<'_>,
    b: &mut Builder,
    table: &str,
    item: &Expr,
    evidence: &Evidence,
    u: usize,
    scope: &str,
) {
    let Expr::Call { callee, args } = item else {
        return;
    };
    let positional: Vec<&Expr> = args
        .iter()
        .filter(|a| a.keyword.is_none())
        .map(|a| &a.value)
        .collect();
    let strings = |e: &Expr| -> Vec<String> {
        match e {
            Expr::List(items) => items
                .iter()
                .filter_map(|i| match i {
                    Expr::Str(s) => Some(s.to_string()),
                    _ => None,
                })
                .collect(),
            Expr::Str(s) => vec![s.to_string()],
            _ => Vec::new(),
        }
    };
    match last_segment(callee) {
        "ForeignKeyConstraint" => {
            let (Some(cols), Some(refs)) = (positional.first(), positional.get(1)) else {
                return;
            };
            let columns = strings(cols);
            let targets: Vec<(String, String)> = match refs {
                Expr::List(items) => items
                    .iter()
                    .filter_map(|i| fk_target_expr(ix, u, scope, i))
                    .collect(),
                other => fk_target_expr(ix, u, scope, other).into_iter().collect(),
            };
            let Some((ref_table, _)) = targets.first().cloned() else {
                return;
            };
            if columns.is_empty()
                || columns.len() != targets.len()
                || targets.iter().any(|(t, _)| *t != ref_table)
            {
                return;
            }
            let t = b.table(table);
            t.fk_evidence
                .entry(ref_table.clone())
                .or_default()
                .insert(evidence.clone());
            t.foreign_keys.insert(ForeignKey {
                columns,
                references: format!("table:{ref_table}"),
                ref_columns: targets.into_iter().map(|(_, c)| c).collect(),
            });
        }
        "PrimaryKeyConstraint" => {
            let t = b.table(table);
            for c in positional.iter().flat_map(|e| strings(e)) {
                t.add_primary_key(&c);
            }
        }
        "UniqueConstraint" => {
            let cols: Vec<String> = positional.iter().flat_map(|e| strings(e)).collect();
            if !cols.is_empty() {
                b.table(table).unique.insert(cols);
            }
        }
        _ => {}
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn add_column(
    ix: &Index<'_>,
    b: &mut Builder,
    table: &str,
    name: &str,
    args: &[Arg],
    evidence: &Evidence,
    u: usize,
    scope: &str,
) {
    let data_type = args
        .iter()
        .filter(|a| a.keyword.is_none())
        .find_map(|a| match &a.value {
            Expr::Name(n) => Some(last_segment(n).to_lowercase()),
            Expr::Call { callee, .. }
                if !last_segment(callee).eq_ignore_ascii_case("ForeignKey") =>
            {
                Some(last_segment(callee).to_lowercase())
            }
            _ => None,
        })
        .unwrap_or_default();
    let primary = kw_true(args, "primary_key");
    let nullable = !(primary || kw_false(args, "nullable"));
    let unique = kw_true(args, "unique");
    let mut fks = Vec::new();
    for arg in args {
        if let Expr::Call {
            callee,
            args: fk_args,
        } = &arg.value
            && last_segment(callee) == "ForeignKey"
        {
            if let Some(target) = fk_target(ix, u, scope, fk_args) {
                fks.push(target);
            } else if let Some(col) = own_column(ix, u, scope, fk_args) {
                // `parent_id = Column(ForeignKey(id))`: a column of the same class body.
                fks.push((table.to_owned(), col));
            }
        }
    }
    let t = b.table(table);
    t.add_column(Column {
        name: name.to_owned(),
        data_type,
        nullable,
    });
    if primary {
        t.add_primary_key(name);
    }
    if unique {
        t.unique.insert(vec![name.to_owned()]);
    }
    for (ref_table, ref_col) in fks {
        let fk = ForeignKey {
            columns: vec![name.to_owned()],
            references: format!("table:{ref_table}"),
            ref_columns: vec![ref_col],
        };
        t.fk_evidence
            .entry(ref_table)
            .or_default()
            .insert(evidence.clone());
        t.foreign_keys.insert(fk);
    }
}

/// `ForeignKey(id)` in a class body, `id` a column of that body: the column's name.
fn own_column(ix: &Index<'_>, u: usize, scope: &str, args: &[Arg]) -> Option<String> {
    let Expr::Name(n) = &args.iter().find(|a| a.keyword.is_none())?.value else {
        return None;
    };
    let a = *ix.units_index[u].class_attrs.get(scope)?.get(n.as_str())?;
    let assign = &ix.units[u].facts.assigns[a];
    match &assign.value {
        Expr::Call { callee, args } if assign.scope == scope && is_column(callee) => {
            Some(str_arg(args, 0, "name").unwrap_or_else(|| n.to_string()))
        }
        _ => None,
    }
}

/// `ForeignKey('users.id')` or `ForeignKey(User.id)` → (table, column).
fn fk_target(ix: &Index<'_>, u: usize, scope: &str, args: &[Arg]) -> Option<(String, String)> {
    let arg = args
        .iter()
        .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("column"))?;
    fk_target_expr(ix, u, scope, &arg.value)
}

/// `'billing.invoices.id'`, `'users.id'` or `User.id` → (table, column).
fn fk_target_expr(ix: &Index<'_>, u: usize, scope: &str, e: &Expr) -> Option<(String, String)> {
    match e {
        Expr::Str(s) if !s.contains('{') && !s.contains("%s") => {
            let (table, col) = s.rsplit_once('.')?;
            Some((table_name(table), col.to_owned()))
        }
        Expr::Name(n) => {
            let (class, col) = n.rsplit_once('.')?;
            match ix.resolve(u, scope, class) {
                // The model table is not known yet here: the class's own declaration is.
                Value::Def(cu, cd) => Some((declared_table(ix, cu, cd), col.to_owned())),
                _ => None,
            }
        }
        _ => None,
    }
}
