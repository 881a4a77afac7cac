//! Names a human would give: from the service's routes (first meaningful path segment), the
//! tables it owns and the modules of its members, generic words left out. Unique and stable:
//! scores are counts, ties break alphabetically, a taken name falls back to the next candidate.

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

/// Points per piece of evidence.
const ROUTE_POINTS: f64 = 3.0;
const TABLE_POINTS: f64 = 4.0;
const MODULE_POINTS: f64 = 1.0;

/// What one service offers for naming.
#[derive(Debug, Default)]
pub(crate) struct Clues<'a> {
    pub route_paths: Vec<&'a str>,
    pub tables: Vec<&'a str>,
    pub member_modules: Vec<&'a str>,
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

/// Ranked candidate names for one service.
fn candidates(clues: &Clues<'_>, root: &str) -> Vec<(String, f64)> {
    let mut score: BTreeMap<String, f64> = BTreeMap::new();
    // A path served for GET and POST is one resource, not two.
    let paths: BTreeSet<&str> = clues.route_paths.iter().copied().collect();
    for path in paths {
        if let Some(word) = path
            .split('/')
            .map(|s| s.to_ascii_lowercase())
            .find(|s| usable(s, root, &[]))
        {
            *score.entry(word.replace('-', "_")).or_default() += ROUTE_POINTS;
        }
    }
    for table in &clues.tables {
        let name = table.trim_start_matches("table:");
        let name = name.rsplit('.').next().unwrap_or(name);
        if usable(name, root, &[]) {
            *score.entry(name.to_owned()).or_default() += TABLE_POINTS;
        }
    }
    // Members per module word; code under `utils/`, `helpers/`... names no domain. The root
    // of the count keeps one big module (38 permission checks in `requirements.py`) from
    // outvoting the routes and tables.
    let mut members: BTreeMap<&str, f64> = BTreeMap::new();
    for module in clues
        .member_modules
        .iter()
        .filter(|m| !super::kernel::is_generic_module(m))
    {
        let words: BTreeSet<&str> = module
            .split('.')
            .filter(|w| usable(w, root, GENERIC_MODULES))
            .collect();
        for w in words {
            *members.entry(w).or_default() += 1.0;
        }
    }
    for (w, n) in members {
        *score.entry(w.to_owned()).or_default() += MODULE_POINTS * n.sqrt();
    }
    let mut ranked: Vec<(String, f64)> = score.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
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
    fn routes_tables_and_modules_name_services() {
        let billing = Clues {
            route_paths: vec!["/billing/invoices", "/billing/pay"],
            tables: vec!["table:invoices"],
            member_modules: vec!["shop.billing.views"],
        };
        let identity = Clues {
            route_paths: vec![
                "/api/v1/auth/login",
                "/api/v1/auth/logout",
                "/api/v1/auth/login",
            ],
            tables: vec!["table:users"],
            member_modules: vec!["shop.identity.models", "shop.identity.views"],
        };
        let nothing = Clues::default();
        assert_eq!(
            names(&[billing, identity, nothing], "shop"),
            vec!["billing", "auth", "service_3"]
        );
        // `/admin` names an audience; a path served for several methods counts once.
        let users = Clues {
            route_paths: vec!["/admin/users", "/admin/users", "/admin/users/<id>"],
            ..Clues::default()
        };
        let settings = Clues {
            route_paths: vec!["/admin/settings"],
            tables: vec!["table:settings"],
            member_modules: vec!["app.utils.settings", "app.utils.settings"],
        };
        assert_eq!(names(&[users, settings], "app"), vec!["users", "settings"]);
    }

    #[test]
    fn names_are_unique() {
        let a = Clues {
            tables: vec!["table:orders"],
            ..Clues::default()
        };
        let b = Clues {
            tables: vec!["table:orders"],
            member_modules: vec!["x.orders"],
            ..Clues::default()
        };
        // The stronger claim (table and module) wins the name, whatever the order.
        assert_eq!(names(&[a, b], "x"), vec!["orders_2", "orders"]);
    }
}
