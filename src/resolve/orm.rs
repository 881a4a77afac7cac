//! ORM use inside functions → table accesses and query sites. Reads: `Model.query...`,
//! `session.query(Model, ...)`, `select(Model)`, `session.get(Model, id)`, relationship
//! traversal on a value whose model is known. Writes: `session.add/add_all/delete/merge` of a
//! model instance, `.update()`/`.delete()` on a query, `insert/update/delete(Model)`.
//! Equality predicates (`filter_by(k=v)`, `filter(Model.col == v)`) and join conditions are
//! kept for the shard-key and replica advice.

use std::collections::{BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use seam_facts::python::{Arg, AssignKind, Call, DefKind, Expr};

use super::builder::Builder;
use super::dotted::{last_segment, receiver_of};
use super::index::{Index, parent_scope};
use super::models::Models;
use super::names::Value;
use crate::analysis::{EdgeKind, Query, QuerySource};

/// Query methods that return one instance (the variable then holds a model instance).
const FETCH_ONE: &[&str] = &[
    "first",
    "one",
    "get",
    "first_or_404",
    "get_or_404",
    "one_or_none",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "one_or_404",
];
const SESSION_WRITES: &[(&str, &str)] = &[
    ("add", "insert"),
    ("add_all", "insert"),
    ("delete", "delete"),
    ("merge", "update"),
    ("bulk_save_objects", "insert"),
];

/// Tables and predicates of one ORM statement.
#[derive(Debug, Default)]
struct Access {
    kind: &'static str,
    reads: BTreeSet<String>,
    writes: BTreeSet<String>,
    equality: BTreeSet<String>,
    joins: BTreeSet<(String, String)>,
    locking: bool,
    assigned: BTreeSet<String>,
    /// `Model.query.get(pk)`: an equality on the primary key, known once tables are built.
    by_key: bool,
    in_loop: bool,
    /// Further evidence for the edges: (unit, line) of the lines of an inherited method that
    /// make the access (a mixin's `db.session.add(self)` behind `task.save()`).
    via: Vec<(usize, u32)>,
}

struct Ctx<'i, 'a> {
    ix: &'i Index<'a>,
    models: &'i Models,
    u: usize,
}

impl Ctx<'_, '_> {
    fn model_of(&self, v: &Value) -> Option<(usize, usize)> {
        match v {
            Value::Def(cu, cd) | Value::Instance(cu, cd)
                if self.models.get((*cu, *cd)).is_some() =>
            {
                Some((*cu, *cd))
            }
            _ => None,
        }
    }

    fn table(&self, m: (usize, usize)) -> String {
        self.models
            .get(m)
            .map(|m| m.table.clone())
            .unwrap_or_default()
    }

    /// `Model.rel` → the relationship, when `Model` is a model and `rel` one of its
    /// relationships.
    fn relationship(&self, scope: &str, dotted: &str) -> Option<&super::models::Relationship> {
        let (class, attr) = dotted.rsplit_once('.')?;
        let m = self.model_of(&self.ix.resolve(self.u, scope, class))?;
        self.models.relationships.get(&(m, attr.to_owned()))
    }

    /// `Model.col` → `table.col` (when `Model` is a model).
    fn column(&self, scope: &str, dotted: &str) -> Option<String> {
        let (class, col) = dotted.rsplit_once('.')?;
        let m = self.model_of(&self.ix.resolve(self.u, scope, class))?;
        Some(format!("{}.{col}", self.table(m)))
    }

    /// The model a name holds in a scope: an instance (constructor, typed parameter, `self`),
    /// a query that fetches one, or the element of a relationship collection.
    /// Whether `item` may be built here by calling model `m`: `Task(...)` itself, or a local
    /// with any assignment from such a call in this scope (`x = fetch() or Model()` patterns
    /// count as new: an upsert is reported as the insert it may be).
    fn constructed(&self, scope: &str, item: &Expr, m: (usize, usize)) -> bool {
        let builds =
            |s: &str, callee: &str| self.ix.resolve(self.u, s, callee) == Value::Def(m.0, m.1);
        match item {
            Expr::Call { callee, .. } => builds(scope, callee),
            Expr::Name(n) => self.ix.units[self.u].facts.assigns.iter().any(|a| {
                a.scope == scope
                    && a.targets.iter().any(|t| t == n)
                    && matches!(&a.value, Expr::Call { callee, .. } if builds(&a.scope, callee))
            }),
            _ => false,
        }
    }

    /// Attributes assigned on a local in `scope` (`invoice.status = "paid"` → `status`).
    fn attributes_set(&self, scope: &str, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut out: Vec<String> = self.ix.units[self.u]
            .facts
            .assigns
            .iter()
            .filter(|a| a.scope == scope)
            .flat_map(|a| a.targets.iter())
            .filter_map(|t| t.strip_prefix(&prefix))
            .filter(|attr| !attr.contains('.'))
            .map(str::to_owned)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The keywords of the constructor call that builds `item` (`Task(project_id=...)`, or a
    /// local variable assigned from one): the columns an ORM insert sets.
    fn constructor_keywords(&self, scope: &str, item: &Expr) -> Vec<String> {
        let args = match item {
            Expr::Call { args, .. } => args,
            Expr::Name(n) => match self.ix.resolve(self.u, scope, n) {
                Value::Var(vu, va) if vu == self.u => {
                    match &self.ix.units[vu].facts.assigns[va].value {
                        Expr::Call { args, .. } => args,
                        _ => return Vec::new(),
                    }
                }
                _ => return Vec::new(),
            },
            _ => return Vec::new(),
        };
        args.iter()
            .filter_map(|a| a.keyword.clone())
            .filter(|k| k != "*" && k != "**")
            .collect()
    }

    fn instance_model(
        &self,
        scope: &str,
        name: &str,
        calls_at: &HashMap<(&str, u32), Vec<usize>>,
        depth: u32,
    ) -> Option<(usize, usize)> {
        if depth > 4 {
            return None;
        }
        let v = self.ix.resolve(self.u, scope, name);
        if let Value::Instance(..) = v {
            return self.model_of(&v);
        }
        let Value::Var(vu, va) = v else { return None };
        if vu != self.u {
            return None;
        }
        // A constructor call or an annotation types the variable.
        if let typed @ Value::Instance(..) = self.ix.var_type(vu, va, 0) {
            return self.model_of(&typed);
        }
        let assign = &self.ix.units[vu].facts.assigns[va];
        match (&assign.value, assign.kind) {
            (Expr::Call { callee, .. }, AssignKind::Plain) => {
                let last = last_segment(callee);
                if !FETCH_ONE.contains(&last) {
                    return None;
                }
                let calls = &self.ix.units[vu].facts.calls;
                let c = calls_at
                    .get(&(assign.scope.as_str(), assign.line))?
                    .iter()
                    .copied()
                    .find(|&c| calls[c].callee == *callee)?;
                let root = chain(calls, c).into_iter().next()?;
                self.source_models(&calls[root]).into_iter().next()
            }
            (Expr::Name(n), AssignKind::ForTarget) => {
                // `for p in user.posts`: the elements of a relationship.
                let (base, attr) = n.rsplit_once('.')?;
                let owner = self.instance_model(&assign.scope, base, calls_at, depth + 1)?;
                self.models
                    .relationships
                    .get(&(owner, attr.to_owned()))?
                    .target
            }
            _ => None,
        }
    }

    /// Models a chain starts from: `Model.query...`, `cls.query`, `session.query(Model, ...)`,
    /// `select(Model)`, `session.get(Model, ...)`, `insert/update/delete(Model)`.
    fn source_models(&self, root: &Call) -> Vec<(usize, usize)> {
        let callee = root.callee.as_str();
        // Most calls are not ORM: decide from the last segment and a substring before any
        // allocation.
        let last = last_segment(callee);
        let maybe = callee.contains("query")
            || matches!(
                last,
                "select"
                    | "insert"
                    | "update"
                    | "delete"
                    | "exists"
                    | "get"
                    | "execute"
                    | "scalars"
                    | "scalar"
            );
        if !maybe {
            return Vec::new();
        }
        let segs: Vec<&str> = callee.split('.').collect();
        if let Some(q) = segs
            .iter()
            .position(|s| s.trim_end_matches("()") == "query")
            && q > 0
        {
            let prefix = segs[..q].join(".");
            if let Some(m) = self.model_of(&self.ix.resolve(self.u, &root.scope, &prefix)) {
                return vec![m];
            }
        }
        let receiver = receiver_of(callee).unwrap_or("").to_ascii_lowercase();
        let from_args = matches!(last, "select" | "insert" | "update" | "delete" | "exists")
            && !receiver.contains("session")
            || (last == "query"
                || last == "get"
                || last == "execute"
                || last == "scalars"
                || last == "scalar")
                && (receiver.contains("session") || receiver == "db");
        if !from_args {
            return Vec::new();
        }
        let mut out = Vec::new();
        for arg in root.args.iter().filter(|a| a.keyword.is_none()) {
            let name = match &arg.value {
                Expr::Name(n) => n.as_str(),
                _ => continue,
            };
            let v = self.ix.resolve(self.u, &root.scope, name);
            if let Some(m) = self.model_of(&v) {
                out.push(m);
            } else if let Some((class, _)) = name.rsplit_once('.')
                && let Some(m) = self.model_of(&self.ix.resolve(self.u, &root.scope, class))
            {
                out.push(m);
            }
            if last == "get" {
                break;
            }
        }
        out
    }

    fn predicates(&self, scope: &str, args: &[Arg], model_table: Option<&str>, acc: &mut Access) {
        for arg in args {
            match (&arg.keyword, &arg.value) {
                (Some(k), _) if k != "*" && k != "**" => {
                    if let Some(t) = model_table {
                        acc.equality.insert(format!("{t}.{k}"));
                    }
                }
                (None, Expr::Eq { left, right }) => {
                    let Some(l) = self.column(scope, left) else {
                        continue;
                    };
                    // A predicate on another model's column reads that table (through a join).
                    if let Some((table, _)) = l.rsplit_once('.') {
                        acc.reads.insert(table.to_owned());
                    }
                    match &**right {
                        Expr::Name(r) => match self.column(scope, r) {
                            Some(rc) => {
                                if let Some((table, _)) = rc.rsplit_once('.') {
                                    acc.reads.insert(table.to_owned());
                                }
                                let pair = if l <= rc { (l, rc) } else { (rc, l) };
                                acc.joins.insert(pair);
                            }
                            None => {
                                acc.equality.insert(l);
                            }
                        },
                        _ => {
                            acc.equality.insert(l);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The chain a call ends: its receivers, root first.
fn chain(calls: &[Call], outer: usize) -> Vec<usize> {
    let mut out = vec![outer];
    let mut c = outer;
    while let Some(r) = calls[c].receiver {
        let r = r as usize;
        if r >= calls.len() || out.contains(&r) || out.len() > 64 {
            break;
        }
        out.push(r);
        c = r;
    }
    out.reverse();
    out
}

pub(crate) fn resolve_orm(ix: &Index<'_>, models: &Models, b: &mut Builder) {
    if models.by_def.is_empty() {
        return;
    }
    // Only attributes named like some relationship can be a traversal.
    let relationship_names: HashSet<&str> = models
        .relationships
        .keys()
        .map(|(_, a)| a.as_str())
        .collect();
    // Units are independent: find their accesses in parallel, record them in unit order.
    let per_unit: Vec<Vec<(u32, &str, Access)>> = ix
        .units
        .par_iter()
        .enumerate()
        .map(|(u, unit)| unit_accesses(ix, models, &relationship_names, u, unit))
        .collect();
    for (u, found) in per_unit.into_iter().enumerate() {
        let file = ix.units[u].file.rel.as_str();
        for (line, scope, acc) in found {
            record(ix, b, u, file, line, scope, acc);
        }
    }
}

/// The ORM accesses of one unit: (line, scope, access).
fn unit_accesses<'a>(
    ix: &Index<'_>,
    models: &Models,
    relationship_names: &HashSet<&str>,
    u: usize,
    unit: &'a crate::load::PythonUnit,
) -> Vec<(u32, &'a str, Access)> {
    let mut found = Vec::new();
    {
        let calls = &unit.facts.calls;
        let ctx = Ctx { ix, models, u };
        let receivers: HashSet<usize> = calls
            .iter()
            .filter_map(|c| c.receiver.map(|r| r as usize))
            .collect();
        let mut calls_at: HashMap<(&str, u32), Vec<usize>> = HashMap::new();
        for (i, c) in calls.iter().enumerate() {
            calls_at
                .entry((c.scope.as_str(), c.line))
                .or_default()
                .push(i);
        }
        for (outer, call) in calls.iter().enumerate() {
            if receivers.contains(&outer) {
                continue;
            }
            let links = chain(calls, outer);
            let root = &calls[links[0]];
            let mut acc = Access::default();
            let sources = ctx.source_models(root);
            if !sources.is_empty() {
                let main_table = ctx.table(sources[0]);
                acc.kind = "select";
                for &m in &sources {
                    acc.reads.insert(ctx.table(m));
                }
                for &link in &links {
                    let c = &calls[link];
                    let method = last_segment(&c.callee);
                    match method {
                        "filter_by" => {
                            ctx.predicates(&c.scope, &c.args, Some(&main_table), &mut acc)
                        }
                        "filter" | "where" | "having" => {
                            ctx.predicates(&c.scope, &c.args, None, &mut acc)
                        }
                        "join" | "outerjoin" | "join_from" => {
                            for arg in c.args.iter().filter(|a| a.keyword.is_none()) {
                                let Expr::Name(n) = &arg.value else { continue };
                                if let Some(m) = ctx.model_of(&ix.resolve(u, &c.scope, n)) {
                                    acc.reads.insert(ctx.table(m));
                                } else if let Some(rel) = ctx.relationship(&c.scope, n) {
                                    // `.join(Product.categories)`: the target and the association.
                                    acc.reads.extend(rel.target.map(|t| ctx.table(t)));
                                    acc.reads.extend(rel.secondary.clone());
                                }
                            }
                            ctx.predicates(&c.scope, &c.args, None, &mut acc);
                        }
                        "with_for_update" => acc.locking = true,
                        "get" | "get_or_404" | "get_or_none" => acc.by_key = true,
                        _ => {}
                    }
                    let root_last = last_segment(&root.callee);
                    let is_core_write = link == links[0]
                        && matches!(root_last, "insert" | "update" | "delete")
                        && !root.callee.to_ascii_lowercase().contains("session");
                    if matches!(method, "update" | "delete" | "insert")
                        && (link != links[0] || is_core_write)
                    {
                        acc.kind = match method {
                            "update" => "update",
                            "delete" => "delete",
                            _ => "insert",
                        };
                        acc.writes.insert(main_table.clone());
                        acc.reads.remove(&main_table);
                    }
                }
            } else if let Some(&(_, kind)) = SESSION_WRITES
                .iter()
                .find(|(m, _)| *m == last_segment(&call.callee))
            {
                let receiver = receiver_of(&call.callee).unwrap_or("").to_ascii_lowercase();
                if links.len() != 1 || !(receiver.contains("session") || receiver == "db") {
                    continue;
                }
                acc.kind = kind;
                // `session.add(obj)` of an object the function did not construct (a parameter,
                // a fetched row) flushes its changed attributes: an UPDATE, not an INSERT.
                let mut any_fresh = false;
                let mut any_known = false;
                for arg in call.args.iter().filter(|a| a.keyword.is_none()) {
                    let items: Vec<&Expr> = match &arg.value {
                        Expr::List(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for item in items {
                        let m = match item {
                            Expr::Name(n) => ctx.instance_model(&call.scope, n, &calls_at, 0),
                            Expr::Call { callee, .. } => {
                                ctx.model_of(&ix.resolve(u, &call.scope, &format!("{callee}()")))
                            }
                            _ => None,
                        };
                        if let Some(m) = m {
                            let table = ctx.table(m);
                            any_known = true;
                            // `self.save()` in a mixin serves new and existing rows alike: keep
                            // it an insert rather than guess.
                            let is_self =
                                matches!(item, Expr::Name(n) if n == "self" || n == "cls");
                            if is_self || ctx.constructed(&call.scope, item, m) {
                                any_fresh = true;
                                for k in ctx.constructor_keywords(&call.scope, item) {
                                    acc.assigned.insert(format!("{table}.{k}"));
                                }
                            } else if let Expr::Name(n) = item {
                                for k in ctx.attributes_set(&call.scope, n) {
                                    acc.assigned.insert(format!("{table}.{k}"));
                                }
                            }
                            acc.writes.insert(table);
                        }
                    }
                }
                if kind == "insert" && any_known && !any_fresh {
                    acc.kind = "update";
                }
            }
            if acc.reads.is_empty() && acc.writes.is_empty() {
                continue;
            }
            acc.in_loop = root.in_loop || call.in_loop;
            found.push((root.line, call.scope.as_str(), acc));
        }
        // Inherited CRUD: `Task.create(...)`, `task.save()`, `cls.get_by(...)` where the method
        // is defined on an unmapped repository base of the model the call is made on.
        let mut templates: HashMap<(usize, usize), Vec<Template>> = HashMap::new();
        for call in calls.iter() {
            let Some((recv, meth)) = call.callee.rsplit_once('.') else {
                continue;
            };
            if meth.contains('(') || recv.is_empty() {
                continue;
            }
            let model = if recv.ends_with("()") {
                // `Task.query.get(id).save()`: the receiver fetches one row of a model.
                let Some(r) = call
                    .receiver
                    .map(|r| r as usize)
                    .filter(|&r| r < calls.len())
                else {
                    continue;
                };
                if !FETCH_ONE.contains(&last_segment(&calls[r].callee))
                    || matches!(meth, "update" | "delete" | "insert")
                {
                    continue;
                }
                let Some(&root) = chain(calls, r).first() else {
                    continue;
                };
                ctx.source_models(&calls[root]).into_iter().next()
            } else {
                ctx.model_of(&ix.resolve(u, &call.scope, recv))
                    .or_else(|| ctx.instance_model(&call.scope, recv, &calls_at, 0))
            };
            let Some(m) = model else { continue };
            let Some((fu, fd)) = inherited_method(ix, models, m, meth) else {
                continue;
            };
            let template = templates
                .entry((fu, fd))
                .or_insert_with(|| method_template(ix, models, fu, fd));
            let table = ctx.table(m);
            if table.is_empty() {
                continue;
            }
            for t in template.iter() {
                let mut acc = Access {
                    kind: t.kind,
                    in_loop: call.in_loop,
                    by_key: t.by_key,
                    via: vec![(t.unit, t.line)],
                    ..Access::default()
                };
                if t.write {
                    acc.writes.insert(table.clone());
                } else {
                    acc.reads.insert(table.clone());
                }
                found.push((call.line, call.scope.as_str(), acc));
            }
        }
        // Relationship traversal: `user.posts` where `user` holds a `User`.
        for attr in unit
            .facts
            .attrs
            .iter()
            .filter(|a| relationship_names.contains(a.attr.as_str()))
        {
            let Some(owner) = ctx.instance_model(&attr.scope, &attr.base, &calls_at, 0) else {
                continue;
            };
            let Some(rel) = models.relationships.get(&(owner, attr.attr.clone())) else {
                continue;
            };
            let mut acc = Access {
                kind: "select",
                ..Access::default()
            };
            if let Some(t) = rel.target {
                acc.reads.insert(ctx.table(t));
            }
            if let Some(s) = &rel.secondary {
                acc.reads.insert(s.clone());
            }
            if !acc.reads.is_empty() {
                found.push((attr.line, attr.scope.as_str(), acc));
            }
        }
    }
    found
}

fn record(
    ix: &Index<'_>,
    b: &mut Builder,
    u: usize,
    file: &str,
    line: u32,
    scope: &str,
    acc: Access,
) {
    let site = ix.owner_id(u, scope);
    let mut equality = acc.equality;
    if acc.by_key {
        for t in &acc.reads {
            if let Some(pk) = b.tables.get(t).and_then(|t| t.primary_key.first()) {
                equality.insert(format!("{t}.{pk}"));
            }
        }
    }
    for t in &acc.reads {
        b.edge(&site, &format!("table:{t}"), EdgeKind::Reads, file, line);
    }
    for t in &acc.writes {
        b.edge(&site, &format!("table:{t}"), EdgeKind::Writes, file, line);
    }
    // The inherited method's own line, kept as a second occurrence of the edge.
    for &(vu, vline) in &acc.via {
        let vfile = ix.units[vu].file.rel.as_str();
        let kind = if acc.writes.is_empty() {
            EdgeKind::Reads
        } else {
            EdgeKind::Writes
        };
        for t in acc.reads.iter().chain(acc.writes.iter()) {
            b.edge(&site, &format!("table:{t}"), kind, vfile, vline);
        }
    }
    b.queries.push(Query {
        site,
        file: file.to_owned(),
        line,
        source: QuerySource::Orm,
        kind: acc.kind.to_owned(),
        reads: acc.reads.iter().map(|t| format!("table:{t}")).collect(),
        writes: acc.writes.iter().map(|t| format!("table:{t}")).collect(),
        equality_columns: equality.into_iter().collect(),
        joins: acc.joins.into_iter().collect(),
        locking: acc.locking,
        assigned_columns: acc.assigned.into_iter().collect(),
        in_loop: acc.in_loop,
    });
}

/// How many calls deep an inherited method is followed (`create` → `create_no_commit`).
const TEMPLATE_DEPTH: u32 = 3;
/// How many methods one template visits at most.
const TEMPLATE_METHODS: usize = 16;

/// One access an inherited method makes through its `self`/`cls`, to be instantiated on the
/// model a call is made on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Template {
    kind: &'static str,
    write: bool,
    by_key: bool,
    unit: usize,
    line: u32,
}

/// The class a method def belongs to.
fn class_of(ix: &Index<'_>, u: usize, d: usize) -> Option<usize> {
    let def = &ix.units[u].facts.defs[d];
    if def.kind == DefKind::Class {
        return None;
    }
    let c = ix.def_of_scope(u, parent_scope(&def.qualname))?;
    (ix.units[u].facts.defs[c].kind == DefKind::Class).then_some(c)
}

/// `meth` of model `m` when it is defined on a repository base that is not itself mapped.
fn inherited_method(
    ix: &Index<'_>,
    models: &Models,
    m: (usize, usize),
    meth: &str,
) -> Option<(usize, usize)> {
    let Some(Value::Def(fu, fd)) = ix.class_member(m.0, m.1, meth, 0) else {
        return None;
    };
    let c = class_of(ix, fu, fd)?;
    if (fu, c) == m || models.get((fu, c)).is_some() {
        return None;
    }
    Some((fu, fd))
}

/// The accesses a method (and the methods it calls on its own `self`/`cls`, to
/// [`TEMPLATE_DEPTH`]) makes on the table of whatever model it is called on: reads through
/// `cls.query...`, `select(cls)`, `session.query(cls)`, `session.get(cls, ...)`; writes
/// through `session.add/delete/merge` of `self`, `cls(...)` or a local built by `cls(...)`,
/// and `cls.query....update()/delete()`. Bounded by a worklist, not recursion.
fn method_template(ix: &Index<'_>, models: &Models, u0: usize, d0: usize) -> Vec<Template> {
    let mut out: Vec<Template> = Vec::new();
    let mut seen: Vec<(usize, usize)> = Vec::new();
    let mut work: Vec<(usize, usize, u32)> = vec![(u0, d0, 0)];
    while let Some((u, d, depth)) = work.pop() {
        if seen.contains(&(u, d)) || seen.len() >= TEMPLATE_METHODS {
            continue;
        }
        seen.push((u, d));
        let def = &ix.units[u].facts.defs[d];
        let is_static = def
            .decorators
            .iter()
            .any(|e| matches!(e, Expr::Name(n) if n == "staticmethod"));
        let Some(me) = def
            .params
            .first()
            .filter(|p| p.star == 0 && !is_static)
            .map(|p| p.name.as_str())
        else {
            continue;
        };
        let Some(class) = class_of(ix, u, d) else {
            continue;
        };
        let scope = def.qualname.as_str();
        let facts = &ix.units[u].facts;
        let calls = &facts.calls;
        let receivers: HashSet<usize> = calls
            .iter()
            .filter(|c| c.scope == scope)
            .filter_map(|c| c.receiver.map(|r| r as usize))
            .collect();
        let is_me = |e: &Expr| matches!(e, Expr::Name(n) if n == me);
        let built_by_me = |e: &Expr| match e {
            Expr::Call { callee, .. } => callee == me,
            Expr::Name(n) => facts.assigns.iter().any(|a| {
                a.scope == scope
                    && a.targets.iter().any(|t| t == n)
                    && matches!(&a.value, Expr::Call { callee, .. } if callee == me)
            }),
            _ => false,
        };
        let mut push = |t: Template| {
            if !out.contains(&t) {
                out.push(t);
            }
        };
        for (i, c) in calls.iter().enumerate() {
            if c.scope != scope {
                continue;
            }
            // `self.commit()`, `cls.create_no_commit(**kw)`: another method of the class.
            if let Some((r, name)) = c.callee.split_once('.')
                && r == me
                && !name.contains('.')
                && !name.contains('(')
                && depth < TEMPLATE_DEPTH
                && let Some(Value::Def(gu, gd)) = ix.class_member(u, class, name, 0)
                && ix.units[gu].facts.defs[gd].kind != DefKind::Class
                && class_of(ix, gu, gd).is_some_and(|gc| models.get((gu, gc)).is_none())
            {
                work.push((gu, gd, depth + 1));
                continue;
            }
            if receivers.contains(&i) {
                continue;
            }
            let links = chain(calls, i);
            let root = &calls[links[0]];
            let root_segs: Vec<&str> = root.callee.split('.').collect();
            let last = last_segment(&c.callee);
            let root_last = last_segment(&root.callee);
            let receiver = receiver_of(&c.callee).unwrap_or("").to_ascii_lowercase();
            let sessionish = receiver.contains("session") || receiver == "db";
            if root_segs.len() >= 2
                && root_segs[0] == me
                && root_segs[1].trim_end_matches("()") == "query"
            {
                let mut t = Template {
                    kind: "select",
                    write: false,
                    by_key: false,
                    unit: u,
                    line: root.line,
                };
                for &l in &links {
                    match last_segment(&calls[l].callee) {
                        "update" if l != links[0] => {
                            t.kind = "update";
                            t.write = true;
                        }
                        "delete" if l != links[0] => {
                            t.kind = "delete";
                            t.write = true;
                        }
                        "get" | "get_or_404" => t.by_key = true,
                        _ => {}
                    }
                }
                push(t);
            } else if matches!(root_last, "select" | "query" | "get" | "exists")
                && (root_last == "select" || root_last == "exists" || {
                    let r = receiver_of(&root.callee).unwrap_or("").to_ascii_lowercase();
                    r.contains("session") || r == "db"
                })
                && root
                    .args
                    .iter()
                    .filter(|a| a.keyword.is_none())
                    .any(|a| is_me(&a.value))
            {
                push(Template {
                    kind: "select",
                    write: false,
                    by_key: root_last == "get",
                    unit: u,
                    line: root.line,
                });
            } else if links.len() == 1
                && sessionish
                && let Some(&(_, kind)) = SESSION_WRITES.iter().find(|(m, _)| *m == last)
            {
                let hit = c
                    .args
                    .iter()
                    .filter(|a| a.keyword.is_none())
                    .flat_map(|a| match &a.value {
                        Expr::List(items) => items.iter().collect::<Vec<_>>(),
                        other => vec![other],
                    })
                    .any(|e| is_me(e) || built_by_me(e));
                if hit {
                    push(Template {
                        kind,
                        write: true,
                        by_key: false,
                        unit: u,
                        line: c.line,
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| (a.unit, a.line, a.kind).cmp(&(b.unit, b.line, b.kind)));
    out
}
