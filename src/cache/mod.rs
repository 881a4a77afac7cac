//! The persistent caches under `ROOT/.seam/cache/`, each a sealed file (`sealed.rs`) that is
//! refused and rebuilt, never trusted, when it is foreign, stale in format or version, cut
//! short or altered:
//!
//! - `facts.rs`: what the front ends found in each file, keyed by the file's content;
//! - `analysis.rs`: the whole analysis of the last run, keyed by every file's facts (their
//!   fingerprints) and the options that change it;
//! - `partitions.rs`: the community partitions the clustering computed, keyed by the graph,
//!   the resolution and the seed.
//!
//! Each holds what a pure function of its key computed, so the output is byte-identical with
//! and without the caches (tested in `tests/determinism.rs`).

pub mod analysis;
pub mod facts;
pub mod partitions;
mod sealed;

pub use facts::{FactsCache, Fresh, Probe};

/// Where the caches live, under the analysed root.
pub const DIR: &str = ".seam/cache";
/// Set (to anything) to run without the caches, as `--no-cache` does.
pub const NO_CACHE_ENV: &str = "SEAM_NO_CACHE";
