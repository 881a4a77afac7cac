//! SQLAlchemy models: which classes are mapped (`bases`), to which table (`__tablename__` with
//! the schema of `__table_args__`, Flask-SQLAlchemy's derived name, a base's naming rule,
//! single-table inheritance, `map_imperatively(Class, table)`), with which columns and keys
//! (`columns`), relationships and backrefs; `Table(...)` tables (`tables`); the version tables
//! of SQLAlchemy-Continuum (`continuum`); and the self-checks that say when a model's table
//! could not be found (`checks`). Files tagged as migrations describe history: they never
//! make a model or a table here.

mod bases;
mod checks;
mod columns;
mod continuum;
mod factories;
mod tables;

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

use seam_facts::ids::table_name;
use seam_facts::python::{Arg, Assign, DefKind, Expr};

use super::builder::Builder;
use super::dotted::last_segment;
use super::index::Index;
use super::names::Value;
use crate::analysis::{EdgeKind, Evidence};
use crate::discover::Tag;
use bases::Root;

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
    /// `cascade="all, delete-orphan"` (or any cascade naming `delete`): deleting the owner
    /// deletes the related rows, and so on down their own cascades.
    pub cascade_delete: bool,
}

/// A `cascade=` keyword among `args` that includes deletes (`"all"`, `"delete"`,
/// `"delete-orphan"`).
fn cascades_delete(args: &[Arg]) -> bool {
    args.iter().any(|a| {
        a.keyword.as_deref() == Some("cascade")
            && matches!(&a.value, Expr::Str(s) if s.split(',').any(|c| matches!(c.trim(), "all" | "delete" | "delete-orphan")))
    })
}

#[derive(Debug, Default)]
pub(crate) struct Models {
    pub by_def: HashMap<(usize, usize), Model>,
    /// (model, attribute) → relationship; ordered, so that one model's relationships are a
    /// range ([`Models::relationships_of`]), not a scan of every model's.
    pub relationships: BTreeMap<((usize, usize), String), Relationship>,
    /// Variables holding a `Table(...)`: (unit, assign) → table name.
    pub table_vars: HashMap<(usize, usize), String>,
    /// Tables SQLAlchemy-Continuum versions → where `__versioned__` says so: every write of
    /// one also writes its `<table>_version` and the `transaction` table.
    pub versioned: BTreeMap<String, Evidence>,
    /// Table → the tables its eager relationships (`lazy="joined"`, `"selectin"`, ...) load
    /// with each of its rows.
    pub eager: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// Table → the tables with a foreign key to it (its children).
    pub children: BTreeMap<String, std::collections::BTreeSet<String>>,
}

impl Models {
    pub fn get(&self, key: (usize, usize)) -> Option<&Model> {
        self.by_def.get(&key)
    }

    /// The relationships declared on model `m`, in attribute-name order.
    pub fn relationships_of(&self, m: (usize, usize)) -> impl Iterator<Item = &Relationship> + '_ {
        self.relationships
            .range((m, String::new())..)
            .take_while(move |((owner, _), _)| *owner == m)
            .map(|(_, r)| r)
    }

    fn insert(&mut self, ix: &Index<'_>, u: usize, d: usize, table: String) {
        self.by_def.insert(
            (u, d),
            Model {
                id: ix.symbol_id(u, d),
                table,
            },
        );
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

pub(crate) fn class_attr<'f>(
    ix: &'f Index<'_>,
    u: usize,
    d: usize,
    name: &str,
) -> Option<&'f Assign> {
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    let a = *ix.units_index[u].class_attrs.get(qual)?.get(name)?;
    let assign = &ix.units[u].facts.assigns[a];
    (assign.scope == qual).then_some(assign)
}

/// A string argument by keyword, else by position (`usize::MAX`: keyword only).
pub(crate) fn str_arg(args: &[Arg], pos: usize, keyword: &str) -> Option<String> {
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
        Expr::Str(s) => Some(s.to_string()),
        _ => None,
    }
}

/// Files that do not declare the schema: migrations (`migrations/`, `alembic/versions/`)
/// describe its history, tests declare throwaway models. Their classes and DDL may confirm a
/// table found elsewhere, never make one.
pub(crate) fn outside_schema(tags: &[Tag]) -> bool {
    tags.iter().any(|t| matches!(t, Tag::Migration | Tag::Test))
}

pub(crate) fn unit_outside_schema(ix: &Index<'_>, u: usize) -> bool {
    outside_schema(&ix.units[u].file.tags)
}

/// A string a class attribute holds: a literal, or a constant it names
/// (`__tablename__ = AUDIT_TABLE_NAME`).
fn str_value(ix: &Index<'_>, u: usize, scope: &str, e: &Expr) -> Option<String> {
    match e {
        Expr::Str(s) if !s.contains('{') => Some(s.to_string()),
        Expr::Name(n) => match ix.resolve(u, scope, n) {
            Value::Var(vu, va) => match &ix.units[vu].facts.assigns[va].value {
                Expr::Str(s) if !s.contains('{') => Some(s.to_string()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// `__tablename__` of the class body, as a string.
pub(crate) fn tablename_of(ix: &Index<'_>, u: usize, d: usize) -> Option<String> {
    let a = class_attr(ix, u, d, "__tablename__")?;
    str_value(ix, u, &a.scope, &a.value)
}

/// `__table_args__ = {"schema": "billing"}` or `(..., {"schema": "billing"})` on the class or
/// a repository ancestor (mixins carry them too).
fn schema_of(ix: &Index<'_>, u: usize, d: usize) -> Option<String> {
    let a = ix
        .lineage(u, d)
        .into_iter()
        .find_map(|(cu, cd)| class_attr(ix, cu, cd, "__table_args__"))?;
    let dict = match &a.value {
        Expr::List(items) => items.last(),
        other => Some(other),
    };
    dict.and_then(Expr::str_items).and_then(|items| {
        items.into_iter().find_map(|(k, v)| match v {
            Expr::Str(s) if k == "schema" => Some(s.to_string()),
            _ => None,
        })
    })
}

/// `schema.name`, normalised (`public` dropped), as table ids spell it.
fn qualified(schema: Option<&str>, name: &str) -> String {
    match schema {
        Some(s) if !s.is_empty() => table_name(&format!("{s}.{name}")),
        _ => table_name(name),
    }
}

/// The table a class declares for itself, as far as its own body and its bases' naming rule
/// tell (used before every model is known, for `ForeignKey(User.id)`): `__tablename__`, else
/// the lowercase rule of a base, else Flask-SQLAlchemy's derived name.
pub(crate) fn declared_table(ix: &Index<'_>, u: usize, d: usize) -> String {
    let schema = schema_of(ix, u, d);
    if let Some(name) = tablename_of(ix, u, d) {
        return qualified(schema.as_deref(), &name);
    }
    let qual = &ix.units[u].facts.defs[d].qualname;
    let class = qual.rsplit('.').next().unwrap_or(qual);
    if bases::lowercase_name_rule(ix, u, d) {
        return qualified(schema.as_deref(), &class.to_lowercase());
    }
    qualified(schema.as_deref(), &derived_table_name(class))
}

/// A class that derives a declarative root and is not a base itself.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    u: usize,
    d: usize,
    root: Root,
}

/// Find every model and table, record tables, columns, keys and `maps` edges.
pub(crate) fn detect(ix: &Index<'_>, b: &mut Builder) -> Models {
    let mut models = Models::default();
    // Pass 1: which classes are models.
    let mut pending: Vec<Candidate> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        if unit_outside_schema(ix, u) {
            continue;
        }
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind != DefKind::Class || ix.def_of_scope(u, &def.qualname) != Some(d) {
                continue;
            }
            let Some(root) = bases::root_of(ix, u, d) else {
                continue;
            };
            let is_abstract = class_attr(ix, u, d, "__abstract__")
                .is_some_and(|a| matches!(&a.value, Expr::Const(c) if c == "True"));
            if bases::is_declarative_base(ix, u, d) || is_abstract {
                continue;
            }
            pending.push(Candidate { u, d, root });
        }
    }
    // Tables: explicit names first, then inherited or derived (parents may come later in order).
    // `Table(...)` tables first: `__table__ = Table(...)` and mappings onto them need them.
    tables::table_calls(ix, b, &mut models);
    for c in &pending {
        if let Some(name) = tablename_of(ix, c.u, c.d) {
            let schema = schema_of(ix, c.u, c.d);
            models.insert(ix, c.u, c.d, qualified(schema.as_deref(), &name));
        } else if let Some(table) = tables::assigned_table(ix, &models, c.u, c.d) {
            models.insert(ix, c.u, c.d, table);
        }
    }
    for _ in 0..4 {
        for c in &pending {
            if models.by_def.contains_key(&(c.u, c.d)) {
                continue;
            }
            let parent_table = ix
                .repo_bases(c.u, c.d, 0)
                .iter()
                .find_map(|k| models.by_def.get(k).map(|m| m.table.clone()));
            let own_pk = columns::has_own_primary_key(ix, c.u, c.d);
            let table = match parent_table {
                // Single-table inheritance: no table of its own, the parent's rows.
                Some(t) if !own_pk => Some(t),
                _ if c.root == Root::Flask || bases::lowercase_name_rule(ix, c.u, c.d) => {
                    Some(declared_table(ix, c.u, c.d))
                }
                _ => None,
            };
            if let Some(table) = table {
                models.insert(ix, c.u, c.d, table);
            }
        }
    }
    // Classes mapped onto `Table(...)` tables imperatively.
    tables::imperative_mappings(ix, &mut models);
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
            file: unit.file.rel.clone().into(),
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
        for (cu, cd) in own_and_mixins(ix, &models, u, d) {
            columns::columns_of_class(ix, b, &model.table, cu, cd);
            relationships_of_class(ix, b, &mut models, (u, d), cu, cd);
        }
    }
    factories::class_factories(ix, b, &models);
    models.versioned = continuum::version_tables(ix, b, &models);
    for (name, t) in &b.tables {
        for fk in &t.foreign_keys {
            let parent = fk.references.trim_start_matches("table:");
            if parent != name {
                models
                    .children
                    .entry(parent.to_owned())
                    .or_default()
                    .insert(name.clone());
            }
        }
    }
    let candidates: Vec<(usize, usize)> = pending.iter().map(|c| (c.u, c.d)).collect();
    checks::unmapped(ix, b, &models, &candidates);
    models
}

/// The class and its repository bases that are not models themselves (mixins, abstract
/// bases): where a model's columns are declared.
fn own_and_mixins(ix: &Index<'_>, models: &Models, u: usize, d: usize) -> Vec<(usize, usize)> {
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
    classes
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
    for assign in ix.assigns_in_scope(u, qual) {
        let [target] = &assign.targets[..] else {
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
                Expr::Str(s) | Expr::Name(s) => Some(*s),
                _ => None,
            })
            .or(assign.annotation);
        let target_model = target_name.and_then(|n| model_named(ix, models, u, qual, &n));
        let secondary = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("secondary"))
            .and_then(|a| match &a.value {
                Expr::Str(s) => Some(table_name(s)),
                Expr::Name(n) => match ix.resolve(u, qual, n) {
                    Value::Var(vu, va) => models.table_vars.get(&(vu, va)).cloned(),
                    // `secondary=DepartmentLink.__table__`: the table of an association model.
                    _ => n
                        .strip_suffix(".__table__")
                        .and_then(|class| model_named(ix, models, u, qual, class))
                        .map(|m| models.by_def[&m].table.clone()),
                },
                _ => None,
            });
        // `lazy="joined"` / `"selectin"` / `"subquery"`: loaded with every row of the owner.
        let eager = args.iter().any(|a| {
            a.keyword.as_deref() == Some("lazy")
                && matches!(&a.value, Expr::Str(s) if matches!(s.as_str(), "joined" | "selectin" | "subquery" | "immediate"))
        });
        if eager {
            let owner = models.by_def[&model].table.clone();
            let loaded = models.eager.entry(owner).or_default();
            loaded.extend(
                target_model
                    .and_then(|t| models.by_def.get(&t))
                    .map(|m| m.table.clone()),
            );
            loaded.extend(secondary.clone());
        }
        if let Some(tm) = target_model
            && tm != model
        {
            let (from, to) = (&models.by_def[&model].id, &models.by_def[&tm].id);
            b.edge(from, to, EdgeKind::Relates, &unit.file.rel, assign.line);
        }
        models.relationships.insert(
            (model, target.to_string()),
            Relationship {
                target: target_model,
                secondary: secondary.clone(),
                cascade_delete: cascades_delete(args),
            },
        );
        // `backref='author'` puts the reverse attribute on the target class.
        let backref = args
            .iter()
            .find(|a| a.keyword.as_deref() == Some("backref"))
            .and_then(|a| match &a.value {
                Expr::Str(s) => Some((s.to_string(), false)),
                // `backref=db.backref("report", cascade="all, delete-orphan")`.
                Expr::Call { args, .. } => {
                    str_arg(args, 0, "name").map(|n| (n, cascades_delete(args)))
                }
                _ => None,
            });
        if let (Some((back, cascade_delete)), Some(tm)) = (backref, target_model) {
            models
                .relationships
                .entry((tm, back.to_string()))
                .or_insert(Relationship {
                    target: Some(model),
                    secondary,
                    cascade_delete,
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
    // The classes of that name from the index (one map lookup, not a scan of every model
    // per relationship), the first model among them.
    let simple = name.rsplit('.').next().unwrap_or(name);
    ix.classes_by_name
        .get(simple)?
        .iter()
        .filter(|c| models.by_def.contains_key(c))
        .min()
        .copied()
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
