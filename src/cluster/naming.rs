//! Names a human would give: from the service's routes (first meaningful path segment), the
//! tables it owns and the modules of its members, generic words left out. Unique and stable:
//! scores are counts, ties break alphabetically, a taken name falls back to the next candidate.

use std::collections::{BTreeMap, BTreeSet};

/// Path segments and table names that say nothing about a domain.
const GENERIC_WORDS: &[&str] = &[
    "api", "apps", "static", "v1", "v2", "v3", "data", "public", "internal", "rest",
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
const TABLE_POINTS: f64 = 2.0;
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
fn candidates(clues: &Clues<'_>, root: &str) -> Vec<String> {
    let mut score: BTreeMap<String, f64> = BTreeMap::new();
    for path in &clues.route_paths {
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
    for module in &clues.member_modules {
        let words: BTreeSet<&str> = module
            .split('.')
            .filter(|w| usable(w, root, GENERIC_MODULES))
            .collect();
        for w in words {
            *score.entry(w.to_owned()).or_default() += MODULE_POINTS;
        }
    }
    let mut ranked: Vec<(String, f64)> = score.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked.into_iter().map(|(w, _)| w).collect()
}

/// One unique name per service, in the order given.
pub(crate) fn names(services: &[Clues<'_>], root: &str) -> Vec<String> {
    let mut taken: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::with_capacity(services.len());
    for (i, clues) in services.iter().enumerate() {
        let ranked = candidates(clues, root);
        let name = ranked
            .iter()
            .find(|c| !taken.contains(*c))
            .cloned()
            .or_else(|| {
                ranked.first().map(|first| {
                    (2..)
                        .map(|k| format!("{first}_{k}"))
                        .find(|n| !taken.contains(n))
                        .unwrap_or_default()
                })
            })
            .unwrap_or_else(|| format!("service_{}", i + 1));
        taken.insert(name.clone());
        out.push(name);
    }
    out
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
            route_paths: vec!["/api/v1/auth/login"],
            tables: vec!["table:users"],
            member_modules: vec!["shop.identity.models", "shop.identity.views"],
        };
        let nothing = Clues::default();
        assert_eq!(
            names(&[billing, identity, nothing], "shop"),
            vec!["billing", "auth", "service_3"]
        );
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
        assert_eq!(names(&[a, b], "x"), vec!["orders", "orders_2"]);
    }
}
