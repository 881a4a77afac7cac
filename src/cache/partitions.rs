//! The clustering's partitions of the last run, `ROOT/.seam/cache/partitions`: one line per
//! partition, its key (graph, resolution, seed and parameters hashed, `cluster/memo.rs`) and
//! its labels. Only the partitions the last run asked for are kept, so the file stays the size
//! of one run's.

use std::path::{Path, PathBuf};

use super::DIR;
use super::sealed::{self, Kind, Read};
use crate::cluster::Partitions;

const FILE: &str = "partitions";
const KIND: Kind = Kind {
    magic: "seam-partitions",
    format: 1,
};
/// The lines carry their own keys.
const NO_KEY: &str = "-";

/// Where the partitions of `root` are kept.
#[derive(Debug)]
pub struct Store {
    path: PathBuf,
}

impl Store {
    pub fn at(root: &Path) -> Self {
        Self {
            path: root.join(DIR).join(FILE),
        }
    }

    /// The partitions kept, or none (a file that cannot be trusted is told and rebuilt).
    pub fn load(&self) -> Partitions {
        let refused = match sealed::read(&self.path, KIND, NO_KEY) {
            Read::Body(body) => match parse(&body) {
                Some(entries) => return Partitions::with(entries),
                None => "a line is not a partition".to_owned(),
            },
            Read::Missing => return Partitions::default(),
            Read::Stale => "has a key it should not have".to_owned(),
            Read::Refused(why) => why,
        };
        eprintln!(
            "seam: ignoring the partitions cache {}: {refused}; rebuilding it",
            self.path.display()
        );
        Partitions::default()
    }

    /// Keeps the partitions this run asked for, if any was computed (else the file on disk
    /// holds them already).
    pub fn save(&self, memo: &Partitions) {
        if !memo.added() {
            return;
        }
        let mut body = String::new();
        for (key, labels) in memo.used() {
            body.push_str(&format!("{key:032x}"));
            for l in labels {
                body.push(' ');
                body.push_str(&l.to_string());
            }
            body.push('\n');
        }
        if let Err(e) = sealed::write(&self.path, KIND, NO_KEY, body.as_bytes()) {
            eprintln!(
                "seam: the partitions cache {} was not written: {e}",
                self.path.display()
            );
        }
    }
}

fn parse(body: &str) -> Option<Vec<(u128, Vec<u32>)>> {
    body.lines()
        .map(|line| {
            let mut words = line.split(' ');
            let key = u128::from_str_radix(words.next()?, 16).ok()?;
            let labels = words
                .map(|w| w.parse().ok())
                .collect::<Option<Vec<u32>>>()?;
            Some((key, labels))
        })
        .collect()
}
