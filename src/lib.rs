//! seam: finds the seams in a Flask/Python monolith.
//!
//! The pipeline, one direction only: [`discover`] files → [`load`] (front ends, in parallel) →
//! [`resolve`] into an [`analysis::Analysis`] → [`graph`] (petgraph) → [`report`] (formats).
//! Only `report` knows output formats; only `discover` and `load` touch the file system.

pub mod analysis;
pub mod discover;
pub mod exit;
pub mod graph;
pub mod load;
pub mod report;
pub mod resolve;

use std::path::Path;

/// Options of one analysis run.
#[derive(Debug, Clone)]
pub struct Options {
    pub threads: usize,
    pub max_file_size: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_file_size: load::DEFAULT_MAX_FILE_SIZE,
        }
    }
}

/// Analyse the repository at `root`: discovery, front ends, resolution.
pub fn analyze(root: &Path, options: &Options) -> analysis::Analysis {
    let timings = std::env::var_os("SEAM_TIMINGS").is_some();
    let start = std::time::Instant::now();
    let found = discover::discover(root, options.threads);
    let discovered = start.elapsed();
    let mut loaded = load::load(found.files, options.max_file_size);
    let parsed = start.elapsed();
    loaded.diagnostics.extend(found.diagnostics);
    let analysis = resolve::resolve(&loaded);
    if timings {
        // Phase timings for profiling (stderr; never part of any output format).
        eprintln!(
            "seam timings: discover {:?}, front ends {:?}, resolve {:?}",
            discovered,
            parsed - discovered,
            start.elapsed() - parsed
        );
    }
    analysis
}
