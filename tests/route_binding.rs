//! End-to-end: `seam analyze fixtures/route_binding`, a newsroom app whose routes are found only
//! by following how Flask binds them. One test per binding mechanism, each naming the fixture
//! file that holds its minimal general form.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "route_binding";

fn news() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

fn opt<'a>(r: &'a Value, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

/// (handler, endpoint, view, app) of a route.
fn facts(id: &str) -> (String, Option<String>, Option<String>, Option<String>) {
    let r = route(news(), id);
    (
        s(r, "handler").to_owned(),
        opt(r, "endpoint").map(str::to_owned),
        opt(r, "view").map(str::to_owned),
        opt(r, "app").map(str::to_owned),
    )
}

fn evidence_of(id: &str) -> (String, u64) {
    let r = route(news(), id);
    (s(r, "file").to_owned(), u(r, "line"))
}

fn warnings() -> Vec<(String, u64, String)> {
    arr(news(), "diagnostics")
        .iter()
        .filter(|d| s(d, "severity") == "warning")
        .map(|d| {
            (
                s(d, "file").to_owned(),
                u(d, "line"),
                s(d, "message").to_owned(),
            )
        })
        .collect()
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(news());
}

#[test]
fn routes_are_exactly_these() {
    let want = [
        "route:DELETE /rest/feeds/<int:feed_id>",
        "route:GET /admin/tools/stats",
        "route:GET /admin/tools/users",
        "route:GET /api/2/about",
        "route:GET /api/2/archive/<int:year>",
        "route:GET /api/2/articles/",
        "route:GET /api/2/articles/<int:article_id>",
        "route:GET /api/2/authors",
        "route:GET /api/2/authors/<int:author_id>",
        "route:GET /api/2/digest/daily",
        "route:GET /api/2/digest/weekly",
        "route:GET /api/2/latest",
        "route:GET /backoffice/reports",
        "route:GET /events/stream",
        "route:GET /feeds/rss",
        "route:GET /feeds/rss/<tag>",
        "route:GET /plugins/polls",
        "route:GET /rest/feeds",
        "route:GET /rest/feeds/<int:feed_id>",
        "route:GET /search/",
        "route:GET /status/live",
        "route:GET /status/v2/ready",
        "route:GET /status/version",
        "route:POST /status/v2/drain",
        "route:POST /api/2/publish/<int:article_id>",
        "route:POST /api/2/retract/<int:article_id>",
        "route:POST /rest/feeds",
        "route:POST /api/2/<int:article_id>/share",
        "route:PUT /api/2/articles/<int:article_id>",
    ];
    assert_eq!(ids(news(), "routes"), sorted(&want));
}

/// `newsroom/__init__.py` → `factory.create_app(blueprints=...)` → `configure_blueprints(app,
/// blueprints)` → `for blueprint in blueprints: app.register_blueprint(blueprint,
/// url_prefix=f"/api/{API_VERSION}")`: the list reaches the loop through two calls.
#[test]
fn blueprint_lists_bind_through_chains_of_calls() {
    assert_eq!(
        facts("route:GET /api/2/articles/"),
        (
            "newsroom.articles.views:list_articles".to_owned(),
            Some("articles.list_articles".to_owned()),
            None,
            None
        )
    );
    assert!(find_route(news(), "route:GET /articles/").is_none());
}

/// `factory.py`: `for bp in [...]: app.register_blueprint(bp, url_prefix=ADMIN_PREFIX + "/tools")`.
#[test]
fn prefixes_concatenated_at_registration_in_a_loop() {
    assert_eq!(
        facts("route:GET /admin/tools/users").1.as_deref(),
        Some("admin_users.users")
    );
    assert_eq!(
        facts("route:GET /admin/tools/stats").1.as_deref(),
        Some("admin_stats.stats")
    );
}

/// `admin/views.py`: a `Blueprint` subclass whose `__init__` passes its own `url_prefix`.
#[test]
fn blueprint_subclasses_set_their_own_prefix() {
    assert_eq!(
        facts("route:GET /backoffice/reports"),
        (
            "newsroom.admin.views:reports".to_owned(),
            Some("reports.reports".to_owned()),
            None,
            None
        )
    );
}

/// `factory.py`: `for module_name in PLUGIN_MODULES: module =
/// importlib.import_module(f"newsroom.plugins.{module_name}")`, then
/// `register_blueprint(module.blueprint, url_prefix="/plugins")`.
#[test]
fn blueprints_of_modules_imported_by_name() {
    assert_eq!(
        facts("route:GET /plugins/polls"),
        (
            "newsroom.plugins.polls:polls_index".to_owned(),
            Some("polls.polls_index".to_owned()),
            None,
            None
        )
    );
}

/// `factory.py`: `mount(app, search_bp, url_prefix="/search")` → `register_blueprint(bp, **options)`.
#[test]
fn url_prefix_through_kwargs() {
    assert_eq!(facts("route:GET /search/").0, "newsroom.search:search");
}

/// `feeds/__init__.py` builds the blueprint in a function and hands it to
/// `construct_rss_routes(bp)`, whose nested functions are decorated `@bp.route`; the evidence is
/// the call that binds `bp`.
#[test]
fn route_decorators_on_a_parameter_bind_at_the_call() {
    assert_eq!(
        facts("route:GET /feeds/rss/<tag>"),
        (
            "newsroom.feeds.rss:construct_rss_routes.rss_tag".to_owned(),
            Some("feeds.rss_tag".to_owned()),
            None,
            None
        )
    );
    let line = line_of(
        FIX,
        "newsroom/feeds/__init__.py",
        "construct_rss_routes(feeds)",
    );
    assert_eq!(
        evidence_of("route:GET /feeds/rss"),
        ("newsroom/feeds/__init__.py".to_owned(), line)
    );
    assert!(find_route(news(), "route:GET /rss").is_none());
}

/// `factory.py`: `for route in API_ROUTES: api.add_resource(*route)`, the tuples in another
/// module, the classes imported from a package whose `__init__` rebinds the submodule's name
/// (`from .Feed import Feed`). Flask-RESTful names a resource by its lowercased class name.
#[test]
fn resources_spread_from_a_list_of_tuples() {
    assert_eq!(
        facts("route:DELETE /rest/feeds/<int:feed_id>"),
        (
            "newsroom.resources.Feed:FeedItem.delete".to_owned(),
            Some("feeditem".to_owned()),
            Some("newsroom.resources.Feed:FeedItem".to_owned()),
            None
        )
    );
    assert_eq!(facts("route:POST /rest/feeds").1.as_deref(), Some("feed"));
    let line = line_of(FIX, "newsroom/factory.py", "api.add_resource(*route)");
    assert_eq!(
        evidence_of("route:GET /rest/feeds"),
        ("newsroom/factory.py".to_owned(), line)
    );
}

/// `status.py`: `with_prefix(rule)` returns `prefix + rule` when an environment variable is
/// set and `rule` otherwise: the default (the return seam can evaluate) is the rule. A
/// function returning a list of `(rule, view, methods)` tuples feeds `for rule, view, methods
/// in status_routes(): app.add_url_rule(...)` like a list assigned to a name, its rules built by
/// helpers with their arguments bound (`versioned("ready", version=2)`).
#[test]
fn rules_and_registration_lists_from_what_functions_return() {
    let factory = "newsroom/factory.py".to_owned();
    let looped = line_of(
        FIX,
        "newsroom/factory.py",
        "app.add_url_rule(rule, view_func=view, methods=methods)",
    );
    for (id, handler) in [
        ("route:GET /status/live", "newsroom.status:live"),
        ("route:GET /status/v2/ready", "newsroom.status:ready"),
        ("route:POST /status/v2/drain", "newsroom.status:drain"),
    ] {
        assert_eq!(facts(id).0, handler, "{id}");
        assert_eq!(evidence_of(id), (factory.clone(), looped), "{id}");
    }
    assert!(find_route(news(), "route:GET /status/v2/drain").is_none());
    let direct = line_of(
        FIX,
        "newsroom/factory.py",
        "with_prefix(\"/status/version\")",
    );
    assert_eq!(
        facts("route:GET /status/version").0,
        "newsroom.status:version"
    );
    assert_eq!(evidence_of("route:GET /status/version"), (factory, direct));
}

/// `articles/views.py`: `"/digest/{}".format(kind)` and `endpoint="digest_" + kind` in a loop;
/// `f"/{action}/..."` with `view_func=globals()[action]`.
#[test]
fn templates_and_globals_over_loop_variables() {
    assert_eq!(
        facts("route:GET /api/2/digest/weekly").1.as_deref(),
        Some("articles.digest_weekly")
    );
    assert_eq!(
        facts("route:POST /api/2/retract/<int:article_id>"),
        (
            "newsroom.articles.views:retract".to_owned(),
            Some("articles.retract".to_owned()),
            None,
            None
        )
    );
}

/// `MethodView.as_view("article")` names the endpoint; `view.as_view(view.__name__)` in a
/// wrapper names it after the class.
#[test]
fn class_views_carry_their_class_and_as_view_name() {
    assert_eq!(
        facts("route:PUT /api/2/articles/<int:article_id>"),
        (
            "newsroom.articles.views:ArticleView.put".to_owned(),
            Some("articles.article".to_owned()),
            Some("newsroom.articles.views:ArticleView".to_owned()),
            None
        )
    );
    assert_eq!(
        facts("route:GET /api/2/authors/<int:author_id>")
            .1
            .as_deref(),
        Some("authors.AuthorDetail")
    );
}

/// A rule without a leading slash under a prefix, and adjacent literals split over two lines.
#[test]
fn odd_rules_join_like_flask() {
    assert!(find_route(news(), "route:GET /api/2/about").is_some());
    assert!(find_route(news(), "route:POST /api/2/<int:article_id>/share").is_some());
    assert!(find_route(news(), "route:GET /api/2/archive/<int:year>").is_some());
}

/// `events.py`: `app = create_app()` builds a second application; its own routes are tagged
/// with it, the main app's carry no tag.
#[test]
fn a_second_app_tags_its_routes() {
    assert_eq!(
        facts("route:GET /events/stream"),
        (
            "newsroom.events:stream".to_owned(),
            Some("stream".to_owned()),
            None,
            Some("newsroom.events:app".to_owned())
        )
    );
}

/// `tests/test_app.py` registers a route on a throwaway app: not the application's.
#[test]
fn routes_in_test_files_are_not_the_apps() {
    assert!(find_route(news(), "route:GET /test-only").is_none());
}

/// What seam cannot bind is said, with file:line: a rule from the environment, and a second
/// handler on one method and path.
#[test]
fn unbound_and_duplicate_registrations_are_warnings() {
    let w = warnings();
    let health = line_of(FIX, "newsroom/factory.py", "HEALTH_PATH");
    assert!(
        w.iter().any(|(f, l, m)| f == "newsroom/factory.py"
            && *l == health
            && m.contains("add_url_rule")),
        "{w:#?}"
    );
    // A decorated def's line is its first decorator's.
    let dup = line_of(FIX, "newsroom/articles/views.py", "def latest_v2") - 1;
    assert!(
        w.iter().any(|(f, l, m)| f == "newsroom/articles/views.py"
            && *l == dup
            && m.contains("route:GET /api/2/latest")),
        "{w:#?}"
    );
    assert_eq!(
        facts("route:GET /api/2/latest").0,
        "newsroom.articles.views:latest"
    );
    assert_eq!(w.len(), 2, "{w:#?}");
    // The unbound one is counted; the duplicate is a route seen twice, not an unbound one.
    assert_eq!(summary(news(), "unbound_registrations"), 1);
}
