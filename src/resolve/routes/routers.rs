//! Routers (Flask apps, blueprints, Flask-RESTful/RESTX APIs and namespaces), how they hang
//! under each other (`register_blueprint`, `add_namespace`, `init_app`, factories, loops) and
//! the URL prefixes that follow.

use rustc_hash::FxHashSet as HashSet;

use seam_facts::python::{Call, DefKind, Expr};

use super::*;

impl<'a> Resolver<'_, 'a> {
    pub(super) fn find_routers(&mut self) {
        let subclasses = self.router_subclass_names();
        for (u, unit) in self.ix.units.iter().enumerate() {
            for (a, assign) in unit.facts.assigns.iter().enumerate() {
                let Expr::Call { callee, args } = &assign.value else {
                    continue;
                };
                let (kind, class) = match router_kind(last_segment(callee)) {
                    Some(kind) => (kind, None),
                    None if subclasses.contains(last_segment(callee)) => {
                        match self.router_subclass(u, &assign.scope, callee) {
                            Some((kind, class)) => (kind, Some(class)),
                            None => continue,
                        }
                    }
                    None => continue,
                };
                let prefix_key = match kind {
                    RouterKind::App => None,
                    RouterKind::Blueprint => Some("url_prefix"),
                    RouterKind::Api => Some("prefix"),
                    RouterKind::Namespace => Some("path"),
                };
                // A subclass may set its own prefix and name in `__init__`
                // (`super().__init__("admin", __name__, url_prefix="/admin")`).
                let init = class.and_then(|c| self.init_call(c));
                let prefix_expr = prefix_key.and_then(|k| {
                    keyword(args, k).or_else(|| init.and_then(|i| keyword(&i.args, k)))
                });
                let name = match kind {
                    RouterKind::Blueprint | RouterKind::Namespace => {
                        match positional(args, 0)
                            .or_else(|| keyword(args, "name"))
                            .or_else(|| init.and_then(|i| positional(&i.args, 0)))
                        {
                            Some(Expr::Str(n)) => Some(self.config.interpolate(n)),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let own_prefix = match (kind, prefix_expr) {
                    (_, Some(e)) => self.own_prefix(e, &assign.scope, u, assign.line),
                    (RouterKind::Namespace, None) => Some(match &name {
                        Some(name) => format!("/{name}"),
                        None => String::new(),
                    }),
                    _ => Some(String::new()),
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
                        name,
                        parents,
                    },
                );
            }
        }
        self.factory_apps();
    }

    /// Names of the repository classes that derive a Flask router class: only a call of one of
    /// these names can build a router subclass, so no other call is resolved for it.
    fn router_subclass_names(&self) -> HashSet<&'a str> {
        let units = self.units;
        let mut names = HashSet::default();
        for (u, unit) in units.iter().enumerate() {
            for (d, def) in unit.facts.defs.iter().enumerate() {
                if def.kind == DefKind::Class && self.router_base_kind(u, d).is_some() {
                    names.insert(last_segment(&def.qualname));
                }
            }
        }
        names
    }

    /// The router kind a class derives, through repository bases to a bounded depth.
    fn router_base_kind(&self, cu: usize, cd: usize) -> Option<RouterKind> {
        let mut todo = vec![(cu, cd)];
        let mut seen = Vec::new();
        while let Some((bu, bd)) = todo.pop() {
            if seen.contains(&(bu, bd)) || seen.len() > MAX_DEPTH as usize {
                continue;
            }
            seen.push((bu, bd));
            let def = &self.units[bu].facts.defs[bd];
            if def.kind != DefKind::Class {
                return None;
            }
            for b in &def.bases {
                if let Expr::Name(n) | Expr::Call { callee: n, .. } = b
                    && let Some(kind) = router_kind(last_segment(n))
                {
                    return Some(kind);
                }
            }
            todo.extend(self.ix.repo_bases(bu, bd, 0));
        }
        None
    }

    /// A repository class deriving (through repository bases, to a bounded depth) from a Flask
    /// router class: the kind, and the class.
    fn router_subclass(
        &self,
        u: usize,
        scope: &str,
        callee: &str,
    ) -> Option<(RouterKind, (usize, usize))> {
        let Value::Def(cu, cd) = self.ix.resolve(u, scope, callee) else {
            return None;
        };
        self.router_base_kind(cu, cd).map(|kind| (kind, (cu, cd)))
    }

    /// The `super().__init__(...)` (or `Base.__init__(self, ...)`) call in a class's
    /// `__init__`.
    fn init_call(&self, (cu, cd): (usize, usize)) -> Option<&'a Call> {
        let units = self.units;
        let init = format!("{}.__init__", units[cu].facts.defs[cd].qualname);
        units[cu]
            .facts
            .calls
            .iter()
            .find(|c| c.scope == init && c.callee.ends_with(".__init__"))
    }

    /// `app = create_app()` outside the factory: each call of an application factory builds
    /// another application, whose own routes are its own.
    fn factory_apps(&mut self) {
        let builders = self.app_builders();
        if builders.is_empty() {
            return;
        }
        let names: HashSet<&str> = builders
            .iter()
            .map(|&(u, d)| last_segment(&self.units[u].facts.defs[d].qualname))
            .collect();
        let mut made = Vec::new();
        for (u, unit) in self.ix.units.iter().enumerate() {
            for (a, assign) in unit.facts.assigns.iter().enumerate() {
                let Expr::Call { callee, .. } = &assign.value else {
                    continue;
                };
                if assign.targets.len() != 1
                    || !names.contains(last_segment(callee))
                    || self.routers.contains_key(&(u, a))
                {
                    continue;
                }
                if let Value::Def(fu, fd) = self.ix.resolve(u, &assign.scope, callee)
                    && builders.contains(&(fu, fd))
                {
                    made.push((u, a));
                }
            }
        }
        for key in made {
            self.factory_instances.insert(key);
            self.routers.insert(
                key,
                Router {
                    kind: RouterKind::App,
                    own_prefix: Some(String::new()),
                    name: None,
                    parents: Vec::new(),
                },
            );
        }
    }

    /// The functions that build a Flask app: `Flask(...)` assigned in their body, or an
    /// assignment from a call of another such function (`create_app()` →
    /// `factory.create_app(...)`), to a bounded depth. Grown outwards from the direct
    /// builders, resolving only calls named like a builder, so the cost follows the few app
    /// factories rather than every call of the repository.
    fn app_builders(&self) -> HashSet<(usize, usize)> {
        let function = |u: usize, scope: &str| {
            self.ix
                .def_of_scope(u, scope)
                .filter(|&d| self.units[u].facts.defs[d].kind != DefKind::Class)
        };
        let mut builders: HashSet<(usize, usize)> = self
            .routers
            .iter()
            .filter(|(_, r)| r.kind == RouterKind::App)
            .filter_map(|(&(u, a), _)| {
                function(u, &self.units[u].facts.assigns[a].scope).map(|d| (u, d))
            })
            .collect();
        for _ in 0..=MAX_DEPTH {
            let names: HashSet<&str> = builders
                .iter()
                .map(|&(u, d)| last_segment(&self.units[u].facts.defs[d].qualname))
                .collect();
            let mut grown = Vec::new();
            for (u, unit) in self.units.iter().enumerate() {
                for assign in &unit.facts.assigns {
                    let Expr::Call { callee, .. } = &assign.value else {
                        continue;
                    };
                    if assign.scope.is_empty() || !names.contains(last_segment(callee)) {
                        continue;
                    }
                    let Some(caller) = function(u, &assign.scope).map(|d| (u, d)) else {
                        continue;
                    };
                    if builders.contains(&caller) {
                        continue;
                    }
                    if let Value::Def(gu, gd) = self.ix.resolve(u, &assign.scope, callee)
                        && (gu, gd) != caller
                        && builders.contains(&(gu, gd))
                    {
                        grown.push(caller);
                    }
                }
            }
            if grown.is_empty() {
                break;
            }
            builders.extend(grown);
        }
        builders
    }

    /// A router's own prefix: a literal or configuration value; a template whose holes cannot
    /// be bound is `None` (its routes would be guessed wrong).
    fn own_prefix(&mut self, e: &Expr, scope: &str, u: usize, line: u32) -> Option<String> {
        if let Some(s) = self.config.string(e) {
            return Some(s);
        }
        let values = self.eval_strings(u, scope, e, &Env::default(), 0);
        if let [one] = values.as_slice() {
            return Some(one.clone());
        }
        if matches!(e, Expr::Format { .. } | Expr::Concat(_)) {
            let file = self.units[u].file.rel.clone();
            self.unbound.insert((
                file,
                line,
                "URL prefix built from values seam cannot bind; the routes under it are left out"
                    .to_owned(),
            ));
            return None;
        }
        let file = self.units[u].file.rel.clone();
        Some(self.prefix_string(e, &file, line))
    }

    pub(super) fn prefix_string(&mut self, e: &Expr, file: &str, line: u32) -> String {
        match self.config.string(e) {
            Some(s) => s,
            None => {
                if !matches!(e, Expr::Const(_)) {
                    let key = match e {
                        Expr::Subscript { key, .. } => match &**key {
                            Expr::Str(k) => k.to_string(),
                            _ => "?".to_owned(),
                        },
                        Expr::Name(n) => n.to_string(),
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
    pub(super) fn router_var(&self, u: usize, scope: &str, name: &str) -> Option<(usize, usize)> {
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
                        // `bp = construct_blueprint(store)`: the router the factory builds.
                        Expr::Call { callee, .. } => {
                            return self.factory_router(vu, &assign.scope, callee);
                        }
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        None
    }

    /// Whether the root of a dotted name is a parameter of the def `scope` names (and so is
    /// known only at a call).
    pub(super) fn is_param(&self, u: usize, scope: &str, name: &str) -> bool {
        let root = name.split('.').next().unwrap_or(name);
        if root == "self" || root == "cls" {
            return false;
        }
        self.ix.def_of_scope(u, scope).is_some_and(|d| {
            self.units[u].facts.defs[d]
                .params
                .iter()
                .any(|p| p.name == root)
        })
    }

    /// `register_blueprint`, `add_namespace`, `init_app`: who hangs under whom. Calls whose
    /// blueprint comes from the enclosing function's parameters make it a wrapper.
    pub(super) fn find_registrations(&mut self) {
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if !matches!(method, "register_blueprint" | "add_namespace" | "init_app") {
                    continue;
                }
                let done = self.link(u, call, &Env::default(), None);
                if done {
                    self.bound_calls.insert((u, c));
                } else {
                    self.note_wrapper(u, &call.scope, Reg::Call(c), Registering::Blueprints);
                }
            }
        }
    }

    pub(super) fn note_wrapper(&mut self, u: usize, scope: &str, reg: Reg, what: Registering) {
        if let Some(d) = self.ix.def_of_scope(u, scope) {
            let def = &self.units[u].facts.defs[d];
            if def.kind != DefKind::Class && !def.params.is_empty() {
                let map = match what {
                    Registering::Rules => &mut self.rule_wrappers,
                    Registering::Blueprints => &mut self.blueprint_wrappers,
                };
                map.entry((u, d)).or_default().push(reg);
            }
        }
    }

    /// One registration of routers on a parent, loops expanded. Returns whether any child
    /// router was found.
    pub(super) fn link(
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
            let over = match over_key.and_then(|k| self.keyword_in(u, call, k, &env)) {
                Some((e, eu, escope, eenv)) => {
                    let strings = self.eval_strings(eu, escope, e, &eenv, 0);
                    Some(match strings.into_iter().next() {
                        Some(s) => s,
                        None => {
                            let file = self.units[u].file.rel.clone();
                            self.prefix_string(e, &file, call.line)
                        }
                    })
                }
                None => None,
            };
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
                let reg = Registration {
                    parent,
                    prefix: over,
                };
                let dup = r
                    .parents
                    .iter()
                    .any(|p| p.parent == reg.parent && p.prefix == reg.prefix);
                if !dup {
                    r.parents.push(reg);
                }
                any = true;
            }
        }
        any
    }

    /// The router a factory function builds: the one router variable created in its body.
    pub(super) fn factory_router(
        &self,
        u: usize,
        scope: &str,
        callee: &str,
    ) -> Option<(usize, usize)> {
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
    pub(super) fn eval_router(
        &self,
        u: usize,
        scope: &str,
        name: &str,
        env: &Env<'a>,
        caller: Option<&(String, usize, String)>,
    ) -> Option<(usize, usize)> {
        self.eval_router_at(u, scope, name, env, caller, 0)
    }

    fn eval_router_at(
        &self,
        u: usize,
        scope: &str,
        name: &str,
        env: &Env<'a>,
        caller: Option<&(String, usize, String)>,
        depth: u32,
    ) -> Option<(usize, usize)> {
        if depth > MAX_DEPTH {
            return None;
        }
        match env.get(name) {
            Some(Bound::One(Expr::Name(n), bu, bs, benv)) => {
                self.eval_router_at(*bu, bs, n, benv, None, depth + 1)
            }
            Some(Bound::One(Expr::Call { callee, .. }, bu, bs, _)) => {
                self.factory_router(*bu, bs, callee)
            }
            Some(_) => None,
            None if name == "self" => {
                caller.and_then(|(r, cu, cscope)| self.router_var(*cu, cscope, r))
            }
            None => self
                .router_var(u, scope, name)
                .or_else(|| self.imported_router(u, scope, name, env, depth)),
        }
    }

    /// `module.blueprint` where `module = importlib.import_module(f"pkg.{name}")` in the same
    /// scope: the router the named repository module binds (the name evaluated in `env`, so a
    /// loop over module names yields one module per element).
    fn imported_router(
        &self,
        u: usize,
        scope: &str,
        name: &str,
        env: &Env<'a>,
        depth: u32,
    ) -> Option<(usize, usize)> {
        let (root, attr) = name.split_once('.')?;
        let assign = self
            .local_assigns(u, scope, root)
            .into_iter()
            .find(|a| matches!(&a.value, Expr::Call { callee, .. } if last_segment(callee) == "import_module"))?;
        let Expr::Call { args, .. } = &assign.value else {
            return None;
        };
        let module = positional(args, 0)?;
        self.eval_strings(u, scope, module, env, depth + 1)
            .iter()
            .filter_map(|m| self.ix.module(m))
            .find_map(|mu| self.router_var(mu, "", attr))
    }

    /// Every mount a router is reachable under: full prefix, blueprint names, application.
    pub(super) fn mounts(&self, router: Option<(usize, usize)>, depth: u32) -> Vec<Mount> {
        let root = Mount {
            path: String::new(),
            names: String::new(),
            namespace: None,
            app: None,
        };
        let Some(key) = router else {
            return vec![root];
        };
        let Some(r) = self.routers.get(&key) else {
            return vec![root];
        };
        if depth > MAX_DEPTH {
            return vec![root];
        }
        if r.kind == RouterKind::App {
            return vec![Mount {
                app: Some(key),
                ..root
            }];
        }
        let parents: Vec<(Option<RouterKey>, Option<&String>)> = if r.parents.is_empty() {
            vec![(None, None)]
        } else {
            r.parents
                .iter()
                .map(|p| (p.parent, p.prefix.as_ref()))
                .collect()
        };
        let mut out = Vec::new();
        for (parent, over) in parents {
            let Some(own) = over.or(r.own_prefix.as_ref()) else {
                continue;
            };
            for m in self.mounts(parent, depth + 1) {
                let path = if m.path.is_empty() {
                    own.clone()
                } else if own.is_empty() {
                    m.path.clone()
                } else {
                    join_path(&m.path, own)
                };
                let names = match (r.kind, &r.name) {
                    (RouterKind::Blueprint, Some(n)) if m.names.is_empty() => n.clone(),
                    (RouterKind::Blueprint, Some(n)) => format!("{}.{n}", m.names),
                    _ => m.names.clone(),
                };
                let namespace = match r.kind {
                    RouterKind::Namespace => r.name.clone(),
                    _ => m.namespace.clone(),
                };
                let mount = Mount {
                    path,
                    names,
                    namespace,
                    app: m.app,
                };
                if !out.contains(&mount) {
                    out.push(mount);
                }
            }
        }
        out
    }
}

type RouterKey = (usize, usize);

/// The router kind a Flask (or Flask-RESTful/RESTX) class name denotes.
fn router_kind(class: &str) -> Option<RouterKind> {
    match class {
        "Flask" | "Quart" => Some(RouterKind::App),
        "Blueprint" | "APIBlueprint" => Some(RouterKind::Blueprint),
        "Api" | "ExternalApi" => Some(RouterKind::Api),
        "Namespace" => Some(RouterKind::Namespace),
        _ => None,
    }
}
