//! A bound on the work of one name resolution. The resolvers recurse into each other (a
//! member's type is an attribute's assignment, whose value is a call, whose result is another
//! member...), each step bounded in depth by `names::MAX_HOPS` but not in breadth: where a
//! class hierarchy offers many `self.x = ...` candidates at each level, the search is
//! exponential in the depth (numpy with its vendored meson: more than ten minutes in one
//! resolution pass, issue 15). Real queries take tens of steps; one that spends
//! [`MAX_STEPS`] gives up (its name is `Dynamic`, as an untyped name is) and is counted, so
//! the analysis says how often that happened.
//!
//! The count lives on the thread: the outermost entry into name resolution on a thread
//! starts a budget, nested entries spend it. A memo filled in the middle of a query (the ORM
//! scan of a unit) is filled with a budget of its own ([`fresh`]), so its contents do not
//! depend on which query happened to fill it first, and the output stays deterministic.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Entries into name resolution one outermost query may make.
pub(crate) const MAX_STEPS: u32 = 20_000;

#[derive(Clone, Copy)]
struct Work {
    /// Nesting of entries on this thread (0: no query running).
    depth: u32,
    /// Steps the running outermost query has taken.
    used: u32,
}

thread_local! {
    static WORK: Cell<Work> = const { Cell::new(Work { depth: 0, used: 0 }) };
}

/// One entry into name resolution, spent from the running query's budget; leaving the
/// outermost entry of a query that ran out counts it in `stopped`.
pub(crate) struct Step<'s> {
    stopped: &'s AtomicU64,
}

impl<'s> Step<'s> {
    /// `None` when the running query has spent its budget: the caller gives up.
    pub(crate) fn enter(stopped: &'s AtomicU64) -> Option<Self> {
        WORK.with(|w| {
            let mut work = w.get();
            if work.depth == 0 {
                work.used = 0;
            }
            if work.used >= MAX_STEPS {
                return None;
            }
            work.depth += 1;
            work.used += 1;
            w.set(work);
            Some(Step { stopped })
        })
    }
}

impl Drop for Step<'_> {
    fn drop(&mut self) {
        WORK.with(|w| {
            let mut work = w.get();
            work.depth -= 1;
            if work.depth == 0 && work.used >= MAX_STEPS {
                self.stopped.fetch_add(1, Ordering::Relaxed);
            }
            w.set(work);
        });
    }
}

/// Runs `f` as outermost queries of its own, then restores the running query's budget.
pub(crate) fn fresh<T>(f: impl FnOnce() -> T) -> T {
    let saved = WORK.with(|w| w.replace(Work { depth: 0, used: 0 }));
    let out = f();
    WORK.with(|w| w.set(saved));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A search that branches twice per level, 30 levels deep: 2^31 entries unbounded.
    fn branch(stopped: &AtomicU64, depth: u32, visits: &mut u64) {
        let Some(_step) = Step::enter(stopped) else {
            return;
        };
        *visits += 1;
        if depth < 30 {
            branch(stopped, depth + 1, visits);
            branch(stopped, depth + 1, visits);
        }
    }

    #[test]
    fn an_exponential_search_stops_at_the_budget_and_is_counted_once() {
        let stopped = AtomicU64::new(0);
        let mut visits = 0;
        branch(&stopped, 0, &mut visits);
        assert_eq!(visits, u64::from(MAX_STEPS));
        assert_eq!(stopped.load(Ordering::Relaxed), 1);
        // The next query has a budget of its own.
        let mut visits = 0;
        branch(&stopped, 25, &mut visits);
        assert_eq!(visits, 63);
        assert_eq!(stopped.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_memo_filled_mid_query_has_its_own_budget() {
        let stopped = AtomicU64::new(0);
        let held: Vec<Step<'_>> = (0..MAX_STEPS)
            .map(|_| Step::enter(&stopped).unwrap())
            .collect();
        assert!(Step::enter(&stopped).is_none(), "the outer query is spent");
        let mut visits = 0;
        fresh(|| branch(&stopped, 25, &mut visits));
        assert_eq!(visits, 63);
        assert!(Step::enter(&stopped).is_none(), "and still spent after");
        drop(held);
        assert_eq!(stopped.load(Ordering::Relaxed), 1);
    }
}
