//! The proposal's guardrails (issue 12) on every real app of the corpus: what a design review
//! would refuse whatever the app. Held today:
//! - the shared kernel holds no code that reads or writes a table (a library candidate is
//!   data-free; a token class whose methods write its rows is domain code, however widely it
//!   is called);
//! - no service holds more than the blob share (25 %) of the services' lines, except the apps
//!   in [`BLOB_FLOORS`], held at their measured share so that nothing regresses while the
//!   blob rule is worked on; a service over the share says why it stays whole;
//! - unassigned symbols are at most [`UNASSIGNED`] of the clustered symbols when there is a
//!   service to place them in;
//! - every service that is still a sliver says so, and every service that owns no table says
//!   so and what it is instead (an edge service over what it calls, or code to place by hand).
//!
//! Sources are fetched at test time by `shared/corpus/fetch.sh`, as for the conformance suite.

mod common;

use std::collections::BTreeSet;

use common::{arr, fetch_corpus_app, s, strs};

/// The blob share of `cluster/blobs.rs`.
const BLOB_SHARE: f64 = 0.25;

/// Apps that keep services owning no table and serving no route, with how many: the merge
/// (`cluster/dataless.rs`) would make a blob of them. flask-appbuilder's example apps' models
/// and views (their tables written by the framework's security core).
const DATALESS_LEFT: &[(&str, usize)] = &[("flask-appbuilder", 2)];

/// Share of the clustered symbols that may stay unassigned (issue 12).
const UNASSIGNED: f64 = 0.10;

/// Apps whose largest service is still over [`BLOB_SHARE`], at their measured share rounded
/// up; every such service says why it stays whole (the `blob` note). Why each is left:
/// anitya's `projects` (78 %: release monitoring is projects, packages and versions, and no
/// cut leaves a table on each side), ckan's `package` (32 %, one aggregate: a dataset and its
/// resources are written together; it grew from 19 % when the glue of layer modules such as
/// `ckan.logic.action.get`, one action per domain, was cut), mlflow's trace store (35 %, one
/// aggregate: spans and their metrics), FlaskBB's `topics` (35 %, one aggregate: a post bumps
/// its topic's and forum's counters in the same write), flask-appbuilder's security core
/// (27 %, groups and their roles written together), ihatemoney's `person` (43 % of a
/// three-service app, under twice an even share, so not a blob by the rule; the consensus of
/// seeds moved it from 36 %).
const BLOB_FLOORS: &[(&str, f64)] = &[
    ("anitya", 0.79),
    ("ckan", 0.33),
    ("flask-appbuilder", 0.28),
    ("mlflow", 0.35),
    ("ihatemoney", 0.44),
    ("flaskbb", 0.35),
];

fn guardrails(app: &str) {
    let v = common::analyze_path_json(&fetch_corpus_app(app));
    let touching: BTreeSet<&str> = arr(&v, "edges")
        .iter()
        .filter(|e| matches!(s(e, "kind"), "reads" | "writes"))
        .map(|e| s(e, "from"))
        .collect();
    let services = arr(&v, "services");
    let lines: Vec<f64> = services
        .iter()
        .map(|svc| svc["metrics"]["lines"].as_f64().unwrap_or(0.0))
        .collect();
    let total: f64 = lines.iter().sum();
    let limit = BLOB_FLOORS
        .iter()
        .find(|(a, _)| *a == app)
        .map_or(BLOB_SHARE, |(_, f)| *f);
    for (svc, l) in services.iter().zip(&lines) {
        assert!(
            *l <= limit * total + 1e-9,
            "{app}: service {} holds {:.0} % of the lines (limit {:.0} %)",
            s(svc, "name"),
            100.0 * l / total,
            100.0 * limit
        );
        let even = (2.0 / services.len() as f64).min(0.5) * total;
        assert_eq!(
            *l > BLOB_SHARE * total + 1e-9 && *l > even,
            svc.get("blob").is_some(),
            "{app}: service {} holds {:.0} % of the lines: a blob says so, and only a blob",
            s(svc, "name"),
            100.0 * l / total
        );
        let m = &svc["metrics"];
        let (members, svc_lines, routes, tables) = (
            m["members"].as_u64().unwrap_or(0),
            m["lines"].as_f64().unwrap_or(0.0),
            m["routes"].as_f64().unwrap_or(0.0),
            m["tables"].as_u64().unwrap_or(0),
        );
        // A service owns data, or says it does not and what it is instead.
        assert_eq!(
            tables == 0,
            svc.get("owns_no_table").is_some(),
            "{app}: service {} owns {tables} tables",
            s(svc, "name")
        );
        let all_routes: f64 = services
            .iter()
            .map(|x| x["metrics"]["routes"].as_f64().unwrap_or(0.0))
            .sum();
        let sliver =
            members < 5 || (svc_lines < 0.01 * total && routes < 0.02 * all_routes && tables <= 2);
        assert_eq!(
            sliver,
            svc.get("sliver").is_some(),
            "{app}: service {} is {}a sliver by the rule but {}flagged",
            s(svc, "name"),
            if sliver { "" } else { "not " },
            if sliver { "not " } else { "" }
        );
    }
    let unassigned = strs(&v, "unassigned")
        .iter()
        .filter(|id| !id.starts_with("table:"))
        .count() as f64;
    let clustered = v["metrics"]["clustered_symbols"].as_f64().unwrap_or(0.0);
    assert!(
        services.is_empty() || unassigned <= UNASSIGNED * clustered,
        "{app}: {unassigned} of {clustered} clustered symbols unassigned"
    );
    let dataless = services
        .iter()
        .filter(|svc| {
            svc["metrics"]["tables"].as_u64() == Some(0)
                && svc["metrics"]["routes"].as_u64() == Some(0)
        })
        .count();
    let allowed = DATALESS_LEFT
        .iter()
        .find(|(a, _)| *a == app)
        .map_or(0, |(_, n)| *n);
    assert!(
        dataless <= allowed,
        "{app}: {dataless} services own no table and serve no route (allowed {allowed})"
    );
    let kernel = strs(&v, "shared_kernel");
    let wrong: Vec<&String> = kernel
        .iter()
        .filter(|k| touching.contains(k.as_str()))
        .collect();
    assert!(
        wrong.is_empty(),
        "{app}: {} kernel symbols touch a table: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );
}

macro_rules! apps {
    ($($test:ident => $app:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                guardrails($app);
            }
        )*
    };
}

apps! {
    anitya => "anitya",
    calibreweb => "calibreweb",
    changedetection_io => "changedetection-io",
    ckan => "ckan",
    flask_appbuilder => "flask-appbuilder",
    flaskbb => "flaskbb",
    ihatemoney => "ihatemoney",
    lemur => "lemur",
    mlflow => "mlflow",
    privacyidea => "privacyidea",
    timesketch => "timesketch",
    zou => "zou",
}

/// A core with satellites is not a split: anitya's release monitoring keeps 70 % of its code
/// in one service, and the verdict keeps the monolith and says why.
#[test]
fn a_core_with_satellites_keeps_the_monolith() {
    let v = common::analyze_path_json(&fetch_corpus_app("anitya"));
    assert_eq!(v["verdict"]["recommendation"], "keep-modular-monolith");
    assert!(
        s(&v["verdict"], "reason").contains("core with satellites"),
        "{}",
        v["verdict"]
    );
}

/// A front end is said to be one: calibre-web's `cps.web` serves 120 routes over the
/// catalogue and writes none of the one table it ends up owning.
#[test]
fn an_edge_service_says_so() {
    let v = common::analyze_path_json(&fetch_corpus_app("calibreweb"));
    let web = arr(&v, "services")
        .iter()
        .max_by_key(|svc| svc["metrics"]["routes"].as_u64().unwrap_or(0))
        .unwrap();
    assert!(
        web["edge"]
            .as_str()
            .is_some_and(|e| e.starts_with("an edge service")),
        "{}",
        s(web, "name")
    );
    // Data owners are not edge services.
    let books = arr(&v, "services")
        .iter()
        .find(|svc| strs(svc, "tables").contains(&"table:books".to_owned()))
        .unwrap();
    assert!(books.get("edge").is_none());
}
