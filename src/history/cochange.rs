//! Co-change (logical) coupling from git history, as code-maat and CodeScene measure it: files
//! that change in the same commits. For a pair, `shared` is the number of commits touching
//! both and `degree` = shared / mean(revisions of each): 1.0 means they always change
//! together. Commits touching many files (mass renames, formatting) are left out: they couple
//! everything with everything and say nothing.

use std::collections::BTreeMap;

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
}
