//! Route registrations (decorators, `add_url_rule`, `add_resource`) and their views: which
//! HTTP methods a view serves and which function or method handles each.

use seam_facts::ids::route_id;
use seam_facts::python::{Call, DefKind, Expr};

use super::*;

impl<'a> Resolver<'_, 'a> {
    pub(super) fn add(
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
    pub(super) fn rule_calls(&mut self) {
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
}
