//! Rendering an analysis: one renderer per format. Only this module knows output formats.

mod graphs;
pub mod html;
mod json;
mod text;
pub mod wire;

use std::io::{self, Write};

use serde::Serialize;

use crate::analysis::Analysis;
use crate::cluster::Proposal;

pub use json::render_json;
pub use text::render_text;

/// What the reports render: the analysis and, when clustering ran, the proposal. In JSON both
/// sit at the top level (`nodes`, `edges`, ..., then `services`, `metrics`, ...; see `json.rs`).
#[derive(Debug)]
pub struct Document<'a> {
    pub analysis: &'a Analysis,
    pub proposal: Option<&'a Proposal>,
    pub advice: Option<&'a crate::advice::Advice>,
    /// The code measured against `seam.toml`, when the repository has one.
    pub accepted: Option<&'a Accepted>,
}

/// The code against the accepted boundaries (`seam.toml`), next to seam's own proposal.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Accepted {
    pub config: String,
    /// Dependencies that cross a boundary, allowed or not.
    pub crossings: usize,
    pub violations: Vec<crate::boundaries::Violation>,
    /// Symbols placed by their module or callers rather than by a pattern (new code).
    pub inferred: usize,
}

/// Output formats of `seam analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// The service map as Graphviz dot.
    Dot,
    /// The service map as a Mermaid flowchart.
    Mermaid,
}

/// Render `analysis` in `format` to `out`.
pub fn render(
    doc: &Document<'_>,
    format: Format,
    root: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text(doc, root, out),
        Format::Json => render_json(doc, out),
        Format::Dot => graphs::render_dot(doc, out),
        Format::Mermaid => graphs::render_mermaid(doc, out),
    }
}
