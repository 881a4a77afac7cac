//! Advice: the four questions a team asks once it knows where the seams are — how to shard the
//! database, which reads can go to replicas, which slow synchronous work should become events,
//! and in what order to extract the services. Pure functions of the analysis (and the
//! proposal); every finding carries file:line evidence. Empty lists where the code gives no
//! ground, with a note saying why rather than invented advice.

mod asynchrony;
mod calls;
mod plan;
mod replicas;
pub use replicas::HOOK_WRITES;
mod shard;
mod types;
pub mod workload;

pub use types::*;

use crate::analysis::{Analysis, NOT_APPLICATION, Query};
use crate::cluster::Proposal;

/// What the user can steer.
#[derive(Debug, Clone, Default)]
pub struct AdviceOptions {
    /// Pin the first extraction phase to this service (`--first identity`).
    pub first: Option<String>,
    /// Production query counts (`--workload pg_stat_statements.csv`).
    pub workload: Option<workload::Workload>,
}

/// Query sites outside application code (tests, migrations, scripts), set aside from an
/// analysis by [`set_aside_outside_application`] so shard scoring, replica and async advice see
/// what production runs; [`SetAside::restore`] puts them back in their original order (they
/// stay in the analysis and the report).
#[derive(Debug, Default)]
pub struct SetAside {
    /// Per original site: kept in the analysis (`true`) or set aside. Empty: nothing was.
    keep: Vec<bool>,
    rest: Vec<Query>,
}

pub fn set_aside_outside_application(a: &mut Analysis) -> SetAside {
    let outside = a.ids_tagged(NOT_APPLICATION);
    if !a.queries.iter().any(|q| outside.contains(q.site.as_str())) {
        return SetAside::default();
    }
    let keep: Vec<bool> = a
        .queries
        .iter()
        .map(|q| !outside.contains(q.site.as_str()))
        .collect();
    let all = std::mem::take(&mut a.queries);
    let (app, rest): (Vec<_>, Vec<_>) = all
        .into_iter()
        .zip(keep.iter().copied())
        .partition(|(_, k)| *k);
    a.queries = app.into_iter().map(|(q, _)| q).collect();
    SetAside {
        keep,
        rest: rest.into_iter().map(|(q, _)| q).collect(),
    }
}

impl SetAside {
    pub fn restore(self, a: &mut Analysis) {
        if self.keep.is_empty() {
            return;
        }
        let mut app = std::mem::take(&mut a.queries).into_iter();
        let mut rest = self.rest.into_iter();
        a.queries = self
            .keep
            .iter()
            .filter_map(|&k| if k { app.next() } else { rest.next() })
            .collect();
    }
}

/// [`advise`] on the application's query sites only (see [`SetAside`]).
pub fn advise_application(
    a: &mut Analysis,
    proposal: Option<&Proposal>,
    options: &AdviceOptions,
) -> Advice {
    let set_aside = set_aside_outside_application(a);
    let advice = advise(a, proposal, options);
    set_aside.restore(a);
    advice
}

/// All four answers. `proposal` is needed for the extraction plan (and names the consumer
/// service of async work); without it the plan is empty with a note.
pub fn advise(a: &Analysis, proposal: Option<&Proposal>, options: &AdviceOptions) -> Advice {
    advise_with(a, advise_data(a, options), proposal, options)
}

/// The advice that does not depend on the proposal (shard keys, read replicas, and what each
/// handler reaches), so that it can be made while the proposal is: [`advise_with`] finishes it.
pub struct DataAdvice<'a> {
    handlers: calls::Handlers<'a>,
    shard_keys: Vec<ShardKey>,
    read_replicas: ReadReplicas,
    workload: Option<workload::WorkloadSummary>,
    /// Production calls per query site (`a.queries` order), with `--workload` only.
    weights: Option<Vec<f64>>,
    notes: Vec<String>,
}

impl std::fmt::Debug for DataAdvice<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataAdvice")
            .field("shard_keys", &self.shard_keys.len())
            .field("notes", &self.notes)
            .finish_non_exhaustive()
    }
}

pub fn advise_data<'a>(a: &'a Analysis, options: &AdviceOptions) -> DataAdvice<'a> {
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
    // The shard advisor reads the query sites alone; replicas stand on what each handler
    // reaches. Independent, so they run side by side.
    let (shard_keys, (handlers, read_replicas)) = rayon::join(
        || shard::advise(a, &weights),
        || {
            let handlers = calls::Handlers::of(a);
            let read_replicas = replicas::advise(a, &handlers);
            (handlers, read_replicas)
        },
    );
    if shard_keys.is_empty() && !a.tables.is_empty() {
        notes.push(
            "no shard-key candidate: no foreign key or join equality links two tables".to_owned(),
        );
    }
    DataAdvice {
        handlers,
        shard_keys,
        read_replicas,
        weights: workload.is_some().then_some(weights),
        workload,
        notes,
    }
}

/// The rest of the advice once the proposal is known: async candidates and the extraction plan.
pub fn advise_with(
    a: &Analysis,
    data: DataAdvice<'_>,
    proposal: Option<&Proposal>,
    options: &AdviceOptions,
) -> Advice {
    let DataAdvice {
        handlers,
        shard_keys,
        read_replicas,
        workload,
        weights,
        mut notes,
    } = data;
    let (async_candidates, async_notes) = asynchrony::advise(a, &handlers, proposal);
    notes.extend(async_notes);
    let extraction_plan = match proposal {
        Some(p) if !p.services.is_empty() => {
            match plan::plan(
                a,
                &handlers.calls,
                p,
                &async_candidates,
                options.first.as_deref(),
                weights.as_deref(),
            ) {
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
        shard_verdict: shard::verdict(
            &shard_keys,
            read_replicas
                .routes
                .iter()
                .filter(|r| r.replica_safe)
                .count(),
        ),
        shard_keys,
        read_replicas,
        async_candidates,
        extraction_plan,
        workload,
        notes,
    }
}
