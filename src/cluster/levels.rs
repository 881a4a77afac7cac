//! The granularity ladder: the proposal at each resolution of [`LADDER`](super::propose::LADDER),
//! coarse to fine, every guardrail applied at each, and the default level chosen among them by
//! a documented criterion:
//!
//! 1. fewest **guardrail misses** (services that own no table, blobs that are not one
//!    aggregate): a level a design review would send back is not the default;
//! 2. then plain modularity, γ = 1: the one resolution that is not a free parameter, and the
//!    best or tied-best level on every labelled fixture (`tests/boundaries.rs`); another level
//!    is the default only when it misses fewer guardrails;
//! 3. then the highest **stability**, the mean adjusted Rand index against the adjacent levels,
//!    to the nearest 0.05: a grouping that survives a coarser and a finer look is one the code
//!    has, not one the resolution made;
//! 4. then the highest **modularity** (γ = 1, on the final services, to two decimals);
//! 5. then the coarser level (fewer services are cheaper to run).
//!
//! The chosen proposal lists every level with its figures, and for the adjacent ones what
//! changes: which of its services a coarser level joins, which a finer level splits.

use std::collections::BTreeMap;

use super::proposal::{Level, Proposal};
use super::quality::adjusted_rand_index;

/// Services of a proposal that miss a guardrail: one that owns no table, a blob that is not
/// one aggregate. A kept sliver is not a miss: the sliver rule kept it because no service
/// holds most of its ties (a capability every domain uses), which is the rule met.
fn misses(p: &Proposal) -> u32 {
    p.services
        .iter()
        .filter(|s| s.owns_no_table.is_some() || (s.blob.is_some() && !s.blob_aggregate))
        .count() as u32
}

/// Symbol → its group in a proposal (a service's name; the kernel and each unassigned symbol
/// a group of their own).
fn groups(p: &Proposal) -> BTreeMap<&str, String> {
    let mut out = BTreeMap::new();
    for s in &p.services {
        for m in s.members.iter().chain(&s.tables) {
            out.insert(m.as_str(), s.name.clone());
        }
    }
    for k in &p.shared_kernel {
        out.insert(k.as_str(), "\u{0}kernel".to_owned());
    }
    for u in &p.unassigned {
        out.insert(u.as_str(), format!("\u{0}{u}"));
    }
    out
}

/// Adjusted Rand index of two proposals over the items both place.
fn agreement(x: &Proposal, y: &Proposal) -> f64 {
    let (gx, gy) = (groups(x), groups(y));
    let mut ids: [BTreeMap<&str, u32>; 2] = [BTreeMap::new(), BTreeMap::new()];
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (item, g) in &gx {
        let Some(h) = gy.get(item) else { continue };
        let next = ids[0].len() as u32;
        a.push(*ids[0].entry(g.as_str()).or_insert(next));
        let next = ids[1].len() as u32;
        b.push(*ids[1].entry(h.as_str()).or_insert(next));
    }
    if a.len() < 2 {
        return 1.0;
    }
    adjusted_rand_index(&a, &b)
}

/// Mean agreement of each level with its neighbours on the ladder.
pub(crate) fn stabilities(ladder: &[Proposal]) -> Vec<f64> {
    let pair: Vec<f64> = ladder.windows(2).map(|w| agreement(&w[0], &w[1])).collect();
    (0..ladder.len())
        .map(|i| {
            let near: Vec<f64> = [i.checked_sub(1).map(|j| pair[j]), pair.get(i).copied()]
                .into_iter()
                .flatten()
                .collect();
            if near.is_empty() {
                1.0
            } else {
                near.iter().sum::<f64>() / near.len() as f64
            }
        })
        .collect()
}

/// The index of the default level (see the module doc).
pub(crate) fn choose(ladder: &[Proposal], stability: &[f64]) -> usize {
    let key = |i: usize| {
        let p = &ladder[i];
        (
            misses(p),
            p.settings.resolution != 1.0,
            -((stability[i] * 20.0).round() as i64),
            -((p.metrics.modularity * 100.0).round() as i64),
            i,
        )
    };
    (0..ladder.len()).min_by_key(|&i| key(i)).unwrap_or(0)
}

/// Services of `from` mapped into `to`: each `from` service → the `to` service holding most
/// of its members (ties: the name first); grouped by the `to` service, groups of two or more.
fn joins(from: &Proposal, to: &Proposal) -> Vec<(String, Vec<String>)> {
    let home = groups(to);
    let mut into: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &from.services {
        let mut count: BTreeMap<&str, u32> = BTreeMap::new();
        for m in &s.members {
            if let Some(g) = home.get(m.as_str()).filter(|g| !g.starts_with('\u{0}')) {
                *count.entry(g.as_str()).or_default() += 1;
            }
        }
        if let Some((g, _)) = count
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        {
            into.entry((*g).to_owned())
                .or_default()
                .push(s.name.clone());
        }
    }
    into.into_iter().filter(|(_, v)| v.len() >= 2).collect()
}

/// The ladder as the chosen proposal reports it. `index` is the chosen level's place on the
/// ladder (`None`: a granularity the user asked for, off the ladder).
pub(crate) fn ladder(
    ladder: &[Proposal],
    stability: &[f64],
    chosen: &Proposal,
    index: Option<usize>,
) -> Vec<Level> {
    let chosen_services = chosen.services.len();
    ladder
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let is_chosen = index == Some(i);
            let changes = if is_chosen {
                Vec::new()
            } else if p.services.len() <= chosen_services {
                // Coarser: which chosen services each of its services joins.
                joins(chosen, p)
            } else {
                // Finer: which chosen services split, into which parts.
                joins(p, chosen)
            };
            Level {
                resolution: p.settings.resolution,
                services: p.services.len() as u32,
                modularity: p.metrics.modularity,
                cross_service_call_edges: p.metrics.cross_service_call_edges,
                guardrail_misses: misses(p),
                stability: super::metrics::round(stability[i]),
                chosen: is_chosen,
                names: p.services.iter().map(|s| s.name.clone()).collect(),
                changes,
            }
        })
        .collect()
}
