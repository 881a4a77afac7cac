//! Finding the files to analyse: every `.py` and `.sql` under the root, in parallel, honouring
//! `.gitignore` and skipping what is never the application's own code (virtualenvs,
//! `site-packages`, `node_modules`, `.git`, build output). Symlinks are not followed, so a link
//! loop cannot trap the walk. Tests and migrations are kept but tagged.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ignore::{WalkBuilder, WalkState};
use seam_facts::{Diagnostic, Severity};
use serde::Serialize;

/// Directory names that never hold the application's own code.
const SKIPPED_DIRS: &[&str] = &[
    // seam's own state (the facts cache, the history store).
    ".seam",
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "site-packages",
    "dist-packages",
    "__pycache__",
    ".venv",
    ".env",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
    "htmlcov",
];

/// Directory names that usually hold a virtualenv or build output but are also good package
/// names (the standard library has `venv/`; apps have `build/` and `dist/` packages): walked
/// when they hold `__init__.py`, else skipped, and on disk said so in an info diagnostic,
/// since a wrong guess here hides code.
const SKIPPED_UNLESS_PACKAGE: &[&str] = &["venv", "env", "build", "dist"];

/// What the walk does with a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirRule {
    Walk,
    /// Never the application's code (`.git`, `node_modules`, `site-packages`, ...).
    Skip,
    /// A [`SKIPPED_UNLESS_PACKAGE`] name that holds no `__init__.py`.
    SkipNotPackage,
}

/// What a file is to the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Language {
    Python,
    Sql,
    /// Routes declared outside Python (`seam_spec`): OpenAPI documents, `.proto` files, and
    /// the serialized descriptors of `*_pb2.py` (also read as Python).
    Spec,
}

impl Language {
    /// The language's name in the caches' keys and lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Sql => "sql",
            Self::Spec => "spec",
        }
    }
}

/// Roles that let later stages leave a file out of clustering while keeping it in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tag {
    Test,
    Migration,
    /// Operational scripts (`scripts/`, `bin/`, `manage.py`, `setup.py`): not part of a service.
    Script,
}

impl Tag {
    /// Whether a file so tagged is outside the application (tests, migrations, scripts; the
    /// names [`crate::analysis::NOT_APPLICATION`] lists): kept in the graph, never the model,
    /// the proposal or the advice.
    pub fn outside_application(tags: &[Tag]) -> bool {
        tags.iter()
            .any(|t| crate::analysis::NOT_APPLICATION.contains(&t.as_str()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Test => "test",
            Tag::Migration => "migration",
            Tag::Script => "script",
        }
    }
}

/// One file to analyse. `rel` is relative to the root, `/`-separated: it names modules and
/// locates evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    pub rel: String,
    pub path: PathBuf,
    pub language: Language,
    pub tags: Vec<Tag>,
    pub size: u64,
}

/// The files found, sorted by `rel`, and what could not be walked.
#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Walk `root` with `threads` workers. Where the machine refuses the workers' threads (a
/// container's process limit), `ignore` panics while spawning them (issue 15, D2): the walk
/// is then done again on this thread alone, with a warning, rather than crash.
pub fn discover(root: &Path, threads: usize) -> Discovery {
    if threads > 1 {
        let parallel = std::panic::catch_unwind(|| walk(root, threads));
        if let Ok(found) = parallel {
            return found;
        }
    }
    let mut found = walk(root, 1);
    if threads > 1 {
        found.diagnostics.push(Diagnostic::new(
            "",
            0,
            Severity::Warning,
            format!("could not start {threads} threads to walk the repository; walked it on one"),
        ));
    }
    found
}

fn walk(root: &Path, threads: usize) -> Discovery {
    let found = Mutex::new(Discovery::default());
    let not_packages: Arc<Mutex<Vec<Diagnostic>>> = Arc::default();
    let skipped = Arc::clone(&not_packages);
    let filter_root = root.to_path_buf();
    let mut walker = WalkBuilder::new(root);
    walker
        .hidden(false)
        .git_ignore(true)
        .git_global(false)
        .git_exclude(true)
        .ignore(true)
        .parents(false)
        .require_git(false)
        .follow_links(false)
        .threads(threads)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if !is_dir || entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            match dir_rule(&name, || entry.path().join("__init__.py").is_file()) {
                DirRule::Walk => !is_virtualenv(entry.path()),
                DirRule::Skip => false,
                DirRule::SkipNotPackage => {
                    let rel = relative(&filter_root, entry.path());
                    let d = Diagnostic::new(
                        &rel,
                        0,
                        Severity::Info,
                        format!(
                            "not read: a directory named `{name}` without `__init__.py` is \
                             taken for build output or a virtualenv"
                        ),
                    );
                    skipped.lock().unwrap_or_else(|p| p.into_inner()).push(d);
                    false
                }
            }
        });
    let visit = |entry: Result<ignore::DirEntry, ignore::Error>| match entry {
        Ok(entry) => {
            if entry.file_type().is_some_and(|t| t.is_file())
                && let Some(file) = source_file(root, entry.path())
            {
                // Generated protobuf modules are Python and also declare routes.
                let spec = (file.language == Language::Python
                    && seam_spec::is_spec_path(&file.rel))
                .then(|| SourceFile {
                    language: Language::Spec,
                    ..file.clone()
                });
                let mut found = found.lock().unwrap_or_else(|p| p.into_inner());
                found.files.push(file);
                found.files.extend(spec);
            }
        }
        Err(err) => {
            let (file, message) = describe_walk_error(root, &err);
            let d = Diagnostic::new(&file, 0, Severity::Warning, message);
            found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .diagnostics
                .push(d);
        }
    };
    if threads == 1 {
        // On this thread: `ignore`'s parallel walker spawns a worker even for one thread,
        // which a machine that refuses threads does not allow.
        walker.build().for_each(visit);
    } else {
        walker.build_parallel().run(|| {
            Box::new(|entry| {
                visit(entry);
                WalkState::Continue
            })
        });
    }
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found
        .diagnostics
        .append(&mut not_packages.lock().unwrap_or_else(|p| p.into_inner()));
    found.files.sort();
    found.diagnostics.sort();
    found
}

/// What to do with a directory of this name; `is_package` says whether it holds
/// `__init__.py`, asked only for the names that depend on it (shared with the git reader,
/// which sees a tree's paths, not directories on disk).
pub fn dir_rule(name: &str, is_package: impl FnOnce() -> bool) -> DirRule {
    if SKIPPED_DIRS.contains(&name) {
        DirRule::Skip
    } else if SKIPPED_UNLESS_PACKAGE.contains(&name) && !is_package() {
        DirRule::SkipNotPackage
    } else {
        DirRule::Walk
    }
}

/// The language of a path by its extension, if seam reads it (on disk and in git trees alike;
/// a file named just `.py` has no extension).
pub fn language_of(path: &Path) -> Option<Language> {
    match path.extension()?.to_str()? {
        "py" => Some(Language::Python),
        "sql" => Some(Language::Sql),
        _ if seam_spec::is_spec_path(&path.to_string_lossy()) => Some(Language::Spec),
        _ => None,
    }
}

/// A directory with `pyvenv.cfg` is a virtualenv whatever its name.
fn is_virtualenv(dir: &Path) -> bool {
    dir.join("pyvenv.cfg").is_file()
}

fn source_file(root: &Path, path: &Path) -> Option<SourceFile> {
    let language = language_of(path)?;
    let rel = relative(root, path);
    let size = std::fs::symlink_metadata(path)
        .map(|m| m.len())
        .unwrap_or(0);
    Some(SourceFile {
        tags: tags_of(&rel),
        rel,
        path: path.to_path_buf(),
        language,
        size,
    })
}

/// `/`-separated path relative to the root, each component as [`name_text`] writes it (from
/// the bytes the file system holds: on Unix, any but `/` and NUL).
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| name_text(c.as_os_str().as_encoded_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

/// `/`-separated path bytes (a git tree's) as text, each component as [`name_text`] writes it.
pub fn relative_bytes(path: &[u8]) -> String {
    path.split(|&b| b == b'/')
        .map(name_text)
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name's bytes as the text that names it everywhere (modules, evidence, every
/// output): valid UTF-8 as it is, except that what is not, and what a terminal or a reader
/// would act on, is written as an escape (issue 15, D6 and D7). `\` becomes `\\`; a byte
/// that is not UTF-8 becomes `\xNN`, so `a\xff.py` and `a\xfe.py` stay two files (a lossy
/// decoding made both `a\u{fffd}.py`, one module); a control character (ESC, CR, a newline
/// that could forge a `FAKE.py:1: error:` line) or a bidirectional override becomes `\u{NN}`.
/// The mapping is one to one, so distinct names stay distinct.
pub fn name_text(bytes: &[u8]) -> String {
    crate::visible::escape_text(bytes, crate::visible::needs_escape, true)
}

/// Tags from the path alone: `tests/`, `test_*.py`, `*_test.py`, `conftest.py` are tests;
/// `migrations/` (and any `*migrations/`), `migration/` and `alembic/versions/` are migrations.
pub fn tags_of(rel: &str) -> Vec<Tag> {
    let parts: Vec<&str> = rel.split('/').collect();
    let (dirs, file) = parts.split_at(parts.len().saturating_sub(1));
    let file = file.first().copied().unwrap_or("");
    let mut tags = Vec::new();
    let test_dir = dirs
        .iter()
        .any(|d| matches!(*d, "tests" | "test" | "testing"));
    let test_file = file.starts_with("test_")
        || file.ends_with("_test.py")
        || file == "conftest.py"
        || file == "tests.py";
    if test_dir || test_file {
        tags.push(Tag::Test);
    }
    // `migration/` too: CKAN-style plugins keep alembic trees in `migration/<name>/versions/`;
    // and any `*migrations` folder (mlflow's `store/db_migrations/versions/`).
    let migration = dirs
        .iter()
        .any(|d| d.ends_with("migrations") || *d == "migration")
        || dirs
            .windows(2)
            .any(|w| w[0] == "alembic" && w[1] == "versions");
    if migration {
        tags.push(Tag::Migration);
    }
    let script_dir = dirs
        .first()
        .is_some_and(|d| matches!(*d, "scripts" | "script" | "bin" | "tools"));
    let script_file =
        dirs.is_empty() && matches!(file, "manage.py" | "setup.py" | "fabfile.py" | "noxfile.py");
    if script_dir || script_file {
        tags.push(Tag::Script);
    }
    tags
}

fn describe_walk_error(root: &Path, err: &ignore::Error) -> (String, String) {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Loop { child, .. } => Some(child),
            _ => None,
        }
    }
    let file = path_of(err).map(|p| relative(root, p)).unwrap_or_default();
    (
        file,
        format!("could not be read while walking the repository: {err}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_text_one_to_one() {
        assert_eq!(name_text(b"orders.py"), "orders.py");
        assert_eq!(name_text("caf\u{e9}.py".as_bytes()), "caf\u{e9}.py");
        assert_eq!(name_text(b"a\xff.py"), "a\\xff.py");
        // The four characters `\xff` are not the byte: the backslash is escaped too.
        assert_eq!(name_text(b"a\\xff.py"), "a\\\\xff.py");
        assert_eq!(name_text(b"x\x1b[2J\n.py"), "x\\u{1b}[2J\\u{a}.py");
        assert_eq!(name_text("\u{202e}yp.exe".as_bytes()), "\\u{202e}yp.exe");
        assert_eq!(relative_bytes(b"pkg/a\xfe.py"), "pkg/a\\xfe.py");
    }

    #[test]
    fn tags_come_from_the_path() {
        assert_eq!(tags_of("tests/test_orders.py"), vec![Tag::Test]);
        assert_eq!(tags_of("shop/test_x.py"), vec![Tag::Test]);
        assert_eq!(tags_of("shop/orders_test.py"), vec![Tag::Test]);
        assert_eq!(
            tags_of("migrations/versions/0001_init.py"),
            vec![Tag::Migration]
        );
        assert_eq!(tags_of("db/alembic/versions/abc.py"), vec![Tag::Migration]);
        assert_eq!(
            tags_of("app/store/db_migrations/versions/abc.py"),
            vec![Tag::Migration]
        );
        assert!(tags_of("app/migrationsupport.py").is_empty());
        assert_eq!(
            tags_of("ext/migration/ext/versions/abc.py"),
            vec![Tag::Migration]
        );
        assert!(tags_of("shop/testing_utils.py").is_empty());
        assert!(tags_of("shop/views.py").is_empty());
        assert_eq!(tags_of("scripts/backfill.py"), vec![Tag::Script]);
        assert_eq!(tags_of("manage.py"), vec![Tag::Script]);
        assert!(tags_of("app/scripts.py").is_empty());
    }

    #[test]
    fn skips_virtualenvs_and_ignored_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("app")).unwrap();
        std::fs::create_dir_all(root.join("myenv/lib")).unwrap();
        std::fs::create_dir_all(root.join("node_modules/x")).unwrap();
        std::fs::create_dir_all(root.join("generated")).unwrap();
        std::fs::write(root.join("myenv/pyvenv.cfg"), "home = /usr").unwrap();
        std::fs::write(root.join("myenv/lib/x.py"), "").unwrap();
        std::fs::write(root.join("node_modules/x/y.py"), "").unwrap();
        std::fs::write(root.join("app/views.py"), "").unwrap();
        std::fs::write(root.join("app/schema.sql"), "").unwrap();
        std::fs::write(root.join("generated/g.py"), "").unwrap();
        std::fs::write(root.join(".gitignore"), "generated/\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root, root.join("app/loop")).unwrap();
        let found = discover(root, 2);
        let rels: Vec<&str> = found.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, vec!["app/schema.sql", "app/views.py"]);
    }
}
