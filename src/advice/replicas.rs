//! Read replicas. A query site is replica-safe when it is a plain read (SELECT, no `FOR
//! UPDATE`, no write). A route is replica-safe on positive evidence only, never because no
//! write was seen:
//! - a write method (`POST`, `PUT`, `PATCH`, `DELETE`) is **unsafe** whatever seam saw;
//! - a route whose handler reaches a writing or locking site, or of an app whose request hooks
//!   (`before_request`, `after_request`, teardown: they run on every request) reach one, is
//!   **unsafe**, with the site;
//! - a route whose reach, or a hook's, goes deeper than seam follows
//!   ([`MAX_DEPTH`](super::calls::MAX_DEPTH)) is **unknown**, with where it was cut, and so is a
//!   route that runs no query seam sees;
//! - the rest, read methods whose every reached site is a plain read, are **safe**.
//!
//! A handler that writes a table and later reads it (in the order of its own lines) would
//! read its own write from a lagging replica: a read-your-writes hazard.

use std::collections::{BTreeMap, BTreeSet};

use super::calls::Handlers;
use super::types::{Hazard, ReadReplicas, RouteReads, TableReads};
use crate::analysis::{Analysis, Evidence, Query};

/// The symbols a route's handler reaches, and the query sites they run in handler order.
type RouteSites<'a> = (BTreeSet<&'a str>, Vec<(u32, &'a Query)>);

fn hazard(route: &str, table: &str, write: &Query, read: &Query, note: String) -> Hazard {
    Hazard {
        route: route.to_owned(),
        table: table.to_owned(),
        write: Evidence {
            file: write.file.clone().into(),
            line: write.line,
        },
        read: Evidence {
            file: read.file.clone().into(),
            line: read.line,
        },
        note,
    }
}

/// Whether `url_for(reference)` names `target`, by every way an endpoint is named: Flask's
/// endpoint of the route (`forum.view_topic`, set by the function's name, `endpoint=`, or
/// `as_view("view_topic")`), exactly when some route has that endpoint (`exact`), else by its
/// last part (`.view_topic`, relative to the blueprint; a blueprint seam named otherwise);
/// a route whose endpoint seam could not tell is matched by its handler's name.
fn names_route(reference: &str, target: &crate::analysis::Route, exact: bool) -> bool {
    fn last(s: &str) -> &str {
        s.rsplit('.').next().unwrap_or(s)
    }
    match target.endpoint.as_deref() {
        Some(e) if exact => e == reference,
        Some(e) => last(e) == last(reference),
        None => target.handler.rsplit([':', '.']).next() == Some(last(reference)),
    }
}

/// How a route's reason opens when an app-wide request hook writes (the text summary says
/// it once for every route).
pub const HOOK_WRITES: &str = "the request hook";

/// A blocking site, said: `update users at app/models.py:12`.
fn site(q: &Query) -> String {
    format!(
        "{} {} at {}:{}",
        q.kind,
        q.writes
            .first()
            .or(q.reads.first())
            .map_or("", String::as_str),
        q.file,
        q.line
    )
}

pub fn replica_safe(q: &Query) -> bool {
    q.kind == "select" && !q.locking && q.writes.is_empty()
}

pub fn advise(a: &Analysis, handlers: &Handlers<'_>) -> ReadReplicas {
    let mut per_table: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for q in &a.queries {
        if q.kind != "select" {
            continue;
        }
        for t in &q.reads {
            let e = per_table.entry(t.as_str()).or_default();
            e.0 += 1;
            if replica_safe(q) {
                e.1 += 1;
            }
        }
    }
    let tables = per_table
        .into_iter()
        .map(|(t, (reads, safe))| TableReads {
            table: t.to_owned(),
            read_sites: reads,
            replica_safe: safe,
            share: (f64::from(safe) / f64::from(reads.max(1)) * 1e4).round() / 1e4,
        })
        .collect();
    // What every request runs before or after its handler: the first hook site that writes,
    // and the first hook whose reach was cut.
    let hook_write = handlers.hooks.iter().find_map(|(id, reach)| {
        reach
            .symbols
            .keys()
            .flat_map(|sym| handlers.queries_of(sym).iter().copied())
            .find(|q| !replica_safe(q))
            .map(|q| (*id, q))
    });
    let hook_cut = handlers
        .hooks
        .iter()
        .find_map(|(id, reach)| reach.cut_at.map(|c| (*id, c)));
    let mut routes = Vec::new();
    let mut hazards = BTreeSet::new();
    // Per route: the symbols its handler reaches, and the sites they run in handler order.
    let mut reached_by_route: Vec<RouteSites<'_>> = Vec::new();
    for r in &a.routes {
        let reached = handlers.reached(r);
        // (order in the handler, query) for every site reached.
        let mut ordered: Vec<(u32, &Query)> = Vec::new();
        for (sym, how) in reached {
            for &q in handlers.queries_of(sym) {
                let order = if how.depth == 0 { q.line } else { how.via_line };
                ordered.push((order, q));
            }
        }
        ordered.sort_by_key(|(o, q)| (*o, q.file.clone(), q.line));
        reached_by_route.push((reached.keys().copied().collect(), ordered.clone()));
        let reads = ordered.iter().filter(|(_, q)| q.kind == "select").count() as u32;
        let writes = ordered.len() as u32 - reads;
        let blocking = ordered.iter().find(|(_, q)| !replica_safe(q));
        let write_method = r
            .methods
            .iter()
            .find(|m| !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS"));
        let (replica, reason) = if let Some(m) = write_method {
            (
                "unsafe",
                Some(format!(
                    "a {m} route: a write method is never served from a replica"
                )),
            )
        } else if let Some((_, q)) = blocking {
            ("unsafe", Some(site(q)))
        } else if let Some((hook, q)) = hook_write {
            (
                "unsafe",
                Some(format!(
                    "{HOOK_WRITES} {hook}, run on every request: {}",
                    site(q)
                )),
            )
        } else if let Some(cut) = handlers.reach(r).cut_at {
            (
                "unknown",
                Some(format!(
                    "what {cut} calls is past the {} calls seam follows: not read",
                    super::calls::MAX_DEPTH
                )),
            )
        } else if let Some((hook, cut)) = hook_cut {
            (
                "unknown",
                Some(format!(
                    "the request hook {hook} reaches past the {} calls seam follows ({cut}): not read",
                    super::calls::MAX_DEPTH
                )),
            )
        } else if reads == 0 {
            ("unknown", Some("runs no query seam sees".to_owned()))
        } else {
            ("safe", None)
        };
        routes.push(RouteReads {
            route: r.id.clone(),
            replica,
            replica_safe: replica == "safe",
            reads,
            writes,
            reason,
        });
        for (i, (wo, w)) in ordered.iter().enumerate() {
            if w.writes.is_empty() {
                continue;
            }
            for (ro, rq) in &ordered[i + 1..] {
                if ro < wo || rq.kind != "select" {
                    continue;
                }
                for t in w.writes.iter().filter(|t| rq.reads.contains(t)) {
                    hazards.insert(hazard(
                        &r.id,
                        t,
                        w,
                        rq,
                        "writes then reads the same table in one request: keep this read on the primary".to_owned(),
                    ));
                }
            }
        }
    }
    // POST → redirect → GET: the page a write redirects to reads what was just written; on a
    // lagging replica the user does not see their own change.
    let mut redirected: BTreeSet<(usize, &str, u32, usize, &str)> = BTreeSet::new();
    // The endpoints some route declares, once (not a scan of every route per reference).
    let endpoints: BTreeSet<&str> = a
        .routes
        .iter()
        .filter_map(|t| t.endpoint.as_deref())
        .collect();
    for (i, r) in a.routes.iter().enumerate() {
        let (reached, ordered) = &reached_by_route[i];
        let written: Vec<&Query> = ordered
            .iter()
            .map(|(_, q)| *q)
            .filter(|q| !q.writes.is_empty())
            .collect();
        if written.is_empty() {
            continue;
        }
        for er in a
            .endpoint_refs
            .iter()
            .filter(|e| reached.contains(e.from.as_str()))
        {
            let exact = endpoints.contains(er.endpoint.as_str());
            for (j, target) in a.routes.iter().enumerate() {
                if j == i
                    || !names_route(&er.endpoint, target, exact)
                    || !target.methods.iter().any(|m| m == "GET")
                {
                    continue;
                }
                for (_, rq) in &reached_by_route[j].1 {
                    if !replica_safe(rq) {
                        continue;
                    }
                    for w in &written {
                        for t in w.writes.iter().filter(|t| rq.reads.contains(t)) {
                            // One hazard per redirect and table: its first write and the
                            // target's first read of it say what to fix.
                            if !redirected.insert((i, er.file.as_str(), er.line, j, t.as_str())) {
                                continue;
                            }
                            hazards.insert(hazard(
                                &r.id,
                                t,
                                w,
                                rq,
                                format!(
                                    "redirects ({}:{}) to {}, which reads it: serve that read from the primary (or pin the session to it after a write)",
                                    er.file, er.line, target.id
                                ),
                            ));
                        }
                    }
                }
            }
        }
    }
    routes.sort();
    ReadReplicas {
        tables,
        routes,
        hazards: hazards.into_iter().collect(),
    }
}
