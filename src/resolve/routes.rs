//! Flask routes with their full paths and handlers: `@app.route`/`@bp.route`/`@bp.get`...,
//! `add_url_rule` (plain functions and `MethodView.as_view`), Flask-RESTful/RESTX
//! `add_resource` and `@ns.route`, blueprint and API prefixes (from `Blueprint(...)`,
//! `register_blueprint`, `Api(...)`, `add_namespace`, config constants), and repository
//! functions that forward their arguments into `add_url_rule`/`add_resource` (FlaskBB's
//! `register_view`, Redash's `add_org_resource`), resolved through the wrapper at each call.

use std::collections::{BTreeSet, HashMap};

use seam_facts::ids::route_id;
use seam_facts::python::{Arg, AssignKind, Call, DefKind, Expr};
use seam_facts::{Diagnostic, Severity};

use super::builder::Builder;
use super::config::Config;
use super::index::{Binding, Index, parent_scope};
use super::names::Value;
use crate::analysis::{EdgeKind, Route};

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];
/// How far prefixes are followed up nested blueprints, and views through variables.
const MAX_DEPTH: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouterKind {
    App,
    Blueprint,
    Api,
    Namespace,
}

#[derive(Debug)]
struct Router {
    kind: RouterKind,
    own_prefix: String,
    /// Registrations on a parent.
    parents: Vec<Registration>,
}

/// A router hung under a parent (a router variable, or `None` for the application), with the
/// prefix given at registration, which overrides the router's own.
#[derive(Debug)]
struct Registration {
    parent: Option<(usize, usize)>,
    prefix: Option<String>,
}

/// What a view expression denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Function(usize, usize),
    Class(usize, usize),
}

/// Arguments bound to a wrapper's parameters at one call: (expression, unit and scope of the
/// caller where it is evaluated).
type Env<'e> = HashMap<&'e str, Bound<'e>>;

#[derive(Debug, Clone)]
enum Bound<'e> {
    One(&'e Expr, usize, &'e str),
    Many(Vec<&'e Expr>, usize, &'e str),
}

struct Resolver<'i, 'a> {
    ix: &'i Index<'a>,
    config: &'i Config,
    routers: HashMap<(usize, usize), Router>,
    /// Wrapper defs → the registering calls inside them.
    wrappers: HashMap<(usize, usize), Vec<usize>>,
    found: BTreeSet<Route>,
    edges: Vec<(String, String, String, u32)>,
    unresolved_prefixes: BTreeSet<(String, u32, String)>,
}

pub(crate) fn resolve_routes(ix: &Index<'_>, config: &Config, b: &mut Builder) {
    let mut r = Resolver {
        ix,
        config,
        routers: HashMap::new(),
        wrappers: HashMap::new(),
        found: BTreeSet::new(),
        edges: Vec::new(),
        unresolved_prefixes: BTreeSet::new(),
    };
    r.find_routers();
    r.find_registrations();
    r.decorated_routes();
    r.rule_calls();
    r.wrapper_calls();
    for (route, handler, file, line) in r.edges {
        b.edge(&route, &handler, EdgeKind::Handles, &file, line);
    }
    for (file, line, key) in r.unresolved_prefixes {
        b.diagnostics.push(Diagnostic::new(
            &file,
            line,
            Severity::Info,
            format!("URL prefix from `{key}` is not a literal seam can read; routes under it are shown without it"),
        ));
    }
    b.routes.extend(r.found);
}

fn last_segment(s: &str) -> &str {
    s.rsplit('.').next().unwrap_or(s)
}

fn receiver_of(callee: &str) -> Option<&str> {
    callee.rsplit_once('.').map(|(r, _)| r)
}

fn positional(args: &[Arg], i: usize) -> Option<&Expr> {
    args.iter()
        .filter(|a| a.keyword.is_none())
        .nth(i)
        .map(|a| &a.value)
}

fn keyword<'e>(args: &'e [Arg], k: &str) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.keyword.as_deref() == Some(k))
        .map(|a| &a.value)
}

/// Flask's joining of a prefix and a rule: exactly one `/` between them.
pub(crate) fn join_path(prefix: &str, rule: &str) -> String {
    let joined = match (prefix.is_empty(), rule.is_empty()) {
        (true, _) => rule.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!(
            "{}/{}",
            prefix.trim_end_matches('/'),
            rule.trim_start_matches('/')
        ),
    };
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

impl Resolver<'_, '_> {
    fn find_routers(&mut self) {
        for (u, unit) in self.ix.units.iter().enumerate() {
            for (a, assign) in unit.facts.assigns.iter().enumerate() {
                let Expr::Call { callee, args } = &assign.value else {
                    continue;
                };
                let kind = match last_segment(callee) {
                    "Flask" | "Quart" => RouterKind::App,
                    "Blueprint" | "APIBlueprint" => RouterKind::Blueprint,
                    "Api" | "ExternalApi" => RouterKind::Api,
                    "Namespace" => RouterKind::Namespace,
                    _ => continue,
                };
                let prefix_expr = match kind {
                    RouterKind::App => None,
                    RouterKind::Blueprint => keyword(args, "url_prefix"),
                    RouterKind::Api => keyword(args, "prefix"),
                    RouterKind::Namespace => keyword(args, "path"),
                };
                let own_prefix = match (kind, prefix_expr) {
                    (_, Some(e)) => self.prefix_string(e, &unit.file.rel, assign.line),
                    (RouterKind::Namespace, None) => match positional(args, 0) {
                        Some(Expr::Str(name)) => format!("/{name}"),
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                let mut parents = Vec::new();
                if kind == RouterKind::Api
                    && let Some(app) = positional(args, 0).or_else(|| keyword(args, "app"))
                    && let Expr::Name(n) = app
                {
                    parents.push(Registration {
                        parent: self.router_var(u, &assign.scope, n),
                        prefix: None,
                    });
                }
                self.routers.insert(
                    (u, a),
                    Router {
                        kind,
                        own_prefix,
                        parents,
                    },
                );
            }
        }
    }

    fn prefix_string(&mut self, e: &Expr, file: &str, line: u32) -> String {
        match self.config.string(e) {
            Some(s) => s,
            None => {
                if !matches!(e, Expr::Const(_)) {
                    let key = match e {
                        Expr::Subscript { key, .. } => match &**key {
                            Expr::Str(k) => k.clone(),
                            _ => "?".to_owned(),
                        },
                        Expr::Name(n) => n.clone(),
                        _ => "an expression".to_owned(),
                    };
                    self.unresolved_prefixes
                        .insert((file.to_owned(), line, key));
                }
                String::new()
            }
        }
    }

    /// A router variable a dotted name denotes in a scope, if any.
    fn router_var(&self, u: usize, scope: &str, name: &str) -> Option<(usize, usize)> {
        let mut v = self.ix.resolve(u, scope, name);
        for _ in 0..MAX_DEPTH {
            match v {
                Value::Var(vu, va) => {
                    if self.routers.contains_key(&(vu, va)) {
                        return Some((vu, va));
                    }
                    let assign = &self.ix.units[vu].facts.assigns[va];
                    match &assign.value {
                        Expr::Name(n) => v = self.ix.resolve(vu, &assign.scope, n),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// `register_blueprint`, `add_namespace`, `init_app`: who hangs under whom.
    fn find_registrations(&mut self) {
        let mut links = Vec::new();
        for (u, unit) in self.ix.units.iter().enumerate() {
            for call in &unit.facts.calls {
                let method = last_segment(&call.callee);
                let Some(receiver) = receiver_of(&call.callee) else {
                    continue;
                };
                match method {
                    "register_blueprint" | "add_namespace" => {
                        let Some(Expr::Name(child)) = positional(&call.args, 0) else {
                            continue;
                        };
                        let Some(child) = self.router_var(u, &call.scope, child) else {
                            continue;
                        };
                        let parent = self.router_var(u, &call.scope, receiver);
                        let key = if method == "register_blueprint" {
                            "url_prefix"
                        } else {
                            "path"
                        };
                        let over = keyword(&call.args, key)
                            .map(|e| (e.clone(), unit.file.rel.clone(), call.line));
                        links.push((child, parent, over));
                    }
                    "init_app" => {
                        let Some(api) = self.router_var(u, &call.scope, receiver) else {
                            continue;
                        };
                        if self.routers[&api].kind != RouterKind::Api {
                            continue;
                        }
                        let parent = match positional(&call.args, 0) {
                            Some(Expr::Name(n)) => self.router_var(u, &call.scope, n),
                            _ => None,
                        };
                        links.push((api, parent, None));
                    }
                    _ => {}
                }
            }
        }
        for (child, parent, over) in links {
            let over = over.map(|(e, file, line)| self.prefix_string(&e, &file, line));
            if let Some(r) = self.routers.get_mut(&child) {
                r.parents.push(Registration {
                    parent,
                    prefix: over,
                });
            }
        }
    }

    /// Every full prefix a router is reachable under.
    fn prefixes(&self, router: Option<(usize, usize)>, depth: u32) -> Vec<String> {
        let Some(key) = router else {
            return vec![String::new()];
        };
        let Some(r) = self.routers.get(&key) else {
            return vec![String::new()];
        };
        if r.kind == RouterKind::App || depth > MAX_DEPTH {
            return vec![String::new()];
        }
        if r.parents.is_empty() {
            return vec![r.own_prefix.clone()];
        }
        let mut out = Vec::new();
        for reg in &r.parents {
            let own = reg.prefix.as_deref().unwrap_or(&r.own_prefix);
            for p in self.prefixes(reg.parent, depth + 1) {
                let joined = if p.is_empty() {
                    own.to_owned()
                } else if own.is_empty() {
                    p.clone()
                } else {
                    join_path(&p, own)
                };
                if !out.contains(&joined) {
                    out.push(joined);
                }
            }
        }
        out
    }

    fn add(
        &mut self,
        prefixes: &[String],
        rules: &[String],
        methods: &[(String, String)],
        file: &str,
        line: u32,
    ) {
        for prefix in prefixes {
            for rule in rules {
                let path = join_path(prefix, rule);
                for (method, handler) in methods {
                    let id = route_id(method, &path);
                    self.edges
                        .push((id.clone(), handler.clone(), file.to_owned(), line));
                    self.found.insert(Route {
                        id,
                        path: path.clone(),
                        methods: vec![method.to_uppercase()],
                        handler: handler.clone(),
                        file: file.to_owned(),
                        line,
                    });
                }
            }
        }
    }

    /// (method, handler id) pairs of a view; `explicit` methods (from `methods=`) win.
    fn handlers(&self, view: View, explicit: &[String]) -> Vec<(String, String)> {
        match view {
            View::Function(u, d) => {
                let id = self.ix.symbol_id(u, d);
                let methods = if explicit.is_empty() {
                    vec!["GET".to_owned()]
                } else {
                    explicit.to_vec()
                };
                methods
                    .into_iter()
                    .map(|m| (m.to_uppercase(), id.clone()))
                    .collect()
            }
            View::Class(u, d) => {
                let class_methods: Vec<String> = match self.class_methods_attr(u, d) {
                    Some(m) if explicit.is_empty() => m,
                    _ => explicit.to_vec(),
                };
                let member = |name: &str| match self.ix.class_member(u, d, name, 0) {
                    Some(Value::Def(mu, md)) => Some(self.ix.symbol_id(mu, md)),
                    _ => None,
                };
                let fallback =
                    member("dispatch_request").unwrap_or_else(|| self.ix.symbol_id(u, d));
                if !class_methods.is_empty() {
                    return class_methods
                        .iter()
                        .map(|m| {
                            (
                                m.to_uppercase(),
                                member(&m.to_lowercase()).unwrap_or_else(|| fallback.clone()),
                            )
                        })
                        .collect();
                }
                let found: Vec<(String, String)> = HTTP_METHODS
                    .iter()
                    .filter_map(|m| member(m).map(|h| (m.to_uppercase(), h)))
                    .collect();
                if found.is_empty() {
                    vec![("GET".to_owned(), fallback)]
                } else {
                    found
                }
            }
        }
    }

    /// `methods = ['GET', 'POST']` on a view class.
    fn class_methods_attr(&self, u: usize, d: usize) -> Option<Vec<String>> {
        let qual = self.ix.units[u].facts.defs[d].qualname.as_str();
        let a = *self.ix.units_index[u]
            .class_attrs
            .get(qual)?
            .get("methods")?;
        strings(&self.ix.units[u].facts.assigns[a].value)
    }

    fn view_of(&self, u: usize, scope: &str, e: &Expr, depth: u32) -> Option<View> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expr::Call { callee, .. } if callee.ends_with(".as_view") => {
                match self.ix.resolve(u, scope, receiver_of(callee)?) {
                    Value::Def(cu, cd)
                        if self.ix.units[cu].facts.defs[cd].kind == DefKind::Class =>
                    {
                        Some(View::Class(cu, cd))
                    }
                    _ => None,
                }
            }
            Expr::Name(n) => match self.ix.resolve(u, scope, n) {
                Value::Def(cu, cd) => {
                    Some(if self.ix.units[cu].facts.defs[cd].kind == DefKind::Class {
                        View::Class(cu, cd)
                    } else {
                        View::Function(cu, cd)
                    })
                }
                Value::Var(vu, va) => {
                    let assign = &self.ix.units[vu].facts.assigns[va];
                    self.view_of(vu, &assign.scope, &assign.value, depth + 1)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn decorated_routes(&mut self) {
        for (u, unit) in self.ix.units.iter().enumerate() {
            for (d, def) in unit.facts.defs.iter().enumerate() {
                for deco in &def.decorators {
                    let Expr::Call { callee, args } = deco else {
                        continue;
                    };
                    let method = last_segment(callee);
                    let Some(receiver) = receiver_of(callee) else {
                        continue;
                    };
                    let scope = parent_scope(&def.qualname);
                    let router = self.router_var(u, scope, receiver);
                    let explicit: Vec<String> = match method {
                        "route" => keyword(args, "methods")
                            .and_then(strings)
                            .unwrap_or_default(),
                        m if HTTP_METHODS.contains(&m)
                            && (router.is_some() || looks_like_router(receiver)) =>
                        {
                            vec![m.to_uppercase()]
                        }
                        _ => continue,
                    };
                    let Some(rule) = positional(args, 0)
                        .or_else(|| keyword(args, "rule"))
                        .and_then(|e| self.config.string(e))
                    else {
                        continue;
                    };
                    let view = if def.kind == DefKind::Class {
                        View::Class(u, d)
                    } else {
                        View::Function(u, d)
                    };
                    let handlers = self.handlers(view, &explicit);
                    let prefixes = self.prefixes(router, 0);
                    self.add(
                        &prefixes,
                        &[rule],
                        &handlers,
                        &unit.file.rel.clone(),
                        def.line,
                    );
                }
            }
        }
    }

    /// Direct `add_url_rule`/`add_resource` calls; those whose rule or view depends on the
    /// enclosing function's parameters make that function a wrapper.
    fn rule_calls(&mut self) {
        for (u, unit) in self.ix.units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if method != "add_url_rule" && method != "add_resource" {
                    continue;
                }
                let env = Env::new();
                let done = self.register(u, call, &env, None, &unit.file.rel, call.line);
                if !done
                    && let Some(d) = self.ix.def_of_scope(u, &call.scope)
                    && unit.facts.defs[d].kind != DefKind::Class
                    && !unit.facts.defs[d].params.is_empty()
                {
                    self.wrappers.entry((u, d)).or_default().push(c);
                }
            }
        }
    }

    /// Calls of wrapper functions: bind the arguments, then evaluate the registration inside.
    fn wrapper_calls(&mut self) {
        if self.wrappers.is_empty() {
            return;
        }
        for (u, unit) in self.ix.units.iter().enumerate() {
            for call in &unit.facts.calls {
                let Value::Def(wu, wd) = self.ix.resolve(u, &call.scope, &call.callee) else {
                    continue;
                };
                let Some(inner) = self.wrappers.get(&(wu, wd)).cloned() else {
                    continue;
                };
                let wdef = &self.ix.units[wu].facts.defs[wd];
                let mut params = wdef.params.iter().collect::<Vec<_>>();
                if wdef.kind == DefKind::Method && !params.is_empty() {
                    params.remove(0);
                }
                let mut env: Env<'_> = Env::new();
                let mut extra: Vec<&Expr> = Vec::new();
                let mut pos = 0;
                for arg in &call.args {
                    match arg.keyword.as_deref() {
                        None => {
                            match params.get(pos) {
                                Some(p) if p.star == 0 => {
                                    env.insert(
                                        p.name.as_str(),
                                        Bound::One(&arg.value, u, call.scope.as_str()),
                                    );
                                }
                                _ => extra.push(&arg.value),
                            }
                            pos += 1;
                        }
                        Some("*") | Some("**") => {}
                        Some(k) => {
                            if let Some(p) = params.iter().find(|p| p.name == k) {
                                env.insert(
                                    p.name.as_str(),
                                    Bound::One(&arg.value, u, call.scope.as_str()),
                                );
                            }
                        }
                    }
                }
                if let Some(p) = params.iter().find(|p| p.star == 1) {
                    env.insert(p.name.as_str(), Bound::Many(extra, u, call.scope.as_str()));
                }
                let caller_receiver =
                    receiver_of(&call.callee).map(|r| (r.to_owned(), u, call.scope.clone()));
                for c in inner {
                    let inner_call = &self.ix.units[wu].facts.calls[c];
                    self.register(
                        wu,
                        inner_call,
                        &env,
                        caller_receiver.clone(),
                        &unit.file.rel.clone(),
                        call.line,
                    );
                }
            }
        }
    }

    /// Register the routes of one `add_url_rule`/`add_resource` call, evaluated in the wrapper
    /// environment `env` (empty for a direct call). Returns whether rules and view resolved.
    fn register(
        &mut self,
        u: usize,
        call: &Call,
        env: &Env<'_>,
        caller_receiver: Option<(String, usize, String)>,
        file: &str,
        line: u32,
    ) -> bool {
        let method = last_segment(&call.callee);
        let Some(receiver) = receiver_of(&call.callee) else {
            return false;
        };
        let (rules, view, explicit) = if method == "add_url_rule" {
            let rule = positional(&call.args, 0).or_else(|| keyword(&call.args, "rule"));
            let view = positional(&call.args, 2).or_else(|| keyword(&call.args, "view_func"));
            let rules = rule
                .map(|e| self.eval_strings(u, &call.scope, e, env, 0))
                .unwrap_or_default();
            let view = view.and_then(|e| self.eval_view(u, &call.scope, e, env, 0));
            let methods = keyword(&call.args, "methods")
                .map(|e| self.eval_strings(u, &call.scope, e, env, 0))
                .unwrap_or_default();
            (rules, view, methods)
        } else {
            let view = positional(&call.args, 0).or_else(|| keyword(&call.args, "resource"));
            let view = view.and_then(|e| self.eval_view(u, &call.scope, e, env, 0));
            let mut rules = Vec::new();
            for arg in call.args.iter().skip(1) {
                match arg.keyword.as_deref() {
                    None | Some("*") | Some("urls") => {
                        rules.extend(self.eval_strings(u, &call.scope, &arg.value, env, 0))
                    }
                    _ => {}
                }
            }
            (rules, view, Vec::new())
        };
        let (Some(view), false) = (view, rules.is_empty()) else {
            return false;
        };
        let router = match env_expr(env, receiver) {
            Some(Bound::One(Expr::Name(n), cu, cscope)) => self.router_var(*cu, cscope, n),
            _ if receiver == "self" => {
                caller_receiver.and_then(|(r, cu, cscope)| self.router_var(cu, &cscope, &r))
            }
            _ => self.router_var(u, &call.scope, receiver),
        };
        let prefixes = self.prefixes(router, 0);
        let handlers = self.handlers(view, &explicit);
        self.add(&prefixes, &rules, &handlers, file, line);
        true
    }

    /// Strings an expression stands for: literals, lists of them, config values, and through a
    /// wrapper's parameters (including `for route in routes` over a bound list).
    fn eval_strings(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'_>,
        depth: u32,
    ) -> Vec<String> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        if let Some(s) = self
            .config
            .string(e)
            .filter(|_| !matches!(e, Expr::Name(_)))
        {
            return vec![s];
        }
        match e {
            Expr::List(items) => items
                .iter()
                .flat_map(|i| self.eval_strings(u, scope, i, env, depth + 1))
                .collect(),
            Expr::Name(n) => {
                if let Some(bound) = env_expr(env, n) {
                    return match bound {
                        Bound::One(be, bu, bs) => {
                            self.eval_strings(*bu, bs, be, &Env::new(), depth + 1)
                        }
                        Bound::Many(items, bu, bs) => items
                            .iter()
                            .flat_map(|i| self.eval_strings(*bu, bs, i, &Env::new(), depth + 1))
                            .collect(),
                    };
                }
                match self.local_assign(u, scope, n) {
                    Some((assign_kind, value)) => match (assign_kind, value) {
                        (AssignKind::ForTarget, v) | (AssignKind::Plain, v) => {
                            self.eval_strings(u, scope, v, env, depth + 1)
                        }
                        _ => Vec::new(),
                    },
                    None => self.config.string(e).into_iter().collect(),
                }
            }
            _ => Vec::new(),
        }
    }

    fn eval_view(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'_>,
        depth: u32,
    ) -> Option<View> {
        if depth > MAX_DEPTH {
            return None;
        }
        let root = match e {
            Expr::Name(n) => n.as_str(),
            Expr::Call { callee, .. } if callee.ends_with(".as_view") => receiver_of(callee)?,
            _ => return None,
        };
        if let Some(Bound::One(be, bu, bs)) = env_expr(env, root) {
            return match e {
                Expr::Name(_) => self.eval_view(*bu, bs, be, &Env::new(), depth + 1),
                _ => match be {
                    Expr::Name(n) => self.view_of(
                        *bu,
                        bs,
                        &Expr::Call {
                            callee: format!("{n}.as_view"),
                            args: Vec::new(),
                        },
                        0,
                    ),
                    _ => None,
                },
            };
        }
        if let Expr::Name(n) = e
            && let Some((AssignKind::Plain, value)) = self.local_assign(u, scope, n)
        {
            return self.eval_view(u, scope, value, env, depth + 1);
        }
        self.view_of(u, scope, e, depth)
    }

    /// A variable assigned in `scope` itself (not inherited from the module).
    fn local_assign(&self, u: usize, scope: &str, name: &str) -> Option<(AssignKind, &Expr)> {
        match self.ix.units_index[u].scopes.get(scope)?.get(name)? {
            Binding::Assign(a) => {
                let assign = &self.ix.units[u].facts.assigns[*a];
                Some((assign.kind, &assign.value))
            }
            _ => None,
        }
    }
}

fn env_expr<'e, 'x>(env: &'x Env<'e>, name: &str) -> Option<&'x Bound<'e>> {
    env.get(name)
}

fn strings(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::List(items) => Some(
            items
                .iter()
                .filter_map(|i| {
                    if let Expr::Str(s) = i {
                        Some(s.clone())
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        Expr::Str(s) => Some(vec![s.clone()]),
        _ => None,
    }
}

/// A receiver named like a Flask router (`app`, `bp`, `blueprint`, `api`, `ns`, `*_bp`).
fn looks_like_router(receiver: &str) -> bool {
    let last = last_segment(receiver).to_ascii_lowercase();
    matches!(
        last.as_str(),
        "app" | "bp" | "blueprint" | "api" | "ns" | "router"
    ) || last.ends_with("_bp")
        || last.ends_with("_blueprint")
        || last.ends_with("_api")
}

#[cfg(test)]
mod tests {
    use super::join_path;

    #[test]
    fn paths_join_like_flask() {
        assert_eq!(join_path("/admin", "/"), "/admin/");
        assert_eq!(join_path("", "/topic/<int:id>"), "/topic/<int:id>");
        assert_eq!(join_path("/auth/", "login"), "/auth/login");
        assert_eq!(join_path("/api", ""), "/api");
        assert_eq!(join_path("", ""), "/");
    }
}
