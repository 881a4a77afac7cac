//! SQL statements → query sites and table definitions. SQL in Python belongs to the function
//! that runs it: a literal to the enclosing function, a named constant to each function that
//! passes it to an execute-like call (the constant itself, if nobody runs it, to its module).
//! `.sql` files define tables and, for DML, are query sites of their own (no graph edges: no
//! code symbol runs them).

use rustc_hash::FxHashSet as HashSet;

use seam_facts::python::SqlOrigin;
use seam_facts::sql::{SqlFacts, Statement};

use super::builder::Builder;
use super::index::{Index, parent_scope};
use super::names::Value;
use crate::analysis::{Column, EdgeKind, Evidence, ForeignKey, Query, QuerySource};
use crate::load::SqlUnit;

pub(crate) fn resolve_sql(ix: &Index<'_>, sql_units: &[SqlUnit], b: &mut Builder) {
    // Which constants are run by name somewhere: (unit, sql index).
    let mut referenced: HashSet<(usize, usize)> = HashSet::default();
    // (unit, scope, line, constant's unit, constant's index) of each run by name.
    let mut runs: Vec<(usize, String, u32, usize, usize)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        for sql in &unit.facts.sql {
            if let SqlOrigin::Reference(name) = &sql.origin
                && let Some((cu, ci)) = find_constant(ix, u, &sql.scope, name)
            {
                referenced.insert((cu, ci));
                runs.push((u, sql.scope.to_string(), sql.line, cu, ci));
            }
        }
    }
    // Migrations describe history and tests make throwaway tables: their DDL confirms tables
    // found elsewhere (columns, keys, evidence) but never makes one, so it is applied last and
    // only to known tables.
    let mut history: Vec<(&str, &SqlFacts)> = Vec::new();
    for (u, unit) in ix.units.iter().enumerate() {
        let file = unit.file.rel.as_str();
        let migration = super::models::unit_outside_schema(ix, u);
        for (s, sql) in unit.facts.sql.iter().enumerate() {
            let facts = &unit.sql[s];
            // Tables count as defined where the DDL is written, once, whoever runs it.
            if migration {
                history.push((file, facts));
            } else {
                definitions(b, file, facts, false);
            }
            match &sql.origin {
                SqlOrigin::Reference(_) => {}
                // Run by name elsewhere: its query sites are where it is run (below).
                SqlOrigin::Constant(_) if referenced.contains(&(u, s)) => {}
                _ => {
                    let site = ix.owner_id(u, &sql.scope);
                    statements(b, &site, file, None, facts, true);
                }
            }
        }
    }
    for (u, scope, line, cu, ci) in runs {
        let site = ix.owner_id(u, &scope);
        let file = ix.units[u].file.rel.clone();
        let facts = &ix.units[cu].sql[ci];
        // A constant of the same function is evidence where its SQL is written; one defined
        // elsewhere (a module constant) is evidence where this function runs it.
        let at = if cu == u && ix.units[cu].facts.sql[ci].scope == scope {
            None
        } else {
            Some(line)
        };
        statements(b, &site, &file, at, facts, true);
    }
    for unit in sql_units {
        if super::models::outside_schema(&unit.file.tags) {
            history.push((&unit.file.rel, &unit.facts));
        } else {
            definitions(b, &unit.file.rel, &unit.facts, false);
        }
        statements(b, &unit.file.rel, &unit.file.rel, None, &unit.facts, false);
    }
    for (file, facts) in history {
        definitions(b, file, facts, true);
    }
}

/// A constant named `name` as seen from `scope` in unit `u`: in the same scope or an enclosing
/// one, else wherever the name resolves to (an imported module constant).
fn find_constant(ix: &Index<'_>, u: usize, scope: &str, name: &str) -> Option<(usize, usize)> {
    let sql = &ix.units[u].facts.sql;
    let mut current = scope;
    loop {
        let hit = sql
            .iter()
            .position(|s| s.scope == current && s.origin == SqlOrigin::Constant(name.into()));
        if let Some(i) = hit {
            return Some((u, i));
        }
        if current.is_empty() {
            break;
        }
        current = parent_scope(current);
    }
    if let Value::Var(vu, va) = ix.resolve(u, scope, name) {
        let assign = &ix.units[vu].facts.assigns[va];
        let target = assign.targets.first()?;
        let i =
            ix.units[vu].facts.sql.iter().position(|s| {
                s.scope == assign.scope && s.origin == SqlOrigin::Constant(*target)
            })?;
        return Some((vu, i));
    }
    None
}

fn statements(
    b: &mut Builder,
    site: &str,
    file: &str,
    at_line: Option<u32>,
    facts: &SqlFacts,
    edges: bool,
) {
    for st in &facts.statements {
        if !st.kind.is_query() {
            continue;
        }
        let line = at_line.unwrap_or(st.line);
        if edges {
            for t in &st.reads {
                b.edge(site, &format!("table:{t}"), EdgeKind::Reads, file, line);
            }
            for t in &st.writes {
                b.edge(site, &format!("table:{t}"), EdgeKind::Writes, file, line);
            }
        }
        b.queries.push(query(site, file, line, st));
    }
}

fn query(site: &str, file: &str, line: u32, st: &Statement) -> Query {
    let kind = st.kind.as_str().to_owned();
    Query {
        site: site.to_owned(),
        file: file.to_owned(),
        line,
        source: QuerySource::Sql,
        kind,
        reads: st.reads.iter().map(|t| format!("table:{t}")).collect(),
        writes: st.writes.iter().map(|t| format!("table:{t}")).collect(),
        equality_columns: st.equality_columns.clone(),
        joins: st.joins.clone(),
        locking: st.locking,
        assigned_columns: st.assigned_columns.clone(),
        in_loop: false,
        via: Vec::new(),
    }
}

/// CREATE TABLE and ALTER TABLE ... FOREIGN KEY → table definitions. With `confirm_only`
/// (migrations, tests) the DDL only confirms what is known: tables, their columns (a type
/// where none was read) and keys between known columns; a column a migration once had is
/// history, not the table.
fn definitions(b: &mut Builder, file: &str, facts: &SqlFacts, confirm_only: bool) {
    for st in &facts.statements {
        let evidence = Evidence {
            file: file.into(),
            line: st.line,
        };
        if let Some(def) = &st.creates
            && (!confirm_only || b.tables.contains_key(&def.name))
        {
            let t = b.table(&def.name);
            t.defined_in.insert(evidence.clone());
            let known: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
            let confirms =
                |cols: &[String]| !confirm_only || cols.iter().all(|c| known.contains(c));
            for c in &def.columns {
                if !confirms(std::slice::from_ref(&c.name)) {
                    continue;
                }
                t.add_column(Column {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    nullable: c.nullable,
                });
                if c.unique {
                    t.unique.insert(vec![c.name.clone()]);
                }
            }
            for pk in &def.primary_key {
                if confirms(std::slice::from_ref(pk)) {
                    t.add_primary_key(pk);
                }
            }
            for u in def.unique.iter().filter(|u| confirms(u)) {
                t.unique.insert(u.clone());
            }
            for fk in def.foreign_keys.iter().filter(|fk| confirms(&fk.columns)) {
                add_fk(t, fk, &evidence);
            }
        }
        for (table, fk) in &st.added_foreign_keys {
            let confirmed = b.tables.get(table).is_some_and(|t| {
                fk.columns
                    .iter()
                    .all(|c| t.columns.iter().any(|k| k.name == *c))
            });
            if confirm_only && !confirmed {
                continue;
            }
            let t = b.table(table);
            add_fk(t, fk, &evidence);
        }
    }
}

fn add_fk(t: &mut super::builder::TableAcc, fk: &seam_facts::sql::ForeignKey, evidence: &Evidence) {
    t.fk_evidence
        .entry(fk.references.clone())
        .or_default()
        .insert(evidence.clone());
    t.foreign_keys.insert(ForeignKey {
        columns: fk.columns.clone(),
        references: format!("table:{}", fk.references),
        ref_columns: fk.ref_columns.clone(),
    });
}
