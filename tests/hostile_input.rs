//! Issue 15: input built to hurt (a machine's worth of threads, 40k linked tables, a 5 MiB
//! literal, 99,000 unions, old Mac line endings) completes with bounded work, checked by
//! counts and completion, never by timing. Inputs are generated here, never committed.

mod common;

use std::path::Path;

use common::*;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn threads_beyond_the_machine_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("a.py"), "x = 1\n");
    for t in ["5000", "100000"] {
        let out = run([
            "analyze",
            dir.path().to_str().unwrap(),
            "--threads",
            t,
            "--format",
            "json",
        ]);
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "--threads {t}: {stderr}");
        assert!(stderr.contains("cores"), "{stderr}");
    }
}

#[test]
fn forty_thousand_linked_tables_complete() {
    let dir = tempfile::tempdir().unwrap();
    let mut sql = String::from("CREATE TABLE t0 (id integer PRIMARY KEY, org_id integer);\n");
    for i in 1..40_000 {
        sql.push_str(&format!(
            "CREATE TABLE t{i} (id integer PRIMARY KEY, parent_id integer REFERENCES t{}(id), org_id integer);\n",
            i - 1
        ));
    }
    write(&dir.path().join("schema.sql"), &sql);
    let v = analyze_path_json(dir.path());
    assert_eq!(summary(&v, "tables"), 40_000);
}

#[test]
fn a_five_mib_literal_is_cut_and_the_code_beside_it_kept() {
    let dir = tempfile::tempdir().unwrap();
    let n = (5 * 1024 * 1024 - 200) / 2;
    let text = format!(
        "from flask import Flask\napp = Flask(__name__)\nDATA = [{}]\n\n@app.route(\"/ping\")\ndef ping():\n    return \"pong\"\n",
        "1,".repeat(n)
    );
    write(&dir.path().join("app.py"), &text);
    let v = analyze_path_json(dir.path());
    let routes = node_ids(&v, "route");
    assert_eq!(routes.len(), 1, "{routes:?}");
    let diags = arr(&v, "diagnostics");
    assert!(
        diags.iter().any(
            |d| s(d, "message").starts_with(&format!("a data literal of {n} values"))
                && u(d, "line") == 3
        ),
        "{diags:?}"
    );
}

#[test]
fn a_union_of_99000_selects_is_a_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let sql = format!("{};\n", vec!["SELECT 1"; 99_000].join(" UNION ALL "));
    write(&dir.path().join("q.sql"), &sql);
    let v = analyze_path_json(dir.path());
    let diags = arr(&v, "diagnostics");
    assert!(
        diags
            .iter()
            .any(|d| s(d, "message").contains("98999 set operations")),
        "{diags:?}"
    );
}

#[test]
fn lone_carriage_returns_end_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = "from flask import Flask\rapp = Flask(__name__)\r\r@app.route(\"/ping\")\rdef ping():\r    return \"pong\"\r";
    write(&dir.path().join("app.py"), text);
    let v = analyze_path_json(dir.path());
    assert_eq!(node_ids(&v, "route").len(), 1);
    assert!(
        arr(&v, "diagnostics")
            .iter()
            .all(|d| !s(d, "message").contains("syntax")),
        "{:?}",
        arr(&v, "diagnostics")
    );
    let route = arr(&v, "nodes")
        .iter()
        .find(|n| s(n, "kind") == "route")
        .unwrap()
        .clone();
    // `@app.route` is on line 4 once each `\r` ends a line (all were line 1).
    assert_eq!(u(&route, "line"), 4, "{route}");
}
