//! Backfill from git: past commits read from the object database (the work tree is not
//! touched), a snapshot each, unchanged files parsed once, commits already recorded skipped.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=seam",
            "-c",
            "user.email=seam@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_DATE", "2026-01-01T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-01T10:00:00Z")
        .output()
        .expect("git is installed");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Three commits: the shop, then a cross-boundary read added, then removed.
fn repo() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy_dir(&fixture("shop_blueprints"), d);
    git(d, &["init", "-q", "-b", "main"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "shop"]);
    let c1 = git(d, &["rev-parse", "HEAD"]);
    std::fs::write(d.join("shop/orders/reports.py"), CROSSING).unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "orders reads users"]);
    let c2 = git(d, &["rev-parse", "HEAD"]);
    std::fs::remove_file(d.join("shop/orders/reports.py")).unwrap();
    git(d, &["add", "-A"]);
    git(
        d,
        &["commit", "-q", "-m", "go through the identity API instead"],
    );
    let c3 = git(d, &["rev-parse", "HEAD"]);
    (dir, vec![c1, c2, c3])
}

#[test]
fn backfill_records_each_commit_from_the_object_database() {
    let (dir, commits) = repo();
    let p = dir.path().to_str().unwrap();
    // Accepted boundaries from today's code (not committed: they judge the past too).
    assert!(run(["init", p, "--proposal"]).status.success());
    let status_before = git(dir.path(), &["status", "--porcelain"]);
    let out = run(["track", p, "--last", "3"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(err.contains("3 commits recorded"), "{err}");
    // The second and third commits reuse the first's parsed files.
    assert!(err.contains("% reused"), "{err}");
    let snaps = snapshots(dir.path());
    let ids: Vec<&str> = snaps
        .iter()
        .map(|s| s["commit"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        commits.iter().map(String::as_str).collect::<Vec<_>>(),
        "oldest first"
    );
    assert!(snaps.iter().all(|s| s["source"] == "git"));
    let violations: Vec<u64> = snaps
        .iter()
        .map(|s| s["metrics"]["violations"].as_u64().unwrap())
        .collect();
    assert_eq!(violations, [0, 1, 0], "the crossing comes and goes");
    assert_eq!(snaps[0]["taken_at"], "2026-01-01 10:00 UTC", "commit time");
    // Nothing in the work tree changed (only seam's own files are new).
    assert_eq!(git(dir.path(), &["status", "--porcelain"]), status_before);
    // Again: nothing new to record.
    let out = run(["track", p, "--last", "3"]);
    assert!(stderr_of(&out).contains("0 commits recorded, 3 already there"));
    // diff between two recorded commits, by commit prefix.
    let out = run(["diff", p, &commits[0][..10], &commits[1][..10]]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("+ shop/orders/reports.py:5: orders -> users"),
        "{text}"
    );
}

#[test]
fn a_range_takes_the_commits_after_its_start() {
    let (dir, commits) = repo();
    let p = dir.path().to_str().unwrap();
    let range = format!("{}..HEAD", commits[0]);
    let out = run(["track", p, "--git-range", &range]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let snaps = snapshots(dir.path());
    let ids: Vec<&str> = snaps
        .iter()
        .map(|s| s["commit"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [commits[1].as_str(), commits[2].as_str()]);
    assert_eq!(
        snaps[0]["against"], "proposal",
        "no seam.toml: against the proposal"
    );
    // The same flag checks as every other analysis.
    let out = run(["track", p, "--last", "1", "--services", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(["track", p, "--git-range", "nope..HEAD"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("cannot resolve `nope`"));
}

#[test]
fn co_change_pairs_come_from_history_and_feed_the_clustering() {
    let (dir, _) = repo();
    let d = dir.path();
    // Three commits that change orders and billing services together.
    for i in 0..3 {
        for f in ["shop/orders/services.py", "shop/billing/services.py"] {
            let mut text = std::fs::read_to_string(d.join(f)).unwrap();
            text.push_str(&format!("\n\ndef _tweak_{i}():\n    return {i}\n"));
            std::fs::write(d.join(f), text).unwrap();
        }
        git(d, &["commit", "-q", "-am", &format!("tweak {i}")]);
    }
    let p = d.to_str().unwrap();
    let out = run([
        "cochange",
        p,
        "--last",
        "10",
        "--min-shared",
        "2",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let top = &v["pairs"][0];
    assert_eq!(top["a"], "shop/billing/services.py");
    assert_eq!(top["b"], "shop/orders/services.py");
    assert_eq!(top["shared"], 3);
    assert_eq!(top["degree"], 1.0);
    // The clustering takes it as extra weight; outside a git repository it is a usage error.
    let out = run(["analyze", p, "--co-change", "10", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let plain = tempfile::tempdir().unwrap();
    let out = run([
        "analyze",
        plain.path().to_str().unwrap(),
        "--co-change",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr_of(&out).contains("not in a git repository"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn diff_reads_unrecorded_commits_from_git() {
    let (dir, _) = repo();
    let p = dir.path().to_str().unwrap();
    // Against accepted boundaries (written from today's code, not committed).
    assert!(run(["init", p, "--proposal"]).status.success());
    let out = run(["diff", p, "HEAD~2", "HEAD~1"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("+ shop/orders/reports.py:5:"), "{text}");
    assert!(text.contains("1 crossings added, 0 removed"), "{text}");
    let text = String::from_utf8(run(["diff", p, "HEAD~1", "HEAD"]).stdout).unwrap();
    assert!(text.contains("0 crossings added, 1 removed"), "{text}");
}

/// A backfill reuses work between consecutive commits (the analysis of a commit that changed
/// no analysed file, the partitions of a graph that did not change): the snapshots are the
/// same as those of each commit analysed alone, in a process of its own.
#[test]
fn an_incremental_backfill_records_what_each_commit_alone_gives() {
    let (dir, mut commits) = repo();
    let d = dir.path();
    std::fs::write(d.join("NOTES.md"), "no Python changed\n").unwrap();
    git(d, &["add", "-A"]);
    git(d, &["commit", "-q", "-m", "notes"]);
    commits.push(git(d, &["rev-parse", "HEAD"]));
    let out = run(["track", d.to_str().unwrap(), "--last", "4"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let err = stderr_of(&out);
    assert!(
        err.contains("4 commits recorded")
            && err.contains("1 commits with the analysis of the one before"),
        "{err}"
    );
    let together = snapshots(d);

    let alone_dir = tempfile::tempdir().unwrap();
    let alone = alone_dir.path().join("clone");
    git(
        alone_dir.path(),
        &["clone", "-q", d.to_str().unwrap(), alone.to_str().unwrap()],
    );
    for c in &commits {
        git(&alone, &["checkout", "-q", c]);
        let out = run(["track", alone.to_str().unwrap(), "--last", "1"]);
        assert!(out.status.success(), "{}", stderr_of(&out));
    }
    let alone = snapshots(&alone);
    assert_eq!(together.len(), 4);
    let strip = |snaps: &[serde_json::Value]| -> Vec<serde_json::Value> {
        snaps
            .iter()
            .map(|s| {
                let mut s = s.clone();
                s.as_object_mut().unwrap().remove("recorded_at");
                s
            })
            .collect()
    };
    assert_eq!(strip(&together), strip(&alone));
}
