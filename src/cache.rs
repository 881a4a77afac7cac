//! The persistent facts cache: what the front ends found in each file, kept under
//! `ROOT/.seam/cache/` so that a second run on an unchanged file reads its facts instead of
//! parsing it again. An entry is keyed by the file's path, its language and the hash of its
//! content (xxh3-128); the cache file as a whole by seam's version and the cache format, so a
//! new seam never trusts an old seam's facts.
//!
//! The file is never trusted blindly: its first line carries a magic word, the format, seam's
//! version and the xxh3 hash of the rest. A file that is foreign, from another version, cut
//! short or altered is ignored (with a word on stderr) and rebuilt. It is written to a
//! temporary file in the same folder and renamed over the old one, so a crash mid-write leaves
//! the old cache or the new, never half of one (and a file the disk lost part of fails its
//! checksum).
//!
//! Facts are stored as JSON, one line per file: `hash \t language \t "rel" \t payload`. The
//! facts model skips empty fields when serialised, which only a self-describing format reads
//! back; an entry's payload is parsed only when its file is unchanged, and the lines of
//! unchanged files are written back as they were read.
//!
//! What is cached is the front ends' output only: resolution, clustering and advice run on
//! every run, so the output is byte-identical with and without the cache (tested).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use seam_facts::Diagnostic;
use seam_facts::python::PyFile;
use seam_facts::spec::SpecFile;
use seam_facts::sql::SqlFacts;
use serde::{Deserialize, Serialize};

use crate::discover::{Language, SourceFile};
use crate::load::{FileOutcome, Outcome, PythonUnit, SpecUnit, SqlUnit};

/// Where the cache lives, under the analysed root.
pub const DIR: &str = ".seam/cache";
const FILE: &str = "facts.jsonl";
const MAGIC: &str = "seam-facts-cache";
/// Bumped whenever the layout of this file changes (seam's version is checked besides).
const FORMAT: u32 = 1;
/// Set (to anything) to run without the cache, as `--no-cache` does.
pub const NO_CACHE_ENV: &str = "SEAM_NO_CACHE";

/// What a file's front end produced, without the file itself (re-attached on a hit).
#[derive(Debug, Serialize, Deserialize)]
enum Cached {
    Python { facts: PyFile, sql: Vec<SqlFacts> },
    Sql { lines: u32, facts: SqlFacts },
    Spec { facts: SpecFile },
    Skipped(Diagnostic),
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    outcome: Cached,
    diagnostics: Vec<Diagnostic>,
}

/// One line of the cache file, not yet parsed beyond its key.
#[derive(Debug)]
struct Line {
    hash: u128,
    language: String,
    /// The payload's JSON, parsed only on a hit.
    text: String,
}

/// The cache as read at the start of a run, and the lines of this run to write back.
#[derive(Debug)]
pub struct FactsCache {
    path: PathBuf,
    old: HashMap<String, Line>,
    /// Why the cache file on disk was not used, if it was not (told once, on stderr).
    pub refused: Option<String>,
}

/// What one file contributes to the cache file written at the end of the run.
#[derive(Debug)]
pub enum Fresh {
    /// Read from the cache as it was: its line is written back from the cache as read (and
    /// only if the file is rewritten at all).
    Hit(String),
    /// Parsed this run: its line, or `None` when it is not to be cached.
    Parsed { rel: String, line: Option<String> },
}

impl Fresh {
    fn rel(&self) -> &str {
        match self {
            Self::Hit(rel) | Self::Parsed { rel, .. } => rel,
        }
    }
}

fn entry_line(hash: u128, language: &str, rel: &str, payload: &str) -> String {
    format!("{hash:032x}\t{language}\t{}\t{payload}\n", json_string(rel))
}

fn language_name(l: Language) -> &'static str {
    match l {
        Language::Python => "python",
        Language::Sql => "sql",
        Language::Spec => "spec",
    }
}

fn header(body_hash: u64) -> String {
    format!(
        "{MAGIC} {FORMAT} {} {body_hash:016x}\n",
        env!("CARGO_PKG_VERSION")
    )
}

impl FactsCache {
    /// The cache of `root`, read and checked; empty (and to be rebuilt) when there is none or
    /// it cannot be trusted.
    pub fn open(root: &Path) -> Self {
        let path = root.join(DIR).join(FILE);
        let mut cache = Self {
            path,
            old: HashMap::new(),
            refused: None,
        };
        match std::fs::read(&cache.path) {
            Ok(bytes) => match parse(&bytes) {
                Ok(old) => cache.old = old,
                Err(why) => cache.refused = Some(why),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => cache.refused = Some(format!("cannot be read ({e})")),
        }
        cache
    }

    /// The outcome for `file` whose content is `bytes`: from the cache when the same path,
    /// language and content were analysed before, else from `analyze`; with what to write
    /// back for it.
    pub fn outcome(
        &self,
        file: SourceFile,
        bytes: &[u8],
        analyze: impl FnOnce(SourceFile, &[u8]) -> FileOutcome,
    ) -> (FileOutcome, Fresh) {
        let hash = xxhash_rust::xxh3::xxh3_128(bytes);
        let language = language_name(file.language);
        let rel = file.rel.clone();
        if let Some(line) = self.old.get(&file.rel)
            && line.hash == hash
            && line.language == language
            && let Ok(payload) = serde_json::from_str::<Payload>(&line.text)
        {
            let outcome = attach(file, payload.outcome);
            return ((outcome, payload.diagnostics), Fresh::Hit(rel));
        }
        let (outcome, diagnostics) = analyze(file, bytes);
        let line = detach(&outcome, &diagnostics)
            .map(|payload| entry_line(hash, language, &rel, &payload));
        ((outcome, diagnostics), Fresh::Parsed { rel, line })
    }

    /// Write this run's entries (in file order): a temporary file, renamed over the old one.
    /// A cache that cannot be written is told on stderr, never an error of the run.
    pub fn save(&self, fresh: &[Fresh]) {
        // Nothing changed (every file read back, none gone): the file on disk is this run's.
        if self.refused.is_none()
            && fresh.len() == self.old.len()
            && fresh.iter().all(|f| matches!(f, Fresh::Hit(_)))
        {
            return;
        }
        if let Err(e) = self.write(fresh) {
            eprintln!(
                "seam: the facts cache {} was not written: {e}",
                self.path.display()
            );
        }
    }

    fn write(&self, fresh: &[Fresh]) -> std::io::Result<()> {
        let dir = self.path.parent().expect("the cache file is in a folder");
        std::fs::create_dir_all(dir)?;
        let mut body = String::new();
        let mut seen = std::collections::HashSet::new();
        for f in fresh {
            if !seen.insert(f.rel()) {
                continue;
            }
            match f {
                Fresh::Hit(rel) => {
                    let old = &self.old[rel];
                    body.push_str(&entry_line(old.hash, &old.language, rel, &old.text));
                }
                Fresh::Parsed {
                    line: Some(line), ..
                } => body.push_str(line),
                Fresh::Parsed { line: None, .. } => {}
            }
        }
        let head = header(xxhash_rust::xxh3::xxh3_64(body.as_bytes()));
        let tmp = dir.join(format!("{FILE}.{}.tmp", std::process::id()));
        let result = (|| {
            let mut out = std::fs::File::create(&tmp)?;
            out.write_all(head.as_bytes())?;
            out.write_all(body.as_bytes())?;
            // No fsync: a file the disk lost part of fails its checksum and is rebuilt.
            drop(out);
            std::fs::rename(&tmp, &self.path)
        })();
        if result.is_err() {
            std::fs::remove_file(&tmp).ok();
        }
        result
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The lines of a cache file, by path; or why the file cannot be trusted.
fn parse(bytes: &[u8]) -> Result<HashMap<String, Line>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not UTF-8: not a seam cache".to_owned())?;
    let (head, body) = text
        .split_once('\n')
        .ok_or_else(|| "no header: not a seam cache".to_owned())?;
    let mut parts = head.split(' ');
    if parts.next() != Some(MAGIC) {
        return Err("not a seam facts cache".to_owned());
    }
    let format = parts.next().unwrap_or("");
    let version = parts.next().unwrap_or("");
    if format != FORMAT.to_string() || version != env!("CARGO_PKG_VERSION") {
        return Err(format!(
            "written by another seam (format {format}, version {version})"
        ));
    }
    let want = parts.next().unwrap_or("");
    if format!("{:016x}", xxhash_rust::xxh3::xxh3_64(body.as_bytes())) != want {
        return Err("cut short or altered (its checksum does not match)".to_owned());
    }
    let mut out = HashMap::new();
    for (i, line) in body.lines().enumerate() {
        let mut f = line.splitn(4, '\t');
        let (Some(hash), Some(language), Some(rel), Some(payload)) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(format!("line {} is not an entry", i + 2));
        };
        let hash = u128::from_str_radix(hash, 16)
            .map_err(|_| format!("line {} has no content hash", i + 2))?;
        let rel: String =
            serde_json::from_str(rel).map_err(|_| format!("line {} has no file name", i + 2))?;
        out.insert(
            rel,
            Line {
                hash,
                language: language.to_owned(),
                text: payload.to_owned(),
            },
        );
    }
    Ok(out)
}

/// An outcome's payload as JSON; `None` for what is not the file's content's doing (a file
/// that could not be read is tried again next time).
fn detach(outcome: &Outcome, diagnostics: &[Diagnostic]) -> Option<String> {
    #[derive(Serialize)]
    enum CachedRef<'a> {
        Python {
            facts: &'a PyFile,
            sql: &'a [SqlFacts],
        },
        Sql {
            lines: u32,
            facts: &'a SqlFacts,
        },
        Spec {
            facts: &'a SpecFile,
        },
        Skipped(&'a Diagnostic),
    }
    #[derive(Serialize)]
    struct PayloadRef<'a> {
        outcome: CachedRef<'a>,
        diagnostics: &'a [Diagnostic],
    }
    let outcome = match outcome {
        Outcome::Python(u) => CachedRef::Python {
            facts: &u.facts,
            sql: &u.sql,
        },
        Outcome::Sql(u) => CachedRef::Sql {
            lines: u.lines,
            facts: &u.facts,
        },
        Outcome::Spec(u) => CachedRef::Spec { facts: &u.facts },
        Outcome::Skipped(d) => CachedRef::Skipped(d),
    };
    serde_json::to_string(&PayloadRef {
        outcome,
        diagnostics,
    })
    .ok()
}

fn attach(file: SourceFile, cached: Cached) -> Outcome {
    match cached {
        Cached::Python { facts, sql } => Outcome::Python(PythonUnit { file, facts, sql }),
        Cached::Sql { lines, facts } => Outcome::Sql(SqlUnit { file, lines, facts }),
        Cached::Spec { facts } => Outcome::Spec(SpecUnit { file, facts }),
        Cached::Skipped(d) => Outcome::Skipped(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str) -> SourceFile {
        SourceFile {
            rel: rel.to_owned(),
            path: PathBuf::from(rel),
            language: Language::Python,
            tags: Vec::new(),
            size: 0,
        }
    }

    fn analyze(file: SourceFile, bytes: &[u8]) -> FileOutcome {
        let mut parser = seam_python::PythonParser::new();
        crate::load::analyze_bytes(&mut parser, file, bytes)
    }

    fn facts(o: &Outcome) -> &PyFile {
        match o {
            Outcome::Python(u) => &u.facts,
            other => panic!("not python: {other:?}"),
        }
    }

    /// A second run reads an unchanged file's facts back, equal to a fresh parse; a changed
    /// file is parsed again; a cache altered, cut short, foreign or from another version is
    /// refused and rebuilt.
    #[test]
    fn unchanged_files_come_back_equal_and_bad_caches_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let src = b"import os\n\ndef f(x):\n    return os.path.join(x, 'a')\n";
        let cache = FactsCache::open(dir.path());
        assert!(cache.refused.is_none());
        let ((cold, _), fresh) = cache.outcome(file("a.py"), src, analyze);
        cache.save(&[fresh]);

        let cache = FactsCache::open(dir.path());
        assert!(cache.refused.is_none(), "{:?}", cache.refused);
        assert_eq!(cache.old.len(), 1);
        let ((warm, _), fresh) = cache.outcome(file("a.py"), src, |_, _| {
            panic!("an unchanged file is not parsed again")
        });
        assert_eq!(facts(&warm), facts(&cold));
        let mut parsed = false;
        let (_, changed) = cache.outcome(file("a.py"), b"x = 1\n", |f, b| {
            parsed = true;
            analyze(f, b)
        });
        assert!(parsed, "a changed file is parsed");
        cache.save(&[fresh, changed]);

        let path = dir.path().join(DIR).join(FILE);
        let good = std::fs::read(&path).unwrap();
        let tampered: Vec<(&str, Vec<u8>)> = vec![
            ("cut short", good[..good.len() - 3].to_vec()),
            ("altered", {
                let mut b = good.clone();
                let last = b.len() - 5;
                b[last] ^= 1;
                b
            }),
            ("foreign", b"PK\x03\x04 a zip file".to_vec()),
            (
                "another version",
                String::from_utf8(good.clone())
                    .unwrap()
                    .replacen(env!("CARGO_PKG_VERSION"), "0.0.0-old", 1)
                    .into_bytes(),
            ),
            ("empty", Vec::new()),
        ];
        for (what, bytes) in tampered {
            std::fs::write(&path, &bytes).unwrap();
            let cache = FactsCache::open(dir.path());
            assert!(cache.old.is_empty(), "{what}: nothing is trusted");
            assert!(cache.refused.is_some(), "{what}: refused with a reason");
        }
    }
}
