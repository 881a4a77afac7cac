//! Disjoint sets over `0..n` (path halving; the smaller index becomes the root, so roots are
//! stable whatever the order of unions): aggregates joined into services, columns joined
//! into shard-key domains.

#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
        }
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.parent[ra.max(rb)] = ra.min(rb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_member_is_the_root() {
        let mut u = UnionFind::new(5);
        u.union(4, 2);
        u.union(2, 3);
        u.union(1, 0);
        assert_eq!((u.find(4), u.find(3), u.find(2)), (2, 2, 2));
        assert_eq!(u.find(1), 0);
        u.union(3, 0);
        assert!((0..5).all(|i| u.find(i) == 0));
    }
}
