//! Reading files and running the front ends on them, in parallel (rayon, one tree-sitter parser
//! per worker thread, no shared state). Each file yields its facts or a diagnostic; a bad file
//! never stops the others.

use rayon::prelude::*;
use seam_facts::python::PyFile;
use seam_facts::sql::SqlFacts;
use seam_facts::{Diagnostic, Severity};
use seam_python::PythonParser;

use crate::discover::{Language, SourceFile};

/// Files above this size are skipped with a diagnostic: they are generated (bundles, protobuf
/// stubs, data dumps), not code anyone will split, and they would dominate time and memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// What one Python file yields: its facts and, for each of its SQL strings, the SQL facts
/// (same order as `facts.sql`).
#[derive(Debug, Clone)]
pub struct PythonUnit {
    pub file: SourceFile,
    pub facts: PyFile,
    pub sql: Vec<SqlFacts>,
}

/// What one `.sql` file yields.
#[derive(Debug, Clone)]
pub struct SqlUnit {
    pub file: SourceFile,
    pub lines: u32,
    pub facts: SqlFacts,
}

/// What one file declaring routes outside Python yields (`seam_spec`).
#[derive(Debug, Clone)]
pub struct SpecUnit {
    pub file: SourceFile,
    pub facts: seam_facts::spec::SpecFile,
}

/// Everything the front ends produced, sorted by file.
#[derive(Debug, Default)]
pub struct Loaded {
    pub python: Vec<PythonUnit>,
    pub sql: Vec<SqlUnit>,
    pub specs: Vec<SpecUnit>,
    /// Files read but not analysed (binary, too large, unreadable), with a diagnostic each.
    pub skipped: u32,
    pub diagnostics: Vec<Diagnostic>,
}

/// A file's outcome with the diagnostics its front ends raised.
pub type FileOutcome = (Outcome, Vec<Diagnostic>);

/// What one file yields: facts, or a reason it was skipped.
#[derive(Debug, Clone)]
pub enum Outcome {
    Python(PythonUnit),
    Sql(SqlUnit),
    Spec(SpecUnit),
    Skipped(Diagnostic),
}

/// Run the front ends over `files` (already sorted) in parallel.
pub fn load(files: Vec<SourceFile>, max_file_size: u64) -> Loaded {
    let outcomes: Vec<(Outcome, Vec<Diagnostic>)> = files
        .into_par_iter()
        .map_init(PythonParser::new, |parser, file| {
            analyze_file(parser, file, max_file_size)
        })
        .collect();
    collect(outcomes)
}

/// The files of a run through the facts cache, hashed and, where they changed, analysed; the
/// facts of the others are still in the cache (read by [`Scanned::finish`], only when the
/// analysis memo does not hold the whole analysis).
#[derive(Debug)]
pub struct Scanned {
    /// Each file, what is known of it, its fingerprint.
    files: Vec<(SourceFile, Pending, u64)>,
    max_file_size: u64,
    /// What to write back to the facts cache.
    pub fresh: Vec<crate::cache::Fresh>,
}

#[derive(Debug)]
enum Pending {
    Done(Box<FileOutcome>),
    InCache,
}

/// Reads and hashes `files` (already sorted) in parallel, analysing those the cache does not
/// have.
pub fn scan(
    files: Vec<SourceFile>,
    max_file_size: u64,
    cache: &crate::cache::FactsCache,
) -> Scanned {
    use crate::cache::{Probe, facts::fingerprint_of};
    let results: Vec<((SourceFile, Pending, u64), Option<crate::cache::Fresh>)> = files
        .into_par_iter()
        .map_init(PythonParser::new, |parser, file| {
            let bytes = match oversized(&file, max_file_size) {
                Some(skipped) => Err((Outcome::Skipped(skipped), Vec::new())),
                None => std::fs::read(&file.path)
                    .map_err(|_| analyze_file(parser, file.clone(), max_file_size)),
            };
            match bytes {
                Ok(bytes) => {
                    let (probe, fresh, print) =
                        cache.probe(&file, &bytes, |f, b| analyze_bytes(parser, f, b));
                    let pending = match probe {
                        Probe::Hit => Pending::InCache,
                        Probe::Analysed(outcome) => Pending::Done(outcome),
                    };
                    ((file, pending, print), Some(fresh))
                }
                Err((outcome, diagnostics)) => {
                    let print = fingerprint_of(&outcome, &diagnostics);
                    let done = Pending::Done(Box::new((outcome, diagnostics)));
                    ((file, done, print), None)
                }
            }
        })
        .collect();
    let (files, fresh): (Vec<_>, Vec<_>) = results.into_iter().unzip();
    Scanned {
        files,
        max_file_size,
        fresh: fresh.into_iter().flatten().collect(),
    }
}

impl Scanned {
    /// Each file with its fingerprint, in file order.
    pub fn fingerprints(&self) -> impl Iterator<Item = (&SourceFile, u64)> {
        self.files.iter().map(|(file, _, print)| (file, *print))
    }

    /// The facts of every file, those in the cache read from it (in parallel).
    pub fn finish(self, cache: &crate::cache::FactsCache) -> Loaded {
        let max = self.max_file_size;
        let outcomes: Vec<FileOutcome> = self
            .files
            .into_par_iter()
            .map_init(
                PythonParser::new,
                |parser, (file, pending, _)| match pending {
                    Pending::Done(outcome) => *outcome,
                    Pending::InCache => cache
                        .read(file)
                        .unwrap_or_else(|file| analyze_file(parser, file, max)),
                },
            )
            .collect();
        collect(outcomes)
    }
}

/// Assembles per-file outcomes (in file order) into a [`Loaded`], modules named from their
/// source roots.
pub fn collect(outcomes: Vec<(Outcome, Vec<Diagnostic>)>) -> Loaded {
    let mut loaded = Loaded::default();
    for (outcome, diagnostics) in outcomes {
        loaded.diagnostics.extend(diagnostics);
        match outcome {
            Outcome::Python(unit) => loaded.python.push(unit),
            Outcome::Sql(unit) => loaded.sql.push(unit),
            Outcome::Spec(unit) => loaded.specs.push(unit),
            Outcome::Skipped(d) => {
                loaded.skipped += 1;
                loaded.diagnostics.push(d);
            }
        }
    }
    crate::source_roots::assign(&mut loaded.python, &mut loaded.diagnostics);
    loaded
}

fn analyze_file(
    parser: &mut PythonParser,
    file: SourceFile,
    max_file_size: u64,
) -> (Outcome, Vec<Diagnostic>) {
    if let Some(skipped) = oversized(&file, max_file_size) {
        return (Outcome::Skipped(skipped), Vec::new());
    }
    let bytes = match std::fs::read(&file.path) {
        Ok(b) => b,
        Err(e) => {
            let msg = format!("skipped: could not be read ({e})");
            return (
                Outcome::Skipped(Diagnostic::new(&file.rel, 0, Severity::Error, msg)),
                Vec::new(),
            );
        }
    };
    analyze_bytes(parser, file, &bytes)
}

/// The diagnostic for a file over the size limit, if it is: such files are generated
/// (bundles, protobuf stubs, data dumps), wherever they are read from.
pub fn oversized(file: &SourceFile, max_file_size: u64) -> Option<Diagnostic> {
    (file.size > max_file_size).then(|| {
        let mb = file.size as f64 / (1024.0 * 1024.0);
        let limit = max_file_size as f64 / (1024.0 * 1024.0);
        let msg = format!(
            "skipped: {mb:.1} MiB, over the {limit:.1} MiB limit for one file (--max-file-size); likely generated"
        );
        Diagnostic::new(&file.rel, 0, Severity::Warning, msg)
    })
}

/// The front ends on one file's content, wherever it came from (the disk, a git blob).
pub fn analyze_bytes(
    parser: &mut PythonParser,
    file: SourceFile,
    bytes: &[u8],
) -> (Outcome, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let Some(text) = crate::source_text::decode(bytes, &file.rel, &mut diagnostics) else {
        let msg = "skipped: binary content (NUL bytes) in a source file".to_owned();
        return (
            Outcome::Skipped(Diagnostic::new(&file.rel, 0, Severity::Warning, msg)),
            diagnostics,
        );
    };
    match file.language {
        Language::Python => {
            let unit = python_unit(parser, file, &text, &mut diagnostics);
            (Outcome::Python(unit), diagnostics)
        }
        Language::Sql => {
            let facts = seam_sql::analyze(&text, 1);
            diagnostics.extend(sql_problems(&file.rel, &facts, false));
            let lines = seam_python::count_lines(&text);
            (Outcome::Sql(SqlUnit { file, lines, facts }), diagnostics)
        }
        Language::Spec => {
            let facts = seam_spec::analyze(&file.rel, &text);
            (Outcome::Spec(SpecUnit { file, facts }), diagnostics)
        }
    }
}

/// Run the Python front end on one file's text, and the SQL front end on each SQL string it
/// found. Diagnostics of both go to `diagnostics`.
pub fn python_unit(
    parser: &mut PythonParser,
    file: SourceFile,
    text: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> PythonUnit {
    let mut facts = parser.analyze(text, &file.rel);
    diagnostics.append(&mut facts.diagnostics);
    let sql: Vec<SqlFacts> = facts
        .sql
        .iter()
        .map(|s| {
            if s.text.is_empty() {
                SqlFacts::default()
            } else {
                seam_sql::analyze(&s.text, s.line)
            }
        })
        .collect();
    for (s, f) in facts.sql.iter().zip(&sql) {
        diagnostics.extend(sql_problems(&file.rel, f, s.templated));
    }
    PythonUnit { file, facts, sql }
}

fn sql_problems<'a>(
    rel: &'a str,
    facts: &'a SqlFacts,
    templated_source: bool,
) -> impl Iterator<Item = Diagnostic> + 'a {
    facts.problems.iter().map(move |p| {
        let (severity, prefix) = if p.templated || templated_source {
            (Severity::Warning, "templated SQL skipped: ")
        } else {
            (Severity::Error, "")
        };
        Diagnostic::new(rel, p.line, severity, format!("{prefix}{}", p.message))
    })
}

/// Discover and parse every Python file, extracting nothing: (files, bytes, files with syntax
/// errors). The raw tree-sitter baseline of the benchmark.
pub fn parse_only(root: &std::path::Path, options: &crate::Options) -> (usize, u64, usize) {
    let found = crate::discover::discover(root, options.threads);
    let python: Vec<SourceFile> = found
        .files
        .into_iter()
        .filter(|f| f.language == Language::Python && f.size <= options.max_file_size)
        .collect();
    let results: Vec<(u64, bool)> = python
        .par_iter()
        .map_init(PythonParser::new, |parser, f| {
            let text = std::fs::read(&f.path)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            (text.len() as u64, parser.parse_only(&text))
        })
        .collect();
    let bytes = results.iter().map(|r| r.0).sum();
    let errors = results.iter().filter(|r| r.1).count();
    (results.len(), bytes, errors)
}
