//! Self-checks: what seam saw in the code but could not read, counted by kind, so a proposal
//! built on a fraction of the facts says so instead of sounding confident. Two sources:
//! diagnostics the resolver marked with a `check` (a registration whose path could not be
//! bound, a class deriving a model base with no table, two handlers on one route...), and
//! checks over the finished facts (query sites mostly in migrations, a Flask or SQLAlchemy
//! app with no route or no table found).

use std::collections::{BTreeMap, BTreeSet};

use seam_facts::{Diagnostic, Severity};

use crate::analysis::{Evidence, Query, Route, SelfCheck};
use crate::discover::Tag;
use crate::load::PythonUnit;

/// Below this many query sites, where they sit says little.
const MIGRATION_SITES_MIN: usize = 10;

/// What each kind of check means, for the summary. Kinds without an entry print their kind.
fn meaning(check: &str) -> &'static str {
    match check {
        "route-unbound" => "route registrations whose path, view or router could not be bound",
        "route-duplicate" => "(method, path) pairs served by two different handlers",
        "view-unbound" => {
            "framework view registrations or classes whose routes could not be derived"
        }
        "model-without-table" => "classes deriving a model base with no table found",
        "queries-in-migrations" => "most query sites sit in migrations, not in the application",
        "no-routes" => "the code uses Flask, but no route was found",
        "no-tables" => "the code uses SQLAlchemy, but no table was found",
        "write-untyped" => {
            "session writes whose row seam could not type: no table is written for them"
        }
        _ => "",
    }
}

/// What the checks over finished facts read from the Python files, read before the facts
/// are freed: the files tagged as migrations, and the first import of Flask and SQLAlchemy
/// outside tests and migrations.
#[derive(Debug, Default)]
pub(crate) struct FactInputs {
    migration_files: BTreeSet<String>,
    flask: Option<(String, u32)>,
    sqlalchemy: Option<(String, u32)>,
}

impl FactInputs {
    pub(crate) fn gather(units: &[PythonUnit]) -> Self {
        let first_import = |package: &str| {
            units.iter().find_map(|u| {
                let tagged = u
                    .file
                    .tags
                    .iter()
                    .any(|t| matches!(t, Tag::Test | Tag::Migration));
                if tagged {
                    return None;
                }
                u.facts
                    .imports
                    .iter()
                    .find(|i| {
                        i.level == 0
                            && (i.module == package || i.module.starts_with(&format!("{package}.")))
                    })
                    .map(|i| (u.file.rel.clone(), i.line))
            })
        };
        FactInputs {
            migration_files: units
                .iter()
                .filter(|u| u.file.tags.contains(&Tag::Migration))
                .map(|u| u.file.rel.clone())
                .collect(),
            flask: first_import("flask"),
            sqlalchemy: first_import("sqlalchemy").or_else(|| first_import("flask_sqlalchemy")),
        }
    }
}

/// Diagnostics for the checks over finished facts; they join the others before counting.
pub(crate) fn fact_checks(
    facts: &FactInputs,
    routes: &[Route],
    queries: &[Query],
    tables: usize,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let in_migrations = queries
        .iter()
        .filter(|q| facts.migration_files.contains(q.file.as_str()) || q.file.contains("migration"))
        .collect::<Vec<_>>();
    if queries.len() >= MIGRATION_SITES_MIN && in_migrations.len() * 2 > queries.len() {
        let q = in_migrations[0];
        out.push(
            Diagnostic::new(
                &q.file,
                q.line,
                Severity::Warning,
                format!(
                    "{} of {} query sites are in migrations: the application's own data access was mostly not read",
                    in_migrations.len(),
                    queries.len()
                ),
            )
            .with_check("queries-in-migrations"),
        );
    }
    if routes.is_empty()
        && let Some((file, line)) = &facts.flask
    {
        out.push(
            Diagnostic::new(
                file,
                *line,
                Severity::Warning,
                "the code imports Flask but seam found no route: its registrations are in a form seam does not read",
            )
            .with_check("no-routes"),
        );
    }
    if tables == 0
        && let Some((file, line)) = &facts.sqlalchemy
    {
        out.push(
            Diagnostic::new(
                file,
                *line,
                Severity::Warning,
                "the code imports SQLAlchemy but seam found no table: its models are set up in a form seam does not read",
            )
            .with_check("no-tables"),
        );
    }
    out
}

/// Self-check diagnostics counted by kind, with the first place each was seen.
pub(crate) fn summarize(diagnostics: &[Diagnostic]) -> Vec<SelfCheck> {
    let mut by_kind: BTreeMap<&str, (u32, &Diagnostic)> = BTreeMap::new();
    for d in diagnostics {
        if let Some(check) = d.check.as_deref() {
            by_kind.entry(check).or_insert((0, d)).0 += 1;
        }
    }
    by_kind
        .into_iter()
        .map(|(check, (count, first))| SelfCheck {
            check: check.to_owned(),
            count,
            meaning: meaning(check).to_owned(),
            first: Evidence {
                file: first.file.clone().into(),
                line: first.line,
            },
            example: first.message.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(file: &str, line: u32) -> Query {
        Query {
            site: "m:f".to_owned(),
            file: file.to_owned(),
            line,
            source: crate::analysis::QuerySource::Orm,
            kind: "select".to_owned(),
            reads: Vec::new(),
            writes: Vec::new(),
            equality_columns: Vec::new(),
            joins: Vec::new(),
            locking: false,
            assigned_columns: Vec::new(),
            in_loop: false,
            via: Vec::new(),
        }
    }

    #[test]
    fn queries_mostly_in_migrations_are_a_check_counted_by_kind() {
        let mut queries: Vec<Query> = (1..=8)
            .map(|l| query("migrations/versions/a.py", l))
            .collect();
        queries.extend((1..=3).map(|l| query("app/views.py", l)));
        let d = fact_checks(&FactInputs::gather(&[]), &[], &queries, 1);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].check.as_deref(), Some("queries-in-migrations"));
        assert_eq!(
            (d[0].file.as_str(), d[0].line),
            ("migrations/versions/a.py", 1)
        );
        let s = summarize(&d);
        assert_eq!(
            (s[0].check.as_str(), s[0].count),
            ("queries-in-migrations", 1)
        );
        assert!(!s[0].meaning.is_empty());
        queries.truncate(5);
        queries.extend((1..=6).map(|l| query("app/views.py", l)));
        assert!(
            fact_checks(&FactInputs::gather(&[]), &[], &queries, 1).is_empty(),
            "5 of 11: not most"
        );
    }
}
