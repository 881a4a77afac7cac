//! seam: finds the seams in a Flask/Python monolith.
//!
//! The pipeline, one direction only: [`discover`] files → [`load`] (front ends, in parallel) →
//! [`resolve`] into an [`analysis::Analysis`] → [`cluster`] and [`advice`] → [`report`] (formats).
//! Only `report` knows output formats; only `discover`, `load`, `cache/` and `history/` touch the
//! file system.

pub mod advice;
pub mod analysis;
pub mod boundaries;
pub mod cache;
pub mod cluster;
pub mod discover;
pub mod exit;
pub mod history;
pub mod load;
pub mod meta;
pub mod report;
pub mod resolve;
pub mod source_roots;
pub mod source_text;
#[cfg(test)]
mod test_support;
pub mod timing;
pub mod union_find;
pub mod visible;

use std::path::Path;

/// Options of one analysis run.
#[derive(Debug, Clone)]
pub struct Options {
    pub threads: usize,
    pub max_file_size: u64,
    /// Read and write the facts cache under `ROOT/.seam/cache/` (see `cache.rs`).
    pub cache: bool,
}

/// The machine's cores as the standard library sees them (cgroup quotas included), 1 when it
/// cannot tell.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most worker threads `--threads` may ask for: four per core. seam's work is CPU-bound,
/// so more threads than cores buy nothing, and each costs a stack and, in the front ends, a
/// parser and its largest file's facts: a thousand threads on two cores took ten times longer
/// than one and a hundred thousand spawned until the process limit (issue 15, D1).
pub fn max_threads() -> usize {
    cores().saturating_mul(4).max(4)
}

impl Default for Options {
    fn default() -> Self {
        Self {
            threads: cores(),
            max_file_size: load::DEFAULT_MAX_FILE_SIZE,
            cache: false,
        }
    }
}

/// Analyse the repository at `root`: discovery, front ends, resolution.
pub fn analyze(root: &Path, options: &Options) -> analysis::Analysis {
    let mut timer = timing::Timer::new();
    let found = discover::discover(root, options.threads);
    timer.mark("discover");
    // Through the caches: each file is hashed (and parsed if it changed); when every file's
    // facts are those the memo was made from, the analysis is read back whole.
    let (mut loaded, memo) = if options.cache {
        let facts = cache::FactsCache::open(root);
        if let Some(why) = &facts.refused {
            eprintln!(
                "seam: ignoring the facts cache under {}: {why}; rebuilding it",
                root.join(cache::DIR).display()
            );
        }
        let mut scanned = load::scan(found.files, options.max_file_size, &facts);
        let mut key = cache::analysis::Key::new(options.max_file_size);
        for (file, fingerprint) in scanned.fingerprints() {
            key.file(file, fingerprint);
        }
        key.diagnostics(&found.diagnostics);
        let key = key.finish();
        let memo = cache::analysis::Memo::at(root);
        let fresh = std::mem::take(&mut scanned.fresh);
        if let Some(analysis) = memo.read(&key) {
            facts.save(&fresh);
            timer.mark("front ends (the analysis memo holds)");
            return analysis;
        }
        let loaded = scanned.finish(&facts);
        facts.save(&fresh);
        (loaded, Some((memo, key)))
    } else {
        (load::load(found.files, options.max_file_size), None)
    };
    timer.mark("front ends");
    loaded.diagnostics.extend(found.diagnostics);
    let analysis = resolve::resolve(loaded);
    if let Some((memo, key)) = memo {
        memo.write(&key, &analysis);
        timer.mark("analysis memo written");
    }
    analysis
}
