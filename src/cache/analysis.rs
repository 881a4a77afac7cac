//! The analysis memo: the whole analysis of the last run, `ROOT/.seam/cache/analysis.json`,
//! keyed by what resolution reads: every file's path, language, tags, size and fingerprint
//! (the hash of its facts, `facts.rs`), the discovery's diagnostics and the options that
//! change the analysis. Resolution is a pure function of those, so a run whose key matches
//! reads the analysis back instead of parsing the cached facts and resolving them again: an
//! unchanged tree costs a walk, a hash of each file and one read. A file edited without
//! changing its facts (a comment appended, a docstring reworded in place) keeps its
//! fingerprint, so the memo still holds.

use std::path::{Path, PathBuf};

use seam_facts::Diagnostic;
use xxhash_rust::xxh3::Xxh3;

use super::DIR;
use super::sealed::{self, Kind, Read};
use crate::analysis::Analysis;
use crate::discover::SourceFile;

const FILE: &str = "analysis.json";
const KIND: Kind = Kind {
    magic: "seam-analysis-memo",
    format: 1,
};

/// What an analysis is made from, hashed as it is fed (in file order).
pub struct Key(Xxh3);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(..)")
    }
}

impl Key {
    /// A key for a run with these options: the file-size limit decides which files are read.
    pub fn new(max_file_size: u64) -> Self {
        let mut h = Xxh3::new();
        h.update(crate::meta::build().as_bytes());
        h.update(&max_file_size.to_le_bytes());
        Self(h)
    }

    /// One file, with the fingerprint of what its front end made of it.
    pub fn file(&mut self, file: &SourceFile, fingerprint: u64) {
        let h = &mut self.0;
        for part in [file.rel.as_str(), file.language.name()] {
            h.update(&(part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let tags = serde_json::to_string(&file.tags).unwrap_or_default();
        h.update(tags.as_bytes());
        h.update(&file.size.to_le_bytes());
        h.update(&fingerprint.to_le_bytes());
    }

    /// What the discovery said (folders it could not read, ...): part of the analysis.
    pub fn diagnostics(&mut self, diagnostics: &[Diagnostic]) {
        let text = serde_json::to_string(diagnostics).unwrap_or_default();
        self.0.update(b"\0diagnostics\0");
        self.0.update(text.as_bytes());
    }

    pub fn finish(&self) -> String {
        format!("{:032x}", self.0.digest128())
    }
}

/// The memo of the analysis under `root`.
#[derive(Debug)]
pub struct Memo {
    path: PathBuf,
}

impl Memo {
    pub fn at(root: &Path) -> Self {
        Self {
            path: root.join(DIR).join(FILE),
        }
    }

    /// The analysis made from `key`, if the memo holds it. A memo that cannot be trusted is
    /// told on stderr and rebuilt; one made from other files is simply replaced.
    pub fn read(&self, key: &str) -> Option<Analysis> {
        match sealed::read(&self.path, KIND, key) {
            Read::Body(body) => match serde_json::from_str(&body) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.refuse(&format!("does not read back ({e})"));
                    None
                }
            },
            Read::Refused(why) => {
                self.refuse(&why);
                None
            }
            Read::Missing | Read::Stale => None,
        }
    }

    fn refuse(&self, why: &str) {
        eprintln!(
            "seam: ignoring the analysis memo {}: {why}; rebuilding it",
            self.path.display()
        );
    }

    /// Keeps `analysis` as made from `key`; a memo that cannot be written is told on stderr,
    /// never an error of the run.
    pub fn write(&self, key: &str, analysis: &Analysis) {
        let result = serde_json::to_vec(analysis)
            .map_err(std::io::Error::other)
            .and_then(|body| sealed::write(&self.path, KIND, key, &body));
        if let Err(e) = result {
            eprintln!(
                "seam: the analysis memo {} was not written: {e}",
                self.path.display()
            );
        }
    }
}
