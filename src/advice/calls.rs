//! What a route handler runs: its own body and, through resolved calls, the functions it
//! reaches (bounded depth), each with the line in the handler's call tree where it starts.
//! Computed once per handler and shared by the replica and async advice, with the query sites
//! indexed by the symbol that runs them.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

use crate::analysis::{Analysis, EdgeKind, Query};

/// How deep a handler's calls are followed: deep enough for view → service → repository →
/// helper, shallow enough that a generic helper does not drag in the whole code base.
pub const MAX_DEPTH: u32 = 4;

/// One symbol reached from a handler: at what depth, and the line of the handler's own call
/// that leads there (the handler's line order approximates execution order).
#[derive(Debug, Clone, Copy)]
pub struct Reached {
    pub depth: u32,
    pub via_line: u32,
}

/// Resolved calls by caller: (callee, line of the first call), in edge order. Built once per
/// run and shared by everything in the advice that follows calls (what handlers reach, the
/// extraction plan's request path).
pub struct CallIndex<'a> {
    by_caller: HashMap<&'a str, Vec<(&'a str, u32)>>,
}

impl<'a> CallIndex<'a> {
    pub fn of(a: &'a Analysis) -> Self {
        let mut by_caller: HashMap<&str, Vec<(&str, u32)>> = HashMap::default();
        for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Calls) {
            if let Some(ev) = e.evidence.first() {
                by_caller
                    .entry(&*e.from)
                    .or_default()
                    .push((&*e.to, ev.line));
            }
        }
        Self { by_caller }
    }

    /// What `caller` calls, with the line of its first call to each, in edge order.
    pub fn callees(&self, caller: &str) -> &[(&'a str, u32)] {
        self.by_caller.get(caller).map_or(&[][..], Vec::as_slice)
    }
}

/// What every route handler reaches, and the query sites by symbol.
pub struct Handlers<'a> {
    /// The call index everything here follows.
    pub calls: CallIndex<'a>,
    /// [`route_key`] (handler and view class) → what the route runs.
    reached: HashMap<String, Reach<'a>>,
    /// The app-wide request hooks (tagged `request-hook`), by id, with what each runs: every
    /// request runs them.
    pub hooks: Vec<(&'a str, Reach<'a>)>,
    queries_of: HashMap<&'a str, Vec<&'a Query>>,
}

/// What one root (a handler, a hook) runs.
pub struct Reach<'a> {
    pub symbols: BTreeMap<&'a str, Reached>,
    /// A symbol at the depth bound whose own calls are not followed: what the root runs is
    /// not all read.
    pub cut_at: Option<&'a str>,
}

impl<'a> Handlers<'a> {
    pub fn of(a: &'a Analysis) -> Self {
        let callees = CallIndex::of(a);
        let mut reached: HashMap<String, Reach<'_>> = HashMap::default();
        for r in &a.routes {
            let view = r.view.as_deref().unwrap_or("");
            reached.entry(route_key(r)).or_insert_with(|| {
                let mut out = reach(&callees, &r.handler);
                // A class-based view that inherits the handler carries what the handler does
                // on its instance: its own sites run in the request too, from its start.
                if !view.is_empty() && !r.handler.starts_with(&format!("{view}.")) {
                    out.symbols.entry(view).or_insert(Reached {
                        depth: 0,
                        via_line: 0,
                    });
                }
                out
            });
        }
        let mut queries_of: HashMap<&str, Vec<&Query>> = HashMap::default();
        for q in &a.queries {
            queries_of.entry(q.site.as_str()).or_default().push(q);
        }
        let hooks = a
            .nodes
            .iter()
            .filter(|n| n.tags.iter().any(|t| t == "request-hook"))
            .map(|n| (n.id.as_str(), reach(&callees, &n.id)))
            .collect();
        Self {
            calls: callees,
            reached,
            hooks,
            queries_of,
        }
    }

    /// Symbols a route runs: its handler (depth 0) and what that reaches, and a view class that
    /// inherits the handler (depth 0).
    pub fn reached(&self, route: &crate::analysis::Route) -> &BTreeMap<&'a str, Reached> {
        &self.reach(route).symbols
    }

    /// What a route runs, with where its reach was cut.
    pub fn reach(&self, route: &crate::analysis::Route) -> &Reach<'a> {
        &self.reached[&route_key(route)]
    }

    /// The query sites one symbol runs, in document order.
    pub fn queries_of(&self, symbol: &str) -> &[&'a Query] {
        self.queries_of.get(symbol).map_or(&[][..], Vec::as_slice)
    }
}

/// Routes that run the same code share one reach: same handler, same view class.
fn route_key(r: &crate::analysis::Route) -> String {
    format!("{}\u{0}{}", r.handler, r.view.as_deref().unwrap_or(""))
}

/// Symbols reached from `root` (itself at depth 0), breadth first, first path wins; and the
/// first symbol at the depth bound that calls on (what runs beyond it is not followed).
fn reach<'a>(callees: &CallIndex<'a>, root: &'a str) -> Reach<'a> {
    let mut out: BTreeMap<&str, Reached> = BTreeMap::new();
    out.insert(
        root,
        Reached {
            depth: 0,
            via_line: 0,
        },
    );
    let mut frontier = vec![root];
    for depth in 1..=MAX_DEPTH {
        let mut next = Vec::new();
        for from in frontier {
            let parent = out[from];
            for &(to, line) in callees.callees(from) {
                if out.contains_key(to) {
                    continue;
                }
                let via_line = if depth == 1 { line } else { parent.via_line };
                out.insert(to, Reached { depth, via_line });
                next.push(to);
            }
        }
        next.sort_unstable();
        frontier = next;
    }
    let cut = frontier.into_iter().find(|from| {
        callees
            .callees(from)
            .iter()
            .any(|(t, _)| !out.contains_key(t))
    });
    Reach {
        symbols: out,
        cut_at: cut,
    }
}
