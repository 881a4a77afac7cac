//! Advice: the four questions a team asks once it knows where the seams are — how to shard the
//! database, which reads can go to replicas, which slow synchronous work should become events,
//! and in what order to extract the services. Pure functions of the analysis (and the
//! proposal); every finding carries file:line evidence. Empty lists where the code gives no
//! ground, with a note saying why rather than invented advice.

mod asynchrony;
mod calls;
mod plan;
mod replicas;
mod shard;
mod types;
pub mod workload;

pub use types::*;

use crate::analysis::{Analysis, NOT_APPLICATION};
use crate::cluster::Proposal;

/// What the user can steer.
#[derive(Debug, Clone, Default)]
pub struct AdviceOptions {
    /// Pin the first extraction phase to this service (`--first identity`).
    pub first: Option<String>,
    /// Production query counts (`--workload pg_stat_statements.csv`).
    pub workload: Option<workload::Workload>,
}

/// [`advise`] on the application's query sites only: the sites in tests, migrations and
/// scripts are set aside for the call and put back after (they stay in the analysis and the
/// report), so shard scoring, replica and async advice see what production runs.
pub fn advise_application(
    a: &mut Analysis,
    proposal: Option<&Proposal>,
    options: &AdviceOptions,
) -> Advice {
    let outside: std::collections::HashSet<&str> = a
        .nodes
        .iter()
        .filter(|n| n.tags.iter().any(|t| NOT_APPLICATION.contains(&t.as_str())))
        .map(|n| n.id.as_str())
        .collect();
    if !a.queries.iter().any(|q| outside.contains(q.site.as_str())) {
        return advise(a, proposal, options);
    }
    let keep: Vec<bool> = a
        .queries
        .iter()
        .map(|q| !outside.contains(q.site.as_str()))
        .collect();
    let all = std::mem::take(&mut a.queries);
    let (app, set_aside): (Vec<_>, Vec<_>) = all
        .into_iter()
        .zip(keep.iter().copied())
        .partition(|(_, k)| *k);
    a.queries = app.into_iter().map(|(q, _)| q).collect();
    let advice = advise(a, proposal, options);
    // Put every site back in its original order.
    let mut app = std::mem::take(&mut a.queries).into_iter();
    let mut rest = set_aside.into_iter().map(|(q, _)| q);
    a.queries = keep
        .iter()
        .filter_map(|&k| if k { app.next() } else { rest.next() })
        .collect();
    advice
}

/// All four answers. `proposal` is needed for the extraction plan (and names the consumer
/// service of async work); without it the plan is empty with a note.
pub fn advise(a: &Analysis, proposal: Option<&Proposal>, options: &AdviceOptions) -> Advice {
    let handlers = calls::Handlers::of(a);
    let mut notes = Vec::new();
    if a.tables.is_empty() && a.queries.is_empty() {
        notes.push(
            "no table is defined or queried: no shard key, replica or data advice".to_owned(),
        );
    }
    let (weights, workload) = match &options.workload {
        Some(w) => {
            let (weights, summary) = workload::weigh(a, w);
            (weights, Some(summary))
        }
        None => (vec![1.0; a.queries.len()], None),
    };
    let shard_keys = shard::advise(a, &weights);
    if shard_keys.is_empty() && !a.tables.is_empty() {
        notes.push(
            "no shard-key candidate: no foreign key or join equality links two tables".to_owned(),
        );
    }
    let read_replicas = replicas::advise(a, &handlers);
    let async_candidates = asynchrony::advise(a, &handlers, proposal);
    let extraction_plan = match proposal {
        Some(p) if !p.services.is_empty() => {
            match plan::plan(a, p, &async_candidates, options.first.as_deref()) {
                Ok(plan) => plan,
                Err(note) => {
                    notes.push(note);
                    Vec::new()
                }
            }
        }
        _ => {
            notes.push("no services proposed: no extraction plan".to_owned());
            Vec::new()
        }
    };
    Advice {
        shard_verdict: shard::verdict(&shard_keys),
        shard_keys,
        read_replicas,
        async_candidates,
        extraction_plan,
        workload,
        notes,
    }
}
