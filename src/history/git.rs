//! Backfill from git: past commits analysed straight from the object database (gix: trees and
//! blobs, no checkout, the work tree untouched). Per-file facts are cached by (blob id, path):
//! a file unchanged between commits is parsed once, so a hundred commits cost little more than
//! the files that changed in them.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::path::{Path, PathBuf};

use gix::ObjectId;
use rayon::prelude::*;
use seam_facts::Diagnostic;
use seam_python::PythonParser;

use crate::analysis::Analysis;
use crate::discover::{DirRule, SourceFile, dir_rule, language_of, tags_of};
use crate::load::{self, Outcome};

/// A commit to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: String,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

pub struct Repo {
    repo: gix::Repository,
    /// The analysed directory relative to the work tree root (`""` for the root), `/`-separated.
    prefix: String,
}

impl std::fmt::Debug for Repo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repo")
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// A file's identity in history: its blob and its path (the path names its module).
type Key = (ObjectId, String);
/// What the front ends made of one file.
type FileFacts = (Outcome, Vec<Diagnostic>);

/// Facts per (blob, path), and how often they were reused; the last commit's analysis, by the
/// blobs it was made from (a commit that changed no analysed file has the same analysis); the
/// clustering's partitions of the last commit (a commit that changed no dependency has the
/// same graph, `cluster/memo.rs`).
#[derive(Debug, Default)]
pub struct FactCache {
    entries: HashMap<Key, FileFacts>,
    last: Option<(u128, Analysis)>,
    pub partitions: crate::cluster::Partitions,
    pub hits: u64,
    pub misses: u64,
    /// Commits whose analysis was the previous commit's.
    pub same_analysis: u64,
}

impl Repo {
    /// The repository holding `path` (which may be a subdirectory of its work tree).
    pub fn open(path: &Path) -> Result<Repo, String> {
        let repo = gix::discover(path)
            .map_err(|e| format!("{} is not in a git repository ({e})", path.display()))?;
        let root = repo
            .workdir()
            .ok_or_else(|| "a bare repository: give the path of a work tree".to_owned())?
            .canonicalize()
            .map_err(|e| e.to_string())?;
        let here = path.canonicalize().map_err(|e| e.to_string())?;
        let prefix = here
            .strip_prefix(&root)
            .map(|p| crate::discover::relative(Path::new(""), p))
            .unwrap_or_default();
        Ok(Repo { repo, prefix })
    }

    /// First-parent commits, oldest first: `range` is `A..B` (after A, up to and including B),
    /// `last` the N most recent from HEAD; both bounded by `last` when given.
    pub fn commits(
        &self,
        range: Option<&str>,
        last: Option<usize>,
    ) -> Result<Vec<CommitInfo>, String> {
        let (stop, tip) = match range {
            Some(r) => {
                let (a, b) = r
                    .split_once("..")
                    .ok_or_else(|| format!("--git-range `{r}`: expected A..B"))?;
                let b = if b.is_empty() { "HEAD" } else { b };
                (Some(self.rev(a)?), self.rev(b)?)
            }
            None => (None, self.rev("HEAD")?),
        };
        let limit = last.unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut at = Some(tip);
        while let Some(id) = at {
            if Some(id) == stop || out.len() >= limit {
                break;
            }
            let commit = self.commit(id)?;
            let time = commit.time().map(|t| t.seconds).unwrap_or(0);
            out.push(CommitInfo {
                id: id.to_string(),
                time,
            });
            at = commit.parent_ids().next().map(|p| p.detach());
        }
        if let Some(s) = stop
            && at.is_none()
        {
            return Err(format!(
                "{s} is not a first-parent ancestor of the range's end"
            ));
        }
        out.reverse();
        Ok(out)
    }

    fn commit(&self, id: ObjectId) -> Result<gix::Commit<'_>, String> {
        let object = self
            .repo
            .find_object(id)
            .map_err(|e| format!("cannot read commit {id}: {e}"))?;
        object
            .try_into_commit()
            .map_err(|e| format!("{id} is not a commit: {e}"))
    }

    /// Source files (under the analysed directory) changed by each of the last `last`
    /// first-parent commits up to HEAD, oldest first: the input of co-change coupling.
    pub fn changesets(&self, last: usize) -> Result<Vec<Vec<String>>, String> {
        let commits = self.commits(None, Some(last.saturating_add(1)))?;
        let mut previous: Option<HashMap<String, ObjectId>> = None;
        let mut out = Vec::new();
        for c in &commits {
            let id = ObjectId::from_hex(c.id.as_bytes()).map_err(|e| e.to_string())?;
            let files = self.source_blobs(id)?;
            if let Some(prev) = &previous {
                let mut changed: Vec<String> = files
                    .iter()
                    .filter(|(path, oid)| prev.get(*path) != Some(oid))
                    .map(|(p, _)| p.clone())
                    .chain(prev.keys().filter(|p| !files.contains_key(*p)).cloned())
                    .collect();
                changed.sort();
                out.push(changed);
            }
            previous = Some(files);
        }
        // The oldest commit is only the base of the first comparison (a root commit "changes"
        // every file, which says nothing about coupling).
        Ok(out)
    }

    /// Path → blob of the source files of one commit (relative to the analysed directory).
    fn source_blobs(&self, id: ObjectId) -> Result<HashMap<String, ObjectId>, String> {
        let tree = self
            .commit(id)?
            .tree()
            .map_err(|e| format!("cannot read the tree of {id}: {e}"))?;
        let mut recorder = gix::traverse::tree::Recorder::default();
        tree.traverse()
            .breadthfirst(&mut recorder)
            .map_err(|e| format!("cannot walk the tree of {id}: {e}"))?;
        let prefix = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut blobs: Vec<(String, ObjectId)> = recorder
            .records
            .into_iter()
            .filter(|e| e.mode.is_blob())
            .filter_map(|e| {
                let path = crate::discover::relative_bytes(&e.filepath);
                let rel = path.strip_prefix(&prefix)?.to_owned();
                language_of(std::path::Path::new(&rel))?;
                Some((rel, e.oid))
            })
            .collect();
        // The directories that are packages, for the names skipped unless they are.
        let packages: HashSet<String> = blobs
            .iter()
            .filter_map(|(rel, _)| rel.strip_suffix("/__init__.py"))
            .map(str::to_owned)
            .collect();
        blobs.retain(|(rel, _)| {
            rel.match_indices('/').all(|(end, _)| {
                let dir = &rel[..end];
                let name = dir.rsplit('/').next().unwrap_or(dir);
                dir_rule(name, || packages.contains(dir)) == DirRule::Walk
            })
        });
        Ok(blobs.into_iter().collect())
    }

    /// The commit a revision names (`HEAD~2`, a branch, a hash prefix).
    pub fn commit_at(&self, rev: &str) -> Result<CommitInfo, String> {
        let id = self.rev(rev)?;
        let commit = self.commit(id)?;
        Ok(CommitInfo {
            id: id.to_string(),
            time: commit.time().map(|t| t.seconds).unwrap_or(0),
        })
    }

    fn rev(&self, spec: &str) -> Result<ObjectId, String> {
        self.repo
            .rev_parse_single(spec)
            .map(|id| id.detach())
            .map_err(|e| format!("cannot resolve `{spec}`: {e}"))
    }

    /// The analysis of one commit's tree; files over `max_file_size` bytes are skipped with a
    /// diagnostic, as on disk.
    pub fn analyze(
        &self,
        commit: &str,
        cache: &mut FactCache,
        max_file_size: u64,
    ) -> Result<Analysis, String> {
        let id = ObjectId::from_hex(commit.as_bytes()).map_err(|e| e.to_string())?;
        let mut wanted: Vec<(ObjectId, SourceFile)> = self
            .source_blobs(id)?
            .into_iter()
            .filter_map(|(rel, oid)| {
                let language = language_of(std::path::Path::new(&rel))?;
                Some((
                    oid,
                    SourceFile {
                        tags: tags_of(&rel),
                        path: PathBuf::from(&rel),
                        rel,
                        language,
                        size: 0,
                    },
                ))
            })
            .collect();
        wanted.sort_by(|a, b| a.1.rel.cmp(&b.1.rel));
        let key = {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&max_file_size.to_le_bytes());
            for (oid, file) in &wanted {
                h.update(oid.as_bytes());
                h.update(&(file.rel.len() as u64).to_le_bytes());
                h.update(file.rel.as_bytes());
            }
            h.digest128()
        };
        if let Some((last, analysis)) = &cache.last
            && *last == key
        {
            cache.same_analysis += 1;
            cache.hits += wanted.len() as u64;
            return Ok(analysis.clone());
        }
        // Read what the cache does not have, then parse it in parallel.
        let mut todo: Vec<(ObjectId, SourceFile, Vec<u8>)> = Vec::new();
        for (oid, file) in &wanted {
            if cache.entries.contains_key(&(*oid, file.rel.clone())) {
                cache.hits += 1;
                continue;
            }
            cache.misses += 1;
            let blob = self
                .repo
                .find_object(*oid)
                .map_err(|e| format!("cannot read {} in {commit}: {e}", file.rel))?;
            let mut file = file.clone();
            file.size = blob.data.len() as u64;
            todo.push((*oid, file, blob.data.clone()));
        }
        let done: Vec<(Key, FileFacts)> = todo
            .into_par_iter()
            .map_init(PythonParser::new, |parser, (oid, file, bytes)| {
                let key = (oid, file.rel.clone());
                let outcome = match load::oversized(&file, max_file_size) {
                    Some(skipped) => (Outcome::Skipped(skipped), Vec::new()),
                    None => load::analyze_bytes(parser, file, &bytes),
                };
                (key, outcome)
            })
            .collect();
        cache.entries.extend(done);
        let outcomes: Vec<(Outcome, Vec<Diagnostic>)> = wanted
            .iter()
            .filter_map(|(oid, file)| cache.entries.get(&(*oid, file.rel.clone())).cloned())
            .collect();
        let loaded = load::collect(outcomes);
        let analysis = crate::resolve::resolve(loaded);
        cache.last = Some((key, analysis.clone()));
        Ok(analysis)
    }
}
