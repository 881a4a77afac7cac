//! ORM use inside functions → table accesses and query sites. Reads: `Model.query...`,
//! `session.query(Model, ...)`, `select(Model)`, `session.get(Model, id)`, relationship
//! traversal on a value whose model is known. Writes: `session.add/add_all/delete/merge` of a
//! model instance, `.update()`/`.delete()` on a query, `insert/update/delete(Model)`.
//! Equality predicates (`filter_by(k=v)`, `filter(Model.col == v)`) and join conditions are
//! kept for the shard-key and replica advice.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::collections::BTreeSet;
use std::sync::OnceLock;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use seam_facts::python::{Arg, AssignKind, Call, DefKind, Expr};

use super::builder::Builder;
use super::dotted::{last_segment, on_session, receiver_of};
use super::index::{Index, is_decorated, nested_in, parent_scope};
use super::models::Models;
use super::names::Value;
use super::returns::{FETCH_ONE, binds_first_param};
use crate::analysis::{EdgeKind, Evidence, Query, QuerySource, ViaStep};
use crate::discover::Tag;

/// Loader options that load a relationship with the query (`joinedload(User.roles)`).
const EAGER_LOADERS: &[&str] = &[
    "joinedload",
    "selectinload",
    "subqueryload",
    "contains_eager",
    "immediateload",
];
const SESSION_WRITES: &[(&str, &str)] = &[
    ("add", "insert"),
    ("add_all", "insert"),
    ("delete", "delete"),
    ("merge", "update"),
    ("bulk_save_objects", "insert"),
];

/// Tables and predicates of one ORM statement.
#[derive(Debug, Default, Clone)]
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
    /// Tables written on the code's behalf (Continuum's version tables), with the line that
    /// makes the framework do it.
    side: Vec<(String, Evidence, EdgeKind)>,
    /// Not a statement: a call the instantiation dispatches to a def the plain call graph
    /// does not reach (`self.check_read_permissions(...)` in an inherited method, run on the
    /// subclass that overrides it), recorded as a `calls` edge at the caller.
    dispatch: Option<(usize, usize)>,
    /// For a dispatch on a row a caller passes in (`post.save(...)` with `post` a parameter,
    /// not `self`): the def the call is written in calls the target too. An override reached
    /// through `self` is not such a call (every subclass would be).
    dispatch_from_callee: bool,
}

struct Ctx<'i, 'a> {
    ix: &'i Index<'a>,
    models: &'i Models,
    u: usize,
    /// Names bound in one scope of `u` for an instantiation (a helper's `table` parameter
    /// bound to the model its caller passes, `self` to the subclass a call comes from).
    bound: Option<Bound>,
}

#[derive(Debug, Clone)]
struct Bound {
    scope: String,
    names: Bindings,
}

/// Parameter name → what a caller binds it to.
type Bindings = Vec<(String, Value)>;

/// What one def's scope accesses alone: (line, reads, writes) of each access.
type Alone = HashSet<(u32, Vec<String>, Vec<String>)>;

/// A def and what its parameters are bound to.
type Instance = ((usize, usize), Bindings);

/// Instantiations already made while reading one unit.
#[derive(Default)]
struct Instances {
    /// (def, bindings) → the accesses they add.
    made: HashMap<Instance, std::rc::Rc<Vec<Access>>>,
    /// def → what its scope accesses with nothing bound.
    alone: HashMap<(usize, usize), std::rc::Rc<Alone>>,
}

impl Ctx<'_, '_> {
    /// A dotted name in a scope of this unit, with the instantiation's bindings.
    fn resolve(&self, scope: &str, dotted: &str) -> Value {
        self.resolve_depth(scope, dotted, 0)
    }

    /// In the bound scope, a bound name, or a local assigned there from a call on bound names
    /// (`instance = self.get_model_or_404(id)`), is the root of `dotted`.
    fn resolve_depth(&self, scope: &str, dotted: &str, depth: u32) -> Value {
        if let Some(b) = &self.bound
            && b.scope == scope
        {
            let root = dotted.split(['.', '(', '[']).next().unwrap_or("");
            if let Some((_, v)) = b.names.iter().find(|(n, _)| n == root) {
                return self.ix.resolve_rooted(self.u, scope, dotted, Some(v), 0);
            }
            if depth < 4
                && let Value::Var(vu, va) = self.ix.resolve(self.u, scope, root)
                && vu == self.u
            {
                let a = &self.ix.units[vu].facts.assigns[va];
                if a.scope == scope
                    && a.kind == AssignKind::Plain
                    && let Expr::Call { callee, .. } = &a.value
                    && let v @ (Value::Instance(..) | Value::Def(..)) =
                        self.resolve_depth(scope, &format!("{callee}()"), depth + 1)
                {
                    return self.ix.resolve_rooted(self.u, scope, dotted, Some(&v), 0);
                }
            }
        }
        self.ix.resolve(self.u, scope, dotted)
    }

    fn is_bound(&self, scope: &str) -> bool {
        self.bound.as_ref().is_some_and(|b| b.scope == scope)
    }

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

    /// `for query in history_queries(project): query.delete()`: the tables of the queries a
    /// repository function returns as a tuple or list (`return person_changes, bill_changes`),
    /// each a local of that function built by a query chain; the loop runs the call on each.
    fn element_tables(&self, root: &Call) -> Vec<String> {
        let Some(recv) = receiver_of(&root.callee).filter(|r| !r.contains(['.', '(', '['])) else {
            return Vec::new();
        };
        let Value::Var(vu, va) = self.resolve(&root.scope, recv) else {
            return Vec::new();
        };
        let assign = &self.ix.units[vu].facts.assigns[va];
        let (AssignKind::ForTarget, Expr::Call { callee, .. }) = (assign.kind, &assign.value)
        else {
            return Vec::new();
        };
        if callee.contains('(') {
            return Vec::new();
        }
        let Value::Def(fu, fd) = self.ix.resolve(vu, &assign.scope, callee) else {
            return Vec::new();
        };
        let fdef = &self.ix.units[fu].facts.defs[fd];
        if fdef.kind == DefKind::Class {
            return Vec::new();
        }
        let f = &self.ix.units[fu].facts;
        let fix = &self.ix.units_index[fu];
        let inner = Ctx {
            ix: self.ix,
            models: self.models,
            u: fu,
            bound: None,
        };
        let mut out: Vec<String> = Vec::new();
        let returns = fix.returns_in(fdef.qualname.as_str());
        for r in returns {
            let Expr::List(items) = &f.returns[r].value else {
                continue;
            };
            for item in items {
                let Expr::Name(n) = item else { continue };
                // The local's last query-chain assignment before the return.
                let Some(a) = fix
                    .assigns_in(fdef.qualname.as_str())
                    .rev()
                    .map(|a| &f.assigns[a])
                    .find(|a| {
                        a.kind == AssignKind::Plain
                            && *a.targets == [n.as_str()]
                            && a.line <= f.returns[r].line
                            && matches!(a.value, Expr::Call { .. })
                    })
                else {
                    continue;
                };
                let Expr::Call { callee: built, .. } = &a.value else {
                    continue;
                };
                let Some(c) = self.ix.call_from(fu, &fdef.qualname, built, a.line) else {
                    continue;
                };
                let Some(&first) = chain(&f.calls, c).first() else {
                    continue;
                };
                let chain_root = &f.calls[first];
                let table = match inner.source_models(chain_root).first() {
                    Some(&m) => Some(inner.table(m)),
                    None => inner.named_table(chain_root),
                };
                if let Some(t) = table.filter(|t| !t.is_empty() && !out.contains(t)) {
                    out.push(t);
                }
            }
        }
        out
    }

    /// A table a chain names without a model: a Continuum version class's, or a `Table(...)`
    /// variable's (`person_helper.update().where(...)`).
    fn named_table(&self, root: &Call) -> Option<String> {
        self.version_source(root)
            .or_else(|| self.table_var_source(root))
    }

    /// A core statement on a `Table(...)` variable (`person_helper.update()`,
    /// `bill_owers.insert()`): that table.
    fn table_var_source(&self, root: &Call) -> Option<String> {
        if !matches!(
            last_segment(&root.callee),
            "select" | "insert" | "update" | "delete"
        ) {
            return None;
        }
        let recv = receiver_of(&root.callee).filter(|r| !r.contains(['(', '[']))?;
        match self.resolve(&root.scope, recv) {
            Value::Var(vu, va) => self.models.table_vars.get(&(vu, va)).cloned(),
            _ => None,
        }
    }

    /// SQLAlchemy-Continuum's `PersonVersion = version_class(Person)`: a chain rooted at the
    /// version class (`PersonVersion.query.filter_by(...)`) works on `<table>_version`, when
    /// the model is versioned.
    fn version_source(&self, root: &Call) -> Option<String> {
        if !root.callee.contains("query") {
            return None;
        }
        let segs: Vec<&str> = root.callee.split('.').collect();
        let q = segs
            .iter()
            .position(|s| s.trim_end_matches("()") == "query")?;
        if q == 0 {
            return None;
        }
        let Value::Var(vu, va) = self.resolve(&root.scope, &segs[..q].join(".")) else {
            return None;
        };
        let assign = &self.ix.units[vu].facts.assigns[va];
        let Expr::Call { callee, args } = &assign.value else {
            return None;
        };
        if last_segment(callee) != "version_class" {
            return None;
        }
        let Some(Expr::Name(model)) = args.first().map(|a| &a.value) else {
            return None;
        };
        let inner = Ctx {
            ix: self.ix,
            models: self.models,
            u: vu,
            bound: None,
        };
        let m = inner.model_of(&inner.resolve(&assign.scope, model))?;
        let table = self.table(m);
        self.models
            .versioned
            .contains_key(&table)
            .then(|| format!("{table}_version"))
    }

    fn table(&self, m: (usize, usize)) -> String {
        self.models
            .get(m)
            .map(|m| m.table.clone())
            .unwrap_or_default()
    }

    /// Loading a relationship reads its target's table and its association table.
    fn read_relationship(&self, rel: &super::models::Relationship, acc: &mut Access) {
        acc.reads.extend(rel.target.map(|t| self.table(t)));
        acc.reads.extend(rel.secondary.clone());
    }

    /// `Model.rel` → the relationship, when `Model` is a model and `rel` one of its
    /// relationships.
    fn relationship(&self, scope: &str, dotted: &str) -> Option<&super::models::Relationship> {
        let (class, attr) = dotted.rsplit_once('.')?;
        let m = self.model_of(&self.resolve(scope, class))?;
        self.models.relationships.get(&(m, attr.to_owned()))
    }

    /// `Model.col` → `table.col` (when `Model` is a model).
    fn column(&self, scope: &str, dotted: &str) -> Option<String> {
        let (class, col) = dotted.rsplit_once('.')?;
        let m = self.model_of(&self.resolve(scope, class))?;
        Some(format!("{}.{col}", self.table(m)))
    }

    /// The model a name holds in a scope: an instance (constructor, typed parameter, `self`),
    /// a query that fetches one, or the element of a relationship collection.
    /// Whether `item` may be built here by calling model `m`: `Task(...)` itself, or a local
    /// with any assignment from such a call in this scope (`x = fetch() or Model()` patterns
    /// count as new: an upsert is reported as the insert it may be).
    fn constructed(&self, scope: &str, item: &Expr, m: (usize, usize)) -> bool {
        let builds = |s: &str, callee: &str| self.resolve(s, callee) == Value::Def(m.0, m.1);
        match item {
            Expr::Call { callee, .. } => builds(scope, callee),
            Expr::Name(n) => self.ix.assigns_in_scope(self.u, scope).any(|a| {
                a.targets.iter().any(|t| t == n)
                    && matches!(&a.value, Expr::Call { callee, .. } if builds(&a.scope, callee))
            }),
            _ => false,
        }
    }

    /// Attributes assigned on a local in `scope` (`invoice.status = "paid"` → `status`).
    fn attributes_set(&self, scope: &str, name: &str) -> Vec<String> {
        let prefix = format!("{name}.");
        let mut out: Vec<String> = self
            .ix
            .assigns_in_scope(self.u, scope)
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
            Expr::Name(n) => match self.resolve(scope, n) {
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
            .filter_map(|a| a.keyword.as_ref().map(|k| k.to_string()))
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
        let v = self.resolve(scope, name);
        if let Value::Instance(..) = v {
            return self.model_of(&v);
        }
        // `current_user`: the row the user loader returns.
        if let Value::External(e) = &v
            && let Some((cu, cd)) = self.ix.identity
            && super::auth_loaders::IDENTITY_PROXIES.contains(&e.as_str())
        {
            return self.model_of(&Value::Instance(cu, cd));
        }
        let Value::Var(vu, va) = v else {
            // `self.topic.forum`: the row a relationship of a typed instance leads to.
            let (base, attr) = name.rsplit_once('.')?;
            if base.contains(['(', '[']) {
                return None;
            }
            let owner = self.instance_model(scope, base, calls_at, depth + 1)?;
            return self
                .models
                .relationships
                .get(&(owner, attr.to_owned()))?
                .target;
        };
        if vu != self.u {
            return None;
        }
        self.assigned_model(vu, va, calls_at, depth)
    }

    /// [`Ctx::instance_model`] of `name` used at `line`: when the binding scoping picks does not
    /// type it (`resolver = None` first), the nearest earlier assignment of the name in the
    /// scope that does (`resolver = Resolver(...)` on the branch that creates it).
    fn instance_model_at(
        &self,
        scope: &str,
        name: &str,
        line: u32,
        calls_at: &HashMap<(&str, u32), Vec<usize>>,
    ) -> Option<(usize, usize)> {
        if let Some(m) = self.instance_model(scope, name, calls_at, 0) {
            return Some(m);
        }
        if !name.contains(['.', '[']) {
            let assigns = &self.ix.units[self.u].facts.assigns;
            if let Some(m) = self.ix.units_index[self.u]
                .assigns_in(scope)
                .rev()
                .filter(|&a| {
                    let x = &assigns[a];
                    x.kind == AssignKind::Plain && x.line <= line && *x.targets == [name]
                })
                .find_map(|a| self.assigned_model(self.u, a, calls_at, 1))
            {
                return Some(m);
            }
        }
        // `rows.append(forumsread)` before `session.add_all(rows)`: a list of what is appended.
        let calls = &self.ix.units[self.u].facts.calls;
        let append = format!("{name}.append");
        self.ix.units_index[self.u]
            .calls_in(scope)
            .map(|c| &calls[c])
            .filter(|c| c.line <= line && c.callee == append)
            .find_map(|c| match c.args.first().map(|a| &a.value) {
                Some(Expr::Name(x)) if x != name => self.instance_model(scope, x, calls_at, 1),
                _ => None,
            })
    }

    /// The model of the row assignment `(vu, va)` of the unit being read stores.
    fn assigned_model(
        &self,
        vu: usize,
        va: usize,
        calls_at: &HashMap<(&str, u32), Vec<usize>>,
        depth: u32,
    ) -> Option<(usize, usize)> {
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
            // `for user in users` over a parameter a caller binds to rows (`forum.delete(
            // involved_users)`), and `x = users` of one: the binding's model.
            (Expr::Name(n), AssignKind::ForTarget | AssignKind::Plain)
                if !n.contains('.') && self.bound.is_some() =>
            {
                self.instance_model(&assign.scope, n, calls_at, depth + 1)
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
            if let Some(m) = self.model_of(&self.resolve(&root.scope, &prefix)) {
                return vec![m];
            }
        }
        // Core statements on a model's table: `Challenge.__table__.delete().where(...)`, and
        // `table.delete()` in a helper a caller hands `Challenge.__table__` (bound to the
        // model's class by the instantiation).
        if matches!(last, "select" | "insert" | "update" | "delete")
            && let Some(recv) = receiver_of(callee)
            && !recv.contains('(')
        {
            let class = recv.strip_suffix(".__table__").unwrap_or(recv);
            let bound_param = class == recv && !recv.contains('.');
            if (class != recv || bound_param)
                && let v @ Value::Def(..) = self.resolve(&root.scope, class)
                && let Some(m) = self.model_of(&v)
                && (class != recv || self.bound.is_some())
            {
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
                && on_session(&root.callee);
        if !from_args {
            return Vec::new();
        }
        let mut out = Vec::new();
        for arg in root.args.iter().filter(|a| a.keyword.is_none()) {
            let name = match &arg.value {
                Expr::Name(n) => n.as_str(),
                _ => continue,
            };
            let v = self.resolve(&root.scope, name);
            if let Some(m) = self.model_of(&v) {
                out.push(m);
            } else if let Some((class, _)) = name.rsplit_once('.')
                && let Some(m) = self.model_of(&self.resolve(&root.scope, class))
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

/// What deleting a row of model `m` writes besides its table: the rows of its many-to-many
/// association tables, and the children of its one-to-many relationships (deleted by a
/// cascade, or their foreign key set to NULL, which is SQLAlchemy's default); a child deleted
/// by a `cascade="all, delete-orphan"` relationship takes its own children with it, followed
/// to [`CASCADE_DEPTH`] (`Category` → forums → topics → posts).
fn deleted_with(models: &Models, m: (usize, usize)) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = vec![m];
    let mut level = vec![m];
    for _ in 0..CASCADE_DEPTH {
        let mut next = Vec::new();
        for &m in &level {
            let own = models.get(m).map(|x| x.table.as_str()).unwrap_or("");
            let children = models.children.get(own);
            for r in models.relationships_of(m) {
                if let Some(s) = &r.secondary {
                    out.insert(s.clone());
                    continue;
                }
                let Some(t) = r.target else { continue };
                let Some(child) = models.get(t).map(|x| x.table.as_str()) else {
                    continue;
                };
                if child == own || !children.is_some_and(|c| c.contains(child)) {
                    continue;
                }
                out.insert(child.to_owned());
                if r.cascade_delete && !seen.contains(&t) {
                    seen.push(t);
                    next.push(t);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    out
}

/// The rows a delete of model `m` takes along ([`deleted_with`]): written, and read first (the
/// session loads the related rows to delete them or null their keys; `passive_deletes` is not
/// modelled).
fn delete_with(models: &Models, m: (usize, usize), acc: &mut Access) {
    let with = deleted_with(models, m);
    acc.reads.extend(with.iter().cloned());
    acc.writes.extend(with);
}

/// How many cascades deep a delete is followed.
const CASCADE_DEPTH: usize = 4;

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

/// What each unit's code accesses as written, with nothing bound: scanned once per unit, on
/// first demand from any thread. The unit's own accesses, the baseline an instantiation is
/// compared with (what binding a def adds to what it does alone) and the accesses of a def a
/// binding redirects a call to are all this one scan (a scope's part of it is what a scan of
/// that scope alone finds), so no def is scanned unbound twice. Pure in the unit, so which
/// thread fills a slot first cannot change a result.
pub(crate) struct Plain<'i, 'a> {
    ix: &'i Index<'a>,
    models: &'i Models,
    relationship_names: HashSet<&'i str>,
    units: Vec<OnceLock<PlainScan<'a>>>,
}

struct PlainScan<'a> {
    found: Vec<(u32, &'a str, Access)>,
    /// Scope → the indices of its accesses in `found`.
    by_scope: FxHashMap<&'a str, Vec<usize>>,
}

impl<'i, 'a> Plain<'i, 'a> {
    pub(crate) fn new(ix: &'i Index<'a>, models: &'i Models) -> Self {
        Self {
            ix,
            models,
            relationship_names: relationship_names(models),
            units: (0..ix.units.len()).map(|_| OnceLock::new()).collect(),
        }
    }

    fn unit(&self, u: usize) -> &PlainScan<'a> {
        self.units[u].get_or_init(|| {
            let ctx = Ctx {
                ix: self.ix,
                models: self.models,
                u,
                bound: None,
            };
            // Filled by whichever query asks first: with a budget of its own, so that what it
            // holds does not depend on that query.
            let found = super::budget::fresh(|| {
                scan(&ctx, &self.relationship_names, &self.ix.units[u], None)
            });
            let mut by_scope: FxHashMap<&'a str, Vec<usize>> = FxHashMap::default();
            for (i, (_, scope, _)) in found.iter().enumerate() {
                by_scope.entry(*scope).or_default().push(i);
            }
            PlainScan { found, by_scope }
        })
    }

    /// The accesses of one scope of unit `u`, with nothing bound.
    fn scope(&self, u: usize, scope: &str) -> impl Iterator<Item = &(u32, &'a str, Access)> {
        let unit = self.unit(u);
        unit.by_scope
            .get(scope)
            .into_iter()
            .flatten()
            .map(|&i| &unit.found[i])
    }
}

/// `targets`: every call's callee, resolved once (per unit, in call order).
pub(crate) fn resolve_orm(plain: &Plain<'_, '_>, targets: &super::names::Targets, b: &mut Builder) {
    let (ix, models) = (plain.ix, plain.models);
    if models.by_def.is_empty() {
        return;
    }
    // Units are independent: find their accesses in parallel, record them in unit order.
    let per_unit: Vec<Vec<(u32, &str, Access)>> = ix
        .units
        .par_iter()
        .enumerate()
        .map(|(u, _)| unit_accesses(plain, targets.unit(u), u))
        .collect();
    for (u, found) in per_unit.into_iter().enumerate() {
        b.diagnostics.extend(untyped_writes(ix, u, &found));
        record_all(ix, models, b, u, found);
    }
}

/// `session.merge(obj, load=False)` attaches a row known to be clean: no statement.
fn attaches_clean(call: &Call) -> bool {
    last_segment(&call.callee) == "merge"
        && call.args.iter().any(|a| {
            a.keyword.as_deref() == Some("load")
                && matches!(&a.value, Expr::Const(c) if c == "False")
        })
}

/// Self-check: a session write (`db.session.add(obj)`, `.delete(obj)`, `.merge(obj)`) in
/// application code whose row seam could not type, so no table is written: counted as
/// `write-untyped`, since ownership stands on writes. A row that is a parameter of the
/// enclosing def (or `self`/`cls`) is left alone: instantiation types it at each caller.
fn untyped_writes(
    ix: &Index<'_>,
    u: usize,
    found: &[(u32, &str, Access)],
) -> Vec<seam_facts::Diagnostic> {
    let unit = &ix.units[u];
    if Tag::outside_application(&unit.file.tags) {
        return Vec::new();
    }
    let written: HashSet<(u32, &str)> = found
        .iter()
        .filter(|(_, _, a)| !a.writes.is_empty())
        .map(|(line, scope, _)| (*line, *scope))
        .collect();
    let facts = &unit.facts;
    let mut out = Vec::new();
    for call in &facts.calls {
        let last = last_segment(&call.callee);
        if call.receiver.is_some()
            || !SESSION_WRITES.iter().any(|(m, _)| *m == last)
            || written.contains(&(call.line, call.scope.as_str()))
        {
            continue;
        }
        let receiver = receiver_of(&call.callee).unwrap_or("").to_ascii_lowercase();
        if !(receiver.ends_with("session") || receiver == "db") {
            continue;
        }
        let def = ix.def_of_scope(u, &call.scope).map(|d| &facts.defs[d]);
        let is_param = |n: &str| {
            let root = n.split('.').next().unwrap_or(n);
            root == "self"
                || root == "cls"
                || def.is_some_and(|d| d.params.iter().any(|p| p.name == root))
        };
        // A parameter, or a local built from one (`instance = cls(**kw)` in a mixin).
        let bound_elsewhere = |n: &str| {
            is_param(n)
                || matches!(ix.resolve(u, &call.scope, n), Value::Var(vu, va)
                if vu == u && match &facts.assigns[va].value {
                    Expr::Call { callee, .. } | Expr::Name(callee) => is_param(callee),
                    _ => false,
                })
        };
        let Some(arg) = call.args.iter().find(|a| a.keyword.is_none()) else {
            continue;
        };
        if attaches_clean(call) {
            continue;
        }
        let shown = match &arg.value {
            Expr::Name(n) if !bound_elsewhere(n) => *n,
            Expr::Call { callee, .. } => format!("{callee}(...)").into(),
            _ => continue,
        };
        out.push(
            seam_facts::Diagnostic::new(
                &unit.file.rel,
                call.line,
                seam_facts::Severity::Warning,
                format!(
                    "`{}({shown})`: seam could not tell which table `{shown}` is a row of; the write is left out",
                    call.callee
                ),
            )
            .with_check("write-untyped"),
        );
    }
    out
}

/// The ORM accesses of one unit: (line, scope, access), its own and those of the helpers it
/// calls with a model (instantiated for that model, recorded at the call).
fn unit_accesses<'a>(
    plain: &Plain<'_, 'a>,
    targets: super::names::UnitTargets<'_>,
    u: usize,
) -> Vec<(u32, &'a str, Access)> {
    let ctx = Ctx {
        ix: plain.ix,
        models: plain.models,
        u,
        bound: None,
    };
    let unit = &plain.ix.units[u];
    let mut found = plain.unit(u).found.clone();
    let mut cache = Instances::default();
    for (c, call) in unit.facts.calls.iter().enumerate() {
        let Some((fu, fd, binds)) = call_binding(&ctx, call, targets.get(c).as_ref()) else {
            continue;
        };
        for d in instantiate(plain, fu, fd, binds, 0, &mut cache).iter() {
            let mut acc = d.clone();
            acc.in_loop |= call.in_loop;
            found.push((call.line, call.scope.as_str(), acc));
        }
    }
    found
}

/// The attribute names of all relationships: only an attribute named like one can be a
/// traversal or a collection change.
fn relationship_names(models: &Models) -> HashSet<&str> {
    models
        .relationships
        .keys()
        .map(|(_, a)| a.as_str())
        .collect()
}

/// Record one unit's accesses, with what the framework adds to each (Continuum's side writes,
/// eager loads).
fn record_all(
    ix: &Index<'_>,
    models: &Models,
    b: &mut Builder,
    u: usize,
    found: Vec<(u32, &str, Access)>,
) {
    let file = ix.units[u].file.rel.as_str();
    for (line, scope, mut acc) in found {
        if let Some((gu, gd)) = acc.dispatch {
            let site = ix.owner_id(u, scope);
            let to = ix.symbol_id(gu, gd);
            if site != to {
                b.implicit_call(&site, &to, file, line);
                for &(vu, vline) in &acc.via {
                    b.edge(&site, &to, EdgeKind::Calls, &ix.units[vu].file.rel, vline);
                }
            }
            // The def the call is written in makes it too (`Topic.save`'s `post.save(...)`, a
            // `Post` for the callers that pass one).
            if acc.dispatch_from_callee
                && let Some(&(vu, vline)) = acc.via.first()
            {
                let inner = ix.owner_at(vu, vline);
                if inner != to && inner != site {
                    b.implicit_call(&inner, &to, &ix.units[vu].file.rel, vline);
                }
            }
            continue;
        }
        versioning_writes(models, &mut acc);
        eager_reads(models, &mut acc);
        record(ix, b, u, file, line, scope, acc);
    }
}

/// Class-based views that inherit their HTTP methods (`class BudgetResource(BaseResource)` with
/// only `__init__`): the request dispatches `self.delete(...)` on an instance of the view, so
/// each inherited method is read with `self` bound to it, and what that adds is the view's own
/// access, at its definition. Only the classes routes name as their view are read (after the
/// routes are known), so the cost stays with the views.
pub(crate) fn resolve_view_dispatch(plain: &Plain<'_, '_>, b: &mut Builder) {
    let (ix, models) = (plain.ix, plain.models);
    if models.by_def.is_empty() {
        return;
    }
    let views: BTreeSet<String> = b
        .routes
        .iter()
        .filter_map(|r| {
            r.view
                .clone()
                .filter(|v| !r.handler.starts_with(&format!("{v}.")))
        })
        .collect();
    if views.is_empty() {
        return;
    }
    for (u, unit) in ix.units.iter().enumerate() {
        let mut cache = Instances::default();
        let mut found: Vec<(u32, &str, Access)> = Vec::new();
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind != DefKind::Class
                || models.get((u, d)).is_some()
                || !views.contains(&ix.symbol_id(u, d))
            {
                continue;
            }
            for m in DISPATCHED {
                if ix.units_index[u]
                    .def(format!("{}.{m}", def.qualname).as_str())
                    .is_some()
                {
                    continue;
                }
                let Some(Value::Def(fu, fd)) = ix.class_member(u, d, m, 0) else {
                    continue;
                };
                let Some(first) = ix.units[fu].facts.defs[fd].params.first() else {
                    continue;
                };
                let binds = vec![(first.name.to_string(), Value::Instance(u, d))];
                for a in instantiate(plain, fu, fd, binds, 0, &mut cache).iter() {
                    found.push((def.line, def.qualname.as_str(), a.clone()));
                }
            }
        }
        record_all(ix, models, b, u, found);
    }
}

/// The methods a class-based view's dispatch calls on its instance, by HTTP method.
const DISPATCHED: &[&str] = &["get", "post", "put", "patch", "delete"];

/// How many calls deep a helper instantiated with a caller's model is followed
/// (`put` → `get_model_or_404` → the model's `get`).
const INSTANCE_DEPTH: u32 = 3;

/// What a call binds in the def it calls, when that tells the def's code more than the def
/// knows alone: parameters bound to a model class or instance the caller passes
/// (`fetch_one_resource(Policy, name=n)`, `database.get(Destination, id)`), and `self` bound to
/// the caller's class when a subclass calls a method it inherits (`super().put(id)`,
/// `self.update_data(...)`), so that `self.model` is the model that subclass was built with.
fn call_binding(
    ctx: &Ctx<'_, '_>,
    call: &Call,
    target: Option<&Value>,
) -> Option<(usize, usize, Bindings)> {
    let ix = ctx.ix;
    let resolved;
    let target = match target {
        Some(t) => t,
        None => {
            resolved = ctx.resolve(&call.scope, &call.callee);
            &resolved
        }
    };
    let &Value::Def(fu, fd) = target else {
        return None;
    };
    let def = &ix.units[fu].facts.defs[fd];
    if def.kind == DefKind::Class || def.params.is_empty() {
        return None;
    }
    let declaring = class_of(ix, fu, fd);
    let is_static = is_decorated(def, "staticmethod");
    let recv = receiver_of(&call.callee);
    let recv_value = recv.map(|r| ctx.resolve(&call.scope, r));
    let bound_recv = declaring.is_some() && binds_first_param(ix, def, recv_value.as_ref());
    // The instance `self` is in the caller: bound by an outer instantiation, or the caller's
    // own class.
    let caller_self = || -> Option<Value> {
        if let Some(b) = &ctx.bound
            && b.scope == call.scope
            && let Some((_, v)) = b.names.iter().find(|(n, _)| n == "self")
        {
            return Some(v.clone());
        }
        let method = ix.def_of_scope(ctx.u, &call.scope)?;
        let c = class_of(ix, ctx.u, method)?;
        Some(Value::Instance(ctx.u, c))
    };
    let differs = |v: &Value| match (v, declaring) {
        (Value::Instance(cu, cd), Some(dc)) => (*cu, *cd) != (fu, dc),
        _ => false,
    };
    let mut binds: Bindings = Vec::new();
    let first = def.params[0].name;
    // A model's own `self.save()` is the inherited-CRUD template's (one access, not two).
    if bound_recv
        && recv.is_some_and(|r| r == "self" || r.starts_with("super("))
        && let Some(v) = caller_self()
        && differs(&v)
        && ctx.model_of(&v).is_none()
    {
        binds.push((first.to_string(), v));
    }
    let offset = usize::from(bound_recv);
    // The rows an argument names: a local or attribute typed as a row (through a
    // relationship of a typed row too, `topic.forum`, when `through` says so), or a call that
    // returns one (`Person()`, `self.involved_users().all()`).
    let rows = |value: &Expr, through: bool| -> Option<Value> {
        let v = match value {
            Expr::Name(n) => {
                let v = match ctx.resolve(&call.scope, n) {
                    // `member = Person.query.get(id)`: the local's type.
                    Value::Var(vu, va) => ix.var_type(vu, va, 0),
                    v => v,
                };
                if ctx.model_of(&v).is_none() && through && n.contains('.') {
                    // `topic.update_read(user, topic.forum, ...)`: the row a relationship
                    // leads to.
                    let (mu, md) = ctx.instance_model(&call.scope, n, &HashMap::default(), 0)?;
                    return Some(Value::Instance(mu, md));
                }
                v
            }
            Expr::Call { callee, args } => {
                let v = ctx.resolve(&call.scope, &format!("{callee}()"));
                if ctx.model_of(&v).is_none() && callee.contains('(') {
                    ix.call_value(ctx.u, &call.scope, callee, args, call.line, 0)
                } else {
                    v
                }
            }
            _ => return None,
        };
        ctx.model_of(&v).is_some().then_some(v)
    };
    let bind_arg = |binds: &mut Bindings, param: &str, value: &Expr, explicit_self: bool| {
        if binds.iter().any(|(p, _)| p == param) {
            return;
        }
        // `users or self.involved_users().all()`: the first alternative that names rows.
        let value = match value {
            Expr::Either(alts) => match alts.iter().find(|e| rows(e, false).is_some()) {
                Some(e) => e,
                None => return,
            },
            v => v,
        };
        match value {
            // `delete_matching_rows(session, Challenge.__table__, ...)`: the model's table, bound
            // as its class (the helper's `table.delete()` is a DELETE of it).
            Expr::Name(n) if n.ends_with(".__table__") => {
                let v = ctx.resolve(&call.scope, &n[..n.len() - ".__table__".len()]);
                if matches!(v, Value::Def(..)) && ctx.model_of(&v).is_some() {
                    binds.push((param.to_owned(), v));
                }
                return;
            }
            Expr::Name(n) if explicit_self && n == "self" => {
                if let Some(v) = caller_self().filter(|v| differs(v)) {
                    binds.push((param.to_owned(), v));
                }
                return;
            }
            _ => {}
        }
        // `form.save(project, Person())`: a row built for the callee to fill in.
        if let Some(v) = rows(value, true) {
            binds.push((param.to_owned(), v));
        }
    };
    for (i, arg) in call.args.iter().filter(|a| a.keyword.is_none()).enumerate() {
        let Some(p) = def.params.get(i + offset).filter(|p| p.star == 0) else {
            break;
        };
        let explicit_self = !bound_recv && i == 0 && declaring.is_some() && !is_static;
        bind_arg(&mut binds, &p.name, &arg.value, explicit_self);
    }
    for arg in &call.args {
        if let Some(k) = arg.keyword.as_deref()
            && def.params.iter().any(|p| p.name == k && p.star == 0)
        {
            bind_arg(&mut binds, k, &arg.value, false);
        }
    }
    (!binds.is_empty()).then_some((fu, fd, binds))
}

/// The accesses def `(fu, fd)` makes with `binds` that it does not make alone, each with the
/// lines that lead to it (the def's own line of the access, and the calls into deeper
/// instantiations) as further evidence; followed to [`INSTANCE_DEPTH`], memoised per unit.
fn instantiate(
    plain: &Plain<'_, '_>,
    fu: usize,
    fd: usize,
    binds: Bindings,
    depth: u32,
    cache: &mut Instances,
) -> std::rc::Rc<Vec<Access>> {
    let (ix, models) = (plain.ix, plain.models);
    let key = ((fu, fd), binds);
    if let Some(hit) = cache.made.get(&key) {
        return hit.clone();
    }
    // A cycle (a method reaching itself) finds nothing more.
    cache.made.insert(key.clone(), std::rc::Rc::new(Vec::new()));
    let unit = &ix.units[fu];
    let scope = unit.facts.defs[fd].qualname.as_str();
    let bound = Ctx {
        ix,
        models,
        u: fu,
        bound: Some(Bound {
            scope: scope.to_owned(),
            names: key.1.clone(),
        }),
    };
    let plain_ctx = Ctx {
        ix,
        models,
        u: fu,
        bound: None,
    };
    let alone = cache
        .alone
        .entry((fu, fd))
        .or_insert_with(|| {
            std::rc::Rc::new(
                plain
                    .scope(fu, scope)
                    .map(|(line, _, a)| {
                        (
                            *line,
                            a.reads.iter().cloned().collect(),
                            a.writes.iter().cloned().collect(),
                        )
                    })
                    .collect(),
            )
        })
        .clone();
    let mut out: Vec<Access> = Vec::new();
    for (line, _, mut a) in scan(&bound, &plain.relationship_names, unit, Some(scope)) {
        let k = (
            line,
            a.reads.iter().cloned().collect::<Vec<_>>(),
            a.writes.iter().cloned().collect::<Vec<_>>(),
        );
        if !alone.contains(&k) {
            a.via.insert(0, (fu, line));
            out.push(a);
        }
    }
    if depth < INSTANCE_DEPTH {
        let calls = &unit.facts.calls;
        for c in ix.units_index[fu].calls_in(scope) {
            let call = &calls[c];
            let target = bound.resolve(&call.scope, &call.callee);
            // A def the binding sends the call to and the plain graph does not (an override on
            // the subclass `self` is bound to, `instance.delete()` where only the binding says
            // `instance` is a `Budget`).
            let redirected = match target {
                Value::Def(gu, gd)
                    if ix.units[gu].facts.defs[gd].kind != DefKind::Class
                        && plain_ctx.resolve(&call.scope, &call.callee) != target =>
                {
                    Some((gu, gd))
                }
                _ => None,
            };
            // The caller reaches it.
            if let Some(to) = redirected {
                let root = call.callee.split(['.', '(']).next().unwrap_or("");
                out.push(Access {
                    kind: "call",
                    dispatch: Some(to),
                    dispatch_from_callee: root != "self" && root != "cls" && root != "super",
                    via: vec![(fu, call.line)],
                    in_loop: call.in_loop,
                    ..Access::default()
                });
            }
            let Some((gu, gd, gb)) = call_binding(&bound, call, Some(&target)) else {
                // The call graph has no edge to it, so its accesses come here.
                if let Some((gu, gd)) = redirected {
                    let gscope = ix.units[gu].facts.defs[gd].qualname.as_str();
                    for (line, _, a) in plain.scope(gu, gscope) {
                        let mut a = a.clone();
                        a.via.insert(0, (gu, *line));
                        a.via.insert(0, (fu, call.line));
                        a.in_loop |= call.in_loop;
                        out.push(a);
                    }
                }
                continue;
            };
            for a in instantiate(plain, gu, gd, gb, depth + 1, cache).iter() {
                let mut a = a.clone();
                a.via.insert(0, (fu, call.line));
                a.in_loop |= call.in_loop;
                out.push(a);
            }
        }
    }
    let out = std::rc::Rc::new(out);
    cache.made.insert(key, out.clone());
    out
}

/// The facts of one scope (`only`) from a per-scope index, or all `len` of the unit.
fn in_scope(ids: Option<impl Iterator<Item = usize>>, len: usize) -> Vec<usize> {
    match ids {
        Some(ids) => ids.collect(),
        None => (0..len).collect(),
    }
}

/// The accesses of one unit's code as `ctx` sees it: every scope, or only `only`.
fn scan<'a>(
    ctx: &Ctx<'_, 'a>,
    relationship_names: &HashSet<&str>,
    unit: &'a crate::load::PythonUnit,
    only: Option<&str>,
) -> Vec<(u32, &'a str, Access)> {
    let (ix, models, u) = (ctx.ix, ctx.models, ctx.u);
    let mut found = Vec::new();
    {
        let calls = &unit.facts.calls;
        let ids = in_scope(only.map(|s| ix.units_index[u].calls_in(s)), calls.len());
        let receivers: HashSet<usize> = ids
            .iter()
            .filter_map(|&c| calls[c].receiver.map(|r| r as usize))
            .collect();
        let mut calls_at: HashMap<(&str, u32), Vec<usize>> = HashMap::default();
        for &i in &ids {
            let c = &calls[i];
            calls_at
                .entry((c.scope.as_str(), c.line))
                .or_default()
                .push(i);
        }
        for &outer in &ids {
            let call = &calls[outer];
            if receivers.contains(&outer) {
                continue;
            }
            let links = chain(calls, outer);
            let root = &calls[links[0]];
            let mut acc = Access::default();
            let sources = ctx.source_models(root);
            let version = if sources.is_empty() {
                ctx.named_table(root)
            } else {
                None
            };
            // `stmt = stmt.outerjoin(TokenOwner, ...)`, `q = q.filter(Realm.name == n)`: a
            // statement built up in a local (its model read where it started) reads what
            // each step joins or filters on.
            // `for query in history_queries(p): query.delete()`: each returned query's table.
            if sources.is_empty()
                && version.is_none()
                && matches!(last_segment(&call.callee), "delete" | "update")
                && links.len() == 1
            {
                let tables = ctx.element_tables(root);
                if !tables.is_empty() {
                    acc.kind = if last_segment(&call.callee) == "delete" {
                        "delete"
                    } else {
                        "update"
                    };
                    acc.writes.extend(tables);
                    acc.in_loop = root.in_loop || call.in_loop;
                    found.push((root.line, call.scope.as_str(), acc));
                    continue;
                }
            }
            let continued = sources.is_empty()
                && version.is_none()
                && matches!(
                    last_segment(&root.callee),
                    "join" | "outerjoin" | "join_from" | "filter" | "where"
                )
                && receiver_of(&root.callee).is_some_and(|r| !r.contains(['(', '[']));
            if !sources.is_empty() || continued || version.is_some() {
                let main_table = match &version {
                    Some(t) => t.clone(),
                    None => sources.first().map(|&m| ctx.table(m)).unwrap_or_default(),
                };
                acc.kind = "select";
                for &m in &sources {
                    acc.reads.insert(ctx.table(m));
                }
                acc.reads.extend(version.clone());
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
                                if let Some(m) = ctx.model_of(&ctx.resolve(&c.scope, n)) {
                                    acc.reads.insert(ctx.table(m));
                                } else if let Some(rel) = ctx.relationship(&c.scope, n) {
                                    // `.join(Product.categories)`: the target and the association.
                                    ctx.read_relationship(rel, &mut acc);
                                }
                            }
                            ctx.predicates(&c.scope, &c.args, None, &mut acc);
                        }
                        // `.options(selectinload(Person.departments))`: eager loading reads
                        // the relationship's target and association table in the same query.
                        "options" => {
                            for arg in &c.args {
                                let Expr::Call { callee, args } = &arg.value else {
                                    continue;
                                };
                                if !EAGER_LOADERS.contains(&last_segment(callee)) {
                                    continue;
                                }
                                for a in args {
                                    let Expr::Name(n) = &a.value else { continue };
                                    if let Some(rel) = ctx.relationship(&c.scope, n) {
                                        ctx.read_relationship(rel, &mut acc);
                                    }
                                }
                            }
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
                        && !main_table.is_empty()
                    {
                        acc.kind = match method {
                            "update" => "update",
                            "delete" => "delete",
                            _ => "insert",
                        };
                        acc.writes.insert(main_table.clone());
                        acc.reads.remove(&main_table);
                        // `Bill.query.delete(project, id)` where the model's `query_class`
                        // defines `delete` (fetch the row, `session.delete` it): no bulk
                        // statement, but a row deleted with what it takes along.
                        if method == "delete"
                            && let Some(&m) = sources.first()
                            && let Some(Value::Instance(qu, qd)) = ix.query_class(m.0, m.1, 0)
                            && ix.class_member(qu, qd, "delete", 0).is_some()
                        {
                            delete_with(models, m, &mut acc);
                        }
                    }
                }
            } else if let Some(&(_, kind)) = SESSION_WRITES
                .iter()
                .find(|(m, _)| *m == last_segment(&call.callee))
            {
                if links.len() != 1 || !on_session(&call.callee) {
                    continue;
                }
                if attaches_clean(call) {
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
                            Expr::Name(n) => {
                                ctx.instance_model_at(&call.scope, n, call.line, &calls_at)
                            }
                            // `Model(...)`, or `fetch_one(EventHandler, id=i)`: a helper's
                            // return with this call's arguments.
                            Expr::Call { callee, args } => ctx
                                .model_of(&ctx.resolve(&call.scope, &format!("{callee}()")))
                                .or_else(|| {
                                    ctx.model_of(&ix.call_value(
                                        u,
                                        &call.scope,
                                        callee,
                                        args,
                                        call.line,
                                        0,
                                    ))
                                }),
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
                            // Deleting a row writes its association rows and children.
                            if kind == "delete" {
                                delete_with(models, m, &mut acc);
                            }
                        }
                    }
                }
                if kind == "insert" && any_known && !any_fresh {
                    acc.kind = "update";
                }
                // The session expires what it flushed at commit (`expire_on_commit`, on by
                // default): the next use of the row reads it back.
                if matches!(acc.kind, "insert" | "update") {
                    let refreshed: Vec<String> = acc.writes.iter().cloned().collect();
                    acc.reads.extend(refreshed);
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
        let mut templates: HashMap<(usize, usize), Vec<Template>> = HashMap::default();
        for call in ids.iter().map(|&i| &calls[i]) {
            let Some((recv, meth)) = call.callee.rsplit_once('.') else {
                continue;
            };
            if meth.contains('(') || recv.is_empty() {
                continue;
            }
            let model = if recv == "super()" {
                // `super().hide(user)` in a model's method: the mixin's method on this row.
                ix.def_of_scope(u, parent_scope(&call.scope))
                    .filter(|&c| unit.facts.defs[c].kind == DefKind::Class)
                    .and_then(|c| ctx.model_of(&Value::Instance(u, c)))
            } else if recv.ends_with("()") {
                // `Task.query.get(id).save()`: the receiver fetches one row of a model.
                let Some(r) = call
                    .receiver
                    .map(|r| r as usize)
                    .filter(|&r| r < calls.len())
                else {
                    continue;
                };
                if !FETCH_ONE.contains(&last_segment(&calls[r].callee)) {
                    // `fetch_one_resource(Policy, name=n).delete()`: a helper's return value.
                    let value = if ctx.is_bound(&call.scope) {
                        ctx.resolve(&call.scope, recv)
                    } else {
                        ix.call_value(
                            u,
                            &call.scope,
                            &calls[r].callee,
                            &calls[r].args,
                            calls[r].line,
                            0,
                        )
                    };
                    ctx.model_of(&value)
                } else if matches!(meth, "update" | "delete" | "insert") {
                    continue;
                } else {
                    let Some(&root) = chain(calls, r).first() else {
                        continue;
                    };
                    ctx.source_models(&calls[root]).into_iter().next()
                }
            } else {
                ctx.model_of(&ctx.resolve(&call.scope, recv))
                    .or_else(|| ctx.instance_model(&call.scope, recv, &calls_at, 0))
            };
            let Some(m) = model else { continue };
            let inherited = if recv == "super()" {
                // The method after the model's own in its lineage, as the call resolves it.
                match ctx.resolve(&call.scope, &call.callee) {
                    Value::Def(fu, fd)
                        if class_of(ix, fu, fd).is_some_and(|c| models.get((fu, c)).is_none()) =>
                    {
                        Some((fu, fd))
                    }
                    _ => None,
                }
            } else {
                inherited_method(ix, models, m, meth)
            };
            let Some((fu, fd)) = inherited else {
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
                    via: t.path.iter().copied().chain([(t.unit, t.line)]).collect(),
                    ..Access::default()
                };
                if t.reflective {
                    for rel in models.relationships_of(m) {
                        ctx.read_relationship(rel, &mut acc);
                    }
                    if acc.reads.is_empty() {
                        continue;
                    }
                } else if t.write {
                    acc.writes.insert(table.clone());
                    if t.kind == "delete" {
                        delete_with(models, m, &mut acc);
                    } else if matches!(t.kind, "insert" | "update") {
                        // Read back after commit, as for `session.add` (`expire_on_commit`).
                        acc.reads.insert(table.clone());
                    }
                } else {
                    acc.reads.insert(table.clone());
                }
                found.push((call.line, call.scope.as_str(), acc));
            }
        }
        // `project.name = x`, `bill.owers = [...]`, `self.activated = False`, `user.count += 1`
        // on a row the session tracks: flushed as an UPDATE of its table (and, for a
        // many-to-many relationship, of the association table). The constructor's own
        // `self.x = ...` is part of the INSERT the constructing call already records.
        let assigns = &unit.facts.assigns;
        let assign_ids = in_scope(only.map(|s| ix.units_index[u].assigns_in(s)), assigns.len());
        for assign in assign_ids.iter().map(|&a| &assigns[a]).filter(|a| {
            matches!(a.kind, AssignKind::Plain | AssignKind::Augmented)
                && !a.scope.ends_with("__init__")
        }) {
            for t in &assign.targets {
                let Some((base, attr)) = t.rsplit_once('.') else {
                    continue;
                };
                if base.contains(['(', '[']) || attr.starts_with('_') {
                    continue;
                }
                let Some(m) = ctx.instance_model_at(&assign.scope, base, assign.line, &calls_at)
                else {
                    continue;
                };
                let table = ctx.table(m);
                if table.is_empty() {
                    continue;
                }
                let mut acc = Access {
                    kind: "update",
                    ..Access::default()
                };
                match models.relationships.get(&(m, attr.to_owned())) {
                    Some(rel) => acc.writes.extend(rel.secondary.clone()),
                    None => {
                        acc.assigned.insert(format!("{table}.{attr}"));
                    }
                }
                acc.writes.insert(table);
                found.push((assign.line, assign.scope.as_str(), acc));
            }
        }
        // `Bill(owers=[...])`: a row built with a many-to-many collection inserts the
        // association rows when it is flushed.
        for call in ids.iter().map(|&i| &calls[i]) {
            if !call.args.iter().any(|a| {
                a.keyword
                    .as_deref()
                    .is_some_and(|k| relationship_names.contains(k))
            }) {
                continue;
            }
            let Some(m) = ctx.model_of(&ctx.resolve(&call.scope, &call.callee)) else {
                continue;
            };
            let secondaries: BTreeSet<String> = call
                .args
                .iter()
                .filter_map(|a| a.keyword.as_deref())
                .filter_map(|k| models.relationships.get(&(m, k.to_owned())))
                .filter_map(|r| r.secondary.clone())
                .collect();
            if secondaries.is_empty() {
                continue;
            }
            let acc = Access {
                kind: "insert",
                in_loop: call.in_loop,
                writes: secondaries,
                ..Access::default()
            };
            found.push((call.line, call.scope.as_str(), acc));
        }
        // `bill.owers.append(p)`: a many-to-many collection changed writes the association.
        for call in ids.iter().map(|&i| &calls[i]) {
            let Some((owner, meth)) = call.callee.rsplit_once('.') else {
                continue;
            };
            if !matches!(
                meth,
                "append" | "remove" | "extend" | "clear" | "add" | "discard"
            ) {
                continue;
            }
            let Some((base, rel)) = owner.rsplit_once('.') else {
                continue;
            };
            if !relationship_names.contains(rel) || base.contains(['(', '[']) {
                continue;
            }
            let Some(m) = ctx.instance_model(&call.scope, base, &calls_at, 0) else {
                continue;
            };
            let Some(secondary) = models
                .relationships
                .get(&(m, rel.to_owned()))
                .and_then(|r| r.secondary.clone())
            else {
                continue;
            };
            let mut acc = Access {
                kind: "insert",
                in_loop: call.in_loop,
                ..Access::default()
            };
            acc.writes.insert(secondary);
            found.push((call.line, call.scope.as_str(), acc));
        }
        // Relationship traversal: `user.posts` where `user` holds a `User`.
        let attrs = &unit.facts.attrs;
        let attr_ids = in_scope(only.map(|s| ix.units_index[u].attrs_in(s)), attrs.len());
        for attr in attr_ids
            .iter()
            .map(|&a| &attrs[a])
            .filter(|a| relationship_names.contains(a.attr.as_str()))
        {
            let Some(owner) = ctx.instance_model(&attr.scope, &attr.base, &calls_at, 0) else {
                continue;
            };
            let Some(rel) = models.relationships.get(&(owner, attr.attr.to_string())) else {
                continue;
            };
            let mut acc = Access {
                kind: "select",
                ..Access::default()
            };
            ctx.read_relationship(rel, &mut acc);
            if !acc.reads.is_empty() {
                found.push((attr.line, attr.scope.as_str(), acc));
            }
        }
        // Expired at commit (`expire_on_commit`, on by default): an attribute of a row read
        // after the scope's first `session.commit()` loads the row again (`g.user.name` in
        // the flash message after the commit). Once per scope and model.
        let mut first_commit: HashMap<&str, u32> = HashMap::default();
        for c in ids.iter().map(|&i| &calls[i]) {
            if last_segment(&c.callee) == "commit" && on_session(&c.callee) {
                let l = first_commit.entry(c.scope.as_str()).or_insert(c.line);
                *l = (*l).min(c.line);
            }
        }
        if !first_commit.is_empty() {
            let mut done: HashSet<(&str, (usize, usize))> = HashSet::default();
            for attr in attr_ids.iter().map(|&a| &attrs[a]) {
                let Some(&commit) = first_commit.get(attr.scope.as_str()) else {
                    continue;
                };
                if attr.line <= commit || attr.attr.starts_with('_') {
                    continue;
                }
                let Some(m) = ctx.instance_model(&attr.scope, &attr.base, &calls_at, 0) else {
                    continue;
                };
                let table = ctx.table(m);
                if table.is_empty() || !done.insert((attr.scope.as_str(), m)) {
                    continue;
                }
                let mut acc = Access {
                    kind: "select",
                    ..Access::default()
                };
                acc.reads.insert(table);
                found.push((attr.line, attr.scope.as_str(), acc));
            }
        }
    }
    found
}

/// SQLAlchemy-Continuum: a write of a versioned table also writes its `<table>_version` row
/// and the `transaction` row of the unit of work, at flush, on the code's behalf. The
/// `__versioned__` line is kept as a second evidence occurrence.
fn versioning_writes(models: &Models, acc: &mut Access) {
    let extra: Vec<(String, &Evidence)> = acc
        .writes
        .iter()
        .filter_map(|t| models.versioned.get(t).map(|at| (t.clone(), at)))
        .flat_map(|(t, at)| [(format!("{t}_version"), at), ("transaction".to_owned(), at)])
        .collect();
    for (t, at) in extra {
        // The version table is read too: its validity strategy closes the previous version
        // (`UPDATE ... WHERE transaction_id = (SELECT ...)`).
        if t.ends_with("_version") && acc.reads.insert(t.clone()) {
            acc.side.push((t.clone(), at.clone(), EdgeKind::Reads));
        }
        if acc.writes.insert(t.clone()) {
            acc.side.push((t, at.clone(), EdgeKind::Writes));
        }
    }
}

/// A read of a table whose model loads relationships eagerly reads their tables too, in the
/// same statement (a JOIN) or the one right after it (`selectin`).
fn eager_reads(models: &Models, acc: &mut Access) {
    if models.eager.is_empty() {
        return;
    }
    let extra: Vec<String> = acc
        .reads
        .iter()
        .filter_map(|t| models.eager.get(t))
        .flatten()
        .cloned()
        .collect();
    acc.reads.extend(extra);
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
    // The lines of the chain that leads to the access (the inherited method's, the helper's),
    // kept as further occurrences of each edge, read and write alike, and as the query's
    // chain with the function each line is in.
    let mut via: Vec<ViaStep> = Vec::with_capacity(acc.via.len());
    for &(vu, vline) in &acc.via {
        let vfile = ix.units[vu].file.rel.as_str();
        let step = ViaStep {
            function: ix.owner_at(vu, vline),
            file: vfile.to_owned(),
            line: vline,
        };
        if via.last() != Some(&step) {
            via.push(step);
        }
        for t in &acc.reads {
            b.edge(&site, &format!("table:{t}"), EdgeKind::Reads, vfile, vline);
        }
        for t in &acc.writes {
            b.edge(&site, &format!("table:{t}"), EdgeKind::Writes, vfile, vline);
        }
    }
    for (t, at, kind) in &acc.side {
        b.edge(&site, &format!("table:{t}"), *kind, &at.file, at.line);
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
        via,
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
    /// The calls between the inherited method and the method that makes the access
    /// (`create` → `create_no_commit`): (unit, line) of each, outermost first.
    path: Vec<(usize, u32)>,
    /// `getattr(self, attr)` over the names the mapper lists (a serializer): reads every
    /// relationship of the model (each is loaded when read), not the model's own table.
    reflective: bool,
}

/// Names through which code lists a model's mapped attributes, relationships included
/// (`inspect(cls).all_orm_descriptors`, `cls.__mapper__.relationships`, `mapper.attrs`).
const MAPPER_LISTINGS: &[&str] = &[
    "all_orm_descriptors",
    "relationships",
    "__mapper__",
    "attrs",
];

/// Whether code of class `(u, c)` or its repository ancestors lists the mapped attributes
/// (see [`MAPPER_LISTINGS`]): a `getattr(self, name)` there ranges over relationships too,
/// unlike one over `__table__.columns`.
fn lists_mapper_attributes(ix: &Index<'_>, u: usize, c: usize) -> bool {
    ix.lineage(u, c).into_iter().any(|(cu, cd)| {
        let qual = ix.units[cu].facts.defs[cd].qualname.as_str();
        let inside = |scope: &str| nested_in(scope, qual);
        let facts = &ix.units[cu].facts;
        facts.calls.iter().any(|c| {
            inside(&c.scope)
                && c.callee.split('.').any(|seg| {
                    MAPPER_LISTINGS.contains(&seg.trim_end_matches("()")) && seg != "attrs"
                })
        }) || facts.attrs.iter().any(|a| {
            inside(&a.scope)
                && MAPPER_LISTINGS.contains(&a.attr.as_str())
                && (a.attr != "attrs"
                    || a.base.ends_with("mapper")
                    || a.base.ends_with("__mapper__"))
        })
    })
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
    // (unit, def, the calls that lead to it).
    type Work = (usize, usize, Vec<(usize, u32)>);
    let mut work: Vec<Work> = vec![(u0, d0, Vec::new())];
    while let Some((u, d, path)) = work.pop() {
        let depth = path.len() as u32;
        if seen.contains(&(u, d)) || seen.len() >= TEMPLATE_METHODS {
            continue;
        }
        seen.push((u, d));
        let def = &ix.units[u].facts.defs[d];
        let is_static = is_decorated(def, "staticmethod");
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
            Expr::Name(n) => ix.assigns_in_scope(u, scope).any(|a| {
                a.targets.iter().any(|t| t == n)
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
            // `self.commit()`, `cls.create_no_commit(**kw)`: another method of the class, also
            // on a row the method builds (`instance = cls(**kw)`, `instance.save()`).
            if let Some((r, name)) = c.callee.split_once('.')
                && (r == me || built_by_me(&Expr::Name(r.into())))
                && !name.contains('.')
                && !name.contains('(')
                && depth < TEMPLATE_DEPTH
                && let Some(Value::Def(gu, gd)) = ix.class_member(u, class, name, 0)
                && ix.units[gu].facts.defs[gd].kind != DefKind::Class
                && class_of(ix, gu, gd).is_some_and(|gc| models.get((gu, gc)).is_none())
            {
                let mut deeper = path.clone();
                deeper.push((u, c.line));
                work.push((gu, gd, deeper));
                continue;
            }
            if receivers.contains(&i) {
                continue;
            }
            // `getattr(self, attr)` for every attribute the mapper lists: a serializer. On the
            // class (`getattr(cls, attr)` in a classmethod) it reads descriptors, not rows.
            if c.callee == "getattr"
                && c.args.len() >= 2
                && !is_decorated(def, "classmethod")
                && is_me(&c.args[0].value)
                && matches!(&c.args[1].value, Expr::Name(_))
                && lists_mapper_attributes(ix, u, class)
            {
                push(Template {
                    kind: "select",
                    write: false,
                    by_key: false,
                    unit: u,
                    line: c.line,
                    path: path.clone(),
                    reflective: true,
                });
                continue;
            }
            let links = chain(calls, i);
            let root = &calls[links[0]];
            let root_segs: Vec<&str> = root.callee.split('.').collect();
            let last = last_segment(&c.callee);
            let root_last = last_segment(&root.callee);
            let sessionish = on_session(&c.callee);
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
                    path: path.clone(),
                    reflective: false,
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
                && (root_last == "select" || root_last == "exists" || on_session(&root.callee))
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
                    path: path.clone(),
                    reflective: false,
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
                        path: path.clone(),
                        reflective: false,
                    });
                }
            }
        }
        // `self.hidden = True`, `self.count += 1` in the inherited method: an UPDATE of the
        // row it runs on (its constructor's are the INSERT's).
        if !def.qualname.ends_with("__init__")
            && let Some(a) = ix.assigns_in_scope(u, scope).find(|a| {
                matches!(a.kind, AssignKind::Plain | AssignKind::Augmented)
                    && a.targets.iter().any(|t| {
                        t.strip_prefix(me)
                            .and_then(|rest| rest.strip_prefix('.'))
                            .is_some_and(|attr| !attr.contains('.') && !attr.starts_with('_'))
                    })
            })
        {
            push(Template {
                kind: "update",
                write: true,
                by_key: false,
                unit: u,
                line: a.line,
                path: path.clone(),
                reflective: false,
            });
        }
    }
    out.sort_by(|a, b| (a.unit, a.line, a.kind, &a.path).cmp(&(b.unit, b.line, b.kind, &b.path)));
    out
}
