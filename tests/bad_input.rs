//! Hostile input never crashes the analyser: every bad file is either analysed or reported as a
//! diagnostic, and the good code next to it is still found. The inputs are generated in a temp
//! dir (some are binary or huge), never committed.

mod common;

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::Path;

use common::*;
use serde_json::Value;

const GOOD_PY: &str = r#"from flask import Flask

app = Flask(__name__)


@app.route("/ping")
def ping():
    return "pong"
"#;

/// Line 3 is broken; the statements on lines 2 and 4 are fine.
const SCHEMA_SQL: &str = "-- widgets and gadgets\n\
CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL);\n\
CREATE TABLE broken_thing (id integer PRIMARY KEY,, name text);\n\
CREATE TABLE gadgets (id integer PRIMARY KEY, widget_id integer REFERENCES widgets (id));\n";
const BROKEN_SQL_LINE: u64 = 3;

/// One hostile input: a name for messages and how to create it under a directory.
struct Case {
    name: &'static str,
    /// Python files (relative) it creates, each of which must be analysed or diagnosed.
    py_files: &'static [&'static str],
    build: fn(&Path),
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(path, bytes).unwrap();
}

fn big_py() -> String {
    // ~10 MB of small functions (about 1 KB each).
    let padding = "x".repeat(900);
    let mut s = String::with_capacity(10 * 1024 * 1024 + 2048);
    let mut i = 0;
    while s.len() < 10 * 1024 * 1024 {
        write!(s, "def handler_{i:06}(request):\n    \"\"\"{padding}\"\"\"\n    return request.args.get(\"k{i}\")\n\n\n").unwrap();
        i += 1;
    }
    s
}

const CASES: &[Case] = &[
    Case {
        name: "non-UTF-8 (latin-1) source",
        py_files: &["latin1.py"],
        build: |d| {
            write(&d.join("latin1.py"), b"# -*- coding: latin-1 -*-\nGREETING = \"caf\xe9 cr\xe8me\"\n\n\ndef greet():\n    return GREETING\n")
        },
    },
    Case {
        name: "Python 2 source",
        py_files: &["py2.py"],
        build: |d| {
            write(
                &d.join("py2.py"),
                "import urllib2\n\nprint \"hello\"\n\ntry:\n    urllib2.urlopen(\"http://x\")\nexcept IOError, e:\n    print e\n",
            )
        },
    },
    Case {
        name: "syntax error",
        py_files: &["syntax_error.py"],
        build: |d| {
            write(
                &d.join("syntax_error.py"),
                "def broken(:\n    return 1\n\n\ndef fine():\n    return 2\n",
            )
        },
    },
    Case {
        name: "empty file",
        py_files: &["empty.py"],
        build: |d| write(&d.join("empty.py"), ""),
    },
    Case {
        name: "binary file named .py",
        py_files: &["x.py"],
        build: |d| {
            let mut bytes = vec![0u8, 0, 0, 1, 0xff, 0xfe, b'P', b'K', 3, 4];
            bytes.extend((0..4096u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
            bytes.extend([0u8; 64]);
            write(&d.join("x.py"), bytes)
        },
    },
    Case {
        name: "10 MB of small functions",
        py_files: &["big.py"],
        build: |d| write(&d.join("big.py"), big_py()),
    },
    Case {
        name: "parentheses nested 100,000 deep",
        py_files: &["deep_parens.py"],
        build: |d| {
            write(
                &d.join("deep_parens.py"),
                format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000)),
            )
        },
    },
    Case {
        name: "a sum of 200,000 terms",
        py_files: &["long_sum.py"],
        build: |d| {
            write(
                &d.join("long_sum.py"),
                format!("x = {}1\n", "1+".repeat(199_999)),
            )
        },
    },
    Case {
        name: "symlink loop",
        py_files: &[],
        build: |d| {
            std::fs::create_dir_all(d.join("loop")).unwrap();
            write(&d.join("loop/inner.py"), "def inner():\n    return 1\n");
            #[cfg(unix)]
            std::os::unix::fs::symlink("..", d.join("loop/up")).unwrap();
        },
    },
    Case {
        name: "unreadable file",
        py_files: &[],
        build: |d| {
            let p = d.join("secret.py");
            write(&p, "TOKEN = 'x'\n");
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
            }
        },
    },
    Case {
        name: "broken SQL statement between good ones",
        py_files: &[],
        build: |d| write(&d.join("schema.sql"), SCHEMA_SQL),
    },
];

fn build_dir(cases: &[&Case]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("good.py"), GOOD_PY);
    for c in cases {
        (c.build)(dir.path());
    }
    dir
}

/// Runs `seam analyze DIR --format json`, returning the JSON or why it failed.
fn analyze(dir: &Path) -> Result<Value, String> {
    let out = run([
        OsStr::new("analyze"),
        dir.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("json"),
    ]);
    let stderr = stderr_of(&out);
    if stderr.contains("panicked") {
        return Err(format!("panicked:\n{}", tail(&stderr)));
    }
    if out.status.code() != Some(0) {
        return Err(format!(
            "exit status {:?}; stderr:\n{}",
            out.status,
            tail(&stderr)
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map(read_document)
        .map_err(|e| format!("stdout is not JSON: {e}"))
}

/// The good module is still analysed.
fn check_good_route(v: &Value) -> Result<(), String> {
    let r = find_route(v, "route:GET /ping")
        .ok_or_else(|| format!("route:GET /ping missing; routes {:?}", ids(v, "routes")))?;
    if s(r, "handler") != "good:ping" {
        return Err(format!("route:GET /ping handled by {}", s(r, "handler")));
    }
    Ok(())
}

/// Each bad Python file is either a module node or the subject of a diagnostic.
fn check_accounted_for(v: &Value, case: &Case) -> Result<(), String> {
    for f in case.py_files {
        let module = f.trim_end_matches(".py");
        let analysed = find_node(v, module).is_some_and(|n| file_is(s(n, "file"), f));
        if !analysed && diagnostics_in(v, f).is_empty() {
            return Err(format!(
                "{}: {f} is neither analysed nor diagnosed",
                case.name
            ));
        }
    }
    Ok(())
}

fn check_sql(v: &Value) -> Result<(), String> {
    let diags = diagnostics_in(v, "schema.sql");
    if !diags.iter().any(|d| u(d, "line") == BROKEN_SQL_LINE) {
        return Err(format!(
            "no diagnostic at schema.sql:{BROKEN_SQL_LINE}; schema.sql diagnostics: {diags:?}"
        ));
    }
    for t in ["table:widgets", "table:gadgets"] {
        if find_table(v, t).is_none() {
            return Err(format!(
                "{t} lost around the broken statement; tables {:?}",
                ids(v, "tables")
            ));
        }
    }
    let fks = foreign_keys(v);
    if !fks.contains(&fk(
        "table:gadgets",
        &["widget_id"],
        "table:widgets",
        &["id"],
    )) {
        return Err(format!("gadgets.widget_id → widgets.id lost; FKs {fks:?}"));
    }
    Ok(())
}

fn check_case(v: &Value, case: &Case) -> Result<(), String> {
    check_good_route(v)?;
    check_accounted_for(v, case)?;
    match case.name {
        "syntax error"
            if !diagnostics_in(v, "syntax_error.py")
                .iter()
                .any(|d| u(d, "line") == 1) =>
        {
            return Err(format!(
                "no diagnostic at syntax_error.py:1; {:?}",
                diagnostics_in(v, "syntax_error.py")
            ));
        }
        "broken SQL statement between good ones" => check_sql(v)?,
        // Whatever the walker does with the link, the real file is analysed.
        "symlink loop" if find_node(v, "loop.inner").is_none() => {
            return Err("loop/inner.py not analysed".into());
        }
        _ => {}
    }
    Ok(())
}

/// All the bad inputs in one tree, next to a good module.
#[test]
fn all_bad_inputs_together() {
    let dir = build_dir(&CASES.iter().collect::<Vec<_>>());
    let v = analyze(dir.path()).unwrap_or_else(|e| panic!("seam on all bad inputs: {e}"));
    check_contract(&v);
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| check_case(&v, c).err())
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Each bad input alone next to the good module, so a crash names its cause.
#[test]
fn each_bad_input_alone() {
    let mut failures = Vec::new();
    for case in CASES {
        let dir = build_dir(&[case]);
        match analyze(dir.path()) {
            Err(e) => failures.push(format!("{}: {e}", case.name)),
            Ok(v) => {
                check_contract(&v);
                if let Err(e) = check_case(&v, case) {
                    failures.push(e);
                }
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn broken_sql_is_located() {
    let dir = build_dir(&[CASES
        .iter()
        .find(|c| c.py_files.is_empty() && c.name.contains("SQL"))
        .unwrap()]);
    let v = analyze(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    check_sql(&v).unwrap_or_else(|e| panic!("{e}"));
    let d = diagnostics_in(&v, "schema.sql")
        .into_iter()
        .find(|d| u(d, "line") == BROKEN_SQL_LINE)
        .unwrap();
    assert!(!s(d, "message").is_empty());
    // The good statements yield their columns.
    let cols: Vec<String> = columns(table(&v, "table:gadgets")).into_keys().collect();
    assert_eq!(cols, ["id", "widget_id"]);
}

fn assert_usage_error(args: &[&OsStr], what: &str) {
    let out = run(args);
    let stderr = stderr_of(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: exit status; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    let msg = stderr.trim();
    assert!(!msg.is_empty(), "{what}: no message on stderr");
    assert_eq!(
        msg.lines().count(),
        1,
        "{what}: a one-line message, got:\n{stderr}"
    );
}

#[test]
fn missing_path_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir");
    assert_usage_error(
        &[
            OsStr::new("analyze"),
            missing.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
        ],
        "missing PATH",
    );
    assert_usage_error(
        &[OsStr::new("analyze"), missing.as_os_str()],
        "missing PATH, default format",
    );
}

#[test]
fn file_path_is_a_usage_error() {
    let dir = build_dir(&[]);
    let file = dir.path().join("good.py");
    assert_usage_error(
        &[
            OsStr::new("analyze"),
            file.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
        ],
        "PATH is a file",
    );
}

#[test]
fn unknown_and_conflicting_flags_are_one_line_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().as_os_str();
    assert_usage_error(
        &[OsStr::new("analyze"), p, OsStr::new("--bogus")],
        "unknown flag",
    );
    assert_usage_error(
        &[
            OsStr::new("analyze"),
            p,
            OsStr::new("--no-services"),
            OsStr::new("--services"),
            OsStr::new("3"),
        ],
        "conflicting flags",
    );
    assert_usage_error(
        &[
            OsStr::new("analyze"),
            p,
            OsStr::new("--services"),
            OsStr::new("many"),
        ],
        "bad number",
    );
}
