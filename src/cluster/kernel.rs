//! The shared kernel: generic helpers (formatters, decorators such as `login_required`, session
//! and config helpers) reached from many parts of the code. They are library candidates, not a
//! service, and must not glue services together, so they are taken out before clustering and
//! confirmed after it: a candidate only one service uses joins that service.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use super::projection::Items;
use super::propose::WIRING_SEGMENTS;
use crate::analysis::{Analysis, EdgeKind, NodeKind};

/// Module path segments that name generic code.
const GENERIC_SEGMENTS: &[&str] = &[
    "utils",
    "util",
    "helpers",
    "helper",
    "common",
    "lib",
    "libs",
    "decorators",
    "extensions",
    "shared",
    "tools",
    "misc",
    "compat",
    "_compat",
];

/// Distinct calling modules that make a symbol a kernel candidate: `max(3, 10% of the
/// modules)`; half that (at least 2) in a module named like generic code (`utils`, `helpers`...).
pub(crate) fn fan_in_threshold(modules: usize, generic: bool) -> usize {
    let base = 3.max(modules.div_ceil(10));
    if generic { 2.max(base / 2) } else { base }
}

pub(crate) fn is_generic_module(module: &str) -> bool {
    module.split('.').any(|s| GENERIC_SEGMENTS.contains(&s))
}

/// Distinct calling symbols that make a symbol a candidate whatever the modules: a decorator
/// applied to most views of one `views.py` is as generic as one used across packages.
pub const SYMBOL_FAN_IN: usize = 5;

/// Kernel candidates: data-free symbols (not models, touching no table, holding no code that
/// does) called from at least [`fan_in_threshold`] distinct modules or [`SYMBOL_FAN_IN`]
/// distinct symbols; the methods of a candidate class come with it. Candidates are confirmed
/// after clustering.
/// `touches`: the items that read or write a table themselves.
pub(crate) fn candidates(a: &Analysis, items: &Items<'_>, touches: &[bool]) -> Kernel {
    let mut callers: HashMap<usize, HashSet<&str>> = HashMap::default();
    let mut caller_symbols: HashMap<usize, HashSet<usize>> = HashMap::default();
    // Code that touches data is domain code, however widely it is used.
    let mut writers: HashSet<usize> = (0..items.len()).filter(|&i| touches[i]).collect();
    // Functions called from module bodies (import-time wiring such as `register_api(...)`).
    let mut wired: HashSet<usize> = HashSet::default();
    let module_nodes: HashSet<&str> = items.module_nodes.iter().copied().collect();
    for e in &a.edges {
        if e.kind == EdgeKind::Calls
            && module_nodes.contains(&*e.from)
            && let Some(&t) = items.index.get(&*e.to)
        {
            wired.insert(t);
        }
        match e.kind {
            // Subclassing is using: a mixin under most models is as generic as a decorator.
            EdgeKind::Calls | EdgeKind::Enqueues | EdgeKind::Inherits => {
                let (Some(&t), Some(&s)) = (items.index.get(&*e.to), items.index.get(&*e.from))
                else {
                    continue;
                };
                caller_symbols.entry(t).or_default().insert(s);
                if items.modules[s] != items.modules[t] {
                    callers.entry(t).or_default().insert(items.modules[s]);
                }
            }
            _ => {}
        }
    }
    // A class or function that holds code touching data (a token class whose methods write
    // its rows) touches data itself: its nested code would otherwise follow it into the
    // kernel, and the kernel must never hold a writer.
    let contains: Vec<(usize, usize)> = a
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Contains)
        .filter_map(|e| Some((*items.index.get(&*e.from)?, *items.index.get(&*e.to)?)))
        .collect();
    let mut grew = true;
    while grew {
        grew = false;
        for &(p, c) in &contains {
            if writers.contains(&c) && writers.insert(p) {
                grew = true;
            }
        }
    }
    for (&t, symbols) in &caller_symbols {
        if symbols.len() >= SYMBOL_FAN_IN {
            callers.entry(t).or_default();
        }
    }
    // Called only at import time: wiring code (route registration, app setup), not a domain's.
    for &t in &wired {
        if !caller_symbols.contains_key(&t) {
            callers.entry(t).or_default();
        }
    }
    // The app's construction is wiring, whoever calls it.
    let mut factory = vec![false; items.len()];
    for t in app_wiring(a, items) {
        callers.entry(t).or_default();
        factory[t] = true;
    }
    let modules = items.module_set();
    let mut out = vec![false; items.len()];
    for (&t, from) in &callers {
        let model_like = items.tagged_model[t]
            || items
                .tagged_model
                .get(owner_class(items, t))
                .copied()
                .unwrap_or(false);
        if items.kinds[t] == NodeKind::Table || model_like || writers.contains(&t) {
            continue;
        }
        let wide =
            from.len() >= fan_in_threshold(modules.len(), is_generic_module(items.modules[t]));
        let many = caller_symbols
            .get(&t)
            .is_some_and(|s| s.len() >= SYMBOL_FAN_IN);
        let wiring = factory[t] || (wired.contains(&t) && !caller_symbols.contains_key(&t));
        if wide || many || wiring {
            out[t] = true;
        }
    }
    let mut library = vec![false; items.len()];
    for i in library_members(a, items, &writers) {
        library[i] = !out[i];
    }
    // What a kernel symbol contains (a class's methods, a decorator's inner wrapper) is kernel
    // too, of the same kind; edges come sorted by source, so one pass reaches nested levels in
    // order only if the parent was decided first: iterate to a fixed point (depth is small).
    for set in [&mut out, &mut library] {
        let mut changed = true;
        while changed {
            changed = false;
            for &(p, c) in &contains {
                if set[p] && !set[c] && !writers.contains(&c) {
                    set[c] = true;
                    changed = true;
                }
            }
        }
    }
    for i in 0..items.len() {
        library[i] &= !out[i];
    }
    Kernel {
        candidates: out,
        library,
    }
}

/// What may be the shared kernel, in two kinds that differ in when they leave the services.
pub(crate) struct Kernel {
    /// Taken out of the projection before clustering (generic helpers called from everywhere,
    /// the app's wiring): they would glue services together.
    pub candidates: Vec<bool>,
    /// Library code found by its module's shape (see [`library_members`]): clustered like any
    /// code, so that the partition does not hang on them, then confirmed like a candidate.
    pub library: Vec<bool>,
}

/// External calls that build or wire the application: constructing it, registering its
/// blueprints, initialising an extension on it. A function making them is the app factory
/// or part of it: wiring every service shares, whoever calls it (often nobody: `flask
/// --app pkg:create_app` names it in a string).
fn is_app_wiring(name: &str) -> bool {
    name == "flask.Flask" || name.ends_with(".register_blueprint") || name.ends_with(".init_app")
}

/// The functions (and what contains them) that build or wire the application.
fn app_wiring(a: &Analysis, items: &Items<'_>) -> Vec<usize> {
    a.external_calls
        .iter()
        .filter(|c| is_app_wiring(&c.name))
        .filter_map(|c| items.index.get(&*c.from).copied())
        .collect()
}

/// Module names of configuration: read by name (`app.config.from_object("pkg.config.Config")`,
/// an environment variable), so nothing calls their classes.
const CONFIG_SEGMENTS: &[&str] = &["config", "configs", "settings", "configuration"];

/// The members of library modules: modules none of whose code touches data, is a model,
/// handles a route or is a task, and none of whose code uses app code outside the module
/// (calls, enqueues, subclasses): leaf helpers such as an HTTP-helpers, formatting or
/// notification-gateway module, whatever their name. Such a module is library code, shared by
/// whichever services call it (confirmation then moves a member used by one service into it).
/// A module nobody calls is left alone (dead code or a script) unless it is named as
/// configuration (read by name).
fn library_members(a: &Analysis, items: &Items<'_>, writers: &HashSet<usize>) -> Vec<usize> {
    let mut excluded: HashSet<&str> = HashSet::default();
    let mut called: HashSet<usize> = HashSet::default();
    let mut used: HashSet<&str> = HashSet::default();
    // Route handlers, tasks and models are domain code wherever they are.
    let mut domain = vec![false; items.len()];
    for r in &a.routes {
        for h in std::iter::once(&r.handler).chain(r.view.as_ref()) {
            if let Some(&i) = items.index.get(h.as_str()) {
                domain[i] = true;
            }
        }
    }
    for id in a.ids_tagged(&["task"]) {
        if let Some(&i) = items.index.get(id) {
            domain[i] = true;
        }
    }
    for (d, &model) in domain.iter_mut().zip(&items.tagged_model) {
        *d |= model;
    }
    for i in (0..items.len()).filter(|&i| domain[i]) {
        excluded.insert(items.modules[i]);
    }
    for i in writers.iter().copied() {
        excluded.insert(items.modules[i]);
    }
    for (f, t, e) in items.edges(a) {
        let (mf, mt) = (items.modules[f], items.modules[t]);
        if mf == mt || items.is_table(t) {
            continue;
        }
        match e.kind {
            EdgeKind::Calls | EdgeKind::Enqueues | EdgeKind::Inherits => {
                excluded.insert(mf);
                called.insert(t);
                used.insert(mt);
            }
            _ => {}
        }
    }
    (0..items.len())
        .filter(|&i| {
            let m = items.modules[i];
            let config = m
                .rsplit('.')
                .next()
                .is_some_and(|l| CONFIG_SEGMENTS.contains(&l));
            let leaf_module = !excluded.contains(m) && (used.contains(m) || config);
            // In a module named for helpers or wiring, each data-free symbol is library on its
            // own: a `utils.py` that also holds a role check reading the staff table still
            // holds a date parser and the error handlers.
            let wiring_symbol = m.split('.').any(|w| WIRING_SEGMENTS.contains(&w))
                && called.contains(&i)
                && !writers.contains(&i)
                && !domain[i];
            !items.is_table(i) && (leaf_module || wiring_symbol)
        })
        .collect()
}

/// The item index of a method's class (`m:C.f` → `m:C`), or `usize::MAX`.
fn owner_class(items: &Items<'_>, i: usize) -> usize {
    super::propose::container_of(items.ids[i])
        .and_then(|class| items.index.get(class).copied())
        .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ExternalCall;
    use crate::test_support::edge;

    fn node(id: &str, kind: NodeKind) -> crate::analysis::Node {
        crate::test_support::node(id, kind, 5)
    }

    /// A leaf helpers module (`app.http`: nothing in it touches data or calls app code) is
    /// library, including a member nobody calls yet; a module whose function reads a table is
    /// not, nor is a helper that calls back into domain code; a `utils` module's data-free
    /// function is library even beside one that reads; configuration nobody calls is library;
    /// the function constructing the app is a candidate taken out before clustering.
    #[test]
    fn library_modules_configuration_and_the_app_factory_are_kernel() {
        use NodeKind::{Class, Function, Table};
        let a = Analysis {
            nodes: vec![
                node("app:create_app", Function),
                node("app.config:Config", Class),
                node("app.http:json_error", Function),
                node("app.http:unused", Function),
                node("app.orders:place", Function),
                node("app.orders:total", Function),
                node("app.bridge:notify", Function),
                node("app.utils:parse_date", Function),
                node("app.utils:role_required", Function),
                node("table:orders", Table),
            ],
            edges: vec![
                edge("app.orders:place", "app.http:json_error", EdgeKind::Calls),
                edge("app.orders:place", "table:orders", EdgeKind::Writes),
                edge("app.orders:place", "app.utils:parse_date", EdgeKind::Calls),
                edge("app.orders:place", "app.bridge:notify", EdgeKind::Calls),
                edge("app.bridge:notify", "app.orders:total", EdgeKind::Calls),
                edge("app.utils:role_required", "table:orders", EdgeKind::Reads),
            ],
            external_calls: vec![ExternalCall {
                from: "app:create_app".to_owned(),
                name: "flask.Flask".to_owned(),
                count: 1,
                line: 1,
            }],
            ..Analysis::default()
        };
        let items = Items::of(&a);
        let touches: Vec<bool> = (0..items.len())
            .map(|i| ["app.orders:place", "app.utils:role_required"].contains(&items.ids[i]))
            .collect();
        let k = candidates(&a, &items, &touches);
        let kind = |id: &str| {
            let i = items.index[id];
            (k.candidates[i], k.library[i])
        };
        assert_eq!(kind("app:create_app"), (true, false));
        assert_eq!(kind("app.config:Config"), (false, true));
        assert_eq!(kind("app.http:json_error"), (false, true));
        assert_eq!(kind("app.http:unused"), (false, true));
        assert_eq!(kind("app.utils:parse_date"), (false, true));
        assert_eq!(kind("app.utils:role_required"), (false, false));
        assert_eq!(kind("app.bridge:notify"), (false, false));
        assert_eq!(kind("app.orders:total"), (false, false));
        assert_eq!(kind("app.orders:place"), (false, false));
    }

    #[test]
    fn thresholds_scale_with_the_repository() {
        assert_eq!(fan_in_threshold(10, false), 3);
        assert_eq!(fan_in_threshold(10, true), 2);
        assert_eq!(fan_in_threshold(200, false), 20);
        assert_eq!(fan_in_threshold(200, true), 10);
        assert!(is_generic_module("shop.common.decorators"));
        assert!(is_generic_module("flaskbb.utils.helpers"));
        assert!(!is_generic_module("shop.billing.services"));
    }
}
