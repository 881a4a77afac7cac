//! Syntax errors become diagnostics (the first few regions, with a count), and the walk goes on
//! with what tree-sitter recovered. A hint is added when the error looks like Python 2.

use seam_facts::{Diagnostic, Severity};
use tree_sitter::Node;

use crate::walker::Walker;

/// Regions reported one by one per file; the rest are counted in the last message.
const MAX_REPORTED: u32 = 3;

impl<'s, 't> Walker<'s, 't> {
    pub(crate) fn syntax_error(&mut self, node: Node<'t>) {
        self.syntax_errors += 1;
        if self.syntax_errors > MAX_REPORTED {
            return;
        }
        let line = Self::line(node);
        let snippet = line_text(self.src, node.start_position().row);
        let hint = if looks_like_python2(snippet) {
            " (this looks like Python 2, which seam does not parse)"
        } else {
            ""
        };
        let what = if node.is_missing() {
            format!("missing `{}`", node.kind())
        } else {
            "invalid syntax".to_owned()
        };
        self.file.diagnostics.push(Diagnostic::new(
            self.path,
            line,
            Severity::Error,
            format!("Python syntax error: {what}{hint}; the rest of the file was analysed"),
        ));
    }

    /// tree-sitter-python still accepts `print x` and `exec code`: analyse, but say so once.
    pub(crate) fn python2_statement(&mut self, node: Node<'t>) {
        if self.python2_reported {
            return;
        }
        self.python2_reported = true;
        self.file.diagnostics.push(Diagnostic::new(
            self.path,
            Self::line(node),
            Severity::Warning,
            format!(
                "Python 2 syntax (`{}` statement): analysed as far as Python 3 rules allow",
                node.kind().trim_end_matches("_statement")
            ),
        ));
    }

    pub(crate) fn finish_syntax_errors(&mut self, root: Node<'t>) {
        if self.syntax_errors > MAX_REPORTED {
            let more = self.syntax_errors - MAX_REPORTED;
            self.file.diagnostics.push(Diagnostic::new(
                self.path,
                Self::line(root),
                Severity::Error,
                format!("{more} more Python syntax error regions in this file"),
            ));
        }
    }
}

fn line_text(src: &[u8], row: usize) -> &str {
    let text_all = std::str::from_utf8(src).unwrap_or("");
    text_all.lines().nth(row).unwrap_or("")
}

fn looks_like_python2(line: &str) -> bool {
    let t = line.trim_start();
    let print_stmt = t.starts_with("print ") && !t.starts_with("print (")
        || t.starts_with("print\"")
        || t.starts_with("print'");
    let except_comma = t.starts_with("except ") && t.contains(',') && !t.contains('(');
    let exec_stmt = t.starts_with("exec ") && !t.starts_with("exec (");
    let octal_or_backtick = t.contains('`') || t.starts_with("raise ") && t.contains(", ");
    print_stmt
        || except_comma
        || exec_stmt
        || octal_or_backtick
        || t.contains("ur\"")
        || t.contains("<>")
}
