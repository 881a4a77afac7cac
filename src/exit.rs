//! Exit codes, in one place: 0 success (even with diagnostics), 1 findings (for `check`, later),
//! 2 usage or input error.

pub const OK: i32 = 0;
pub const FINDINGS: i32 = 1;
pub const USAGE: i32 = 2;
