//! The shared kernel: generic helpers (formatters, decorators such as `login_required`, session
//! and config helpers) reached from many parts of the code. They are library candidates, not a
//! service, and must not glue services together, so they are taken out before clustering and
//! confirmed after it: a candidate only one service uses joins that service.

use std::collections::{HashMap, HashSet};

use super::projection::Items;
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
pub(crate) fn candidates(a: &Analysis, items: &Items<'_>, touches: &[bool]) -> Vec<bool> {
    let mut callers: HashMap<usize, HashSet<&str>> = HashMap::new();
    let mut caller_symbols: HashMap<usize, HashSet<usize>> = HashMap::new();
    // Code that touches data is domain code, however widely it is used.
    let mut writers: HashSet<usize> = (0..items.len()).filter(|&i| touches[i]).collect();
    // Functions called from module bodies (import-time wiring such as `register_api(...)`).
    let mut wired: HashSet<usize> = HashSet::new();
    let module_nodes: HashSet<&str> = items.module_nodes.iter().copied().collect();
    for e in &a.edges {
        if e.kind == EdgeKind::Calls
            && module_nodes.contains(e.from.as_str())
            && let Some(&t) = items.index.get(e.to.as_str())
        {
            wired.insert(t);
        }
        match e.kind {
            // Subclassing is using: a mixin under most models is as generic as a decorator.
            EdgeKind::Calls | EdgeKind::Enqueues | EdgeKind::Inherits => {
                let (Some(&t), Some(&s)) = (
                    items.index.get(e.to.as_str()),
                    items.index.get(e.from.as_str()),
                ) else {
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
        .filter_map(|e| {
            Some((
                *items.index.get(e.from.as_str())?,
                *items.index.get(e.to.as_str())?,
            ))
        })
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
        let wiring = !caller_symbols.contains_key(&t) && wired.contains(&t);
        if wide || many || wiring {
            out[t] = true;
        }
    }
    // What a kernel symbol contains (a class's methods, a decorator's inner wrapper) is kernel
    // too; edges come sorted by source, so one pass reaches nested levels in order only if the
    // parent was decided first: iterate to a fixed point (depth is small).
    let mut changed = true;
    while changed {
        changed = false;
        for &(p, c) in &contains {
            if out[p] && !out[c] && !writers.contains(&c) {
                out[c] = true;
                changed = true;
            }
        }
    }
    out
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
