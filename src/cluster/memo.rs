//! Partitions already computed, by what they were computed from. A partition is a pure
//! function of the graph (its node count and edge list, in order), the resolution, the seed
//! and the partitioner's parameters, so one computed before — on the last run (kept in
//! `ROOT/.seam/cache/partitions`, see `cache/partitions.rs`), at another level of the ladder,
//! or for the previous commit of a backfill — is reused as it is: the proposal is the same
//! with and without the memo, bit for bit. Community detection is most of clustering's time.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use xxhash_rust::xxh3::Xxh3;

use super::{Leiden, Partitioner, WeightedGraph};

/// Partitions by key, shared by the threads of one proposal (and across proposals). One
/// lock over the whole state, so no two methods can take two locks in opposite orders.
#[derive(Debug, Default)]
pub struct Partitions {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    known: BTreeMap<u128, Vec<u32>>,
    /// Keys asked for since the memo was made: what is worth keeping.
    used: BTreeSet<u128>,
    /// Whether a partition was computed (the memo on disk is then out of date).
    added: bool,
}

impl Partitions {
    /// A memo holding `entries` (read from disk).
    pub fn with(entries: Vec<(u128, Vec<u32>)>) -> Self {
        Self {
            state: Mutex::new(State {
                known: entries.into_iter().collect(),
                ..State::default()
            }),
        }
    }

    /// The partitions asked for since the memo was made, by key: what a memo on disk should
    /// hold after this run.
    pub fn used(&self) -> Vec<(u128, Vec<u32>)> {
        let s = self.lock();
        s.used
            .iter()
            .filter_map(|k| s.known.get(k).map(|p| (*k, p.clone())))
            .collect()
    }

    /// Whether any partition was computed rather than found.
    pub fn added(&self) -> bool {
        self.lock().added
    }

    /// Forgets what was not asked for since the last call (a backfill keeps the partitions
    /// of the previous commit only).
    pub fn keep_used(&self) {
        let mut s = self.lock();
        let used = std::mem::take(&mut s.used);
        s.known.retain(|k, _| used.contains(k));
    }

    fn get(&self, key: u128) -> Option<Vec<u32>> {
        let mut s = self.lock();
        s.used.insert(key);
        s.known.get(&key).cloned()
    }

    fn put(&self, key: u128, labels: Vec<u32>) {
        let mut s = self.lock();
        s.known.insert(key, labels);
        s.added = true;
    }

    /// A poisoned lock means a thread panicked mid-insert of a plain map: the map is whole.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Leiden through the memo.
pub(crate) struct Memoized<'m> {
    pub leiden: Leiden,
    pub memo: &'m Partitions,
}

impl Memoized<'_> {
    fn key(&self, g: &WeightedGraph, resolution: f64, seed: u64) -> u128 {
        let mut h = Xxh3::new();
        let l = &self.leiden;
        h.update(crate::meta::build().as_bytes());
        for word in [
            l.max_iterations as u64,
            l.min_gain.to_bits(),
            l.randomness.to_bits(),
            resolution.to_bits(),
            seed,
            g.n as u64,
            g.edges.len() as u64,
        ] {
            h.update(&word.to_le_bytes());
        }
        for &(a, b, w) in &g.edges {
            h.update(&a.to_le_bytes());
            h.update(&b.to_le_bytes());
            h.update(&w.to_bits().to_le_bytes());
        }
        h.digest128()
    }
}

impl Partitioner for Memoized<'_> {
    fn partition(&self, g: &WeightedGraph, resolution: f64, seed: u64) -> Vec<u32> {
        let key = self.key(g, resolution, seed);
        match self.memo.get(key) {
            // A labelling of another graph cannot have this key but by a hash collision (or a
            // forged file that passed its checksum); it is checked all the same, and a wrong
            // one is recomputed.
            Some(labels) if labels.len() == g.n && labels.iter().all(|&l| (l as usize) < g.n) => {
                labels
            }
            _ => {
                let labels = self.leiden.partition(g, resolution, seed);
                self.memo.put(key, labels.clone());
                labels
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: u32) -> WeightedGraph {
        let mut g = WeightedGraph::new(n as usize);
        for i in 0..n {
            g.add_edge(i, (i + 1) % n, 1.0);
            g.add_edge(i, (i + 7) % n, 0.5);
        }
        g
    }

    #[test]
    fn a_memoized_partition_is_the_partition_and_is_computed_once() {
        let memo = Partitions::default();
        let m = Memoized {
            leiden: Leiden::default(),
            memo: &memo,
        };
        let g = ring(60);
        let direct = Leiden::default().partition(&g, 1.0, 7);
        assert_eq!(m.partition(&g, 1.0, 7), direct);
        assert!(memo.added());
        let reread = Partitions::with(memo.used());
        let again = Memoized {
            leiden: Leiden::default(),
            memo: &reread,
        };
        assert_eq!(again.partition(&g, 1.0, 7), direct);
        assert!(!reread.added(), "found, not computed");
        // Another seed, resolution or edge weight is another partition.
        again.partition(&g, 1.0, 8);
        assert!(reread.added());
        let mut h = ring(60);
        h.edges[0].2 = 2.0;
        assert_ne!(m.key(&g, 1.0, 7), m.key(&h, 1.0, 7));
        assert_ne!(m.key(&g, 1.0, 7), m.key(&g, 2.0, 7));
    }
}
