//! Calls the authentication extensions make on the code's behalf. Flask-Login and
//! Flask-JWT-Extended load the user through a callback the application registers
//! (`@login_manager.user_loader`, `@jwt.user_lookup_loader`, `@jwt.token_in_blocklist_loader`)
//! whenever the code asks for the identity: a call of `verify_jwt_in_request()` /
//! `get_current_user()`, or a use of `current_user`. The call graph has no edge to the callback
//! (the extension calls it), so the user's table would be read by no handler; this pass adds a
//! `calls` edge from each such function to every registered callback, at the use; each counts
//! as a call seen and resolved in the summary. (`@login_required` / `@jwt_required()` load the
//! identity too, but around the handler, as a request hook does: that load belongs to the
//! request, not to the handler's own reach, and is left to a request-hook model.)

use rayon::prelude::*;

use std::collections::BTreeSet;

use seam_facts::python::Expr;

use super::builder::Builder;
use super::dotted::last_segment;
use super::index::Index;
use super::names::Value;
use super::registrations::{Registered, registered};

/// Decorator attributes that register an identity callback.
const LOADERS: &[&str] = &[
    "user_loader",
    "request_loader",
    "header_loader",
    "user_lookup_loader",
    "token_in_blocklist_loader",
    "token_verification_loader",
];

/// The extensions' names that need the identity, hence run the callbacks.
const TRIGGERS: &[&str] = &[
    "login_required",
    "fresh_login_required",
    "jwt_required",
    "fresh_jwt_required",
    "verify_jwt_in_request",
    "get_current_user",
    "current_user",
    "auth_required",
    "logout_user",
];

/// The calls among [`TRIGGERS`] that ask for the identity inside the code itself.
/// `logout_user()` loads the user it logs out (Flask-Login's `_get_user()`, to send
/// `user_logged_out` with it); `login_user(user)` is handed the user and loads nothing.
const CALLS: &[&str] = &["verify_jwt_in_request", "get_current_user", "logout_user"];

/// Whether a resolved name is one of the triggers of an authentication extension.
fn is_trigger(v: &Value) -> bool {
    match v {
        Value::External(e) => {
            e.starts_with("flask_") && TRIGGERS.contains(&last_segment(e).trim_end_matches("()"))
        }
        _ => false,
    }
}

/// The proxies that stand for the identity a loader returns (`current_user.lastseen = now`).
pub(crate) const IDENTITY_PROXIES: &[&str] = &[
    "flask_login.current_user",
    "flask_login.utils.current_user",
    "flask_jwt_extended.current_user",
];

/// The class of the identity: what the registered user loader (`@login_manager.user_loader`,
/// `@jwt.user_lookup_loader`) returns, the first such loader in unit order that returns a
/// repository class. Read after the return summaries.
pub(crate) fn identity_class(ix: &Index<'_>) -> Option<(usize, usize)> {
    registered(ix, LOADERS)
        .into_iter()
        .filter(|r| matches!(r.method, "user_loader" | "user_lookup_loader"))
        .find_map(|Registered { def: (u, d), .. }| {
            match ix.returned.get(u).and_then(|r| r.get(d)) {
                Some(super::returns::Returned::Value(Value::Instance(cu, cd))) => Some((*cu, *cd)),
                _ => None,
            }
        })
}

pub(crate) fn resolve_auth_loaders(ix: &Index<'_>, b: &mut Builder) {
    let mut loaders: Vec<String> = registered(ix, LOADERS)
        .into_iter()
        .map(|r| ix.symbol_id(r.def.0, r.def.1))
        .collect();
    if loaders.is_empty() {
        return;
    }
    loaders.sort();
    loaders.dedup();
    // (unit, owner scope, line) of the first trigger in each scope; units read in parallel,
    // kept in unit order.
    let uses: Vec<(usize, String, u32)> = ix
        .units
        .par_iter()
        .enumerate()
        .flat_map_iter(|(u, unit)| {
            let mut uses = Vec::new();
            let f = &unit.facts;
            let mut found: BTreeSet<(String, u32)> = BTreeSet::new();
            for c in &f.calls {
                let root = c.callee.split('.').next().unwrap_or("");
                // `verify_jwt_in_request()`, and a method called on the proxy
                // (`current_user._get_current_object()`, `current_user.has_role(...)`). The
                // decorators are calls too (`@login_required` is applied): not the handler's.
                let root_name = root.trim_end_matches("()");
                if (CALLS.contains(&root_name) || c.callee.starts_with("current_user."))
                    && is_trigger(&ix.resolve(u, &c.scope, root))
                {
                    found.insert((c.scope.to_string(), c.line));
                }
            }
            // `current_user.id` read in an argument, an assignment or a return.
            let mut mention = |scope: &str, line: u32, e: &Expr| {
                if let Expr::Name(n) = e
                    && n.split('.').next() == Some("current_user")
                    && is_trigger(&ix.resolve(u, scope, "current_user"))
                {
                    found.insert((scope.to_owned(), line));
                }
            };
            for c in &f.calls {
                for a in &c.args {
                    mention(&c.scope, c.line, &a.value);
                }
            }
            for a in &f.assigns {
                mention(&a.scope, a.line, &a.value);
            }
            for r in &f.returns {
                mention(&r.scope, r.line, &r.value);
            }
            let mut done: BTreeSet<String> = BTreeSet::new();
            for (scope, line) in found {
                if !scope.is_empty() && done.insert(scope.clone()) {
                    uses.push((u, scope, line));
                }
            }
            uses
        })
        .collect();
    // The extensions load the identity once per request and keep it on the request: when an
    // app-wide `before_request` hook asks for it (`g.user = current_user._get_current_object()`),
    // the hook loads it and every handler's later use finds it loaded.
    let hooks: BTreeSet<String> = super::request_hooks::app_wide_before_hooks(ix)
        .into_iter()
        .map(|(u, d)| ix.symbol_id(u, d))
        .collect();
    let hook_loads = uses
        .iter()
        .any(|(u, scope, _)| hooks.contains(&ix.owner_id(*u, scope)));
    for (u, scope, line) in &uses {
        let from = ix.owner_id(*u, scope);
        if hook_loads && !hooks.contains(&from) {
            continue;
        }
        let file = ix.units[*u].file.rel.as_str();
        for l in &loaders {
            if *l != from {
                // A call the extension makes.
                b.implicit_call(&from, l, file, *line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::analyze;

    #[test]
    fn current_user_and_logout_call_the_registered_user_loader_but_login_required_does_not() {
        let a = analyze(&[
            (
                "auth.py",
                "from flask_login import LoginManager\nlm = LoginManager()\n@lm.user_loader\ndef load_user(uid):\n    return uid\n",
            ),
            (
                "views.py",
                "from flask_login import login_required, current_user, login_user, logout_user\n@login_required\ndef a():\n    return 1\ndef b():\n    return current_user.name\ndef c(u):\n    login_user(u)\ndef d():\n    logout_user()\n",
            ),
        ]);
        let calls: Vec<(&str, &str, u32)> = a
            .edges
            .iter()
            .filter(|e| &*e.to == "auth:load_user" && e.kind == crate::analysis::EdgeKind::Calls)
            .map(|e| (&*e.from, &*e.to, e.evidence[0].line))
            .collect();
        assert_eq!(
            calls,
            vec![
                ("views:b", "auth:load_user", 6),
                ("views:d", "auth:load_user", 10)
            ]
        );
    }
}
