//! Self-checks end to end: code that plainly has routes and models seam cannot read (built at
//! run time from data) is reported as such, in the JSON, the text summary and the report,
//! instead of a confident "no routes, no tables".

mod common;

use common::{arr, check_contract, fixture, run, s, summary};

#[test]
fn unreadable_routes_and_models_are_said_everywhere() {
    let out = run([
        "analyze".as_ref(),
        fixture("unread_app").as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let v = common::expect_json(&out, "unread_app");
    check_contract(&v);
    let kinds: Vec<&str> = arr(&v, "self_checks")
        .iter()
        .map(|c| s(c, "check"))
        .collect();
    assert!(kinds.contains(&"no-routes"), "{kinds:?}");
    assert!(kinds.contains(&"no-tables"), "{kinds:?}");
    assert!(summary(&v, "unread") >= 2);
    let no_routes = arr(&v, "self_checks")
        .iter()
        .find(|c| s(c, "check") == "no-routes")
        .unwrap();
    assert_eq!(s(&no_routes["first"], "file"), "app.py");

    let text = run(["analyze".as_ref(), fixture("unread_app").as_os_str()]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    let at = stdout
        .find("Could not read")
        .expect("the text summary says what it could not read");
    assert!(stdout[at..].contains("no route was found"), "{stdout}");

    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let rep = run([
        "report".as_ref(),
        fixture("unread_app").as_os_str(),
        "-o".as_ref(),
        html.as_os_str(),
    ]);
    assert_eq!(rep.status.code(), Some(0), "{}", common::stderr_of(&rep));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.contains("Could not read"),
        "the report's overview lists it"
    );
}

#[test]
fn an_app_seam_reads_whole_has_no_self_check() {
    let v = common::analyze_json("classic_monolith");
    assert!(
        arr(&v, "self_checks").is_empty(),
        "{:?}",
        arr(&v, "self_checks")
    );
    assert_eq!(summary(&v, "unread"), 0);
}
