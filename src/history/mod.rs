//! Coupling over time: snapshots in a SQLite store (`seam track`), printed as a trend
//! (`seam trend`) and compared (`seam diff`).

pub mod cochange;
pub mod git;
pub mod snapshot;
pub mod store;

pub use snapshot::{Crossing, Snapshot, take};
pub use store::Store;

use std::collections::BTreeMap;
use std::fmt::Write;

/// The default store of a repository.
pub fn default_path(root: &std::path::Path) -> std::path::PathBuf {
    root.join(".seam").join("history.db")
}

fn metric(s: &Snapshot, key: &str) -> String {
    match &s.metrics[key] {
        serde_json::Value::Number(n) if n.is_f64() => format!("{:.2}", n.as_f64().unwrap_or(0.0)),
        serde_json::Value::Number(n) => n.to_string(),
        _ => "-".to_owned(),
    }
}

/// The trend as a table for a terminal.
pub fn trend_text(snaps: &[Snapshot]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<4} {:<17} {:<10} {:>8} {:>10} {:>11} {:>7} {:>10} {:>10}",
        "#",
        "taken",
        "commit",
        "services",
        "modularity",
        "cross-calls",
        "shared",
        "crossings",
        "violations"
    );
    for s in snaps {
        let commit = s
            .commit
            .as_deref()
            .map_or("-".to_owned(), |c| c.chars().take(10).collect());
        let _ = writeln!(
            out,
            "{:<4} {:<17} {:<10} {:>8} {:>10} {:>11} {:>7} {:>10} {:>10}",
            s.id,
            s.taken_at.trim_end_matches(" UTC"),
            commit,
            metric(s, "services"),
            metric(s, "modularity"),
            metric(s, "cross_service_calls"),
            metric(s, "shared_tables"),
            metric(s, "crossings"),
            metric(s, "violations"),
        );
    }
    if snaps.is_empty() {
        out.push_str("no snapshots yet: record one with `seam track PATH`\n");
    }
    out
}

/// Crossings added and removed from `a` to `b`, by dependency (not by line).
pub fn diff(a: &Snapshot, b: &Snapshot) -> (Vec<Crossing>, Vec<Crossing>) {
    let before: BTreeMap<_, &Crossing> = a.crossings.iter().map(|c| (c.key(), c)).collect();
    let after: BTreeMap<_, &Crossing> = b.crossings.iter().map(|c| (c.key(), c)).collect();
    let added = after
        .iter()
        .filter(|(k, _)| !before.contains_key(*k))
        .map(|(_, c)| (*c).clone())
        .collect();
    let removed = before
        .iter()
        .filter(|(k, _)| !after.contains_key(*k))
        .map(|(_, c)| (*c).clone())
        .collect();
    (added, removed)
}
