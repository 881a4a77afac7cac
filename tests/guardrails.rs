//! The proposal's guardrails (issue 12) on every real app of the corpus: what a design review
//! would refuse whatever the app. Held today: the shared kernel holds no code that reads or
//! writes a table (a library candidate is data-free; a token class whose methods write its
//! rows is domain code, however widely it is called). Sources are fetched at test time by
//! `shared/corpus/fetch.sh`, as for the conformance suite.

mod common;

use std::collections::BTreeSet;

use common::{arr, fetch_corpus_app, s, strs};

fn kernel_touches_no_table(app: &str) {
    let dir = fetch_corpus_app(app);
    let out = common::run([
        "analyze".as_ref(),
        dir.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let v = common::expect_json(&out, app);
    let touching: BTreeSet<&str> = arr(&v, "edges")
        .iter()
        .filter(|e| matches!(s(e, "kind"), "reads" | "writes"))
        .map(|e| s(e, "from"))
        .collect();
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
                kernel_touches_no_table($app);
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
