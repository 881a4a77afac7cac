//! Routes declared outside Python (`seam_spec` facts), bound to Python handlers:
//!
//! - OpenAPI operations (connexion): `operationId` names the handler (`pkg.module.function`
//!   or `pkg.module.Class.method`); the document is live when an `add_api("spec.yaml", ...)`
//!   call names its file (or one names a path seam cannot read), whose `base_path=` overrides
//!   the document's own.
//! - Protobuf RPCs with HTTP options: a route table in Python — a dict literal from request
//!   message classes to functions (`{CreateRun: _create_run}`) — binds each RPC to its
//!   handler; the paths served are the declared path passed through the repository function
//!   that receives `endpoint.path` (and `endpoint.since.major`) in a loop over an option's
//!   endpoints, read as its string templates (`f"/api/{version}.0{base_path}"`), followed
//!   through helpers it passes them to (bounded depth).
//!
//! Path parameters `{name}` (also `{a.name}`, `{name=pattern}`) become Flask's `<name>`.
//! Evidence: the operation or RPC in its spec file.

use std::collections::{BTreeMap, BTreeSet};

use seam_facts::ids::route_id;
use seam_facts::python::{AssignKind, DefKind, Expr};
use seam_facts::spec::Target;
use seam_facts::{Diagnostic, Severity};

use super::join_path;
use crate::analysis::{EdgeKind, Route};
use crate::load::SpecUnit;
use crate::resolve::builder::Builder;
use crate::resolve::dotted::last_segment;
use crate::resolve::index::Index;
use crate::resolve::names::Value;

/// How deep path templates are followed through helper functions.
const MAX_HELPER_DEPTH: u32 = 3;

/// What a helper parameter carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Path,
    Version,
}

pub(crate) fn spec_routes(ix: &Index<'_>, specs: &[SpecUnit], b: &mut Builder) {
    if specs.iter().all(|s| s.facts.operations.is_empty()) {
        return;
    }
    openapi_routes(ix, specs, b);
    rpc_routes(ix, specs, b);
}

fn emit(b: &mut Builder, method: &str, path: &str, handler: &str, file: &str, line: u32) {
    let id = route_id(method, path);
    b.edge(&id, handler, EdgeKind::Handles, file, line);
    b.routes.insert(Route {
        id,
        path: path.to_owned(),
        methods: vec![method.to_owned()],
        handler: handler.to_owned(),
        endpoint: None,
        view: None,
        app: None,
        file: file.to_owned(),
        line,
    });
}

/// `{id}` → `<id>`, `{a.id}` → `<id>`, `{id=shelves/*}` → `<id>`.
fn flask_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        let name = inner.split('=').next().unwrap_or(inner);
        let name = name.rsplit('.').next().unwrap_or(name);
        out.push('<');
        out.push_str(name);
        out.push('>');
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// A repository def a dotted Python name denotes (`pkg.mod.func`, `pkg.mod.Class.method`).
fn def_of_dotted(ix: &Index<'_>, dotted: &str) -> Option<(usize, usize)> {
    let parts: Vec<&str> = dotted.split('.').collect();
    for split in (1..parts.len()).rev() {
        let module = parts[..split].join(".");
        let Some(m) = ix.module(&module) else {
            continue;
        };
        let qual = parts[split..].join(".");
        if let Some(d) = ix.def_of_scope(m, &qual) {
            return Some((m, d));
        }
        if let Value::Def(du, dd) = ix.resolve(m, "", &qual) {
            return Some((du, dd));
        }
    }
    None
}

fn basename(p: &str) -> &str {
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn openapi_routes(ix: &Index<'_>, specs: &[SpecUnit], b: &mut Builder) {
    // `add_api(...)` calls: (spec file name or None for a path seam cannot read, base_path).
    let mut registrations: Vec<(Option<String>, Option<String>)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for call in &unit.facts.calls {
            if last_segment(&call.callee) != "add_api" {
                continue;
            }
            let first = call
                .args
                .iter()
                .find(|a| a.keyword.is_none())
                .map(|a| &a.value);
            let first = first.or_else(|| {
                call.args
                    .iter()
                    .find(|a| a.keyword.as_deref() == Some("specification"))
                    .map(|a| &a.value)
            });
            let base = call
                .args
                .iter()
                .find(|a| a.keyword.as_deref() == Some("base_path"))
                .and_then(|a| match &a.value {
                    Expr::Str(s) => Some(s.to_string()),
                    _ => None,
                });
            match first {
                Some(Expr::Str(s)) => registrations.push((Some(basename(s).to_owned()), base)),
                // A class (Flask-AppBuilder's `add_api(View)`) is not a document.
                Some(Expr::Name(n)) if matches!(ix.resolve(u, &call.scope, n), Value::Def(..)) => {}
                Some(_) => registrations.push((None, base)),
                None => {}
            }
        }
    }
    for spec in specs {
        let name = basename(&spec.file.rel);
        let registration = registrations
            .iter()
            .find(|(n, _)| n.as_deref() == Some(name))
            .or_else(|| registrations.iter().find(|(n, _)| n.is_none()));
        let Some((_, base_override)) = registration else {
            continue;
        };
        for op in &spec.facts.operations {
            let Target::Operation {
                operation_id,
                base_path,
            } = &op.target
            else {
                continue;
            };
            let base = base_override.as_deref().unwrap_or(base_path);
            let path = if base.is_empty() {
                flask_path(&op.path)
            } else {
                join_path(base, &flask_path(&op.path))
            };
            match def_of_dotted(ix, operation_id) {
                Some((u, d)) => {
                    let handler = ix.symbol_id(u, d);
                    emit(b, &op.method, &path, &handler, &spec.file.rel, op.line);
                }
                None => b.diagnostics.push(Diagnostic::new(
                    &spec.file.rel,
                    op.line,
                    Severity::Warning,
                    format!(
                        "operationId `{operation_id}` ({} {}) names no function of the repository; the route is not read",
                        op.method, op.path
                    ),
                ).with_check("spec-unbound")),
            }
        }
    }
}

fn rpc_routes(ix: &Index<'_>, specs: &[SpecUnit], b: &mut Builder) {
    let requests: BTreeSet<&str> = specs
        .iter()
        .flat_map(|s| &s.facts.operations)
        .filter_map(|o| match &o.target {
            Target::Rpc { request, .. } => Some(last_segment(request)),
            _ => None,
        })
        .collect();
    // Which generated module defines each message.
    let defined_in: BTreeMap<&str, String> = specs
        .iter()
        .flat_map(|s| {
            let module = seam_facts::ids::module_of_path(&s.file.rel);
            s.facts
                .messages
                .iter()
                .map(move |m| (m.as_str(), module.clone()))
        })
        .collect();
    if requests.is_empty() {
        return;
    }
    // Route tables: dicts from request classes to functions. When a module that iterates an
    // option's endpoints holds such tables, only its tables count (others map the same
    // requests to permission checks and the like); larger tables first, then path order.
    let (templates, loop_units) = path_templates(ix);
    let spec_modules: BTreeSet<String> = specs
        .iter()
        .map(|s| seam_facts::ids::module_of_path(&s.file.rel))
        .collect();
    type Key = (Option<String>, String);
    /// (in a module iterating endpoints, unit, assign, (request, handler) pairs).
    type Table = (bool, usize, usize, Vec<(Key, String)>);
    let mut tables: Vec<Table> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for (a, assign) in unit.facts.assigns.iter().enumerate() {
            let Expr::Dict(pairs) = &assign.value else {
                continue;
            };
            let mut bound = Vec::new();
            for (k, v) in pairs {
                let (Expr::Name(k), Expr::Name(v)) = (k, v) else {
                    continue;
                };
                // The request class as imported (`from pkg.service_pb2 import CreateRun as
                // X`): its generated module and name, when resolution tells them.
                let (module, short) = match ix.resolve(u, &assign.scope, k) {
                    Value::Unknown(full) | Value::External(full) if full.contains('.') => {
                        let (m, n) = full.rsplit_once('.').unwrap_or(("", &full));
                        (Some(m.to_owned()), n.to_owned())
                    }
                    // Generated modules bind message classes as variables.
                    Value::Var(vu, va) => {
                        let target = ix.units[vu].facts.assigns[va].targets.first();
                        let name = target.map_or(last_segment(k), |t| last_segment(t));
                        (Some(ix.units[vu].facts.module.to_string()), name.to_owned())
                    }
                    _ => (None, last_segment(k).to_owned()),
                };
                if !requests.contains(short.as_str()) {
                    continue;
                }
                if let Value::Def(hu, hd) = ix.resolve(u, &assign.scope, v)
                    && ix.units[hu].facts.defs[hd].kind != DefKind::Class
                {
                    // A module no spec comes from says nothing: match by name alone.
                    let module = module.filter(|m| spec_modules.contains(m.as_str()));
                    bound.push(((module, short), ix.symbol_id(hu, hd)));
                }
            }
            if !bound.is_empty() {
                tables.push((loop_units.contains(&u), u, a, bound));
            }
        }
    }
    let local = tables.iter().any(|t| t.0);
    tables.retain(|t| t.0 || !local);
    tables.sort_by(|x, y| y.3.len().cmp(&x.3.len()).then((x.1, x.2).cmp(&(y.1, y.2))));
    let mut table: BTreeMap<Key, String> = BTreeMap::new();
    for (_, _, _, bound) in tables {
        for (k, h) in bound {
            table.entry(k).or_insert(h);
        }
    }
    let mut unbound: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for spec in specs {
        let module = seam_facts::ids::module_of_path(&spec.file.rel);
        for op in &spec.facts.operations {
            let Target::Rpc {
                request,
                since_major,
                listed,
                ..
            } = &op.target
            else {
                continue;
            };
            let short = last_segment(request).to_owned();
            let home = defined_in.get(request.as_str()).unwrap_or(&module).clone();
            let handler = table
                .get(&(Some(home), short.clone()))
                .or_else(|| table.get(&(None, short)));
            let Some(handler) = handler else {
                let e = unbound
                    .entry(spec.file.rel.as_str())
                    .or_insert((op.line, 0));
                e.1 += 1;
                continue;
            };
            let path = flask_path(&op.path);
            let mut paths: Vec<String> = Vec::new();
            for t in templates.iter().filter(|_| *listed) {
                let needs_version = t.iter().any(|p| matches!(p, Piece::Hole(Role::Version)));
                if needs_version && since_major.is_none() {
                    continue;
                }
                let mut s = String::new();
                for p in t {
                    match p {
                        Piece::Text(x) => s.push_str(x),
                        Piece::Hole(Role::Path) => s.push_str(&path),
                        Piece::Hole(Role::Version) => {
                            s.push_str(&since_major.unwrap_or(0).to_string())
                        }
                    }
                }
                if !paths.contains(&s) {
                    paths.push(s);
                }
            }
            if paths.is_empty() {
                paths.push(path);
            }
            for p in paths {
                emit(b, &op.method, &p, handler, &spec.file.rel, op.line);
            }
        }
    }
    if table.is_empty() {
        return;
    }
    for (file, (line, n)) in unbound {
        b.diagnostics.push(Diagnostic::new(
            file,
            line,
            Severity::Info,
            format!("{n} HTTP endpoint(s) of RPCs declared here have no handler in a route table (a dict from request classes to functions); they are not read"),
        ).with_check("spec-unbound"));
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Hole(Role),
}

/// Templates of served paths: from every call that passes `<loop var>.path` of a loop over
/// an option's `endpoints` to a repository function, that function's string templates; and
/// the units holding such loops.
fn path_templates(ix: &Index<'_>) -> (Vec<Vec<Piece>>, BTreeSet<usize>) {
    let mut out: Vec<Vec<Piece>> = Vec::new();
    let mut units = BTreeSet::new();
    for (u, unit) in ix.units.iter().enumerate() {
        let loops: Vec<&str> = unit
            .facts
            .assigns
            .iter()
            .filter(|a| a.kind == AssignKind::ForTarget && a.targets.len() == 1)
            .filter(|a| match &a.value {
                Expr::Name(n) => n.ends_with("endpoints"),
                _ => false,
            })
            .map(|a| a.targets[0].as_str())
            .collect();
        if loops.is_empty() {
            continue;
        }
        units.insert(u);
        for call in &unit.facts.calls {
            let mut env: Vec<(usize, Option<&str>, Role)> = Vec::new();
            let mut pos = 0;
            for a in &call.args {
                if let Expr::Name(n) = &a.value
                    && let Some((root, field)) = n.split_once('.')
                    && loops.contains(&root)
                {
                    let role = match field {
                        "path" => Some(Role::Path),
                        "since.major" => Some(Role::Version),
                        _ => None,
                    };
                    if let Some(r) = role {
                        env.push((pos, a.keyword.as_deref(), r));
                    }
                }
                if a.keyword.is_none() {
                    pos += 1;
                }
            }
            if !env.iter().any(|(_, _, r)| *r == Role::Path) {
                continue;
            }
            let Value::Def(fu, fd) = ix.resolve(u, &call.scope, &call.callee) else {
                continue;
            };
            let params = bind(ix, fu, fd, &env);
            for t in templates_in(ix, fu, fd, &params, 0) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    (out, units)
}

/// Parameter names of a def receiving the roles at (position, keyword).
fn bind(
    ix: &Index<'_>,
    u: usize,
    d: usize,
    env: &[(usize, Option<&str>, Role)],
) -> Vec<(String, Role)> {
    let def = &ix.units[u].facts.defs[d];
    let params: Vec<&str> = def
        .params
        .iter()
        .filter(|p| p.star == 0)
        .map(|p| p.name.as_str())
        .skip(usize::from(def.kind == DefKind::Method))
        .collect();
    env.iter()
        .filter_map(|(pos, kw, role)| {
            let name = match kw {
                Some(k) => params.iter().find(|p| **p == *k).copied(),
                None => params.get(*pos).copied(),
            }?;
            Some((name.to_owned(), *role))
        })
        .collect()
}

/// String templates over the parameters in `params` found in a def's calls, and in the
/// helpers it passes those parameters to.
fn templates_in(
    ix: &Index<'_>,
    u: usize,
    d: usize,
    params: &[(String, Role)],
    depth: u32,
) -> Vec<Vec<Piece>> {
    let mut out = Vec::new();
    if depth > MAX_HELPER_DEPTH || params.is_empty() {
        return out;
    }
    let qual = ix.units[u].facts.defs[d].qualname.as_str();
    // `path = f"/api/{version}.0{base_path}"` in the helper itself.
    for a in ix.units[u].facts.assigns.iter().filter(|a| a.scope == qual) {
        if let Expr::Str(s) = &a.value
            && let Some(t) = template(s, params)
            && !out.contains(&t)
        {
            out.push(t);
        }
    }
    for call in ix.units[u].facts.calls.iter().filter(|c| c.scope == qual) {
        let mut env: Vec<(usize, Option<&str>, Role)> = Vec::new();
        let mut pos = 0;
        for a in &call.args {
            match &a.value {
                Expr::Str(s) => {
                    if let Some(t) = template(s, params)
                        && !out.contains(&t)
                    {
                        out.push(t);
                    }
                }
                Expr::Name(n) => {
                    if let Some((_, r)) = params.iter().find(|(p, _)| p == n) {
                        env.push((pos, a.keyword.as_deref(), *r));
                    }
                }
                _ => {}
            }
            if a.keyword.is_none() {
                pos += 1;
            }
        }
        if env.is_empty() {
            continue;
        }
        if let Value::Def(hu, hd) = ix.resolve(u, &call.scope, &call.callee)
            && (hu, hd) != (u, d)
        {
            let inner = bind(ix, hu, hd, &env);
            for t in templates_in(ix, hu, hd, &inner, depth + 1) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

/// A template when every `{hole}` of `s` is a parameter in `params` and one carries the path.
fn template(s: &str, params: &[(String, Role)]) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = s;
    let mut has_path = false;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_owned()));
        }
        let after = &rest[open + 1..];
        let close = after.find('}')?;
        let (_, role) = params.iter().find(|(p, _)| p == &after[..close])?;
        has_path |= *role == Role::Path;
        pieces.push(Piece::Hole(*role));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_owned()));
    }
    has_path.then_some(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_become_flask_variables() {
        assert_eq!(
            flask_path("/v1/{name=shelves/*}/books/{id}"),
            "/v1/<name>/books/<id>"
        );
        assert_eq!(
            flask_path("/traces/{assessment.trace_id}"),
            "/traces/<trace_id>"
        );
        assert_eq!(flask_path("/broken/{x"), "/broken/{x");
    }

    #[test]
    fn templates_need_the_path() {
        let params = vec![
            ("base_path".to_owned(), Role::Path),
            ("version".to_owned(), Role::Version),
        ];
        assert_eq!(
            template("/api/{version}.0{base_path}", &params),
            Some(vec![
                Piece::Text("/api/".into()),
                Piece::Hole(Role::Version),
                Piece::Text(".0".into()),
                Piece::Hole(Role::Path),
            ])
        );
        assert_eq!(template("{(\\w+)}", &params), None);
        assert_eq!(template("/v{version}", &params), None);
    }
}
