//! Accepted boundaries end to end: `seam init` writes seam.toml from the proposal, `seam check`
//! passes on that code, fails (exit 1) with file:line once a dependency is forbidden or new code
//! crosses a boundary, ratchets with a baseline, speaks GitHub annotations and SARIF, and
//! refuses a bad seam.toml with line and column (exit 2).

mod common;

use std::path::Path;
use std::process::Output;

use common::*;

fn shop() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop_blueprints"), dir.path());
    let out = run(["init", dir.path().to_str().unwrap(), "--proposal"]);
    assert!(out.status.success(), "init: {}", stderr_of(&out));
    dir
}

fn check(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes `service` from `from`'s allow list.
fn forbid(dir: &Path, from: &str, service: &str) {
    let path = dir.join("seam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let header = format!("[services.{from}]");
    let start = text.find(&header).expect("service section");
    let allow = start + text[start..].find("allow = [").unwrap();
    let entry = format!("  \"{service}\",\n");
    let at = allow + text[allow..].find(&entry).expect("allowed today");
    let edited = format!("{}{}", &text[..at], &text[at + entry.len()..]);
    std::fs::write(&path, edited).unwrap();
}

#[test]
fn init_then_check_passes_and_a_forbidden_dependency_fails_with_evidence() {
    let dir = shop();
    let text = std::fs::read_to_string(dir.path().join("seam.toml")).unwrap();
    assert!(text.contains("[services.invoices]"));
    assert!(
        text.contains("\"shop.billing.*\""),
        "whole packages become package patterns"
    );
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    // billing (`invoices`, named for its dominant table) calls identity's (`users`)
    // billing_contact: forbid it.
    forbid(dir.path(), "invoices", "users");
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("shop/billing/") && l.contains(": error: invoices -> users:")),
        "{text}"
    );
    // Annotations and SARIF say the same.
    let gh = stdout(&check(dir.path(), &["--format", "github"]));
    assert!(
        gh.lines()
            .all(|l| l.starts_with("::error file=shop/billing/")),
        "{gh}"
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&stdout(&check(dir.path(), &["--format", "sarif"]))).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(
        results[0]["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 0
    );
}

#[test]
fn a_baseline_only_lets_known_violations_pass() {
    let dir = shop();
    forbid(dir.path(), "invoices", "users");
    let base = dir.path().join("baseline.txt");
    let out = check(dir.path(), &["--write-baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = check(dir.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("known in the baseline"));
    // New code in the orders package that reads identity's users table (orders may use
    // invoices and products, not users): a new violation, judged by the module it is in.
    std::fs::write(dir.path().join("shop/orders/reports.py"), CROSSING).unwrap();
    let out = check(dir.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("shop/orders/reports.py:5: error: orders -> users:"),
        "{text}"
    );
    assert!(text.contains("reads table:users"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains(": error: ")).count(),
        1,
        "only the new one: {text}"
    );
}

#[test]
fn bad_seam_toml_is_refused_with_line_and_column() {
    let dir = shop();
    let path = dir.path().join("seam.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("\"shop.billing.*\"", "\"shop billing\"", 1),
    )
    .unwrap();
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(
        err.contains("seam.toml:") && err.contains("bad pattern `shop billing`"),
        "{err}"
    );
    // Two services claiming one symbol equally specifically.
    std::fs::write(
        &path,
        text.replacen(
            "[services.products]\nmembers = [\n",
            "[services.products]\nmembers = [\n  \"shop.billing.*\",\n",
            1,
        ),
    )
    .unwrap();
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("is also a member of"), "{err}");
    // A missing file says how to make one.
    std::fs::remove_file(&path).unwrap();
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("seam init"));
    // init does not overwrite without --force.
    std::fs::write(&path, "version = 1\n").unwrap();
    let out = run(["init", dir.path().to_str().unwrap(), "--proposal"]);
    assert_eq!(out.status.code(), Some(2));
}

/// When the verdict is to keep a modular monolith (a small app), `seam init` writes today's
/// packages as the boundaries, and `seam check` passes on them the day they are written.
#[test]
fn init_writes_todays_packages_when_the_verdict_keeps_the_monolith() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop_blueprints"), dir.path());
    let p = dir.path().to_str().unwrap();
    let v = expect_json(&run(["analyze", p, "--format", "json"]), "shop_blueprints");
    assert_eq!(v["verdict"]["recommendation"], "keep-modular-monolith");
    assert!(
        v["verdict"]["reason"].as_str().unwrap().contains("small"),
        "{}",
        v["verdict"]["reason"]
    );
    let out = run(["init", p]);
    assert!(out.status.success(), "init: {}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("today's packages"),
        "{}",
        stderr_of(&out)
    );
    let text = std::fs::read_to_string(dir.path().join("seam.toml")).unwrap();
    // One boundary per package, named for it, with the tables its models map.
    assert!(text.contains("[services.\"shop.billing\"]"), "{text}");
    assert!(text.contains("[services.\"shop.catalog\"]"), "{text}");
    assert!(!text.contains("[services.billing]"), "{text}");
    let out = check(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}
