//! The Leiden algorithm (Traag, Waltman & van Eck 2019, "From Louvain to Leiden: guaranteeing
//! well-connected communities"), implemented here rather than taken from a crate: seam needs
//! communities that are connected (a service whose parts share no dependency is two services),
//! results that are bit-for-bit reproducible from a seed, and speed on large graphs, and the
//! crate evaluated (leiden-rs 0.8.1) has a refinement phase that is not Leiden's (greedy, without
//! the well-connectedness conditions, and nodes may leave sub-communities they were merged into),
//! clears O(n) buffers per community (5 s on 100k nodes / 300k edges) and draws from `rand`'s
//! `StdRng`, whose stream is not promised to stay the same across versions.
//!
//! One pass: fast local moving of nodes (queue-based), refinement of each community into
//! well-connected sub-communities (randomised by the seed), aggregation of the graph on the
//! refined partition with the unrefined one as the starting point, repeated until each
//! community is a single aggregate node. Further passes start from the last partition, until
//! one changes nothing or gains little. Everything is single-threaded and indexed by `Vec`s, so
//! the result depends only on the graph's node and edge order, the resolution and the seed.

use std::collections::VecDeque;

use super::{Partitioner, SplitMix64, WeightedGraph, canonical_labels};

/// The partitioner seam clusters with: Leiden rather than Louvain because Louvain can return
/// communities that fall apart into pieces with no edge between them, and a proposed service
/// must at least hang together.
#[derive(Debug, Clone)]
pub struct Leiden {
    /// Upper bound on full passes. Passes also stop once one leaves the partition unchanged or
    /// raises modularity by less than `min_gain`. At least one pass runs.
    pub max_iterations: usize,
    /// The modularity gain below which a pass is the last. Needed because on large graphs
    /// randomness keeps every pass changing a little. Measured on planted graphs of 100k nodes:
    /// the second pass gained up to 0.017, the third about 0.001, later ones less, each pass
    /// costing about half the first; the default 1e-3 stops after the second or third (on
    /// 300k edges, Q 0.8060 in 0.4 s; 1e-4 would reach 0.8067 in 0.7 s).
    pub min_gain: f64,
    /// θ of the refinement: a node joins a sub-community with probability ∝ exp(ΔQ / θ), ΔQ in
    /// units of edge weight. Small values (the paper's 0.01) are nearly greedy but still let the
    /// seed explore; 0 makes refinement greedy.
    pub randomness: f64,
}

impl Default for Leiden {
    fn default() -> Self {
        Self {
            max_iterations: 10,
            min_gain: 1e-3,
            randomness: 0.01,
        }
    }
}

impl Partitioner for Leiden {
    /// Panics if `resolution` is negative or not finite, or if the graph has more nodes than
    /// `u32` labels: those are bugs in the caller, not data.
    fn partition(&self, g: &WeightedGraph, resolution: f64, seed: u64) -> Vec<u32> {
        assert!(
            resolution.is_finite() && resolution >= 0.0,
            "resolution must be finite and non-negative, got {resolution}"
        );
        assert!(g.n < u32::MAX as usize, "too many nodes for u32 labels");
        let base = Csr::from_graph(g);
        let mut membership: Vec<u32> = (0..g.n as u32).collect();
        let two_m: f64 = base.strength.iter().sum();
        if two_m <= 0.0 {
            return membership;
        }
        let params = Params {
            scale: resolution / two_m,
            theta: self.randomness,
        };
        let mut rng = SplitMix64::new(seed);
        let mut quality = base.modularity(&membership, resolution);
        for _ in 0..self.max_iterations.max(1) {
            let next = canonical_labels(&leiden_pass(&base, &membership, &params, &mut rng));
            if next == membership {
                break;
            }
            membership = next;
            let previous =
                std::mem::replace(&mut quality, base.modularity(&membership, resolution));
            if quality - previous < self.min_gain {
                break;
            }
        }
        membership
    }
}

struct Params {
    /// γ / 2m: the null-model term of moving a node of degree k into a community of degree K is
    /// `scale · k · K`, in the same units as edge weights.
    scale: f64,
    theta: f64,
}

/// Compressed adjacency of one level (both directions of every edge, no self loops) with each
/// node's degree kept apart, because at aggregated levels the degree also counts the weight
/// inside the aggregate, which moves with the node and so needs no adjacency entry.
#[derive(Debug, Clone)]
struct Csr {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    strength: Vec<f64>,
}

impl Csr {
    fn from_graph(g: &WeightedGraph) -> Self {
        let n = g.n;
        let edges: Vec<(u32, u32, f64)> = g.effective_edges().collect();
        let mut offsets = vec![0usize; n + 1];
        for &(a, b, _) in &edges {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets[..n].to_vec();
        let mut targets = vec![0u32; offsets[n]];
        let mut weights = vec![0.0; offsets[n]];
        let mut strength = vec![0.0; n];
        for &(a, b, w) in &edges {
            for (x, y) in [(a as usize, b), (b as usize, a)] {
                targets[fill[x]] = y;
                weights[fill[x]] = w;
                fill[x] += 1;
                strength[x] += w;
            }
        }
        Self {
            offsets,
            targets,
            weights,
            strength,
        }
    }

    fn n(&self) -> usize {
        self.strength.len()
    }

    /// [`super::modularity`] for canonical labels, without its general label handling: it is
    /// evaluated after every pass.
    fn modularity(&self, labels: &[u32], resolution: f64) -> f64 {
        let communities = labels.iter().max().map_or(0, |&m| m as usize + 1);
        let mut degree = vec![0.0; communities];
        let mut internal = 0.0;
        for (v, &c) in labels.iter().enumerate() {
            degree[c as usize] += self.strength[v];
            for (u, w) in self.neighbours(v) {
                if labels[u] == c {
                    internal += w;
                }
            }
        }
        let two_m: f64 = self.strength.iter().sum();
        let expected: f64 = degree.iter().map(|&d| (d / two_m) * (d / two_m)).sum();
        internal / two_m - resolution * expected
    }

    fn neighbours(&self, v: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[v]..self.offsets[v + 1];
        self.targets[range.clone()]
            .iter()
            .zip(&self.weights[range])
            .map(|(&u, &w)| (u as usize, w))
    }
}

/// One Leiden pass from `initial` (a partition of the base graph with labels below its node
/// count); returns the new partition of the base graph.
fn leiden_pass(base: &Csr, initial: &[u32], params: &Params, rng: &mut SplitMix64) -> Vec<u32> {
    let mut aggregated: Option<Csr> = None;
    let mut part = initial.to_vec();
    // Base node → the aggregate node that contains it at the current level.
    let mut node_of: Vec<u32> = (0..base.n() as u32).collect();
    loop {
        let graph = aggregated.as_ref().unwrap_or(base);
        move_nodes_fast(graph, &mut part, params, rng);
        let communities = renumber(&mut part);
        if communities == graph.n() {
            break;
        }
        let (mut refined, mut count) = refine(graph, &part, communities, params, rng);
        if count == graph.n() {
            // Refinement merged nothing (possible by chance, or at γ = 0): aggregate on the
            // connected parts of the communities instead, so that the graph still shrinks and
            // aggregates stay connected.
            (refined, count) = components_within(graph, &part);
            if count == graph.n() {
                // Communities without internal edges: apart is at least as good.
                part = refined;
                break;
            }
        }
        let next = aggregate(graph, &refined, count);
        let mut next_part = vec![0u32; count];
        for (v, &r) in refined.iter().enumerate() {
            next_part[r as usize] = part[v];
        }
        for o in &mut node_of {
            *o = refined[*o as usize];
        }
        part = next_part;
        aggregated = Some(next);
    }
    node_of.iter().map(|&v| part[v as usize]).collect()
}

/// Relabels `part` to `0..k` by first appearance; returns k.
fn renumber(part: &mut [u32]) -> usize {
    let relabelled = canonical_labels(part);
    part.copy_from_slice(&relabelled);
    relabelled.iter().max().map_or(0, |&m| m as usize + 1)
}

/// Per-community sums of node degree and node count, indexed by community label.
fn community_totals(graph: &Csr, part: &[u32], labels: usize) -> (Vec<f64>, Vec<u32>) {
    let mut degree = vec![0.0; labels];
    let mut size = vec![0u32; labels];
    for (v, &c) in part.iter().enumerate() {
        degree[c as usize] += graph.strength[v];
        size[c as usize] += 1;
    }
    (degree, size)
}

/// Sums edge weights per neighbouring community without clearing a table per node: only the
/// entries touched are reset. Weights are positive, so 0 marks an untouched entry and one array
/// suffices (one cache miss per neighbour, not two).
struct NeighbourWeights {
    weight: Vec<f64>,
    touched: Vec<u32>,
}

impl NeighbourWeights {
    fn new(n: usize) -> Self {
        Self {
            weight: vec![0.0; n],
            touched: Vec::new(),
        }
    }

    fn add(&mut self, c: u32, w: f64) {
        let slot = &mut self.weight[c as usize];
        if *slot == 0.0 {
            self.touched.push(c);
        }
        *slot += w;
    }

    fn get(&self, c: u32) -> f64 {
        self.weight[c as usize]
    }

    fn clear(&mut self) {
        for &c in &self.touched {
            self.weight[c as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// Fast local moving: visits nodes from a queue (all nodes in random order first), moves each to
/// the neighbouring or empty community that raises modularity most, and re-queues only the
/// neighbours that may now want to move. Returns whether any node moved.
fn move_nodes_fast(graph: &Csr, part: &mut [u32], params: &Params, rng: &mut SplitMix64) -> bool {
    let n = graph.n();
    let (mut comm_degree, mut comm_size) = community_totals(graph, part, n);
    // Highest label on the bottom, so the smallest empty label is reused first.
    let mut empty: Vec<u32> = (0..n as u32)
        .rev()
        .filter(|&c| comm_size[c as usize] == 0)
        .collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n];
    let mut nw = NeighbourWeights::new(n);
    let mut changed = false;

    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        let k = graph.strength[v];
        let current = part[v];
        for (u, w) in graph.neighbours(v) {
            nw.add(part[u], w);
        }
        // Gains are relative to v standing alone: gain(C) = w(v, C) − γ k K_C / 2m.
        let current_degree = comm_degree[current as usize] - k;
        let stay = nw.get(current) - params.scale * k * current_degree;
        let (mut best, mut best_gain) = (current, stay);
        for &c in &nw.touched {
            if c != current {
                let gain = nw.weight[c as usize] - params.scale * k * comm_degree[c as usize];
                if gain > best_gain {
                    (best, best_gain) = (c, gain);
                }
            }
        }
        nw.clear();
        let alone = comm_size[current as usize] == 1;
        let to_empty = !alone && 0.0 > best_gain;
        if to_empty {
            best_gain = 0.0;
        }
        // A move must win by more than rounding error, or ties could make nodes cycle.
        if best_gain <= stay + 1e-12 * k {
            continue;
        }
        if to_empty {
            best = empty
                .pop()
                .expect("a non-singleton community leaves a label free");
        }
        comm_degree[current as usize] -= k;
        comm_size[current as usize] -= 1;
        if comm_size[current as usize] == 0 {
            empty.push(current);
        }
        comm_degree[best as usize] += k;
        comm_size[best as usize] += 1;
        part[v] = best;
        changed = true;
        for (u, _) in graph.neighbours(v) {
            if !queued[u] && part[u] != best {
                queued[u] = true;
                queue.push_back(u as u32);
            }
        }
    }
    changed
}

/// Refinement: within each community S, starting from singletons, merges only nodes that are
/// still singletons and well connected to S (w(v, S − v) ≥ γ k_v (K_S − k_v) / 2m) into
/// sub-communities that are themselves well connected to S, choosing among the merges that do
/// not lower modularity with probability ∝ exp(ΔQ / θ). Sub-communities only grow along edges,
/// so each is connected, which is what makes Leiden's communities connected. Returns labels
/// `0..count` by first appearance and count.
fn refine(
    graph: &Csr,
    part: &[u32],
    communities: usize,
    params: &Params,
    rng: &mut SplitMix64,
) -> (Vec<u32>, usize) {
    let n = graph.n();
    let (comm_degree, comm_size) = community_totals(graph, part, communities);
    // Nodes grouped by community, in random order within each group: a random permutation,
    // then a stable counting sort.
    let mut start = vec![0usize; communities + 1];
    for c in 0..communities {
        start[c + 1] = start[c] + comm_size[c] as usize;
    }
    let mut shuffled: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut shuffled);
    let mut order = vec![0u32; n];
    let mut fill = start.clone();
    for &v in &shuffled {
        let c = part[v as usize] as usize;
        order[fill[c]] = v;
        fill[c] += 1;
    }

    // Sub-community of each node (named by a node id), its degree, its size, and the weight of
    // its edges to the rest of its community.
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut sub_degree = graph.strength.clone();
    let mut sub_size = vec![1u32; n];
    let mut external = vec![0.0; n];
    for (v, ext) in external.iter_mut().enumerate() {
        *ext = graph
            .neighbours(v)
            .filter(|&(u, _)| part[u] == part[v])
            .map(|(_, w)| w)
            .sum();
    }

    let mut nw = NeighbourWeights::new(n);
    let mut candidates: Vec<(u32, f64)> = Vec::new();
    for s in 0..communities {
        let total = comm_degree[s];
        let well_connected =
            |ext: f64, degree: f64| ext >= params.scale * degree * (total - degree);
        for &v in &order[start[s]..start[s + 1]] {
            let vi = v as usize;
            if refined[vi] != v || sub_size[vi] != 1 {
                continue;
            }
            let k = graph.strength[vi];
            if !well_connected(external[vi], k) {
                continue;
            }
            for (u, w) in graph.neighbours(vi) {
                if part[u] as usize == s {
                    nw.add(refined[u], w);
                }
            }
            // Staying alone is a candidate with ΔQ = 0.
            candidates.clear();
            candidates.push((v, 0.0));
            let mut best = 0.0f64;
            for &c in &nw.touched {
                let ci = c as usize;
                if c == v || !well_connected(external[ci], sub_degree[ci]) {
                    continue;
                }
                let gain = nw.weight[ci] - params.scale * k * sub_degree[ci];
                if gain >= 0.0 {
                    candidates.push((c, gain));
                    best = best.max(gain);
                }
            }
            nw.clear();
            if candidates.len() == 1 {
                continue;
            }
            let chosen = choose(&mut candidates, best, params.theta, rng);
            if chosen == v {
                continue;
            }
            let ci = chosen as usize;
            refined[vi] = chosen;
            sub_degree[ci] += k;
            sub_size[ci] += 1;
            sub_degree[vi] = 0.0;
            sub_size[vi] = 0;
            for (u, w) in graph.neighbours(vi) {
                if part[u] as usize == s {
                    if refined[u] == chosen {
                        external[ci] -= w;
                    } else {
                        external[ci] += w;
                    }
                }
            }
        }
    }
    let labels = canonical_labels(&refined);
    let count = labels.iter().max().map_or(0, |&m| m as usize + 1);
    (labels, count)
}

/// Draws a candidate with probability ∝ exp((gain − best) / θ) (shifted by the best gain so
/// that large weights cannot overflow); θ ≤ 0 takes the first best. Overwrites the gains with
/// the weights.
fn choose(candidates: &mut [(u32, f64)], best: f64, theta: f64, rng: &mut SplitMix64) -> u32 {
    if theta <= 0.0 {
        return candidates
            .iter()
            .find(|c| c.1 == best)
            .map_or(candidates[0].0, |c| c.0);
    }
    let mut total = 0.0;
    for candidate in candidates.iter_mut() {
        candidate.1 = exp_non_positive((candidate.1 - best) / theta);
        total += candidate.1;
    }
    let mut r = rng.unit() * total;
    for &(c, weight) in candidates.iter() {
        r -= weight;
        if r < 0.0 {
            return c;
        }
    }
    // Rounding left r ≥ 0 after the last one.
    candidates[candidates.len() - 1].0
}

/// e^x for x ≤ 0 from IEEE basic operations only (Cody–Waite reduction by ln 2, then the
/// degree-13 Taylor polynomial, relative error about 1e-16): the platform's `exp` may differ in
/// the last bit between libm versions and CPUs (glibc picks an FMA variant at run time), and a
/// flipped bit could flip a random choice, so the same seed would not give the same partition
/// everywhere. Below e^-40 it returns 0: next to the best candidate's weight 1 such a candidate
/// would be drawn less than once in 10^17 draws, and most candidates are that far behind.
fn exp_non_positive(x: f64) -> f64 {
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    /// 1 / i!, evaluated by the compiler with IEEE arithmetic.
    const INVERSE_FACTORIAL: [f64; 14] = {
        let mut c = [1.0; 14];
        let mut i = 1;
        while i < 14 {
            c[i] = c[i - 1] / i as f64;
            i += 1;
        }
        c
    };
    if x.is_nan() || x < -40.0 {
        return 0.0;
    }
    let k = (x * std::f64::consts::LOG2_E).round();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    let mut poly = INVERSE_FACTORIAL[13];
    for &c in INVERSE_FACTORIAL[..13].iter().rev() {
        poly = poly * r + c;
    }
    // 2^k built from its bits: exact, k ∈ [-58, 0].
    poly * f64::from_bits(((k as i64 + 1023) as u64) << 52)
}

/// Connected components inside each community (labels `0..count` by first appearance) and
/// count; iterative, so no recursion depth grows with the graph.
fn components_within(graph: &Csr, part: &[u32]) -> (Vec<u32>, usize) {
    const NONE: u32 = u32::MAX;
    let n = graph.n();
    let mut label = vec![NONE; n];
    let mut next = 0u32;
    let mut stack = Vec::new();
    for s in 0..n {
        if label[s] != NONE {
            continue;
        }
        label[s] = next;
        stack.push(s);
        while let Some(v) = stack.pop() {
            for (u, _) in graph.neighbours(v) {
                if label[u] == NONE && part[u] == part[v] {
                    label[u] = next;
                    stack.push(u);
                }
            }
        }
        next += 1;
    }
    (label, next as usize)
}

/// The graph whose nodes are the sub-communities `0..count` of `refined`: edge weights summed,
/// internal edges dropped (their weight stays in the degree).
fn aggregate(graph: &Csr, refined: &[u32], count: usize) -> Csr {
    let n = graph.n();
    let mut start = vec![0usize; count + 1];
    for &r in refined {
        start[r as usize + 1] += 1;
    }
    for c in 0..count {
        start[c + 1] += start[c];
    }
    let mut members = vec![0u32; n];
    let mut fill = start.clone();
    for (v, &r) in refined.iter().enumerate() {
        members[fill[r as usize]] = v as u32;
        fill[r as usize] += 1;
    }

    let mut offsets = Vec::with_capacity(count + 1);
    offsets.push(0);
    let mut targets = Vec::new();
    let mut weights = Vec::new();
    let mut strength = vec![0.0; count];
    let mut nw = NeighbourWeights::new(count);
    for c in 0..count {
        for &v in &members[start[c]..start[c + 1]] {
            strength[c] += graph.strength[v as usize];
            for (u, w) in graph.neighbours(v as usize) {
                let d = refined[u];
                if d as usize != c {
                    nw.add(d, w);
                }
            }
        }
        for &d in &nw.touched {
            targets.push(d);
            weights.push(nw.weight[d as usize]);
        }
        nw.clear();
        offsets.push(targets.len());
    }
    Csr {
        offsets,
        targets,
        weights,
        strength,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{adjusted_rand_index, modularity};

    fn leiden(g: &WeightedGraph, resolution: f64, seed: u64) -> Vec<u32> {
        Leiden::default().partition(g, resolution, seed)
    }

    fn count(labels: &[u32]) -> usize {
        labels.iter().max().map_or(0, |&m| m as usize + 1)
    }

    /// `groups` groups of `size` nodes; each pair inside a group is joined with probability
    /// `p_in`, across groups with `p_out`. Returns the graph and the planted labels.
    fn planted(
        groups: usize,
        size: usize,
        p_in: f64,
        p_out: f64,
        seed: u64,
    ) -> (WeightedGraph, Vec<u32>) {
        let n = groups * size;
        let mut rng = SplitMix64::new(seed);
        let mut g = WeightedGraph::new(n);
        for a in 0..n {
            for b in a + 1..n {
                let p = if a / size == b / size { p_in } else { p_out };
                if rng.unit() < p {
                    g.add_edge(a as u32, b as u32, 1.0);
                }
            }
        }
        (g, (0..n).map(|v| (v / size) as u32).collect())
    }

    /// `cliques` complete graphs of `size` nodes, clique i joined to clique i + 1 (mod count) by
    /// one edge.
    fn ring_of_cliques(cliques: usize, size: usize) -> WeightedGraph {
        let mut g = WeightedGraph::new(cliques * size);
        for c in 0..cliques {
            let first = (c * size) as u32;
            for a in 0..size as u32 {
                for b in a + 1..size as u32 {
                    g.add_edge(first + a, first + b, 1.0);
                }
            }
            let next = (((c + 1) % cliques) * size) as u32;
            g.add_edge(first + size as u32 - 1, next, 1.0);
        }
        g
    }

    /// Sparse random graph with random weights in (0, 2].
    fn random_graph(n: usize, edges: usize, seed: u64) -> WeightedGraph {
        let mut rng = SplitMix64::new(seed);
        let mut g = WeightedGraph::new(n);
        for _ in 0..edges {
            let a = rng.below(n) as u32;
            let b = rng.below(n) as u32;
            g.add_edge(a, b, 2.0 - 2.0 * rng.unit());
        }
        g
    }

    /// Whether every community induces a connected subgraph (BFS over positive edges).
    fn communities_connected(g: &WeightedGraph, labels: &[u32]) -> bool {
        let mut adjacency = vec![Vec::new(); g.n];
        for (a, b, _) in g.effective_edges() {
            adjacency[a as usize].push(b as usize);
            adjacency[b as usize].push(a as usize);
        }
        let mut reached = vec![false; count(labels)];
        let mut visited = vec![false; g.n];
        for s in 0..g.n {
            if visited[s] {
                continue;
            }
            let c = labels[s] as usize;
            if reached[c] {
                return false; // a second component of the same community
            }
            reached[c] = true;
            visited[s] = true;
            let mut queue = VecDeque::from([s]);
            while let Some(v) = queue.pop_front() {
                for &u in &adjacency[v] {
                    if !visited[u] && labels[u] as usize == c {
                        visited[u] = true;
                        queue.push_back(u);
                    }
                }
            }
        }
        true
    }

    fn params(g: &Csr, resolution: f64) -> Params {
        Params {
            scale: resolution / g.strength.iter().sum::<f64>(),
            theta: 0.01,
        }
    }

    #[test]
    fn local_moving_ends_where_few_single_moves_help() {
        // Fast local moving re-queues only the neighbours of a moved node, so a few far-away
        // nodes may be left wanting to move (the paper accepts this); a single sweep without
        // the queue leaves many.
        for seed in 0..4 {
            let g = Csr::from_graph(&random_graph(1_000, 2_500, seed));
            let p = params(&g, 1.0);
            let mut part: Vec<u32> = (0..1_000).collect();
            let mut rng = SplitMix64::new(seed);
            assert!(move_nodes_fast(&g, &mut part, &p, &mut rng));
            let (degree, size) = community_totals(&g, &part, g.n());
            let mut unhappy = 0;
            for v in 0..g.n() {
                let k = g.strength[v];
                let mut to = vec![0.0; g.n()];
                for (u, w) in g.neighbours(v) {
                    to[part[u] as usize] += w;
                }
                let own = part[v] as usize;
                let stay = to[own] - p.scale * k * (degree[own] - k);
                // Alone (a new community) scores 0.
                let alone = size[own] > 1 && stay < -1e-9;
                let elsewhere = g.neighbours(v).any(|(u, _)| {
                    let c = part[u] as usize;
                    c != own && to[c] - p.scale * k * degree[c] > stay + 1e-9
                });
                unhappy += usize::from(alone || elsewhere);
            }
            assert!(
                unhappy <= 5,
                "seed {seed}: {unhappy} nodes would rather move"
            );
        }
    }

    #[test]
    fn local_moving_opens_a_new_community_when_leaving_pays() {
        // Two disjoint triangles started as one community, γ = 2: staying scores
        // 2 − 2 · 2 · 10 / 12 < 0 for every node, so the first node visited leaves for an empty
        // community and its triangle follows.
        let mut wg = WeightedGraph::new(6);
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] {
            wg.add_edge(a, b, 1.0);
        }
        let g = Csr::from_graph(&wg);
        for seed in 0..5 {
            let mut part = vec![0; 6];
            move_nodes_fast(&g, &mut part, &params(&g, 2.0), &mut SplitMix64::new(seed));
            assert_eq!(
                canonical_labels(&part),
                vec![0, 0, 0, 1, 1, 1],
                "seed {seed}"
            );
        }
    }

    #[test]
    fn refinement_splits_communities_into_connected_parts() {
        for seed in 0..4 {
            let g = Csr::from_graph(&random_graph(2_000, 2_600, seed));
            let p = params(&g, 1.0);
            let mut part: Vec<u32> = (0..2_000).collect();
            let mut rng = SplitMix64::new(seed);
            move_nodes_fast(&g, &mut part, &p, &mut rng);
            let communities = renumber(&mut part);
            let (refined, count) = refine(&g, &part, communities, &p, &mut rng);
            assert!(count < g.n() && count >= communities);
            // Each sub-community lies in one community...
            let mut home = vec![u32::MAX; count];
            for v in 0..g.n() {
                let r = refined[v] as usize;
                assert!(home[r] == u32::MAX || home[r] == part[v]);
                home[r] = part[v];
            }
            // ...and is connected.
            let (parts, pieces) = components_within(&g, &refined);
            assert_eq!(pieces, count);
            assert_eq!(canonical_labels(&parts), refined);
        }
    }

    #[test]
    fn refinement_leaves_a_node_alone_that_is_not_well_connected_to_its_community() {
        // Community S = {v=0, a=1, b=2, c=3}, T = {x=4, y=5}; edges v–a 1, v–x 1, a–b 1, b–c 10,
        // x–y 1. 2m = 28, K_S = 25: v has w(v, S − v) = 1 < k_v (K_S − k_v) / 2m = 2 · 23 / 28,
        // so v may not join anything, though joining a alone would gain 1 − 2 · 2 / 28 > 0.
        let mut wg = WeightedGraph::new(6);
        for (a, b, w) in [
            (0, 1, 1.0),
            (0, 4, 1.0),
            (1, 2, 1.0),
            (2, 3, 10.0),
            (4, 5, 1.0),
        ] {
            wg.add_edge(a, b, w);
        }
        let g = Csr::from_graph(&wg);
        let p = params(&g, 1.0);
        let part = [0, 0, 0, 0, 1, 1];
        for seed in 0..20 {
            let (refined, _) = refine(&g, &part, 2, &p, &mut SplitMix64::new(seed));
            assert!(
                (1..6).all(|u| refined[u] != refined[0]),
                "seed {seed}: {refined:?}"
            );
            assert_eq!(refined[4], refined[5], "x and y merge");
        }
    }

    #[test]
    fn own_exp_matches_the_platform_exp() {
        assert_eq!(exp_non_positive(0.0), 1.0);
        assert_eq!(exp_non_positive(-40.5), 0.0);
        for i in 0..=400 {
            let x = -0.1 * f64::from(i);
            let (ours, std) = (exp_non_positive(x), x.exp());
            assert!(
                (ours - std).abs() <= 1e-15 * std,
                "x = {x}: {ours} vs {std}"
            );
        }
    }

    #[test]
    fn pass_modularity_is_the_documented_one() {
        let g = random_graph(300, 900, 4);
        let labels = leiden(&g, 1.3, 0);
        let fast = Csr::from_graph(&g).modularity(&labels, 1.3);
        assert!((fast - modularity(&g, &labels, 1.3)).abs() < 1e-12);
    }

    #[test]
    fn recovers_planted_partition() {
        for seed in 0..5 {
            let (g, truth) = planted(4, 25, 0.5, 0.02, seed);
            let found = leiden(&g, 1.0, seed);
            assert_eq!(found, truth, "graph seed {seed}");
            assert!(adjusted_rand_index(&found, &truth) >= 0.95);
        }
    }

    #[test]
    fn finds_the_cliques_of_a_ring_of_cliques() {
        let g = ring_of_cliques(10, 5);
        let cliques: Vec<u32> = (0..50).map(|v| v / 5).collect();
        for seed in [0, 1, 42] {
            assert_eq!(leiden(&g, 1.0, seed), cliques, "seed {seed}");
        }
    }

    #[test]
    fn reaches_the_known_modularity_optimum_of_zacharys_karate_club() {
        // Zachary (1977), 34 members, 78 ties; the optimum Q is 0.4197896 (Brandes et al.
        // 2008), four communities.
        #[rustfmt::skip]
        const EDGES: [(u32, u32); 78] = [
            (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8), (0, 10), (0, 11),
            (0, 12), (0, 13), (0, 17), (0, 19), (0, 21), (0, 31), (1, 2), (1, 3), (1, 7), (1, 13),
            (1, 17), (1, 19), (1, 21), (1, 30), (2, 3), (2, 7), (2, 8), (2, 9), (2, 13), (2, 27),
            (2, 28), (2, 32), (3, 7), (3, 12), (3, 13), (4, 6), (4, 10), (5, 6), (5, 10), (5, 16),
            (6, 16), (8, 30), (8, 32), (8, 33), (9, 33), (13, 33), (14, 32), (14, 33), (15, 32),
            (15, 33), (18, 32), (18, 33), (19, 33), (20, 32), (20, 33), (22, 32), (22, 33),
            (23, 25), (23, 27), (23, 29), (23, 32), (23, 33), (24, 25), (24, 27), (24, 31),
            (25, 31), (26, 29), (26, 33), (27, 33), (28, 31), (28, 33), (29, 32), (29, 33),
            (30, 32), (30, 33), (31, 32), (31, 33), (32, 33),
        ];
        let mut g = WeightedGraph::new(34);
        for (a, b) in EDGES {
            g.add_edge(a, b, 1.0);
        }
        for seed in 0..10 {
            let labels = leiden(&g, 1.0, seed);
            let q = modularity(&g, &labels, 1.0);
            assert!(q > 0.41978, "seed {seed}: Q = {q}");
            assert_eq!(count(&labels), 4);
        }
    }

    #[test]
    fn same_seed_same_labels() {
        let (g, _) = planted(6, 30, 0.2, 0.03, 7);
        let h = random_graph(2_000, 6_000, 3);
        for seed in [0, 1, u64::MAX] {
            assert_eq!(leiden(&g, 1.0, seed), leiden(&g, 1.0, seed));
            assert_eq!(leiden(&h, 1.5, seed), leiden(&h, 1.5, seed));
        }
    }

    #[test]
    fn labels_are_canonical() {
        let h = random_graph(500, 1_000, 11);
        let labels = leiden(&h, 1.0, 5);
        assert_eq!(labels, canonical_labels(&labels));
    }

    #[test]
    fn every_community_is_connected() {
        for seed in 0..6 {
            // Sparse graphs with long paths are where Louvain leaves disconnected communities.
            let g = random_graph(3_000, 3_600 + 300 * seed as usize, seed);
            for resolution in [0.5, 1.0, 2.0] {
                let labels = leiden(&g, resolution, seed);
                assert!(
                    communities_connected(&g, &labels),
                    "seed {seed}, resolution {resolution}"
                );
            }
        }
    }

    #[test]
    fn higher_resolution_gives_at_least_as_many_communities() {
        let g = ring_of_cliques(10, 5);
        let counts: Vec<usize> = [0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0]
            .iter()
            .map(|&r| count(&leiden(&g, r, 3)))
            .collect();
        assert!(counts.windows(2).all(|w| w[0] <= w[1]), "{counts:?}");
        assert_eq!(counts[0], 1, "γ = 0: everything connected is one community");
        assert_eq!(counts[4], 10);
        assert_eq!(*counts.last().unwrap(), 50, "γ = 20: all apart");
    }

    #[test]
    fn improves_on_the_partition_it_starts_from() {
        // Q of the result is at least that of the planted partition on a noisy graph.
        let (g, truth) = planted(5, 40, 0.15, 0.05, 9);
        let found = leiden(&g, 1.0, 1);
        assert!(modularity(&g, &found, 1.0) >= modularity(&g, &truth, 1.0) - 1e-9);
    }

    #[test]
    fn empty_graph() {
        assert!(leiden(&WeightedGraph::default(), 1.0, 0).is_empty());
    }

    #[test]
    fn nodes_without_edges_are_singletons() {
        assert_eq!(leiden(&WeightedGraph::new(4), 1.0, 0), vec![0, 1, 2, 3]);
        // Isolated nodes next to a community, and edges that do not count as edges.
        let mut g = WeightedGraph::new(6);
        for (a, b) in [(1, 2), (2, 3), (1, 3)] {
            g.add_edge(a, b, 1.0);
        }
        g.add_edge(0, 5, 0.0);
        g.add_edge(0, 4, -2.0);
        g.add_edge(4, 4, 3.0);
        assert_eq!(leiden(&g, 1.0, 0), vec![0, 1, 1, 1, 2, 3]);
    }

    #[test]
    fn two_components_are_two_communities() {
        let mut g = WeightedGraph::new(6);
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] {
            g.add_edge(a, b, 1.0);
        }
        assert_eq!(leiden(&g, 1.0, 0), vec![0, 0, 0, 1, 1, 1]);
        // Even at γ = 0, where one community would score the same.
        assert_eq!(leiden(&g, 0.0, 0), vec![0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn parallel_edges_count_as_their_sum() {
        // Two triangles joined by a bridge of weight 10, given once or as ten parallel edges: the
        // same partition, with the bridge's ends together (it outweighs everything else).
        let mut g = WeightedGraph::new(6);
        for (a, b) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] {
            g.add_edge(a, b, 1.0);
        }
        let mut heavy = g.clone();
        heavy.add_edge(2, 3, 10.0);
        for _ in 0..10 {
            g.add_edge(3, 2, 1.0);
        }
        let expected = leiden(&heavy, 1.0, 0);
        assert_eq!(expected[2], expected[3]);
        assert_eq!(leiden(&g, 1.0, 0), expected);
    }

    #[test]
    fn negative_resolution_is_a_bug() {
        // A caller bug, not input: it must stop loudly rather than return a partition.
        let result = std::panic::catch_unwind(|| leiden(&WeightedGraph::new(2), -1.0, 0));
        assert!(result.is_err());
    }
}
