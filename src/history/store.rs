//! The history store: SQLite (rusqlite, bundled: no system library needed), default
//! `.seam/history.db`. One transaction per snapshot, so a crash or Ctrl-C mid-write leaves
//! every earlier snapshot as it was and no half snapshot. The schema version lives in
//! `PRAGMA user_version`; migrations run in order, each in its own transaction; a store written
//! by a newer seam, or a file that is not a seam store, is refused with a clear error.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::snapshot::{Crossing, ServiceRow, Snapshot};
use crate::cluster::ServiceMetrics;

/// Migrations: index i takes the schema from version i to i + 1.
const MIGRATIONS: &[&str] = &[
    // 1: snapshots, per-service metrics, boundary crossings.
    "CREATE TABLE snapshots (
        id INTEGER PRIMARY KEY,
        taken_at TEXT NOT NULL,
        commit_id TEXT,
        source TEXT NOT NULL,
        against TEXT NOT NULL,
        metrics TEXT NOT NULL
    );
    CREATE TABLE service_metrics (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        service TEXT NOT NULL,
        members INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        routes INTEGER NOT NULL,
        tables INTEGER NOT NULL,
        afferent INTEGER NOT NULL,
        efferent INTEGER NOT NULL,
        instability REAL NOT NULL,
        cohesion REAL NOT NULL,
        PRIMARY KEY (snapshot_id, service)
    );
    CREATE TABLE crossings (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        from_id TEXT NOT NULL,
        to_id TEXT NOT NULL,
        from_service TEXT NOT NULL,
        to_service TEXT NOT NULL,
        allowed INTEGER NOT NULL,
        count INTEGER NOT NULL,
        file TEXT NOT NULL,
        line INTEGER NOT NULL
    );
    CREATE INDEX crossings_by_snapshot ON crossings (snapshot_id);",
];

pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: String,
}

impl Store {
    /// Opens (creating it and its directory if needed) and migrates the store.
    pub fn open(path: &Path) -> Result<Store, String> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            // seam's own directory stays out of the repository's `git status`.
            let ignore = dir.join(".gitignore");
            if dir.file_name().is_some_and(|n| n == ".seam") && !ignore.exists() {
                let _ = std::fs::write(ignore, "# seam's history store\n*\n");
            }
        }
        let conn = Connection::open(path).map_err(|e| format!("cannot open {shown}: {e}"))?;
        let bad = |e: rusqlite::Error| format!("{shown} is not a readable seam history ({e})");
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(bad)?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")
            .map_err(bad)?;
        let version: u32 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(bad)?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "{shown} was written by a newer seam (schema {version}; this seam reads up to {SCHEMA_VERSION}): upgrade seam"
            ));
        }
        let mut store = Store { conn, path: shown };
        store.migrate(version)?;
        Ok(store)
    }

    fn migrate(&mut self, from: u32) -> Result<(), String> {
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let to = i as u32 + 1;
            let tx = self
                .conn
                .transaction()
                .map_err(|e| format!("{}: {e}", self.path))?;
            if from == 0 && i == 0 {
                // A fresh file has no tables; anything else at version 0 is not ours.
                let tables: u32 = tx
                    .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                    .map_err(|e| format!("{} is not a readable seam history ({e})", self.path))?;
                if tables > 0 {
                    return Err(format!(
                        "{} holds other data (tables but no seam schema): not touching it",
                        self.path
                    ));
                }
            }
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", to))
                .and_then(|()| tx.commit())
                .map_err(|e| format!("{}: migration to schema {to} failed: {e}", self.path))?;
        }
        Ok(())
    }

    /// Records one snapshot atomically; returns its id.
    pub fn record(&mut self, s: &Snapshot) -> Result<i64, String> {
        let err = |e: rusqlite::Error| format!("cannot record in {}: {e}", self.path);
        let tx = self.conn.transaction().map_err(err)?;
        tx.execute(
            "INSERT INTO snapshots (taken_at, commit_id, source, against, metrics) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![s.taken_at, s.commit, s.source, s.against, s.metrics.to_string()],
        )
        .map_err(err)?;
        let id = tx.last_insert_rowid();
        {
            let mut svc = tx
                .prepare(
                    "INSERT INTO service_metrics VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(err)?;
            for r in &s.services {
                let m = &r.metrics;
                svc.execute(params![
                    id,
                    r.service,
                    m.members,
                    m.lines,
                    m.routes,
                    m.tables,
                    m.afferent,
                    m.efferent,
                    m.instability,
                    m.cohesion
                ])
                .map_err(err)?;
            }
            let mut cr = tx
                .prepare("INSERT INTO crossings VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
                .map_err(err)?;
            for c in &s.crossings {
                cr.execute(params![
                    id,
                    c.kind,
                    c.from,
                    c.to,
                    c.from_service,
                    c.to_service,
                    c.allowed,
                    c.count,
                    c.file,
                    c.line
                ])
                .map_err(err)?;
            }
        }
        pause_for_tests();
        tx.commit().map_err(err)?;
        Ok(id)
    }

    /// All snapshots, in the order they were recorded (without services and crossings).
    pub fn snapshots(&self) -> Result<Vec<Snapshot>, String> {
        let err = |e: rusqlite::Error| format!("cannot read {}: {e}", self.path);
        let mut stmt = self
            .conn
            .prepare("SELECT id, taken_at, commit_id, source, against, metrics FROM snapshots ORDER BY id")
            .map_err(err)?;
        let rows = stmt.query_map([], snapshot_row).map_err(err)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(err)
    }

    /// One snapshot with its services and crossings.
    pub fn load(&self, id: i64) -> Result<Option<Snapshot>, String> {
        let err = |e: rusqlite::Error| format!("cannot read {}: {e}", self.path);
        let Some(mut s) = self
            .conn
            .query_row(
                "SELECT id, taken_at, commit_id, source, against, metrics FROM snapshots WHERE id = ?1",
                [id],
                snapshot_row,
            )
            .optional()
            .map_err(err)?
        else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare("SELECT service, members, lines, routes, tables, afferent, efferent, instability, cohesion FROM service_metrics WHERE snapshot_id = ?1 ORDER BY service")
            .map_err(err)?;
        s.services = stmt
            .query_map([id], |r| {
                Ok(ServiceRow {
                    service: r.get(0)?,
                    metrics: ServiceMetrics {
                        members: r.get(1)?,
                        lines: r.get(2)?,
                        routes: r.get(3)?,
                        tables: r.get(4)?,
                        afferent: r.get(5)?,
                        efferent: r.get(6)?,
                        instability: r.get(7)?,
                        cohesion: r.get(8)?,
                    },
                })
            })
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let mut stmt = self
            .conn
            .prepare("SELECT kind, from_id, to_id, from_service, to_service, allowed, count, file, line FROM crossings WHERE snapshot_id = ?1 ORDER BY kind, from_id, to_id")
            .map_err(err)?;
        s.crossings = stmt
            .query_map([id], |r| {
                Ok(Crossing {
                    kind: r.get(0)?,
                    from: r.get(1)?,
                    to: r.get(2)?,
                    from_service: r.get(3)?,
                    to_service: r.get(4)?,
                    allowed: r.get(5)?,
                    count: r.get(6)?,
                    file: r.get(7)?,
                    line: r.get(8)?,
                })
            })
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        Ok(Some(s))
    }

    /// Whether a snapshot of this commit from git history exists (backfill skips it).
    pub fn has_commit(&self, commit: &str) -> Result<bool, String> {
        self.conn
            .query_row(
                "SELECT 1 FROM snapshots WHERE commit_id = ?1 AND source = 'git' LIMIT 1",
                [commit],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(|e| format!("cannot read {}: {e}", self.path))
    }
}

/// A `snapshots` row (`id, taken_at, commit_id, source, against, metrics`), without its
/// services and crossings.
fn snapshot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        id: r.get(0)?,
        taken_at: r.get(1)?,
        commit: r.get(2)?,
        source: r.get(3)?,
        against: r.get(4)?,
        metrics: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or(serde_json::Value::Null),
        services: Vec::new(),
        crossings: Vec::new(),
    })
}

/// Test hook: `SEAM_TEST_PAUSE_IN_TRANSACTION=<ms>` sleeps inside the write transaction, so a
/// test can kill `seam track` mid-write and check that nothing is lost or half written.
fn pause_for_tests() {
    if let Some(ms) = std::env::var("SEAM_TEST_PAUSE_IN_TRANSACTION")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::snapshot::{Crossing, ServiceRow, Snapshot};

    fn snap(n: u32) -> Snapshot {
        Snapshot {
            taken_at: format!("2026-01-0{n} 10:00 UTC"),
            commit: Some(format!("{n:040}")),
            source: "git".into(),
            against: "proposal".into(),
            metrics: serde_json::json!({ "services": n }),
            services: vec![ServiceRow {
                service: "billing".into(),
                metrics: ServiceMetrics {
                    members: n,
                    instability: 0.25,
                    ..ServiceMetrics::default()
                },
            }],
            crossings: vec![Crossing {
                kind: "call".into(),
                from: "a:f".into(),
                to: "b:g".into(),
                from_service: "a".into(),
                to_service: "b".into(),
                allowed: true,
                count: n,
                file: "a.py".into(),
                line: 3,
            }],
            ..Snapshot::default()
        }
    }

    #[test]
    fn snapshots_round_trip_and_commits_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history.db");
        let mut store = Store::open(&path).unwrap();
        let a = store.record(&snap(1)).unwrap();
        let b = store.record(&snap(2)).unwrap();
        assert!(b > a);
        drop(store);
        let store = Store::open(&path).unwrap();
        let all = store.snapshots().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].metrics["services"], 2);
        let loaded = store.load(b).unwrap().unwrap();
        assert_eq!(loaded.crossings[0].count, 2);
        assert_eq!(loaded.services, snap(2).services);
        assert!(store.has_commit(&format!("{:040}", 1)).unwrap());
        assert!(!store.has_commit("nope").unwrap());
    }

    #[test]
    fn foreign_corrupt_and_newer_stores_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.db");
        std::fs::write(&garbage, vec![0x42u8; 4096]).unwrap();
        let e = Store::open(&garbage).unwrap_err();
        assert!(e.contains("not a readable seam history"), "{e}");
        let newer = dir.path().join("newer.db");
        Connection::open(&newer)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let e = Store::open(&newer).unwrap_err();
        assert!(e.contains("newer seam"), "{e}");
        let foreign = dir.path().join("foreign.db");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x int);")
            .unwrap();
        let e = Store::open(&foreign).unwrap_err();
        assert!(e.contains("other data"), "{e}");
        // Nothing was changed in the foreign file.
        let n: u32 = Connection::open(&foreign)
            .unwrap()
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
    }
}
