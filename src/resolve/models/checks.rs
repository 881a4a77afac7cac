//! Self-checks instead of silence: a class that derives a model base but whose table could not
//! be found is a warning at its definition (the naming rule or the mapping is one seam does not
//! read), and model classes without a single table say so loudly, since everything downstream
//! (ownership, shard keys, services) would then be built on no data.

use seam_facts::{Diagnostic, Severity};

use super::super::builder::Builder;
use super::super::index::Index;
use super::Models;

pub(crate) fn unmapped(
    ix: &Index<'_>,
    b: &mut Builder,
    models: &Models,
    candidates: &[(usize, usize)],
) {
    let mut missing = 0u32;
    for &(u, d) in candidates {
        if models.by_def.contains_key(&(u, d)) {
            continue;
        }
        missing += 1;
        let unit = &ix.units[u];
        let def = &unit.facts.defs[d];
        b.diagnostics.push(
            Diagnostic::new(
                &unit.file.rel,
                def.line,
                Severity::Warning,
                format!(
                    "{} derives a model base but seam found no table for it (no `__tablename__`, \
                 no naming rule it can read, not `__abstract__`); its columns and queries are \
                 not attributed",
                    ix.symbol_id(u, d)
                ),
            )
            .with_check("model-without-table"),
        );
    }
    b.unmapped_models += missing;
    if !candidates.is_empty() && models.by_def.is_empty() {
        let (u, d) = candidates[0];
        let unit = &ix.units[u];
        b.diagnostics.push(Diagnostic::new(
            &unit.file.rel,
            unit.facts.defs[d].line,
            Severity::Error,
            format!(
                "{} classes derive a model base but seam mapped none of them to a table: the \
                 data model (tables, ownership, shard keys) of this analysis is empty",
                candidates.len()
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use seam_facts::Severity;

    use super::super::super::tests::analyze;

    #[test]
    fn model_classes_without_any_table_are_an_error() {
        let a = analyze(&[(
            "m.py",
            "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass A(Base):\n    pass\nclass B(Base):\n    pass\n",
        )]);
        assert!(a.tables.is_empty());
        assert_eq!(a.summary.unmapped_models, 2);
        let severities: Vec<(u32, Severity)> =
            a.diagnostics.iter().map(|d| (d.line, d.severity)).collect();
        assert_eq!(
            severities,
            vec![
                (1, Severity::Warning), // the self-check: SQLAlchemy imported, no table
                (3, Severity::Error),
                (3, Severity::Warning),
                (5, Severity::Warning)
            ]
        );
    }
}
