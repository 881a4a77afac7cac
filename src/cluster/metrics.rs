//! Coupling and cohesion of a partition. Every formula is documented here and in
//! ARCHITECTURE.md; "dependency edges" are calls, enqueues, reads and writes between clustered
//! items (structure edges such as `contains` and `maps` are excluded: they are not coupling).
//!
//! - Modularity Q (Newman–Girvan, γ = 1) on the weighted projection.
//! - SM, structural modularity (Sarkar et al.): with k groups, m_i items in group i, μ_i
//!   dependency edges inside it and σ_ij between i and j:
//!   SM = (1/k) Σ_i μ_i/m_i² − (1/(k(k−1)/2)) Σ_{i<j} σ_ij/(2 m_i m_j)   (second term 0 if k < 2).
//! - ICP, inter-call percentage: call occurrences that cross groups / all call occurrences
//!   between clustered symbols.
//! - IFN, interface number: the mean over groups of the number of its members called from
//!   other groups.
//! - NED, non-extreme distribution: the share of groups that are neither tiny (fewer than
//!   [`TINY`] members) nor huge (more than [`HUGE_SHARE`] of all clustered members).
//! - Cohesion of a group: internal dependency edges / (m (m − 1) / 2); 0 for m < 2.

use std::collections::{BTreeMap, BTreeSet};

use crate::analysis::{Analysis, EdgeKind};

pub const TINY: usize = 3;
pub const HUGE_SHARE: f64 = 0.5;

/// A dependency edge between two grouped items.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Dep {
    pub from: usize,
    pub to: usize,
    pub count: u32,
    pub is_call: bool,
}

/// Dependency edges between items that have a group (by item index).
pub(crate) fn dependencies(
    a: &Analysis,
    items: &super::projection::Items<'_>,
    group: &[Option<usize>],
) -> Vec<Dep> {
    let mut out = Vec::new();
    for (f, t, e) in items.edges(a) {
        let is_call = matches!(e.kind, EdgeKind::Calls | EdgeKind::Enqueues);
        if !is_call && !matches!(e.kind, EdgeKind::Reads | EdgeKind::Writes) {
            continue;
        }
        if f == t || group[f].is_none() || group[t].is_none() {
            continue;
        }
        out.push(Dep {
            from: f,
            to: t,
            count: e.count,
            is_call,
        });
    }
    out
}

/// The measures of one partition: `group[i]` is the group of item i (None: not counted).
#[derive(Debug, Default, Clone)]
pub(crate) struct PartitionMetrics {
    pub sm: f64,
    pub icp: f64,
    pub ifn: f64,
    pub ned: f64,
    pub cohesion: Vec<f64>,
    pub cross_call_occurrences: u32,
    pub cross_call_edges: u32,
    /// Per group: distinct outside items that depend on it / that it depends on.
    pub afferent: Vec<u32>,
    pub efferent: Vec<u32>,
}

pub(crate) fn measure(groups: usize, group: &[Option<usize>], deps: &[Dep]) -> PartitionMetrics {
    let mut size = vec![0usize; groups];
    for g in group.iter().flatten() {
        size[*g] += 1;
    }
    let total: usize = size.iter().sum();
    let mut inside = vec![0u64; groups];
    let mut between: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut calls_total = 0u64;
    let mut calls_cross = 0u64;
    let mut cross_edges = 0u32;
    let mut called_from_outside: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); groups];
    let mut afferent: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); groups];
    let mut efferent: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); groups];
    for d in deps {
        let (Some(gf), Some(gt)) = (group[d.from], group[d.to]) else {
            continue;
        };
        if d.is_call {
            calls_total += u64::from(d.count);
        }
        if gf == gt {
            inside[gf] += 1;
        } else {
            *between.entry((gf.min(gt), gf.max(gt))).or_default() += 1;
            afferent[gt].insert(d.from);
            efferent[gf].insert(d.to);
            if d.is_call {
                calls_cross += u64::from(d.count);
                cross_edges += 1;
                called_from_outside[gt].insert(d.to);
            }
        }
    }
    let k = groups as f64;
    let coh: f64 = (0..groups)
        .filter(|&g| size[g] > 0)
        .map(|g| inside[g] as f64 / (size[g] * size[g]) as f64)
        .sum();
    let coup: f64 = between
        .iter()
        .map(|(&(i, j), &s)| s as f64 / (2.0 * size[i] as f64 * size[j] as f64))
        .sum();
    let sm = if groups == 0 {
        0.0
    } else if groups < 2 {
        coh / k
    } else {
        coh / k - coup / (k * (k - 1.0) / 2.0)
    };
    let icp = if calls_total == 0 {
        0.0
    } else {
        calls_cross as f64 / calls_total as f64
    };
    let ifn = if groups == 0 {
        0.0
    } else {
        called_from_outside.iter().map(BTreeSet::len).sum::<usize>() as f64 / k
    };
    let extreme = |s: usize| s < TINY || (total > 0 && s as f64 > HUGE_SHARE * total as f64);
    let ned = if groups == 0 {
        0.0
    } else {
        size.iter().filter(|&&s| !extreme(s)).count() as f64 / k
    };
    let cohesion = (0..groups)
        .map(|g| {
            if size[g] < 2 {
                0.0
            } else {
                inside[g] as f64 / (size[g] * (size[g] - 1) / 2) as f64
            }
        })
        .collect();
    PartitionMetrics {
        sm,
        icp,
        ifn,
        ned,
        cohesion,
        cross_call_occurrences: u32::try_from(calls_cross).unwrap_or(u32::MAX),
        cross_call_edges: cross_edges,
        afferent: afferent.iter().map(|s| s.len() as u32).collect(),
        efferent: efferent.iter().map(|s| s.len() as u32).collect(),
    }
}

/// Round for output: metrics are estimates; six decimals keep the JSON stable and readable.
pub(crate) fn round(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1e6).round() / 1e6
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(from: usize, to: usize) -> Dep {
        Dep {
            from,
            to,
            count: 1,
            is_call: true,
        }
    }

    #[test]
    fn two_clean_groups_have_no_coupling() {
        // Groups {0,1} and {2,3}, each one internal call.
        let m = measure(
            2,
            &[Some(0), Some(0), Some(1), Some(1)],
            &[dep(0, 1), dep(2, 3)],
        );
        assert_eq!(m.icp, 0.0);
        assert_eq!(m.ifn, 0.0);
        // SM = (1/2)(1/4 + 1/4) - 0 = 0.25
        assert!((m.sm - 0.25).abs() < 1e-12);
        assert_eq!(m.cohesion, vec![1.0, 1.0]);
        assert_eq!(m.ned, 0.0, "both groups are tiny (fewer than 3 members)");
    }

    #[test]
    fn a_crossing_call_counts_everywhere() {
        let m = measure(
            2,
            &[Some(0), Some(0), Some(1), Some(1)],
            &[dep(0, 1), dep(2, 3), dep(1, 2)],
        );
        assert!((m.icp - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.ifn - 0.5).abs() < 1e-12);
        // SM = 0.25 - (1 / (2*2*2)) / 1 = 0.125
        assert!((m.sm - 0.125).abs() < 1e-12);
        assert_eq!(
            (m.afferent.clone(), m.efferent.clone()),
            (vec![0, 1], vec![1, 0])
        );
        assert_eq!((m.cross_call_occurrences, m.cross_call_edges), (1, 1));
    }
}
