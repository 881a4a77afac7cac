//! Advice on fixtures whose right answers are known: `saas_tenants` is a multi-tenant tracker
//! whose shard key is `tenant_id` (root `tenants`), with a reference table (`plans`), a table
//! two hops from the key (`tasks`, through `projects`), a read-your-writes hazard
//! (`POST /projects`) and a slow export route (N+1, CSV, an HTTP upload).

mod common;

use common::*;
use serde_json::Value;

fn advice(v: &Value) -> &Value {
    v.get("advice").expect("an `advice` section")
}

fn site_class<'a>(key: &'a Value, site: &str, line: u64) -> &'a str {
    arr(key, "sites")
        .iter()
        .find(|x| s(x, "site") == site && u(x, "line") == line)
        .map(|x| s(x, "class"))
        .unwrap_or_else(|| panic!("no site {site}:{line}"))
}

#[test]
fn the_tenant_key_wins_and_every_table_and_site_is_placed() {
    let v = analyze_json("saas_tenants");
    assert_eq!(advice(&v)["shard_verdict"]["recommended"], "tenant_id");
    let keys = arr(advice(&v), "shard_keys");
    assert!(keys.len() >= 2, "runners-up are listed");
    let best = &keys[0];
    assert_eq!(s(best, "column"), "tenant_id");
    assert_eq!(s(best, "root"), "table:tenants");
    let scores: Vec<f64> = keys.iter().map(|k| k["score"].as_f64().unwrap()).collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );
    let placement = |t: &str| {
        arr(best, "tables")
            .iter()
            .find(|p| s(p, "table") == t)
            .map(|p| s(p, "placement").to_owned())
            .unwrap()
    };
    assert_eq!(placement("table:projects"), "dist");
    assert_eq!(placement("table:users"), "dist");
    assert_eq!(placement("table:tenants"), "dist");
    assert_eq!(placement("table:plans"), "reference");
    assert_eq!(placement("table:tasks"), "backfill");
    let tasks = arr(best, "tables")
        .iter()
        .find(|p| s(p, "table") == "table:tasks")
        .unwrap();
    assert_eq!(strs(tasks, "path"), ["tasks.project_id -> projects.id"]);
    assert!(
        strs(tasks, "backfill_sql")
            .iter()
            .any(|q| q.contains("UPDATE tasks SET tenant_id"))
    );
    // Every query site is classified, with its evidence.
    assert_eq!(arr(best, "sites").len(), arr(&v, "queries").len());
    assert_eq!(
        site_class(best, "app:list_projects", 21),
        "single",
        "join on the key"
    );
    assert_eq!(
        site_class(best, "app:show_project", 44),
        "rewrite",
        "lookup by id"
    );
    assert_eq!(site_class(best, "app:stats", 71), "multi", "all tenants");
    assert_eq!(
        site_class(best, "app:move_user", 64),
        "blocker",
        "moves the key"
    );
    assert_eq!(
        site_class(best, "app:create_task", 55),
        "rewrite",
        "key from the project"
    );
    let citus = strs(best, "citus");
    assert!(citus.contains(&"SELECT create_distributed_table('tenants', 'id');".to_owned()));
    assert!(citus.contains(&"SELECT create_reference_table('plans');".to_owned()));
    assert!(citus.contains(
        &"SELECT create_distributed_table('projects', 'tenant_id', colocate_with => 'tenants');"
            .to_owned()
    ));
}

#[test]
fn replicas_hazards_and_async_work_are_found_with_evidence() {
    let v = analyze_json("saas_tenants");
    let rr = &advice(&v)["read_replicas"];
    let route = |id: &str| {
        arr(rr, "routes")
            .iter()
            .find(|r| s(r, "route") == id)
            .unwrap()
            .clone()
    };
    assert_eq!(route("route:GET /projects")["replica_safe"], true);
    assert_eq!(route("route:POST /tasks")["replica_safe"], false);
    // In the request (31 → 36), and after the redirect to the project's page (31 → 44).
    let hazards = arr(rr, "hazards");
    let found: Vec<(&str, u64, u64)> = hazards
        .iter()
        .map(|h| (s(h, "route"), u(&h["write"], "line"), u(&h["read"], "line")))
        .collect();
    assert_eq!(
        found,
        [
            ("route:POST /projects", 31, 36),
            ("route:POST /projects", 31, 44)
        ]
    );
    assert!(s(&hazards[1], "note").contains("route:GET /projects/<int:project_id>"));
    assert_eq!(arr(&v, "endpoint_refs").len(), 1);
    let asyncs = arr(advice(&v), "async_candidates");
    assert_eq!(asyncs.len(), 1, "only the export is slow: {asyncs:?}");
    let c = &asyncs[0];
    assert_eq!(s(c, "handler"), "app:export_report");
    assert_eq!(s(c, "event"), "export_report_requested");
    let kinds: Vec<&str> = arr(c, "reasons").iter().map(|r| s(r, "kind")).collect();
    for k in ["external_io", "file_generation", "n_plus_one"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let n1 = arr(c, "reasons")
        .iter()
        .find(|r| s(r, "kind") == "n_plus_one")
        .unwrap();
    assert_eq!((s(n1, "file"), u(n1, "line")), ("app.py", 81));
}

#[test]
fn the_plan_covers_every_service_once_and_first_can_be_pinned() {
    let v = analyze_json("classic_monolith");
    let services: Vec<String> = arr(&v, "services")
        .iter()
        .map(|x| s(x, "name").to_owned())
        .collect();
    let plan = arr(advice(&v), "extraction_plan");
    let mut order: Vec<String> = plan.iter().map(|p| s(p, "service").to_owned()).collect();
    assert_eq!(order.len(), services.len());
    order.sort();
    let mut sorted = services.clone();
    sorted.sort();
    assert_eq!(order, sorted);
    for (i, p) in plan.iter().enumerate() {
        assert_eq!(u(p, "phase"), i as u64 + 1);
        assert!(!s(p, "why").is_empty());
    }
    // Pinning a service makes it phase 1, and the rest still follow.
    let last = s(plan.last().unwrap(), "service").to_owned();
    let out = run([
        "analyze",
        fixture("classic_monolith").to_str().unwrap(),
        "--format",
        "json",
        "--first",
        &last,
    ]);
    let pinned = expect_json(&out, "--first");
    let plan2 = arr(advice(&pinned), "extraction_plan");
    assert_eq!(s(&plan2[0], "service"), last);
    assert_eq!(plan2.len(), plan.len());
    // An unknown service is a one-line usage error.
    let out = run([
        "analyze",
        fixture("classic_monolith").to_str().unwrap(),
        "--first",
        "no_such_service",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_of(&out).trim().lines().count(), 1);
}

#[test]
fn an_app_without_data_gets_notes_not_invented_advice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        "from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef index():\n    return 'hi'\n",
    )
    .unwrap();
    let v = analyze_path_json(dir.path());
    let adv = advice(&v);
    assert!(arr(adv, "shard_keys").is_empty());
    assert!(arr(adv, "async_candidates").is_empty());
    assert!(arr(adv, "extraction_plan").is_empty());
    assert!(!arr(adv, "notes").is_empty());
}

#[test]
fn a_workload_weighs_sites_by_production_calls() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("pg_stat_statements.csv");
    std::fs::write(
        &csv,
        "userid,query,calls,total_exec_time\n\
         10,\"SELECT status, count(*) FROM projects GROUP BY status\",900000,1200.5\n\
         10,\"SELECT id, name FROM projects WHERE tenant_id = $1\",100,3.2\n\
         10,\"SELECT * FROM invoices WHERE id = $1\",50,1.0\n",
    )
    .unwrap();
    let plain = analyze_json("saas_tenants");
    let out = run([
        "analyze",
        fixture("saas_tenants").to_str().unwrap(),
        "--format",
        "json",
        "--workload",
        csv.to_str().unwrap(),
    ]);
    let v = expect_json(&out, "--workload");
    let wl = &advice(&v)["workload"];
    assert_eq!(u(wl, "rows"), 3);
    assert_eq!(u(wl, "matched_rows"), 2);
    let unmatched = arr(wl, "unmatched");
    assert_eq!(unmatched.len(), 1);
    assert_eq!(
        u(&unmatched[0], "line"),
        4,
        "the invoices row (no such table here)"
    );
    // The cross-tenant stats query now dominates: multi-shard work outweighs the rest.
    let multi = |v: &Value| {
        arr(advice(v), "shard_keys")
            .iter()
            .find(|k| s(k, "column") == "tenant_id")
            .unwrap()["shares"]["multi"]
            .as_f64()
            .unwrap()
    };
    assert!(
        multi(&v) > 0.9 && multi(&plain) < 0.2,
        "{} vs {}",
        multi(&v),
        multi(&plain)
    );
    assert!(advice(&plain).get("workload").is_none());
    // With a workload, traffic is production calls, not routes.
    for p in arr(advice(&v), "extraction_plan") {
        assert!(s(p, "why").contains("production call"), "{p}");
    }
    for p in arr(advice(&plain), "extraction_plan") {
        assert!(s(p, "why").contains(" route"), "{p}");
    }
    // A file without the needed columns is a one-line usage error.
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    let out = run([
        "analyze",
        fixture("saas_tenants").to_str().unwrap(),
        "--workload",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("`query` and `calls`"), "{err}");
}

/// The replica state of each route of an analysis: route id → (state, reason).
fn replica_states(v: &Value) -> std::collections::BTreeMap<String, (String, String)> {
    arr(&advice(v)["read_replicas"], "routes")
        .iter()
        .map(|r| {
            (
                s(r, "route").to_owned(),
                (
                    s(r, "replica").to_owned(),
                    r["reason"].as_str().unwrap_or("").to_owned(),
                ),
            )
        })
        .collect()
}

/// Replica safety on positive evidence only (issue 13): a request hook that writes, registered
/// by a factory helper on its `app` parameter, makes every route need the primary; without
/// it, a read method whose reads seam followed is safe, a write method is not though it only
/// reads, and a route whose calls go deeper than seam follows is unknown.
#[test]
fn replica_safety_needs_positive_evidence() {
    let v = analyze_json("replica_evidence");
    let states = replica_states(&v);
    assert!(has_tag(
        &v,
        "hub:configure_hooks.touch_visitor",
        "request-hook"
    ));
    for (route, (state, reason)) in &states {
        assert_eq!(state, "unsafe", "{route}");
        if !route.starts_with("route:POST") {
            assert!(
                reason.starts_with("the request hook hub:configure_hooks.touch_visitor")
                    && reason.contains("hub/__init__.py:24"),
                "{route}: {reason}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let hub = dir.path().join("hub");
    std::fs::create_dir(&hub).unwrap();
    for f in ["__init__.py", "extensions.py", "models.py", "views.py"] {
        let text =
            std::fs::read_to_string(fixture("replica_evidence").join("hub").join(f)).unwrap();
        let text = text.replace("@app.before_request", "@app.context_processor");
        std::fs::write(hub.join(f), text).unwrap();
    }
    let v = analyze_path_json(dir.path());
    let states = replica_states(&v);
    let state = |id: &str| states[id].0.as_str();
    assert_eq!(state("route:GET /articles"), "safe");
    assert_eq!(state("route:POST /articles/search"), "unsafe");
    assert!(
        states["route:POST /articles/search"]
            .1
            .contains("write method")
    );
    assert_eq!(state("route:GET /articles/digest"), "unknown");
    assert!(
        states["route:GET /articles/digest"]
            .1
            .contains("hub.views:level_four"),
        "{:?}",
        states["route:GET /articles/digest"]
    );
    assert_eq!(state("route:GET /articles/<int:article_id>"), "safe");
    for (route, (state, _)) in &states {
        assert_eq!(
            state == "safe",
            advice_route(&v, route)["replica_safe"] == true
        );
    }
    // Post, redirect, get through a class-based view's endpoint (`as_view("article")`): the
    // page the write redirects to reads the new row; one hazard per redirect and table.
    let prg: Vec<&Value> = arr(&advice(&v)["read_replicas"], "hazards")
        .iter()
        .filter(|h| {
            s(h, "note")
                .starts_with("redirects (hub/views.py:60) to route:GET /articles/<int:article_id>")
        })
        .collect();
    assert_eq!(prg.len(), 1, "{prg:?}");
    assert_eq!(s(prg[0], "route"), "route:POST /articles");
    assert_eq!(u(&prg[0]["read"], "line"), 48);
}

fn advice_route<'a>(v: &'a Value, id: &str) -> &'a Value {
    arr(&advice(v)["read_replicas"], "routes")
        .iter()
        .find(|r| s(r, "route") == id)
        .unwrap()
}

/// On every traced app of the corpus, no route that wrote a table while its tests ran is
/// called replica-safe (the traces: `shared/corpus/trace/APP.json`, route by route).
#[test]
fn no_route_that_writes_at_runtime_is_called_replica_safe() {
    for app in ["flaskbb", "ihatemoney", "privacyidea", "zou"] {
        let path = shared().join("corpus/trace").join(format!("{app}.json"));
        let trace: Value = serde_json::from_str(
            &std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{} is readable: {e}", path.display())),
        )
        .unwrap();
        let v = analyze_path_json(&fetch_corpus_app(app));
        let states = replica_states(&v);
        let mut checked = 0;
        for t in arr(&trace, "routes") {
            if t["requests"].as_u64().unwrap_or(0) == 0 || arr(t, "writes").is_empty() {
                continue;
            }
            let id = format!("route:{} {}", s(t, "method"), s(t, "rule"));
            if let Some((state, _)) = states.get(&id) {
                checked += 1;
                assert_ne!(
                    state, "safe",
                    "{app}: {id} wrote {:?} at runtime",
                    t["writes"]
                );
            }
        }
        println!("REPLICA {app}: {checked} routes that wrote at runtime, none called safe");
    }
}

/// `async_remedies`: each slow handler gets the remedy its evidence supports, and the handlers
/// that are never candidates are named in the notes with their reason.
#[test]
fn async_work_gets_the_remedy_its_evidence_supports() {
    let v = analyze_json("async_remedies");
    let adv = advice(&v);
    let by_route: std::collections::BTreeMap<&str, &Value> = arr(adv, "async_candidates")
        .iter()
        .map(|c| (s(c, "route"), c))
        .collect();
    let remedy = |route: &str| by_route.get(route).map(|c| s(c, "remedy"));
    let export = by_route["route:GET /reports/<int:report_id>/export"];
    assert_eq!(s(export, "remedy"), "event");
    assert_eq!(s(export, "confidence"), "high");
    assert_eq!(s(export, "event"), "export_report_requested");
    assert!(
        s(export, "advice").contains("studio/views.py:25"),
        "{export}"
    );
    // The N+1 in the settings form: batch it, with the loop's query as evidence.
    let form = by_route["route:POST /admin/settings"];
    assert_eq!(s(form, "remedy"), "batch");
    assert_eq!(s(form, "event"), "");
    assert!(s(form, "advice").contains("settings"), "{form}");
    assert!(s(form, "advice").contains("studio/views.py:32"), "{form}");
    // The movie build already goes to an RQ queue.
    let build = by_route["route:POST /playlists/<int:playlist_id>/build"];
    assert_eq!(s(build, "remedy"), "already_async");
    assert_eq!(
        arr(build, "existing_tasks")
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["studio.movies:build_movie"]
    );
    // Mail sent on a thread of its own.
    let digests = by_route["route:POST /digests"];
    assert_eq!(s(digests, "remedy"), "already_async");
    assert_eq!(s(digests, "confidence"), "high");
    assert!(
        s(digests, "advice").contains("studio.views:mail_digests"),
        "{digests}"
    );
    // Never candidates: a retry sleep in a helper, a plain download, a login, a health check.
    for route in [
        "route:GET /files/<name>/download",
        "route:GET /attachments/<key>",
        "route:POST /login",
        "route:GET /health",
    ] {
        assert_eq!(remedy(route), None, "{route} is not a candidate");
    }
    let notes: Vec<&str> = arr(adv, "notes")
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for (why, route) in [
        ("plain download", "route:GET /attachments/<key>"),
        ("login", "route:POST /login"),
        ("health", "route:GET /health"),
    ] {
        assert!(
            notes.iter().any(|n| n.contains(why) && n.contains(route)),
            "a note names {route} ({why}): {notes:?}"
        );
    }
    assert!(notes.iter().any(|n| n.contains("retry")), "{notes:?}");
    // Only events are converted in the extraction plan.
    for p in arr(adv, "extraction_plan") {
        for e in arr(p, "async_to_convert") {
            assert_eq!(e.as_str().unwrap(), "export_report_requested");
        }
    }
}

/// The extraction order's rule: phase 1 carries at least the median traffic and is, within a
/// tie, the least entangled; every phase says why it went before the next two, and states
/// its confidence.
#[test]
fn the_first_phase_is_busy_and_easy_to_cut_and_says_why() {
    let v = analyze_json("classic_monolith");
    let mut routes: Vec<u64> = arr(&v, "services")
        .iter()
        .map(|x| u(&x["metrics"], "routes"))
        .collect();
    routes.sort_unstable_by(|a, b| b.cmp(a));
    let median = routes[(routes.len() - 1) / 2];
    let plan = arr(advice(&v), "extraction_plan");
    let first = &plan[0];
    let first_routes = arr(first, "routes").len() as u64;
    assert!(first_routes >= median, "{first_routes} < {median}");
    for p in plan {
        assert!(
            ["high", "medium", "low"].contains(&s(p, "confidence")),
            "{p}"
        );
        let over = arr(p, "over");
        assert!(over.len() <= 2);
        for alt in over {
            assert!(!s(alt, "why_not").is_empty(), "{alt}");
            assert!(
                s(p, "why").contains(s(alt, "service")),
                "the why names {}",
                s(alt, "service")
            );
        }
    }
    // An alternative at least as busy as phase 1 went later for its entanglement, never for
    // its traffic; a less busy one says which.
    for alt in arr(first, "over") {
        let why = s(alt, "why_not");
        if alt["traffic"].as_f64().unwrap() >= first_routes as f64 {
            assert!(
                why.contains("entangled") && !why.contains("less traffic"),
                "{alt}"
            );
        } else {
            assert!(
                why.contains("less traffic") || why.contains("more entangled"),
                "{alt}"
            );
        }
    }
}
