//! How strongly each kind of dependency binds two things into one service: the only place the
//! weights live. Data binds harder than calls (two functions writing one table belong together
//! more than a caller and a callee), structure (a method and its class, a model and its table)
//! hardest; module co-membership and imports only break ties.

use crate::analysis::EdgeKind;

/// Base weight of one edge of each kind.
pub fn base(kind: EdgeKind) -> f64 {
    match kind {
        // A model class and its table are one thing seen from two sides.
        EdgeKind::Maps => 10.0,
        // Writing a table is owning it.
        EdgeKind::Writes => 8.0,
        // A method lives with its class; a nested function with its parent.
        EdgeKind::Contains => 6.0,
        EdgeKind::Reads => 3.0,
        EdgeKind::Calls => 2.0,
        EdgeKind::Enqueues => 2.0,
        // A foreign key binds a child to its parent; see [`reference`] for how hub tables
        // (referenced from everywhere) are discounted.
        EdgeKind::References => 6.0,
        // A subclass leans on its base; a base shared by many classes is a kernel candidate
        // (see `kernel`) and then binds nothing.
        EdgeKind::Inherits => 2.0,
        // A declared `relationship()`: the models are navigated together. Discounted for
        // targets many models relate to, like foreign keys (see [`reference`]).
        EdgeKind::Relates => 3.0,
        // Module → module imports: ties only.
        EdgeKind::Imports => 0.3,
        // Routes are not clustered: they follow their handler.
        EdgeKind::Handles => 0.0,
        // The decorated def's `calls` edge to its decorator (the decoration) already binds
        // them; the wrapper calling back is the same tie seen from the other side.
        EdgeKind::Wraps => 0.0,
    }
}

/// Weight of a module → member `contains` edge: co-membership in a module is evidence of one
/// author's intent, weaker than a call (classic monoliths mix domains in one `views.py`).
pub const MODULE_MEMBERSHIP: f64 = 1.0;

/// Weight of a pair of modules that always change together (co-change degree 1.0), added
/// between their module nodes with `--co-change`: logical coupling predicts extraction pain
/// about as well as a call does.
pub const CO_CHANGE: f64 = 2.0;

/// The weight of a foreign key to a table that `referencing` tables point at. A table referenced
/// by one child forms an aggregate with it (`comments.task_id` → `tasks`: bind hard); a hub
/// table referenced from everywhere (`users`, `accounts`) is shared reference data, and each
/// of its many foreign keys says little about where the child belongs.
pub fn reference(referencing: usize) -> f64 {
    base(EdgeKind::References) / referencing.max(1) as f64
}

/// The weight of a call (or enqueue) made `count` times to a symbol that `callers` distinct
/// symbols call. A function called from one place belongs with its caller; one called from
/// everywhere (an `audit()` every write path calls) says less about each caller's home, as a
/// hub table's foreign keys do, but more gently: it is still a real dependency.
pub fn call(kind: EdgeKind, count: u32, callers: usize) -> f64 {
    weight(kind, count) / (callers.max(1) as f64).sqrt()
}

/// The weight of an edge of `kind` that occurs `count` times: repeated use adds, but with
/// diminishing returns (ten calls are not ten times one call).
pub fn weight(kind: EdgeKind, count: u32) -> f64 {
    base(kind) * (1.0 + f64::from(count.max(1)).ln())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_binds_harder_than_calls_and_repetition_saturates() {
        assert!(weight(EdgeKind::Writes, 1) > weight(EdgeKind::Calls, 1));
        assert!(weight(EdgeKind::Writes, 1) > weight(EdgeKind::Calls, 5));
        assert!(weight(EdgeKind::Reads, 1) > weight(EdgeKind::Calls, 1));
        assert!(weight(EdgeKind::Maps, 1) > weight(EdgeKind::Writes, 1));
        assert!(weight(EdgeKind::Calls, 10) < 10.0 * weight(EdgeKind::Calls, 1));
        assert!(weight(EdgeKind::Calls, 2) > weight(EdgeKind::Calls, 1));
        assert_eq!(weight(EdgeKind::Handles, 3), 0.0);
        assert_eq!(weight(EdgeKind::Calls, 0), weight(EdgeKind::Calls, 1));
        assert!(
            reference(1) > weight(EdgeKind::Reads, 1),
            "an aggregate binds harder than a read"
        );
        assert!(
            reference(6) < weight(EdgeKind::Calls, 1),
            "a hub's foreign keys bind less than a call"
        );
        assert_eq!(call(EdgeKind::Calls, 1, 1), weight(EdgeKind::Calls, 1));
        assert!(
            call(EdgeKind::Calls, 1, 4) < call(EdgeKind::Calls, 1, 1),
            "a call to a function everyone calls says less about the caller's home"
        );
        assert!(
            call(EdgeKind::Calls, 1, 100) > reference(100),
            "but a call still binds more than a hub's foreign key"
        );
    }
}
