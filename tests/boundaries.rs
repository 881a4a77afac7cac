//! Service boundaries on the labelled fixtures: seam's proposal is compared with the true
//! decomposition written next to each fixture (`LABELS.json`, at symbol and table level) by the
//! adjusted Rand index, and the proposal's own invariants are checked. The defaults are the
//! same for every fixture: nothing here is tuned per fixture.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::Value;

/// The labels: item id → true service (`platform`, the shared kernel, is a group of its own).
fn labels(fixture_name: &str, items: &BTreeSet<String>) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(fixture(fixture_name).join("LABELS.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut out = BTreeMap::new();
    for (service, spec) in v["services"].as_object().unwrap() {
        for pattern in strs(spec, "symbols")
            .into_iter()
            .chain(strs(spec, "tables"))
        {
            for item in items {
                let hit = match pattern.strip_suffix(".*") {
                    Some(prefix) => {
                        let module = item.split(':').next().unwrap_or(item);
                        module == prefix || module.starts_with(&format!("{prefix}."))
                    }
                    None => *item == pattern,
                };
                if hit {
                    out.insert(item.clone(), service.clone());
                }
            }
        }
    }
    out
}

/// seam's grouping of every clustered item: its service, the shared kernel, or (unassigned)
/// a group of its own.
fn proposal_groups(v: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for svc in arr(v, "services") {
        for id in strs(svc, "members").into_iter().chain(strs(svc, "tables")) {
            out.insert(id, s(svc, "name").to_owned());
        }
    }
    for id in strs(v, "shared_kernel") {
        out.insert(id, "(kernel)".to_owned());
    }
    for id in strs(v, "unassigned") {
        out.insert(id.clone(), format!("(unassigned {id})"));
    }
    out
}

/// The proposal asked for about `n` services.
fn services_json(fixture_name: &str, n: u32) -> Value {
    let n = n.to_string();
    let out = run([
        "analyze",
        fixture(fixture_name).to_str().unwrap(),
        "--format",
        "json",
        "--services",
        &n,
    ]);
    expect_json(&out, &format!("{fixture_name} --services {n}"))
}

fn ari_against_labels(fixture_name: &str) -> (f64, usize, Value) {
    let v = analyze_json(fixture_name);
    let (ari, n) = ari_of(fixture_name, &v);
    (ari, n, v)
}

/// The adjusted Rand index of the proposal `v` against `fixture_name`'s labels, over how many
/// labelled items.
fn ari_of(fixture_name: &str, v: &Value) -> (f64, usize) {
    let groups = proposal_groups(v);
    let items: BTreeSet<String> = groups.keys().cloned().collect();
    let truth = labels(fixture_name, &items);
    let common: Vec<&String> = truth.keys().filter(|k| groups.contains_key(*k)).collect();
    let index = |m: &BTreeMap<String, String>| -> Vec<u32> {
        let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
        common
            .iter()
            .map(|k| {
                let next = ids.len() as u32;
                *ids.entry(m[*k].as_str()).or_insert(next)
            })
            .collect()
    };
    let (a, b) = (index(&truth), index(&groups));
    let ari = seam::cluster::adjusted_rand_index(&a, &b);
    println!("ARI {fixture_name} {ari:.3} over {} items", common.len());
    (ari, common.len())
}

/// The bar holds whatever the seed: each clustering keeps the medoid of several seeds'
/// partitions (`cluster/consensus.rs`), so no fixture's answer hangs on one lucky seed (with
/// seed 42 alone, shop_blueprints' identity split in two after a one-node change).
#[test]
fn every_labelled_fixture_holds_its_bar_on_other_seeds() {
    for (fixture_name, bar) in [
        ("shop_blueprints", 0.95),
        ("classic_monolith", 0.85),
        ("layered_clinic", 0.85),
        ("one_aggregate", 0.85),
    ] {
        for seed in ["1", "2", "3", "7"] {
            let out = run([
                "analyze",
                fixture(fixture_name).to_str().unwrap(),
                "--format",
                "json",
                "--seed",
                seed,
            ]);
            let v = expect_json(&out, &format!("{fixture_name} --seed {seed}"));
            let (ari, _) = ari_of(fixture_name, &v);
            assert!(
                ari >= bar,
                "{fixture_name} seed {seed}: ARI {ari:.3} < {bar}"
            );
        }
    }
}

/// Every clustered symbol and every table is in exactly one of services, kernel, unassigned.
fn check_partition_invariants(v: &Value) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for svc in arr(v, "services") {
        for id in strs(svc, "members").into_iter().chain(strs(svc, "tables")) {
            *seen.entry(id).or_default() += 1;
        }
    }
    for id in strs(v, "shared_kernel")
        .into_iter()
        .chain(strs(v, "unassigned"))
    {
        *seen.entry(id).or_default() += 1;
    }
    let twice: Vec<&String> = seen
        .iter()
        .filter(|&(_, &n)| n > 1)
        .map(|(k, _)| k)
        .collect();
    assert!(twice.is_empty(), "placed twice: {twice:?}");
    for t in arr(v, "tables") {
        assert!(
            seen.contains_key(s(t, "id")),
            "table {} placed nowhere",
            s(t, "id")
        );
    }
    for n in arr(v, "nodes") {
        let kind = s(n, "kind");
        let excluded = strs(n, "tags")
            .iter()
            .any(|t| t == "test" || t == "migration" || t == "script");
        if matches!(kind, "class" | "function" | "method") && !excluded {
            assert!(
                seen.contains_key(s(n, "id")),
                "symbol {} placed nowhere",
                s(n, "id")
            );
        }
        if excluded {
            assert!(
                !seen.contains_key(s(n, "id")),
                "test/migration code {} must not be clustered",
                s(n, "id")
            );
        }
    }
    let names: Vec<&str> = arr(v, "services").iter().map(|s_| s(s_, "name")).collect();
    let unique: BTreeSet<&&str> = names.iter().collect();
    assert_eq!(
        unique.len(),
        names.len(),
        "service names are unique: {names:?}"
    );
}

#[test]
fn shop_blueprints_matches_its_labels() {
    let (ari, n, v) = ari_against_labels("shop_blueprints");
    assert!(n > 40, "labels cover the fixture ({n} items)");
    assert!(ari >= 0.95, "adjusted Rand index {ari:.3} < 0.95");
    // Names come from the dominant owned table.
    let names: BTreeSet<&str> = arr(&v, "services").iter().map(|x| s(x, "name")).collect();
    assert_eq!(
        names,
        ["invoices", "orders", "products", "users"]
            .into_iter()
            .collect()
    );
    // Checkout writes the order and decrements the product's stock in one transaction: two
    // aggregates, so not joined, and the cut is named with both writes.
    let cut = arr(&v, "transaction_cuts")
        .iter()
        .find(|c| s(c, "function") == "shop.orders.views:checkout")
        .expect("checkout's cut is named");
    assert_eq!(strs(cut, "services"), ["orders", "products"]);
    assert!(
        arr(cut, "tables")
            .iter()
            .all(|t| t["evidence"]["line"].as_u64().unwrap() > 0)
    );
    // Identity is one service: the 3-symbol sessions sliver, tied only to it, merged in.
    let identity = arr(&v, "services")
        .iter()
        .find(|svc| strs(svc, "tables").contains(&"table:users".to_owned()))
        .expect("a service owns users");
    assert!(strs(identity, "tables").contains(&"table:sessions".to_owned()));
    assert!(
        arr(&v, "services")
            .iter()
            .all(|svc| svc.get("sliver").is_none())
    );
    check_partition_invariants(&v);
    // The decorator used by every domain is kernel, not a service's.
    assert!(
        strs(&v, "shared_kernel").contains(&"shop.common.decorators:login_required".to_owned())
    );
    // `product_categories` links products and categories (`secondary=`): one catalog.
    let catalog = arr(&v, "services")
        .iter()
        .find(|svc| strs(svc, "tables").contains(&"table:products".to_owned()))
        .expect("a service owns products");
    assert!(strs(catalog, "tables").contains(&"table:categories".to_owned()));
}

#[test]
fn classic_monolith_matches_its_labels() {
    let (ari, n, v) = ari_against_labels("classic_monolith");
    assert!(n > 30, "labels cover the fixture ({n} items)");
    // Measured 0.873 (0.825 before library modules were kernel): what is lost is billing's
    // usage report, which reads a table another system writes and is tied to billing by
    // nothing in the code, so it stays a sliver of its own.
    assert!(ari >= 0.85, "adjusted Rand index {ari:.3} < 0.85");
    check_partition_invariants(&v);
    // Nobody writes `accounts` or `users`; the foreign key between the two hubs and the
    // declared relationships keep them together, with the code that reads them.
    let owner = |table: &str| {
        arr(&v, "services")
            .iter()
            .find(|svc| strs(svc, "tables").contains(&table.to_owned()))
            .map(|svc| s(svc, "name").to_owned())
    };
    assert_eq!(owner("table:accounts"), owner("table:users"));
    // The audit trail every domain writes through one function is a service of its own.
    assert_ne!(owner("table:audit_log"), owner("table:accounts"));
    assert_ne!(owner("table:audit_log"), owner("table:tasks"));
    // A 2-symbol sliver every domain calls about evenly: kept, and said to be a sliver.
    let audit = arr(&v, "services")
        .iter()
        .find(|svc| strs(svc, "tables").contains(&"table:audit_log".to_owned()))
        .unwrap();
    assert!(
        audit["sliver"]
            .as_str()
            .is_some_and(|w| w.contains("no service holds most of its ties")),
        "{audit}"
    );
    // The timestamp mixin under every model and the route-registration helper called at
    // import time are kernel, and so is the pagination helper only the projects views call:
    // `helpers.py` is one library, which several services use. The health check, tied to
    // nothing, is unassigned.
    let kernel = strs(&v, "shared_kernel");
    for id in [
        "models:TimestampMixin",
        "helpers:register_api",
        "helpers:login_required.inner",
        "helpers:paginate",
    ] {
        assert!(
            kernel.contains(&id.to_owned()),
            "{id} in kernel: {kernel:?}"
        );
    }
    assert!(strs(&v, "unassigned").contains(&"views:health".to_owned()));
    // views.py, services.py and models.py mix domains: seam says how to split them.
    let split: Vec<&str> = arr(&v, "splits").iter().map(|x| s(x, "module")).collect();
    for module in ["models", "services", "views"] {
        assert!(split.contains(&module), "{module} is split: {split:?}");
    }
}

/// Packages that are layers (models/, services/, views/), each file mixing domains.
#[test]
fn layered_clinic_matches_its_labels() {
    let (ari, n, v) = ari_against_labels("layered_clinic");
    assert!(n > 120, "labels cover the fixture ({n} items)");
    check_labels(&v, "layered_clinic");
    // Measured 0.864 (0.754 before layer modules lost their glue and library modules became
    // kernel): what is still lost is a few views of the god `views/pages.py` whose only ties
    // are calls shared by two domains.
    assert!(ari >= 0.85, "adjusted Rand index {ari:.3} < 0.85");
    check_partition_invariants(&v);
    let owner = |table: &str| {
        arr(&v, "services")
            .iter()
            .find(|svc| strs(svc, "tables").contains(&table.to_owned()))
            .map(|svc| s(svc, "name").to_owned())
    };
    // Each domain's tables stay together, and apart from the others'.
    for (a, b) in [
        ("table:invoices", "table:payments"),
        ("table:prescriptions", "table:stock_movements"),
        ("table:appointments", "table:rooms"),
        ("table:staff", "table:roles"),
        ("table:patients", "table:patient_notes"),
    ] {
        assert_eq!(owner(a), owner(b), "{a} with {b}");
    }
    let homes: BTreeSet<Option<String>> = [
        "table:invoices",
        "table:prescriptions",
        "table:appointments",
        "table:staff",
        "table:patients",
    ]
    .into_iter()
    .map(owner)
    .collect();
    assert_eq!(homes.len(), 5, "five domains, five services: {homes:?}");
    // Admin views go with the data they administer, not with the admin module.
    let service_of = |id: &str| {
        arr(&v, "services")
            .iter()
            .find(|svc| strs(svc, "members").contains(&id.to_owned()))
            .map(|svc| s(svc, "name").to_owned())
    };
    assert_eq!(
        service_of("clinic.views.admin:RoomAdmin"),
        owner("table:rooms")
    );
    assert_eq!(
        service_of("clinic.views.admin:StaffAdmin"),
        owner("table:staff")
    );
    // The app's wiring (the factory, error handlers, config, the Celery setup), tied about
    // evenly to every domain, is the shared kernel, not the service it touches most.
    let kernel = strs(&v, "shared_kernel");
    for id in [
        "clinic:create_app",
        "clinic.utils:register_error_handlers",
        "clinic.extensions:init_celery",
        "clinic.config:Config",
    ] {
        assert!(
            kernel.contains(&id.to_owned()),
            "{id} in the kernel: {kernel:?}"
        );
    }
    // The e-mail and SMS gateway is one library module used by billing and scheduling: all
    // of it is kernel, though each of its functions has one caller's service.
    for id in [
        "clinic.services.notifications:send_email",
        "clinic.services.notifications:send_sms",
        "clinic.services.notifications:render_message",
        "clinic.services.notifications:DeliveryError",
    ] {
        assert!(
            kernel.contains(&id.to_owned()),
            "{id} in the kernel: {kernel:?}"
        );
    }
    // `logout_user()` loads the staff member it logs out (the user loader): both logout
    // views go with the staff table, not with the patient pages beside them in a layer.
    for id in ["clinic.views.pages:logout", "clinic.views.api:logout"] {
        assert_eq!(service_of(id), owner("table:staff"), "{id}");
    }
}

/// An app that is one aggregate: every write goes through the board.
#[test]
fn one_aggregate_is_one_service() {
    let (ari, _, v) = ari_against_labels("one_aggregate");
    check_labels(&v, "one_aggregate");
    check_partition_invariants(&v);
    let services = arr(&v, "services");
    assert_eq!(services.len(), 1, "one aggregate, one service");
    assert_eq!(strs(&services[0], "tables").len(), 7);
    assert_eq!(v["verdict"]["recommendation"], "keep-modular-monolith");
    // With one service nothing is shared between services: the SSO decorator every route
    // uses stays the platform under it.
    assert!(strs(&v, "shared_kernel").contains(&"boardly.auth:sso_required".to_owned()));
    // Measured 1.0: the app factory (it constructs the app), the configuration (read by
    // name) and the HTTP helpers (a leaf module: no data, no app code) are the platform too.
    assert!(ari >= 0.85, "adjusted Rand index {ari:.3} < 0.85");
    let kernel = strs(&v, "shared_kernel");
    for id in [
        "boardly:create_app",
        "boardly.config:Config",
        "boardly.http:json_error",
        "boardly.http:page_args",
    ] {
        assert!(
            kernel.contains(&id.to_owned()),
            "{id} in the kernel: {kernel:?}"
        );
    }
}

/// The ladder: five levels coarse to fine, one chosen by default and said so, none under
/// `--services`, and the neighbours say what they merge or split.
#[test]
fn the_granularity_ladder_is_reported() {
    let v = analyze_json("layered_clinic");
    let levels = arr(&v, "levels");
    assert_eq!(levels.len(), 5);
    let gammas: Vec<f64> = levels
        .iter()
        .map(|l| l["resolution"].as_f64().unwrap())
        .collect();
    assert!(gammas.windows(2).all(|w| w[0] < w[1]), "{gammas:?}");
    let chosen: Vec<&Value> = levels.iter().filter(|l| l["chosen"] == true).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(u(chosen[0], "services") as usize, arr(&v, "services").len());
    assert!(
        levels
            .iter()
            .any(|l| l["chosen"] == false && !arr(l, "changes").is_empty()),
        "a neighbour merges or splits something"
    );
    let text =
        String::from_utf8(run(["analyze", fixture("layered_clinic").to_str().unwrap()]).stdout)
            .unwrap();
    assert!(text.contains("  levels: "), "{text}");
    assert!(text.contains("    finer (γ "), "{text}");
    let v = services_json("layered_clinic", 3);
    assert!(arr(&v, "levels").iter().all(|l| l["chosen"] == false));
}

#[test]
fn metrics_are_present_and_in_range() {
    let v = analyze_json("shop_blueprints");
    let m = &v["metrics"];
    for key in ["modularity", "sm", "icp", "ifn", "ned"] {
        assert!(m[key].is_number(), "{key}");
    }
    assert!((0.0..=1.0).contains(&m["icp"].as_f64().unwrap()));
    assert!((0.0..=1.0).contains(&m["ned"].as_f64().unwrap()));
    assert!(
        m["modularity"].as_f64().unwrap() > 0.3,
        "a clear structure has high modularity"
    );
    assert_eq!(u(m, "services") as usize, arr(&v, "services").len());
    assert_eq!(
        u(m, "shared_tables") as usize,
        arr(&v, "shared_tables").len()
    );
    assert!(v["current_layout"]["modularity"].is_number());
    for svc in arr(&v, "services") {
        let sm = &svc["metrics"];
        assert_eq!(u(sm, "members") as usize, strs(svc, "members").len());
        let inst = sm["instability"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&inst));
    }
}

#[test]
fn services_flag_asks_for_a_count_and_seed_is_deterministic() {
    let v = services_json("classic_monolith", 2);
    let n = arr(&v, "services").len();
    assert!((1..=3).contains(&n), "asked for about 2 services, got {n}");
    let a = run([
        "analyze",
        fixture("shop_blueprints").to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "7",
    ]);
    let b = run([
        "analyze",
        fixture("shop_blueprints").to_str().unwrap(),
        "--format",
        "json",
        "--seed",
        "7",
    ]);
    assert_eq!(a.stdout, b.stdout);
    let bad = run([
        "analyze",
        fixture("shop_blueprints").to_str().unwrap(),
        "--services",
        "0",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
