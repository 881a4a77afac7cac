//! The verdict: split the monolith along the proposal, or keep a modular monolith. A proposal
//! is only worth the cost of a distributed system when it separates the code clearly better
//! than the packages it has today, and when the application is big enough for services to pay
//! their way; otherwise seam says so plainly, and the boundaries to enforce are today's
//! packages (`seam init` writes them).
//!
//! Keep a modular monolith when any of these holds:
//! - no service can be drawn (no table is defined or queried), or only one is;
//! - the application is small: under [`SMALL_LINES`] lines of clustered code;
//! - the proposal's modularity does not beat today's packages' by [`MODULARITY_MARGIN`];
//! - the proposal crosses service boundaries with more distinct calls than today's packages
//!   cross package boundaries;
//! - one service holds over [`CORE_SHARE`] of the services' lines: the proposal is a core with
//!   satellites, and extracting the satellites does not split the monolith (anitya: release
//!   monitoring is one domain, 70 % of the code in `projects`).

use serde::Serialize;

use super::proposal::{LayoutMetrics, Metrics};

/// Lines of clustered code under which services do not pay for themselves.
pub const SMALL_LINES: u32 = 10_000;
/// How much the proposal's modularity must beat today's packages' by.
pub const MODULARITY_MARGIN: f64 = 0.10;
/// Share of the services' lines one service may hold in a proposal worth splitting along.
pub const CORE_SHARE: f64 = 0.5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Recommendation {
    /// Split along the proposed services.
    Split,
    /// Keep a modular monolith; enforce the package boundaries with `seam check`.
    KeepModularMonolith,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub recommendation: Recommendation,
    /// Why, with the figures compared.
    pub reason: String,
}

impl Default for Verdict {
    fn default() -> Self {
        Self {
            recommendation: Recommendation::KeepModularMonolith,
            reason: String::new(),
        }
    }
}

const KEEP: &str = "keep a modular monolith and enforce its boundaries with `seam check` (`seam init` writes today's packages as the boundaries to start from)";

/// The verdict on a proposal with `lines` of clustered code, whose largest service is
/// `largest` (name, share of the services' lines).
pub fn verdict(lines: u32, m: &Metrics, layout: &LayoutMetrics, largest: (&str, f64)) -> Verdict {
    let keep = |why: String| Verdict {
        recommendation: Recommendation::KeepModularMonolith,
        reason: format!("{why}: {KEEP}"),
    };
    if m.services < 2 {
        return keep(if m.services == 0 {
            "no service can be drawn (no table is defined or queried)".to_owned()
        } else {
            "the code holds one service".to_owned()
        });
    }
    if lines < SMALL_LINES {
        return keep(format!(
            "the application is small ({lines} lines of clustered code, under {SMALL_LINES})"
        ));
    }
    let gain = m.modularity - layout.modularity;
    if gain < MODULARITY_MARGIN {
        return keep(format!(
            "the proposal does not separate the code clearly better than today's {} packages (modularity {:.2} against {:.2}; a split needs {MODULARITY_MARGIN:.2} more)",
            layout.packages, m.modularity, layout.modularity
        ));
    }
    if m.cross_service_call_edges > layout.cross_call_edges {
        return keep(format!(
            "the proposal crosses service boundaries with more distinct calls ({}) than today's packages cross package boundaries ({})",
            m.cross_service_call_edges, layout.cross_call_edges
        ));
    }
    if largest.1 > CORE_SHARE {
        return keep(format!(
            "one service, {}, holds {:.0} % of the code: the proposal is a core with satellites, and extracting them would not split the monolith",
            largest.0,
            100.0 * largest.1
        ));
    }
    Verdict {
        recommendation: Recommendation::Split,
        reason: format!(
            "the proposal separates the code better than today's {} packages (modularity {:.2} against {:.2}; {} distinct cross-service calls against {} across packages) in {lines} lines of clustered code: split along these services",
            layout.packages,
            m.modularity,
            layout.modularity,
            m.cross_service_call_edges,
            layout.cross_call_edges
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(services: u32, modularity: f64, cross: u32) -> Metrics {
        Metrics {
            services,
            modularity,
            cross_service_call_edges: cross,
            ..Metrics::default()
        }
    }

    fn layout(modularity: f64, cross: u32) -> LayoutMetrics {
        LayoutMetrics {
            packages: 8,
            modularity,
            cross_call_edges: cross,
            ..LayoutMetrics::default()
        }
    }

    fn verdict_of(lines: u32, m: &Metrics, l: &LayoutMetrics) -> Verdict {
        verdict(lines, m, l, ("a", 0.2))
    }

    #[test]
    fn a_core_with_satellites_is_kept() {
        let v = verdict(
            50_000,
            &metrics(5, 0.8, 10),
            &layout(0.3, 90),
            ("projects", 0.7),
        );
        assert_eq!(v.recommendation, Recommendation::KeepModularMonolith);
        assert!(v.reason.contains("projects, holds 70 %"), "{}", v.reason);
    }

    #[test]
    fn each_rule_keeps_the_monolith_and_a_clear_win_splits() {
        let big = 50_000;
        let keep = Recommendation::KeepModularMonolith;
        assert_eq!(
            verdict_of(big, &metrics(0, 0.0, 0), &layout(0.5, 9)).recommendation,
            keep
        );
        assert_eq!(
            verdict_of(big, &metrics(1, 0.0, 0), &layout(0.5, 9)).recommendation,
            keep
        );
        let small = verdict_of(3_000, &metrics(6, 0.8, 1), &layout(0.1, 90));
        assert_eq!(small.recommendation, keep);
        assert!(small.reason.contains("small"), "{}", small.reason);
        // FlaskBB's case: 0.50 against 0.46.
        let close = verdict_of(big, &metrics(6, 0.50, 10), &layout(0.46, 90));
        assert_eq!(close.recommendation, keep);
        assert!(
            close.reason.contains("0.50 against 0.46"),
            "{}",
            close.reason
        );
        let tangled = verdict_of(big, &metrics(6, 0.8, 120), &layout(0.3, 90));
        assert_eq!(tangled.recommendation, keep);
        let split = verdict_of(big, &metrics(20, 0.75, 80), &layout(0.11, 90));
        assert_eq!(split.recommendation, Recommendation::Split);
        assert!(split.reason.contains("split along"), "{}", split.reason);
    }
}
