//! Flask routes with their full paths and handlers: `@app.route`/`@bp.route`/`@bp.get`...,
//! `add_url_rule` (plain functions and `MethodView.as_view`), Flask-RESTful/RESTX
//! `add_resource` and `@ns.route`, blueprint and API prefixes (from `Blueprint(...)`,
//! `register_blueprint`, `Api(...)`, `add_namespace`, config constants), and repository
//! functions that forward their arguments into `add_url_rule`/`add_resource` (FlaskBB's
//! `register_view`, Redash's `add_org_resource`), resolved through the wrapper at each call.

use std::collections::{BTreeSet, HashMap};

use seam_facts::ids::route_id;
use seam_facts::python::{Arg, Assign, AssignKind, Call, DefKind, Expr, Param};
use seam_facts::{Diagnostic, Severity};

use super::builder::Builder;
use super::config::Config;
use super::index::{Index, parent_scope};
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
    units: &'a [crate::load::PythonUnit],
    config: &'i Config,
    routers: HashMap<(usize, usize), Router>,
    /// Functions whose `add_url_rule`/`add_resource` calls depend on their parameters: def →
    /// the registering calls inside.
    rule_wrappers: HashMap<(usize, usize), Vec<usize>>,
    /// Likewise for `register_blueprint`/`add_namespace` (`for bp in blueprints: ...`).
    blueprint_wrappers: HashMap<(usize, usize), Vec<usize>>,
    found: BTreeSet<Route>,
    edges: Vec<(String, String, String, u32)>,
    unresolved_prefixes: BTreeSet<(String, u32, String)>,
}

/// Which kind of registration a call inside a wrapper makes.
#[derive(Clone, Copy)]
enum Registering {
    Rules,
    Blueprints,
}

pub(crate) fn resolve_routes(
    ix: &Index<'_>,
    targets: &[Vec<Value>],
    config: &Config,
    b: &mut Builder,
) {
    let mut r = Resolver {
        ix,
        units: ix.units,
        config,
        routers: HashMap::new(),
        rule_wrappers: HashMap::new(),
        blueprint_wrappers: HashMap::new(),
        found: BTreeSet::new(),
        edges: Vec::new(),
        unresolved_prefixes: BTreeSet::new(),
    };
    r.find_routers();
    r.find_registrations();
    r.wrapper_calls(targets, Registering::Blueprints);
    r.decorated_routes();
    r.rule_calls();
    r.wrapper_calls(targets, Registering::Rules);
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

impl<'a> Resolver<'_, 'a> {
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

    /// `register_blueprint`, `add_namespace`, `init_app`: who hangs under whom. Calls whose
    /// blueprint comes from the enclosing function's parameters make it a wrapper.
    fn find_registrations(&mut self) {
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if !matches!(method, "register_blueprint" | "add_namespace" | "init_app") {
                    continue;
                }
                let done = self.link(u, call, &Env::new(), None);
                if !done {
                    self.note_wrapper(u, &call.scope, c, Registering::Blueprints);
                }
            }
        }
    }

    fn note_wrapper(&mut self, u: usize, scope: &str, c: usize, what: Registering) {
        if let Some(d) = self.ix.def_of_scope(u, scope) {
            let def = &self.units[u].facts.defs[d];
            if def.kind != DefKind::Class && !def.params.is_empty() {
                let map = match what {
                    Registering::Rules => &mut self.rule_wrappers,
                    Registering::Blueprints => &mut self.blueprint_wrappers,
                };
                map.entry((u, d)).or_default().push(c);
            }
        }
    }

    /// One registration of routers on a parent, loops expanded. Returns whether any child
    /// router was found.
    fn link(
        &mut self,
        u: usize,
        call: &'a Call,
        env: &Env<'a>,
        caller: Option<(String, usize, String)>,
    ) -> bool {
        let method = last_segment(&call.callee);
        let Some(receiver) = receiver_of(&call.callee) else {
            return false;
        };
        let mut any = false;
        for env in self.loop_envs(u, call, env) {
            let parent = self.eval_router(u, &call.scope, receiver, &env, caller.as_ref());
            let (child_expr, over_key) = match method {
                "register_blueprint" => (
                    positional(&call.args, 0).or_else(|| keyword(&call.args, "blueprint")),
                    Some("url_prefix"),
                ),
                "add_namespace" => (positional(&call.args, 0), Some("path")),
                _ => (
                    positional(&call.args, 0).or_else(|| keyword(&call.args, "app")),
                    None,
                ),
            };
            let Some(child_expr) = child_expr else {
                continue;
            };
            let over = over_key.and_then(|k| keyword(&call.args, k)).map(|e| {
                let strings = self.eval_strings(u, &call.scope, e, &env, 0);
                match strings.into_iter().next() {
                    Some(s) => s,
                    None => self.prefix_string(e, &self.units[u].file.rel, call.line),
                }
            });
            let (child, parent) = if method == "init_app" {
                // `api.init_app(app)`: the receiver hangs under the argument.
                let Expr::Name(app) = child_expr else {
                    continue;
                };
                (
                    self.eval_router(u, &call.scope, receiver, &env, caller.as_ref()),
                    self.eval_router(u, &call.scope, app, &env, caller.as_ref()),
                )
            } else {
                let child = match child_expr {
                    Expr::Name(child) => {
                        self.eval_router(u, &call.scope, child, &env, caller.as_ref())
                    }
                    // `register_blueprint(settings.construct_blueprint(store))`: a factory.
                    Expr::Call { callee, .. } => self.factory_router(u, &call.scope, callee),
                    _ => None,
                };
                (child, parent)
            };
            let Some(child) = child else { continue };
            if method == "init_app"
                && self
                    .routers
                    .get(&child)
                    .is_none_or(|r| r.kind != RouterKind::Api)
            {
                continue;
            }
            if let Some(r) = self.routers.get_mut(&child) {
                r.parents.push(Registration {
                    parent,
                    prefix: over,
                });
                any = true;
            }
        }
        any
    }

    /// The router a factory function builds: the one router variable created in its body.
    fn factory_router(&self, u: usize, scope: &str, callee: &str) -> Option<(usize, usize)> {
        let Value::Def(fu, fd) = self.ix.resolve(u, scope, callee) else {
            return None;
        };
        let qual = self.units[fu].facts.defs[fd].qualname.as_str();
        let mut made: Vec<(usize, usize)> = self
            .routers
            .iter()
            .filter(|((ru, ra), r)| {
                *ru == fu
                    && r.kind != RouterKind::App
                    && self.units[*ru].facts.assigns[*ra].scope == qual
            })
            .map(|(k, _)| *k)
            .collect();
        made.sort_unstable();
        made.first().copied()
    }

    /// The router a name denotes, through wrapper parameters (`bp_or_app`), `self` (the
    /// receiver the wrapper was called on) and variables.
    fn eval_router(
        &self,
        u: usize,
        scope: &str,
        name: &str,
        env: &Env<'a>,
        caller: Option<&(String, usize, String)>,
    ) -> Option<(usize, usize)> {
        match env.get(name) {
            Some(Bound::One(Expr::Name(n), bu, bs)) => self.router_var(*bu, bs, n),
            Some(_) => None,
            None if name == "self" => {
                caller.and_then(|(r, cu, cscope)| self.router_var(*cu, cscope, r))
            }
            None => self.router_var(u, scope, name),
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
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if method != "add_url_rule" && method != "add_resource" {
                    continue;
                }
                let done = self.register(u, call, &Env::new(), None, &unit.file.rel, call.line);
                if !done {
                    self.note_wrapper(u, &call.scope, c, Registering::Rules);
                }
            }
        }
    }

    /// Calls of wrapper functions: bind the arguments to the wrapper's parameters, then
    /// evaluate the registrations inside it.
    fn wrapper_calls(&mut self, targets: &[Vec<Value>], what: Registering) {
        let wrappers = match what {
            Registering::Rules => std::mem::take(&mut self.rule_wrappers),
            Registering::Blueprints => std::mem::take(&mut self.blueprint_wrappers),
        };
        if wrappers.is_empty() {
            return;
        }
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let Value::Def(wu, wd) = targets[u][c] else {
                    continue;
                };
                let Some(inner) = wrappers.get(&(wu, wd)) else {
                    continue;
                };
                let env = bind_arguments(&units[wu].facts.defs[wd], call, u);
                let caller =
                    receiver_of(&call.callee).map(|r| (r.to_owned(), u, call.scope.clone()));
                for &c in inner {
                    let inner_call = &units[wu].facts.calls[c];
                    match what {
                        Registering::Rules => {
                            self.register(
                                wu,
                                inner_call,
                                &env,
                                caller.clone(),
                                &unit.file.rel,
                                call.line,
                            );
                        }
                        Registering::Blueprints => {
                            self.link(wu, inner_call, &env, caller.clone());
                        }
                    }
                }
            }
        }
    }

    /// The environments a registering call runs in: one per element when it sits in a `for`
    /// loop over a known list (`for path, resource in routes:` binds both per tuple, so rules
    /// and views stay paired), else just `env`.
    fn loop_envs(&self, u: usize, call: &Call, env: &Env<'a>) -> Vec<Env<'a>> {
        let mut names: Vec<&str> = Vec::new();
        names.extend(receiver_of(&call.callee));
        for arg in &call.args {
            match &arg.value {
                Expr::Name(n) => names.push(n.as_str()),
                Expr::Call { callee, .. } => names.extend(receiver_of(callee)),
                _ => {}
            }
        }
        let assigns = &self.units[u].facts.assigns;
        let loop_assign = assigns.iter().find(|a| {
            a.kind == AssignKind::ForTarget
                && a.scope == call.scope
                && a.line <= call.line
                && a.targets.iter().any(|t| names.contains(&t.as_str()))
        });
        let Some(assign) = loop_assign else {
            return vec![env.clone()];
        };
        let Some(items) = self.eval_items(u, &assign.scope, &assign.value, env, 0) else {
            return vec![env.clone()];
        };
        let mut out = Vec::new();
        for (item, iu, iscope) in items {
            let mut e = env.clone();
            match (assign.targets.as_slice(), item) {
                ([one], _) => {
                    e.insert(one.as_str(), Bound::One(item, iu, iscope));
                }
                (many, Expr::List(parts)) => {
                    for (t, part) in many.iter().zip(parts) {
                        e.insert(t.as_str(), Bound::One(part, iu, iscope));
                    }
                }
                _ => continue,
            }
            out.push(e);
        }
        out
    }

    /// The elements of an expression that denotes a list: a display, or a name bound (through
    /// parameters, locals or module variables) to one. `None` when it is not a known list.
    fn eval_items(
        &self,
        u: usize,
        scope: &'a str,
        e: &'a Expr,
        env: &Env<'a>,
        depth: u32,
    ) -> Option<Vec<(&'a Expr, usize, &'a str)>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expr::List(items) => Some(items.iter().map(|i| (i, u, scope)).collect()),
            Expr::Name(n) => match env.get(n.as_str()) {
                Some(Bound::One(be, bu, bs)) => {
                    self.eval_items(*bu, bs, be, &Env::new(), depth + 1)
                }
                Some(Bound::Many(items, bu, bs)) => {
                    Some(items.iter().map(|i| (*i, *bu, *bs)).collect())
                }
                None => match self.ix.resolve(u, scope, n) {
                    Value::Var(vu, va) => {
                        let assign = &self.units[vu].facts.assigns[va];
                        match assign.kind {
                            AssignKind::Plain => {
                                self.eval_items(vu, &assign.scope, &assign.value, env, depth + 1)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                },
            },
            _ => None,
        }
    }

    /// Register the routes of one `add_url_rule`/`add_resource` call, evaluated in the wrapper
    /// environment `env` (empty for a direct call), loops expanded. Returns whether any route
    /// was registered.
    fn register(
        &mut self,
        u: usize,
        call: &'a Call,
        env: &Env<'a>,
        caller: Option<(String, usize, String)>,
        file: &str,
        line: u32,
    ) -> bool {
        let mut any = false;
        for env in self.loop_envs(u, call, env) {
            any |= self.register_one(u, call, &env, caller.clone(), file, line);
        }
        any
    }

    fn register_one(
        &mut self,
        u: usize,
        call: &'a Call,
        env: &Env<'a>,
        caller: Option<(String, usize, String)>,
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
        let router = self.eval_router(u, &call.scope, receiver, env, caller.as_ref());
        let prefixes = self.prefixes(router, 0);
        let handlers = self.handlers(view, &explicit);
        self.add(&prefixes, &rules, &handlers, file, line);
        true
    }

    /// Strings an expression stands for: literals, lists of them, config values, and through a
    /// wrapper's parameters or local variables.
    fn eval_strings(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'a>,
        depth: u32,
    ) -> Vec<String> {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        match e {
            Expr::List(items) => items
                .iter()
                .flat_map(|i| self.eval_strings(u, scope, i, env, depth + 1))
                .collect(),
            Expr::Name(n) => {
                if let Some(bound) = env.get(n.as_str()) {
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
                if let Some(assign) = self
                    .local_assigns(u, scope, n)
                    .into_iter()
                    .find(|a| a.kind == AssignKind::Plain)
                {
                    return self.eval_strings(u, scope, &assign.value, env, depth + 1);
                }
                match self.ix.resolve(u, scope, n) {
                    Value::Var(vu, va)
                        if self.units[vu].facts.assigns[va].kind == AssignKind::Plain =>
                    {
                        let assign = &self.units[vu].facts.assigns[va];
                        self.eval_strings(vu, &assign.scope, &assign.value, &Env::new(), depth + 1)
                    }
                    _ => self.config.string(e).into_iter().collect(),
                }
            }
            other => self.config.string(other).into_iter().collect(),
        }
    }

    /// The view an expression denotes: `Cls.as_view(...)`, a function, a class (for
    /// `add_resource`), through wrapper parameters and local variables (the one assigned from
    /// `as_view` when a name is assigned several times).
    fn eval_view(
        &self,
        u: usize,
        scope: &str,
        e: &Expr,
        env: &Env<'a>,
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
        if let Some(Bound::One(be, bu, bs)) = env.get(root) {
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
        if let Expr::Name(n) = e {
            let locals = self.local_assigns(u, scope, n);
            let best = locals
                .iter()
                .find(|a| matches!(&a.value, Expr::Call { callee, .. } if callee.ends_with(".as_view")))
                .or_else(|| locals.first());
            if let Some(assign) = best
                && assign.kind == AssignKind::Plain
            {
                return self.eval_view(u, scope, &assign.value, env, depth + 1);
            }
        }
        self.view_of(u, scope, e, depth)
    }

    /// Plain and loop assignments to `name` made in `scope` itself, in source order.
    fn local_assigns(&self, u: usize, scope: &str, name: &str) -> Vec<&'a Assign> {
        let units = self.units;
        units[u]
            .facts
            .assigns
            .iter()
            .filter(|a| a.scope == scope && a.targets.len() == 1 && a.targets[0] == name)
            .collect()
    }
}

/// Bind a call's arguments to a def's parameters (the first, `self`/`cls`, skipped for
/// methods); surplus positional arguments go to `*args`.
fn bind_arguments<'a>(def: &'a seam_facts::python::Def, call: &'a Call, u: usize) -> Env<'a> {
    let mut params: Vec<&Param> = def.params.iter().collect();
    if def.kind == DefKind::Method && !params.is_empty() {
        params.remove(0);
    }
    let mut env: Env<'a> = Env::new();
    let mut extra: Vec<&'a Expr> = Vec::new();
    let mut pos = 0;
    let scope = call.scope.as_str();
    for arg in &call.args {
        match arg.keyword.as_deref() {
            None => {
                match params.get(pos) {
                    Some(p) if p.star == 0 => {
                        env.insert(p.name.as_str(), Bound::One(&arg.value, u, scope));
                    }
                    _ => extra.push(&arg.value),
                }
                pos += 1;
            }
            Some("*" | "**") => {}
            Some(k) => {
                if let Some(p) = params.iter().find(|p| p.name == k) {
                    env.insert(p.name.as_str(), Bound::One(&arg.value, u, scope));
                }
            }
        }
    }
    if let Some(p) = params.iter().find(|p| p.star == 1) {
        env.insert(p.name.as_str(), Bound::Many(extra, u, scope));
    }
    env
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
