//! The repository-wide symbol index: which module each unit is, which names each scope binds
//! (defs, imports, assignments, parameters), and class attributes assigned through `self`.
//! Built once; every later resolution step only looks things up here.

use rayon::prelude::*;
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use seam_facts::python::{Assign, AssignKind, DefKind, Expr, Import, Name};

use crate::load::PythonUnit;

/// What a name is bound to in one scope.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Binding<'a> {
    Def(usize),
    Import(&'a Import),
    Assign(usize),
    /// Parameter `pos` of def `def`.
    Param {
        def: usize,
        pos: usize,
    },
}

/// One scope's bindings, sorted by name and exactly their length. Built once and only read
/// after: a hash map per scope keeps up to half of its slots empty, plus a control byte per
/// slot, and a large tree has a scope per def (332 k for 194 MB of source); a scope binds a
/// few names, found by binary search. Entries are 24 bytes (an interned name, a binding with
/// `u32` indices), where a `&str` and a `Binding` took 40.
#[derive(Debug, Default)]
pub(crate) struct Bindings<'a>(Box<[(Name, Packed<'a>)]>);

/// A [`Binding`] as a scope stores it: the same, with `u32` indices (a file's facts are
/// counted in `u32` everywhere: lines, receivers).
#[derive(Debug, Clone, Copy)]
enum Packed<'a> {
    Def(u32),
    Import(&'a Import),
    Assign(u32),
    Param { def: u32, pos: u32 },
}

impl<'a> Packed<'a> {
    fn pack(binding: Binding<'a>) -> Self {
        let n = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        match binding {
            Binding::Def(d) => Packed::Def(n(d)),
            Binding::Import(imp) => Packed::Import(imp),
            Binding::Assign(a) => Packed::Assign(n(a)),
            Binding::Param { def, pos } => Packed::Param {
                def: n(def),
                pos: n(pos),
            },
        }
    }

    fn unpack(self) -> Binding<'a> {
        match self {
            Packed::Def(d) => Binding::Def(d as usize),
            Packed::Import(imp) => Binding::Import(imp),
            Packed::Assign(a) => Binding::Assign(a as usize),
            Packed::Param { def, pos } => Binding::Param {
                def: def as usize,
                pos: pos as usize,
            },
        }
    }
}

impl<'a> Bindings<'a> {
    pub fn get(&self, name: &str) -> Option<Binding<'a>> {
        let i = self
            .0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()?;
        Some(self.0[i].1.unpack())
    }

    fn freeze(bindings: HashMap<Name, Binding<'a>>) -> Self {
        let mut sorted: Vec<_> = bindings
            .into_iter()
            .map(|(n, b)| (n, Packed::pack(b)))
            .collect();
        sorted.sort_unstable_by_key(|(n, _)| *n);
        Bindings(sorted.into_boxed_slice())
    }
}

/// Fact indices grouped by scope, each group in file order: one list of every index of the
/// unit, ordered by scope, and per scope where its group starts and how long it is (a boxed
/// slice per group was a heap block per scope and kind of fact: 1.3 M of them).
#[derive(Debug, Default)]
pub(crate) struct ByScope {
    groups: HashMap<Name, (u32, u32)>,
    ids: Box<[usize]>,
}

impl ByScope {
    /// The indices of the facts of `scope`, in file order.
    pub fn get(&self, scope: &str) -> Option<&[usize]> {
        let &(start, len) = self.groups.get(scope)?;
        let start = start as usize;
        self.ids.get(start..start + len as usize)
    }

    fn group(scopes: impl Iterator<Item = Name>) -> Self {
        let mut groups: HashMap<Name, Vec<usize>> = HashMap::default();
        for (i, scope) in scopes.enumerate() {
            groups.entry(scope).or_default().push(i);
        }
        let mut ids = Vec::with_capacity(groups.values().map(Vec::len).sum());
        let groups = groups
            .into_iter()
            .map(|(scope, group)| {
                let start = u32::try_from(ids.len()).unwrap_or(u32::MAX);
                let len = u32::try_from(group.len()).unwrap_or(u32::MAX);
                ids.extend(group);
                (scope, (start, len))
            })
            .collect();
        ByScope {
            groups,
            ids: ids.into_boxed_slice(),
        }
    }
}

/// Bindings of every scope of one unit.
#[derive(Debug, Default)]
pub(crate) struct UnitIndex<'a> {
    /// scope qualname → name → binding.
    pub scopes: HashMap<&'a str, Bindings<'a>>,
    /// qualname → def index.
    pub defs: HashMap<&'a str, usize>,
    /// `from m import *` at module level: the modules (as written, with level).
    pub star_imports: Vec<&'a Import>,
    /// class qualname → attribute → assign index (`self.x = ...` in its methods, class-body
    /// assignments).
    pub class_attrs: HashMap<&'a str, HashMap<&'a str, usize>>,
    /// (class qualname, attribute) → every `self.attr = ...` in the class's methods, in file
    /// order (an attribute set to `None` in `__init__` and to a row later).
    pub self_attrs: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// def qualname → its `return` statements (indices in `PyFile::returns`).
    pub returns: ByScope,
    /// scope qualname → the calls made in it (indices in `PyFile::calls`).
    pub calls_in: ByScope,
    /// (scope, container with `[]`) → the `store[k] = v` assignments into it, in source order.
    pub stores: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// scope qualname → its assignments and attribute reads (indices in `PyFile::assigns` and
    /// `PyFile::attrs`), for the passes that read one scope at a time (instantiations).
    pub assigns_in: ByScope,
    pub attrs_in: ByScope,
}

#[derive(Debug)]
pub(crate) struct Index<'a> {
    pub units: &'a [PythonUnit],
    pub by_module: HashMap<&'a str, usize>,
    /// Dotted prefixes of modules that have no file of their own (namespace packages).
    pub namespaces: HashSet<String>,
    /// For `src/`-style layouts: an import `app.x` finds module `src.app.x` through its suffix,
    /// when that suffix is unique.
    pub by_suffix: HashMap<String, Option<usize>>,
    pub units_index: Vec<UnitIndex<'a>>,
    /// Per unit, per def: what a call of it returns (see `returns.rs`); empty until
    /// [`Index::summarise_returns`] has run.
    pub returned: Vec<Vec<super::returns::Returned>>,
    /// Attributes set on Flask's request globals (`g.project = project`) → the assignments
    /// (unit, assign), in unit order; filled by [`Index::resolve_tables`].
    pub request_globals: HashMap<String, Vec<(usize, usize)>>,
    /// Class name → the repository's classes of that name: a type named in a docstring or an
    /// unimported string annotation (`:type db_token: Token`) is the class when unique.
    pub classes_by_name: HashMap<&'a str, Vec<(usize, usize)>>,
    /// Per unit, per def: a class's repository bases, resolved once (empty for a function);
    /// empty until [`Index::resolve_tables`] has run.
    pub class_bases: Vec<Vec<Vec<(usize, usize)>>>,
    /// Parameters a decorator passes a typed row for (see `injected.rs`); filled by
    /// [`Index::resolve_tables`].
    pub injected: super::injected::Injected,
    /// The class `current_user` stands for (see `auth_loaders::identity_class`); set after
    /// the return summaries.
    pub identity: Option<(usize, usize)>,
    /// Name resolutions that spent their work budget (`budget.rs`) and gave up.
    pub stopped: std::sync::atomic::AtomicU64,
}

impl<'a> Index<'a> {
    /// The call of `callee` in `scope` of unit `u` at `line`, or the first after it: a
    /// statement's calls start on its line, or below it when the statement opens a parenthesis
    /// (`query = (` then the chain; `session.scalars(` then the statement).
    pub(crate) fn call_from(
        &self,
        u: usize,
        scope: &str,
        callee: &str,
        line: u32,
    ) -> Option<usize> {
        let calls = &self.units[u].facts.calls;
        self.units_index[u]
            .calls_in
            .get(scope)?
            .iter()
            .copied()
            .filter(|&c| calls[c].callee == callee && calls[c].line >= line)
            .min_by_key(|&c| calls[c].line)
    }

    /// The assignments made in `scope` of unit `u` (a class body, a function), in source order.
    pub fn assigns_in_scope(&self, u: usize, scope: &str) -> impl Iterator<Item = &'a Assign> + '_ {
        let assigns = &self.units[u].facts.assigns;
        self.units_index[u]
            .assigns_in
            .get(scope)
            .into_iter()
            .flatten()
            .map(move |&a| &assigns[a])
    }

    pub fn build(units: &'a [PythonUnit]) -> Self {
        let mut by_module = HashMap::default();
        let mut namespaces = HashSet::default();
        let mut by_suffix: HashMap<String, Option<usize>> = HashMap::default();
        for (u, unit) in units.iter().enumerate() {
            let module = unit.facts.module.as_str();
            by_module.entry(module).or_insert(u);
            let parts: Vec<&str> = module.split('.').collect();
            for end in 1..parts.len() {
                namespaces.insert(parts[..end].join("."));
            }
            for start in 1..parts.len() {
                let suffix = parts[start..].join(".");
                by_suffix
                    .entry(suffix)
                    .and_modify(|e| *e = None)
                    .or_insert(Some(u));
            }
        }
        namespaces.retain(|n| !by_module.contains_key(n.as_str()));
        let units_index = units.par_iter().map(index_unit).collect();
        let mut classes_by_name: HashMap<&str, Vec<(usize, usize)>> = HashMap::default();
        for (u, unit) in units.iter().enumerate() {
            // Application classes only: a test's or a migration's `Token` is not the model.
            if crate::discover::Tag::outside_application(&unit.file.tags) {
                continue;
            }
            for (d, def) in unit.facts.defs.iter().enumerate() {
                if def.kind == DefKind::Class {
                    let name = def.qualname.rsplit('.').next().unwrap_or(&def.qualname);
                    classes_by_name.entry(name).or_default().push((u, d));
                }
            }
        }
        Self {
            units,
            by_module,
            namespaces,
            by_suffix,
            units_index,
            returned: Vec::new(),
            request_globals: HashMap::default(),
            classes_by_name,
            class_bases: Vec::new(),
            injected: Default::default(),
            identity: None,
            stopped: Default::default(),
        }
    }

    /// A module of the repository by dotted name, trying the `src/`-layout suffix map last.
    pub fn module(&self, name: &str) -> Option<usize> {
        self.by_module
            .get(name)
            .copied()
            .or_else(|| self.by_suffix.get(name).copied().flatten())
    }

    pub fn is_namespace(&self, name: &str) -> bool {
        self.namespaces.contains(name)
    }
}

/// Whether a def carries the bare decorator `@name` (`staticmethod`, `classmethod`).
pub(crate) fn is_decorated(def: &seam_facts::python::Def, name: &str) -> bool {
    def.decorators
        .iter()
        .any(|e| matches!(e, Expr::Name(n) if n == name))
}

/// Whether `scope` is a def nested in the def or class `qual` (`Class.method`,
/// `outer.<inner>`), not `qual` itself.
pub(crate) fn nested_in(scope: &str, qual: &str) -> bool {
    scope
        .strip_prefix(qual)
        .is_some_and(|rest| rest.starts_with('.'))
}

/// The scope that encloses a def: its qualname without the last segment.
pub(crate) fn parent_scope(qualname: &str) -> &str {
    qualname.rsplit_once('.').map_or("", |(p, _)| p)
}

/// Whether `assign` gives `name` a default from itself: `name = name or x`,
/// `name = x if name is None else name`.
fn fills_default(assign: &seam_facts::python::Assign, name: &str) -> bool {
    assign.kind == AssignKind::Plain
        && matches!(&assign.value, Expr::Either(alts)
            if alts.iter().any(|e| matches!(e, Expr::Name(n) if n == name)))
}

fn index_unit(unit: &PythonUnit) -> UnitIndex<'_> {
    let f = &unit.facts;
    let mut ix = UnitIndex::default();
    let mut scopes: HashMap<&str, HashMap<Name, Binding<'_>>> = HashMap::default();
    for (d, def) in f.defs.iter().enumerate() {
        ix.defs.entry(def.qualname.as_str()).or_insert(d);
    }
    for (d, def) in f.defs.iter().enumerate() {
        let name = def.qualname.rsplit('.').next().unwrap_or(&def.qualname);
        scopes
            .entry(parent_scope(&def.qualname))
            .or_default()
            .entry(Name::from(name))
            .or_insert(Binding::Def(d));
        let params = scopes.entry(def.qualname.as_str()).or_default();
        for (pos, p) in def.params.iter().enumerate() {
            params.insert(p.name, Binding::Param { def: d, pos });
        }
    }
    for imp in &f.imports {
        let bound = match (&imp.name, &imp.alias) {
            (_, Some(alias)) => *alias,
            (Some(name), None) if name == "*" => {
                if imp.scope.is_empty() {
                    ix.star_imports.push(imp);
                }
                continue;
            }
            (Some(name), None) => *name,
            (None, None) => match imp.module.split_once('.') {
                Some((first, _)) => Name::from(first),
                None => imp.module,
            },
        };
        scopes
            .entry(imp.scope.as_str())
            .or_default()
            .insert(bound, Binding::Import(imp));
    }
    ix.returns = ByScope::group(f.returns.iter().map(|r| r.scope));
    ix.calls_in = ByScope::group(f.calls.iter().map(|c| c.scope));
    ix.assigns_in = ByScope::group(f.assigns.iter().map(|a| a.scope));
    ix.attrs_in = ByScope::group(f.attrs.iter().map(|a| a.scope));
    for (a, assign) in f.assigns.iter().enumerate() {
        // `x.n += 1` binds nothing.
        if assign.kind == AssignKind::Augmented {
            continue;
        }
        // `store[k] = v` binds no name: what a container holds is read where it is indexed.
        if assign.kind == AssignKind::Store {
            ix.stores
                .entry((assign.scope.as_str(), assign.targets[0].as_str()))
                .or_default()
                .push(a);
            continue;
        }
        for target in &assign.targets {
            if let Some(attr) = target.strip_prefix("self.") {
                if attr.contains('.') {
                    continue;
                }
                // `self.x = ...` inside a method of class C.
                let method = assign.scope.as_str();
                let class = parent_scope(method);
                let is_method = ix
                    .defs
                    .get(method)
                    .is_some_and(|&d| f.defs[d].kind == DefKind::Method);
                if is_method {
                    ix.self_attrs.entry((class, attr)).or_default().push(a);
                    ix.class_attrs
                        .entry(class)
                        .or_default()
                        .entry(attr)
                        .or_insert(a);
                }
                continue;
            }
            if target.contains('.') {
                continue;
            }
            let scope = scopes.entry(assign.scope.as_str()).or_default();
            let informative = assign.kind == AssignKind::Plain
                && !matches!(assign.value, Expr::Other | Expr::Const(_));
            match scope.get(target) {
                // Keep the most informative binding: `bp = None` then `bp = Blueprint(...)`.
                Some(Binding::Assign(prev))
                    if informative
                        && matches!(f.assigns[*prev].value, Expr::Other | Expr::Const(_)) =>
                {
                    scope.insert(*target, Binding::Assign(a));
                }
                // `user = user or g.user`: a parameter given its default in the body holds
                // what the assignment says (the default's type, when the caller's is unknown).
                Some(Binding::Param { .. }) if fills_default(assign, target) => {
                    scope.insert(*target, Binding::Assign(a));
                }
                Some(_) => {}
                None => {
                    scope.insert(*target, Binding::Assign(a));
                }
            }
            let is_class_body = ix
                .defs
                .get(assign.scope.as_str())
                .is_some_and(|&d| f.defs[d].kind == DefKind::Class);
            if is_class_body {
                ix.class_attrs
                    .entry(assign.scope.as_str())
                    .or_default()
                    .entry(target.as_str())
                    .or_insert(a);
            }
        }
    }
    ix.scopes = scopes
        .into_iter()
        .map(|(scope, bindings)| (scope, Bindings::freeze(bindings)))
        .collect();
    ix
}
