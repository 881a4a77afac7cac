//! Flask's request hooks: functions the application registers to run around every request
//! (`@app.before_request`, `app.before_request(load_user)`, a blueprint's
//! `before_app_request`), which Flask calls, not the handlers.

use super::index::Index;
use super::registrations::{is_flask_app, registered};

/// Methods that register a function to run before every request of the application: on the
/// app itself (`before_request`), or from a blueprint for the whole app (`before_app_request`).
/// A blueprint's own `before_request` runs for its routes only and is not one of them.
const BEFORE: &[&str] = &["before_request", "before_app_request"];

/// The defs that run before every request of the application, in unit and def order.
pub(crate) fn app_wide_before_hooks(ix: &Index<'_>) -> Vec<(usize, usize)> {
    registered(ix, BEFORE)
        .into_iter()
        .filter(|r| r.method == "before_app_request" || is_flask_app(ix, &r.receiver))
        .map(|r| r.def)
        .collect()
}

/// The tag of a def that runs around every request of the application (see [`app_wide_hooks`]).
pub(crate) const TAG: &str = "request-hook";

/// Methods that register a function to run around every request of the application: before,
/// after (`after_request`, given the response) and at teardown, on the app or, from a
/// blueprint, for the whole app (`*_app_request`).
const AROUND: &[&str] = &[
    "before_request",
    "before_app_request",
    "after_request",
    "after_app_request",
    "teardown_request",
    "teardown_app_request",
];

/// The defs that run around every request of the application (before, after, at teardown),
/// in unit and def order: what they do, every request does, whatever its handler. The
/// receiver is the application when it resolves to one, or when it is an untyped parameter
/// named `app`: the factory's helpers take the application so (`def
/// configure_before_handlers(app)`: `@app.before_request` inside), and Flask's own docs name it
/// so; a blueprint is not passed as `app`.
pub(crate) fn app_wide_hooks(ix: &Index<'_>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = registered(ix, AROUND)
        .into_iter()
        .filter(|r| {
            r.method.ends_with("_app_request")
                || is_flask_app(ix, &r.receiver)
                || (matches!(r.receiver, super::names::Value::Dynamic) && r.receiver_name == "app")
        })
        .map(|r| r.def)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}
