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
