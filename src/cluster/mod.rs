//! Community detection: the step that turns seam's weighted dependency graph into candidate
//! services. The algorithm sits behind [`Partitioner`] so that it can be swapped (another
//! implementation, a crate) without touching the stages around it, and [`quality`] holds the
//! measures used both to tune it and to score proposals against labelled fixtures.

mod blobs;
mod consensus;
mod dataless;
mod kernel;
mod layers;
mod layout;
pub mod leiden;
mod levels;
mod memo;
mod metrics;
mod naming;
mod ownership;
mod projection;
mod proposal;
mod propose;
pub mod quality;
mod settle;
mod slivers;
mod transactions;
pub mod verdict;
pub mod weights;

pub use layout::package_layout;
pub use leiden::Leiden;
pub use memo::Partitions;
pub use proposal::*;
pub use propose::{ClusterOptions, propose, propose_with};
pub use quality::{adjusted_rand_index, modularity};
pub use verdict::{Recommendation, Verdict};

/// An undirected weighted graph on nodes `0..n`, the only input clustering needs: callers reduce
/// whatever they cluster (symbols, tables) to dense indices and summed weights first, which keeps
/// the algorithms free of ids, hashing and a graph library's index types.
///
/// Parallel edges count as one edge with the summed weight. Self loops, and edges whose weight
/// is zero, negative or not finite, are ignored by every function of this module: a dependency
/// either binds two things or it does not, and modularity has no meaning for negative weights.
#[derive(Debug, Clone, Default)]
pub struct WeightedGraph {
    pub n: usize,
    pub edges: Vec<(u32, u32, f64)>,
}

impl WeightedGraph {
    /// A graph with `n` nodes and no edges yet.
    pub fn new(n: usize) -> Self {
        Self {
            n,
            edges: Vec::new(),
        }
    }

    pub fn add_edge(&mut self, a: u32, b: u32, weight: f64) {
        self.edges.push((a, b, weight));
    }

    /// The edges that take part in clustering (see the type's documentation), so that every
    /// consumer applies the same filter. Panics on an endpoint outside `0..n`: that is a bug in
    /// the caller's indexing, and a silent drop would hide it.
    pub(crate) fn effective_edges(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        self.edges.iter().filter_map(move |&(a, b, w)| {
            assert!(
                (a as usize) < self.n && (b as usize) < self.n,
                "edge ({a}, {b}) has an endpoint outside 0..{}",
                self.n
            );
            (a != b && w.is_finite() && w > 0.0).then_some((a, b, w))
        })
    }
}

/// Community detection behind a small trait, so the algorithm (or crate) can be swapped.
pub trait Partitioner {
    /// A community label per node: labels `0..k`, numbered by first appearance in node order so
    /// that equal partitions compare equal as vectors. `resolution` is the γ of the
    /// Reichardt–Bornholdt modularity `Q = 1/(2m) Σ_ij [A_ij − γ k_i k_j / (2m)] δ(c_i, c_j)`
    /// (higher γ, smaller communities). The same graph, resolution and seed give the same
    /// labels on any machine and thread count: proposals must be reproducible.
    fn partition(&self, g: &WeightedGraph, resolution: f64, seed: u64) -> Vec<u32>;
}

/// Relabels communities `0..k` in order of first appearance, so that a partition has exactly one
/// representation (outputs compare with `==`, and diffs between runs are meaningful).
pub fn canonical_labels(labels: &[u32]) -> Vec<u32> {
    const UNSEEN: u32 = u32::MAX;
    let max = labels.iter().copied().max().map_or(0, |m| m as usize);
    let mut out = Vec::with_capacity(labels.len());
    if max <= 2 * labels.len() + 64 {
        // The common case (labels already small): a dense table.
        let mut map = vec![UNSEEN; max + 1];
        let mut next = 0u32;
        for &l in labels {
            let slot = &mut map[l as usize];
            if *slot == UNSEEN {
                *slot = next;
                next += 1;
            }
            out.push(*slot);
        }
    } else {
        // Sparse labels: an ordered map, so no table the size of the largest label.
        let mut map = std::collections::BTreeMap::new();
        for &l in labels {
            let next = map.len() as u32;
            out.push(*map.entry(l).or_insert(next));
        }
    }
    out
}

/// A small seeded PRNG (SplitMix64, Steele, Lea & Flood 2014) owned by this module: results must
/// not change when a dependency's generator changes its stream between versions, and the
/// algorithms need nothing beyond uniform integers and floats.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..bound` (multiply-shift; the bias is below 2⁻³² for any bound used here).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next_u64()) * bound as u128) >> 64) as usize
    }

    /// Uniform in `[0, 1)`, 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Fisher–Yates.
    pub(crate) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_labels_number_by_first_appearance() {
        assert_eq!(canonical_labels(&[7, 7, 3, 9, 3]), vec![0, 0, 1, 2, 1]);
        assert_eq!(canonical_labels(&[]), Vec::<u32>::new());
        // Sparse labels take the ordered-map path and give the same answer.
        assert_eq!(
            canonical_labels(&[u32::MAX - 1, 5, u32::MAX - 1]),
            vec![0, 1, 0]
        );
    }

    #[test]
    fn effective_edges_drop_self_loops_and_non_positive_weights() {
        let mut g = WeightedGraph::new(3);
        g.add_edge(0, 1, 1.5);
        g.add_edge(1, 1, 2.0);
        g.add_edge(1, 2, 0.0);
        g.add_edge(0, 2, -1.0);
        g.add_edge(2, 0, f64::NAN);
        g.add_edge(2, 1, 0.5);
        let kept: Vec<_> = g.effective_edges().collect();
        assert_eq!(kept, vec![(0, 1, 1.5), (2, 1, 0.5)]);
    }

    #[test]
    fn effective_edges_reject_out_of_range_endpoints() {
        let mut g = WeightedGraph::new(2);
        g.add_edge(0, 2, 1.0);
        let result = std::panic::catch_unwind(|| g.effective_edges().count());
        assert!(
            result.is_err(),
            "an index bug in the caller must not pass silently"
        );
    }

    #[test]
    fn prng_is_the_reference_splitmix64_and_shuffles_uniformly() {
        // First outputs of SplitMix64 seeded with 1234567 (reference values from the
        // published C implementation).
        let mut r = SplitMix64::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
        let mut r = SplitMix64::new(9);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            let mut v = [0, 1, 2];
            r.shuffle(&mut v);
            counts[v[0]] += 1;
            assert!(r.unit() < 1.0);
        }
        assert!(
            counts.iter().all(|&c| (9_000..11_000).contains(&c)),
            "{counts:?}"
        );
    }
}
