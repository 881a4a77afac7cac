//! The one fact model every seam front end emits and the core consumes.
//!
//! Plain serde structs, no logic beyond id construction: a front end fills them from its syntax
//! tree and forgets the tree; the core (`seam::resolve`) turns them into the graph. Front ends
//! depend on this crate, never the reverse, and never on each other.

pub mod diagnostic;
pub mod ids;
pub mod interned;
pub mod python;
pub mod spec;
pub mod sql;

pub use diagnostic::{Diagnostic, Severity};
