//! End-to-end: `seam analyze fixtures/request_identity --format json`. The identity a
//! Flask-Login app loads for each request, registered the app-factory way (by call, not by
//! decorator), kept on `flask.g` by an app-wide `before_request` hook, defaulted into a helper's
//! parameter (`user = user or flask.g.user`), and what reading it does: a property of the user
//! model that promotes an administrator (a write), and a read after the handler's commit (the
//! session expired the row).

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "request_identity";

fn v() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

fn at(rel: &str, needle: &str) -> u64 {
    line_of(FIX, rel, needle)
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(v());
}

#[test]
fn a_loader_registered_by_call_is_run_by_the_hook_that_loads_the_identity() {
    // `login_manager.user_loader(load_user)` registers it; `app.before_request(global_user)`
    // runs the hook on every request, and its `current_user._get_current_object()` loads.
    let e = assert_edge(v(), "app:global_user", "auth:load_user", "calls");
    assert_evidence(
        e,
        "app.py",
        at(
            "app.py",
            "flask.g.user = current_user._get_current_object()",
        ),
    );
    // Loaded once per request, by the hook: a handler's later `current_user.email` finds it
    // loaded and calls no loader.
    assert_no_edge(v(), "views:whoami", "auth:load_user", "calls");
}

#[test]
fn a_parameter_defaulted_to_the_request_user_reads_the_user_models_property() {
    // `user = user or flask.g.user`, then `user.is_admin`: a property of the model the user
    // loader returns, whose getter may set `self.admin` (an UPDATE the next commit flushes).
    let e = assert_edge(v(), "auth:is_admin", "models:Account.is_admin", "calls");
    assert_evidence(e, "auth.py", at("auth.py", "return user.is_admin"));
    assert_edge(v(), "models:Account.is_admin", "table:accounts", "writes");
}

#[test]
fn a_row_read_after_the_commit_is_loaded_again() {
    // `flask.g.user.email` after `db.session.commit()`: expired at commit, read back.
    let e = assert_edge(v(), "views:delete_note", "table:accounts", "reads");
    assert_evidence(
        e,
        "views.py",
        at(
            "views.py",
            "flask.flash(f\"removed by {flask.g.user.email}\")",
        ),
    );
    // Before any commit an attribute read is the loaded row's (`note` is fetched, not re-read).
    assert_eq!(
        evidence(assert_edge(
            v(),
            "views:delete_note",
            "table:notes",
            "reads"
        ))
        .len(),
        1
    );
}

#[test]
fn an_attribute_a_hook_sets_on_the_request_has_the_hooks_type() {
    // `flask.request.note = Note.query.get(...)` in a `before_request` hook: a handler's
    // `flask.request.note.text = ...` then commit updates `notes`.
    let e = assert_edge(v(), "views:edit_note", "table:notes", "writes");
    assert_evidence(
        e,
        "views.py",
        at(
            "views.py",
            "flask.request.note.text = flask.request.json[\"text\"]",
        ),
    );
}
