//! The persistent facts cache: what the front ends found in each file, kept under
//! `ROOT/.seam/cache/` so that a second run on an unchanged file reads its facts instead of
//! parsing it again. An entry is keyed by the file's path, its language and the hash of its
//! content (xxh3-128); the cache file as a whole by seam's version and the cache format, so a
//! new seam never trusts an old seam's facts.
//!
//! The file is sealed (`sealed.rs`): one that is foreign, from another version, cut short or
//! altered is ignored (with a word on stderr) and rebuilt, and a crash mid-write leaves the
//! old cache or the new, never half of one.
//!
//! Facts are stored as JSON, one line per file: `hash \t language \t "rel" \t payload`. The
//! facts model skips empty fields when serialised, which only a self-describing format reads
//! back; an entry's payload is parsed only when its file is unchanged, and the lines of
//! unchanged files are written back as they were read.
//!
//! Each file's *fingerprint* is the hash of its payload: two runs whose files have the same
//! fingerprints have the same facts, which is what keys the analysis memo (`analysis.rs`).
//! A hit's payload is parsed only when the memo misses.

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use seam_facts::Diagnostic;
use seam_facts::python::PyFile;
use seam_facts::spec::SpecFile;
use seam_facts::sql::SqlFacts;
use serde::{Deserialize, Serialize};

use crate::discover::SourceFile;
use crate::load::{FileOutcome, Outcome, PythonUnit, SpecUnit, SqlUnit};

use super::DIR;
use super::sealed::{self, Kind, Read};

const FILE: &str = "facts.jsonl";
/// Bumped whenever the layout of this file changes (seam's version is checked besides).
const KIND: Kind = Kind {
    magic: "seam-facts-cache",
    format: 2,
};
/// The facts cache's key slot: its lines carry their own keys.
const NO_KEY: &str = "-";

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
    rel: String,
    /// Where the payload's JSON is in the cache's body: parsed only on a hit, never copied
    /// (a warm run had copied the whole file, line by line).
    text: std::ops::Range<usize>,
}

/// The cache as read at the start of a run, and the lines of this run to write back.
#[derive(Debug)]
pub struct FactsCache {
    path: PathBuf,
    /// By [`entry_key`]: a generated protobuf module is read twice, as Python and as a spec.
    old: HashMap<String, Line>,
    /// The body of the cache file as read: the lines' payloads.
    body: String,
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
    Parsed { key: String, line: Option<String> },
}

impl Fresh {
    fn key(&self) -> &str {
        match self {
            Self::Hit(key) | Self::Parsed { key, .. } => key,
        }
    }
}

/// What an entry is found by: the file and the front end that read it.
fn entry_key(language: &str, rel: &str) -> String {
    format!("{language}\t{rel}")
}

fn entry_line(hash: u128, language: &str, rel: &str, payload: &str) -> String {
    format!("{hash:032x}\t{language}\t{}\t{payload}\n", json_string(rel))
}

/// What the cache says of one file.
#[derive(Debug)]
pub enum Probe {
    /// Unchanged since the cache was written: its facts are read by [`FactsCache::read`]
    /// when they are needed (not when the analysis memo has the whole analysis).
    Hit,
    /// Analysed this run.
    Analysed(Box<FileOutcome>),
}

/// A file's fingerprint: the hash of its payload, the same whether the payload was just made
/// or read back from the cache.
pub fn fingerprint(payload: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(payload.as_bytes())
}

/// The fingerprint of an outcome that does not go through the cache (a file too large or
/// unreadable).
pub fn fingerprint_of(outcome: &Outcome, diagnostics: &[Diagnostic]) -> u64 {
    detach(outcome, diagnostics).map_or(0, |p| fingerprint(&p))
}

impl FactsCache {
    /// The cache of `root`, read and checked; empty (and to be rebuilt) when there is none or
    /// it cannot be trusted.
    pub fn open(root: &Path) -> Self {
        let path = root.join(DIR).join(FILE);
        let mut cache = Self {
            path,
            old: HashMap::default(),
            body: String::new(),
            refused: None,
        };
        match sealed::read(&cache.path, KIND, NO_KEY) {
            Read::Body(body) => match parse(&body) {
                Ok(old) => {
                    cache.old = old;
                    cache.body = body;
                }
                Err(why) => cache.refused = Some(why),
            },
            Read::Missing => {}
            Read::Stale => cache.refused = Some("has a key it should not have".to_owned()),
            Read::Refused(why) => cache.refused = Some(why),
        }
        cache
    }

    /// What is known of `file` whose content is `bytes`: that the cache has its facts when the
    /// same path, language and content were analysed before, else the outcome of `analyze`;
    /// with what to write back for it and its fingerprint.
    pub fn probe(
        &self,
        file: &SourceFile,
        bytes: &[u8],
        analyze: impl FnOnce(SourceFile, &[u8]) -> FileOutcome,
    ) -> (Probe, Fresh, u64) {
        let hash = xxhash_rust::xxh3::xxh3_128(bytes);
        let language = file.language.name();
        let rel = file.rel.clone();
        let key = entry_key(language, &rel);
        if let Some(line) = self.old.get(&key)
            && line.hash == hash
        {
            let print = fingerprint(self.text(line));
            return (Probe::Hit, Fresh::Hit(key), print);
        }
        let (outcome, diagnostics) = analyze(file.clone(), bytes);
        let payload = detach(&outcome, &diagnostics);
        let print = payload.as_deref().map_or(0, fingerprint);
        let line = payload.map(|payload| entry_line(hash, language, &rel, &payload));
        (
            Probe::Analysed(Box::new((outcome, diagnostics))),
            Fresh::Parsed { key, line },
            print,
        )
    }

    /// The facts of a [`Probe::Hit`]; `None` if its payload does not read back (a bug: the
    /// caller analyses the file again).
    pub fn read(&self, file: SourceFile) -> Result<FileOutcome, SourceFile> {
        match self
            .old
            .get(&entry_key(file.language.name(), &file.rel))
            .and_then(|line| serde_json::from_str::<Payload>(self.text(line)).ok())
        {
            Some(payload) => Ok((attach(file, payload.outcome), payload.diagnostics)),
            None => Err(file),
        }
    }

    fn text(&self, line: &Line) -> &str {
        self.body.get(line.text.clone()).unwrap_or("")
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
        let mut body = String::new();
        let mut seen = rustc_hash::FxHashSet::default();
        for f in fresh {
            if !seen.insert(f.key()) {
                continue;
            }
            match f {
                Fresh::Hit(key) => {
                    let old = &self.old[key];
                    body.push_str(&entry_line(
                        old.hash,
                        &old.language,
                        &old.rel,
                        self.text(old),
                    ));
                }
                Fresh::Parsed {
                    line: Some(line), ..
                } => body.push_str(line),
                Fresh::Parsed { line: None, .. } => {}
            }
        }
        if let Err(e) = sealed::write(&self.path, KIND, NO_KEY, body.as_bytes()) {
            eprintln!(
                "seam: the facts cache {} was not written: {e}",
                self.path.display()
            );
        }
    }
}

fn json_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

/// The lines of a cache file's body, by path; or why the file cannot be trusted.
fn parse(body: &str) -> Result<HashMap<String, Line>, String> {
    let mut out = HashMap::default();
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
        // `payload` is a slice of `body`: its place in it.
        let start = payload.as_ptr() as usize - body.as_ptr() as usize;
        out.insert(
            entry_key(language, &rel),
            Line {
                hash,
                language: language.to_owned(),
                rel,
                text: start..start + payload.len(),
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
        Cached::Python { mut facts, sql } => {
            // Read back by pushes: the lists keep room beyond their length.
            facts.compact();
            Outcome::Python(PythonUnit { file, facts, sql })
        }
        Cached::Sql { lines, facts } => Outcome::Sql(SqlUnit { file, lines, facts }),
        Cached::Spec { facts } => Outcome::Spec(SpecUnit { file, facts }),
        Cached::Skipped(d) => Outcome::Skipped(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Language;

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

    /// A generated protobuf module is read twice, as Python and as a spec: both entries are
    /// kept and both are hits the next time (one had overwritten the other, so every warm
    /// run parsed it again and rewrote the whole cache).
    #[test]
    fn one_file_read_by_two_front_ends_keeps_both_entries() {
        let dir = tempfile::tempdir().unwrap();
        let src = b"x = 1\n";
        let spec = SourceFile {
            language: Language::Spec,
            ..file("svc_pb2.py")
        };
        let cache = FactsCache::open(dir.path());
        let (_, a, _) = cache.probe(&file("svc_pb2.py"), src, analyze);
        let (_, b, _) = cache.probe(&spec, src, analyze);
        cache.save(&[a, b]);
        let cache = FactsCache::open(dir.path());
        assert_eq!(cache.old.len(), 2);
        for f in [file("svc_pb2.py"), spec] {
            let (probe, _, _) = cache.probe(&f, src, |_, _| panic!("both are hits"));
            assert!(matches!(probe, Probe::Hit));
        }
    }

    /// A second run reads an unchanged file's facts back, equal to a fresh parse and with the
    /// same fingerprint; a changed file is parsed again; a cache altered, cut short, foreign
    /// or from another version is refused and rebuilt.
    #[test]
    fn unchanged_files_come_back_equal_and_bad_caches_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let src = b"import os\n\ndef f(x):\n    return os.path.join(x, 'a')\n";
        let cache = FactsCache::open(dir.path());
        assert!(cache.refused.is_none());
        let (cold, fresh, cold_print) = cache.probe(&file("a.py"), src, analyze);
        let Probe::Analysed(cold) = cold else {
            panic!("an empty cache has nothing")
        };
        cache.save(&[fresh]);

        let cache = FactsCache::open(dir.path());
        assert!(cache.refused.is_none(), "{:?}", cache.refused);
        assert_eq!(cache.old.len(), 1);
        let (warm, fresh, warm_print) = cache.probe(&file("a.py"), src, |_, _| {
            panic!("an unchanged file is not parsed again")
        });
        assert_eq!(
            warm_print, cold_print,
            "the fingerprint does not depend on the cache"
        );
        assert!(matches!(warm, Probe::Hit), "an unchanged file is a hit");
        let (warm, _) = cache.read(file("a.py")).unwrap();
        assert_eq!(facts(&warm), facts(&cold.0));
        let mut parsed = false;
        let (_, changed, changed_print) = cache.probe(&file("a.py"), b"x = 1\n", |f, b| {
            parsed = true;
            analyze(f, b)
        });
        assert!(parsed, "a changed file is parsed");
        assert_ne!(changed_print, cold_print);
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
