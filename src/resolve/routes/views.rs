//! Route registrations (decorators, `add_url_rule`, `add_resource`) and their views: which
//! HTTP methods a view serves and which function or method handles each.

use seam_facts::ids::route_id;
use seam_facts::python::{Call, DefKind, Expr};

use super::*;

impl<'a> Resolver<'_, 'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn add(
        &mut self,
        mounts: &[Mount],
        rules: &[String],
        methods: &[(String, String)],
        endpoint: Option<&LocalEndpoint>,
        view: Option<View>,
        file: &str,
        line: u32,
    ) {
        let view_id = match view {
            Some(View::Class(u, d)) => Some(self.ix.symbol_id(u, d)),
            Some(View::Function(..)) | None => None,
        };
        for mount in mounts {
            let endpoint = endpoint.map(|e| e.full(mount));
            for rule in rules {
                // Adjacent literals (`"/a/" "b"`) are joined by the front end with a newline.
                let rule: String = rule.chars().filter(|c| *c != '\n').collect();
                let path = join_path(&mount.path, rule.trim());
                for (method, handler) in methods {
                    let id = route_id(method, &path);
                    self.edges
                        .push((id.clone(), handler.clone(), file.to_owned(), line));
                    self.found.push(Found {
                        route: Route {
                            id,
                            path: path.clone(),
                            methods: vec![method.to_uppercase()],
                            handler: handler.clone(),
                            endpoint: endpoint.clone(),
                            view: view_id.clone(),
                            app: None,
                            file: file.to_owned(),
                            line,
                        },
                        app: mount.app,
                    });
                }
            }
        }
    }

    /// (method, handler id) pairs of a view; `explicit` methods (from `methods=`) win.
    pub(super) fn handlers(&self, view: View, explicit: &[String]) -> Vec<(String, String)> {
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
    pub(super) fn class_methods_attr(&self, u: usize, d: usize) -> Option<Vec<String>> {
        let qual = self.ix.units[u].facts.defs[d].qualname.as_str();
        let a = *self.ix.units_index[u]
            .class_attrs
            .get(qual)?
            .get("methods")?;
        strings(&self.ix.units[u].facts.assigns[a].value)
    }

    pub(super) fn view_of(&self, u: usize, scope: &str, e: &Expr, depth: u32) -> Option<View> {
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

    pub(super) fn decorated_routes(&mut self) {
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (d, def) in unit.facts.defs.iter().enumerate() {
                for (i, deco) in def.decorators.iter().enumerate() {
                    let Expr::Call { callee, .. } = deco else {
                        continue;
                    };
                    let Some(receiver) = receiver_of(callee) else {
                        continue;
                    };
                    let scope = parent_scope(&def.qualname);
                    if self.is_param(u, scope, receiver) {
                        // `@bp.route` inside `def construct_routes(bp)`: bound at its calls.
                        if self.route_decorator(u, scope, callee) {
                            self.note_wrapper(u, scope, Reg::Decorator(d, i), Registering::Rules);
                            self.pending_decorators.insert((u, d, i));
                        }
                        continue;
                    }
                    self.decorated_one(u, d, i, &Env::default(), None, &unit.file.rel, def.line);
                }
            }
        }
    }

    /// Whether a decorator is a route registration: `.route(...)`, or `.get(...)`... on
    /// something that is (or is named like) a router.
    fn route_decorator(&self, u: usize, scope: &str, callee: &str) -> bool {
        let method = last_segment(callee);
        let Some(receiver) = receiver_of(callee) else {
            return false;
        };
        if self.router_var(u, scope, receiver).is_some() {
            return method == "route" || HTTP_METHODS.contains(&method);
        }
        !self.known_non_router(u, scope, receiver)
            && (method == "route"
                || (HTTP_METHODS.contains(&method) && looks_like_router(receiver)))
    }

    /// A receiver bound to something seam sees that is not a Flask router (a FastAPI app, a
    /// module, a class instance): it registers no Flask route.
    pub(super) fn known_non_router(&self, u: usize, scope: &str, receiver: &str) -> bool {
        if self.router_var(u, scope, receiver).is_some() || self.is_param(u, scope, receiver) {
            return false;
        }
        match self.ix.resolve(u, scope, receiver) {
            Value::Module(_) | Value::Def(..) => true,
            Value::External(e) => !e.starts_with("flask"),
            Value::Instance(cu, cd) => !self.router_class(cu, cd),
            Value::Var(vu, va) => match &self.units[vu].facts.assigns[va].value {
                Expr::Call { callee, .. } => {
                    match self
                        .ix
                        .resolve(vu, &self.units[vu].facts.assigns[va].scope, callee)
                    {
                        Value::External(e) => !e.starts_with("flask"),
                        Value::Def(cu, cd) => {
                            self.units[cu].facts.defs[cd].kind == DefKind::Class
                                && !self.router_class(cu, cd)
                        }
                        _ => false,
                    }
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// A repository class deriving (directly or through repository bases) from a Flask
    /// router class.
    fn router_class(&self, u: usize, d: usize) -> bool {
        let mut classes = vec![(u, d)];
        classes.extend(self.ix.repo_bases(u, d, 0));
        classes.iter().any(|&(cu, cd)| {
            self.units[cu].facts.defs[cd].bases.iter().any(|b| match b {
                Expr::Name(n) | Expr::Call { callee: n, .. } => matches!(
                    last_segment(n),
                    "Flask" | "Quart" | "Blueprint" | "Api" | "Namespace" | "MethodView" | "View"
                ),
                _ => false,
            })
        })
    }

    /// The rules that read as Flask rules: one left with a template hole (`/{path}/x`, an
    /// f-string over a runtime value) is not guessed; its registration stays unbound and is
    /// reported as such.
    pub(super) fn readable_rules(rules: Vec<String>) -> Vec<String> {
        rules
            .into_iter()
            .filter(|r| !r.contains('{') && !r.contains('}'))
            .collect()
    }

    /// The routes of one route decorator, its receiver and rule evaluated in `env`. Returns
    /// whether it was bound (a route decorator whose rule cannot be read is reported).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn decorated_one(
        &mut self,
        u: usize,
        d: usize,
        i: usize,
        env: &Env<'a>,
        caller: Option<&(String, usize, String)>,
        file: &str,
        line: u32,
    ) -> bool {
        let units = self.units;
        let def = &units[u].facts.defs[d];
        let Some(Expr::Call { callee, args }) = def.decorators.get(i) else {
            return false;
        };
        let method = last_segment(callee);
        let Some(receiver) = receiver_of(callee) else {
            return false;
        };
        let scope = parent_scope(&def.qualname);
        if !self.route_decorator(u, scope, callee) {
            return false;
        }
        let router = self.eval_router(u, scope, receiver, env, caller);
        let explicit: Vec<String> = if method == "route" {
            keyword(args, "methods")
                .map(|e| self.eval_strings(u, scope, e, env, 0))
                .unwrap_or_default()
        } else {
            vec![method.to_uppercase()]
        };
        let rules = positional(args, 0)
            .or_else(|| keyword(args, "rule"))
            .map(|e| self.eval_strings(u, scope, e, env, 0))
            .unwrap_or_default();
        let rules = Self::readable_rules(rules);
        if rules.is_empty() {
            // Reported here; not again as a decorator no call binds.
            self.bound_decorators.insert((u, d, i));
            self.unbound.insert((
                units[u].file.rel.clone(),
                def.line,
                format!("`@{callee}` on `{}`: its rule is not a value seam can read; the route is left out", def.qualname),
            ));
            return false;
        }
        let (view, local) = if def.kind == DefKind::Class {
            let class = last_segment(&def.qualname).to_owned();
            (View::Class(u, d), LocalEndpoint::Resource(class))
        } else {
            (
                View::Function(u, d),
                LocalEndpoint::Named(last_segment(&def.qualname).to_owned()),
            )
        };
        let local = match keyword(args, "endpoint")
            .and_then(|e| self.eval_strings(u, scope, e, env, 0).into_iter().next())
        {
            Some(e) => LocalEndpoint::Named(e),
            None => local,
        };
        let handlers = self.handlers(view, &explicit);
        let mounts = self.mounts(router, 0);
        self.add(
            &mounts,
            &rules,
            &handlers,
            Some(&local),
            Some(view),
            file,
            line,
        );
        true
    }

    /// Direct `add_url_rule`/`add_resource` calls; those whose rule or view depends on the
    /// enclosing function's parameters make that function a wrapper.
    pub(super) fn rule_calls(&mut self) {
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if method != "add_url_rule" && method != "add_resource" {
                    continue;
                }
                let done = self.register(u, call, &Env::default(), None, &unit.file.rel, call.line);
                if done {
                    self.bound_calls.insert((u, c));
                } else {
                    self.note_wrapper(u, &call.scope, Reg::Call(c), Registering::Rules);
                }
            }
        }
    }

    /// Registering calls and route decorators no evaluation could bind, reported.
    pub(super) fn never_bound(&mut self) {
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            if unit.file.tags.contains(&crate::discover::Tag::Test) {
                continue; // a test's throwaway app
            }
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let method = last_segment(&call.callee);
                if !matches!(
                    method,
                    "add_url_rule" | "add_resource" | "register_blueprint" | "add_namespace"
                ) || self.bound_calls.contains(&(u, c))
                {
                    continue;
                }
                let Some(receiver) = receiver_of(&call.callee) else {
                    continue;
                };
                if self.known_non_router(u, &call.scope, receiver) {
                    continue; // `toolkit.add_resource(...)`: not a Flask registration
                }
                let what = if matches!(method, "register_blueprint" | "add_namespace") {
                    "the router it registers"
                } else {
                    "its rule or view"
                };
                self.unbound.insert((
                    unit.file.rel.clone(),
                    call.line,
                    format!(
                        "`{}(...)`: {what} is not a value seam can bind; left out",
                        call.callee
                    ),
                ));
            }
        }
        for (u, d, i) in std::mem::take(&mut self.pending_decorators) {
            if self.bound_decorators.contains(&(u, d, i)) {
                continue;
            }
            let def = &units[u].facts.defs[d];
            self.unbound.insert((
                units[u].file.rel.clone(),
                def.line,
                format!(
                    "route decorator on `{}`: its router is a parameter no call binds; the route is left out",
                    def.qualname
                ),
            ));
        }
    }

    /// Register the routes of one `add_url_rule`/`add_resource` call, evaluated in the wrapper
    /// environment `env` (empty for a direct call), loops expanded. Returns whether any route
    /// was registered.
    pub(super) fn register(
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

    pub(super) fn register_one(
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
        if !env.contains_key(receiver.split('.').next().unwrap_or(receiver))
            && self.is_param(u, &call.scope, receiver)
        {
            // The router is known only at the wrapper's calls.
            return false;
        }
        let args = self.spread_args(u, call, env);
        let pos = |i: usize| args.iter().filter(|a| a.keyword.is_none()).nth(i);
        let kw = |k: &str| args.iter().find(|a| a.keyword == Some(k));
        let strings_of =
            |a: &wrappers::ArgAt<'a>| self.eval_strings(a.u, a.scope, a.value, &a.env, 0);
        let view_of = |a: &wrappers::ArgAt<'a>| self.eval_view(a.u, a.scope, a.value, &a.env, 0);
        let (rules, view, explicit, local) = if method == "add_url_rule" {
            let rules = pos(0)
                .or_else(|| kw("rule"))
                .map(strings_of)
                .unwrap_or_default();
            let view_arg = pos(2).or_else(|| kw("view_func"));
            let view = view_arg.and_then(view_of);
            let methods = kw("methods").map(strings_of).unwrap_or_default();
            let explicit_endpoint = pos(1)
                .or_else(|| kw("endpoint"))
                .and_then(|a| self.name_value(a.u, a.scope, a.value, &a.env, 0));
            let local = explicit_endpoint
                .or_else(|| view_arg.and_then(|a| self.view_name(a.u, a.scope, a.value, &a.env, 0)))
                .map(LocalEndpoint::Named);
            (rules, view, methods, local)
        } else {
            let view_arg = pos(0).or_else(|| kw("resource"));
            let view = view_arg.and_then(view_of);
            let mut rules = Vec::new();
            let mut positional_seen = 0;
            for a in &args {
                match a.keyword {
                    None => {
                        positional_seen += 1;
                        if positional_seen > 1 {
                            rules.extend(strings_of(a));
                        }
                    }
                    Some("urls") => rules.extend(strings_of(a)),
                    _ => {}
                }
            }
            let local = match kw("endpoint")
                .and_then(|a| self.name_value(a.u, a.scope, a.value, &a.env, 0))
            {
                Some(e) => Some(LocalEndpoint::Named(e)),
                None => view_arg
                    .and_then(|a| self.view_name(a.u, a.scope, a.value, &a.env, 0))
                    .map(LocalEndpoint::Resource),
            };
            (rules, view, Vec::new(), local)
        };
        let rules = Self::readable_rules(rules);
        let (Some(view), false) = (view, rules.is_empty()) else {
            return false;
        };
        let router = self.eval_router(u, &call.scope, receiver, env, caller.as_ref());
        let mounts = self.mounts(router, 0);
        let handlers = self.handlers(view, &explicit);
        self.add(
            &mounts,
            &rules,
            &handlers,
            local.as_ref(),
            Some(view),
            file,
            line,
        );
        true
    }
}
