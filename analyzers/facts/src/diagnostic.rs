//! Problems found while reading input: they are reported with file:line, never dropped.

use serde::{Deserialize, Serialize};

/// How bad a problem is. `Error`: part of a file could not be analysed; `Warning`: analysed,
/// but with less certainty (templated SQL, Python 2 syntax); `Info`: worth knowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One problem, located. `line` is 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub file: String,
    pub line: u32,
    pub severity: Severity,
    pub message: String,
    /// Set on self-checks: the kind of thing seam saw but could not read (`route-unbound`,
    /// `model-without-table`...), so the summary can count them by kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &str, line: u32, severity: Severity, message: impl Into<String>) -> Self {
        Self {
            file: file.to_owned(),
            line,
            severity,
            message: message.into(),
            check: None,
        }
    }

    /// This diagnostic is a self-check of kind `check` (see [`Diagnostic::check`]).
    pub fn with_check(mut self, check: &str) -> Self {
        self.check = Some(check.to_owned());
        self
    }
}
