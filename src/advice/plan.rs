//! The extraction order: at each phase, extract the remaining service with the best ratio of
//! value (routes it takes off the monolith) to entanglement (calls crossing its boundary in
//! either direction, tables it shares, its size), then recompute for what remains. Each phase
//! says which routes the gateway sends where, which tables move or must first be decoupled
//! (and how), which calls become network calls and which async candidates to convert.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{AsyncCandidate, Decouple, GatewayRule, NetworkCall, Phase};
use crate::analysis::Analysis;
use crate::cluster::{Proposal, Service};

/// Entanglement weights: a shared table costs as much as three crossing calls (it needs an
/// API, replication or events before the cut); a thousand lines as much as one call.
const SHARED_TABLE_COST: f64 = 3.0;
const LINES_PER_COST: f64 = 1000.0;

struct Cut<'p> {
    calls_out: Vec<&'p crate::cluster::CrossCall>,
    calls_in: Vec<&'p crate::cluster::CrossCall>,
    shared: Vec<&'p crate::cluster::SharedTable>,
}

fn cut<'p>(p: &'p Proposal, s: &Service, remaining: &BTreeSet<&str>) -> Cut<'p> {
    let name = s.name.as_str();
    Cut {
        calls_out: p
            .cross_service_calls
            .iter()
            .filter(|c| c.from_service == name && remaining.contains(c.to_service.as_str()))
            .collect(),
        calls_in: p
            .cross_service_calls
            .iter()
            .filter(|c| c.to_service == name && remaining.contains(c.from_service.as_str()))
            .collect(),
        shared: p
            .shared_tables
            .iter()
            .filter(|t| {
                let users: BTreeSet<&str> = t
                    .readers
                    .iter()
                    .chain(&t.writers)
                    .map(String::as_str)
                    .chain(t.owner.as_deref())
                    .collect();
                users.contains(name) && users.iter().any(|u| *u != name && remaining.contains(u))
            })
            .collect(),
    }
}

fn score(s: &Service, c: &Cut<'_>) -> f64 {
    let calls: u32 = c.calls_out.iter().chain(&c.calls_in).map(|x| x.count).sum();
    let entanglement = 1.0
        + f64::from(calls)
        + SHARED_TABLE_COST * c.shared.len() as f64
        + f64::from(s.metrics.lines) / LINES_PER_COST;
    (f64::from(s.metrics.routes) + 1.0) / entanglement
}

pub fn plan(
    a: &Analysis,
    p: &Proposal,
    async_candidates: &[AsyncCandidate],
    first: Option<&str>,
) -> Result<Vec<Phase>, String> {
    if let Some(f) = first
        && !p.services.iter().any(|s| s.name == f)
    {
        return Err(format!("--first {f}: no such service"));
    }
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
        let pick = |name: &str| p.services.iter().find(|s| s.name == name);
        let chosen = match (phases.is_empty(), first) {
            (true, Some(f)) => pick(f).expect("checked above"),
            _ => remaining
                .iter()
                .filter_map(|n| pick(n))
                .map(|s| (score(s, &cut(p, s, &others)), s))
                .max_by(|x, y| x.0.total_cmp(&y.0).then_with(|| y.1.name.cmp(&x.1.name)))
                .map(|(_, s)| s)
                .expect("remaining is not empty"),
        };
        let c = cut(p, chosen, &others);
        let sc = score(chosen, &c);
        remaining.remove(chosen.name.as_str());
        let calls_n: u32 = c.calls_out.iter().chain(&c.calls_in).map(|x| x.count).sum();
        let why = format!(
            "{} routes for {} crossing calls, {} shared tables and {} lines{}",
            chosen.metrics.routes,
            calls_n,
            c.shared.len(),
            chosen.metrics.lines,
            if phases.is_empty() && first.is_some() {
                " (pinned first)"
            } else {
                ": the best value for the entanglement among what remains"
            }
        );
        let shared_names: BTreeSet<&str> = c.shared.iter().map(|t| t.table.as_str()).collect();
        let tables_move = chosen
            .tables
            .iter()
            .filter(|t| !shared_names.contains(t.as_str()))
            .cloned()
            .collect();
        let tables_to_decouple = c
            .shared
            .iter()
            .map(|t| {
                let name = chosen.name.as_str();
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
            service: chosen.name.clone(),
            why,
            score: (sc * 1e4).round() / 1e4,
            gateway: gateway(a, chosen, &route_path),
            routes: chosen.routes.clone(),
            tables_move,
            tables_to_decouple,
            network_calls,
            async_to_convert: async_candidates
                .iter()
                .filter(|x| chosen.members.binary_search(&x.handler).is_ok())
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
