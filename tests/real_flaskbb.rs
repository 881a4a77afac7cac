//! seam on a real application: FlaskBB 2.0.2, fetched from PyPI at test time by
//! `shared/corpus/fetch.sh` (never committed), checked against facts verified by hand from its source
//! (`tests/data/flaskbb_expected.json`: every route with its handler, every table with its
//! columns, primary key and foreign keys, Celery tasks and where they are enqueued).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The unpacked sources, fetched by the corpus script (pinned there to 2.0.2).
fn flaskbb() -> PathBuf {
    common::fetch_corpus_app("flaskbb")
}

fn analyze(dir: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_seam"))
        .env("SEAM_NO_CACHE", "1")
        .arg("analyze")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    common::read_document(serde_json::from_slice(&out.stdout).unwrap())
}

fn expected() -> Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/flaskbb_expected.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn has_edge(v: &Value, from: &str, to: &str, kind: &str) -> bool {
    v["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["from"] == from && e["to"] == to && e["kind"] == kind)
}

#[test]
fn flaskbb_routes_tables_and_accesses_match_the_source() {
    let dir = flaskbb();
    let got = analyze(&dir);
    let want = expected();

    // Every route, with its full path (blueprint prefixes from the default config) and handler.
    let got_routes: BTreeSet<(String, String)> = got["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_owned(),
                r["handler"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want_routes: BTreeSet<(String, String)> = want["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "route:{} {}",
                    r["method"].as_str().unwrap(),
                    r["path"].as_str().unwrap()
                ),
                r["handler"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(want_routes.len(), 141);
    let missing: Vec<_> = want_routes.difference(&got_routes).collect();
    let extra: Vec<_> = got_routes.difference(&want_routes).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}\nextra {extra:?}"
    );
    // Registered through the `register_view` wrapper: evidence is the wrapper call.
    let login = got["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "route:POST /auth/login")
        .unwrap();
    assert_eq!(login["file"], "flaskbb/auth/views.py");
    assert!(has_edge(
        &got,
        "route:POST /auth/login",
        "flaskbb.auth.views:Login.post",
        "handles"
    ));

    // Every table, its columns, primary key and foreign keys.
    let got_tables: Vec<&Value> = got["tables"].as_array().unwrap().iter().collect();
    let got_ids: BTreeSet<String> = got_tables
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    let want_ids: BTreeSet<String> = want["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got_ids, want_ids);
    assert_eq!(got_ids.len(), 17);
    let mut fks = 0;
    for w in want["tables"].as_array().unwrap() {
        let g = got_tables.iter().find(|t| t["id"] == w["id"]).unwrap();
        let g_cols: BTreeSet<String> = g["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
        let w_cols: BTreeSet<String> = strs(&w["columns"]).into_iter().collect();
        assert_eq!(g_cols, w_cols, "columns of {}", w["id"]);
        assert_eq!(
            strs(&g["primary_key"]),
            strs(&w["primary_key"]),
            "primary key of {}",
            w["id"]
        );
        // (columns, referenced table) of a table's foreign keys, from either document.
        let fks_of = |t: &Value| -> BTreeSet<(Vec<String>, String)> {
            t["foreign_keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        strs(&f["columns"]),
                        f["references"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        };
        let (g_fk, w_fk) = (fks_of(g), fks_of(w));
        assert_eq!(g_fk, w_fk, "foreign keys of {}", w["id"]);
        fks += g_fk.len();
        if let Some(model) = w["model"].as_str() {
            assert!(
                has_edge(&got, model, w["id"].as_str().unwrap(), "maps"),
                "{model} maps to {}",
                w["id"]
            );
        }
    }
    assert_eq!(fks, 30);
    assert!(has_edge(&got, "table:posts", "table:topics", "references"));

    // Data access of handlers, checked by hand (views.py line numbers in the comments).
    for (from, table, kind) in [
        (
            "flaskbb.forum.views:MarkRead.post",
            "table:forumsread",
            "reads",
        ), // 713 ForumsRead.query...first()
        (
            "flaskbb.forum.views:MarkRead.post",
            "table:forumsread",
            "writes",
        ), // 728 db.session.add(forumsread)
        (
            "flaskbb.forum.views:MarkRead.post",
            "table:topicsread",
            "writes",
        ), // 716 TopicsRead.query...delete()
        ("flaskbb.forum.views:ForumIndex.get", "table:users", "reads"), // 51 User.query.count()
        (
            "flaskbb.forum.views:ForumIndex.get",
            "table:topics",
            "reads",
        ), // 52
        ("flaskbb.forum.views:ForumIndex.get", "table:posts", "reads"), // 53
        (
            "flaskbb.forum.views:DeletePost.post",
            "table:posts",
            "reads",
        ), // 685
        (
            "flaskbb.management.views:UninstallPlugin.post",
            "table:plugin_registry",
            "reads",
        ), // 1001
        (
            "flaskbb.management.views:UninstallPlugin.post",
            "table:plugin_store",
            "writes",
        ), // 1002 .delete()
    ] {
        assert!(has_edge(&got, from, table, kind), "{from} {kind} {table}");
    }
    // Cross-module calls and Celery.
    assert!(has_edge(
        &got,
        "flaskbb.forum.views:ForumIndex.get",
        "flaskbb.forum.models:Category.get_all",
        "calls"
    ));
    assert!(has_edge(
        &got,
        "flaskbb.auth.services.password:ResetPasswordService.initiate_password_reset",
        "flaskbb.email:send_reset_token",
        "enqueues"
    ));
    assert!(has_edge(
        &got,
        "flaskbb.auth.services.activation:AccountActivator.initiate_account_activation",
        "flaskbb.email:send_activation_token",
        "enqueues"
    ));
    let tasks: Vec<&str> = got["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["tags"].as_array().unwrap().iter().any(|t| t == "task"))
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        tasks,
        vec![
            "flaskbb.email:send_activation_token",
            "flaskbb.email:send_async_email",
            "flaskbb.email:send_reset_token"
        ]
    );

    // Tests and migrations are analysed but tagged; nothing in FlaskBB is broken Python.
    let tagged = |tag: &str| {
        got["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| {
                n["kind"] == "module" && n["tags"].as_array().unwrap().iter().any(|t| t == tag)
            })
            .count()
    };
    assert!(tagged("test") > 10, "test modules are tagged");
    assert!(tagged("migration") > 3, "migration modules are tagged");
    let errors: Vec<&Value> = got["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let s = &got["summary"];
    assert_eq!(s["routes"], 141);
    assert_eq!(s["tables"], 17);
    assert_eq!(s["celery_tasks"], 3);
    assert!(s["resolved_calls"].as_u64().unwrap() > 1000);
}

/// The forum aggregate stays whole and the cuts left are named (issue 12): a post is saved
/// with its topic's and forum's counters in one write, so posts, topics and forums are one
/// service; the author's post count (`users`, a hub) is a named cut, not a merge; the
/// permission groups, read on every request and written by the management pages, are
/// reference data.
#[test]
fn flaskbb_keeps_the_forum_aggregate_and_names_its_cuts() {
    let v = analyze(&flaskbb());
    let services = v["services"].as_array().unwrap();
    let owner = |table: &str| {
        services
            .iter()
            .find(|svc| svc["tables"].as_array().unwrap().iter().any(|t| t == table))
            .map(|svc| svc["name"].as_str().unwrap().to_owned())
    };
    assert!(owner("table:posts").is_some());
    assert_eq!(owner("table:posts"), owner("table:topics"));
    assert_eq!(owner("table:forums"), owner("table:topics"));
    assert_ne!(owner("table:users"), owner("table:topics"));
    let cuts = v["transaction_cuts"].as_array().unwrap();
    assert!(
        cuts.iter().any(|c| {
            c["tables"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["table"] == "table:users")
                && c["function"]
                    .as_str()
                    .unwrap()
                    .starts_with("flaskbb.forum.models:")
        }),
        "the post count on users is a named cut: {cuts:#?}"
    );
    let groups = v["shared_tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["table"] == "table:groups")
        .expect("groups is shared");
    assert!(
        groups["reference_data"]
            .as_str()
            .is_some_and(|r| r.starts_with("reference data: read by")),
        "{groups:#?}"
    );
}
