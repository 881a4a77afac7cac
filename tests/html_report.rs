//! The HTML report end to end: one self-contained file, every section there, evidence links,
//! escaping of hostile names, byte-identical output for a fixed date, and the dot/Mermaid maps.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn report(repo: &Path, out: &Path, extra: &[&str]) -> String {
    let status = Command::new(bin())
        .env("SEAM_NO_CACHE", "1")
        .args([
            "report",
            repo.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1795000000")
        .status()
        .unwrap();
    assert!(status.success(), "seam report failed");
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn the_report_is_one_self_contained_page_with_every_section() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(
        &fixture("classic_monolith"),
        &dir.path().join("r.html"),
        &[],
    );
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing fetched from elsewhere: no external stylesheet, script, image or font.
    for bad in ["<link", "<script", "src=\"http", "@import", "url(http"] {
        assert!(!html.contains(bad), "external resource: {bad}");
    }
    for id in [
        "id=\"overview\"",
        "id=\"service-map\"",
        "id=\"dsm\"",
        "id=\"ownership\"",
        "id=\"services\"",
        "id=\"advice\"",
        "id=\"plan\"",
        "id=\"diagnostics\"",
    ] {
        assert!(html.contains(id), "missing {id}");
    }
    let v = analyze_json("classic_monolith");
    for svc in arr(&v, "services") {
        let name = s(svc, "name");
        assert!(html.contains(&format!("<h3>{name}</h3>")), "service {name}");
    }
    assert!(
        html.contains("2026-11-18 11:06 UTC"),
        "the date comes from SOURCE_DATE_EPOCH"
    );
    assert!(html.contains("create_distributed_table"));
    // A sliver kept on its own says so on its card (the audit trail three domains call).
    assert!(
        html.contains("<p class=\"warning-note\">a sliver kept on its own"),
        "sliver flagged"
    );
    // The verdict, with its reason: a 500-line app keeps its monolith.
    assert!(
        html.contains(
            "<strong>Verdict: Keep a modular monolith.</strong> The application is small"
        ),
        "verdict shown"
    );
    // Same input, same date: the same bytes.
    let again = report(
        &fixture("classic_monolith"),
        &dir.path().join("r2.html"),
        &[],
    );
    assert_eq!(html, again);
}

#[test]
fn evidence_becomes_links_with_a_source_url() {
    let dir = tempfile::tempdir().unwrap();
    let html = report(
        &fixture("classic_monolith"),
        &dir.path().join("r.html"),
        &[
            "--source-url",
            "https://code.example/repo/blob/main/{file}#L{line}",
        ],
    );
    assert!(html.contains("href=\"https://code.example/repo/blob/main/services.py#L90\""));
    let plain = report(
        &fixture("classic_monolith"),
        &dir.path().join("p.html"),
        &[],
    );
    assert!(!plain.contains("href=\"https://"));
    assert!(plain.contains("<code>services.py:90</code>"));
}

#[test]
fn hostile_names_render_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(
        repo.join("app.py"),
        "from flask import Flask\nfrom db import db\napp = Flask(__name__)\n\n\
         @app.get('/<script>alert(1)</script>')\ndef evil():\n    \
         return db.execute('SELECT * FROM \"<img src=x onerror=alert(2)>\"')\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("schema.sql"),
        "CREATE TABLE \"<img src=x onerror=alert(2)>\" (id int PRIMARY KEY);\n",
    )
    .unwrap();
    let html = report(&repo, &dir.path().join("r.html"), &[]);
    assert!(
        !html.contains("<script>alert"),
        "a route path became markup"
    );
    assert!(!html.contains("<img src=x"), "a table name became markup");
    // Both are on the page, escaped (askama writes numeric entities).
    let escaped = |s: &str| {
        html.contains(&s.replace('<', "&#60;").replace('>', "&#62;"))
            || html.contains(&s.replace('<', "&lt;").replace('>', "&gt;"))
    };
    assert!(escaped("<script>alert(1)</script>"), "the route is shown");
    assert!(escaped("<img"), "the table is shown");
}

#[test]
fn the_service_map_as_dot_and_mermaid() {
    let out = run([
        "analyze",
        fixture("classic_monolith").to_str().unwrap(),
        "--format",
        "dot",
    ]);
    let dot = String::from_utf8(out.stdout).unwrap();
    assert!(dot.starts_with("digraph services {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("label=\"users\\n"));
    assert!(dot.contains("shape=cylinder"));
    let out = run([
        "analyze",
        fixture("classic_monolith").to_str().unwrap(),
        "--format",
        "mermaid",
    ]);
    let mm = String::from_utf8(out.stdout).unwrap();
    assert!(mm.starts_with("flowchart LR"));
    assert!(mm.contains("-->|"));
    // `analyze --html` writes the same page next to the normal output.
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("a.html");
    let out = run([
        "analyze",
        fixture("classic_monolith").to_str().unwrap(),
        "--format",
        "json",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(&page)
            .unwrap()
            .contains("id=\"service-map\"")
    );
}
