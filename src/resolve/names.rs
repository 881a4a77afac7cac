//! Name resolution: what a dotted name means in a given scope of a given unit. Follows Python's
//! rules where they can be followed statically (local → enclosing functions → module → star
//! imports → builtins; class bodies are not enclosing scopes for their methods), imports and
//! re-exports across the repository, `self`/`cls`, annotated parameters, constructor results
//! and `self.x = Cls()` attributes. Everything else is reported for what it is: external,
//! builtin, dynamic, or unresolved — never guessed.

use rayon::prelude::*;
use seam_facts::python::{AssignKind, DefKind, Expr, Import, Name};

use super::index::{Binding, Index, is_decorated, parent_scope};
use super::returns::Returned;

/// How many classes a class's lineage is followed through (cycles and huge hierarchies).
const LINEAGE_MAX: usize = 32;
/// How far chains of aliases, re-exports and assignments are followed (guards cycles).
pub(crate) const MAX_HOPS: u32 = 12;

/// werkzeug's `LocalProxy` method that returns the proxied object itself
/// (`g.user = current_user._get_current_object()`).
const LOCAL_PROXY_UNWRAP: &str = "_get_current_object";

/// What a name denotes. Its texts are interned names: every call's callee is resolved to a
/// value once and held until resolution ends (1.9 M on the 194 MB tree), most of them
/// external.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    Module(usize),
    /// A package directory without `__init__.py`.
    Namespace(Name),
    /// A class or function of the repository: (unit, def).
    Def(usize, usize),
    /// An instance of a repository class.
    Instance(usize, usize),
    /// A variable whose type is not known but whose identity is (a blueprint, `db`, a
    /// constant): (unit, assign).
    Var(usize, usize),
    /// A name from outside the repository, dotted in full (`requests.get`).
    External(Name),
    Builtin(Name),
    /// Something untyped: a parameter, an attribute of an unknown value.
    Dynamic,
    /// A root name bound nowhere.
    Unknown(Name),
}

/// Every call's callee, resolved once before the passes (calls, ORM, registries and routes
/// all read it): per unit, in call order. Held packed, with `u32` indices (16 bytes a value,
/// where a [`Value`] takes 24: 1.9 M of them on the 194 MB tree).
#[derive(Debug, Default)]
pub(crate) struct Targets(Vec<Box<[Packed]>>);

/// A [`Value`] as [`Targets`] holds it (a file's facts and the files are counted in `u32`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Packed {
    Module(u32),
    Namespace(Name),
    Def(u32, u32),
    Instance(u32, u32),
    Var(u32, u32),
    External(Name),
    Builtin(Name),
    Dynamic,
    Unknown(Name),
}

impl Packed {
    pub fn pack(v: Value) -> Self {
        let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        match v {
            Value::Module(m) => Packed::Module(n(m)),
            Value::Namespace(x) => Packed::Namespace(x),
            Value::Def(u, d) => Packed::Def(n(u), n(d)),
            Value::Instance(u, d) => Packed::Instance(n(u), n(d)),
            Value::Var(u, a) => Packed::Var(n(u), n(a)),
            Value::External(x) => Packed::External(x),
            Value::Builtin(x) => Packed::Builtin(x),
            Value::Dynamic => Packed::Dynamic,
            Value::Unknown(x) => Packed::Unknown(x),
        }
    }

    fn unpack(self) -> Value {
        match self {
            Packed::Module(m) => Value::Module(m as usize),
            Packed::Namespace(x) => Value::Namespace(x),
            Packed::Def(u, d) => Value::Def(u as usize, d as usize),
            Packed::Instance(u, d) => Value::Instance(u as usize, d as usize),
            Packed::Var(u, a) => Value::Var(u as usize, a as usize),
            Packed::External(x) => Value::External(x),
            Packed::Builtin(x) => Value::Builtin(x),
            Packed::Dynamic => Value::Dynamic,
            Packed::Unknown(x) => Value::Unknown(x),
        }
    }
}

impl Targets {
    pub fn new(per_unit: Vec<Box<[Packed]>>) -> Self {
        Targets(per_unit)
    }

    /// The callee of call `c` of unit `u` (`Dynamic` for a call the list does not have).
    pub fn at(&self, u: usize, c: usize) -> Value {
        self.get(u, c).unwrap_or(Value::Dynamic)
    }

    pub fn get(&self, u: usize, c: usize) -> Option<Value> {
        self.0.get(u)?.get(c).map(|p| p.unpack())
    }

    /// The callees of unit `u`'s calls.
    pub fn unit(&self, u: usize) -> UnitTargets<'_> {
        UnitTargets(self.0.get(u).map_or(&[], |b| &b[..]))
    }
}

/// One unit's callees (see [`Targets`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct UnitTargets<'t>(&'t [Packed]);

impl UnitTargets<'_> {
    pub fn get(&self, c: usize) -> Option<Value> {
        self.0.get(c).map(|p| p.unpack())
    }
}

/// Python's builtins and the common exceptions: calls to them are neither repository calls nor
/// unresolved.
const BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "__import__",
    "unicode",
    "long",
    "xrange",
    "basestring",
    "unichr",
    "reduce",
    "file",
    "raw_input",
    "execfile",
    "intern",
    "cmp",
    "buffer",
    "NotImplemented",
    "Ellipsis",
    "__name__",
    "__file__",
    "__doc__",
    "__class__",
    "exit",
    "quit",
    "copyright",
    "credits",
    "license",
];

pub(crate) fn is_builtin(name: &str) -> bool {
    BUILTINS.contains(&name)
        || (name.ends_with("Error") || name.ends_with("Exception") || name.ends_with("Warning"))
            && name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        || matches!(
            name,
            "StopIteration"
                | "KeyboardInterrupt"
                | "SystemExit"
                | "GeneratorExit"
                | "StopAsyncIteration"
        )
}

/// One segment of a dotted chain: the name and how many calls / subscripts follow it.
fn segments(dotted: &str) -> impl Iterator<Item = (&str, Vec<char>)> {
    dotted.split('.').map(|seg| {
        let base_end = seg.find(['(', '[']).unwrap_or(seg.len());
        let ops: Vec<char> = seg[base_end..]
            .chars()
            .filter(|c| matches!(c, '(' | '['))
            .collect();
        (&seg[..base_end], ops)
    })
}

impl<'a> Index<'a> {
    /// Resolve a dotted name (`a.b().c`) as seen from `scope` in unit `u`.
    pub fn resolve(&self, u: usize, scope: &str, dotted: &str) -> Value {
        self.resolve_hops(u, scope, dotted, 0)
    }

    pub(crate) fn resolve_hops(&self, u: usize, scope: &str, dotted: &str, hops: u32) -> Value {
        self.resolve_rooted(u, scope, dotted, None, hops)
    }

    /// Resolve `dotted` with its first name bound to `root` (a parameter instantiated with
    /// the model a caller passes, `self` bound to the subclass a call comes from).
    pub(crate) fn resolve_rooted(
        &self,
        u: usize,
        scope: &str,
        dotted: &str,
        root: Option<&Value>,
        hops: u32,
    ) -> Value {
        // Every recursion among the resolvers passes through here: one step of the budget.
        let Some(_step) = super::budget::Step::enter(&self.stopped) else {
            return Value::Dynamic;
        };
        let mut value: Option<Value> = None;
        for (i, (name, ops)) in segments(dotted).enumerate() {
            // The value a method is looked up on: what its call binds `self`/`cls` to (kept only
            // for a segment that is called: this loop is the hottest path of resolution).
            let mut recv = if ops.contains(&'(') {
                value.clone()
            } else {
                None
            };
            let mut v = if i == 0 {
                if let Some(r) = root {
                    r.clone()
                } else if name == "super" && ops.first() == Some(&'(') {
                    self.super_of(u, scope)
                } else {
                    self.lookup(u, scope, name, hops)
                }
            } else if name == LOCAL_PROXY_UNWRAP && ops.first() == Some(&'(') {
                // `current_user._get_current_object()`: the object the proxy stands for.
                match value.take() {
                    Some(prev) => self.unproxied(prev),
                    None => Value::Dynamic,
                }
            } else {
                match value.take() {
                    Some(prev) => self.member(prev, name, hops),
                    None => Value::Dynamic,
                }
            };
            let skip_first_call = (i == 0 && name == "super" && root.is_none())
                || (i > 0 && name == LOCAL_PROXY_UNWRAP);
            for (k, op) in ops.iter().enumerate() {
                if skip_first_call && k == 0 {
                    continue;
                }
                v = match op {
                    '(' => self.call_result_on(v, recv.take(), hops),
                    _ => match v {
                        Value::External(e) => Value::External(e),
                        Value::Unknown(n) => Value::Unknown(n),
                        _ => Value::Dynamic,
                    },
                };
            }
            value = Some(v);
        }
        value.unwrap_or(Value::Dynamic)
    }

    /// The tables resolution derives once, before the passes that ask for them again and
    /// again: every class's repository bases ([`Index::class_bases`]) and what Flask's request
    /// globals are set to ([`Index::request_globals`]).
    pub fn resolve_tables(&mut self) {
        // Every class's repository bases, once: lineage walks, member lookups and `self.attr`
        // typing ask for them again and again. Each is resolved with the cache still empty, so
        // the table does not depend on the order it is filled in.
        let bases: Vec<Vec<Vec<(usize, usize)>>> = (0..self.units.len())
            .into_par_iter()
            .map(|u| {
                self.units[u]
                    .facts
                    .defs
                    .iter()
                    .enumerate()
                    .map(|(d, def)| {
                        if def.kind == DefKind::Class {
                            self.resolve_bases(u, d, 0)
                        } else {
                            Vec::new()
                        }
                    })
                    .collect()
            })
            .collect();
        self.class_bases = bases;
        // `g.project = project`, `request.User = User(...)` anywhere (a `before_request` hook):
        // what `g.project`, `request.User` hold in any handler.
        let mut globals: std::collections::BTreeMap<String, Vec<(usize, usize)>> =
            std::collections::BTreeMap::new();
        for (u, unit) in self.units.iter().enumerate() {
            for (a, assign) in unit.facts.assigns.iter().enumerate() {
                if assign.kind != AssignKind::Plain {
                    continue;
                }
                for t in &assign.targets {
                    // `g.project = ...` and `flask.g.project = ...` alike.
                    if let Some((base, attr)) = t.rsplit_once('.')
                        && !base.starts_with("self")
                        && !base.contains('(')
                        && let Value::External(e) = self.resolve(u, &assign.scope, base)
                        && super::returns::REQUEST_OBJECTS.contains(&e.as_str())
                    {
                        globals
                            .entry(format!("{e}.{attr}"))
                            .or_default()
                            .push((u, a));
                    }
                }
            }
        }
        self.request_globals = globals.into_iter().collect();
        self.injected = super::injected::injected_params(self);
    }

    /// What a werkzeug `LocalProxy` stands for: the user loader's row for `current_user`,
    /// anything else unchanged (seam already reads a proxy as the object it proxies).
    fn unproxied(&self, v: Value) -> Value {
        match (&v, self.identity) {
            (Value::External(e), Some((cu, cd)))
                if super::auth_loaders::IDENTITY_PROXIES.contains(&e.as_str()) =>
            {
                Value::Instance(cu, cd)
            }
            _ => v,
        }
    }

    /// A bare name in a scope, by Python's scoping rules.
    pub fn lookup(&self, u: usize, scope: &str, name: &str, hops: u32) -> Value {
        let ix = &self.units_index[u];
        let defs = &self.units[u].facts.defs;
        let mut current = scope;
        let mut first = true;
        loop {
            let is_class_scope = ix
                .def(current)
                .is_some_and(|d| defs[d].kind == DefKind::Class);
            // A class body's names are visible in the class body only, not in its methods.
            if (first || !is_class_scope)
                && let Some(binding) = ix.binding(current, name)
            {
                return self.binding_value(u, binding, hops);
            }
            if current.is_empty() {
                break;
            }
            first = false;
            current = parent_scope(current);
        }
        for imp in &ix.star_imports {
            if let Some(m) = self.import_base(u, imp).and_then(|b| self.module(&b))
                && hops < MAX_HOPS
                && let Some(b) = self.units_index[m].binding("", name)
            {
                return self.binding_value(m, b, hops + 1);
            }
        }
        if is_builtin(name) {
            return Value::Builtin(name.into());
        }
        Value::Unknown(name.into())
    }

    fn binding_value(&self, u: usize, binding: Binding<'a>, hops: u32) -> Value {
        let facts = &self.units[u].facts;
        match binding {
            Binding::Def(d) => Value::Def(u, d),
            Binding::Import(imp) => self.import_value(u, imp, hops),
            Binding::Assign(a) => Value::Var(u, a),
            Binding::Param { def, pos } => {
                let d = &facts.defs[def];
                let param = &d.params[pos];
                let class = (d.kind == DefKind::Method)
                    .then(|| self.units_index[u].def(parent_scope(&d.qualname)))
                    .flatten();
                let is_static = is_decorated(d, "staticmethod");
                let is_classmethod = is_decorated(d, "classmethod");
                match class {
                    Some(c) if pos == 0 && !is_static && param.star == 0 => {
                        if is_classmethod || param.name == "cls" {
                            Value::Def(u, c)
                        } else {
                            Value::Instance(u, c)
                        }
                    }
                    _ => match &param.annotation {
                        Some(t) if hops < MAX_HOPS => {
                            match self.resolve_hops(u, parent_scope(&d.qualname), t, hops + 1) {
                                Value::Def(cu, cd)
                                    if self.units[cu].facts.defs[cd].kind == DefKind::Class =>
                                {
                                    Value::Instance(cu, cd)
                                }
                                Value::Unknown(_) => match self.unique_class(t) {
                                    Some((cu, cd)) => Value::Instance(cu, cd),
                                    None => Value::Dynamic,
                                },
                                _ => Value::Dynamic,
                            }
                        }
                        // `def delete(self, project)` under a decorator that passes it.
                        None => match self.injected.get(&(u, def, pos)) {
                            Some(&(cu, cd)) => Value::Instance(cu, cd),
                            None => Value::Dynamic,
                        },
                        _ => Value::Dynamic,
                    },
                }
            }
        }
    }

    /// The repository's only class named `name` (a plain name the scope does not bind, as in
    /// a docstring's `:type x: Token` or a string annotation imported only for type checking).
    pub fn unique_class(&self, name: &str) -> Option<(usize, usize)> {
        if name.contains('.') {
            return None;
        }
        match self.classes_by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Some(*one),
            _ => None,
        }
    }

    /// The absolute module an import statement starts from.
    pub fn import_base(&self, u: usize, imp: &Import) -> Option<String> {
        if imp.level == 0 {
            return Some(imp.module.to_string());
        }
        let unit = &self.units[u].facts;
        let mut parts: Vec<&str> = unit.module.split('.').collect();
        if !unit.is_package {
            parts.pop();
        }
        for _ in 1..imp.level {
            parts.pop()?;
        }
        if !imp.module.is_empty() {
            parts.push(&imp.module);
        }
        Some(parts.join("."))
    }

    fn import_value(&self, u: usize, imp: &Import, hops: u32) -> Value {
        let Some(base) = self.import_base(u, imp) else {
            return Value::Unknown(imp.module);
        };
        match &imp.name {
            None => {
                // `import a.b.c` binds `a` (or the alias to `a.b.c`).
                let target = if imp.alias.is_some() {
                    base.clone()
                } else {
                    base.split('.').next().unwrap_or(&base).to_owned()
                };
                self.module_value(&target)
                    .unwrap_or(Value::External(target.into()))
            }
            Some(name) => {
                let full = if base.is_empty() {
                    name.to_string()
                } else {
                    format!("{base}.{name}")
                };
                if let Some(m) = self.module(&base)
                    && hops < MAX_HOPS
                    && let Some(b) = self.package_binding(m, name)
                {
                    return self.binding_value(m, b, hops + 1);
                }
                if let Some(v) = self.module(&full).map(Value::Module) {
                    return v;
                }
                match self.module_value(&base) {
                    Some(Value::Module(m)) if hops < MAX_HOPS => {
                        self.member_of_module(m, name, hops + 1)
                    }
                    Some(Value::Namespace(_)) => Value::Unknown(full.into()),
                    Some(_) | None if imp.level > 0 => Value::Unknown(full.into()),
                    _ => Value::External(full.into()),
                }
            }
        }
    }

    fn module_value(&self, name: &str) -> Option<Value> {
        if let Some(m) = self.module(name) {
            return Some(Value::Module(m));
        }
        self.is_namespace(name)
            .then(|| Value::Namespace(name.into()))
    }

    /// What a package's `__init__` binds to `name`, when that binding is not the import of
    /// its own submodule `name`. Python reads `from pkg import db` as the package's attribute
    /// first: after `from .db import db` in `pkg/__init__.py` that is the variable, not the
    /// submodule `pkg.db` (Flask apps do this with their `SQLAlchemy()` instance).
    fn package_binding(&self, m: usize, name: &str) -> Option<Binding<'a>> {
        let facts = &self.units[m].facts;
        if !facts.is_package {
            return None;
        }
        let binding = self.units_index[m].binding("", name)?;
        if let Binding::Import(imp) = binding {
            let base = self.import_base(m, imp)?;
            let submodule = match &imp.name {
                Some(n) => format!("{base}.{n}"),
                None => base,
            };
            if submodule == format!("{}.{name}", facts.module) {
                return None;
            }
        }
        Some(binding)
    }

    fn member_of_module(&self, m: usize, name: &str, hops: u32) -> Value {
        let module = &self.units[m].facts.module;
        if hops < MAX_HOPS
            && let Some(b) = self.package_binding(m, name)
        {
            return self.binding_value(m, b, hops + 1);
        }
        if let Some(sub) = self.module(&format!("{module}.{name}")) {
            return Value::Module(sub);
        }
        match self.units_index[m].binding("", name) {
            Some(b) => self.binding_value(m, b, hops),
            None => {
                for imp in &self.units_index[m].star_imports {
                    if let Some(sm) = self.import_base(m, imp).and_then(|b| self.module(&b))
                        && sm != m
                        && hops < MAX_HOPS
                    {
                        let v = self.member_of_module(sm, name, hops + 1);
                        if !matches!(v, Value::Unknown(_)) {
                            return v;
                        }
                    }
                }
                Value::Unknown(format!("{module}.{name}").into())
            }
        }
    }

    /// `value.name`.
    pub fn member(&self, value: Value, name: &str, hops: u32) -> Value {
        if hops >= MAX_HOPS {
            return Value::Dynamic;
        }
        match value {
            Value::Module(m) => self.member_of_module(m, name, hops + 1),
            Value::Namespace(ns) => {
                let full = format!("{ns}.{name}");
                self.module_value(&full)
                    .unwrap_or(Value::Unknown(full.into()))
            }
            Value::Def(u, d) => match self.units[u].facts.defs[d].kind {
                DefKind::Class => self
                    .class_member(u, d, name, hops)
                    .or_else(|| {
                        (name == "query")
                            .then(|| self.query_class(u, d, hops))
                            .flatten()
                    })
                    .unwrap_or(Value::Dynamic),
                _ => Value::Dynamic,
            },
            Value::Instance(u, d) => match self.class_member(u, d, name, hops) {
                Some(v) => v,
                None => self
                    .attribute_type(u, d, name, hops)
                    .unwrap_or(Value::Dynamic),
            },
            Value::Var(u, a) => {
                let typed = self.var_type(u, a, hops + 1);
                match typed {
                    Value::Var(..) | Value::Dynamic => Value::Dynamic,
                    other => self.member(other, name, hops + 1),
                }
            }
            Value::External(e) => {
                if super::returns::REQUEST_OBJECTS.contains(&e.as_str())
                    && let Some(v) = self.request_global(&format!("{e}.{name}"), hops)
                {
                    return v;
                }
                // `current_user.lastseen`: an attribute of the row the user loader returns.
                if let Some((cu, cd)) = self.identity
                    && super::auth_loaders::IDENTITY_PROXIES.contains(&e.as_str())
                {
                    return self.member(Value::Instance(cu, cd), name, hops + 1);
                }
                Value::External(format!("{e}.{name}").into())
            }
            Value::Builtin(_) | Value::Dynamic => Value::Dynamic,
            Value::Unknown(n) => Value::Unknown(n),
        }
    }

    /// `g.name`: the type of the first assignment `g.name = ...` in the repository that has
    /// one (a `before_request` hook that loads the project every handler then uses).
    fn request_global(&self, name: &str, hops: u32) -> Option<Value> {
        self.request_globals.get(name)?.iter().find_map(|&(u, a)| {
            match self.var_type(u, a, hops + 1) {
                v @ Value::Instance(..) => Some(v),
                _ => None,
            }
        })
    }

    /// Flask-SQLAlchemy's `query_class = BillQuery` on a model (or an ancestor): `Bill.query` is
    /// an instance of that class, so `Bill.query.get(project, id)` calls `BillQuery.get`.
    pub(crate) fn query_class(&self, u: usize, d: usize, hops: u32) -> Option<Value> {
        self.lineage(u, d).into_iter().find_map(|(cu, cd)| {
            let qual = self.units[cu].facts.defs[cd].qualname.as_str();
            let a = super::models::class_attr(self, cu, cd, "query_class")?;
            let Expr::Name(n) = &a.value else { return None };
            match self.resolve_hops(cu, qual, n, hops + 1) {
                Value::Def(qu, qd) if self.units[qu].facts.defs[qd].kind == DefKind::Class => {
                    Some(Value::Instance(qu, qd))
                }
                _ => None,
            }
        })
    }

    /// A method or nested class of a class or of its repository bases (breadth first).
    pub fn class_member(&self, u: usize, d: usize, name: &str, hops: u32) -> Option<Value> {
        let mut queue = vec![(u, d)];
        let mut seen = Vec::new();
        while let Some((cu, cd)) = queue.first().copied() {
            queue.remove(0);
            if seen.contains(&(cu, cd)) || seen.len() > 32 {
                continue;
            }
            seen.push((cu, cd));
            let class_qual = self.units[cu].facts.defs[cd].qualname.as_str();
            let qual = format!("{class_qual}.{name}");
            if let Some(m) = self.units_index[cu].def(qual.as_str()) {
                return Some(Value::Def(cu, m));
            }
            // `get = by_id` in the class body: an alias of another method of the class.
            if let Some(super::index::Binding::Assign(a)) =
                self.units_index[cu].binding(class_qual, name)
                && let Expr::Name(target) = &self.units[cu].facts.assigns[a].value
                && !target.contains('.')
                && let Some(m) = self.units_index[cu].def(format!("{class_qual}.{target}").as_str())
            {
                return Some(Value::Def(cu, m));
            }
            if hops < MAX_HOPS {
                queue.extend(self.repo_bases(cu, cd, hops + 1));
            }
        }
        None
    }

    /// A class and its repository ancestors, nearest first along each base (depth-first, the
    /// order Python's lookup starts with), each once, at most [`LINEAGE_MAX`] classes.
    pub fn lineage(&self, u: usize, d: usize) -> Vec<(usize, usize)> {
        let mut stack = vec![(u, d)];
        let mut seen = Vec::new();
        while let Some(c) = stack.pop() {
            if seen.contains(&c) || seen.len() > LINEAGE_MAX {
                continue;
            }
            seen.push(c);
            stack.extend(self.repo_bases(c.0, c.1, 0));
        }
        seen
    }

    /// Repository classes among the bases of a class.
    pub fn repo_bases(&self, u: usize, d: usize, hops: u32) -> Vec<(usize, usize)> {
        if let Some(bases) = self.class_bases.get(u).and_then(|b| b.get(d)) {
            return bases.clone();
        }
        self.resolve_bases(u, d, hops)
    }

    /// [`Index::repo_bases`] resolved (before [`Index::resolve_tables`] caches them all).
    pub(crate) fn resolve_bases(&self, u: usize, d: usize, hops: u32) -> Vec<(usize, usize)> {
        let def = &self.units[u].facts.defs[d];
        let scope = parent_scope(&def.qualname);
        def.bases
            .iter()
            .filter_map(|b| match b {
                Expr::Name(n) => Some(n.as_str()),
                Expr::Call { callee, .. } => Some(callee.as_str()),
                _ => None,
            })
            .filter_map(|n| match self.resolve_hops(u, scope, n, hops) {
                Value::Def(bu, bd)
                    if self.units[bu].facts.defs[bd].kind == DefKind::Class
                        && (bu, bd) != (u, d) =>
                {
                    Some((bu, bd))
                }
                _ => None,
            })
            .collect()
    }

    /// The dotted names of all bases of a class and its repository bases, as resolved values.
    pub fn all_bases(&self, u: usize, d: usize) -> Vec<Value> {
        let mut out = Vec::new();
        let mut queue = vec![(u, d)];
        let mut seen = Vec::new();
        while let Some((cu, cd)) = queue.pop() {
            if seen.contains(&(cu, cd)) || seen.len() > 32 {
                continue;
            }
            seen.push((cu, cd));
            let def = &self.units[cu].facts.defs[cd];
            let scope = parent_scope(&def.qualname);
            for b in &def.bases {
                let name = match b {
                    Expr::Name(n) => n.as_str(),
                    Expr::Call { callee, .. } => callee.as_str(),
                    _ => continue,
                };
                let v = self.resolve(cu, scope, name);
                if let Value::Def(bu, bd) = v
                    && self.units[bu].facts.defs[bd].kind == DefKind::Class
                {
                    queue.push((bu, bd));
                }
                out.push(v);
            }
        }
        out
    }

    /// The type of `self.name` from assignments in the class's methods or body, or those of
    /// its repository ancestors (nearest first): the first assignment whose value has a type.
    /// `self.model = model` in an ancestor's `__init__` takes the argument a subclass's
    /// `__init__` passes (`Base.__init__(self, Budget)`, `super().__init__(Budget)`).
    fn attribute_type(&self, u: usize, d: usize, name: &str, hops: u32) -> Option<Value> {
        if hops >= MAX_HOPS {
            return None;
        }
        let lineage = self.lineage(u, d);
        for (i, &(cu, cd)) in lineage.iter().enumerate() {
            let qual = self.units[cu].facts.defs[cd].qualname.as_str();
            let ui = &self.units_index[cu];
            let mut candidates: Vec<usize> = Vec::new();
            if let Some(&a) = ui.class_attrs.get(qual).and_then(|m| m.get(name)) {
                candidates.push(a);
            }
            for &a in ui.self_attrs.get(&(qual, name)).into_iter().flatten() {
                if !candidates.contains(&a) {
                    candidates.push(a);
                }
            }
            for a in candidates {
                let assign = &self.units[cu].facts.assigns[a];
                if let Expr::Name(p) = &assign.value
                    && let Some(v) =
                        self.constructor_argument(&lineage[..i], cu, &assign.scope, p, hops + 1)
                {
                    return Some(v);
                }
                // `self.instance = self.get_model_or_404(id)` in an ancestor's method: `self` is
                // an instance of the class asked about, not of the ancestor.
                if let Expr::Call { callee, .. } = &assign.value
                    && callee.starts_with("self.")
                    && (cu, cd) != (u, d)
                    && let v @ Value::Instance(..) = self.resolve_rooted(
                        cu,
                        &assign.scope,
                        &format!("{callee}()"),
                        Some(&Value::Instance(u, d)),
                        hops + 1,
                    )
                {
                    return Some(v);
                }
                match self.var_type(cu, a, hops + 1) {
                    Value::Var(..) | Value::Dynamic => continue,
                    v => return Some(v),
                }
            }
        }
        None
    }

    /// The value subclasses (`below`) pass for parameter `param` of the `__init__` whose
    /// scope is `init` (unit `lu`): a class or an instance, at the first such call.
    fn constructor_argument(
        &self,
        below: &[(usize, usize)],
        lu: usize,
        init: &str,
        param: &str,
        hops: u32,
    ) -> Option<Value> {
        if !init.ends_with(".__init__") || hops >= MAX_HOPS {
            return None;
        }
        let id = self.def_of_scope(lu, init)?;
        let k = self.units[lu].facts.defs[id]
            .params
            .iter()
            .position(|p| p.name == param && p.star == 0)?;
        for &(su, sd) in below {
            let scope = format!("{}.__init__", self.units[su].facts.defs[sd].qualname);
            let calls = &self.units[su].facts.calls;
            for c in self.units_index[su].calls_in(scope.as_str()) {
                let call = &calls[c];
                if !call.callee.ends_with("__init__")
                    || self.resolve_hops(su, &scope, &call.callee, hops + 1) != Value::Def(lu, id)
                {
                    continue;
                }
                // `Base.__init__(self, x)` passes `self` itself; `super().__init__(x)` does not.
                let pos = if call.callee.starts_with("super") {
                    k.checked_sub(1)?
                } else {
                    k
                };
                let arg = call
                    .args
                    .iter()
                    .find(|a| a.keyword.as_deref() == Some(param))
                    .or_else(|| call.args.iter().filter(|a| a.keyword.is_none()).nth(pos));
                if let Some(Expr::Name(n)) = arg.map(|a| &a.value)
                    && let v @ (Value::Def(..) | Value::Instance(..)) =
                        self.resolve_hops(su, &scope, n, hops + 1)
                {
                    return Some(v);
                }
            }
        }
        None
    }

    /// What a call of `value` returns, as far as is known.
    pub fn call_result(&self, value: Value, hops: u32) -> Value {
        self.call_result_on(value, None, hops)
    }

    /// What a call of `value` looked up on `recv` returns: a class gives an instance, a
    /// repository function or method its summary (`returns.rs`) on that receiver.
    pub fn call_result_on(&self, value: Value, recv: Option<Value>, hops: u32) -> Value {
        match value {
            Value::Def(u, d) if self.units[u].facts.defs[d].kind != DefKind::Class => {
                match self.instantiate(u, d, recv.map(Returned::Value), &[], hops) {
                    Returned::Value(v) => v,
                    _ => Value::Dynamic,
                }
            }
            Value::Def(u, d) if self.units[u].facts.defs[d].kind == DefKind::Class => {
                Value::Instance(u, d)
            }
            Value::External(e) => Value::External(e),
            Value::Unknown(n) => Value::Unknown(n),
            Value::Var(u, a) if hops < MAX_HOPS => match self.var_type(u, a, hops + 1) {
                v @ Value::Def(..) => self.call_result(v, hops + 1),
                _ => Value::Dynamic,
            },
            _ => Value::Dynamic,
        }
    }

    /// The type of a variable: its annotation, or what its value evaluates to (a constructor
    /// call gives an instance; an alias gives what it names). A variable whose type is unknown
    /// is returned as itself.
    pub fn var_type(&self, u: usize, a: usize, hops: u32) -> Value {
        if hops >= MAX_HOPS {
            return Value::Dynamic;
        }
        let assign = &self.units[u].facts.assigns[a];
        // `for t in get_tokens(...)`: each element has the type of the rows the call returns.
        let element = assign.kind == AssignKind::ForTarget
            && assign.targets.len() == 1
            && matches!(assign.value, Expr::Call { .. } | Expr::Name(_));
        if assign.kind != AssignKind::Plain && !element {
            return Value::Var(u, a);
        }
        if let Some(t) = &assign.annotation
            && let Value::Def(cu, cd) = self.resolve_hops(u, &assign.scope, t, hops + 1)
            && self.units[cu].facts.defs[cd].kind == DefKind::Class
        {
            return Value::Instance(cu, cd);
        }
        self.value_type(u, a, &assign.value, hops)
    }

    /// The type of `value`, the value (or one alternative of the value) assignment `a`
    /// gives: [`Value::Var`] of the assignment when it is not known.
    fn value_type(&self, u: usize, a: usize, value: &Expr, hops: u32) -> Value {
        let assign = &self.units[u].facts.assigns[a];
        match value {
            Expr::Name(n) => match self.resolve_hops(u, &assign.scope, n, hops + 1) {
                v @ (Value::Module(_)
                | Value::Def(..)
                | Value::Instance(..)
                | Value::External(_)
                | Value::Namespace(_)) => v,
                Value::Var(vu, va) if (vu, va) != (u, a) => self.var_type(vu, va, hops + 1),
                _ => Value::Var(u, a),
            },
            Expr::Call { callee, args } => {
                match self.resolve_hops(u, &assign.scope, &format!("{callee}()"), hops + 1) {
                    v @ Value::Instance(..) => v,
                    // `db.session.scalars(stmt).first()` is an external call whose value is a
                    // row of the statement's model.
                    other => {
                        match self.call_value(u, &assign.scope, callee, args, assign.line, hops + 1)
                        {
                            v @ Value::Instance(..) => v,
                            _ => match other {
                                v @ Value::External(_) => v,
                                _ => Value::Var(u, a),
                            },
                        }
                    }
                }
            }
            // `user = user or g.user`: the first alternative whose type is a row.
            Expr::Either(alternatives) => alternatives
                .iter()
                .map(|alt| self.value_type(u, a, alt, hops + 1))
                .find(|v| matches!(v, Value::Instance(..)))
                .unwrap_or(Value::Var(u, a)),
            _ => Value::Var(u, a),
        }
    }

    /// `super()` inside a method: an instance of the first repository base of its class.
    fn super_of(&self, u: usize, scope: &str) -> Value {
        let mut current = scope;
        while !current.is_empty() {
            if let Some(d) = self.units_index[u].def(current)
                && self.units[u].facts.defs[d].kind == DefKind::Class
            {
                return match self.repo_bases(u, d, 1).first() {
                    Some(&(bu, bd)) => Value::Instance(bu, bd),
                    None => Value::Builtin("super".into()),
                };
            }
            current = parent_scope(current);
        }
        Value::Builtin("super".into())
    }

    /// The symbol id of a def.
    pub fn symbol_id(&self, u: usize, d: usize) -> String {
        let f = &self.units[u].facts;
        seam_facts::ids::symbol_id(&f.module, &f.defs[d].qualname)
    }

    /// The def a scope qualname names, if any.
    pub fn def_of_scope(&self, u: usize, scope: &str) -> Option<usize> {
        self.units_index[u].def(scope)
    }

    /// The id of the node that owns line `line` of unit `u`: the innermost def around it, or
    /// the module (for a line of an access chain, where only the line is kept).
    pub fn owner_at(&self, u: usize, line: u32) -> String {
        let defs = &self.units[u].facts.defs;
        match (0..defs.len())
            .filter(|&d| defs[d].line <= line && line <= defs[d].end_line)
            .max_by_key(|&d| (defs[d].line, d))
        {
            Some(d) => self.symbol_id(u, d),
            None => self.units[u].facts.module.to_string(),
        }
    }

    /// The id of the node that owns code in `scope` of unit `u`: the def, or the module.
    pub fn owner_id(&self, u: usize, scope: &str) -> String {
        match self.def_of_scope(u, scope) {
            Some(d) => self.symbol_id(u, d),
            None => self.units[u].facts.module.to_string(),
        }
    }
}
