//! Measures of a partition: modularity, the objective the partitioner optimises (so a proposal
//! can report how modular it is, and the current package layout can be scored the same way), and
//! the adjusted Rand index, which scores seam's proposals against hand-labelled fixtures.

use std::collections::BTreeMap;

use super::WeightedGraph;

/// Modularity of `labels` at resolution γ, with the Reichardt–Bornholdt resolution:
///
/// `Q = 1/(2m) Σ_ij [A_ij − γ k_i k_j / (2m)] δ(c_i, c_j)
///    = Σ_c [ 2 w_c / (2m) − γ (K_c / (2m))² ]`
///
/// where `w_c` is the weight of the edges inside community `c`, `K_c` the summed weighted degree
/// of its nodes and `2m` the summed degree of all nodes. γ = 1 is Newman–Girvan modularity.
/// Edges are taken as [`WeightedGraph`] documents (parallel edges summed; self loops and
/// non-positive weights ignored), exactly as the partitioner sees them, so the value is the one it
/// optimised. A graph without such edges has Q = 0 by convention (there is nothing to explain).
/// Labels may be any `u32`s; panics if there is not exactly one per node.
pub fn modularity(g: &WeightedGraph, labels: &[u32], resolution: f64) -> f64 {
    assert_eq!(labels.len(), g.n, "one label per node");
    let (dense, k) = dense_labels(labels);
    let mut internal = 0.0;
    let mut two_m = 0.0;
    let mut community_degree = vec![0.0; k];
    for (a, b, w) in g.effective_edges() {
        let (ca, cb) = (dense[a as usize], dense[b as usize]);
        two_m += 2.0 * w;
        community_degree[ca as usize] += w;
        community_degree[cb as usize] += w;
        if ca == cb {
            internal += 2.0 * w;
        }
    }
    if two_m <= 0.0 {
        return 0.0;
    }
    let expected: f64 = community_degree
        .iter()
        .map(|&d| (d / two_m) * (d / two_m))
        .sum();
    internal / two_m - resolution * expected
}

/// The adjusted Rand index of two labellings of the same items (Hubert & Arabie 1985): pair
/// agreement corrected for chance, so 1.0 means the same partition (whatever the label values),
/// about 0.0 what random labellings of the same cluster sizes would score, and negative values
/// worse than chance. Chosen to score proposals against labelled fixtures because, unlike plain
/// accuracy, it needs no matching of proposed services to expected ones and does not reward
/// putting everything in one service or everything apart.
///
/// `ARI = (Σ_ij C(n_ij, 2) − E) / (½ (Σ_i C(a_i, 2) + Σ_j C(b_j, 2)) − E)`, with
/// `E = Σ_i C(a_i, 2) Σ_j C(b_j, 2) / C(n, 2)`, `n_ij` the contingency table and `a_i`, `b_j` its
/// row and column sums. The denominator is zero only when both labellings are the same trivial
/// partition (one cluster, or all singletons, or fewer than two items); those are identical
/// partitions and score 1.0, as in scikit-learn. Panics if the lengths differ.
pub fn adjusted_rand_index(a: &[u32], b: &[u32]) -> f64 {
    assert_eq!(
        a.len(),
        b.len(),
        "both labellings must cover the same items"
    );
    let (da, ka) = dense_labels(a);
    let (db, kb) = dense_labels(b);
    let pairs = |x: u64| (x as f64) * (x.saturating_sub(1) as f64) / 2.0;

    let mut rows = vec![0u64; ka];
    let mut cols = vec![0u64; kb];
    for (&x, &y) in da.iter().zip(&db) {
        rows[x as usize] += 1;
        cols[y as usize] += 1;
    }
    // Contingency cells by sorting the (row, column) pairs: no table of ka × kb cells.
    let mut cells: Vec<u64> = da
        .iter()
        .zip(&db)
        .map(|(&x, &y)| (u64::from(x) << 32) | u64::from(y))
        .collect();
    cells.sort_unstable();
    let mut index = 0.0;
    let mut i = 0;
    while i < cells.len() {
        let j = cells[i..]
            .iter()
            .position(|&c| c != cells[i])
            .map_or(cells.len(), |p| i + p);
        index += pairs((j - i) as u64);
        i = j;
    }

    let sum_rows: f64 = rows.iter().map(|&r| pairs(r)).sum();
    let sum_cols: f64 = cols.iter().map(|&c| pairs(c)).sum();
    let expected = sum_rows * sum_cols / pairs(a.len() as u64).max(1.0);
    let max = 0.5 * (sum_rows + sum_cols);
    if max == expected {
        return 1.0;
    }
    (index - expected) / (max - expected)
}

/// Labels renumbered `0..k` in increasing label order, and k: lets the measures index by
/// community whatever values the caller used.
fn dense_labels(labels: &[u32]) -> (Vec<u32>, usize) {
    let max = labels.iter().copied().max().map_or(0, |m| m as usize);
    // Labels are usually dense already (canonical, `0..k`): ranks by a table, not a tree,
    // which was a tenth of a warm run (the consensus compares every pair of its runs).
    if max <= 4 * labels.len() + 1024 {
        let mut rank = vec![u32::MAX; max + 1];
        for &l in labels {
            rank[l as usize] = 0;
        }
        let mut k = 0u32;
        for r in rank.iter_mut().filter(|r| **r == 0) {
            *r = k;
            k += 1;
        }
        return (
            labels.iter().map(|&l| rank[l as usize]).collect(),
            k as usize,
        );
    }
    let mut map = BTreeMap::new();
    for &l in labels {
        map.insert(l, 0u32);
    }
    for (i, v) in map.values_mut().enumerate() {
        *v = i as u32;
    }
    (labels.iter().map(|l| map[l]).collect(), map.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Two triangles {0,1,2} and {3,4,5} joined by the edge 2–3: m = 7, 2m = 14, degrees
    /// 2,2,3,3,2,2.
    fn two_triangles() -> WeightedGraph {
        let mut g = WeightedGraph::new(6);
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5), (2, 3)] {
            g.add_edge(a, b, 1.0);
        }
        g
    }

    #[test]
    fn modularity_of_two_triangles_by_hand() {
        let g = two_triangles();
        // Each triangle: 3 internal edges, K = 7. Q = 12/14 − (7² + 7²)/14² = 6/7 − 1/2 = 5/14.
        assert!(close(modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0), 5.0 / 14.0));
        // Label values do not matter.
        assert!(close(modularity(&g, &[9, 9, 9, 4, 4, 4], 1.0), 5.0 / 14.0));
        // γ = 2: 6/7 − 2 · 1/2 = −1/7.
        assert!(close(modularity(&g, &[0, 0, 0, 1, 1, 1], 2.0), -1.0 / 7.0));
        // One community: 14/14 − 1 = 0.
        assert!(close(modularity(&g, &[0; 6], 1.0), 0.0));
        // Singletons: −Σ k_i² / 14² = −(4+4+9+9+4+4)/196.
        assert!(close(
            modularity(&g, &[0, 1, 2, 3, 4, 5], 1.0),
            -34.0 / 196.0
        ));
        // Moving node 2 to the other side: internal 2·(1 + 4) = 10; K = 4 and 10.
        // Q = 10/14 − (16 + 100)/196.
        assert!(close(
            modularity(&g, &[0, 0, 1, 1, 1, 1], 1.0),
            10.0 / 14.0 - 116.0 / 196.0
        ));
    }

    #[test]
    fn modularity_sums_parallel_edges_and_ignores_what_is_not_an_edge() {
        let mut g = two_triangles();
        let base = modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0);
        g.add_edge(4, 4, 5.0);
        g.add_edge(0, 5, -3.0);
        g.add_edge(1, 4, 0.0);
        assert!(close(modularity(&g, &[0, 0, 0, 1, 1, 1], 1.0), base));
        // The edge 0–1 split into two halves is the same graph.
        let mut h = WeightedGraph::new(6);
        for (a, b, w) in [(0, 1, 0.5), (1, 0, 0.5), (1, 2, 1.0), (0, 2, 1.0)] {
            h.add_edge(a, b, w);
        }
        for (a, b) in [(3, 4), (4, 5), (3, 5), (2, 3)] {
            h.add_edge(a, b, 1.0);
        }
        assert!(close(modularity(&h, &[0, 0, 0, 1, 1, 1], 1.0), base));
    }

    #[test]
    fn modularity_of_graph_without_edges_is_zero() {
        assert_eq!(modularity(&WeightedGraph::new(0), &[], 1.0), 0.0);
        assert_eq!(modularity(&WeightedGraph::new(3), &[0, 1, 1], 1.0), 0.0);
    }

    #[test]
    fn ari_of_identical_partitions_is_one_whatever_the_labels() {
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1, 2], &[0, 0, 1, 1, 2]),
            1.0
        ));
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1, 2], &[5, 5, 3, 3, 9]),
            1.0
        ));
    }

    #[test]
    fn ari_textbook_values() {
        // a = {0,1}{2}{3}, b = {0,1}{2,3}: Σ C(n_ij,2) = 1, Σ C(a_i,2) = 1, Σ C(b_j,2) = 2,
        // C(4,2) = 6, E = 1·2/6 = 1/3, max = 3/2: ARI = (2/3) / (7/6) = 4/7 (scikit-learn's
        // documented 0.57…), and symmetric.
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 2], &[0, 0, 1, 1]),
            4.0 / 7.0
        ));
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1], &[0, 0, 1, 2]),
            4.0 / 7.0
        ));
        // Crossed halves: no agreeing pair, E = 2·2/6 = 2/3, max = 2: ARI = −(2/3)/(4/3) = −1/2.
        assert!(close(
            adjusted_rand_index(&[0, 0, 1, 1], &[0, 1, 0, 1]),
            -0.5
        ));
        // All together against all apart: E = 0, index = 0: ARI = 0.
        assert!(close(
            adjusted_rand_index(&[0, 0, 0, 0], &[0, 1, 2, 3]),
            0.0
        ));
        // A larger table: a = {0..3}{4..7}, b = {0,1,2}{3,4}{5,6,7}:
        // cells 3,1,1,3 → index = 3 + 0 + 0 + 3 = 6; rows 6 + 6 = 12; cols 3 + 1 + 3 = 7;
        // C(8,2) = 28, E = 84/28 = 3, max = 9.5: ARI = 3 / 6.5 = 6/13.
        assert!(close(
            adjusted_rand_index(&[0, 0, 0, 0, 1, 1, 1, 1], &[0, 0, 0, 1, 1, 2, 2, 2]),
            6.0 / 13.0
        ));
    }

    #[test]
    fn ari_degenerate_inputs() {
        assert_eq!(adjusted_rand_index(&[], &[]), 1.0);
        assert_eq!(adjusted_rand_index(&[3], &[1]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 0, 0], &[1, 1, 1]), 1.0);
        assert_eq!(adjusted_rand_index(&[0, 1, 2], &[2, 0, 1]), 1.0);
    }

    #[test]
    fn ari_rejects_different_lengths() {
        let result = std::panic::catch_unwind(|| adjusted_rand_index(&[0, 1], &[0]));
        assert!(
            result.is_err(),
            "labellings of different item sets cannot be compared"
        );
    }
}
