//! What one point in history records: when, which commit, the headline metrics, per-service
//! metrics and every dependency that crosses a boundary — against `seam.toml` when the
//! repository has one (accepted boundaries are what a team tracks), else against seam's own
//! proposal.

use serde::Serialize;

use crate::analysis::Analysis;
use crate::boundaries::{self, Assignment, Boundaries};
use crate::cluster::{Proposal, ServiceMetrics};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Snapshot {
    pub id: i64,
    pub taken_at: String,
    pub commit: Option<String>,
    /// `worktree` (the files on disk) or `git` (a commit read from the object database).
    pub source: String,
    /// `seam.toml` or `proposal`: what the crossings are measured against.
    pub against: String,
    pub metrics: serde_json::Value,
    pub services: Vec<ServiceRow>,
    pub crossings: Vec<Crossing>,
}

/// One service's metrics at a point in history (the proposal's own metrics, by name).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRow {
    pub service: String,
    #[serde(flatten)]
    pub metrics: ServiceMetrics,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Crossing {
    pub kind: String,
    pub from: String,
    pub to: String,
    pub from_service: String,
    pub to_service: String,
    pub allowed: bool,
    pub count: u32,
    pub file: String,
    pub line: u32,
}

impl Crossing {
    /// Identity across snapshots (lines move; the dependency is the same).
    pub fn key(&self) -> (String, String, String) {
        (self.kind.clone(), self.from.clone(), self.to.clone())
    }
}

/// Builds a snapshot; with `seam.toml`'s rules and the code placed under them, the crossings
/// are measured against them.
pub fn take(
    a: &Analysis,
    p: &Proposal,
    rules: Option<(&Boundaries, &Assignment)>,
    taken_at: String,
    commit: Option<String>,
    source: &str,
) -> Snapshot {
    let mut crossings: Vec<Crossing> = Vec::new();
    let against = match rules {
        Some((b, asg)) => {
            for (allowed, v) in boundaries::crossings(a, b, asg) {
                let first = v.evidence.first();
                crossings.push(Crossing {
                    kind: v.kind.clone(),
                    from: v.from.clone(),
                    to: v.to.clone(),
                    from_service: v.from_service.clone(),
                    to_service: v.to_service.clone(),
                    allowed,
                    count: v.evidence.len() as u32,
                    file: first
                        .map(|e| e.file.clone())
                        .unwrap_or_default()
                        .to_string(),
                    line: first.map_or(0, |e| e.line),
                });
            }
            "seam.toml"
        }
        None => {
            for c in &p.cross_service_calls {
                let first = c.evidence.first();
                crossings.push(Crossing {
                    kind: "call".into(),
                    from: c.from.clone(),
                    to: c.to.clone(),
                    from_service: c.from_service.clone(),
                    to_service: c.to_service.clone(),
                    allowed: true,
                    count: c.count,
                    file: first
                        .map(|e| e.file.clone())
                        .unwrap_or_default()
                        .to_string(),
                    line: first.map_or(0, |e| e.line),
                });
            }
            "proposal"
        }
    };
    crossings.sort();
    let violations = crossings.iter().filter(|c| !c.allowed).count();
    let m = &p.metrics;
    let metrics = serde_json::json!({
        "lines": a.summary.lines,
        "routes": a.summary.routes,
        "tables": a.summary.tables,
        "services": m.services,
        "modularity": m.modularity,
        "sm": m.sm,
        "icp": m.icp,
        "ifn": m.ifn,
        "ned": m.ned,
        "cross_service_calls": m.cross_service_calls,
        "shared_tables": m.shared_tables,
        "crossings": crossings.len(),
        "violations": violations,
        "layout_modularity": p.current_layout.modularity,
    });
    Snapshot {
        id: 0,
        taken_at,
        commit,
        source: source.to_owned(),
        against: against.to_owned(),
        metrics,
        services: p
            .services
            .iter()
            .map(|s| ServiceRow {
                service: s.name.clone(),
                metrics: s.metrics.clone(),
            })
            .collect(),
        crossings,
    }
}
