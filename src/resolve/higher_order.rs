//! Functions handed to the repository's own higher-order code, which calls them: a decorator
//! factory given a policy check (`@prepolicy(check_max_tokens, request)`, whose wrapper runs
//! `self.function(...)`), a helper given a callback (`retry(send_mail, 3)` calling `fn()`).
//! The call graph has the call of the higher-order callable, not the call it makes through its
//! parameter, so what the callback reads and writes would be reached by no handler. This pass
//! adds a `calls` edge from the code that passes a repository function to that function, at
//! the passing call, when the callee calls the parameter it receives it as: directly or in a
//! def nested in it (`fn(...)`), or, for a class, through the attribute its `__init__` stores
//! it in (`self.function = function`, then `self.function(...)` in any of its methods). Each
//! counts as a call seen and resolved.

use rayon::prelude::*;

use seam_facts::python::{DefKind, Expr};

use super::builder::Builder;
use super::index::{Index, nested_in};
use super::names::Value;

pub(crate) fn resolve_higher_order(
    ix: &Index<'_>,
    targets: &super::names::Targets,
    b: &mut Builder,
) {
    // Units are independent: read them in parallel, record in unit order.
    let found: Vec<(String, String, usize, u32)> = ix
        .units
        .par_iter()
        .enumerate()
        .flat_map_iter(|(u, unit)| {
            let mut found = Vec::new();
            for (c, call) in unit.facts.calls.iter().enumerate() {
                if call.args.is_empty() {
                    continue;
                }
                let Value::Def(gu, gd) = targets.at(u, c) else {
                    continue;
                };
                // The def whose parameters the arguments bind: a function, or a class's `__init__`.
                let (callee, class) = if ix.units[gu].facts.defs[gd].kind == DefKind::Class {
                    match ix.class_member(gu, gd, "__init__", 0) {
                        Some(Value::Def(iu, id)) => ((iu, id), Some((gu, gd))),
                        _ => continue,
                    }
                } else {
                    ((gu, gd), None)
                };
                let def = &ix.units[callee.0].facts.defs[callee.1];
                let skip = usize::from(matches!(def.kind, DefKind::Method));
                for (pos, arg) in call.args.iter().enumerate() {
                    let Expr::Name(n) = &arg.value else {
                        continue;
                    };
                    let param = match arg.keyword.as_deref() {
                        Some(k) => def.params.iter().find(|p| p.name == k && p.star == 0),
                        None if call.args[..pos].iter().all(|a| a.keyword.is_none()) => {
                            def.params.get(pos + skip).filter(|p| p.star == 0)
                        }
                        None => None,
                    };
                    let Some(param) = param else {
                        continue;
                    };
                    let Value::Def(fu, fd) = ix.resolve(u, &call.scope, n) else {
                        continue;
                    };
                    let f = &ix.units[fu].facts.defs[fd];
                    if f.kind == DefKind::Class || !calls_parameter(ix, callee, class, &param.name)
                    {
                        continue;
                    }
                    found.push((
                        ix.owner_id(u, &call.scope),
                        ix.symbol_id(fu, fd),
                        u,
                        call.line,
                    ));
                }
            }
            found
        })
        .collect();
    for (from, to, u, line) in found {
        b.implicit_call(&from, &to, &ix.units[u].file.rel, line);
    }
}

/// Whether `callee` calls its parameter `param`: in its body or a def nested in it, or, when
/// `callee` is `class`'s `__init__`, through the attribute it stores the parameter in.
fn calls_parameter(
    ix: &Index<'_>,
    callee: (usize, usize),
    class: Option<(usize, usize)>,
    param: &str,
) -> bool {
    let (u, d) = callee;
    let facts = &ix.units[u].facts;
    let qual = facts.defs[d].qualname.as_str();
    let inside = |scope: &str, root: &str| scope == root || nested_in(scope, root);
    if facts
        .calls
        .iter()
        .any(|c| c.callee == param && inside(&c.scope, qual))
    {
        return true;
    }
    let Some((cu, cd)) = class else {
        return false;
    };
    // `self.function = function` in `__init__`, then `self.function(...)` in the class.
    let stored: Vec<String> = facts
        .assigns
        .iter()
        .filter(|a| a.scope == qual && matches!(&a.value, Expr::Name(n) if n == param))
        .flat_map(|a| a.targets.iter())
        .filter(|t| t.starts_with("self.") && !t[5..].contains('.'))
        .map(|t| t.to_string())
        .collect();
    if stored.is_empty() {
        return false;
    }
    let class_qual = ix.units[cu].facts.defs[cd].qualname.as_str();
    ix.units[cu]
        .facts
        .calls
        .iter()
        .any(|c| inside(&c.scope, class_qual) && stored.iter().any(|s| *s == c.callee))
}

/// Decorator classes that hand the function they wrap to a callback they were built with:
/// `@libpolicy(auth_cache)` on `check_user_pass`, where `libpolicy.__init__` stores
/// `self.decorator_function = decorator_function` and its wrapper runs
/// `self.decorator_function(wrapped_function, *args)`, and `auth_cache(wrapped_function, ...)`
/// calls `wrapped_function(...)`. The callback then runs the decorated def: a `wraps` edge
/// from the callback to it, at the decoration (weight 0 in clustering, like every `wraps`).
pub(crate) fn resolve_decorator_callbacks(ix: &Index<'_>, b: &mut Builder) {
    let mut found: Vec<(String, String, usize, u32)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind == DefKind::Class {
                continue;
            }
            let scope = super::index::parent_scope(&def.qualname);
            for e in &def.decorators {
                let Expr::Call { callee, args } = e else {
                    continue;
                };
                let Value::Def(cu, cd) = ix.resolve(u, scope, callee) else {
                    continue;
                };
                if ix.units[cu].facts.defs[cd].kind != DefKind::Class {
                    continue;
                }
                let (Some(Value::Def(iu, id)), Some(Value::Def(ku, kd))) = (
                    ix.class_member(cu, cd, "__init__", 0),
                    ix.class_member(cu, cd, "__call__", 0),
                ) else {
                    continue;
                };
                let init = &ix.units[iu].facts.defs[id];
                let call = &ix.units[ku].facts.defs[kd];
                let Some(wrapped) = call.params.get(1).map(|p| p.name.as_str()) else {
                    continue;
                };
                for (pos, arg) in args.iter().enumerate().filter(|(_, a)| a.keyword.is_none()) {
                    let Expr::Name(n) = &arg.value else { continue };
                    let Value::Def(fu, fd) = ix.resolve(u, scope, n) else {
                        continue;
                    };
                    let f = &ix.units[fu].facts.defs[fd];
                    if f.kind == DefKind::Class {
                        continue;
                    }
                    let Some(param) = init.params.get(pos + 1).map(|p| p.name.as_str()) else {
                        continue;
                    };
                    // `self.X = param` in `__init__`.
                    let Some(attr) = ix.units[iu].facts.assigns.iter().find_map(|a| {
                        (a.scope == init.qualname
                            && matches!(&a.value, Expr::Name(v) if v == param))
                        .then(|| a.targets.iter().find(|t| t.starts_with("self.")))
                        .flatten()
                    }) else {
                        continue;
                    };
                    // `self.X(wrapped, ...)` in `__call__` or its nested wrapper: the position
                    // the wrapped function is handed at.
                    let Some(k) = ix.units[ku].facts.calls.iter().find_map(|c| {
                        let inside =
                            c.scope == call.qualname || nested_in(&c.scope, &call.qualname);
                        (inside && c.callee == *attr)
                            .then(|| {
                                c.args.iter().position(|a| {
                                    a.keyword.is_none()
                                        && matches!(&a.value, Expr::Name(v) if v == wrapped)
                                })
                            })
                            .flatten()
                    }) else {
                        continue;
                    };
                    let Some(q) = f.params.get(k).filter(|p| p.star == 0) else {
                        continue;
                    };
                    if calls_parameter(ix, (fu, fd), None, &q.name) {
                        found.push((ix.symbol_id(fu, fd), ix.symbol_id(u, d), u, def.line));
                    }
                }
            }
        }
    }
    for (from, to, u, line) in found {
        b.edge(
            &from,
            &to,
            crate::analysis::EdgeKind::Wraps,
            &ix.units[u].file.rel,
            line,
        );
    }
}
