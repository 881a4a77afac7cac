//! Guard against deep operator chains. sqlparser's recursion limit bounds nesting (parentheses,
//! subqueries) but not chains: `a = 1 OR a = 2 OR ...` parses in a loop into a left-deep tree
//! as deep as the chain is long, and dropping or visiting that tree recurses once per link
//! (60 000 links overflow a 2 MiB thread stack inside sqlparser's own `Drop`). A cheap lexical
//! bound on chain length decides whether a statement is analysed on the caller's stack, on a
//! helper thread with a stack sized to fit, or refused.

use crate::lex::{Kind, Lexer};

/// Chains up to this long are analysed on the caller's stack (fits 2 MiB in debug builds).
const INLINE: usize = 1000;
/// Chains longer than this are refused rather than given an enormous stack.
const MAX: usize = 100_000;
/// Set operations (`UNION`, `INTERSECT`, `EXCEPT`) beyond this are refused, whatever the
/// stack: each is a whole `SELECT` in sqlparser's tree, about 13 KB, so 99,000 `UNION ALL
/// SELECT 1` took 1.3 GB (issue 15, D4). At 4,096 a statement's tree stays near 50 MB; no
/// application query unions that many selects (an operator link is a few hundred bytes, so
/// `MAX` bounds those).
const MAX_SET_OPS: usize = 4_096;
/// Stack per chain link on the helper thread: frames of the visitors and of `Drop`, with a
/// wide margin for unoptimised builds. The memory is reserved, and only touched if used.
const PER_LINK: usize = 8 * 1024;
const BASE_STACK: usize = 16 * 1024 * 1024;

/// Runs `analysis` (parse, extract, drop) where its recursion on `sql` is safe.
pub(crate) fn run<R: Send>(sql: &str, analysis: impl FnOnce() -> R + Send) -> Result<R, String> {
    let chains = chain_bound(sql);
    if chains.set_ops > MAX_SET_OPS {
        return Err(format!(
            "SQL not analysed: {} set operations (UNION, INTERSECT, EXCEPT), over {MAX_SET_OPS}",
            chains.set_ops
        ));
    }
    let depth = chains.total();
    if depth <= INLINE {
        return Ok(analysis());
    }
    if depth > MAX {
        return Err(format!(
            "SQL not analysed: operator chain too long (up to {depth} links)"
        ));
    }
    let stack = BASE_STACK + depth * PER_LINK;
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("seam-sql-deep".into())
            .stack_size(stack)
            .spawn_scoped(scope, analysis)
            .map_err(|e| format!("SQL not analysed: operator chain too long (no thread: {e})"))?;
        handle
            .join()
            .map_err(|_| "SQL not analysed: analysis failed".to_owned())
    })
}

/// An upper bound on the longest operator chain in `sql`: operators and chaining keywords are
/// counted per parenthesis level (a `,` ends an expression at its level); the bound is the
/// largest sum over the open levels, plus every set operation (UNION chains cross commas).
pub(crate) fn chain_bound(sql: &str) -> Chains {
    let mut levels: Vec<usize> = vec![0];
    let mut open = 0usize; // sum of `levels`
    let mut deepest = 0usize;
    let mut set_ops = 0usize;
    for (kind, range) in Lexer::new(sql) {
        if kind != Kind::Code {
            continue;
        }
        let b = &sql.as_bytes()[range];
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let mut link = false;
            match c {
                b'(' => levels.push(0),
                b'[' => {
                    link = true;
                    levels.push(0);
                }
                b')' | b']' if levels.len() > 1 => {
                    open = open.saturating_sub(levels.pop().unwrap_or(0));
                }
                b',' => {
                    if let Some(top) = levels.last_mut() {
                        open = open.saturating_sub(*top);
                        *top = 0;
                    }
                }
                b'=' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&'
                | b'#' | b'~' | b'!' | b'@' | b':' | b'?' => {
                    link = true;
                    while b
                        .get(i + 1)
                        .is_some_and(|n| b"=<>+-*/%^|&#~!@:?".contains(n))
                    {
                        i += 1;
                    }
                }
                c if c.is_ascii_alphabetic() => {
                    let start = i;
                    while b.get(i + 1).is_some_and(|&n| crate::lex::is_ident_byte(n)) {
                        i += 1;
                    }
                    let word = &b[start..=i];
                    if word.len() > 9 {
                        // Longer than any keyword below.
                    } else if ["union", "intersect", "except"]
                        .iter()
                        .any(|k| word.eq_ignore_ascii_case(k.as_bytes()))
                    {
                        set_ops += 1;
                    } else {
                        link = CHAINING
                            .iter()
                            .any(|k| word.eq_ignore_ascii_case(k.as_bytes()));
                    }
                }
                _ => {}
            }
            if link && let Some(top) = levels.last_mut() {
                *top += 1;
                open += 1;
                deepest = deepest.max(open);
            }
            i += 1;
        }
    }
    Chains { deepest, set_ops }
}

/// What [`chain_bound`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chains {
    /// The longest operator chain at any level.
    pub deepest: usize,
    /// Set operations in the whole statement.
    pub set_ops: usize,
}

impl Chains {
    /// The bound on the tree's depth.
    pub fn total(self) -> usize {
        self.deepest + self.set_ops
    }
}

/// Keywords that make a binary or postfix node in sqlparser's expression loop.
const CHAINING: &[&str] = &[
    "and", "or", "not", "is", "in", "like", "ilike", "similar", "between", "collate", "at",
    "overlaps",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_count_but_lists_do_not() {
        assert_eq!(chain_bound("SELECT 1").total(), 0);
        assert!(chain_bound("SELECT * FROM t WHERE a = 1 AND b = 2").total() <= 4);
        let values = format!(
            "INSERT INTO t VALUES {}",
            vec!["(-1, 'a-b', x::int)"; 10_000].join(", ")
        );
        assert!(chain_bound(&values).total() <= 3);
        let ors = format!("SELECT 1 WHERE {}", vec!["a = 1"; 1000].join(" OR "));
        assert!(chain_bound(&ors).total() >= 1999);
        let unions = vec!["SELECT 1, 2"; 1000].join(" UNION ");
        assert!(chain_bound(&unions).total() >= 999);
    }

    #[test]
    fn long_chains_run_on_a_big_stack() {
        let ors = format!(
            "SELECT 1 FROM t WHERE {}",
            vec!["a = 1"; 20_000].join(" OR ")
        );
        let n = run(&ors, || crate::parse::parse(&ors).map(|s| s.len()));
        assert_eq!(n, Ok(Ok(1)));
    }
}
