//! Arguments a decorator injects: a wrapper that loads a row and calls the function it wraps
//! with it (`return f(*args, project=project, **kwargs)` after
//! `project = Project.query.get(...)`) types that parameter of every function it decorates,
//! which declares it bare (`def delete(self, project)`). Decorators are read as
//! [`decorators::applied`] reads them (on the def, a factory's, a class's `__call__`,
//! Flask-RESTful's `method_decorators`).
//!
//! Why: handlers of such apps receive their aggregate from the decorator, so without this
//! every `db.session.delete(project)` in them has no table.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

use seam_facts::python::{DefKind, Expr};

use super::decorators;
use super::index::{Index, parent_scope};
use super::names::Value;

/// (unit, def, parameter position) → the class the decorator passes for it.
pub type Injected = HashMap<(usize, usize, usize), (usize, usize)>;

/// Every decorator that injects a typed keyword, and the parameters it types on the defs it
/// decorates. Built from `ix` as it resolves before the table is filled, so the result does
/// not depend on the order it is computed in.
pub fn injected_params(ix: &Index<'_>) -> Injected {
    // Decorator def → keyword → class.
    let mut injects: BTreeMap<(usize, usize), BTreeMap<String, (usize, usize)>> = BTreeMap::new();
    for (u, unit) in ix.units.iter().enumerate() {
        let defs = &unit.facts.defs;
        for call in &unit.facts.calls {
            if !call
                .args
                .iter()
                .any(|a| a.keyword.as_deref().is_some_and(|k| k != "*" && k != "**"))
            {
                continue;
            }
            // The call is made in a wrapper nested in the def whose parameter it calls.
            let Some(outer) = calling_parameter(ix, u, &call.scope, &call.callee) else {
                continue;
            };
            // The decorator as code names it: the outermost def of the nest (a factory's).
            let mut top = outer;
            while let Some(p) = ix.units_index[u]
                .def(parent_scope(&defs[top].qualname))
                .filter(|&p| defs[p].kind != DefKind::Class)
            {
                top = p;
            }
            for a in &call.args {
                let Some(k) = a.keyword.as_deref().filter(|k| *k != "*" && *k != "**") else {
                    continue;
                };
                let Expr::Name(n) = &a.value else { continue };
                let typed = match ix.resolve(u, &call.scope, n) {
                    Value::Var(vu, va) => ix.var_type(vu, va, 0),
                    v => v,
                };
                if let Value::Instance(cu, cd) = typed {
                    injects
                        .entry((u, top))
                        .or_default()
                        .insert(k.to_owned(), (cu, cd));
                }
            }
        }
    }
    let mut out = Injected::default();
    if injects.is_empty() {
        return out;
    }
    for (u, unit) in ix.units.iter().enumerate() {
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind == DefKind::Class {
                continue;
            }
            for (x, _) in decorators::applied(ix, u, d) {
                let Some(kw) = injects.get(&x) else { continue };
                for (pos, p) in def.params.iter().enumerate() {
                    if p.star == 0
                        && p.annotation.is_none()
                        && let Some(&class) = kw.get(p.name.as_str())
                    {
                        out.insert((u, d, pos), class);
                    }
                }
            }
        }
    }
    out
}

/// The def a call `callee` in `scope` is made from when `callee` is a parameter of a def
/// enclosing `scope` (not `scope` itself: a wrapper calls the function it closes over).
fn calling_parameter(ix: &Index<'_>, u: usize, scope: &str, callee: &str) -> Option<usize> {
    if callee.contains(['.', '(']) {
        return None;
    }
    let defs = &ix.units[u].facts.defs;
    let mut current = parent_scope(scope);
    while !current.is_empty() {
        let d = ix.units_index[u].def(current)?;
        if defs[d].kind == DefKind::Class {
            return None;
        }
        if defs[d]
            .params
            .iter()
            .any(|p| p.name == callee && p.star == 0)
        {
            return Some(d);
        }
        current = parent_scope(current);
    }
    None
}
