//! The advice document, serialised under `"advice"` (field order is the JSON contract; every
//! vector is sorted or ranked as documented).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Evidence;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Advice {
    /// Whether to shard at all, and on what: a ranked list always has a first entry, a
    /// recommendation needs a key worth its migration.
    pub shard_verdict: ShardVerdict,
    /// Best first.
    pub shard_keys: Vec<ShardKey>,
    pub read_replicas: ReadReplicas,
    /// Highest score first.
    pub async_candidates: Vec<AsyncCandidate>,
    /// One entry per phase, in order.
    pub extraction_plan: Vec<Phase>,
    /// How the `--workload` rows matched the query sites (absent without `--workload`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<super::workload::WorkloadSummary>,
    /// Why a part is empty (no tables, no services...).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ShardVerdict {
    /// The recommended key column, or `None`: sharding is not advised on this evidence.
    pub recommended: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ShardKey {
    /// The column name most tables carry (`tenant_id`).
    pub column: String,
    /// The table whose primary key the domain holds (`table:tenants`), if any.
    pub root: Option<String>,
    /// Every `table.column` of the key's domain (foreign keys and join equalities).
    pub domain: Vec<String>,
    pub score: f64,
    /// Share of query sites (weighted) per class.
    pub shares: BTreeMap<String, f64>,
    pub reasons: Vec<String>,
    pub tables: Vec<Placement>,
    pub sites: Vec<SiteClass>,
    /// Citus statements for this key.
    pub citus: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Placement {
    pub table: String,
    /// `dist`, `backfill`, `reference` or `local`.
    pub placement: String,
    /// The distribution column (dist), or the one to add (backfill).
    pub column: Option<String>,
    /// Backfill: the foreign-key path to a distributed table (`tasks.project_id -> projects.id`).
    pub path: Vec<String>,
    /// Backfill: the statements that add and fill the column.
    pub backfill_sql: Vec<String>,
    /// Unique constraints without the key (they cannot be enforced across shards).
    pub blockers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct SiteClass {
    pub site: String,
    pub file: String,
    pub line: u32,
    /// `single`, `rewrite`, `multi`, `cross` or `blocker`.
    pub class: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReadReplicas {
    pub tables: Vec<TableReads>,
    pub routes: Vec<RouteReads>,
    pub hazards: Vec<Hazard>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableReads {
    pub table: String,
    pub read_sites: u32,
    pub replica_safe: u32,
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct RouteReads {
    pub route: String,
    /// `"safe"`, `"unsafe"` or `"unknown"` (see `replicas.rs`): safe only on positive evidence.
    pub replica: &'static str,
    /// `replica == "safe"`.
    pub replica_safe: bool,
    pub reads: u32,
    pub writes: u32,
    /// Why not safe, when not: the write method, the first writing or locking site (the
    /// route's own or an app-wide hook's), or what seam could not follow.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Hazard {
    pub route: String,
    pub table: String,
    pub write: Evidence,
    pub read: Evidence,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AsyncCandidate {
    pub handler: String,
    pub route: String,
    pub score: f64,
    /// What to do (see `asynchrony.rs`): `"event"` (publish an event, a worker does the
    /// work), `"batch"` (queries in a loop: batch or eager-load them; an event would hide the
    /// cost, not remove it) or `"already_async"` (the handler hands its work to a queue).
    pub remedy: &'static str,
    /// `"high"` (the slow work is in the handler or what it calls directly) or `"medium"`
    /// (deeper, or only a count of query sites); thinner evidence is withheld with a note.
    pub confidence: &'static str,
    /// The advice in one sentence, with the fact it rests on (file:line).
    pub advice: String,
    pub reasons: Vec<Reason>,
    /// The event to publish instead (`usage_report_requested`); empty unless `remedy` is
    /// `"event"`.
    pub event: String,
    pub producer: String,
    /// The worker that would consume it: `<service> worker`, or the monolith's; empty unless
    /// `remedy` is `"event"`.
    pub consumer: String,
    /// Functions the handler already hands to a queue, thread or executor (Celery tasks, RQ
    /// jobs, `submit`ted callables).
    pub existing_tasks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Reason {
    pub kind: String,
    pub detail: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Phase {
    pub phase: u32,
    pub service: String,
    pub why: String,
    pub score: f64,
    /// `"high"`, `"medium"` or `"low"`, and why (see `plan.rs`).
    pub confidence: &'static str,
    /// The two services the rule ranked next, and why this phase's service went before them.
    pub over: Vec<Alternative>,
    /// API-gateway rules: path prefix (or exact path) → `service` or `monolith`.
    pub gateway: Vec<GatewayRule>,
    pub routes: Vec<String>,
    pub tables_move: Vec<String>,
    pub tables_to_decouple: Vec<Decouple>,
    /// Calls that cross the new boundary and become network calls.
    pub network_calls: Vec<NetworkCall>,
    pub async_to_convert: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct GatewayRule {
    pub path: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Decouple {
    pub table: String,
    /// `api`, `replication` or `event`.
    pub remedy: String,
    pub why: String,
    /// Where other services touch it on the request path (the first three).
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NetworkCall {
    pub from: String,
    pub to: String,
    /// `outbound` (the new service calls the monolith) or `inbound`.
    pub direction: String,
    pub evidence: Vec<Evidence>,
}

/// A service the extraction order passed over at a phase, with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub service: String,
    /// Routes, or production calls with `--workload`.
    pub traffic: f64,
    /// Request-path calls crossing its boundary.
    pub crossings: u32,
    pub shared_tables: u32,
    pub lines: u32,
    pub why_not: String,
}
