//! Names a human would give, from what the service holds. A service that owns data is named
//! for its **dominant table**: the owned table its members read and write most (a write counts
//! double, as in ownership, and multiplied by one plus the owned tables whose names it starts,
//! `books` for `books_authors_link`; ties: the table more of its owned tables reference, then
//! the name). A parent's use does not speak for its children: `rooms` is what appointments
//! point at, not what the scheduling service is about. Route prefixes and module words are not used for it: a first path segment is often
//! a router's (`/actions/...`, `/data/projects/<id>/schedule-items`) and a module word can name
//! a minority of the members (zou's `import` service held the project configuration). A
//! service that owns no table (an edge service) is named for the route prefix that covers
//! more than [`MAJORITY`] of its distinct paths, else the module word of more than that share
//! of its members, else `service_<n>`. Generic words are left out. Unique and stable: the
//! strongest claims are settled first, ties break alphabetically, a taken name falls back to
//! the next candidate.

use std::collections::{BTreeMap, BTreeSet};

/// Path segments and table names that say nothing about a domain. `admin` and its kin name an
/// audience: `/admin/users` is about users.
const GENERIC_WORDS: &[&str] = &[
    "api",
    "apps",
    "static",
    "v1",
    "v2",
    "v3",
    "data",
    "public",
    "internal",
    "rest",
    "admin",
    "manage",
    "management",
    "dashboard",
];

/// Module names that say nothing about a domain (`views`, `tasks` the Celery module...): in a
/// route or a table name, `tasks` is a domain word.
const GENERIC_MODULES: &[&str] = &[
    "api",
    "app",
    "apps",
    "views",
    "view",
    "models",
    "model",
    "services",
    "service",
    "utils",
    "util",
    "helpers",
    "helper",
    "forms",
    "form",
    "tasks",
    "task",
    "handlers",
    "handler",
    "resources",
    "resource",
    "routes",
    "route",
    "controllers",
    "controller",
    "schemas",
    "schema",
    "core",
    "common",
    "lib",
    "blueprints",
    "blueprint",
    "web",
    "main",
    "base",
    "__init__",
    "src",
    "server",
    "backend",
    "admin_views",
    "plugins",
    "management",
    "repo",
    "repository",
    "db",
    "data",
    "static",
    "v1",
    "v2",
    "v3",
];

/// Share of a table-less service's paths (or members) a word must exceed to name it.
pub(crate) const MAJORITY: f64 = 0.5;

/// What one service offers for naming.
#[derive(Debug, Default)]
pub(crate) struct Clues<'a> {
    pub route_paths: Vec<&'a str>,
    /// Owned tables with how much the service's members use each (writes double) and how many
    /// of its other owned tables reference it.
    pub tables: Vec<(&'a str, f64, usize)>,
    pub member_modules: Vec<&'a str>,
    /// An edge service (its own tables are a small share of its data use): named for its
    /// routes or modules first, its tables only when no word covers most of it.
    pub edge: bool,
}

fn usable(word: &str, root: &str, generic: &[&str]) -> bool {
    !word.is_empty()
        && word != root
        && !GENERIC_WORDS.contains(&word)
        && !generic.contains(&word)
        && !word.starts_with('<')
        && !word.starts_with('_')
        && !word.chars().all(|c| c.is_ascii_digit())
        && !(word.starts_with('v')
            && word[1..].chars().all(|c| c.is_ascii_digit())
            && word.len() > 1)
}

/// Ranked candidate names for one service, best first, each with the strength of its claim
/// (a table's use; a word's share).
fn candidates<'a>(clues: &Clues<'a>, root: &str) -> Vec<(String, f64)> {
    if clues.edge {
        let mut out = words(clues, root);
        // The tables only as a last resort: weaker than any word's claim.
        out.extend(
            table_names(clues, root)
                .into_iter()
                .map(|(name, claim)| (name, claim * 1e-9)),
        );
        return out;
    }
    let tables = table_names(clues, root);
    if !tables.is_empty() {
        return tables;
    }
    words(clues, root)
}

/// The owned tables as names, dominant first (see the module doc).
fn table_names<'a>(clues: &Clues<'a>, root: &str) -> Vec<(String, f64)> {
    let bare = |t: &'a str| {
        let name = t.trim_start_matches("table:");
        name.rsplit('.').next().unwrap_or(name)
    };
    let all: Vec<&str> = clues.tables.iter().map(|(t, _, _)| bare(t)).collect();
    let mut tables: Vec<(&str, f64, usize)> = clues
        .tables
        .iter()
        .map(|&(t, used, children)| {
            let name = bare(t);
            // A table whose name starts the names of other owned tables (`books` of
            // `books_authors_link`, `project` of `project_status`) names their family.
            let family = all
                .iter()
                .filter(|o| {
                    o.len() > name.len() + 1
                        && o.starts_with(name)
                        && o.as_bytes()[name.len()] == b'_'
                })
                .count();
            (name, used * (1 + family) as f64, children)
        })
        .filter(|(name, _, _)| usable(name, root, &[]))
        .collect();
    tables.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| b.2.cmp(&a.2))
            .then_with(|| a.0.cmp(b.0))
    });
    // Claims rank above any table-less service's word: 1 + the table's use.
    tables
        .iter()
        .map(|(name, used, _)| ((*name).to_owned(), 1.0 + used))
        .collect()
}

/// Route and module words covering most of a service, best first.
fn words(clues: &Clues<'_>, root: &str) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    // A path served for GET and POST is one resource, not two.
    let paths: BTreeSet<&str> = clues.route_paths.iter().copied().collect();
    let mut words: BTreeMap<String, f64> = BTreeMap::new();
    for path in &paths {
        if let Some(word) = path
            .split('/')
            .map(|s| s.to_ascii_lowercase())
            .find(|s| usable(s, root, &[]))
        {
            *words.entry(word.replace('-', "_")).or_default() += 1.0;
        }
    }
    let mut ranked: Vec<(String, f64)> = words
        .into_iter()
        .map(|(w, n)| (w, n / paths.len().max(1) as f64))
        .filter(|(_, share)| *share > MAJORITY)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.extend(ranked);
    // Module words covering most members; code under `utils/`, `helpers/`... names no domain.
    let mut members: BTreeMap<&str, f64> = BTreeMap::new();
    let counted: Vec<&&str> = clues
        .member_modules
        .iter()
        .filter(|m| !super::kernel::is_generic_module(m))
        .collect();
    for module in &counted {
        let words: BTreeSet<&str> = module
            .split('.')
            .filter(|w| usable(w, root, GENERIC_MODULES))
            .collect();
        for w in words {
            *members.entry(w).or_default() += 1.0;
        }
    }
    let mut ranked: Vec<(String, f64)> = members
        .into_iter()
        .map(|(w, n)| (w.to_owned(), n / counted.len().max(1) as f64))
        .filter(|(_, share)| *share > MAJORITY)
        .collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.extend(ranked);
    out
}

/// One unique name per service. A name goes to the service with the strongest claim on it,
/// whatever the services' order (the strongest claims are settled first); a service whose
/// every candidate was taken gets its best candidate with a number, or `service_<n>`.
pub(crate) fn names(services: &[Clues<'_>], root: &str) -> Vec<String> {
    let ranked: Vec<Vec<(String, f64)>> = services.iter().map(|c| candidates(c, root)).collect();
    let mut claims: Vec<(f64, usize, &str)> = ranked
        .iter()
        .enumerate()
        .flat_map(|(s, r)| r.iter().map(move |(w, score)| (*score, s, w.as_str())))
        .collect();
    claims.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.cmp(&b.1))
            .then_with(|| a.2.cmp(b.2))
    });
    let mut out: Vec<Option<String>> = vec![None; services.len()];
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (_, s, word) in claims {
        if out[s].is_none() && !taken.contains(word) {
            taken.insert(word.to_owned());
            out[s] = Some(word.to_owned());
        }
    }
    out.into_iter()
        .enumerate()
        .map(|(i, name)| {
            name.unwrap_or_else(|| {
                let name = ranked[i].first().map_or_else(
                    || format!("service_{}", i + 1),
                    |(first, _)| {
                        (2..)
                            .map(|k| format!("{first}_{k}"))
                            .find(|n| !taken.contains(n))
                            .unwrap_or_default()
                    },
                );
                taken.insert(name.clone());
                name
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_with_data_is_named_for_its_dominant_table() {
        // zou's case: routes under `/import/...` and `/data/projects/...`, a module word
        // `import`, but what it owns and uses is the project and its configuration.
        let projects = Clues {
            route_paths: vec![
                "/import/shotgun/projects",
                "/import/kitsu/projects",
                "/data/projects",
            ],
            tables: vec![("table:project", 40.0, 3), ("table:project_status", 6.0, 0)],
            member_modules: vec!["zou.app.blueprints.import", "zou.app.blueprints.import"],
            edge: false,
        };
        // Equal use: the table more owned tables reference (the aggregate's root) wins.
        let tasks = Clues {
            tables: vec![("table:time_spent", 5.0, 0), ("table:task", 5.0, 1)],
            ..Clues::default()
        };
        // An edge service over the catalogue that owns one flag table is named for its routes.
        let web = Clues {
            route_paths: vec!["/shelf/1", "/shelf/2", "/read/<id>"],
            tables: vec![("table:archived_book", 30.0, 0)],
            edge: true,
            ..Clues::default()
        };
        assert_eq!(
            names(&[projects, tasks, web], "zou"),
            vec!["project", "task", "shelf"]
        );
    }

    #[test]
    fn an_edge_service_is_named_for_a_majority_word_only() {
        let users = Clues {
            route_paths: vec![
                "/admin/users",
                "/admin/users",
                "/admin/users/<id>",
                "/admin/x",
            ],
            ..Clues::default()
        };
        // No route word covers half the paths; the module word covers every member.
        let reports = Clues {
            route_paths: vec!["/a", "/b", "/c"],
            member_modules: vec!["shop.reports.views", "shop.reports.pdf"],
            ..Clues::default()
        };
        // Nothing covers a majority: numbered.
        let mixed = Clues {
            route_paths: vec!["/a", "/b"],
            member_modules: vec!["shop.x", "shop.y"],
            ..Clues::default()
        };
        assert_eq!(
            names(&[users, reports, mixed, Clues::default()], "shop"),
            vec!["users", "reports", "service_3", "service_4"]
        );
    }

    #[test]
    fn names_are_unique() {
        let a = Clues {
            tables: vec![("table:orders", 3.0, 0)],
            ..Clues::default()
        };
        let b = Clues {
            tables: vec![("table:orders", 5.0, 0)],
            ..Clues::default()
        };
        // The stronger claim wins the name, whatever the order.
        assert_eq!(names(&[a, b], "x"), vec!["orders_2", "orders"]);
    }
}
