//! What a call returns: one summary per function and method, built bottom-up to a fixed point
//! (bounded by [`ROUNDS`]) before the ORM pass, so that a row fetched in a helper keeps its model
//! at the caller (`topic = get_topic(id)`, `instance = self.get_model_or_404(id)`,
//! `fetch_one_resource(Policy, name=n).delete()`).
//!
//! A summary is either a value independent of the arguments (`return Bill(...)`: an instance
//! of `Bill`), or an instance of the class a *parameter* denotes: `return cls(...)`,
//! `return cls.query.filter_by(**kw).first()`, `return db.session.get(table, id)`, `return self`
//! — optionally through attributes of the parameter (`self.model`) and one method call on them
//! (`return self.model.get(id)`: what `get` returns on whatever class `self.model` holds). The
//! parametric summaries are instantiated where the call is resolved, with the receiver and the
//! arguments of that call. Each round reads only the previous round's table, so the result does
//! not depend on thread order.

use rayon::prelude::*;

use seam_facts::python::{Arg, Def, DefKind, Expr, Name, ThinVec};

use super::dotted::{last_segment, on_session, receiver_of};
use super::index::{Index, is_decorated, parent_scope};
use super::names::Value;

/// Rounds of bottom-up summarising: a helper returning another helper's result is known after
/// two; the chain of helpers seam follows is this deep.
const ROUNDS: usize = 4;
/// How many local assignments (`x = ...; return x`) and nested instantiations are followed.
const HOPS: u32 = super::names::MAX_HOPS;

/// Query methods that return one row (the value is then an instance of the queried model).
pub(crate) const FETCH_ONE: &[&str] = &[
    "first",
    "one",
    "get",
    "first_or_404",
    "get_or_404",
    "one_or_none",
    "scalar",
    "scalar_one",
    "scalar_one_or_none",
    "one_or_404",
];

/// Flask's per-request objects: handlers and `before_request` hooks share rows through their
/// attributes (`g.project`, `request.User`).
pub(crate) const REQUEST_OBJECTS: &[&str] = &["flask.g", "flask.request"];

/// Query methods that return the rows (a list, or the query to iterate).
const FETCH_ROWS: &[&str] = &[
    "all",
    "filter",
    "filter_by",
    "order_by",
    "limit",
    "offset",
    "distinct",
    "options",
    "yield_per",
    "join",
    "outerjoin",
    "where",
    "select_from",
    "group_by",
];

/// Steps that build a statement on a statement (`select(X).where(...)`): the result is still
/// a statement of the same rows.
const STATEMENT_STEPS: &[&str] = &[
    "where",
    "filter",
    "filter_by",
    "order_by",
    "join",
    "outerjoin",
    "limit",
    "offset",
    "options",
    "distinct",
    "group_by",
    "having",
    "unique",
    "execution_options",
];

/// What calling a def returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Returned {
    #[default]
    Unknown,
    /// A value that does not depend on the arguments: an instance of a repository class.
    Value(Value),
    /// An instance of the class parameter `param` denotes or holds, reached through `attrs`
    /// (`self.model`); with `then`, what calling that method on it returns instead.
    Param {
        param: usize,
        attrs: ThinVec<Name>,
        then: Option<Name>,
    },
}

/// A class (or an instance of one) → an instance of it.
fn instance(v: Value, ix: &Index<'_>) -> Returned {
    match v {
        Value::Def(u, d) if ix.units[u].facts.defs[d].kind == DefKind::Class => {
            Returned::Value(Value::Instance(u, d))
        }
        v @ Value::Instance(..) => Returned::Value(v),
        _ => Returned::Unknown,
    }
}

/// A method called through an instance or its class binds its first parameter to it.
fn binds_receiver(def: &Def) -> bool {
    def.kind == DefKind::Method && !is_decorated(def, "staticmethod")
}

/// Whether a call of method `def` on `recv` binds the method's first parameter to `recv`:
/// through an instance always, through the class only for a classmethod (`Budget.get(id)`);
/// `Base.__init__(self, x)` through the class passes `self` as an argument instead.
pub(crate) fn binds_first_param(ix: &Index<'_>, def: &Def, recv: Option<&Value>) -> bool {
    binds_receiver(def)
        && match recv {
            Some(Value::Def(cu, cd)) => {
                ix.units[*cu].facts.defs[*cd].kind != DefKind::Class
                    || is_decorated(def, "classmethod")
                    || def.params.first().is_some_and(|p| p.name == "cls")
            }
            Some(_) => true,
            None => false,
        }
}

/// `p`, `p.a.b` where `p` is parameter `k` of `def`: the symbolic value.
fn param_root(def: Option<&Def>, dotted: &str) -> Option<Returned> {
    let def = def?;
    if dotted.contains(['(', '[']) {
        return None;
    }
    let mut segs = dotted.split('.');
    let first = segs.next()?;
    let param = def
        .params
        .iter()
        .position(|p| p.name == first && p.star == 0)?;
    Some(Returned::Param {
        param,
        attrs: segs.map(Name::from).collect(),
        then: None,
    })
}

impl Index<'_> {
    /// Fill [`Index::returned`]: every def's summary, rounds until nothing changes. What each
    /// def declares is read once, before the rounds.
    pub fn summarise_returns(&mut self) {
        let declared: Vec<Vec<Returned>> = (0..self.units.len())
            .into_par_iter()
            .map(|u| {
                (0..self.units[u].facts.defs.len())
                    .map(|d| self.declared(u, d))
                    .collect()
            })
            .collect();
        self.returned = declared.clone();
        for _ in 0..ROUNDS {
            let next: Vec<Vec<Returned>> = (0..self.units.len())
                .into_par_iter()
                .map(|u| {
                    (0..self.units[u].facts.defs.len())
                        .map(|d| self.summary(u, d, &declared[u][d]))
                        .collect()
                })
                .collect();
            if next == self.returned {
                break;
            }
            self.returned = next;
        }
    }

    /// `-> Token` / `:rtype: Token`: what def `(u, d)` says it returns.
    fn declared(&self, u: usize, d: usize) -> Returned {
        let def = &self.units[u].facts.defs[d];
        if def.kind == DefKind::Class {
            return Returned::Unknown;
        }
        match &def.returns {
            Some(t) => match self.resolve(u, parent_scope(&def.qualname), t) {
                Value::Unknown(_) => self.unique_class(t).map_or(Returned::Unknown, |(cu, cd)| {
                    Returned::Value(Value::Instance(cu, cd))
                }),
                v => instance(v, self),
            },
            None => Returned::Unknown,
        }
    }

    fn summary(&self, u: usize, d: usize, said: &Returned) -> Returned {
        let def = &self.units[u].facts.defs[d];
        if def.kind == DefKind::Class {
            return Returned::Unknown;
        }
        // A declared repository class is the programmer's word: it wins over inference, which
        // may pick a branch that returns something else (`ret = session.execute(q).scalar()`
        // on the count branch of a def declared `-> list[TokenClass]`); otherwise it is used
        // when the def's returns tell nothing.
        if matches!(said, Returned::Value(Value::Instance(..))) {
            return said.clone();
        }
        // No `return` tells nothing either: what the def says, if anything.
        let inferred = self.units_index[u]
            .returns_in(def.qualname.as_str())
            .map(|r| {
                self.eval(
                    u,
                    Some(d),
                    &def.qualname,
                    &self.units[u].facts.returns[r].value,
                    self.units[u].facts.returns[r].line,
                    0,
                )
            })
            .find(|r| *r != Returned::Unknown)
            .unwrap_or_default();
        match inferred {
            Returned::Unknown => said.clone(),
            known => known,
        }
    }

    /// What `expr`, evaluated in `scope` (the body of def `d`, when summarising), holds.
    fn eval(
        &self,
        u: usize,
        d: Option<usize>,
        scope: &str,
        expr: &Expr,
        line: u32,
        hops: u32,
    ) -> Returned {
        if hops > HOPS {
            return Returned::Unknown;
        }
        let def = d.map(|d| &self.units[u].facts.defs[d]);
        match expr {
            Expr::Name(n) => {
                if let Some(r) = param_root(def, n) {
                    return r;
                }
                match self.resolve_hops(u, scope, n, hops + 1) {
                    // `return stored_files_service` after a late import: calls on the result
                    // are calls into that module.
                    v @ (Value::Instance(..) | Value::Module(_)) => Returned::Value(v),
                    Value::Var(vu, va) if vu == u => {
                        let a = &self.units[u].facts.assigns[va];
                        if a.scope == scope
                            && a.kind == seam_facts::python::AssignKind::Plain
                            && a.annotation.is_none()
                        {
                            self.eval(u, d, scope, &a.value, a.line, hops + 1)
                        } else {
                            match self.var_type(vu, va, hops + 1) {
                                v @ Value::Instance(..) => Returned::Value(v),
                                _ => Returned::Unknown,
                            }
                        }
                    }
                    _ => Returned::Unknown,
                }
            }
            Expr::Call { callee, args } => self.eval_call(u, d, scope, callee, args, line, hops),
            // `return row or default_row()`: the first alternative known.
            Expr::Either(alternatives) => alternatives
                .iter()
                .map(|alt| self.eval(u, d, scope, alt, line, hops + 1))
                .find(|r| *r != Returned::Unknown)
                .unwrap_or(Returned::Unknown),
            // `return store["config"]` after `store["config"] = Config()` in the same scope:
            // what the code put there (a memo).
            Expr::Subscript { value, .. } if !value.contains(['(', '[']) => {
                let key = format!("{value}[]");
                self.units_index[u]
                    .stores
                    .get(&(scope, key.as_str()))
                    .into_iter()
                    .flatten()
                    .map(|&a| {
                        let a = &self.units[u].facts.assigns[a];
                        self.eval(u, d, scope, &a.value, a.line, hops + 1)
                    })
                    .find(|r| *r != Returned::Unknown)
                    .unwrap_or(Returned::Unknown)
            }
            _ => Returned::Unknown,
        }
    }

    /// A call's value in `scope`: a fetch of one row, a constructor, or a repository function
    /// or method with its summary instantiated on this call's receiver and arguments. `line`
    /// finds the call's facts (the arguments of the earlier links of a chain).
    #[allow(clippy::too_many_arguments)]
    fn eval_call(
        &self,
        u: usize,
        d: Option<usize>,
        scope: &str,
        callee: &str,
        args: &[Arg],
        line: u32,
        hops: u32,
    ) -> Returned {
        let def = d.map(|d| &self.units[u].facts.defs[d]);
        let last = last_segment(callee);
        let fetches = FETCH_ONE.contains(&last) || FETCH_ROWS.contains(&last);
        let segs: Vec<&str> = callee.split('.').collect();
        // `Model.query....first()`, `cls.query.get(id)`; `Model.query.filter(...).all()` and a
        // query itself are its rows (iterated, each is an instance: `for t in tokens`).
        if fetches
            && let Some(q) = segs.iter().position(|s| *s == "query")
            && q > 0
        {
            let prefix = segs[..q].join(".");
            if let Some(r) = param_root(def, &prefix) {
                return r;
            }
            return instance(self.resolve_hops(u, scope, &prefix, hops + 1), self);
        }
        // `session.query(cls).filter(...).first()`, `select(Model).where(...)`: the model the
        // chain starts from, read off the call facts at this line.
        if fetches
            && callee.contains("()")
            && let Some(r) = self.chain_root_model(u, d, scope, line, callee, hops)
        {
            return r;
        }
        // `query.first()` on a local holding a query: the rows it was built from.
        if fetches
            && let Some((recv, _)) = callee.rsplit_once('.')
            && !recv.contains(['.', '(', '['])
            && param_root(def, recv).is_none()
            && let Value::Var(vu, va) = self.resolve_hops(u, scope, recv, hops + 1)
            && vu == u
        {
            let a = &self.units[u].facts.assigns[va];
            if a.scope == scope && a.kind == seam_facts::python::AssignKind::Plain {
                return self.eval(u, d, scope, &a.value, a.line, hops + 1);
            }
        }
        // `items.order_by(...)`, `query.first()` on a parameter holding a query (a helper that
        // sorts or paginates what it is given): the rows the caller passes.
        if fetches
            && let Some((recv, _)) = callee.rsplit_once('.')
            && !recv.contains(['(', '['])
            && let Some(r @ Returned::Param { then: None, .. }) = param_root(def, recv)
        {
            return r;
        }
        // `self.involved_users().all()`: a fetch on what a repository call returns, a query of
        // rows (read as a row of its model), keeps it.
        if fetches
            && let Some(recv) = receiver_of(callee).and_then(|r| r.strip_suffix("()"))
            && !recv.contains(['(', '['])
            && let Some(rc) = self
                .call_from(u, scope, recv, line)
                .map(|c| &self.units[u].facts.calls[c])
            && let r @ Returned::Value(Value::Instance(..)) =
                self.eval_call(u, d, scope, recv, &rc.args, rc.line, hops + 1)
        {
            return r;
        }
        // `db.session.get(Model, id)`, `db.get_or_404(Model, id)`.
        let sessionish = on_session(callee);
        if matches!(last, "get" | "get_or_404" | "one_or_404") && sessionish {
            let Some(Expr::Name(n)) = args.iter().find(|a| a.keyword.is_none()).map(|a| &a.value)
            else {
                return Returned::Unknown;
            };
            return param_root(def, n)
                .unwrap_or_else(|| instance(self.resolve_hops(u, scope, n, hops + 1), self));
        }
        // `select(Policy)`: a statement is its rows (run by `session.scalars(stmt)`, iterated);
        // so is `session.query(Policy)`, passed on before it is run.
        if (last == "select" || (last == "query" && sessionish))
            && !callee.contains('(')
            && let Some(Expr::Name(n)) = args.iter().find(|a| a.keyword.is_none()).map(|a| &a.value)
        {
            return param_root(def, n)
                .unwrap_or_else(|| instance(self.resolve_hops(u, scope, n, hops + 1), self));
        }
        // `select(Policy).where(...)`, `session.query(X).filter(...)`: still the statement.
        if STATEMENT_STEPS.contains(&last)
            && callee.contains("()")
            && let Some(r) = self.chain_root_model(u, d, scope, line, callee, hops)
        {
            return r;
        }
        // `cls(...)`: an instance of the class a parameter names.
        if !callee.contains('.')
            && let Some(r) = param_root(def, callee)
        {
            return r;
        }
        // `self.model.get(id)`, `cls.get_by(name=n)`, `helper(...)`.
        let (recv, name) = match callee.rsplit_once('.') {
            Some((r, n)) if !n.contains('(') => (Some(r), n),
            None if !callee.contains('(') => (None, callee),
            _ => {
                return instance(
                    self.resolve_hops(u, scope, &format!("{callee}()"), hops + 1),
                    self,
                );
            }
        };
        let arg_values: Vec<(Option<&str>, Returned)> = args
            .iter()
            .map(|a| {
                let v = match &a.value {
                    Expr::Name(n) => param_root(def, n).unwrap_or_else(|| {
                        match self.resolve_hops(u, scope, n, hops + 1) {
                            v @ (Value::Def(..) | Value::Instance(..)) => Returned::Value(v),
                            Value::Var(vu, va) => match self.var_type(vu, va, hops + 1) {
                                v @ Value::Instance(..) => Returned::Value(v),
                                _ => Returned::Unknown,
                            },
                            _ => Returned::Unknown,
                        }
                    }),
                    // `form.save(Person())`: a constructed row passed on;
                    // `sort(session.query(Project))`: a query of rows.
                    Expr::Call { callee, args } if !callee.contains('(') => {
                        match self.resolve_hops(u, scope, &format!("{callee}()"), hops + 1) {
                            v @ Value::Instance(..) => Returned::Value(v),
                            _ => match self.eval_call(u, d, scope, callee, args, line, hops + 1) {
                                r @ Returned::Value(Value::Instance(..)) => r,
                                _ => Returned::Unknown,
                            },
                        }
                    }
                    _ => Returned::Unknown,
                };
                (a.keyword.as_deref(), v)
            })
            .collect();
        let (recv_value, target) = match recv {
            None => (None, self.resolve_hops(u, scope, callee, hops + 1)),
            Some(r) => match param_root(def, r) {
                // `self.helper(...)`, `cls.create(...)`: a method of the def's own class.
                Some(Returned::Param {
                    param: 0,
                    attrs,
                    then: None,
                }) if attrs.is_empty() && def.is_some_and(binds_receiver) => {
                    let class = def.and_then(|df| self.def_of_scope(u, parent_scope(&df.qualname)));
                    let target = class
                        .and_then(|c| self.class_member(u, c, name, hops + 1))
                        .unwrap_or(Value::Dynamic);
                    (
                        Some(Returned::Param {
                            param: 0,
                            attrs,
                            then: None,
                        }),
                        target,
                    )
                }
                // `self.model.get(id)`: known once the class `self.model` holds is.
                Some(Returned::Param {
                    param,
                    attrs,
                    then: None,
                }) => {
                    return Returned::Param {
                        param,
                        attrs,
                        then: Some(Name::from(name)),
                    };
                }
                Some(_) => return Returned::Unknown,
                None => {
                    let rv = self.resolve_hops(u, scope, r, hops + 1);
                    let target = self.member(rv.clone(), name, hops + 1);
                    (Some(Returned::Value(rv)), target)
                }
            },
        };
        match target {
            Value::Def(tu, td) if self.units[tu].facts.defs[td].kind == DefKind::Class => {
                Returned::Value(Value::Instance(tu, td))
            }
            Value::Def(tu, td) => self.instantiate(tu, td, recv_value, &arg_values, hops + 1),
            Value::Var(vu, va) => instance(self.var_type(vu, va, hops + 1), self),
            _ => Returned::Unknown,
        }
    }

    /// The model a query chain (`session.query(X)....`, `select(X)....`) ending in `callee` at
    /// `line` of `scope` starts from: the root call's first positional argument.
    fn chain_root_model(
        &self,
        u: usize,
        d: Option<usize>,
        scope: &str,
        line: u32,
        callee: &str,
        hops: u32,
    ) -> Option<Returned> {
        self.statement_model(u, d, scope, line, callee, false, hops)
    }

    /// [`Index::chain_root_model`]; `run_by_session` when the chain is the statement a session
    /// call runs, where a chain rooted at a repository helper's call is that helper's return.
    #[allow(clippy::too_many_arguments)]
    fn statement_model(
        &self,
        u: usize,
        d: Option<usize>,
        scope: &str,
        line: u32,
        callee: &str,
        run_by_session: bool,
        hops: u32,
    ) -> Option<Returned> {
        if hops > HOPS {
            return None;
        }
        let def = d.map(|d| &self.units[u].facts.defs[d]);
        let calls = &self.units[u].facts.calls;
        let c = self.call_from(u, scope, callee, line)?;
        let mut root = c;
        for _ in 0..64 {
            match calls[root].receiver {
                Some(r) if (r as usize) < calls.len() => root = r as usize,
                _ => break,
            }
        }
        let rc = &calls[root];
        let last = last_segment(&rc.callee);
        let sessionish = on_session(&rc.callee);
        // `db.session.scalars(stmt).first()`, `session.execute(select(Policy)...)`: the rows
        // of the statement it runs, a local built by `select(...)` or the call itself.
        if sessionish && matches!(last, "scalars" | "execute" | "scalar" | "scalar_one") {
            return match rc
                .args
                .iter()
                .find(|a| a.keyword.is_none())
                .map(|a| &a.value)?
            {
                Expr::Name(n) => match self.resolve_hops(u, scope, n, hops + 1) {
                    Value::Var(vu, va) if vu == u => {
                        let a = &self.units[u].facts.assigns[va];
                        (a.scope == scope)
                            .then(|| self.eval(u, d, scope, &a.value, a.line, hops + 1))
                    }
                    _ => None,
                },
                Expr::Call { callee, .. } => {
                    self.statement_model(u, d, scope, rc.line, callee, true, hops + 1)
                }
                _ => None,
            };
        }
        let from_session = last == "query" && sessionish;
        if !(from_session || last == "select") {
            // `session.scalars(_select_for(subject).with_for_update())`: a repository helper
            // that builds the statement the session runs, with this call's arguments.
            if run_by_session && !sessionish {
                return match self.eval_call(u, d, scope, &rc.callee, &rc.args, rc.line, hops + 1) {
                    r @ Returned::Value(Value::Instance(..)) => Some(r),
                    _ => None,
                };
            }
            return None;
        }
        let Some(Expr::Name(n)) = rc
            .args
            .iter()
            .find(|a| a.keyword.is_none())
            .map(|a| &a.value)
        else {
            return None;
        };
        Some(
            param_root(def, n)
                .unwrap_or_else(|| instance(self.resolve_hops(u, scope, n, hops + 1), self)),
        )
    }

    /// The summary of def `(u, d)` for one call: `recv` the value it is called on (if a method
    /// called through an instance or class), `args` the call's arguments.
    pub(crate) fn instantiate(
        &self,
        u: usize,
        d: usize,
        recv: Option<Returned>,
        args: &[(Option<&str>, Returned)],
        hops: u32,
    ) -> Returned {
        if hops > HOPS {
            return Returned::Unknown;
        }
        let def = &self.units[u].facts.defs[d];
        let summary = self
            .returned
            .get(u)
            .and_then(|r| r.get(d))
            .cloned()
            .unwrap_or_default();
        let Returned::Param { param, attrs, then } = summary else {
            return summary;
        };
        // Through an instance, or a classmethod through its class, the receiver is parameter 0
        // (a symbolic receiver is a parameter of the caller's: an instance or a class alike).
        let recv_value = match &recv {
            Some(Returned::Value(v)) => Some(v),
            Some(_) => Some(&Value::Dynamic),
            None => None,
        };
        let bound = binds_first_param(self, def, recv_value);
        let base = if bound && param == 0 {
            recv.unwrap_or_default()
        } else {
            let pos = param.wrapping_sub(usize::from(bound));
            let by_keyword = def.params.get(param).and_then(|p| {
                args.iter()
                    .find(|(k, _)| *k == Some(p.name.as_str()))
                    .map(|(_, v)| v.clone())
            });
            by_keyword
                .or_else(|| {
                    args.iter()
                        .filter(|(k, _)| k.is_none())
                        .nth(pos)
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default()
        };
        match base {
            Returned::Value(v) => {
                let mut v = v;
                for a in &attrs {
                    v = self.member(v, a, hops + 1);
                }
                match then {
                    None => instance(v, self),
                    // `self.model.get(id)`: a method of what the attribute holds, or the
                    // constructor of the class it names (`self.model(**kw)`).
                    Some(m) => match self.member(v.clone(), &m, hops + 1) {
                        Value::Def(mu, md)
                            if self.units[mu].facts.defs[md].kind == DefKind::Class =>
                        {
                            Returned::Value(Value::Instance(mu, md))
                        }
                        Value::Def(mu, md) => {
                            self.instantiate(mu, md, Some(Returned::Value(v)), &[], hops + 1)
                        }
                        _ => Returned::Unknown,
                    },
                }
            }
            Returned::Param {
                param: p,
                attrs: mut a,
                then: None,
            } => {
                a.extend(attrs);
                Returned::Param {
                    param: p,
                    attrs: a,
                    then,
                }
            }
            _ => Returned::Unknown,
        }
    }

    /// What a call returns, with its arguments: the concrete value, when known.
    pub fn call_value(
        &self,
        u: usize,
        scope: &str,
        callee: &str,
        args: &[Arg],
        line: u32,
        hops: u32,
    ) -> Value {
        match self.eval_call(u, None, scope, callee, args, line, hops) {
            Returned::Value(v) => v,
            _ => Value::Dynamic,
        }
    }
}
