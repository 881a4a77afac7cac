//! The HTML report: one self-contained page (inline CSS and SVG, no script, no external
//! resource) rendered by askama from `templates/report.html`. Everything from the repository
//! reaches the page through askama's escaping; nothing here is marked safe; and the page
//! through [`crate::visible`], so a bidirectional override or a control character shows as
//! `\u{202e}` instead of reordering or hiding the text around it. This module turns
//! the document into plain view structs (strings and numbers); the template only lays them out.

mod svg;
mod view;

use askama::Template;

use super::Document;
pub use view::Meta;

/// Renders the page. `source_url` turns evidence into links: `{file}` and `{line}` are
/// replaced (`https://github.com/o/r/blob/main/{file}#L{line}`).
pub fn render_html(
    doc: &Document<'_>,
    meta: &Meta,
    source_url: Option<&str>,
) -> Result<String, String> {
    let page = view::page(doc, meta, source_url);
    page.render()
        .map(|html| match crate::visible::visible(&html) {
            // Nothing to escape (the common page): no copy of it.
            std::borrow::Cow::Borrowed(_) => html,
            std::borrow::Cow::Owned(shown) => shown,
        })
        .map_err(|e| format!("cannot render the HTML report: {e}"))
}
