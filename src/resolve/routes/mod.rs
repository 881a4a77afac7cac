//! Flask routes with their full paths and handlers: `@app.route`/`@bp.route`/`@bp.get`...,
//! `add_url_rule` (plain functions and `MethodView.as_view`), Flask-RESTful/RESTX
//! `add_resource` and `@ns.route`, blueprint and API prefixes (from `Blueprint(...)`,
//! `register_blueprint`, `Api(...)`, `add_namespace`, config constants), and repository
//! functions that forward their arguments into `add_url_rule`/`add_resource` (FlaskBB's
//! `register_view`, Redash's `add_org_resource`), resolved through the wrapper at each call.

use std::collections::{BTreeSet, HashMap};

use seam_facts::python::{Arg, Expr};
use seam_facts::{Diagnostic, Severity};

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
    own_prefix: String,
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

/// What a view expression denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    Function(usize, usize),
    Class(usize, usize),
}

/// Arguments bound to a wrapper's parameters at one call: (expression, unit and scope of the
/// caller where it is evaluated).
type Env<'e> = HashMap<&'e str, Bound<'e>>;

#[derive(Debug, Clone)]
enum Bound<'e> {
    One(&'e Expr, usize, &'e str),
    Many(Vec<&'e Expr>, usize, &'e str),
}

struct Resolver<'i, 'a> {
    ix: &'i Index<'a>,
    units: &'a [crate::load::PythonUnit],
    config: &'i Config,
    routers: HashMap<(usize, usize), Router>,
    /// Functions whose `add_url_rule`/`add_resource` calls depend on their parameters: def →
    /// the registering calls inside.
    rule_wrappers: HashMap<(usize, usize), Vec<usize>>,
    /// Likewise for `register_blueprint`/`add_namespace` (`for bp in blueprints: ...`).
    blueprint_wrappers: HashMap<(usize, usize), Vec<usize>>,
    found: BTreeSet<Route>,
    edges: Vec<(String, String, String, u32)>,
    unresolved_prefixes: BTreeSet<(String, u32, String)>,
}

/// Which kind of registration a call inside a wrapper makes.
#[derive(Clone, Copy)]
enum Registering {
    Rules,
    Blueprints,
}

pub(crate) fn resolve_routes(
    ix: &Index<'_>,
    targets: &[Vec<Value>],
    config: &Config,
    b: &mut Builder,
) {
    let mut r = Resolver {
        ix,
        units: ix.units,
        config,
        routers: HashMap::new(),
        rule_wrappers: HashMap::new(),
        blueprint_wrappers: HashMap::new(),
        found: BTreeSet::new(),
        edges: Vec::new(),
        unresolved_prefixes: BTreeSet::new(),
    };
    r.find_routers();
    r.find_registrations();
    r.wrapper_calls(targets, Registering::Blueprints);
    r.decorated_routes();
    r.rule_calls();
    r.wrapper_calls(targets, Registering::Rules);
    // Class-based view frameworks, from their declarative models (`frameworks/`).
    b.diagnostics.extend(r.framework_routes());
    for (route, handler, file, line) in r.edges {
        b.edge(&route, &handler, EdgeKind::Handles, &file, line);
    }
    for (file, line, key) in r.unresolved_prefixes {
        b.diagnostics.push(Diagnostic::new(
            &file,
            line,
            Severity::Info,
            format!("URL prefix from `{key}` is not a literal seam can read; routes under it are shown without it"),
        ));
    }
    b.routes.extend(r.found);
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
                        Some(s.clone())
                    } else {
                        None
                    }
                })
                .collect(),
        ),
        Expr::Str(s) => Some(vec![s.clone()]),
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
