//! SQLAlchemy-Continuum: a model with `__versioned__` gets a history table `<table>_version`
//! (its columns plus `transaction_id`, `end_transaction_id`, `operation_type`; the primary key
//! plus `transaction_id`; no foreign keys), an association table between versioned models
//! (`secondary=`) gets one too, and one `transaction` table records the transactions. These
//! tables exist in the database although no class of the repository declares them.

use std::collections::{BTreeMap, BTreeSet};

use super::super::builder::Builder;
use super::super::index::Index;
use super::{Models, class_attr};
use crate::analysis::{Column, Evidence};

/// Columns Continuum adds to every version table.
const VERSION_COLUMNS: [(&str, &str, bool); 3] = [
    ("transaction_id", "biginteger", false),
    ("end_transaction_id", "biginteger", true),
    ("operation_type", "smallinteger", false),
];

/// `__versioned__` on the class or an ancestor: where it is written.
fn versioned_at(ix: &Index<'_>, u: usize, d: usize) -> Option<Evidence> {
    ix.lineage(u, d).into_iter().find_map(|(cu, cd)| {
        class_attr(ix, cu, cd, "__versioned__").map(|a| Evidence {
            file: ix.units[cu].file.rel.clone().into(),
            line: a.line,
        })
    })
}

/// Adds the version tables and returns the versioned tables (association tables included),
/// each with the `__versioned__` that makes it so.
pub(crate) fn version_tables(
    ix: &Index<'_>,
    b: &mut Builder,
    models: &Models,
) -> BTreeMap<String, Evidence> {
    // Versioned table → where `__versioned__` says so (first in file, line order).
    let mut versioned: BTreeMap<String, Evidence> = BTreeMap::new();
    let mut keys: Vec<(usize, usize)> = models.by_def.keys().copied().collect();
    keys.sort_unstable();
    for &(u, d) in &keys {
        if let Some(at) = versioned_at(ix, u, d) {
            let table = models.by_def[&(u, d)].table.clone();
            let slot = versioned.entry(table).or_insert_with(|| at.clone());
            if at < *slot {
                *slot = at;
            }
        }
    }
    if versioned.is_empty() {
        return versioned;
    }
    // Association tables of a versioned model's relationships are versioned with it.
    let mut secondaries: BTreeSet<(String, Evidence)> = BTreeSet::new();
    for ((model, _), rel) in &models.relationships {
        let Some(secondary) = &rel.secondary else {
            continue;
        };
        if let Some(at) = models
            .by_def
            .get(model)
            .and_then(|m| versioned.get(&m.table))
        {
            secondaries.insert((secondary.clone(), at.clone()));
        }
    }
    for (secondary, at) in secondaries {
        versioned.entry(secondary).or_insert(at);
    }
    let first = versioned.values().min().cloned();
    for (table, at) in &versioned {
        let (columns, primary_key) = match b.tables.get(table) {
            Some(t) => (t.columns.clone(), t.primary_key.clone()),
            None => (Vec::new(), Vec::new()),
        };
        let v = b.table(&format!("{table}_version"));
        v.defined_in.insert(at.clone());
        for c in columns {
            v.add_column(c);
        }
        for (name, data_type, nullable) in VERSION_COLUMNS {
            v.add_column(Column {
                name: name.to_owned(),
                data_type: data_type.to_owned(),
                nullable,
            });
        }
        for pk in primary_key {
            v.add_primary_key(&pk);
        }
        v.add_primary_key("transaction_id");
    }
    if let Some(at) = first {
        let t = b.table("transaction");
        t.defined_in.insert(at);
        for (name, data_type, nullable) in [
            ("id", "biginteger", false),
            ("issued_at", "datetime", true),
            ("remote_addr", "string", true),
        ] {
            t.add_column(Column {
                name: name.to_owned(),
                data_type: data_type.to_owned(),
                nullable,
            });
        }
        t.add_primary_key("id");
    }
    versioned
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::analyze;

    #[test]
    fn versioned_models_and_their_association_tables_get_version_tables() {
        let a = analyze(&[(
            "m.py",
            "from app import db\nlinks = db.Table('links', db.Column('a_id', db.Integer, db.ForeignKey('a.id')))\nclass A(db.Model):\n    __versioned__ = {}\n    id = db.Column(db.Integer, primary_key=True)\n    bs = db.relationship('B', secondary=links)\nclass B(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
        )]);
        let names: Vec<&str> = a.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "a",
                "a_version",
                "b",
                "links",
                "links_version",
                "transaction"
            ]
        );
        let version = &a.tables[1];
        let cols: Vec<&str> = version.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            cols,
            vec![
                "id",
                "transaction_id",
                "end_transaction_id",
                "operation_type"
            ]
        );
        assert_eq!(version.primary_key, vec!["id", "transaction_id"]);
        assert_eq!(version.defined_in[0].line, 4);
    }
}
