//! Callbacks an application hands to a framework object by one of its methods, the two ways
//! Flask code writes it: as a decorator (`@app.before_request`, `@login_manager.user_loader`,
//! `@bp.app_context_processor`) or as a call with the function (`app.before_request(hook)`,
//! `login_manager.user_loader(load_user)`, the app factory's way). The framework calls them;
//! the passes that model what it calls on the code's behalf (context processors, identity
//! loaders, request hooks) all start from this one list.

use seam_facts::python::{DefKind, Expr};

use super::dotted::{last_segment, receiver_of};
use super::index::{Index, parent_scope};
use super::names::Value;

/// One def registered through one of the methods asked for.
pub(crate) struct Registered {
    /// The def registered (unit, def).
    pub def: (usize, usize),
    /// The registering method (`before_request`), one of the names asked for.
    pub method: &'static str,
    /// What the object the method is called on resolves to (`app`, a blueprint, a manager).
    pub receiver: Value,
    /// The receiver as written (`app`, `bp`).
    pub receiver_name: String,
}

/// Every def registered through one of `methods`, decorated or passed, in unit and def order
/// (decorations first, then calls), each once per method.
pub(crate) fn registered(ix: &Index<'_>, methods: &[&'static str]) -> Vec<Registered> {
    let mut out: Vec<Registered> = Vec::new();
    let method_of = |callee: &str| -> Option<&'static str> {
        if !callee.contains('.') {
            return None;
        }
        let last = last_segment(callee);
        methods.iter().copied().find(|m| *m == last)
    };
    for (u, unit) in ix.units.iter().enumerate() {
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind == DefKind::Class {
                continue;
            }
            for e in &def.decorators {
                let name = match e {
                    Expr::Name(n) | Expr::Call { callee: n, .. } => n.as_str(),
                    _ => continue,
                };
                if let Some(method) = method_of(name) {
                    let receiver = ix.resolve(
                        u,
                        parent_scope(&def.qualname),
                        receiver_of(name).unwrap_or(""),
                    );
                    out.push(Registered {
                        def: (u, d),
                        method,
                        receiver,
                        receiver_name: receiver_of(name).unwrap_or("").to_owned(),
                    });
                }
            }
        }
        for c in &unit.facts.calls {
            let Some(method) = method_of(&c.callee) else {
                continue;
            };
            if let Some(Expr::Name(n)) = c
                .args
                .iter()
                .find(|a| a.keyword.is_none())
                .map(|a| &a.value)
                && let Value::Def(fu, fd) = ix.resolve(u, &c.scope, n)
                && ix.units[fu].facts.defs[fd].kind != DefKind::Class
            {
                out.push(Registered {
                    def: (fu, fd),
                    method,
                    receiver: ix.resolve(u, &c.scope, receiver_of(&c.callee).unwrap_or("")),
                    receiver_name: receiver_of(&c.callee).unwrap_or("").to_owned(),
                });
            }
        }
    }
    let mut seen = rustc_hash::FxHashSet::default();
    out.retain(|r| seen.insert((r.def, r.method)));
    out
}

/// Whether a receiver is a Flask application (`app = Flask(__name__)`, module-level or in a
/// factory), as opposed to a blueprint, whose hooks run for its own routes only.
pub(crate) fn is_flask_app(ix: &Index<'_>, v: &Value) -> bool {
    let v = match v {
        Value::Var(u, a) => ix.var_type(*u, *a, 0),
        other => other.clone(),
    };
    matches!(&v, Value::External(e) if e == "flask.Flask" || e == "flask.app.Flask")
}
