//! Rendering an analysis: one renderer per format. Only this module knows output formats.

mod json;
mod text;

use std::io::{self, Write};

use crate::analysis::Analysis;

pub use json::render_json;
pub use text::render_text;

/// Output formats of `seam analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Render `analysis` in `format` to `out`.
pub fn render(
    analysis: &Analysis,
    format: Format,
    root: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => render_text(analysis, root, out),
        Format::Json => render_json(analysis, out),
    }
}
