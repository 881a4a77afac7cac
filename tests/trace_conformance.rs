//! Data access against traced runs: seam on every app of the corpus that has a trace
//! (`shared/corpus/trace/APP.json`: the tables the app's own test suite wrote and read, per
//! route and per function), scored by `conformance/trace.rs`. The bar (issue 11) is route
//! write and read recall ≥ 0.9 and function write recall ≥ 0.85; apps below it are held at
//! their measured floor ([`FLOORS`]) so nothing regresses while the bar is worked towards.
//! Function write recall is held twice: without the pairs only SQLAlchemy's autoflush put on
//! a function's stack (rows other code left pending, flushed by a query the function ran:
//! the trace flags them, and nothing the function reaches writes them), and over every
//! on-stack pair. Precision is printed: static reach over-approximates.

mod common;
#[path = "conformance/trace.rs"]
mod trace;
#[allow(dead_code)]
#[path = "conformance/truth.rs"]
mod truth;

use common::{fetch_corpus_app, shared};
use serde_json::Value;

/// Route write recall, route read recall, function write recall without the autoflush-only
/// pairs, function write recall over every on-stack pair.
const BAR: [f64; 4] = [0.9, 0.9, 0.85, 0.85];

/// Apps below the bar: the floor they are held at (same order as [`BAR`]).
const FLOORS: &[(&str, [f64; 4])] = &[
    // Measured when the suite was added (issue 10's session), then raised by each mechanism
    // of issue 11 (see ARCHITECTURE.md, `orm.rs` and `returns.rs`): CRUD methods inherited
    // from a mixin bound to their model; return summaries and helpers instantiated with the
    // model passed; attribute updates, request globals, association tables, Continuum;
    // `via` chains, cascades, updates through relationships, decorator-injected rows and
    // `wraps`; properties, statements extended in a local, reaching assignments,
    // `current_user`, serializers, `query_class`, helper rows, memos, WSGI middleware and
    // overrides an inherited method runs, Continuum's version classes. The migration tool's
    // own tables left the truth.
    // zou has met the bar on all three since the overrides, anitya (traced by seam itself,
    // tests/traces/RUNS.md, an app none of the mechanisms was built against) since the
    // identity kept on `flask.g` and the query shapes of listing code, ihatemoney since the
    // queries a function returns as a tuple and `query_class` deletes; all are held to it.
    // Each floor is the measured share rounded down. Both apps below meet the bar once the
    // autoflush-only pairs are out (flaskbb 0.921, privacyidea 0.853); what stays missing
    // over every pair is mostly rows a test or an earlier request left pending, flushed by
    // the next query (privacyidea's config reload in `before_request`, FlaskBB's lazy loads).
    ("flaskbb", [0.900, 0.900, 0.850, 0.848]),
    ("privacyidea", [0.921, 0.932, 0.850, 0.817]),
];

/// The traces seam made itself (`tests/traces/`, with how each was made in its `RUNS.md`).
fn own_traces() -> std::path::PathBuf {
    common::manifest_dir().join("tests/traces")
}

/// An app's trace: the shared corpus's, else one of [`own_traces`].
fn trace_path(app: &str) -> std::path::PathBuf {
    let shared = shared().join("corpus/trace").join(format!("{app}.json"));
    if shared.exists() {
        shared
    } else {
        own_traces().join(format!("{app}.json"))
    }
}

fn conform(app: &str) {
    let path = trace_path(app);
    let trace: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display())),
    )
    .expect("trace is JSON");
    let dir = fetch_corpus_app(app);
    let out = common::run([
        "analyze".as_ref(),
        dir.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--no-services".as_ref(),
    ]);
    let seam = common::expect_json(&out, app);
    let s = trace::score(&trace, &seam);
    println!(
        "TRACE {app:12} route writes {} | route reads {} | function writes {} (every on-stack pair {}) | precision: writes {}, reads {} | exercised routes seam lacks: {}",
        s.write_recall,
        s.read_recall,
        s.function_own_write_recall,
        s.function_write_recall,
        s.write_precision,
        s.read_precision,
        s.routes_missing.len()
    );
    let floor = FLOORS
        .iter()
        .find(|(a, _)| *a == app)
        .map_or(BAR, |(_, f)| *f);
    let failed: Vec<String> = s
        .held()
        .iter()
        .enumerate()
        .filter(|(i, (_, r))| r.value() + 1e-9 < floor[*i].min(BAR[*i]))
        .map(|(i, (name, r))| format!("{name} {r} < {}", floor[i].min(BAR[i])))
        .collect();
    let missed: Vec<&str> = s
        .missed_writes
        .iter()
        .take(20)
        .map(String::as_str)
        .collect();
    assert!(
        failed.is_empty(),
        "{app}: {}\n  writes seam does not reach ({}):\n    {}",
        failed.join(", "),
        s.missed_writes.len(),
        missed.join("\n    ")
    );
}

macro_rules! apps {
    ($($test:ident => $app:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                conform($app);
            }
        )*

        /// Every traced app has a test.
        #[test]
        fn every_traced_app_is_tested() {
            let mut found = common::untested_corpus_apps("trace", &[$($app),*]);
            for e in std::fs::read_dir(own_traces()).expect("tests/traces is readable").flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if let Some(app) = name.strip_suffix(".json")
                    && ![$($app),*].contains(&app)
                {
                    found.push(app.to_owned());
                }
            }
            assert!(found.is_empty(), "traced apps without a test: {found:?}");
        }
    };
}

apps! {
    anitya => "anitya",
    flaskbb => "flaskbb",
    ihatemoney => "ihatemoney",
    privacyidea => "privacyidea",
    zou => "zou",
}

/// The autoflush-only pairs: a table that reached a function's stack only through a query's
/// autoflush is out; one that any real write (or a cut stack) put there stays.
#[test]
fn autoflush_only_pairs_are_those_no_real_write_put_on_the_stack() {
    let trace = serde_json::json!({"functions": [
        // `load` ran a query that flushed a pending `users` row, called from `view`.
        {"function": "app.lib:load", "writes": [], "autoflush_writes": ["users"],
         "access": [{"op": "write", "table": "users", "distinct_stacks": 1,
                     "stacks": [["app/views.py:view", "app/lib.py:load"]]}]},
        // `save` really writes `posts`, also called from `view`.
        {"function": "app.models:Post.save", "writes": ["posts"], "autoflush_writes": [],
         "access": [{"op": "write", "table": "posts", "distinct_stacks": 1,
                     "stacks": [["app/views.py:view", "app/models.py:Post.save"]]}]},
        // An autoflush whose stacks the trace cut: kept, since a cut stack may hide a real one.
        {"function": "app.lib:count", "writes": [], "autoflush_writes": ["tags"],
         "access": [{"op": "write", "table": "tags", "distinct_stacks": 3,
                     "stacks": [["app/pkg/__init__.py:helper", "app/lib.py:count"]]}]}
    ]});
    let pairs = trace::autoflush_only(&trace);
    let want: std::collections::BTreeSet<(String, String)> =
        [("app.lib:load", "users"), ("app.views:view", "users")]
            .into_iter()
            .map(|(f, t)| (f.to_owned(), t.to_owned()))
            .collect();
    assert_eq!(pairs, want);
}
