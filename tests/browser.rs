//! The HTML report in a real browser (headless Chromium): it loads from `file://` without a
//! console error or a failed request, the DOM has the services, the SVG map and the plan, and a
//! screenshot is saved for review (`target/browser/report.png`).
//!
//! Needs `chromium` (Debian's package; `.ci/run` installs it and sets `SEAM_REQUIRE_BROWSER=1`
//! so that a missing browser fails there). Elsewhere, without a browser, the test says so and
//! passes.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::*;

fn browser() -> Option<PathBuf> {
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
    ]
    .iter()
    .find_map(|b| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(b))
                .find(|p| p.is_file())
        })
    })
}

fn headless(browser: &PathBuf, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--enable-logging=stderr",
            // INFO level: console messages are logged as `INFO:CONSOLE:<line>] "..."`.
            "--log-level=0",
        ])
        .args(args)
        .output()
        .expect("run the browser")
}

/// Console messages (any level: the report has no script, so any message is a problem) and
/// uncaught errors of the page.
fn console_lines(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_report_renders_in_chromium_without_errors() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var_os("SEAM_REQUIRE_BROWSER").is_none(),
            "SEAM_REQUIRE_BROWSER is set but no chromium is installed"
        );
        eprintln!("skipped: no chromium on PATH (CI installs it)");
        return;
    };
    let out_dir = manifest_dir().join("target").join("browser");
    std::fs::create_dir_all(&out_dir).unwrap();
    let page = out_dir.join("report.html");
    let status = Command::new(bin())
        .env("SEAM_NO_CACHE", "1")
        .args([
            "report",
            fixture("classic_monolith").to_str().unwrap(),
            "-o",
        ])
        .arg(&page)
        .status()
        .unwrap();
    assert!(status.success());
    let url = format!("file://{}", page.display());
    let profile = tempfile::tempdir().unwrap();
    let profile_arg = format!("--user-data-dir={}", profile.path().display());

    // The detector works: a page that logs an error is caught.
    let canary = out_dir.join("canary.html");
    std::fs::write(
        &canary,
        "<html><body><script>console.error('canary')</script></body></html>",
    )
    .unwrap();
    let probe = headless(
        &chromium,
        &[
            &profile_arg,
            "--dump-dom",
            &format!("file://{}", canary.display()),
        ],
    );
    assert!(
        console_lines(&String::from_utf8_lossy(&probe.stderr))
            .iter()
            .any(|l| l.contains("canary")),
        "the console check must see a console.error"
    );

    let dom = headless(&chromium, &[&profile_arg, "--dump-dom", &url]);
    let html = String::from_utf8_lossy(&dom.stdout);
    let log = String::from_utf8_lossy(&dom.stderr);
    let console = console_lines(&log);
    assert!(
        console.is_empty(),
        "the report logged to the console: {console:?}"
    );
    assert!(
        html.contains("<svg id=\"service-map\""),
        "the map is in the DOM"
    );
    let v = analyze_json("classic_monolith");
    let services = arr(&v, "services").len();
    assert!(services > 0);
    assert_eq!(
        html.matches("<article class=\"service\"").count(),
        services,
        "one article per service"
    );
    let phases = arr(&v["advice"], "extraction_plan").len();
    assert_eq!(
        html.matches("<li class=\"phase\">").count(),
        phases,
        "the plan"
    );
    assert!(
        html.matches("<g class=\"svc\">").count() == services,
        "a box per service"
    );

    let shot = out_dir.join("report.png");
    let shot_arg = format!("--screenshot={}", shot.display());
    let out = headless(
        &chromium,
        &[&profile_arg, "--window-size=1400,2400", &shot_arg, &url],
    );
    assert!(
        out.status.success(),
        "screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "a real picture"
    );
}
