//! Co-change (logical) coupling from git history, as code-maat and CodeScene measure it: files
//! that change in the same commits. For a pair, `shared` is the number of commits touching
//! both and `degree` = shared / mean(revisions of each): 1.0 means they always change
//! together. Commits touching many files (mass renames, formatting) are left out: they couple
//! everything with everything and say nothing.

use std::collections::BTreeMap;

use seam_facts::ids::module_of_path;
use serde::Serialize;

/// Commits touching more files than this are ignored (code-maat's default changeset limit).
pub const MAX_CHANGESET: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub shared: u32,
    pub revisions_a: u32,
    pub revisions_b: u32,
    pub degree: f64,
}

/// Pairs changed together in at least `min_shared` commits, strongest first.
pub fn pairs(changesets: &[Vec<String>], min_shared: u32) -> Vec<Pair> {
    let mut revisions: BTreeMap<&str, u32> = BTreeMap::new();
    let mut shared: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for files in changesets.iter().filter(|f| f.len() <= MAX_CHANGESET) {
        let mut files: Vec<&str> = files.iter().map(String::as_str).collect();
        files.sort_unstable();
        files.dedup();
        for (i, a) in files.iter().enumerate() {
            *revisions.entry(a).or_default() += 1;
            for b in &files[i + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    let mut out: Vec<Pair> = shared
        .into_iter()
        .filter(|(_, n)| *n >= min_shared.max(1))
        .map(|((a, b), n)| {
            let (ra, rb) = (revisions[a], revisions[b]);
            Pair {
                a: a.to_owned(),
                b: b.to_owned(),
                shared: n,
                revisions_a: ra,
                revisions_b: rb,
                degree: (f64::from(n) / ((f64::from(ra) + f64::from(rb)) / 2.0) * 1e4).round()
                    / 1e4,
            }
        })
        .collect();
    out.sort_by(|x, y| {
        y.degree
            .total_cmp(&x.degree)
            .then(y.shared.cmp(&x.shared))
            .then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    out
}

/// Module pairs for the clustering (`--co-change`): file pairs changed together at least
/// twice, mapped to their modules, the strongest degree per module pair.
pub fn module_pairs(changesets: &[Vec<String>]) -> Vec<(String, String, f64)> {
    let mut best: BTreeMap<(String, String), f64> = BTreeMap::new();
    for p in pairs(changesets, 2) {
        let (a, b) = (module_of_path(&p.a), module_of_path(&p.b));
        if a == b {
            continue;
        }
        let key = if a < b { (a, b) } else { (b, a) };
        let e = best.entry(key).or_insert(0.0);
        *e = e.max(p.degree);
    }
    best.into_iter().map(|((a, b), d)| (a, b, d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[&str]) -> Vec<String> {
        files.iter().map(|f| (*f).to_owned()).collect()
    }

    #[test]
    fn degree_is_shared_over_mean_revisions() {
        let history = vec![
            set(&["a.py", "b.py"]),
            set(&["a.py", "b.py"]),
            set(&["a.py", "c.py"]),
            set(&["a.py"]),
        ];
        let p = pairs(&history, 1);
        assert_eq!(p[0].a, "a.py");
        assert_eq!(p[0].b, "b.py");
        assert_eq!(p[0].shared, 2);
        // a: 4 revisions, b: 2 → 2 / 3.
        assert!((p[0].degree - 0.6667).abs() < 1e-4);
        assert_eq!(pairs(&history, 2).len(), 1, "min_shared filters");
        // A mass change couples nothing.
        let huge: Vec<String> = (0..40).map(|i| format!("f{i}.py")).collect();
        assert!(pairs(&[huge.clone(), huge], 1).is_empty());
    }

    #[test]
    fn module_pairs_join_files_into_modules() {
        let history = vec![
            set(&["shop/orders/services.py", "shop/billing/services.py"]),
            set(&["shop/orders/services.py", "shop/billing/services.py"]),
        ];
        assert_eq!(
            module_pairs(&history),
            [(
                "shop.billing.services".to_owned(),
                "shop.orders.services".to_owned(),
                1.0
            )]
        );
        // Once is not a pattern.
        assert!(module_pairs(&history[..1]).is_empty());
    }
}
