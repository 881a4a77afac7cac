//! The proposal document: candidate services, the shared kernel, shared tables, splits of mixed
//! modules and the metrics. Serialised into the JSON next to the analysis (field order is the
//! JSON contract); every vector is sorted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::analysis::Evidence;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Proposal {
    pub services: Vec<Service>,
    /// Generic helpers reached from several services: library candidates, not a service.
    pub shared_kernel: Vec<String>,
    pub shared_tables: Vec<SharedTable>,
    /// Functions writing, in one transaction, tables the proposal puts in different services.
    pub transaction_cuts: Vec<TransactionCut>,
    /// Tables no code reads or writes.
    pub orphan_tables: Vec<String>,
    pub splits: Vec<Split>,
    /// Clustered symbols and tables that belong to no service: isolated code, tiny fragments,
    /// orphan tables. Together with `services[].members`, `services[].tables` and
    /// `shared_kernel`, every clustered symbol and every table appears exactly once.
    pub unassigned: Vec<String>,
    pub cross_service_calls: Vec<CrossCall>,
    pub metrics: Metrics,
    /// The same measures for the partition the code has today (one group per package).
    pub current_layout: LayoutMetrics,
    /// Split, or keep a modular monolith (see `verdict.rs`).
    pub verdict: super::verdict::Verdict,
    pub settings: Settings,
    /// The granularity ladder, coarse to fine: each level's figures, which one this proposal
    /// is, and how the neighbouring levels merge or split its services (see `levels.rs`).
    pub levels: Vec<Level>,
}

impl Level {
    /// Its changes in words: at a coarser level `joined = a + b`, at a finer one
    /// `split → a + b`.
    pub fn change_lines(&self, coarser: bool) -> Vec<String> {
        let op = if coarser { "=" } else { "→" };
        self.changes
            .iter()
            .map(|(name, with)| format!("{name} {op} {}", with.join(" + ")))
            .collect()
    }
}

/// One level of the granularity ladder.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Level {
    pub resolution: f64,
    pub services: u32,
    pub modularity: f64,
    pub cross_service_call_edges: u32,
    /// Services that miss a guardrail at this level: services that own no table, blobs that
    /// are not one aggregate.
    pub guardrail_misses: u32,
    /// Mean adjusted Rand index against the adjacent levels: how much of this grouping
    /// survives a coarser or finer look.
    pub stability: f64,
    /// This level is the proposal's.
    pub chosen: bool,
    pub names: Vec<String>,
    /// Against the chosen level, what changes: at a coarser level, each of its services that
    /// joins two or more chosen services (name → the chosen services); at a finer level, each
    /// chosen service that splits (chosen name → its parts here). Empty for the chosen level.
    pub changes: Vec<(String, Vec<String>)>,
}

impl Proposal {
    /// Member id → the name of its service (a symbol is in one service at most).
    pub fn service_of_members(&self) -> BTreeMap<&str, &str> {
        self.services
            .iter()
            .flat_map(|s| s.members.iter().map(move |m| (m.as_str(), s.name.as_str())))
            .collect()
    }

    /// Calls from one service to another, summed per ordered (from, to) pair of names.
    pub fn calls_between(&self) -> BTreeMap<(&str, &str), u32> {
        let mut out = BTreeMap::new();
        for c in &self.cross_service_calls {
            *out.entry((c.from_service.as_str(), c.to_service.as_str()))
                .or_default() += c.count;
        }
        out
    }

    /// Table id → the name of the service that owns it.
    pub fn owner_of_tables(&self) -> BTreeMap<&str, &str> {
        self.services
            .iter()
            .flat_map(|s| s.tables.iter().map(move |t| (t.as_str(), s.name.as_str())))
            .collect()
    }
}

/// A function that writes tables the proposal puts in different services: the cut and its
/// cost, named (see `transactions.rs`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct TransactionCut {
    pub function: String,
    pub services: Vec<String>,
    pub tables: Vec<CutTable>,
    pub cost: String,
}

/// One table of a [`TransactionCut`]: its service and where the function writes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CutTable {
    pub table: String,
    pub service: Option<String>,
    pub evidence: crate::analysis::Evidence,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Service {
    pub name: String,
    pub members: Vec<String>,
    /// Tables this service owns (it writes them most).
    pub tables: Vec<String>,
    pub routes: Vec<String>,
    /// Modules wholly inside this service.
    pub modules: Vec<String>,
    pub metrics: ServiceMetrics,
    /// Set when the service is a sliver the merge kept (see `slivers.rs`), saying why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sliver: Option<String>,
    /// Set when the service owns no table once tables went to their owners: an edge service
    /// over the services it calls (it serves routes), or code to place by hand (it serves none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owns_no_table: Option<String>,
    /// Set when the service still holds over the blob share of the code (see `blobs.rs`):
    /// why it stays whole (one aggregate, with the write that binds it; no seam found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Set when the service serves routes over data that is mostly other services' (see
    /// `propose.rs`): an edge service or BFF, saying so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edge: Option<String>,
    /// The blob is one aggregate (a guardrail met, not missed).
    #[serde(skip)]
    pub blob_aggregate: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ServiceMetrics {
    pub members: u32,
    pub lines: u32,
    pub routes: u32,
    pub tables: u32,
    /// Members of other services that depend on this one (call, enqueue, or read/write its
    /// tables).
    pub afferent: u32,
    /// Members of other services this one depends on.
    pub efferent: u32,
    /// efferent / (afferent + efferent); 0 when both are 0.
    pub instability: f64,
    /// Internal dependency edges / (n (n - 1) / 2) over the n members and tables.
    pub cohesion: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Access {
    pub service: String,
    pub symbol: String,
    /// `reads` or `writes`.
    pub kind: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SharedTable {
    pub table: String,
    pub owner: Option<String>,
    pub readers: Vec<String>,
    pub writers: Vec<String>,
    pub evidence: Vec<Access>,
    /// Set when the table is reference data (read by several services, written from one place,
    /// see `ownership.rs`): the remedy, replication rather than a shared database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_data: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Split {
    pub module: String,
    /// Service name (or `shared_kernel`) → the module's symbols that go there.
    pub parts: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CrossCall {
    pub from: String,
    pub to: String,
    pub from_service: String,
    pub to_service: String,
    /// `calls` or `enqueues`.
    pub kind: String,
    pub count: u32,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Metrics {
    pub services: u32,
    pub modularity: f64,
    pub sm: f64,
    pub icp: f64,
    pub ifn: f64,
    pub ned: f64,
    /// Call and enqueue occurrences that cross services.
    pub cross_service_calls: u32,
    /// Distinct (caller, callee) pairs that cross services.
    pub cross_service_call_edges: u32,
    pub shared_tables: u32,
    pub clustered_symbols: u32,
    pub shared_kernel: u32,
    pub unassigned: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LayoutMetrics {
    pub packages: u32,
    pub modularity: f64,
    pub sm: f64,
    pub icp: f64,
    /// Mean internal edge density of the packages.
    pub cohesion: f64,
    /// Distinct (caller, callee) pairs that cross packages.
    pub cross_call_edges: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Settings {
    pub resolution: f64,
    pub seed: u64,
    pub requested_services: Option<u32>,
}
