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
/// few names, found by binary search. Entries are 16 bytes (an interned name, a binding of
/// 8 bytes), where a `&str` and a `Binding` took 40 (1.6 M bindings on the 194 MB tree).
#[derive(Debug, Default)]
pub(crate) struct Bindings(Box<[(Name, Packed)]>);

/// A [`Binding`] as a scope stores it: `u32` indices (a file's facts are counted in `u32`
/// everywhere: lines, receivers), an import by its index in the unit's imports.
#[derive(Debug, Clone, Copy)]
enum Packed {
    Def(u32),
    Import(u32),
    Assign(u32),
    Param { def: u32, pos: u16 },
}

impl Packed {
    /// `None` for what 8 bytes cannot say (a parameter past the 65,535th), left unbound.
    fn pack(binding: Binding<'_>, imports: &[Import]) -> Option<Self> {
        let n = |i: usize| u32::try_from(i).ok();
        Some(match binding {
            Binding::Def(d) => Packed::Def(n(d)?),
            Binding::Import(imp) => {
                // The import's index, from its address in the unit's list.
                let offset = (imp as *const Import as usize)
                    .checked_sub(imports.as_ptr() as usize)?
                    / std::mem::size_of::<Import>().max(1);
                Packed::Import(n(offset).filter(|&i| (i as usize) < imports.len())?)
            }
            Binding::Assign(a) => Packed::Assign(n(a)?),
            Binding::Param { def, pos } => Packed::Param {
                def: n(def)?,
                pos: u16::try_from(pos).ok()?,
            },
        })
    }

    fn unpack(self, imports: &[Import]) -> Option<Binding<'_>> {
        Some(match self {
            Packed::Def(d) => Binding::Def(d as usize),
            Packed::Import(i) => Binding::Import(imports.get(i as usize)?),
            Packed::Assign(a) => Binding::Assign(a as usize),
            Packed::Param { def, pos } => Binding::Param {
                def: def as usize,
                pos: usize::from(pos),
            },
        })
    }
}

impl Bindings {
    /// What `name` is bound to, its import read from the unit's `imports`.
    fn get<'a>(&self, name: &str, imports: &'a [Import]) -> Option<Binding<'a>> {
        let i = self
            .0
            .binary_search_by(|(n, _)| n.as_str().cmp(name))
            .ok()?;
        self.0[i].1.unpack(imports)
    }

    fn freeze(bindings: HashMap<Name, Binding<'_>>, imports: &[Import]) -> Self {
        let mut sorted: Vec<_> = bindings
            .into_iter()
            .filter_map(|(n, b)| Some((n, Packed::pack(b, imports)?)))
            .collect();
        sorted.sort_unstable_by_key(|(n, _)| *n);
        Bindings(sorted.into_boxed_slice())
    }
}

/// Fact indices of one kind (calls, assignments...) grouped by scope number, each group in
/// file order, as runs of consecutive indices: a function's facts are consecutive but for
/// its nested defs', so a scope has a run or a few, where a list of every index took 8 bytes
/// per fact (4.4 M facts on the 194 MB tree).
#[derive(Debug, Default)]
pub(crate) struct ByScope {
    /// Per scope number, where its runs start in `runs`; one more entry than scopes.
    starts: Box<[u32]>,
    /// `start..end` of fact indices.
    runs: Box<[(u32, u32)]>,
}

impl ByScope {
    /// The indices of the facts of scope number `no`, in file order.
    fn get(&self, no: Option<u32>) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        let runs = no
            .and_then(|n| {
                let n = n as usize;
                let (start, end) = (*self.starts.get(n)?, *self.starts.get(n + 1)?);
                self.runs.get(start as usize..end as usize)
            })
            .unwrap_or_default();
        runs.iter().flat_map(|&(s, e)| s as usize..e as usize)
    }

    /// Groups facts given the scope number of each, in file order.
    fn group(scopes: usize, of_facts: impl Iterator<Item = u32>) -> Self {
        // The runs in file order (scope, start, end), then sorted stably by scope.
        let mut runs: Vec<(u32, u32, u32)> = Vec::new();
        for (i, no) in of_facts.enumerate() {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match runs.last_mut() {
                Some((last, _, end)) if *last == no && *end == i => *end = i + 1,
                _ => runs.push((no, i, i + 1)),
            }
        }
        runs.sort_by_key(|&(no, ..)| no);
        let mut starts = vec![0u32; scopes + 1];
        for &(no, ..) in &runs {
            starts[no as usize + 1] += 1;
        }
        for n in 0..scopes {
            starts[n + 1] += starts[n];
        }
        ByScope {
            starts: starts.into_boxed_slice(),
            runs: runs.into_iter().map(|(_, s, e)| (s, e)).collect(),
        }
    }
}

/// Marks a scope that names no def in [`UnitIndex`]'s per-scope defs.
const NO_DEF: u32 = u32::MAX;

/// Bindings of every scope of one unit. Everything kept per scope is in lists indexed by
/// the scope's number, from one map (scope → number): a map per kind of fact took a slot per
/// scope each (340 k scopes on the 194 MB tree).
#[derive(Debug, Default)]
pub(crate) struct UnitIndex<'a> {
    /// scope qualname → its number.
    numbers: HashMap<Name, u32>,
    /// By scope number: name → binding.
    bindings: Box<[Bindings]>,
    /// The unit's imports, which bindings name by index.
    imports: &'a [Import],
    /// By scope number: the def of that qualname (the first one), or [`NO_DEF`].
    defs: Box<[u32]>,
    /// `from m import *` at module level: the modules (as written, with level).
    pub star_imports: Vec<&'a Import>,
    /// class qualname → attribute → assign index (`self.x = ...` in its methods, class-body
    /// assignments).
    pub class_attrs: HashMap<&'a str, HashMap<&'a str, usize>>,
    /// (class qualname, attribute) → every `self.attr = ...` in the class's methods, in file
    /// order (an attribute set to `None` in `__init__` and to a row later).
    pub self_attrs: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// (scope, container with `[]`) → the `store[k] = v` assignments into it, in source order.
    pub stores: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// By scope: its `return` statements (indices in `PyFile::returns`), calls, assignments
    /// and attribute reads (for the passes that read one scope at a time).
    returns: ByScope,
    calls: ByScope,
    assigns: ByScope,
    attrs: ByScope,
}

impl<'a> UnitIndex<'a> {
    fn number(&self, scope: &str) -> Option<u32> {
        self.numbers.get(scope).copied()
    }

    /// What `name` is bound to in `scope`.
    pub fn binding(&self, scope: &str, name: &str) -> Option<Binding<'a>> {
        self.bindings
            .get(self.number(scope)? as usize)?
            .get(name, self.imports)
    }

    /// The def a scope qualname names (the first def of that qualname).
    pub fn def(&self, scope: &str) -> Option<usize> {
        let d = *self.defs.get(self.number(scope)? as usize)?;
        (d != NO_DEF).then_some(d as usize)
    }

    /// The `return` statements of def `scope` (indices in `PyFile::returns`), in file order.
    pub fn returns_in(&self, scope: &str) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        self.returns.get(self.number(scope))
    }

    /// The calls made in `scope` (indices in `PyFile::calls`), in file order.
    pub fn calls_in(&self, scope: &str) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        self.calls.get(self.number(scope))
    }

    /// The assignments made in `scope` (indices in `PyFile::assigns`), in file order.
    pub fn assigns_in(&self, scope: &str) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        self.assigns.get(self.number(scope))
    }

    /// The attribute reads in `scope` (indices in `PyFile::attrs`), in file order.
    pub fn attrs_in(&self, scope: &str) -> impl DoubleEndedIterator<Item = usize> + Clone + '_ {
        self.attrs.get(self.number(scope))
    }
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
            .calls_in(scope)
            .filter(|&c| calls[c].callee == callee && calls[c].line >= line)
            .min_by_key(|&c| calls[c].line)
    }

    /// The assignments made in `scope` of unit `u` (a class body, a function), in source order.
    pub fn assigns_in_scope(&self, u: usize, scope: &str) -> impl Iterator<Item = &'a Assign> + '_ {
        let assigns = &self.units[u].facts.assigns;
        self.units_index[u]
            .assigns_in(scope)
            .map(move |a| &assigns[a])
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

    /// Frees what only the resolution passes read (the bindings, the fact groups, the return
    /// summaries, the class bases...), keeping the units, their def maps and the budget count:
    /// all that reading the nodes (`FromFacts::read`) looks up. On a large tree this is a
    /// quarter of the memory then in use, and the nodes are read in the room it leaves.
    pub fn keep_only_defs(&mut self) {
        for unit in &mut self.units_index {
            *unit = UnitIndex {
                numbers: std::mem::take(&mut unit.numbers),
                defs: std::mem::take(&mut unit.defs),
                ..UnitIndex::default()
            };
        }
        self.by_module = HashMap::default();
        self.namespaces = HashSet::default();
        self.by_suffix = HashMap::default();
        self.returned = Vec::new();
        self.request_globals = HashMap::default();
        self.classes_by_name = HashMap::default();
        self.class_bases = Vec::new();
        self.injected = Default::default();
        self.identity = None;
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
    let mut defs: HashMap<&str, usize> = HashMap::default();
    for (d, def) in f.defs.iter().enumerate() {
        defs.entry(def.qualname.as_str()).or_insert(d);
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
                let is_method = defs
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
            let is_class_body = defs
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
    // Every scope gets a number: the module, each def, each scope that binds a name or
    // holds a fact.
    let scope_names = std::iter::once(Name::default())
        .chain(f.defs.iter().map(|d| d.qualname))
        .chain(scopes.keys().map(|&s| Name::from(s)))
        .chain(f.returns.iter().map(|r| r.scope))
        .chain(f.calls.iter().map(|c| c.scope))
        .chain(f.assigns.iter().map(|a| a.scope))
        .chain(f.attrs.iter().map(|a| a.scope));
    for scope in scope_names {
        let next = u32::try_from(ix.numbers.len()).unwrap_or(u32::MAX);
        ix.numbers.entry(scope).or_insert(next);
    }
    let count = ix.numbers.len();
    let number = |scope: &str| ix.numbers.get(scope).copied().unwrap_or(u32::MAX);
    let mut per_scope_defs = vec![NO_DEF; count];
    for (scope, d) in defs {
        per_scope_defs[number(scope) as usize] = u32::try_from(d).unwrap_or(NO_DEF);
    }
    let mut bindings: Vec<Bindings> = std::iter::repeat_with(Bindings::default)
        .take(count)
        .collect();
    for (scope, names) in scopes {
        bindings[number(scope) as usize] = Bindings::freeze(names, &f.imports);
    }
    ix.returns = ByScope::group(count, f.returns.iter().map(|r| number(&r.scope)));
    ix.calls = ByScope::group(count, f.calls.iter().map(|c| number(&c.scope)));
    ix.assigns = ByScope::group(count, f.assigns.iter().map(|a| number(&a.scope)));
    ix.attrs = ByScope::group(count, f.attrs.iter().map(|a| number(&a.scope)));
    ix.defs = per_scope_defs.into_boxed_slice();
    ix.bindings = bindings.into_boxed_slice();
    ix.imports = &f.imports;
    ix
}
