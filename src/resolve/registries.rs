//! Callback registries of the repository's own: a function that keeps the function it is
//! given in a collection (`store["call_on_teardown"].append(func)`, `HANDLERS[name] = fn`,
//! `self._hooks.append(hook)`), and code elsewhere that calls what the collection holds
//! (`for func in store["call_on_teardown"]: func()`, `HANDLERS[name](event)`). The call graph
//! has the registration (`register_finalizer(_flush_metric_buffer)`) and the loop, but not the
//! call the loop makes, so what a registered callback reads and writes is reached by no caller
//! of the code that runs the registry (a teardown hook flushing buffered metrics).
//!
//! A collection is named by where its root comes from and the path after the root: a local
//! made by a call (`store = get_request_local_store()`: the def called), a module or class
//! variable, or the class of `self`; then `[]` for a subscript and `.attr` for attributes.
//! Two defs that both write `store = get_request_local_store()` and use `store[...]` name the
//! same collection. Each def passed to a registering function (by a call, or as the function
//! a decorator registers) gets a `calls` edge from every def that calls the collection's
//! elements, with the registering line and the calling line as evidence; registrations in
//! tests, migrations and scripts are left out.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use seam_facts::python::{AssignKind, DefKind, Expr};

use super::builder::Builder;
use super::dotted::{last_segment, receiver_of};
use super::index::{Index, parent_scope};
use super::names::Value;
use crate::discover::Tag;

/// Where a collection's root comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Root {
    /// A local made by a call of this def (`store = get_store()`).
    MadeBy(usize, usize),
    /// A module or class variable (unit, assign).
    Var(usize, usize),
    /// `self` / `cls` in a method of this class.
    Class(usize, usize),
}

/// A collection: its root and the path after it (`[]`, `._hooks`).
type Collection = (Root, String);

/// A def of the repository: (unit, def).
type DefAt = (usize, usize);

/// What one def keeps: (parameter position, parameter name, the collection it goes into).
type Kept = Vec<(usize, String, Collection)>;

/// Per registering def, what it keeps.
type Registrars = BTreeMap<DefAt, Kept>;

/// Methods that put their argument into a collection.
const ADDERS: &[&str] = &["append", "add", "insert", "appendleft", "extend"];

/// Methods whose result is a collection's elements (`hooks.values()`, `hooks.copy()`).
const VIEWS: &[&str] = &["values", "copy"];

/// Builtins that iterate the collection they are given (`list(hooks)`, `sorted(hooks)`).
const ITERATING: &[&str] = &["list", "tuple", "sorted", "reversed", "set"];

/// `targets`: every call's callee, resolved once (per unit, in call order).
pub(crate) fn resolve_registries(ix: &Index<'_>, targets: &super::names::Targets, b: &mut Builder) {
    let registrars = registrars(ix);
    if registrars.is_empty() {
        return;
    }
    let callers = element_callers(ix);
    // (dispatcher, callback) → evidence: registration sites and the dispatcher's calling line.
    let mut edges: BTreeMap<(DefAt, DefAt), BTreeSet<(usize, u32)>> = BTreeMap::new();
    for (callback, (ru, line), collection) in registrations(ix, targets, &registrars) {
        for &(du, dd, dline) in callers.get(&collection).into_iter().flatten() {
            if (du, dd) == callback {
                continue;
            }
            let at = edges.entry(((du, dd), callback)).or_default();
            at.insert((ru, line));
            at.insert((du, dline));
        }
    }
    for (((du, dd), (fu, fd)), evidence) in edges {
        let (from, to) = (ix.symbol_id(du, dd), ix.symbol_id(fu, fd));
        let mut evidence = evidence.into_iter();
        if let Some((u, line)) = evidence.next() {
            b.implicit_call(&from, &to, &ix.units[u].file.rel, line);
        }
        for (u, line) in evidence {
            b.edge(
                &from,
                &to,
                crate::analysis::EdgeKind::Calls,
                &ix.units[u].file.rel,
                line,
            );
        }
    }
}

/// The collection `dotted` (as written in `scope` of unit `u`) names, when its root is one
/// that other defs can name too.
fn collection(ix: &Index<'_>, u: usize, scope: &str, dotted: &str) -> Option<Collection> {
    let cut = dotted.find(['.', '[']).unwrap_or(dotted.len());
    let (root, path) = dotted.split_at(cut);
    if root.is_empty() {
        return None;
    }
    if root == "self" || root == "cls" {
        let class_scope = parent_scope(scope);
        let d = ix.def_of_scope(u, class_scope)?;
        return (ix.units[u].facts.defs[d].kind == DefKind::Class)
            .then(|| (Root::Class(u, d), path.to_owned()));
    }
    if let Some(callee) = root.strip_suffix("()") {
        return match ix.resolve(u, scope, callee) {
            Value::Def(su, sd) => Some((Root::MadeBy(su, sd), path.to_owned())),
            _ => None,
        };
    }
    // A local made by a call in this scope: the def called names it.
    let made = ix
        .assigns_in_scope(u, scope)
        .find_map(|a| match (&a.value, &a.targets[..]) {
            (Expr::Call { callee, .. }, [t]) if a.kind == AssignKind::Plain && t == root => {
                Some(callee)
            }
            _ => None,
        });
    if let Some(callee) = made {
        return match ix.resolve(u, scope, callee) {
            Value::Def(su, sd) => Some((Root::MadeBy(su, sd), path.to_owned())),
            _ => None,
        };
    }
    // A module or class variable.
    match ix.resolve(u, scope, root) {
        Value::Var(vu, va) => {
            let a = &ix.units[vu].facts.assigns[va];
            let in_def = ix
                .def_of_scope(vu, &a.scope)
                .is_some_and(|d| ix.units[vu].facts.defs[d].kind != DefKind::Class);
            (!in_def).then(|| (Root::Var(vu, va), path.to_owned()))
        }
        _ => None,
    }
}

/// Functions that keep a parameter in a collection: def → (parameter position, name, the
/// collection).
fn registrars(ix: &Index<'_>) -> Registrars {
    let per_unit = ix.units.par_iter().enumerate().map(|(u, unit)| {
        let mut out: Vec<(DefAt, Kept)> = Vec::new();
        let f = &unit.facts;
        for (d, def) in f.defs.iter().enumerate() {
            if def.kind == DefKind::Class {
                continue;
            }
            let skip = usize::from(def.kind == DefKind::Method);
            let param = |name: &str| {
                def.params
                    .iter()
                    .enumerate()
                    .skip(skip)
                    .find(|(_, p)| p.star == 0 && p.name == name)
                    .map(|(i, _)| i - skip)
            };
            let mut found: Kept = Vec::new();
            for c in ix.units_index[u].calls_in(def.qualname.as_str()) {
                let call = &f.calls[c];
                if !ADDERS.contains(&last_segment(&call.callee)) {
                    continue;
                }
                let Some(receiver) = receiver_of(&call.callee) else {
                    continue;
                };
                for a in call.args.iter().filter(|a| a.keyword.is_none()) {
                    let Expr::Name(n) = &a.value else { continue };
                    if let Some(pos) = param(n)
                        && let Some(coll) = collection(ix, u, &def.qualname, receiver)
                    {
                        found.push((pos, n.to_string(), coll));
                    }
                }
            }
            for a in ix.assigns_in_scope(u, &def.qualname) {
                let (AssignKind::Store, [target], Expr::Name(n)) =
                    (a.kind, &a.targets[..], &a.value)
                else {
                    continue;
                };
                if let (Some(pos), Some(held)) = (param(n), target.strip_suffix("[]"))
                    && let Some(coll) = collection(ix, u, &def.qualname, held)
                {
                    found.push((pos, n.to_string(), coll));
                }
            }
            if !found.is_empty() {
                found.sort();
                found.dedup();
                out.push(((u, d), found));
            }
        }
        out
    });
    per_unit.flatten_iter().collect()
}

/// Every def that calls the elements of a collection, with the calling line: a loop over the
/// collection calling its target (`for func in hooks: func()`), or a call of an element
/// picked by key (`HANDLERS[name](event)`).
fn element_callers(ix: &Index<'_>) -> BTreeMap<Collection, Vec<(usize, usize, u32)>> {
    let per_unit: Vec<(Collection, (usize, usize, u32))> = ix
        .units
        .par_iter()
        .enumerate()
        .flat_map_iter(|(u, unit)| {
            let mut out = Vec::new();
            let f = &unit.facts;
            for (d, def) in f.defs.iter().enumerate() {
                if def.kind == DefKind::Class {
                    continue;
                }
                let scope = def.qualname.as_str();
                let calls: Vec<&seam_facts::python::Call> = ix.units_index[u]
                    .calls_in(scope)
                    .map(|c| &f.calls[c])
                    .collect();
                let mut found: BTreeSet<(Collection, u32)> = BTreeSet::new();
                for a in ix.assigns_in_scope(u, scope) {
                    let (AssignKind::ForTarget, [target]) = (a.kind, &a.targets[..]) else {
                        continue;
                    };
                    let Some(call) = calls
                        .iter()
                        .find(|c| c.callee == *target && c.line >= a.line)
                    else {
                        continue;
                    };
                    if let Some(coll) =
                        iterated(&a.value).and_then(|held| collection(ix, u, scope, &held))
                    {
                        found.insert((coll, call.line));
                    }
                }
                for call in &calls {
                    if let Some(held) = call.callee.strip_suffix("[]")
                        && let Some(coll) = collection(ix, u, scope, held)
                    {
                        found.insert((coll, call.line));
                    }
                }
                for (coll, line) in found {
                    out.push((coll, (u, d, line)));
                }
            }
            out
        })
        .collect();
    let mut out: BTreeMap<Collection, Vec<(usize, usize, u32)>> = BTreeMap::new();
    for (coll, at) in per_unit {
        out.entry(coll).or_default().push(at);
    }
    out
}

/// The collection a `for` loop takes its elements from, as a dotted name: `hooks`,
/// `store[]` for `store["k"]` and `store.get("k", [])`, `hooks` for `hooks.values()` and
/// `list(hooks)`.
fn iterated(value: &Expr) -> Option<String> {
    match value {
        Expr::Name(n) => Some(n.to_string()),
        Expr::Subscript { value, .. } => Some(format!("{value}[]")),
        Expr::Call { callee, args, .. } => {
            if ITERATING.contains(&callee.as_str()) {
                return args.first().and_then(|a| iterated(&a.value));
            }
            let held = receiver_of(callee)?;
            match last_segment(callee) {
                // `store.get("k", [])`: the list kept under a key, as `store["k"]`.
                "get" => Some(format!("{held}[]")),
                m if VIEWS.contains(&m) => Some(held.to_owned()),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Each repository def handed to a registrar: (callback, (unit, line) of the registration,
/// the collection it goes into). By a call (`register_finalizer(flush)`, positional or by
/// keyword) or as the def a registering decorator is applied to (`@register`).
fn registrations(
    ix: &Index<'_>,
    targets: &super::names::Targets,
    registrars: &Registrars,
) -> Vec<(DefAt, (usize, u32), Collection)> {
    ix.units
        .par_iter()
        .enumerate()
        .flat_map_iter(|(u, unit)| {
            let mut out = Vec::new();
            if Tag::outside_application(&unit.file.tags) {
                return out;
            }
            let f = &unit.facts;
            for (c, call) in f.calls.iter().enumerate() {
                let Some(Value::Def(ru, rd)) = targets.get(u, c) else {
                    continue;
                };
                let Some(kept) = registrars.get(&(ru, rd)) else {
                    continue;
                };
                for (pos, name, coll) in kept {
                    let arg = call
                        .args
                        .iter()
                        .find(|a| a.keyword.as_deref() == Some(name.as_str()))
                        .or_else(|| {
                            let positional: Vec<_> = call
                                .args
                                .iter()
                                .take_while(|a| a.keyword.is_none())
                                .collect();
                            positional.get(*pos).copied()
                        });
                    let Some(Expr::Name(n)) = arg.map(|a| &a.value) else {
                        continue;
                    };
                    if let Value::Def(fu, fd) = ix.resolve(u, &call.scope, n)
                        && ix.units[fu].facts.defs[fd].kind != DefKind::Class
                    {
                        out.push(((fu, fd), (u, call.line), coll.clone()));
                    }
                }
            }
            for (d, def) in f.defs.iter().enumerate() {
                if def.kind == DefKind::Class {
                    continue;
                }
                for e in &def.decorators {
                    let Expr::Name(n) = e else { continue };
                    let Value::Def(ru, rd) = ix.resolve(u, parent_scope(&def.qualname), n) else {
                        continue;
                    };
                    for (pos, _, coll) in registrars.get(&(ru, rd)).into_iter().flatten() {
                        if *pos == 0 {
                            out.push(((u, d), (u, def.line), coll.clone()));
                        }
                    }
                }
            }
            out
        })
        .collect()
}
