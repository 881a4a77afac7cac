//! Routers (Flask apps, blueprints, Flask-RESTful/RESTX APIs and namespaces), how they hang
//! under each other (`register_blueprint`, `add_namespace`, `init_app`, factories, loops) and
//! the URL prefixes that follow.

use seam_facts::python::{Call, DefKind, Expr};

use super::*;

impl<'a> Resolver<'_, 'a> {
    pub(super) fn find_routers(&mut self) {
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

    pub(super) fn prefix_string(&mut self, e: &Expr, file: &str, line: u32) -> String {
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
    pub(super) fn find_registrations(&mut self) {
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

    pub(super) fn note_wrapper(&mut self, u: usize, scope: &str, c: usize, what: Registering) {
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
    pub(super) fn prefixes(&self, router: Option<(usize, usize)>, depth: u32) -> Vec<String> {
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
}
