//! Evaluation through the repository's own code: wrapper functions called with their
//! arguments bound to their parameters, `for` loops over known lists, local variables.

use seam_facts::python::{Assign, AssignKind, Call, DefKind, Expr, Param};

use super::*;

impl<'a> Resolver<'_, 'a> {
    /// Calls of wrapper functions: bind the arguments to the wrapper's parameters, then
    /// evaluate the registrations inside it.
    pub(super) fn wrapper_calls(&mut self, targets: &[Vec<Value>], what: Registering) {
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
    pub(super) fn loop_envs(&self, u: usize, call: &Call, env: &Env<'a>) -> Vec<Env<'a>> {
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
    pub(super) fn eval_items(
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

    /// Strings an expression stands for: literals, lists of them, config values, and through a
    /// wrapper's parameters or local variables.
    pub(super) fn eval_strings(
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
    pub(super) fn eval_view(
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
    pub(super) fn local_assigns(&self, u: usize, scope: &str, name: &str) -> Vec<&'a Assign> {
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
