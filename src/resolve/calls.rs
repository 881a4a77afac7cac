//! Call sites → `calls` and `enqueues` edges, external calls, and the counts of what could not
//! be resolved (builtin, dynamic, unresolved).

use seam_facts::python::{DefKind, Expr};

use super::builder::Builder;
use super::families::Families;
use super::index::Index;
use super::names::Value;
use crate::analysis::EdgeKind;

/// Ways of running a task function later: Celery's (`delay`, `apply_async`), Dramatiq's
/// (`send`, `send_with_options`), Huey's (`schedule`). The receiver must resolve to a function
/// of the code base, so a blinker signal's `send` is not one.
const ENQUEUE_METHODS: &[&str] = &[
    "delay",
    "apply_async",
    "send",
    "send_with_options",
    "schedule",
];

pub(crate) fn resolve_calls(
    ix: &Index<'_>,
    targets: &super::names::Targets,
    families: &Families<'_>,
    b: &mut Builder,
) {
    for (u, unit) in ix.units.iter().enumerate() {
        let file = unit.file.rel.as_str();
        // Owner ids per scope: formatting one per call showed in profiles.
        let mut owners: rustc_hash::FxHashMap<&str, String> = rustc_hash::FxHashMap::default();
        for (c, call) in unit.facts.calls.iter().enumerate() {
            b.calls += 1;
            let from = owners
                .entry(call.scope.as_str())
                .or_insert_with(|| ix.owner_id(u, &call.scope))
                .as_str();
            if let Some((target, method)) = call.callee.rsplit_once('.')
                && ENQUEUE_METHODS.contains(&method)
                && !target.ends_with(')')
                && let Value::Def(tu, td) = ix.resolve(u, &call.scope, target)
                && ix.units[tu].facts.defs[td].kind != DefKind::Class
            {
                b.resolved_calls += 1;
                b.edge(
                    from,
                    &ix.symbol_id(tu, td),
                    EdgeKind::Enqueues,
                    file,
                    call.line,
                );
                continue;
            }
            if let Some((tu, td)) = super::handoff::handed_off(ix, u, call, &targets.at(u, c)) {
                b.handoff(from, &ix.symbol_id(tu, td), file, call.line);
            }
            match targets.at(u, c) {
                Value::Def(tu, td) => {
                    b.resolved_calls += 1;
                    let target = if ix.units[tu].facts.defs[td].kind == DefKind::Class {
                        match ix.class_member(tu, td, "__init__", 0) {
                            Some(Value::Def(iu, id)) => ix.symbol_id(iu, id),
                            _ => ix.symbol_id(tu, td),
                        }
                    } else {
                        ix.symbol_id(tu, td)
                    };
                    b.edge(from, &target, EdgeKind::Calls, file, call.line);
                }
                Value::External(name) => {
                    if name.ends_with("url_for")
                        && let Some(Expr::Str(endpoint)) = call
                            .args
                            .iter()
                            .find(|a| {
                                a.keyword.is_none() || a.keyword.as_deref() == Some("endpoint")
                            })
                            .map(|a| &a.value)
                    {
                        b.endpoint_refs.push(crate::analysis::EndpointRef {
                            from: from.to_owned(),
                            endpoint: endpoint.to_string(),
                            file: file.to_owned(),
                            line: call.line,
                        });
                    }
                    b.external_calls += 1;
                    let caller = b.edges.id(from);
                    let e = b.external.entry((caller, name)).or_insert((0, call.line));
                    e.0 += 1;
                    e.1 = e.1.min(call.line);
                }
                Value::Builtin(_) => b.builtin_calls += 1,
                Value::Unknown(name) => {
                    b.unresolved_calls += 1;
                    *b.unresolved.entry(name.into()).or_default() += 1;
                }
                // `token.check_otp(...)` on a value seam cannot type, where one class family
                // defines `check_otp`: each implementation (see `families.rs`).
                Value::Dynamic | Value::Var(..)
                    if let Some((recv, method)) = call.callee.rsplit_once('.')
                        && recv != "self"
                        && recv != "cls"
                        && let Some(impls) = families.get(method) =>
                {
                    // The call resolves to the root's method; each override is a further
                    // possible call, counted as one seen and resolved (edges never outnumber
                    // the resolved calls).
                    b.resolved_calls += 1;
                    for (i, &(iu, id)) in impls.iter().enumerate() {
                        let to = ix.symbol_id(iu, id);
                        if i == 0 {
                            b.edge(from, &to, EdgeKind::Calls, file, call.line);
                        } else {
                            b.implicit_call(from, &to, file, call.line);
                        }
                    }
                }
                Value::Module(_)
                | Value::Namespace(_)
                | Value::Instance(..)
                | Value::Var(..)
                | Value::Dynamic => {
                    b.dynamic_calls += 1;
                }
            }
        }
    }
}
