//! One partition from several seeds. Leiden's result depends on its random node order: on a
//! graph with a weak seam (an identity package whose sessions hang on its users by one foreign
//! key) one seed cuts it and the next does not, and a one-node change of the input (a config
//! class leaving the projection) flips which seed is lucky. Each clustering is therefore run
//! with [`SEEDS`] seeds derived from the user's, and the *medoid* is kept: the run that agrees
//! most (mean adjusted Rand index) with the others, ties to the earliest seed. A seam that most
//! seeds see is kept; one that a single seed found is not. Deterministic for a given seed.

use super::Partitioner;
use super::WeightedGraph;
use super::quality::adjusted_rand_index;

/// Runs per clustering: odd, so that a two-way disagreement has a majority.
pub(crate) const SEEDS: u64 = 5;

/// The medoid of [`SEEDS`] partitions of `g` at `resolution`, seeded from `seed`.
pub(crate) fn partition(
    p: &(impl Partitioner + Sync),
    g: &WeightedGraph,
    resolution: f64,
    seed: u64,
) -> Vec<u32> {
    let first = p.partition(g, resolution, seed);
    partition_after(p, g, resolution, seed, first)
}

/// [`partition`] when the first seed's run is already made (`first`, with `seed` itself).
pub(crate) fn partition_after(
    p: &(impl Partitioner + Sync),
    g: &WeightedGraph,
    resolution: f64,
    seed: u64,
    first: Vec<u32>,
) -> Vec<u32> {
    use rayon::prelude::*;
    // The seeds run in parallel (each run is a function of its seed alone, collected in seed
    // order): five levels of the ladder on two cores otherwise leave a core idle at the end.
    let rest: Vec<Vec<u32>> = (1..SEEDS)
        .into_par_iter()
        .map(|k| p.partition(g, resolution, seed.wrapping_add(k)))
        .collect();
    medoid(std::iter::once(first).chain(rest).collect())
}

/// The labelling most like the others; identical runs are compared once.
fn medoid(mut runs: Vec<Vec<u32>>) -> Vec<u32> {
    let n = runs.len();
    let mut score = vec![0.0f64; n];
    for i in 0..n {
        for j in i + 1..n {
            let s = if runs[i] == runs[j] {
                1.0
            } else {
                adjusted_rand_index(&runs[i], &runs[j])
            };
            score[i] += s;
            score[j] += s;
        }
    }
    let best = (0..n)
        .max_by(|&a, &b| score[a].total_cmp(&score[b]).then_with(|| b.cmp(&a)))
        .unwrap_or(0);
    runs.swap_remove(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_medoid_is_the_majority_view_and_ties_go_to_the_first_seed() {
        let cut = vec![0, 0, 1, 1];
        let whole = vec![0, 0, 0, 0];
        let other = vec![0, 1, 0, 1];
        assert_eq!(
            medoid(vec![cut.clone(), whole.clone(), whole.clone()]),
            whole,
            "two seeds of three see no seam: none is proposed"
        );
        assert_eq!(
            medoid(vec![cut.clone(), whole.clone(), cut.clone()]),
            cut,
            "two of three see it: it is"
        );
        assert_eq!(medoid(vec![other.clone(), cut.clone()]), other);
        assert_eq!(medoid(vec![whole.clone()]), whole);
    }
}
