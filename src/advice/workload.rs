//! Production weights for the shard-key advisor: a `pg_stat_statements` export (CSV with a
//! header; columns found by name: `query`, `calls`, optionally `total_exec_time`). Each row's
//! SQL is parsed with seam's SQL front end and matched to the query sites that run the same
//! kind of statement on the same tables (preferring the same equality columns), since the
//! code's SQL and the server's normalised text rarely match character for character. A site
//! then weighs the calls of its rows; rows that match no site are reported, not dropped.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Serialize;

use crate::analysis::{Analysis, Query};

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Line in the CSV (1 = header).
    pub line: u32,
    pub query: String,
    pub calls: f64,
    pub total_exec_time: f64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Workload {
    pub rows: Vec<Row>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct WorkloadSummary {
    pub rows: u32,
    pub matched_rows: u32,
    pub matched_calls: f64,
    pub unmatched: Vec<Unmatched>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unmatched {
    pub line: u32,
    pub calls: f64,
    /// The statement, shortened.
    pub query: String,
    pub why: String,
}

/// Reads the CSV. Errors name the file and what is wrong (a bad file is a usage error).
pub fn read(path: &Path) -> Result<Workload, String> {
    let shown = path.display().to_string();
    // `csv::Error::from` keeps the message `ReaderBuilder::from_path` gave for a file that
    // cannot be opened.
    let file =
        std::fs::File::open(path).map_err(|e| format!("{shown}: {}", csv::Error::from(e)))?;
    parse(file, &shown)
}

/// Reads a CSV export from any reader; `shown` names it in errors (`read` passes the path).
/// Split from [`read`] so the fuzzer can feed bytes without files.
pub fn parse(input: impl std::io::Read, shown: &str) -> Result<Workload, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| format!("{shown}: {e}"))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(q), Some(c)) = (col("query"), col("calls")) else {
        return Err(format!(
            "{shown}: a pg_stat_statements export needs `query` and `calls` columns (found: {})",
            headers.iter().collect::<Vec<_>>().join(", ")
        ));
    };
    let t = col("total_exec_time").or_else(|| col("total_time"));
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u32 + 2;
        let record = record.map_err(|e| format!("{shown}:{line}: {e}"))?;
        let number = |idx: Option<usize>, what: &str| -> Result<f64, String> {
            match idx.and_then(|i| record.get(i)) {
                None | Some("") => Ok(0.0),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("{shown}:{line}: `{what}` is not a number: {v:?}")),
            }
        };
        rows.push(Row {
            line,
            query: record.get(q).unwrap_or("").to_owned(),
            calls: number(Some(c), "calls")?,
            total_exec_time: number(t, "total_exec_time")?,
        });
    }
    Ok(Workload { rows })
}

struct Shape {
    kind: String,
    reads: BTreeSet<String>,
    writes: BTreeSet<String>,
    equality: BTreeSet<String>,
}

fn shape_of_row(sql: &str) -> Option<Shape> {
    let facts = seam_sql::analyze(sql, 1);
    let st = facts.statements.into_iter().find(|s| s.kind.is_query())?;
    let kind = st.kind.as_str().to_owned();
    Some(Shape {
        kind,
        reads: st.reads.into_iter().map(|t| format!("table:{t}")).collect(),
        writes: st
            .writes
            .into_iter()
            .map(|t| format!("table:{t}"))
            .collect(),
        equality: st.equality_columns.into_iter().collect(),
    })
}

fn same_tables(q: &Query, s: &Shape) -> bool {
    q.kind == s.kind
        && q.reads.iter().cloned().collect::<BTreeSet<_>>() == s.reads
        && q.writes.iter().cloned().collect::<BTreeSet<_>>() == s.writes
}

/// One weight per query site (in `a.queries` order): 1 plus the calls of the rows it matches
/// (a row matching several sites splits its calls between them), and the summary.
pub fn weigh(a: &Analysis, w: &Workload) -> (Vec<f64>, WorkloadSummary) {
    let mut weights = vec![1.0; a.queries.len()];
    let mut summary = WorkloadSummary {
        rows: w.rows.len() as u32,
        ..WorkloadSummary::default()
    };
    for row in &w.rows {
        let short: String = row.query.chars().take(120).collect();
        let Some(shape) = shape_of_row(&row.query) else {
            summary.unmatched.push(Unmatched {
                line: row.line,
                calls: row.calls,
                query: short,
                why: "not a query seam can parse".into(),
            });
            continue;
        };
        let candidates: Vec<usize> = (0..a.queries.len())
            .filter(|&i| same_tables(&a.queries[i], &shape))
            .collect();
        let exact: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&i| {
                a.queries[i]
                    .equality_columns
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>()
                    == shape.equality
            })
            .collect();
        let matched = if exact.is_empty() { candidates } else { exact };
        if matched.is_empty() {
            summary.unmatched.push(Unmatched {
                line: row.line,
                calls: row.calls,
                query: short,
                why: "no query site runs this statement shape (kind and tables)".into(),
            });
            continue;
        }
        summary.matched_rows += 1;
        summary.matched_calls += row.calls;
        let share = row.calls / matched.len() as f64;
        for i in matched {
            weights[i] += share;
        }
    }
    (weights, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_reads_bytes_and_read_names_the_file() {
        let w = parse(
            &b"userid,query,calls,total_exec_time\n10,\"SELECT 1\",7,2.5\n10,SELECT 2,,\n"[..],
            "x.csv",
        )
        .unwrap();
        let rows: Vec<(u32, &str, f64, f64)> = w
            .rows
            .iter()
            .map(|r| (r.line, r.query.as_str(), r.calls, r.total_exec_time))
            .collect();
        assert_eq!(
            rows,
            vec![(2, "SELECT 1", 7.0, 2.5), (3, "SELECT 2", 0.0, 0.0)]
        );
        let e = parse(&b"query,calls\nSELECT 1,lots\n"[..], "x.csv").unwrap_err();
        assert_eq!(e, "x.csv:2: `calls` is not a number: \"lots\"");
        let e = parse(&b"query\n"[..], "x.csv").unwrap_err();
        assert!(
            e.starts_with("x.csv: a pg_stat_statements export needs"),
            "{e}"
        );
        let missing = Path::new("/nonexistent/seam/workload.csv");
        let e = read(missing).unwrap_err();
        assert!(e.starts_with("/nonexistent/seam/workload.csv: "), "{e}");
    }
}
