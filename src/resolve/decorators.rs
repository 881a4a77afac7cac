//! The repository's own decorators and what they wrap. A decorator is read where Python
//! applies it: `@need_auth` on the def, `@need_auth(...)` (a factory, whose nested wrapper
//! does the work), `@log_with(log)` (a class: its `__call__` wraps), and Flask-RESTful's
//! `method_decorators = [need_auth]` on a resource class or its ancestor (for its HTTP
//! methods). A decorator with a nested def wraps: at run time its wrapper runs around every
//! def it is applied to, so a `wraps` edge goes from the decorator to each of them. The
//! decorated def's own `calls` edge to the decorator (the decoration) is what pulls the two
//! together for clustering; `wraps` says, for what a wrapper reaches at run time, which defs
//! it calls through the function it closes over. WSGI middleware a repository class installs
//! (`app.wsgi_app = ReverseProxied(app.wsgi_app)`) wraps every route handler the same way.

use seam_facts::python::{DefKind, Expr};

use super::builder::Builder;
use super::index::{Index, parent_scope};
use super::names::Value;
use crate::analysis::EdgeKind;

/// Flask-RESTful dispatches these to a resource's method of the same name.
pub(crate) const HTTP_METHODS: &[&str] =
    &["get", "post", "put", "patch", "delete", "head", "options"];

/// The repository decorators applied to def `(u, d)`, each with the line that applies it:
/// the def's own decorators, then its class's `method_decorators` for an HTTP method.
pub(crate) fn applied(ix: &Index<'_>, u: usize, d: usize) -> Vec<((usize, usize), u32)> {
    let def = &ix.units[u].facts.defs[d];
    if def.kind == DefKind::Class {
        return Vec::new();
    }
    let scope = parent_scope(&def.qualname);
    let calls = &ix.units[u].facts.calls;
    // The decorator's own line: the front end records a decoration as a call in the def's
    // scope (`def.line` is the first decorator's).
    let line_of = |name: &str| {
        ix.units_index[u]
            .calls_in(def.qualname.as_str())
            .map(|c| &calls[c])
            .find(|c| c.callee == name && c.line < def.end_line.max(def.line + 1))
            .map_or(def.line, |c| c.line)
    };
    let mut out: Vec<((usize, usize), u32)> = def
        .decorators
        .iter()
        .filter_map(|e| {
            let name = match e {
                Expr::Name(n) | Expr::Call { callee: n, .. } => n.as_str(),
                _ => return None,
            };
            decorator_def(ix, u, scope, e).map(|x| (x, line_of(name)))
        })
        .collect();
    if def.kind == DefKind::Method
        && HTTP_METHODS.contains(&def.qualname.rsplit('.').next().unwrap_or(""))
    {
        out.extend(method_decorators(ix, u, scope));
    }
    out
}

/// The repository def a decorator expression names: a function (`need_auth`), a factory
/// (`need_auth(...)`), or a class's `__call__` (`log_with(log)`).
fn decorator_def(ix: &Index<'_>, u: usize, scope: &str, e: &Expr) -> Option<(usize, usize)> {
    let name = match e {
        Expr::Name(n) => n.as_str(),
        Expr::Call { callee, .. } => callee.as_str(),
        _ => return None,
    };
    match ix.resolve(u, scope, name) {
        Value::Def(du, dd) if ix.units[du].facts.defs[dd].kind != DefKind::Class => Some((du, dd)),
        Value::Def(cu, cd) if matches!(e, Expr::Call { .. }) => {
            match ix.class_member(cu, cd, "__call__", 0) {
                Some(Value::Def(mu, md)) => Some((mu, md)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The decorators Flask-RESTful applies to the HTTP methods of class `class_scope`: its own
/// `method_decorators = [...]`, else the nearest ancestor's, with the line that lists them.
fn method_decorators(ix: &Index<'_>, u: usize, class_scope: &str) -> Vec<((usize, usize), u32)> {
    let Some(c) = ix.units_index[u].def(class_scope) else {
        return Vec::new();
    };
    for (cu, cd) in ix.lineage(u, c) {
        let qual = ix.units[cu].facts.defs[cd].qualname.as_str();
        let Some(assign) = super::models::class_attr(ix, cu, cd, "method_decorators") else {
            continue;
        };
        let Expr::List(items) = &assign.value else {
            return Vec::new();
        };
        return items
            .iter()
            .filter_map(|e| decorator_def(ix, cu, qual, e))
            .map(|x| (x, assign.line))
            .collect();
    }
    Vec::new()
}

/// Whether def `(u, d)` has a def nested in it: a decorator that wraps rather than registers.
fn has_wrapper(ix: &Index<'_>, u: usize, d: usize) -> bool {
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    ix.units[u]
        .facts
        .defs
        .iter()
        .any(|n| n.kind != DefKind::Class && parent_scope(&n.qualname) == qual)
}

/// `wraps` edges: decorator → every def it wraps, at the line that applies it.
pub(crate) fn resolve_wraps(ix: &Index<'_>, b: &mut Builder) {
    for (u, unit) in ix.units.iter().enumerate() {
        let file = unit.file.rel.as_str();
        for d in 0..unit.facts.defs.len() {
            if ix.def_of_scope(u, &unit.facts.defs[d].qualname) != Some(d) {
                continue; // a redefinition: the first one is the node
            }
            for ((xu, xd), line) in applied(ix, u, d) {
                if (xu, xd) != (u, d) && has_wrapper(ix, xu, xd) {
                    b.edge(
                        &ix.symbol_id(xu, xd),
                        &ix.symbol_id(u, d),
                        EdgeKind::Wraps,
                        file,
                        line,
                    );
                }
            }
        }
    }
}

/// WSGI middleware: `app.wsgi_app = ReverseProxied(app.wsgi_app)` puts a repository class's
/// `__call__` around every request, so it `wraps` every route handler (of the main app), at
/// the line that installs it. Run after the routes are known.
pub(crate) fn resolve_middleware(ix: &Index<'_>, b: &mut Builder) {
    let mut installed: Vec<((usize, usize), String, u32)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for a in &unit.facts.assigns {
            if !a.targets.iter().any(|t| t.ends_with(".wsgi_app")) {
                continue;
            }
            let Expr::Call { callee, .. } = &a.value else {
                continue;
            };
            if let Value::Def(cu, cd) = ix.resolve(u, &a.scope, callee)
                && ix.units[cu].facts.defs[cd].kind == DefKind::Class
                && let Some(Value::Def(mu, md)) = ix.class_member(cu, cd, "__call__", 0)
            {
                installed.push(((mu, md), unit.file.rel.clone(), a.line));
            }
        }
    }
    if installed.is_empty() {
        return;
    }
    // Handlers that are functions or methods (a class view's handler is its method).
    let callables: rustc_hash::FxHashSet<String> = ix
        .units
        .iter()
        .enumerate()
        .flat_map(|(u, unit)| {
            unit.facts
                .defs
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind != DefKind::Class)
                .map(move |(d, _)| (u, d))
        })
        .map(|(u, d)| ix.symbol_id(u, d))
        .collect();
    let handlers: std::collections::BTreeSet<String> = b
        .routes
        .iter()
        .filter(|r| r.app.is_none() && callables.contains(&r.handler))
        .map(|r| r.handler.clone())
        .collect();
    for ((mu, md), file, line) in installed {
        let from = ix.symbol_id(mu, md);
        for h in &handlers {
            b.edge(&from, h, EdgeKind::Wraps, &file, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::analyze;
    use crate::analysis::EdgeKind;

    #[test]
    fn a_decorator_that_nests_a_wrapper_wraps_what_it_decorates() {
        let a = analyze(&[(
            "m.py",
            "def auth(f):\n    def wrapper(*a, **k):\n        return f(*a, **k)\n    return wrapper\n\ndef register(f):\n    return f\n\nclass log_with:\n    def __init__(self, log):\n        self.log = log\n    def __call__(self, func):\n        def log_wrapper(*a):\n            return func(*a)\n        return log_wrapper\n\n@auth\ndef view():\n    pass\n\n@register\ndef hook():\n    pass\n\n@log_with(1)\ndef logged():\n    pass\n\nclass Resource:\n    method_decorators = [auth]\n    def get(self):\n        pass\n    def helper(self):\n        pass\n",
        )]);
        let mut wraps: Vec<(&str, &str)> = a
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Wraps)
            .map(|e| (&*e.from, &*e.to))
            .collect();
        wraps.sort();
        assert_eq!(
            wraps,
            vec![
                ("m:auth", "m:Resource.get"),
                ("m:auth", "m:view"),
                ("m:log_with.__call__", "m:logged"),
            ]
        );
    }
}
