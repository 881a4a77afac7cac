//! Evaluation through the repository's own code: wrapper functions called with their
//! arguments bound to their parameters (through chains of calls: `create_app(blueprints=...)`
//! → `configure_blueprints(app, blueprints)` → `register_blueprint`), `for` loops over known
//! lists, `*args`/`**kwargs`, local variables, string templates and concatenation.

use seam_facts::python::{Arg, Assign, AssignKind, Call, DefKind, Expr, Param};

use super::*;

/// How many strings one template or concatenation may expand to.
const MAX_STRINGS: usize = 64;

/// An argument of a call with where its value is evaluated: `*route` spreads the elements of
/// `route`, which may come from another module.
pub(super) struct ArgAt<'a> {
    pub keyword: Option<&'a str>,
    pub value: &'a Expr,
    pub u: usize,
    pub scope: &'a str,
    pub env: Rc<Env<'a>>,
}

impl<'a> Resolver<'_, 'a> {
    /// Functions that pass their parameters on to a wrapper become wrappers too, to a bounded
    /// depth of calls.
    pub(super) fn find_forwarders(&mut self) {
        for _ in 0..MAX_DEPTH {
            let mut added = false;
            for (u, unit) in self.units.iter().enumerate() {
                for (c, call) in unit.facts.calls.iter().enumerate() {
                    let Value::Def(wu, wd) = self.targets.at(u, c) else {
                        continue;
                    };
                    let is_wrapper = self.rule_wrappers.contains_key(&(wu, wd))
                        || self.blueprint_wrappers.contains_key(&(wu, wd))
                        || self.forwarders.contains_key(&(wu, wd));
                    if !is_wrapper || call.args.is_empty() {
                        continue;
                    }
                    let Some(d) = self.ix.def_of_scope(u, &call.scope) else {
                        continue;
                    };
                    let def = &self.units[u].facts.defs[d];
                    if def.kind == DefKind::Class || def.params.is_empty() || (u, d) == (wu, wd) {
                        continue;
                    }
                    let passes_param = call.args.iter().any(|a| match &a.value {
                        Expr::Name(n) => self.is_param(u, &call.scope, n),
                        _ => false,
                    });
                    if !passes_param {
                        continue;
                    }
                    let list = self.forwarders.entry((u, d)).or_default();
                    if !list.contains(&c) {
                        list.push(c);
                        added = true;
                    }
                }
            }
            if !added {
                break;
            }
        }
    }

    /// Calls of wrapper functions: bind the arguments to the wrapper's parameters, then
    /// evaluate the registrations inside it (and inside the wrappers it forwards to).
    pub(super) fn wrapper_calls(&mut self, what: Registering) {
        self.find_forwarders();
        let units = self.units;
        for (u, unit) in units.iter().enumerate() {
            for (c, call) in unit.facts.calls.iter().enumerate() {
                let Value::Def(wu, wd) = self.targets.at(u, c) else {
                    continue;
                };
                let wrapper = match what {
                    Registering::Rules => self.rule_wrappers.contains_key(&(wu, wd)),
                    Registering::Blueprints => self.blueprint_wrappers.contains_key(&(wu, wd)),
                };
                if !wrapper && !self.forwarders.contains_key(&(wu, wd)) {
                    continue;
                }
                let env = bind_arguments(&units[wu].facts.defs[wd], call, u, &Env::default());
                let caller =
                    receiver_of(&call.callee).map(|r| (r.to_owned(), u, call.scope.to_string()));
                self.run_wrapper((wu, wd), &env, caller, &unit.file.rel, call.line, what, 0);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn run_wrapper(
        &mut self,
        (wu, wd): (usize, usize),
        env: &Env<'a>,
        caller: Option<(String, usize, String)>,
        file: &str,
        line: u32,
        what: Registering,
        depth: u32,
    ) {
        if depth > MAX_DEPTH || self.wrapper_runs == 0 {
            return;
        }
        self.wrapper_runs -= 1;
        let units = self.units;
        let regs = match what {
            Registering::Rules => self.rule_wrappers.get(&(wu, wd)),
            Registering::Blueprints => self.blueprint_wrappers.get(&(wu, wd)),
        }
        .cloned()
        .unwrap_or_default();
        for reg in regs {
            match (what, reg) {
                (Registering::Rules, Reg::Call(c)) => {
                    let inner = &units[wu].facts.calls[c];
                    if self.register(wu, inner, env, caller.clone(), file, line) {
                        self.bound_calls.insert((wu, c));
                    }
                }
                (Registering::Rules, Reg::Decorator(d, i)) => {
                    if self.decorated_one(wu, d, i, env, caller.as_ref(), file, line) {
                        self.bound_decorators.insert((wu, d, i));
                    }
                }
                (Registering::Blueprints, Reg::Call(c)) => {
                    let inner = &units[wu].facts.calls[c];
                    if self.link(wu, inner, env, caller.clone()) {
                        self.bound_calls.insert((wu, c));
                    }
                }
                (Registering::Blueprints, Reg::Decorator(..)) => {}
            }
        }
        let forwards = self.forwarders.get(&(wu, wd)).cloned().unwrap_or_default();
        for c in forwards {
            let inner = &units[wu].facts.calls[c];
            let Value::Def(xu, xd) = self.targets.at(wu, c) else {
                continue;
            };
            let inner_env = bind_arguments(&units[xu].facts.defs[xd], inner, wu, env);
            let inner_caller =
                receiver_of(&inner.callee).map(|r| (r.to_owned(), wu, inner.scope.to_string()));
            self.run_wrapper(
                (xu, xd),
                &inner_env,
                inner_caller,
                file,
                line,
                what,
                depth + 1,
            );
        }
    }

    /// The environments a registering call runs in: one per element when it sits in a `for`
    /// loop over a known list (`for path, resource in routes:` binds both per tuple, so rules
    /// and views stay paired), else just `env`.
    pub(super) fn loop_envs(&self, u: usize, call: &Call, env: &Env<'a>) -> Vec<Env<'a>> {
        let mut names: Vec<&str> = Vec::new();
        names.extend(receiver_of(&call.callee));
        for arg in &call.args {
            collect_names(&arg.value, &mut names, 0);
        }
        let assigns = &self.units[u].facts.assigns;
        // Names assigned in the scope from a loop target (`legacy = locale[0]`) lead there too.
        let locals: Vec<&str> = assigns
            .iter()
            .filter(|a| {
                a.scope == call.scope
                    && a.kind == AssignKind::Plain
                    && a.line <= call.line
                    && a.targets.iter().any(|t| names.contains(&t.as_str()))
            })
            .flat_map(|a| {
                let mut more = Vec::new();
                collect_names(&a.value, &mut more, 0);
                more
            })
            .collect();
        names.extend(locals);
        let loop_assign = assigns.iter().rfind(|a| {
            a.kind == AssignKind::ForTarget
                && a.scope == call.scope
                && a.line <= call.line
                && a.targets.iter().any(|t| names.contains(&t.as_str()))
                && !a.targets.iter().any(|t| env.contains_key(t.as_str()))
        });
        let Some(assign) = loop_assign else {
            return vec![env.clone()];
        };
        let Some(items) = self.eval_items(u, &assign.scope, &assign.value, env, 0) else {
            return vec![env.clone()];
        };
        let mut out = Vec::new();
        for (item, iu, iscope, ienv) in items {
            let mut e = env.clone();
            match (&assign.targets[..], item) {
                ([one], _) => {
                    e.insert(one.as_str(), Bound::One(item, iu, iscope, ienv));
                }
                (many, Expr::List(parts)) => {
                    for (t, part) in many.iter().zip(parts) {
                        e.insert(t.as_str(), Bound::One(part, iu, iscope, ienv.clone()));
                    }
                }
                _ => continue,
            }
            out.push(e);
        }
        out
    }

    /// The elements of an expression that denotes a list: a display, a concatenation of lists,
    /// or a name bound (through parameters, locals or module variables) to one. `None` when it
    /// is not a known list.
    #[allow(clippy::type_complexity)]
    pub(super) fn eval_items(
        &self,
        u: usize,
        scope: &'a str,
        e: &'a Expr,
        env: &Env<'a>,
        depth: u32,
    ) -> Option<Vec<(&'a Expr, usize, &'a str, Rc<Env<'a>>)>> {
        if depth > MAX_DEPTH {
            return None;
        }
        match e {
            Expr::List(items) => {
                let here = Rc::new(env.clone());
                Some(items.iter().map(|i| (i, u, scope, here.clone())).collect())
            }
            Expr::Concat(parts) => {
                // Parts that are not known lists (a comprehension, a list a loop fills at run
                // time) are left out, as long as one part is known: the elements read are
                // real, only the unread ones are missing.
                let mut out = Vec::new();
                let mut known = false;
                for p in parts {
                    if let Some(items) = self.eval_items(u, scope, p, env, depth + 1) {
                        known = true;
                        out.extend(items);
                    }
                }
                known.then_some(out)
            }
            Expr::Call { callee, args } => self
                .returns_of(u, scope, callee, args, env, depth)
                .into_iter()
                .find_map(|(ru, rs, re, renv)| self.eval_items(ru, rs, re, &renv, depth + 1)),
            Expr::Name(n) => match env.get(n.as_str()) {
                Some(Bound::One(be, bu, bs, benv)) => self.eval_items(*bu, bs, be, benv, depth + 1),
                Some(Bound::Many(items, bu, bs, benv)) => {
                    Some(items.iter().map(|i| (*i, *bu, *bs, benv.clone())).collect())
                }
                Some(Bound::Keywords(..)) => None,
                None => {
                    if let Some(assign) = self.local_definition(u, scope, n) {
                        return self.eval_items(u, scope, &assign.value, env, depth + 1);
                    }
                    match self.ix.resolve(u, scope, n) {
                        Value::Var(vu, va) => {
                            let assign = &self.units[vu].facts.assigns[va];
                            match assign.kind {
                                AssignKind::Plain => self.eval_items(
                                    vu,
                                    &assign.scope,
                                    &assign.value,
                                    &Env::default(),
                                    depth + 1,
                                ),
                                _ => None,
                            }
                        }
                        _ => None,
                    }
                }
            },
            _ => None,
        }
    }

    /// The `return` values of the repository function a call names, each with the call's
    /// arguments bound to the function's parameters (evaluated in the caller's `env`), in
    /// source order. Callers take the first return that evaluates (the default path, as for
    /// config constants: `return prefix + route` under an environment check yields nothing,
    /// so the plain `return route` is read). Empty for anything but a module-level or nested
    /// function of the repository.
    #[allow(clippy::type_complexity)]
    pub(super) fn returns_of(
        &self,
        u: usize,
        scope: &'a str,
        callee: &str,
        args: &'a [Arg],
        env: &Env<'a>,
        depth: u32,
    ) -> Vec<(usize, &'a str, &'a Expr, Rc<Env<'a>>)> {
        if depth >= MAX_DEPTH || callee.contains("()") {
            return Vec::new();
        }
        let Value::Def(du, dd) = self.ix.resolve(u, scope, callee) else {
            return Vec::new();
        };
        let units = self.units;
        let def = &units[du].facts.defs[dd];
        if def.kind != DefKind::Function {
            return Vec::new();
        }
        let returns: Vec<&'a Expr> = units[du]
            .facts
            .returns
            .iter()
            .filter(|r| r.scope == def.qualname)
            .map(|r| &r.value)
            .collect();
        let left = self.return_reads.get();
        let n = u32::try_from(returns.len()).unwrap_or(u32::MAX);
        if returns.is_empty() || left < n {
            return Vec::new();
        }
        self.return_reads.set(left - n);
        let bound = Rc::new(bind_args(def, args, u, scope, env));
        returns
            .into_iter()
            .map(|r| (du, def.qualname.as_str(), r, bound.clone()))
            .collect()
    }

    /// Whether an expression mentions a name (`x = x + more` is not a definition of `x`).
    fn mentions(&self, e: &Expr, name: &str) -> bool {
        let mut names = Vec::new();
        collect_names(e, &mut names, 0);
        names.contains(&name)
    }

    /// Strings an expression stands for: literals, lists of them, config values, templates
    /// (`"/{}".format(d)`, f-strings over bound names), concatenations, and through a wrapper's
    /// parameters, loop variables or local variables.
    pub(super) fn eval_strings(
        &self,
        u: usize,
        scope: &'a str,
        e: &'a Expr,
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
            Expr::Str(s) => {
                let s = self.config.interpolate(s);
                self.fill_holes(u, scope, &s, env, depth)
            }
            Expr::Format { template, args } => {
                let values: Vec<Vec<String>> = args
                    .iter()
                    .filter(|a| a.keyword.is_none())
                    .map(|a| self.eval_strings(u, scope, &a.value, env, depth + 1))
                    .collect();
                let named: Vec<(&str, Vec<String>)> = args
                    .iter()
                    .filter_map(|a| {
                        let k = a.keyword.as_deref()?;
                        (k != "*" && k != "**")
                            .then(|| (k, self.eval_strings(u, scope, &a.value, env, depth + 1)))
                    })
                    .collect();
                self.format(template, &values, &named)
            }
            Expr::Concat(parts) => {
                let mut acc = vec![String::new()];
                for p in parts {
                    let values = self.eval_strings(u, scope, p, env, depth + 1);
                    if values.is_empty() {
                        return Vec::new();
                    }
                    acc = product(&acc, &values);
                }
                acc
            }
            Expr::Subscript { value, key } => {
                // `locale[0]` on a bound tuple.
                if let (Some(Bound::One(Expr::List(items), bu, bs, benv)), Expr::Const(i)) =
                    (env.get(value.as_str()), &**key)
                    && let Ok(i) = i.parse::<usize>()
                    && let Some(item) = items.get(i)
                {
                    return self.eval_strings(*bu, bs, item, benv, depth + 1);
                }
                self.config.string(e).into_iter().collect()
            }
            Expr::Name(n) => self.eval_name(u, scope, n, env, depth),
            Expr::Call { callee, args } => {
                if let Some(s) = self.config.string(e) {
                    return vec![s];
                }
                // A repository function's first return that evaluates to strings.
                self.returns_of(u, scope, callee, args, env, depth)
                    .into_iter()
                    .map(|(ru, rs, re, renv)| self.eval_strings(ru, rs, re, &renv, depth + 1))
                    .find(|v| !v.is_empty())
                    .unwrap_or_default()
            }
            Expr::Const(c) if c.starts_with(|ch: char| ch.is_ascii_digit()) => vec![c.to_string()],
            other => self.config.string(other).into_iter().collect(),
        }
    }

    /// Strings a name stands for: a bound parameter or loop variable, a local variable, a
    /// module variable, a config constant.
    fn eval_name(
        &self,
        u: usize,
        scope: &'a str,
        n: &str,
        env: &Env<'a>,
        depth: u32,
    ) -> Vec<String> {
        if let Some(bound) = env.get(n) {
            return match bound {
                Bound::One(be, bu, bs, benv) => self.eval_strings(*bu, bs, be, benv, depth + 1),
                Bound::Many(items, bu, bs, benv) => items
                    .iter()
                    .flat_map(|i| self.eval_strings(*bu, bs, i, benv, depth + 1))
                    .collect(),
                Bound::Keywords(..) => Vec::new(),
            };
        }
        if let Some(assign) = self.local_definition(u, scope, n) {
            return self.eval_strings(u, scope, &assign.value, env, depth + 1);
        }
        match self.ix.resolve(u, scope, n) {
            Value::Var(vu, va) if self.units[vu].facts.assigns[va].kind == AssignKind::Plain => {
                let assign = &self.units[vu].facts.assigns[va];
                self.eval_strings(vu, &assign.scope, &assign.value, &Env::default(), depth + 1)
            }
            _ => self
                .config
                .string(&Expr::Name(n.into()))
                .into_iter()
                .collect(),
        }
    }

    /// An f-string's remaining holes (`{legacy_locale}`) filled from bound names; unknown
    /// holes stay as written.
    fn fill_holes(
        &self,
        u: usize,
        scope: &'a str,
        s: &str,
        env: &Env<'a>,
        depth: u32,
    ) -> Vec<String> {
        if !s.contains('{') {
            return vec![s.to_owned()];
        }
        let mut acc = vec![String::new()];
        let mut rest = s;
        while let Some(open) = rest.find('{') {
            let lit = &rest[..open];
            acc.iter_mut().for_each(|a| a.push_str(lit));
            let after = &rest[open..];
            let Some(close) = after.find('}') else {
                acc.iter_mut().for_each(|a| a.push_str(after));
                rest = "";
                break;
            };
            let inner = after[1..close].trim();
            let is_name = !inner.is_empty()
                && inner
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && !inner.starts_with(|c: char| c.is_ascii_digit());
            let values = if is_name {
                self.eval_name(u, scope, inner, env, depth + 1)
            } else {
                Vec::new()
            };
            if values.is_empty() {
                let hole = &after[..=close];
                acc.iter_mut().for_each(|a| a.push_str(hole));
            } else {
                acc = product(&acc, &values);
            }
            rest = &after[close + 1..];
        }
        acc.iter_mut().for_each(|a| a.push_str(rest));
        acc
    }

    /// `str.format` with positional (`{}`, `{0}`) and named (`{name}`) fields; empty when a
    /// field's value is unknown.
    fn format(
        &self,
        template: &str,
        values: &[Vec<String>],
        named: &[(&str, Vec<String>)],
    ) -> Vec<String> {
        let mut acc = vec![String::new()];
        let mut rest = template;
        let mut next = 0;
        while let Some(open) = rest.find('{') {
            let lit = &rest[..open];
            acc.iter_mut().for_each(|a| a.push_str(lit));
            let after = &rest[open..];
            if let Some(escaped) = after.strip_prefix("{{") {
                acc.iter_mut().for_each(|a| a.push('{'));
                rest = escaped;
                continue;
            }
            let Some(close) = after.find('}') else {
                return Vec::new();
            };
            let field = after[1..close]
                .split([':', '!'])
                .next()
                .unwrap_or("")
                .trim();
            let field_values = if field.is_empty() {
                next += 1;
                values.get(next - 1)
            } else if let Ok(i) = field.parse::<usize>() {
                values.get(i)
            } else {
                named.iter().find(|(k, _)| *k == field).map(|(_, v)| v)
            };
            match field_values {
                Some(v) if !v.is_empty() => acc = product(&acc, v),
                _ => return Vec::new(),
            }
            rest = &after[close + 1..];
        }
        let rest = rest.replace("}}", "}");
        acc.iter_mut().for_each(|a| a.push_str(&rest));
        acc
    }

    /// The arguments of a call with `*x` spread from a known list and `**kwargs` from the
    /// keywords a wrapper received (or a `dict(...)` call).
    pub(super) fn spread_args(&self, u: usize, call: &'a Call, env: &Env<'a>) -> Vec<ArgAt<'a>> {
        let here = Rc::new(env.clone());
        let scope = call.scope.as_str();
        let mut out = Vec::new();
        for arg in &call.args {
            match arg.keyword.as_deref() {
                Some("*") => {
                    if let Some(items) = self.eval_items(u, scope, &arg.value, env, 0) {
                        for (item, iu, iscope, ienv) in items {
                            match item {
                                Expr::List(parts) => out.extend(parts.iter().map(|p| ArgAt {
                                    keyword: None,
                                    value: p,
                                    u: iu,
                                    scope: iscope,
                                    env: ienv.clone(),
                                })),
                                _ => out.push(ArgAt {
                                    keyword: None,
                                    value: item,
                                    u: iu,
                                    scope: iscope,
                                    env: ienv,
                                }),
                            }
                        }
                    } else if let Expr::Name(n) = &arg.value
                        && let Some(Bound::One(Expr::List(parts), bu, bs, benv)) =
                            env.get(n.as_str())
                    {
                        out.extend(parts.iter().map(|p| ArgAt {
                            keyword: None,
                            value: p,
                            u: *bu,
                            scope: bs,
                            env: benv.clone(),
                        }));
                    }
                }
                Some("**") => match &arg.value {
                    Expr::Name(n) => {
                        if let Some(Bound::Keywords(kws, bu, bs, benv)) = env.get(n.as_str()) {
                            out.extend(kws.iter().map(|(k, v)| ArgAt {
                                keyword: Some(*k),
                                value: v,
                                u: *bu,
                                scope: bs,
                                env: benv.clone(),
                            }));
                        }
                    }
                    Expr::Call { callee, args } if callee == "dict" => {
                        out.extend(args.iter().filter_map(|a| {
                            Some(ArgAt {
                                keyword: Some(
                                    a.keyword.as_deref().filter(|k| *k != "*" && *k != "**")?,
                                ),
                                value: &a.value,
                                u,
                                scope,
                                env: here.clone(),
                            })
                        }));
                    }
                    _ => {}
                },
                k => out.push(ArgAt {
                    keyword: k,
                    value: &arg.value,
                    u,
                    scope,
                    env: here.clone(),
                }),
            }
        }
        out
    }

    /// A keyword argument of a call, also when it arrives through `**kwargs`.
    #[allow(clippy::type_complexity)]
    pub(super) fn keyword_in(
        &self,
        u: usize,
        call: &'a Call,
        k: &str,
        env: &Env<'a>,
    ) -> Option<(&'a Expr, usize, &'a str, Rc<Env<'a>>)> {
        self.spread_args(u, call, env)
            .into_iter()
            .find(|a| a.keyword == Some(k))
            .map(|a| (a.value, a.u, a.scope, a.env))
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
        // `globals()[name]`: the module-level def of that name.
        if let Expr::Subscript { value, key } = e
            && (value == "globals()" || value == "globals")
        {
            let name = self
                .eval_strings(u, scope, key, env, depth + 1)
                .into_iter()
                .next()?;
            return self.view_of(u, "", &Expr::Name(name.into()), depth + 1);
        }
        let root = match e {
            Expr::Name(n) => n.as_str(),
            Expr::Call { callee, .. } if callee.ends_with(".as_view") => receiver_of(callee)?,
            _ => return None,
        };
        if let Some(Bound::One(be, bu, bs, benv)) = env.get(root) {
            return match e {
                Expr::Name(_) => self.eval_view(*bu, bs, be, benv, depth + 1),
                _ => match be {
                    Expr::Name(n) => self.eval_view(
                        *bu,
                        bs,
                        &Expr::Call {
                            callee: format!("{n}.as_view").into(),
                            args: seam_facts::python::ThinVec::new(),
                        },
                        benv,
                        depth + 1,
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

    /// The first plain assignment to `name` in `scope` that does not read `name` itself
    /// (`x = x + [...]` extends a value, it does not define it).
    fn local_definition(&self, u: usize, scope: &str, name: &str) -> Option<&'a Assign> {
        self.local_assigns(u, scope, name)
            .into_iter()
            .find(|a| a.kind == AssignKind::Plain && !self.mentions(&a.value, name))
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

/// Every concatenation of one string of `a` with one of `b`, capped.
fn product(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if out.len() >= MAX_STRINGS {
                return out;
            }
            out.push(format!("{x}{y}"));
        }
    }
    out
}

/// Root names an expression uses (`route` in `*route`, `locale` in `locale[0]`).
fn collect_names<'e>(e: &'e Expr, out: &mut Vec<&'e str>, depth: u32) {
    if depth > MAX_DEPTH {
        return;
    }
    match e {
        Expr::Name(n) => out.push(n.split('.').next().unwrap_or(n)),
        Expr::Call { callee, args } => {
            out.extend(receiver_of(callee).map(|r| r.split('.').next().unwrap_or(r)));
            for a in args {
                collect_names(&a.value, out, depth + 1);
            }
        }
        Expr::Format { args, .. } => {
            for a in args {
                collect_names(&a.value, out, depth + 1);
            }
        }
        Expr::List(items) | Expr::Concat(items) => {
            for i in items {
                collect_names(i, out, depth + 1);
            }
        }
        Expr::Subscript { value, key } => {
            out.push(value.split('.').next().unwrap_or(value));
            collect_names(key, out, depth + 1);
        }
        Expr::Str(s) => {
            // f-string holes: `{name}`.
            let mut rest = s.as_str();
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                let Some(close) = after.find('}') else { break };
                let inner = after[..close].trim();
                if !inner.is_empty() && inner.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    out.push(inner);
                }
                rest = &after[close..];
            }
        }
        _ => {}
    }
}

/// Bind a call's arguments to a def's parameters (the first, `self`/`cls`, skipped for
/// methods); surplus positional arguments go to `*args`, surplus keywords to `**kwargs`. Each
/// value is evaluated later in the caller's scope and environment `outer`.
fn bind_arguments<'a>(
    def: &'a seam_facts::python::Def,
    call: &'a Call,
    u: usize,
    outer: &Env<'a>,
) -> Env<'a> {
    bind_args(def, &call.args, u, call.scope.as_str(), outer)
}

/// [`bind_arguments`] for the arguments of a call written in `scope` of unit `u`.
fn bind_args<'a>(
    def: &'a seam_facts::python::Def,
    args: &'a [Arg],
    u: usize,
    scope: &'a str,
    outer: &Env<'a>,
) -> Env<'a> {
    let mut params: Vec<&Param> = def.params.iter().collect();
    if def.kind == DefKind::Method && !params.is_empty() {
        params.remove(0);
    }
    let outer = Rc::new(outer.clone());
    let mut env: Env<'a> = Env::default();
    let mut extra: Vec<&'a Expr> = Vec::new();
    let mut extra_kw: Vec<(&'a str, &'a Expr)> = Vec::new();
    let mut pos = 0;
    for arg in args {
        match arg.keyword.as_deref() {
            None => {
                match params.get(pos) {
                    Some(p) if p.star == 0 => {
                        env.insert(
                            p.name.as_str(),
                            Bound::One(&arg.value, u, scope, outer.clone()),
                        );
                    }
                    _ => extra.push(&arg.value),
                }
                pos += 1;
            }
            Some("*" | "**") => {}
            Some(k) => match params.iter().find(|p| p.name == k && p.star == 0) {
                Some(p) => {
                    env.insert(
                        p.name.as_str(),
                        Bound::One(&arg.value, u, scope, outer.clone()),
                    );
                }
                None => extra_kw.push((k, &arg.value)),
            },
        }
    }
    if let Some(p) = params.iter().find(|p| p.star == 1) {
        env.insert(p.name.as_str(), Bound::Many(extra, u, scope, outer.clone()));
    }
    if let Some(p) = params.iter().find(|p| p.star == 2) {
        env.insert(p.name.as_str(), Bound::Keywords(extra_kw, u, scope, outer));
    }
    env
}
