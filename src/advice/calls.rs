//! What a route handler runs: its own body and, through resolved calls, the functions it
//! reaches (bounded depth), each with the line in the handler's call tree where it starts.

use std::collections::{BTreeMap, HashMap};

use crate::analysis::{Analysis, EdgeKind, Evidence};

/// How deep a handler's calls are followed: deep enough for view → service → repository →
/// helper, shallow enough that a generic helper does not drag in the whole code base.
pub const MAX_DEPTH: u32 = 4;

/// Calls by caller: (callee, first evidence), sorted.
pub struct CallTree<'a> {
    callees: HashMap<&'a str, Vec<(&'a str, &'a Evidence)>>,
}

/// One symbol reached from a handler: at what depth, and the line of the handler's own call
/// that leads there (the handler's line order approximates execution order).
#[derive(Debug, Clone, Copy)]
pub struct Reached<'a> {
    pub depth: u32,
    pub via_line: u32,
    pub via: &'a Evidence,
}

impl<'a> CallTree<'a> {
    pub fn of(a: &'a Analysis) -> Self {
        let mut callees: HashMap<&str, Vec<(&str, &Evidence)>> = HashMap::new();
        for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Calls) {
            if let Some(ev) = e.evidence.first() {
                callees
                    .entry(e.from.as_str())
                    .or_default()
                    .push((e.to.as_str(), ev));
            }
        }
        Self { callees }
    }

    /// Symbols reached from `root` (itself at depth 0), breadth first, first path wins.
    pub fn reach<'b>(
        &'b self,
        root: &'a str,
        root_evidence: &'b Evidence,
    ) -> BTreeMap<&'a str, Reached<'b>>
    where
        'a: 'b,
    {
        let mut out: BTreeMap<&'a str, Reached<'b>> = BTreeMap::new();
        out.insert(
            root,
            Reached {
                depth: 0,
                via_line: 0,
                via: root_evidence,
            },
        );
        let mut frontier = vec![root];
        for depth in 1..=MAX_DEPTH {
            let mut next = Vec::new();
            for from in frontier {
                let parent = out[from];
                for &(to, ev) in self.callees.get(from).map_or(&[][..], Vec::as_slice) {
                    if out.contains_key(to) {
                        continue;
                    }
                    let (via_line, via) = if depth == 1 {
                        (ev.line, ev)
                    } else {
                        (parent.via_line, parent.via)
                    };
                    out.insert(
                        to,
                        Reached {
                            depth,
                            via_line,
                            via,
                        },
                    );
                    next.push(to);
                }
            }
            next.sort_unstable();
            frontier = next;
        }
        out
    }
}
