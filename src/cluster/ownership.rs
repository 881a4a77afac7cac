//! Who owns each table: the service that creates its rows (most insert sites), then the one
//! that writes it most (a write counts 1, a read 0.2 — reads only decide between services
//! that never write it). Creating is owning: FlaskBB's forum code bumps `users.post_count` on
//! every post, far more write sites than registration has, yet the users are the user
//! service's; the counter is a shared write, listed as such. A table more than one service touches is
//! a shared table, listed with its readers, writers and every access as evidence.

use std::collections::{BTreeMap, BTreeSet};

use super::proposal::{Access, SharedTable};
use crate::analysis::{Analysis, EdgeKind};

/// Services reading a table from which it is reference data, when it is written from one
/// place.
pub const REFERENCE_READERS: usize = 3;
/// Reads per write at least, for a widely read table written by one service to be reference
/// data.
pub const REFERENCE_READS_PER_WRITE: usize = 10;

/// Weight of one read against one write when choosing an owner.
pub const READ_WEIGHT: f64 = 0.2;

/// Per table: (service, accessing symbol, kind, evidence) for every read and write by a symbol
/// that belongs to a service.
pub(crate) struct TableUse<'a> {
    pub accesses: BTreeMap<&'a str, Vec<AccessRef<'a>>>,
    /// Per table: insert (and upsert, copy) sites per service.
    pub inserts: BTreeMap<&'a str, BTreeMap<&'a str, u32>>,
}

/// An [`Access`] borrowed from the analysis: made for every read and write at every level of
/// the ladder, and turned into an owned `Access` only for the shared tables of the proposal
/// shown (owned, they were a tenth of a warm run). Fields in `Access`'s order, so both sort
/// alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct AccessRef<'a> {
    pub service: &'a str,
    pub symbol: &'a str,
    pub kind: &'static str,
    pub file: &'a str,
    pub line: u32,
}

impl AccessRef<'_> {
    fn owned(&self) -> Access {
        Access {
            service: self.service.to_owned(),
            symbol: self.symbol.to_owned(),
            kind: self.kind.to_owned(),
            file: self.file.to_owned(),
            line: self.line,
        }
    }
}

/// Each service's key while ownership is decided: its number as text, whose order is the
/// tie order ([`choose_owner`]); for every service `place` holds, and at least `at_least`.
pub(crate) fn service_keys(place: &[super::propose::Place], at_least: usize) -> Vec<String> {
    let count = place
        .iter()
        .filter_map(|p| p.service())
        .max()
        .map_or(0, |m| m + 1);
    (0..count.max(at_least)).map(|s| s.to_string()).collect()
}

/// Gather accesses; `service_of` names the service of a symbol (None: kernel, unassigned, test).
pub(crate) fn table_use<'a>(
    a: &'a Analysis,
    service_of: &dyn Fn(&str) -> Option<&'a str>,
) -> TableUse<'a> {
    let mut accesses: BTreeMap<&str, Vec<AccessRef<'a>>> = BTreeMap::new();
    for e in &a.edges {
        let kind = match e.kind {
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            _ => continue,
        };
        let Some(service) = service_of(&e.from) else {
            continue;
        };
        let list = accesses.entry(&*e.to).or_default();
        for ev in &e.evidence {
            list.push(AccessRef {
                service,
                symbol: &e.from,
                kind,
                file: &ev.file,
                line: ev.line,
            });
        }
    }
    for list in accesses.values_mut() {
        list.sort();
    }
    let mut inserts: BTreeMap<&str, BTreeMap<&str, u32>> = BTreeMap::new();
    for q in a
        .queries
        .iter()
        .filter(|q| matches!(q.kind.as_str(), "insert" | "merge" | "copy"))
    {
        let Some(service) = service_of(&q.site) else {
            continue;
        };
        for t in &q.writes {
            *inserts
                .entry(t.as_str())
                .or_default()
                .entry(service)
                .or_default() += 1;
        }
    }
    TableUse { accesses, inserts }
}

/// What one access weighs when choosing an owner: a write 1, a read [`READ_WEIGHT`].
pub(crate) fn access_weight(kind: &str) -> f64 {
    if kind == "writes" { 1.0 } else { READ_WEIGHT }
}

/// The owner among the services of a table, keyed so that their order is the tie order: the
/// most insert sites; without any, the highest access score; ties go to the first key.
pub(crate) fn choose_owner<K: Ord + Clone>(
    inserts: Option<&BTreeMap<K, u32>>,
    score: &BTreeMap<K, f64>,
) -> Option<K> {
    fn first_max<'m, K: 'm, V: PartialOrd + Copy + 'm>(
        m: impl Iterator<Item = (&'m K, &'m V)>,
    ) -> Option<&'m K> {
        let mut best: Option<(&K, V)> = None;
        for (k, &v) in m {
            if best.is_none_or(|(_, b)| v > b) {
                best = Some((k, v));
            }
        }
        best.map(|(k, _)| k)
    }
    inserts
        .and_then(|by| first_max(by.iter()))
        .or_else(|| first_max(score.iter()))
        .cloned()
}

impl TableUse<'_> {
    /// The owner of a table: most insert sites; then most writes, then reads weighted by
    /// [`READ_WEIGHT`]; ties go to the name that sorts first, so the choice is stable.
    pub fn owner(&self, table: &str) -> Option<String> {
        let mut score: BTreeMap<&str, f64> = BTreeMap::new();
        for acc in self.accesses.get(table).into_iter().flatten() {
            *score.entry(acc.service).or_default() += access_weight(acc.kind);
        }
        choose_owner(self.inserts.get(table), &score).map(str::to_owned)
    }

    /// The shared-table record of `table` when more than one service touches it.
    pub fn shared(&self, table: &str, owner: Option<&str>) -> Option<SharedTable> {
        let list = self.accesses.get(table)?;
        let services: BTreeSet<&str> = list.iter().map(|a| a.service).collect();
        if services.len() < 2 {
            return None;
        }
        let by = |kind: &str| -> Vec<String> {
            let set: BTreeSet<&str> = list
                .iter()
                .filter(|a| a.kind == kind)
                .map(|a| a.service)
                .collect();
            set.into_iter().map(str::to_owned).collect()
        };
        Some(SharedTable {
            table: table.to_owned(),
            owner: owner.map(str::to_owned),
            readers: by("reads"),
            writers: by("writes"),
            evidence: list.iter().map(AccessRef::owned).collect(),
            reference_data: None,
        })
    }
}

/// The reference-data remedy for a shared table whose accesses name the services by name:
/// read widely, written rarely and from one place (a settings table read from sixty places
/// and saved by one admin page): read by [`REFERENCE_READERS`] services or more, written by
/// one service at most, and read [`REFERENCE_READS_PER_WRITE`] times as often as written.
/// Its owner keeps it; the readers get copies, not a reason to merge into its owner.
pub(crate) fn reference_note(st: &SharedTable) -> Option<String> {
    let list = &st.evidence;
    let readers: BTreeSet<&str> = list
        .iter()
        .filter(|a| a.kind == "reads")
        .map(|a| a.service.as_str())
        .collect();
    let writer_services: BTreeSet<&str> = list
        .iter()
        .filter(|a| a.kind == "writes")
        .map(|a| a.service.as_str())
        .collect();
    let writing: BTreeSet<&str> = list
        .iter()
        .filter(|a| a.kind == "writes")
        .map(|a| a.symbol.as_str())
        .collect();
    let reads = list.iter().filter(|a| a.kind == "reads").count();
    let writes = list.len() - reads;
    (readers.len() >= REFERENCE_READERS
        && writer_services.len() <= 1
        && reads >= REFERENCE_READS_PER_WRITE * writes)
        .then(|| {
            let from = match (writer_services.first(), writing.len()) {
                (Some(s), n) => format!("written only by {s} ({n} writing {})", if n == 1 { "symbol" } else { "symbols" }),
                (None, _) => "written by no application code (migrations, another system)".to_owned(),
            };
            format!(
                "reference data: read by {} services, {from}; keep one writer and give the readers a read-only copy (a cache refreshed on change events, or a replicated table) instead of sharing the database",
                readers.len()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(service: &str, symbol: &str, kind: &str) -> Access {
        Access {
            service: service.to_owned(),
            symbol: symbol.to_owned(),
            kind: kind.to_owned(),
            file: "x.py".to_owned(),
            line: 1,
        }
    }

    fn table(evidence: Vec<Access>) -> SharedTable {
        SharedTable {
            table: "table:settings".to_owned(),
            evidence,
            ..SharedTable::default()
        }
    }

    #[test]
    fn widely_read_tables_written_from_one_place_are_reference_data() {
        let mut ev: Vec<Access> = ["forum", "users", "groups", "reports"]
            .iter()
            .flat_map(|s| (0..5).map(move |i| access(s, &format!("{s}:r{i}"), "reads")))
            .collect();
        ev.push(access("settings", "admin:save", "writes"));
        let note = reference_note(&table(ev.clone())).expect("reference data");
        assert!(note.contains("read by 4 services"), "{note}");
        assert!(
            note.contains("written only by settings (1 writing symbol)"),
            "{note}"
        );
        // Written from two services: shared, not reference data.
        let mut two = ev.clone();
        two.push(access("users", "users:bump", "writes"));
        assert_eq!(reference_note(&table(two)), None);
        // Read by two services only: not widely read.
        let narrow: Vec<Access> = ev
            .into_iter()
            .filter(|a| matches!(a.service.as_str(), "forum" | "users" | "settings"))
            .collect();
        assert_eq!(reference_note(&table(narrow)), None);
    }
}
