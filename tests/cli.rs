//! The command line: help, usage errors, and the default human-readable summary.

mod common;

use common::*;

#[test]
fn help_works() {
    let out = run(["--help"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("analyze"),
        "--help lists the analyze command:\n{text}"
    );

    let out = run(["analyze", "--help"]);
    assert_eq!(out.status.code(), Some(0), "stderr:\n{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("--format"),
        "analyze --help documents --format:\n{text}"
    );
    assert!(text.contains("-o"), "analyze --help documents -o:\n{text}");
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let shop = fixture("shop_blueprints");
    let shop = shop.to_str().unwrap();
    for args in [
        vec!["analyze", "--no-such-flag", shop],
        vec!["--no-such-flag"],
        vec!["analyze", shop, "--format", "yaml"],
    ] {
        let out = run(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: stdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr_of(&out)
        );
        assert!(
            !stderr_of(&out).trim().is_empty(),
            "{args:?}: a usage error says why on stderr"
        );
        assert!(
            !stderr_of(&out).contains("panicked"),
            "{args:?}: {}",
            stderr_of(&out)
        );
    }
}

/// Without `--format`, a short human summary goes to stdout: not JSON, and it gives the route
/// and table counts.
#[test]
fn default_output_is_a_human_summary() {
    for (name, routes, tables) in [
        ("shop_blueprints", "19", "10"),
        ("classic_monolith", "15", "8"),
    ] {
        let path = fixture(name);
        let out = run([std::ffi::OsStr::new("analyze"), path.as_os_str()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: stderr:\n{}",
            stderr_of(&out)
        );
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            serde_json::from_str::<serde_json::Value>(&text).is_err(),
            "{name}: the default output is not JSON"
        );
        let has = |word: &str, count: &str| {
            text.lines().any(|l| {
                let l = l.to_lowercase();
                l.contains(word) && l.split(|c: char| !c.is_ascii_digit()).any(|n| n == count)
            })
        };
        assert!(
            has("route", routes),
            "{name}: no line giving {routes} routes:\n{text}"
        );
        assert!(
            has("table", tables),
            "{name}: no line giving {tables} tables:\n{text}"
        );
    }
}
