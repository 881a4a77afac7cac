//! Flask routes with their full paths and handlers: `@app.route`/`@bp.route`/`@bp.get`...,
//! `add_url_rule` (plain functions and `MethodView.as_view`), Flask-RESTful/RESTX
//! `add_resource` and `@ns.route`, blueprint and API prefixes (from `Blueprint(...)`,
//! `register_blueprint`, `Api(...)`, `add_namespace`, config constants), and repository
//! functions that forward their arguments into `add_url_rule`/`add_resource` (FlaskBB's
//! `register_view`, Redash's `add_org_resource`), resolved through the wrapper at each call.

use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use seam_facts::python::{Arg, Expr};
use seam_facts::{Diagnostic, Severity};

mod apps;
mod endpoints;
mod frameworks;
mod routers;
mod specs;
mod views;
mod wrappers;

pub(crate) use specs::spec_routes;

use super::builder::Builder;
use super::config::Config;
use super::dotted::{last_segment, receiver_of};
use super::index::{Index, parent_scope};
use super::names::Value;
use crate::analysis::{EdgeKind, Route};

const HTTP_METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];
/// How far prefixes are followed up nested blueprints, and views through variables.
const MAX_DEPTH: u32 = 8;
/// How many wrapper evaluations one analysis may make: chains of forwarding functions fan
/// out, and a pathological repository must not make that exponential.
const MAX_WRAPPER_RUNS: u32 = 200_000;
/// How many function returns one analysis may read: calls inside returns fan out (a function
/// with several returns calling another such function), and that must not become exponential.
const MAX_RETURN_READS: u32 = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouterKind {
    App,
    Blueprint,
    Api,
    Namespace,
}

#[derive(Debug)]
struct Router {
    kind: RouterKind,
    /// `None`: a prefix built from values seam cannot bind (`"/{}".format(kind)` in a
    /// function); routes under it are not emitted (a warning says where).
    own_prefix: Option<String>,
    /// The blueprint's (or namespace's) name, for endpoints.
    name: Option<String>,
    /// Registrations on a parent.
    parents: Vec<Registration>,
}

/// A router hung under a parent (a router variable, or `None` for the application), with the
/// prefix given at registration, which overrides the router's own.
#[derive(Debug)]
struct Registration {
    parent: Option<(usize, usize)>,
    prefix: Option<String>,
}

/// Where a router's routes end up: the full path prefix, the dotted blueprint names Flask puts
/// before endpoints, the namespace a Flask-RESTX resource sits in, and the application.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    path: String,
    names: String,
    namespace: Option<String>,
    app: Option<(usize, usize)>,
}

/// What a view expression denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Function(usize, usize),
    Class(usize, usize),
}

/// How the local part of an endpoint (after the blueprint names) is found.
#[derive(Debug, Clone)]
enum LocalEndpoint {
    /// Given (`endpoint=`, `as_view("name")`, a function's `__name__`).
    Named(String),
    /// A Flask-RESTful/RESTX resource class without `endpoint=`: derived from its name.
    Resource(String),
}

/// Arguments bound to a wrapper's parameters at one call: each with the unit, scope and
/// environment of the caller, where it is evaluated (so bindings chain through calls).
type Env<'e> = HashMap<&'e str, Bound<'e>>;

#[derive(Debug, Clone)]
enum Bound<'e> {
    One(&'e Expr, usize, &'e str, Rc<Env<'e>>),
    /// `*args`.
    Many(Vec<&'e Expr>, usize, &'e str, Rc<Env<'e>>),
    /// `**kwargs`: keyword arguments no parameter took.
    Keywords(Vec<(&'e str, &'e Expr)>, usize, &'e str, Rc<Env<'e>>),
}

/// One route before the application it belongs to is settled.
struct Found {
    route: Route,
    app: Option<(usize, usize)>,
}

struct Resolver<'i, 'a> {
    ix: &'i Index<'a>,
    units: &'a [crate::load::PythonUnit],
    targets: &'i super::names::Targets,
    config: &'i Config,
    routers: HashMap<(usize, usize), Router>,
    /// Apps made by calling an application factory outside it (`app = create_app()`).
    factory_instances: BTreeSet<(usize, usize)>,
    /// Functions whose `add_url_rule`/`add_resource` calls depend on their parameters: def →
    /// the registering calls inside.
    rule_wrappers: HashMap<(usize, usize), Vec<Reg>>,
    /// Likewise for `register_blueprint`/`add_namespace` (`for bp in blueprints: ...`).
    blueprint_wrappers: HashMap<(usize, usize), Vec<Reg>>,
    /// Functions that pass their parameters on to a wrapper (`create_app(blueprints)` →
    /// `configure_blueprints(app, blueprints)`): def → the wrapper calls inside.
    forwarders: HashMap<(usize, usize), Vec<usize>>,
    /// Wrapper evaluations left (see [`MAX_WRAPPER_RUNS`]).
    wrapper_runs: u32,
    /// Function returns left to read (see [`MAX_RETURN_READS`]); evaluation is `&self`.
    return_reads: std::cell::Cell<u32>,
    /// Registering calls (unit, call) that some evaluation bound.
    bound_calls: BTreeSet<(usize, usize)>,
    /// Route decorators (unit, def, decorator) that some evaluation bound.
    bound_decorators: BTreeSet<(usize, usize, usize)>,
    /// Route decorators whose router is a parameter, waiting for a call to bind it.
    pending_decorators: BTreeSet<(usize, usize, usize)>,
    found: Vec<Found>,
    edges: Vec<(String, String, String, u32)>,
    unresolved_prefixes: BTreeSet<(String, u32, String)>,
    /// Registrations seam could not bind: (file, line, message).
    unbound: BTreeSet<(String, u32, String)>,
}

/// A registration inside a wrapper: a call, or a route decorator (def, decorator index) on a
/// function defined inside it (`@bp.route` where `bp` is the wrapper's parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    Call(usize),
    Decorator(usize, usize),
}

/// Which kind of registration a call inside a wrapper makes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Registering {
    Rules,
    Blueprints,
}

pub(crate) fn resolve_routes(
    ix: &Index<'_>,
    targets: &super::names::Targets,
    config: &Config,
    b: &mut Builder,
) {
    let mut r = Resolver {
        ix,
        units: ix.units,
        targets,
        config,
        routers: HashMap::default(),
        factory_instances: BTreeSet::new(),
        rule_wrappers: HashMap::default(),
        blueprint_wrappers: HashMap::default(),
        forwarders: HashMap::default(),
        wrapper_runs: MAX_WRAPPER_RUNS,
        return_reads: std::cell::Cell::new(MAX_RETURN_READS),
        bound_calls: BTreeSet::new(),
        bound_decorators: BTreeSet::new(),
        pending_decorators: BTreeSet::new(),
        found: Vec::new(),
        edges: Vec::new(),
        unresolved_prefixes: BTreeSet::new(),
        unbound: BTreeSet::new(),
    };
    r.find_routers();
    r.find_registrations();
    r.wrapper_calls(Registering::Blueprints);
    r.decorated_routes();
    r.rule_calls();
    r.wrapper_calls(Registering::Rules);
    // Class-based view frameworks, from their declarative models (`frameworks/`).
    b.diagnostics.extend(r.framework_routes());
    r.never_bound();
    for (route, handler, file, line) in std::mem::take(&mut r.edges) {
        b.edge(&route, &handler, EdgeKind::Handles, &file, line);
    }
    for (file, line, key) in std::mem::take(&mut r.unresolved_prefixes) {
        b.diagnostics.push(Diagnostic::new(
            &file,
            line,
            Severity::Info,
            format!("URL prefix from `{key}` is not a literal seam can read; routes under it are shown without it"),
        ));
    }
    let routes = r.settle_apps();
    b.unbound_registrations = r.unbound.len() as u32;
    for (file, line, message) in std::mem::take(&mut r.unbound) {
        b.diagnostics.push(
            Diagnostic::new(&file, line, Severity::Warning, message).with_check("route-unbound"),
        );
    }
    b.routes.extend(routes);
}

fn positional(args: &[Arg], i: usize) -> Option<&Expr> {
    args.iter()
        .filter(|a| a.keyword.is_none())
        .nth(i)
        .map(|a| &a.value)
}

fn keyword<'e>(args: &'e [Arg], k: &str) -> Option<&'e Expr> {
    args.iter()
        .find(|a| a.keyword.as_deref() == Some(k))
        .map(|a| &a.value)
}

/// Flask's joining of a prefix and a rule: exactly one `/` between them.
pub(crate) fn join_path(prefix: &str, rule: &str) -> String {
    let joined = match (prefix.is_empty(), rule.is_empty()) {
        (true, _) => rule.to_owned(),
        (false, true) => prefix.to_owned(),
        (false, false) => format!(
            "{}/{}",
            prefix.trim_end_matches('/'),
            rule.trim_start_matches('/')
        ),
    };
    if joined.starts_with('/') {
        joined
    } else {
        format!("/{joined}")
    }
}

fn strings(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::List(items) => Some(
            items
                .iter()
                .filter_map(|i| {
                    if let Expr::Str(s) = i {
                        Some(s.to_string())
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        Expr::Str(s) => Some(vec![s.to_string()]),
        _ => None,
    }
}

/// A receiver named like a Flask router (`app`, `bp`, `blueprint`, `api`, `ns`, `*_bp`).
fn looks_like_router(receiver: &str) -> bool {
    let last = last_segment(receiver).to_ascii_lowercase();
    matches!(
        last.as_str(),
        "app" | "bp" | "blueprint" | "api" | "ns" | "router"
    ) || last.ends_with("_bp")
        || last.ends_with("_blueprint")
        || last.ends_with("_api")
}

#[cfg(test)]
mod tests {
    use super::join_path;

    #[test]
    fn paths_join_like_flask() {
        assert_eq!(join_path("/admin", "/"), "/admin/");
        assert_eq!(join_path("", "/topic/<int:id>"), "/topic/<int:id>");
        assert_eq!(join_path("/auth/", "login"), "/auth/login");
        assert_eq!(join_path("/api", ""), "/api");
        assert_eq!(join_path("", ""), "/");
    }
}
