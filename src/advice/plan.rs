//! The extraction order, by the rule a team would defend: start with a service that carries
//! traffic and is easy to cut. At each phase, among the remaining services in the busier half
//! by traffic (routes, or production calls of their query sites with `--workload`), extract
//! the least entangled one — fewest request-path calls crossing its boundary, fewest shared
//! tables, least code — and say why it went before the next two; then recompute for what
//! remains. Each phase says which routes the gateway sends where, which tables move or must
//! first be decoupled (and how), which calls become network calls and which async work to
//! convert.
//!
//! Only calls on the request path become network calls: from what a route, a request hook or
//! a queued task runs. A call made by a CLI command, a test or a fixture loader is not.

use rustc_hash::FxHashSet as HashSet;
use std::collections::{BTreeMap, BTreeSet};

use super::calls::CallIndex;
use super::types::{Alternative, AsyncCandidate, Decouple, GatewayRule, NetworkCall, Phase};
use crate::analysis::{Analysis, EdgeKind, NOT_APPLICATION};
use crate::cluster::{Proposal, Service};

/// Entanglement weights: a shared table costs as much as three crossing calls (it needs an
/// API, replication or events before the cut); a thousand lines as much as one call.
const SHARED_TABLE_COST: f64 = 3.0;
const LINES_PER_COST: f64 = 1000.0;
/// A service whose boundary seam itself doubts (a sliver kept, a service with no table of its
/// own, a blob kept whole) costs this much more: its cut is less certain.
const DOUBT_FACTOR: f64 = 2.0;
/// Entanglements within this factor of the least are a tie, broken by traffic.
const ENTANGLEMENT_TIE: f64 = 1.1;

struct Cut<'p> {
    calls_out: Vec<&'p crate::cluster::CrossCall>,
    calls_in: Vec<&'p crate::cluster::CrossCall>,
    shared: Vec<&'p crate::cluster::SharedTable>,
}

impl Cut<'_> {
    fn calls(&self) -> u32 {
        self.calls_out
            .iter()
            .chain(&self.calls_in)
            .map(|x| x.count)
            .sum()
    }
}

/// Symbols on the request path: what route handlers, their view classes, request hooks and
/// queued tasks run, through calls, outside tests, migrations and scripts.
fn request_path<'a>(a: &'a Analysis, calls: &CallIndex<'a>) -> HashSet<&'a str> {
    let outside = a.ids_tagged(NOT_APPLICATION);
    let mut roots: Vec<&str> = a
        .edges
        .iter()
        .filter(|e| e.kind == EdgeKind::Enqueues)
        .map(|e| &*e.to)
        .collect();
    roots.extend(a.routes.iter().map(|r| r.handler.as_str()));
    roots.extend(a.routes.iter().filter_map(|r| r.view.as_deref()));
    // The walk's order does not change what it reaches.
    roots.extend(a.ids_tagged(&["request-hook", "task"]));
    let mut seen: HashSet<&str> = HashSet::default();
    while let Some(s) = roots.pop() {
        if outside.contains(s) || !seen.insert(s) {
            continue;
        }
        roots.extend(calls.callees(s).iter().map(|(to, _)| *to));
    }
    seen
}

/// A shared table's users (readers, writers, owner) and the services that touch it from the
/// request path, in proposal order: computed once per plan, read at every phase for every
/// remaining service (rebuilt there, they were a tenth of a warm run).
struct TableUsers<'p> {
    users: BTreeSet<&'p str>,
    on_path: BTreeSet<&'p str>,
}

fn table_users<'p>(p: &'p Proposal, request: &HashSet<&str>) -> Vec<TableUsers<'p>> {
    p.shared_tables
        .iter()
        .map(|t| TableUsers {
            users: t
                .readers
                .iter()
                .chain(&t.writers)
                .map(String::as_str)
                .chain(t.owner.as_deref())
                .collect(),
            on_path: t
                .evidence
                .iter()
                .filter(|x| request.contains(x.symbol.as_str()))
                .map(|x| x.service.as_str())
                .collect(),
        })
        .collect()
}

fn cut<'p>(
    p: &'p Proposal,
    s: &Service,
    remaining: &BTreeSet<&str>,
    request: &HashSet<&str>,
    tables: &[TableUsers<'_>],
) -> Cut<'p> {
    let name = s.name.as_str();
    let on_path = |c: &&crate::cluster::CrossCall| request.contains(&*c.from);
    Cut {
        calls_out: p
            .cross_service_calls
            .iter()
            .filter(|c| c.from_service == name && remaining.contains(c.to_service.as_str()))
            .filter(on_path)
            .collect(),
        calls_in: p
            .cross_service_calls
            .iter()
            .filter(|c| c.to_service == name && remaining.contains(c.from_service.as_str()))
            .filter(on_path)
            .collect(),
        shared: p
            .shared_tables
            .iter()
            .zip(tables)
            .filter(|(_, u)| {
                let other = |x: &&str| *x != name && remaining.contains(x);
                u.users.contains(name)
                    && u.users.iter().any(other)
                    // Shared on the request path: another remaining service's request (or
                    // worker) touches it, not only its CLI, fixtures or tests.
                    && u.on_path.iter().any(other)
            })
            .map(|(t, _)| t)
            .collect(),
    }
}

/// The accesses to `t` by remaining services other than `name` from the request path.
fn others_on_path<'t>(
    t: &'t crate::cluster::SharedTable,
    name: &str,
    remaining: &BTreeSet<&str>,
    request: &HashSet<&str>,
) -> Vec<&'t crate::cluster::Access> {
    t.evidence
        .iter()
        .filter(|x| {
            x.service != name
                && remaining.contains(x.service.as_str())
                && request.contains(x.symbol.as_str())
        })
        .collect()
}

/// Why seam doubts a service's boundary, if it does: a short label and the proposal's reason.
fn doubt(s: &Service) -> Option<(&'static str, &str)> {
    s.sliver
        .as_deref()
        .map(|w| ("a sliver", w))
        .or(s
            .owns_no_table
            .as_deref()
            .map(|w| ("no table of its own", w)))
        .or(s
            .blob
            .as_deref()
            .filter(|_| !s.blob_aggregate)
            .map(|w| ("a blob kept whole", w)))
}

/// How hard a service is to cut out of what remains.
fn entanglement(s: &Service, c: &Cut<'_>) -> f64 {
    let base = 1.0
        + f64::from(c.calls())
        + SHARED_TABLE_COST * c.shared.len() as f64
        + f64::from(s.metrics.lines) / LINES_PER_COST;
    if doubt(s).is_some() {
        base * DOUBT_FACTOR
    } else {
        base
    }
}

/// One remaining service as the rule sees it.
struct Candidate<'p> {
    service: &'p Service,
    traffic: f64,
    cut: Cut<'p>,
    entanglement: f64,
    busy: bool,
}

/// `3 shared tables`, `1 shared table`.
fn counted(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn traffic_words(t: f64, workload: bool) -> String {
    let plural = if t == 1.0 { "" } else { "s" };
    if workload {
        format!("{t:.0} production call{plural}")
    } else {
        format!("{t:.0} route{plural}")
    }
}

/// The rule's ranking: the busier half first, the least entangled first within each half,
/// then the busier, then by name.
fn ranked<'p>(
    p: &'p Proposal,
    remaining: &BTreeSet<&str>,
    others: &BTreeSet<&str>,
    traffic: &BTreeMap<&str, f64>,
    request: &HashSet<&str>,
    tables: &[TableUsers<'_>],
) -> Vec<Candidate<'p>> {
    let mut volumes: Vec<f64> = remaining
        .iter()
        .map(|n| traffic.get(n).copied().unwrap_or(0.0))
        .collect();
    volumes.sort_by(|a, b| b.total_cmp(a));
    // The busier half: at least the median volume, and some traffic at all.
    let median = volumes
        .get(volumes.len().saturating_sub(1) / 2)
        .copied()
        .unwrap_or(0.0);
    let mut out: Vec<Candidate<'p>> = p
        .services
        .iter()
        .filter(|s| remaining.contains(s.name.as_str()))
        .map(|s| {
            let t = traffic.get(s.name.as_str()).copied().unwrap_or(0.0);
            let c = cut(p, s, others, request, tables);
            Candidate {
                service: s,
                traffic: t,
                entanglement: entanglement(s, &c),
                cut: c,
                busy: t > 0.0 && t >= median,
            }
        })
        .collect();
    out.sort_by(|x, y| {
        y.busy
            .cmp(&x.busy)
            .then_with(|| x.entanglement.total_cmp(&y.entanglement))
            .then_with(|| y.traffic.total_cmp(&x.traffic))
            .then_with(|| x.service.name.cmp(&y.service.name))
    });
    // Entanglements this close are a tie the traffic breaks.
    if let Some(least) = out.first().filter(|c| c.busy).map(|c| c.entanglement) {
        let busiest = out
            .iter()
            .enumerate()
            .take_while(|(_, c)| c.busy && c.entanglement <= least * ENTANGLEMENT_TIE)
            .max_by(|(i, x), (j, y)| x.traffic.total_cmp(&y.traffic).then_with(|| j.cmp(i)))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let chosen = out.remove(busiest);
        out.insert(0, chosen);
    }
    out
}

/// Why `alt` went after `chosen`.
fn why_not(chosen: &Candidate<'_>, alt: &Candidate<'_>, workload: bool) -> String {
    if chosen.busy && !alt.busy {
        return format!(
            "less traffic ({} against {})",
            traffic_words(alt.traffic, workload),
            traffic_words(chosen.traffic, workload)
        );
    }
    let mut more = Vec::new();
    if alt.cut.calls() > chosen.cut.calls() {
        more.push(format!(
            "{} against {}",
            counted(alt.cut.calls() as usize, "crossing call"),
            chosen.cut.calls()
        ));
    }
    if alt.cut.shared.len() > chosen.cut.shared.len() {
        more.push(format!(
            "{} against {}",
            counted(alt.cut.shared.len(), "shared table"),
            chosen.cut.shared.len()
        ));
    }
    if alt.service.metrics.lines > chosen.service.metrics.lines {
        more.push(format!(
            "{} lines against {}",
            alt.service.metrics.lines, chosen.service.metrics.lines
        ));
    }
    if let Some((d, _)) = doubt(alt.service) {
        more.push(format!("its boundary is in doubt ({d})"));
    }
    if alt.traffic == chosen.traffic && alt.entanglement <= chosen.entanglement * ENTANGLEMENT_TIE {
        return "as busy and about as entangled: the tie goes by name".to_owned();
    }
    if more.is_empty() || alt.entanglement <= chosen.entanglement * ENTANGLEMENT_TIE {
        format!(
            "about as entangled, less traffic ({} against {})",
            traffic_words(alt.traffic, workload),
            traffic_words(chosen.traffic, workload)
        )
    } else {
        format!("more entangled: {}", more.join(", "))
    }
}

/// How far the phase can be trusted: low when seam doubts the boundary or the service serves
/// no route (nothing moves at the gateway), medium when more calls cross it than it has
/// routes, high otherwise.
fn confidence(c: &Candidate<'_>) -> (&'static str, String) {
    if let Some((_, why)) = doubt(c.service) {
        return ("low", format!("low confidence: {why}"));
    }
    if c.service.metrics.routes == 0 {
        return (
            "low",
            "low confidence: it serves no route, so nothing moves at the gateway; extract it with its callers".to_owned(),
        );
    }
    if c.cut.calls() > c.service.metrics.routes {
        return (
            "medium",
            "medium confidence: more calls cross its boundary than it serves routes".to_owned(),
        );
    }
    ("high", "high confidence".to_owned())
}

pub fn plan<'a>(
    a: &'a Analysis,
    calls: &CallIndex<'a>,
    p: &Proposal,
    async_candidates: &[AsyncCandidate],
    first: Option<&str>,
    workload: Option<&[f64]>,
) -> Result<Vec<Phase>, String> {
    if let Some(f) = first
        && !p.services.iter().any(|s| s.name == f)
    {
        return Err(format!("--first {f}: no such service"));
    }
    let request = request_path(a, calls);
    let tables = table_users(p, &request);
    // Traffic: routes, or the production calls of the service's query sites.
    let traffic: BTreeMap<&str, f64> = match workload {
        Some(weights) => {
            let service_of = p.service_of_members();
            let mut t: BTreeMap<&str, f64> = BTreeMap::new();
            for (q, w) in a.queries.iter().zip(weights) {
                if let Some(s) = service_of.get(q.site.as_str()) {
                    *t.entry(s).or_default() += w;
                }
            }
            t
        }
        None => p
            .services
            .iter()
            .map(|s| (s.name.as_str(), f64::from(s.metrics.routes)))
            .collect(),
    };
    let by_workload = workload.is_some();
    let mut remaining: BTreeSet<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
    // The monolith keeps what is in no service: it is always "remaining".
    let monolith = "monolith";
    let route_path: BTreeMap<&str, &str> = a
        .routes
        .iter()
        .map(|r| (r.id.as_str(), r.path.as_str()))
        .collect();
    let mut phases = Vec::new();
    while !remaining.is_empty() {
        let mut others = remaining.clone();
        others.insert(monolith);
        let mut ranking = ranked(p, &remaining, &others, &traffic, &request, &tables);
        let pinned = phases.is_empty() && first.is_some();
        let at = if pinned {
            ranking
                .iter()
                .position(|c| Some(c.service.name.as_str()) == first)
                .expect("checked above")
        } else {
            0
        };
        let chosen = ranking.remove(at);
        let over: Vec<Alternative> = ranking
            .iter()
            .take(2)
            .map(|alt| Alternative {
                service: alt.service.name.clone(),
                traffic: alt.traffic,
                crossings: alt.cut.calls(),
                shared_tables: alt.cut.shared.len() as u32,
                lines: alt.service.metrics.lines,
                why_not: why_not(&chosen, alt, by_workload),
            })
            .collect();
        let s = chosen.service;
        remaining.remove(s.name.as_str());
        let (confidence, trust) = confidence(&chosen);
        let c = &chosen.cut;
        let before: Vec<String> = over
            .iter()
            .map(|o| format!("{} ({})", o.service, o.why_not))
            .collect();
        let why = format!(
            "{}, {}, {} and {}: {}; {trust}{}",
            traffic_words(chosen.traffic, by_workload),
            counted(c.calls() as usize, "request-path crossing call"),
            counted(c.shared.len(), "shared table"),
            counted(s.metrics.lines as usize, "line"),
            if pinned {
                "pinned first".to_owned()
            } else if chosen.busy {
                "the least entangled of the busier half of what remains".to_owned()
            } else {
                "what remains carries no traffic; the least entangled".to_owned()
            },
            if before.is_empty() {
                String::new()
            } else {
                format!("; before {}", before.join(" and "))
            }
        );
        let shared_names: BTreeSet<&str> = c.shared.iter().map(|t| t.table.as_str()).collect();
        let tables_move = s
            .tables
            .iter()
            .filter(|t| !shared_names.contains(t.as_str()))
            .cloned()
            .collect();
        let tables_to_decouple = c
            .shared
            .iter()
            .map(|t| {
                let name = s.name.as_str();
                let others_write = t.writers.iter().any(|w| w != name);
                let owns = t.owner.as_deref() == Some(name);
                let (remedy, why) = match (owns, others_write) {
                    (true, true) => ("event", format!("other services write it ({}): they call {name}'s API, {name} publishes changes", t.writers.iter().filter(|w| *w != name).cloned().collect::<Vec<_>>().join(", "))),
                    (true, false) => ("replication", format!("others only read it ({}): serve them a replicated read model or an API", t.readers.join(", "))),
                    (false, _) => ("api", format!("owned by {}: read it through the owner's API", t.owner.as_deref().unwrap_or("the monolith"))),
                };
                Decouple {
                    table: t.table.clone(),
                    remedy: remedy.to_owned(),
                    why,
                    evidence: others_on_path(t, name, &others, &request)
                        .into_iter()
                        .take(3)
                        .map(|x| crate::analysis::Evidence {
                            file: x.file.clone().into(),
                            line: x.line,
                        })
                        .collect(),
                }
            })
            .collect();
        let network_calls = c
            .calls_out
            .iter()
            .map(|x| (x, "outbound"))
            .chain(c.calls_in.iter().map(|x| (x, "inbound")))
            .map(|(x, dir)| NetworkCall {
                from: x.from.clone(),
                to: x.to.clone(),
                direction: dir.to_owned(),
                evidence: x.evidence.clone(),
            })
            .collect();
        phases.push(Phase {
            phase: phases.len() as u32 + 1,
            service: s.name.clone(),
            why,
            score: ((chosen.traffic + 1.0) / chosen.entanglement * 1e4).round() / 1e4,
            confidence,
            over,
            gateway: gateway(a, s, &route_path),
            routes: s.routes.clone(),
            tables_move,
            tables_to_decouple,
            network_calls,
            async_to_convert: async_candidates
                .iter()
                .filter(|x| x.remedy == "event" && s.members.binary_search(&x.handler).is_ok())
                .map(|x| x.event.clone())
                .collect(),
        });
    }
    Ok(phases)
}

/// Gateway rules: a first path segment all of whose routes the service takes becomes a prefix
/// rule (`/billing/*`); otherwise the exact paths.
fn gateway(a: &Analysis, s: &Service, path_of: &BTreeMap<&str, &str>) -> Vec<GatewayRule> {
    let mine: BTreeSet<&str> = s
        .routes
        .iter()
        .filter_map(|r| path_of.get(r.as_str()).copied())
        .collect();
    let first = |p: &str| -> String {
        p.trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_owned()
    };
    let mut by_segment: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in &a.routes {
        let seg = first(&r.path);
        let e = by_segment.entry(seg).or_default();
        e.0 += 1;
        if s.routes.binary_search(&r.id).is_ok() {
            e.1 += 1;
        }
    }
    let mut rules = BTreeSet::new();
    for path in &mine {
        let seg = first(path);
        let (all, own) = by_segment[&seg];
        let prefix_ok = !seg.is_empty() && !seg.starts_with('<') && all == own;
        rules.insert(GatewayRule {
            path: if prefix_ok {
                format!("/{seg}/*")
            } else {
                (*path).to_owned()
            },
            to: s.name.clone(),
        });
    }
    rules.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use crate::analysis::{Analysis, EdgeKind, Node, NodeKind, Route};
    use crate::test_support::edge as call;

    fn node(id: &str, tags: &[&str]) -> Node {
        Node {
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..crate::test_support::node(id, NodeKind::Function, 2)
        }
    }

    /// What a route, a hook or a queued task runs is on the request path; what only a CLI
    /// command or a test runs is not, even when it crosses the same boundary.
    #[test]
    fn the_request_path_is_what_requests_and_workers_run() {
        let a = Analysis {
            nodes: vec![
                node("app:view", &[]),
                node("app:hook", &["request-hook"]),
                node("app:cli_seed", &[]),
                node("tests.test_app:test_view", &["test"]),
            ],
            routes: vec![Route {
                id: "route:GET /".to_owned(),
                path: "/".to_owned(),
                methods: vec!["GET".to_owned()],
                handler: "app:view".to_owned(),
                endpoint: None,
                view: None,
                app: None,
                file: "app.py".to_owned(),
                line: 1,
            }],
            edges: vec![
                call("app:view", "app:service", EdgeKind::Calls),
                call("app:service", "app:repo", EdgeKind::Calls),
                call("app:view", "app:job", EdgeKind::Enqueues),
                call("app:job", "app:mailer", EdgeKind::Calls),
                call("app:hook", "app:touch", EdgeKind::Calls),
                call("app:cli_seed", "app:fixtures", EdgeKind::Calls),
                call("tests.test_app:test_view", "app:helper", EdgeKind::Calls),
            ],
            ..Analysis::default()
        };
        let path = super::request_path(&a, &super::CallIndex::of(&a));
        for on in [
            "app:view",
            "app:service",
            "app:repo",
            "app:job",
            "app:mailer",
            "app:touch",
        ] {
            assert!(path.contains(on), "{on} is on the request path");
        }
        for off in [
            "app:cli_seed",
            "app:fixtures",
            "app:helper",
            "tests.test_app:test_view",
        ] {
            assert!(!path.contains(off), "{off} is not");
        }
    }
}
