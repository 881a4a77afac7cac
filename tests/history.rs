//! History end to end: `seam track` records snapshots, `seam trend` prints them, `seam diff`
//! lists the crossings a change adds, and a `track` killed in the middle of its write leaves
//! the store as it was.

mod common;

use std::process::Command;
use std::time::Duration;

use common::*;

#[test]
fn track_trend_and_diff() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop_blueprints"), dir.path());
    let p = dir.path().to_str().unwrap();
    assert!(run(["init", p, "--proposal"]).status.success());
    let out = run(["track", p]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(dir.path().join(".seam/history.db").is_file());
    // New code in orders reading identity's users table: a crossing, not allowed.
    std::fs::write(dir.path().join("shop/orders/reports.py"), CROSSING).unwrap();
    assert!(run(["track", p]).status.success());
    let snaps = snapshots(dir.path());
    assert_eq!(snaps.len(), 2);
    assert_eq!(snaps[0]["against"], "seam.toml");
    assert_eq!(snaps[0]["metrics"]["violations"], 0);
    assert_eq!(snaps[1]["metrics"]["violations"], 1);
    let text = String::from_utf8(run(["trend", p]).stdout).unwrap();
    assert_eq!(text.lines().count(), 3, "header and two rows:\n{text}");
    // The report draws the trend and shows the code against seam.toml, violation included.
    let page = dir.path().join("r.html");
    assert!(
        run(["report", p, "-o", page.to_str().unwrap()])
            .status
            .success()
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("id=\"trend\""));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 5);
    assert!(html.contains("id=\"accepted\""));
    assert!(
        html.contains("shop/orders/reports.py:5"),
        "the violation with its evidence"
    );
    // And the summary says it too.
    let summary = String::from_utf8(run(["analyze", p]).stdout).unwrap();
    assert!(summary.contains("1 not allowed"), "{summary}");
    let out = run(["diff", p, "1", "2"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("+ shop/orders/reports.py:5: orders -> users: reads shop.orders.reports:buyers -> table:users (not allowed)"),
        "{text}"
    );
    assert!(text.contains("1 crossings added, 0 removed"), "{text}");
    // Against the files on disk, after removing the new code: the crossing goes.
    std::fs::remove_file(dir.path().join("shop/orders/reports.py")).unwrap();
    let text = String::from_utf8(run(["diff", p, "2"]).stdout).unwrap();
    assert!(text.contains("0 crossings added, 1 removed"), "{text}");
    let out = run(["diff", p, "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_killed_track_loses_nothing_already_recorded() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop_blueprints"), dir.path());
    let p = dir.path().to_str().unwrap();
    assert!(run(["track", p]).status.success());
    let before = snapshots(dir.path());
    assert_eq!(before.len(), 1);
    // Kill the second track while it sits inside its write transaction.
    let mut child = Command::new(bin())
        .env("SEAM_NO_CACHE", "1")
        .args(["track", p])
        .env("SEAM_TEST_PAUSE_IN_TRANSACTION", "20000")
        .spawn()
        .unwrap();
    let journal = dir.path().join(".seam/history.db-journal");
    let mut waited = Duration::ZERO;
    while !journal.exists() && waited < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
        waited += Duration::from_millis(50);
    }
    assert!(journal.exists(), "the write transaction started");
    child.kill().unwrap();
    child.wait().unwrap();
    let after = snapshots(dir.path());
    assert_eq!(after, before, "the store is as it was");
    // And it still takes new snapshots.
    assert!(run(["track", p]).status.success());
    assert_eq!(snapshots(dir.path()).len(), 2);
}

#[test]
fn a_corrupt_store_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".seam")).unwrap();
    std::fs::write(
        dir.path().join(".seam/history.db"),
        b"this is not sqlite at all, just text",
    )
    .unwrap();
    let out = run(["trend", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert!(err.contains("not a readable seam history"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
}
