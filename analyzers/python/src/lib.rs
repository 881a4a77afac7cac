//! seam's Python front end: tree-sitter-python syntax trees → [`seam_facts::python::PyFile`].
//!
//! The syntax tree never leaves this crate: one iterative walk (an explicit stack, so a
//! 100,000-deep expression cannot overflow the call stack) summarises each file into plain facts.
//! Parsing never fails: a file with syntax errors yields what tree-sitter recovered, plus
//! diagnostics. This crate knows nothing of SQL beyond "this string is SQL".

mod calls;
mod data_literals;
mod defs;
mod exprs;
mod fields;
mod imports;
mod kinds;
mod strings;
mod syntax_errors;
mod walker;

use seam_facts::python::PyFile;

pub use strings::looks_like_sql;

/// A reusable parser. tree-sitter parsers are not `Sync`: keep one per thread (`map_init`).
pub struct PythonParser {
    parser: tree_sitter::Parser,
}

impl std::fmt::Debug for PythonParser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PythonParser")
    }
}

impl Default for PythonParser {
    fn default() -> Self {
        Self::new()
    }
}

impl PythonParser {
    pub fn new() -> Self {
        let mut parser = tree_sitter::Parser::new();
        // The grammar is compiled into this crate, so its ABI always matches: a failure here is
        // a build defect, not an input problem.
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python grammar matches the tree-sitter runtime");
        Self { parser }
    }

    /// Parse only, with no fact extraction: the baseline the benchmark compares the whole
    /// analysis against. Returns whether the tree has syntax errors.
    pub fn parse_only(&mut self, source: &str) -> bool {
        self.parser
            .parse(source, None)
            .is_none_or(|t| t.root_node().has_error())
    }

    /// Facts of one file. `rel_path` (relative to the analysed root, `/`-separated) names the
    /// module and locates diagnostics.
    pub fn analyze(&mut self, source: &str, rel_path: &str) -> PyFile {
        let module = seam_facts::ids::module_of_path(rel_path);
        let is_package = seam_facts::ids::is_package_init(rel_path);
        let lines = count_lines(source);
        // Data groups are cut first: what tree-sitter holds is then bounded by the file's
        // code, not by its data (see `data_literals`).
        let (source, cuts) = data_literals::cut(source);
        let source = source.as_ref();
        let Some(tree) = self.parser.parse(source, None) else {
            let mut file = PyFile {
                module: module.into(),
                is_package,
                lines,
                ..PyFile::default()
            };
            file.diagnostics.push(seam_facts::Diagnostic::new(
                rel_path,
                0,
                seam_facts::Severity::Error,
                "tree-sitter could not parse this file; it was skipped",
            ));
            return file;
        };
        let mut file = walker::walk(&tree, source.as_bytes(), rel_path);
        drop(tree);
        // Cuts come in source order: each line is counted on from the last one's, so many
        // cuts in one file cost one pass over it, not one each.
        let (mut line, mut counted) = (1u32, 0usize);
        for c in cuts {
            let newlines = source.as_bytes()[counted..c.start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            line = line.saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
            counted = c.start;
            file.diagnostics.push(seam_facts::Diagnostic::new(
                rel_path,
                line,
                seam_facts::Severity::Info,
                format!(
                    "a data literal of {} values: only its first {} were read",
                    c.values,
                    data_literals::KEEP
                ),
            ));
        }
        file.module = module.into();
        file.is_package = is_package;
        file.lines = lines;
        file.compact();
        file
    }
}

/// Lines as editors count them (a trailing newline does not start a new line).
pub fn count_lines(source: &str) -> u32 {
    if source.is_empty() {
        return 0;
    }
    let newlines = source.bytes().filter(|&b| b == b'\n').count();
    let extra = usize::from(!source.ends_with('\n'));
    u32::try_from(newlines + extra).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests;
