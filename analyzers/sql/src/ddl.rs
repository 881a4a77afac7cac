//! Schema: the table a CREATE TABLE defines (columns, keys, foreign keys, unique constraints)
//! and the foreign keys an ALTER TABLE adds. Foreign keys are what tie tables together across
//! a would-be service boundary, so both spellings are read: `REFERENCES` on a column and
//! `FOREIGN KEY (...) REFERENCES` as a table constraint. (sqlparser's `visit_relations` does
//! not report FK targets, so the constraints are read directly.)

use seam_facts::sql::{ColumnDef, ForeignKey, TableDef};
use sqlparser::ast::{
    AlterTable, AlterTableOperation, ColumnOption, CreateTable, Expr, ForeignKeyConstraint,
    IndexColumn, TableConstraint,
};

use crate::scope::{ident_name, object_table};

/// The table a CREATE TABLE defines (`None` when its name is templated, or for a temporary
/// table: scratch space of one session, not part of the schema a service would own).
pub(crate) fn table_def(create: &CreateTable) -> Option<TableDef> {
    if create.temporary {
        return None;
    }
    let name = object_table(&create.name)?;
    let mut def = TableDef {
        name,
        columns: Vec::new(),
        primary_key: Vec::new(),
        foreign_keys: Vec::new(),
        unique: Vec::new(),
    };
    for column in &create.columns {
        let col = ident_name(&column.name);
        let mut out = ColumnDef {
            name: col.clone(),
            data_type: column.data_type.to_string().to_lowercase(),
            nullable: true,
            unique: false,
        };
        for option in &column.options {
            match &option.option {
                ColumnOption::NotNull => out.nullable = false,
                ColumnOption::PrimaryKey(_) => {
                    out.nullable = false;
                    out.unique = true;
                    def.primary_key.push(col.clone());
                }
                ColumnOption::Unique(_) => {
                    out.unique = true;
                    def.unique.push(vec![col.clone()]);
                }
                ColumnOption::ForeignKey(fk) => {
                    def.foreign_keys.extend(foreign_key(vec![col.clone()], fk))
                }
                _ => {}
            }
        }
        def.columns.push(out);
    }
    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => def.primary_key.extend(index_columns(&pk.columns)),
            TableConstraint::Unique(unique) => def.unique.push(index_columns(&unique.columns)),
            TableConstraint::ForeignKey(fk) => def.foreign_keys.extend(foreign_key(idents(fk), fk)),
            _ => {}
        }
    }
    // Key columns are NOT NULL; a one-column key or unique constraint makes its column unique.
    for column in &mut def.columns {
        if def.primary_key.contains(&column.name) {
            column.nullable = false;
        }
        let alone = |cols: &Vec<String>| cols.len() == 1 && cols[0] == column.name;
        if alone(&def.primary_key) || def.unique.iter().any(alone) {
            column.unique = true;
        }
    }
    def.unique.sort();
    def.unique.dedup();
    def.foreign_keys.sort();
    def.foreign_keys.dedup();
    Some(def)
}

/// Foreign keys an ALTER TABLE adds, as (table, key): `ADD [CONSTRAINT c] FOREIGN KEY` and
/// `ADD COLUMN c ... REFERENCES t`.
pub(crate) fn added_foreign_keys(alter: &AlterTable) -> Vec<(String, ForeignKey)> {
    let Some(table) = object_table(&alter.name) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for operation in &alter.operations {
        match operation {
            AlterTableOperation::AddConstraint {
                constraint: TableConstraint::ForeignKey(fk),
                ..
            } => {
                keys.extend(foreign_key(idents(fk), fk));
            }
            AlterTableOperation::AddColumn { column_def, .. } => {
                for option in &column_def.options {
                    if let ColumnOption::ForeignKey(fk) = &option.option {
                        keys.extend(foreign_key(vec![ident_name(&column_def.name)], fk));
                    }
                }
            }
            _ => {}
        }
    }
    keys.sort();
    keys.dedup();
    keys.into_iter().map(|k| (table.clone(), k)).collect()
}

/// A foreign key from `columns`; `None` when the referenced table is templated. Referenced
/// columns stay empty when omitted (`REFERENCES customers` means its primary key).
fn foreign_key(columns: Vec<String>, fk: &ForeignKeyConstraint) -> Option<ForeignKey> {
    Some(ForeignKey {
        columns,
        references: object_table(&fk.foreign_table)?,
        ref_columns: fk.referred_columns.iter().map(ident_name).collect(),
    })
}

fn idents(fk: &ForeignKeyConstraint) -> Vec<String> {
    fk.columns.iter().map(ident_name).collect()
}

/// Column names of a key; an expression key (`lower(email)`) is kept as written, lowercase.
fn index_columns(columns: &[IndexColumn]) -> Vec<String> {
    columns
        .iter()
        .map(|c| match &c.column.expr {
            Expr::Identifier(i) => ident_name(i),
            Expr::CompoundIdentifier(parts) => parts.last().map(ident_name).unwrap_or_default(),
            other => other.to_string().to_lowercase(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::one;
    use seam_facts::sql::{ColumnDef, ForeignKey, StatementKind};

    fn fk(columns: &[&str], references: &str, ref_columns: &[&str]) -> ForeignKey {
        ForeignKey {
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            references: references.to_owned(),
            ref_columns: ref_columns.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    #[test]
    fn temporary_tables_are_not_schema_tables() {
        for sql in [
            "CREATE TEMP TABLE _scratch ()",
            "CREATE TEMPORARY TABLE scratch (id int)",
        ] {
            let s = one(sql);
            assert_eq!(s.kind, StatementKind::CreateTable);
            assert!(s.creates.is_none(), "{sql}");
        }
    }

    #[test]
    fn create_table_columns_keys_and_foreign_keys_both_ways() {
        let s = one(
            "CREATE TABLE public.Orders (\n  id SERIAL PRIMARY KEY,\n  customer_id INTEGER NOT NULL REFERENCES customers(id),\n  \
             coupon_id int REFERENCES billing.coupons,\n  code VARCHAR(80) UNIQUE,\n  note text,\n  \
             shop_id int, region text,\n  FOREIGN KEY (shop_id, region) REFERENCES shops (id, region),\n  UNIQUE (shop_id, code)\n)",
        );
        assert_eq!(s.kind, StatementKind::CreateTable);
        let t = s.creates.unwrap_or_else(|| unreachable!());
        assert_eq!(t.name, "orders");
        assert_eq!(t.primary_key, vec!["id"]);
        let col = |name: &str, data_type: &str, nullable: bool, unique: bool| ColumnDef {
            name: name.into(),
            data_type: data_type.into(),
            nullable,
            unique,
        };
        assert_eq!(t.columns[0], col("id", "serial", false, true));
        assert_eq!(t.columns[1], col("customer_id", "integer", false, false));
        assert_eq!(t.columns[3], col("code", "varchar(80)", true, true));
        assert_eq!(t.columns[4], col("note", "text", true, false));
        assert_eq!(
            t.foreign_keys,
            vec![
                fk(&["coupon_id"], "billing.coupons", &[]),
                fk(&["customer_id"], "customers", &["id"]),
                fk(&["shop_id", "region"], "shops", &["id", "region"]),
            ]
        );
        assert_eq!(
            t.unique,
            vec![
                vec!["code".to_owned()],
                vec!["shop_id".to_owned(), "code".to_owned()]
            ]
        );
    }

    #[test]
    fn table_level_primary_keys_are_not_null() {
        let t = one("CREATE TABLE m (a int, b int, PRIMARY KEY (a, b))")
            .creates
            .unwrap_or_else(|| unreachable!());
        assert_eq!(t.primary_key, vec!["a", "b"]);
        assert!(t.columns.iter().all(|c| !c.nullable && !c.unique));
    }

    #[test]
    fn alter_table_adds_foreign_keys() {
        let s = one(
            "ALTER TABLE ONLY public.orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES public.customers(id) ON DELETE CASCADE",
        );
        assert_eq!(s.kind, StatementKind::AlterTable);
        assert_eq!(
            s.added_foreign_keys,
            vec![(
                "orders".to_owned(),
                fk(&["customer_id"], "customers", &["id"])
            )]
        );
        let s = one("ALTER TABLE items ADD COLUMN order_id bigint REFERENCES orders");
        assert_eq!(
            s.added_foreign_keys,
            vec![("items".to_owned(), fk(&["order_id"], "orders", &[]))]
        );
    }

    #[test]
    fn other_schema_statements() {
        assert_eq!(
            one("CREATE UNIQUE INDEX ix ON users (lower(email))").kind,
            StatementKind::CreateIndex
        );
        assert_eq!(
            one("DROP TABLE IF EXISTS a, b CASCADE").kind,
            StatementKind::Drop
        );
        let s = one("CREATE TABLE copy AS SELECT * FROM orders");
        assert_eq!(s.reads, vec!["orders"]);
        assert_eq!(s.creates.map(|t| t.name).as_deref(), Some("copy"));
    }
}
