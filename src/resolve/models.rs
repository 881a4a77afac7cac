//! SQLAlchemy declarative models: which classes are mapped, to which table (`__tablename__`,
//! Flask-SQLAlchemy's derived name, single-table inheritance), with which columns, foreign keys
//! and relationships; and `db.Table(...)` association tables.

use std::collections::HashMap;

use seam_facts::ids::table_name;
use seam_facts::python::{Arg, Assign, DefKind, Expr};

use super::builder::Builder;
use super::dotted::last_segment;
use super::index::{Index, parent_scope};
use super::names::Value;
use crate::analysis::{Column, EdgeKind, Evidence, ForeignKey};

/// A mapped class.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub id: String,
    /// Normalised table name.
    pub table: String,
}

/// A relationship attribute: the class it leads to and the association table it goes through.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relationship {
    pub target: Option<(usize, usize)>,
    pub secondary: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Models {
    pub by_def: HashMap<(usize, usize), Model>,
    /// (model, attribute) → relationship.
    pub relationships: HashMap<((usize, usize), String), Relationship>,
    /// Variables holding a `Table(...)`: (unit, assign) → table name.
    pub table_vars: HashMap<(usize, usize), String>,
}

impl Models {
    pub fn get(&self, key: (usize, usize)) -> Option<&Model> {
        self.by_def.get(&key)
    }
}

/// What a base class says about a class: an ORM root (`db.Model`, a `declarative_base()`
/// result, `DeclarativeBase`) and whether Flask-SQLAlchemy derives table names.
fn orm_root(v: &Value, ix: &Index<'_>) -> Option<bool> {
    let name = match v {
        Value::External(e) => e.clone(),
        Value::Var(u, a) => match &ix.units[*u].facts.assigns[*a].value {
            Expr::Call { callee, .. } => callee.clone(),
            Expr::Name(n) => n.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let last = name.rsplit('.').next().unwrap_or(&name);
    match last {
        "Model" => Some(true),
        "declarative_base" | "DeclarativeBase" | "DeclarativeBaseNoMeta" | "as_declarative" => {
            Some(false)
        }
        _ => None,
    }
}

/// Flask-SQLAlchemy's default table name: `OrderItem` → `order_item`, `HTTPRequest` →
/// `http_request`.
pub(crate) fn derived_table_name(class: &str) -> String {
    let chars: Vec<char> = class.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase() || prev.is_ascii_digit() || (next_lower && prev != '_') {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_start_matches('_').to_owned()
}

fn class_attr<'f>(ix: &'f Index<'_>, u: usize, d: usize, name: &str) -> Option<&'f Assign> {
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    let a = *ix.units_index[u].class_attrs.get(qual)?.get(name)?;
    let assign = &ix.units[u].facts.assigns[a];
    (assign.scope == qual).then_some(assign)
}

fn str_arg(args: &[Arg], pos: usize, keyword: &str) -> Option<String> {
    let by_kw = args
        .iter()
        .find(|a| a.keyword.as_deref() == Some(keyword))
        .map(|a| &a.value);
    let by_pos = args
        .iter()
        .filter(|a| a.keyword.is_none())
        .nth(pos)
        .map(|a| &a.value);
    match by_kw.or(by_pos)? {
        Expr::Str(s) => Some(s.clone()),
        _ => None,
    }
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

/// Find every model and association table, record tables, columns, keys and `maps` edges.
pub(crate) fn detect(ix: &Index<'_>, b: &mut Builder) -> Models {
    let mut models = Models::default();
    // Pass 1: which classes are models, and their tables.
    let mut pending: Vec<(usize, usize, bool)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind != DefKind::Class {
                continue;
            }
            let bases = ix.all_bases(u, d);
            let roots: Vec<bool> = bases.iter().filter_map(|v| orm_root(v, ix)).collect();
            if roots.is_empty() {
                continue;
            }
            // A direct subclass of `DeclarativeBase` is itself a base, not a model.
            let is_base_itself = def.bases.iter().any(|e| matches!(e, Expr::Name(n) if n.ends_with("DeclarativeBase") || n.ends_with("DeclarativeBaseNoMeta")));
            let is_abstract = class_attr(ix, u, d, "__abstract__")
                .is_some_and(|a| matches!(&a.value, Expr::Const(c) if c == "True"));
            if is_base_itself || is_abstract {
                continue;
            }
            pending.push((u, d, roots.contains(&true)));
        }
    }
    // Tables: explicit names first, then inherited or derived (parents may come later in order).
    for &(u, d, _) in &pending {
        if let Some(Expr::Str(name)) = class_attr(ix, u, d, "__tablename__").map(|a| &a.value) {
            models.by_def.insert(
                (u, d),
                Model {
                    id: ix.symbol_id(u, d),
                    table: table_name(name),
                },
            );
        }
    }
    for _ in 0..4 {
        for &(u, d, flask) in &pending {
            if models.by_def.contains_key(&(u, d)) {
                continue;
            }
            let parent_table = ix
                .repo_bases(u, d, 0)
                .iter()
                .find_map(|k| models.by_def.get(k).map(|m| m.table.clone()));
            let own_pk = has_own_primary_key(ix, u, d);
            let table = match parent_table {
                Some(t) if !own_pk => Some(t),
                _ if flask => {
                    let qual = &ix.units[u].facts.defs[d].qualname;
                    Some(derived_table_name(qual.rsplit('.').next().unwrap_or(qual)))
                }
                _ => None,
            };
            if let Some(table) = table {
                models.by_def.insert(
                    (u, d),
                    Model {
                        id: ix.symbol_id(u, d),
                        table,
                    },
                );
            }
        }
    }
    // Association tables held in variables.
    for (u, unit) in ix.units.iter().enumerate() {
        for (a, assign) in unit.facts.assigns.iter().enumerate() {
            if let Expr::Call { callee, args } = &assign.value
                && last_segment(callee) == "Table"
                && let Some(name) = str_arg(args, 0, "name")
            {
                let name = table_name(&name);
                models.table_vars.insert((u, a), name.clone());
                let evidence = Evidence {
                    file: unit.file.rel.clone(),
                    line: assign.line,
                };
                let t = b.table(&name);
                t.defined_in.insert(evidence.clone());
                for arg in args {
                    if let Expr::Call {
                        callee,
                        args: col_args,
                    } = &arg.value
                        && last_segment(callee) == "Column"
                        && let Some(col) = str_arg(col_args, 0, "name")
                    {
                        add_column(ix, b, &name, &col, col_args, &evidence, u, "");
                    }
                }
            }
        }
    }
    // Pass 2: columns, keys, relationships, `maps` edges.
    let keys: Vec<(usize, usize)> = {
        let mut k: Vec<_> = models.by_def.keys().copied().collect();
        k.sort_unstable();
        k
    };
    for (u, d) in keys {
        let model = models.by_def[&(u, d)].clone();
        let unit = &ix.units[u];
        let def = &unit.facts.defs[d];
        let evidence = Evidence {
            file: unit.file.rel.clone(),
            line: def.line,
        };
        b.edge(
            &model.id,
            &format!("table:{}", model.table),
            EdgeKind::Maps,
            &unit.file.rel,
            def.line,
        );
        b.tag(&model.id, "model");
        {
            let t = b.table(&model.table);
            t.models.insert(model.id.clone());
            t.defined_in.insert(evidence);
        }
        // Own body and mixins (repository bases that are not models themselves).
        let mut classes = vec![(u, d)];
        let mut i = 0;
        while i < classes.len() && classes.len() < 32 {
            let (cu, cd) = classes[i];
            for base in ix.repo_bases(cu, cd, 0) {
                if !models.by_def.contains_key(&base) && !classes.contains(&base) {
                    classes.push(base);
                }
            }
            i += 1;
        }
        for (cu, cd) in classes {
            columns_of_class(ix, b, &model.table, cu, cd);
            relationships_of_class(ix, b, &mut models, (u, d), cu, cd);
        }
    }
    models
}

fn has_own_primary_key(ix: &Index<'_>, u: usize, d: usize) -> bool {
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    ix.units[u]
        .facts
        .assigns
        .iter()
        .filter(|a| a.scope == qual)
        .any(|a| match &a.value {
            Expr::Call { callee, args } => {
                matches!(last_segment(callee), "Column" | "mapped_column")
                    && kw_true(args, "primary_key")
            }
            _ => false,
        })
}

fn columns_of_class(ix: &Index<'_>, b: &mut Builder, table: &str, u: usize, d: usize) {
    let unit = &ix.units[u];
    let qual = unit.facts.defs[d].qualname.as_str();
    for assign in unit.facts.assigns.iter().filter(|a| a.scope == qual) {
        let [target] = assign.targets.as_slice() else {
            continue;
        };
        if target.starts_with("__") {
            continue;
        }
        let evidence = Evidence {
            file: unit.file.rel.clone(),
            line: assign.line,
        };
        match &assign.value {
            Expr::Call { callee, args }
                if matches!(last_segment(callee), "Column" | "mapped_column") =>
            {
                // `_password = db.Column('password', ...)`: the first string names the column.
                let name = str_arg(args, 0, "name").unwrap_or_else(|| target.clone());
                add_column(ix, b, table, &name, args, &evidence, u, qual);
            }
            Expr::Other if assign.annotation.is_some() => {
                // `id: Mapped[int]` in a `DeclarativeBase` model: a column without a call.
                let t = b.table(table);
                t.add_column(Column {
                    name: target.clone(),
                    data_type: assign.annotation.clone().unwrap_or_default().to_lowercase(),
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
        let column_call = unit.facts.calls.iter().find(|c| {
            c.scope == def.qualname && matches!(last_segment(&c.callee), "Column" | "mapped_column")
        });
        if let Some(call) = column_call {
            let evidence = Evidence {
                file: unit.file.rel.clone(),
                line: call.line,
            };
            let col = str_arg(&call.args, 0, "name").unwrap_or_else(|| name.to_owned());
            add_column(ix, b, table, &col, &call.args, &evidence, u, qual);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn add_column(
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
            && let Some(target) = fk_target(ix, u, scope, fk_args)
        {
            fks.push(target);
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

/// `ForeignKey('users.id')` or `ForeignKey(User.id)` → (table, column).
fn fk_target(ix: &Index<'_>, u: usize, scope: &str, args: &[Arg]) -> Option<(String, String)> {
    match &args
        .iter()
        .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("column"))?
        .value
    {
        Expr::Str(s) => {
            let (table, col) = s.rsplit_once('.')?;
            Some((table_name(table), col.to_owned()))
        }
        Expr::Name(n) => {
            let (class, col) = n.rsplit_once('.')?;
            match ix.resolve(u, scope, class) {
                Value::Def(cu, cd) => {
                    let qual = &ix.units[cu].facts.defs[cd].qualname;
                    // The model table is not known yet here; Flask-SQLAlchemy's rule or the
                    // explicit name both come from the class: prefer `__tablename__`.
                    let explicit =
                        class_attr(ix, cu, cd, "__tablename__").and_then(|a| match &a.value {
                            Expr::Str(s) => Some(table_name(s)),
                            _ => None,
                        });
                    Some((
                        explicit.unwrap_or_else(|| {
                            derived_table_name(qual.rsplit('.').next().unwrap_or(qual))
                        }),
                        col.to_owned(),
                    ))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

fn relationships_of_class(
    ix: &Index<'_>,
    b: &mut Builder,
    models: &mut Models,
    model: (usize, usize),
    u: usize,
    d: usize,
) {
    let unit = &ix.units[u];
    let qual = unit.facts.defs[d].qualname.as_str();
    for assign in unit.facts.assigns.iter().filter(|a| a.scope == qual) {
        let [target] = assign.targets.as_slice() else {
            continue;
        };
        let Expr::Call { callee, args } = &assign.value else {
            continue;
        };
        if last_segment(callee) != "relationship" && last_segment(callee) != "dynamic_loader" {
            continue;
        }
        let target_name = args
            .iter()
            .find(|a| a.keyword.is_none() || a.keyword.as_deref() == Some("argument"))
            .and_then(|a| match &a.value {
                Expr::Str(s) | Expr::Name(s) => Some(s.clone()),
                _ => None,
            })
            .or_else(|| assign.annotation.clone());
        let target_model = target_name.and_then(|n| model_named(ix, models, u, qual, &n));
        let secondary = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("secondary"))
            .and_then(|a| match &a.value {
                Expr::Str(s) => Some(table_name(s)),
                Expr::Name(n) => match ix.resolve(u, qual, n) {
                    Value::Var(vu, va) => models.table_vars.get(&(vu, va)).cloned(),
                    _ => None,
                },
                _ => None,
            });
        if let Some(tm) = target_model
            && tm != model
        {
            let (from, to) = (&models.by_def[&model].id, &models.by_def[&tm].id);
            b.edge(from, to, EdgeKind::Relates, &unit.file.rel, assign.line);
        }
        models.relationships.insert(
            (model, target.clone()),
            Relationship {
                target: target_model,
                secondary: secondary.clone(),
            },
        );
        // `backref='author'` puts the reverse attribute on the target class.
        let backref = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("backref"))
            .and_then(|a| match &a.value {
                Expr::Str(s) => Some(s.clone()),
                Expr::Call { args, .. } => str_arg(args, 0, "name"),
                _ => None,
            });
        if let (Some(back), Some(tm)) = (backref, target_model) {
            models
                .relationships
                .entry((tm, back))
                .or_insert(Relationship {
                    target: Some(model),
                    secondary,
                });
        }
    }
}

/// A model by the name a relationship gives (`"Post"`, `"shop.models.Post"`, `Post`): resolved
/// in scope, else by class name across the repository as SQLAlchemy's registry does.
fn model_named(
    ix: &Index<'_>,
    models: &Models,
    u: usize,
    scope: &str,
    name: &str,
) -> Option<(usize, usize)> {
    if let Value::Def(cu, cd) = ix.resolve(u, scope, name)
        && models.by_def.contains_key(&(cu, cd))
    {
        return Some((cu, cd));
    }
    let simple = name.rsplit('.').next().unwrap_or(name);
    let mut found: Vec<(usize, usize)> = models
        .by_def
        .keys()
        .filter(|(mu, md)| {
            ix.units[*mu].facts.defs[*md].qualname.rsplit('.').next() == Some(simple)
        })
        .copied()
        .collect();
    found.sort_unstable();
    found.first().copied()
}

#[cfg(test)]
mod tests {
    use super::derived_table_name;

    #[test]
    fn flask_sqlalchemy_derives_snake_case_names() {
        assert_eq!(derived_table_name("PluginStore"), "plugin_store");
        assert_eq!(derived_table_name("OrderItem"), "order_item");
        assert_eq!(derived_table_name("HTTPRequest"), "http_request");
        assert_eq!(derived_table_name("User"), "user");
        assert_eq!(derived_table_name("Oauth2Token"), "oauth2_token");
    }
}
