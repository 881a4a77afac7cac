//! End-to-end: `seam analyze fixtures/orm_setups --format json`, a helpdesk app that sets
//! SQLAlchemy up in every way seam reads (see fixtures/orm_setups/README.md): each table, the
//! classes mapped onto it, its keys, with file:line evidence; migrations and tests confirm
//! tables but never make one; a model without a table is a warning, not silence.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "orm_setups";

fn orm() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

fn models_of(v: &Value, id: &str) -> Vec<String> {
    strs(table(v, id), "models")
}

fn column_names(v: &Value, id: &str) -> Vec<String> {
    arr(table(v, id), "columns")
        .iter()
        .map(|c| s(c, "name").to_owned())
        .collect()
}

fn defined_at(v: &Value, id: &str) -> Vec<(String, u64)> {
    arr(table(v, id), "defined_in")
        .iter()
        .map(|e| (s(e, "file").to_owned(), u(e, "line")))
        .collect()
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(orm());
}

#[test]
fn tables_are_exactly_these() {
    let expected = sorted(&[
        "table:account_audit",
        "table:archived_ticket",
        "table:audit_log",
        "table:crm.organisation",
        "table:crm.users",
        "table:daily_report",
        "table:feature_flags",
        "table:page_view",
        "table:report_cache",
        "table:responsetime",
        "table:sla_breach",
        "table:sla_clock",
        "table:tag",
        "table:tag_version",
        "table:ticket",
        "table:ticket_note",
        "table:ticket_tags",
        "table:ticket_tags_version",
        "table:ticket_version",
        "table:transaction",
        "table:warehouse.fact_ticket",
    ]);
    assert_eq!(ids(orm(), "tables"), expected);
}

/// `db` is an instance of the app's own `SQLAlchemy` subclass, imported from the package that
/// re-exports it under its submodule's name; an `__abstract__` base and a mixin are no tables.
#[test]
fn flask_sqlalchemy_through_an_own_subclass() {
    let v = orm();
    assert_eq!(
        models_of(v, "table:crm.organisation"),
        vec!["helpdesk.accounts.models:Organisation"]
    );
    assert_eq!(
        models_of(v, "table:tag"),
        vec!["helpdesk.tickets.models:Tag"]
    );
    assert!(find_table(v, "table:base_model").is_none());
    assert!(find_table(v, "table:timestamp_mixin").is_none());
    assert!(
        column_names(v, "table:crm.organisation").contains(&"created_at".to_owned()),
        "mixin column"
    );
    let at = line_of(FIX, "helpdesk/accounts/models.py", "class Organisation(");
    assert_edge(
        v,
        "helpdesk.accounts.models:Organisation",
        "table:crm.organisation",
        "maps",
    );
    assert!(
        defined_at(v, "table:crm.organisation")
            .contains(&("helpdesk/accounts/models.py".to_owned(), at))
    );
}

/// `SQLAlchemy(model_class=declarative_base(cls=...))`: `analytics.Model` is a plain declarative
/// base, its models name their tables.
#[test]
fn a_declarative_model_class() {
    let v = orm();
    assert_eq!(
        models_of(v, "table:page_view"),
        vec!["helpdesk.analytics:PageView"]
    );
    assert!(find_table(v, "table:analytics_model").is_none());
}

/// `__table_args__` as a dict or a tuple ending in one gives the schema; single-table
/// inheritance maps the subclass onto its parent's table; `__tablename__` may be a constant.
#[test]
fn schemas_inheritance_and_constant_names() {
    let v = orm();
    assert_eq!(
        models_of(v, "table:crm.users"),
        vec![
            "helpdesk.accounts.models:Agent",
            "helpdesk.accounts.models:UserAccount"
        ]
    );
    assert!(column_names(v, "table:crm.users").contains(&"team".to_owned()));
    assert_eq!(
        models_of(v, "table:account_audit"),
        vec!["helpdesk.accounts.models:AccountAudit"]
    );
    assert_eq!(
        models_of(v, "table:warehouse.fact_ticket"),
        vec!["helpdesk.reporting.models:FactTicket"]
    );
}

#[test]
fn foreign_keys_in_every_spelling() {
    let fks = foreign_keys(orm());
    for expected in [
        // `ForeignKey("crm.organisation.id")`: schema-qualified string.
        fk(
            "table:crm.users",
            &["organisation_id"],
            "table:crm.organisation",
            &["id"],
        ),
        // `ForeignKey(UserAccount.id)`: the class's table, schema included.
        fk(
            "table:account_audit",
            &["user_id"],
            "table:crm.users",
            &["id"],
        ),
        // `ForeignKey(id)`: a column of the same class body.
        fk("table:ticket", &["parent_id"], "table:ticket", &["id"]),
        // `ForeignKeyConstraint` in `__table_args__`.
        fk("table:sla_clock", &["ticket_id"], "table:ticket", &["id"]),
        // A composite one, column for column.
        fk(
            "table:sla_breach",
            &["ticket_id", "policy"],
            "table:sla_clock",
            &["ticket_id", "policy"],
        ),
        // In a `db.Table(...)` and a classical `Table(name, metadata, ...)`.
        fk("table:ticket_tags", &["tag_id"], "table:tag", &["id"]),
        fk("table:audit_log", &["ticket_id"], "table:ticket", &["id"]),
        // `mapped_column(ForeignKey(...))` on a `DeclarativeBase` model.
        fk(
            "table:warehouse.fact_ticket",
            &["report_id"],
            "table:daily_report",
            &["id"],
        ),
        // A factory-made model's key to the model it was made for.
        fk("table:ticket_note", &["parent_id"], "table:ticket", &["id"]),
    ] {
        assert!(fks.contains(&expected), "missing {expected:?} in {fks:#?}");
    }
    assert_eq!(
        sorted(
            &strs(table(orm(), "table:sla_clock"), "primary_key")
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        ),
        vec!["policy", "ticket_id"],
        "PrimaryKeyConstraint"
    );
}

/// `declarative_base()`, `DeclarativeBase`, `@as_declarative()` (whose `__tablename__` rule
/// lowercases the class name) and `registry().generate_base()`; the bases are no tables.
#[test]
fn own_declarative_bases() {
    let v = orm();
    for (table_id, model) in [
        (
            "table:daily_report",
            "helpdesk.reporting.models:DailyReport",
        ),
        (
            "table:responsetime",
            "helpdesk.reporting.models:ResponseTime",
        ),
        (
            "table:archived_ticket",
            "helpdesk.reporting.models:ArchivedTicket",
        ),
    ] {
        assert_eq!(models_of(v, table_id), vec![model], "{table_id}");
        assert!(has_tag(v, model, "model"), "{model}");
    }
    for base in ["metricbase", "warehouse_base", "warehousebase", "base"] {
        assert!(find_table(v, &format!("table:{base}")).is_none(), "{base}");
    }
}

/// `Table("feature_flags", metadata, ...)` as a bare statement is a table; `map_imperatively`
/// maps a plain class onto an assigned one.
#[test]
fn classical_tables_and_imperative_mappings() {
    let v = orm();
    assert_eq!(
        models_of(v, "table:audit_log"),
        vec!["helpdesk.legacy.tables:AuditEntry"]
    );
    assert_eq!(
        strs(table(v, "table:feature_flags"), "primary_key"),
        vec!["name"]
    );
    let at = line_of(FIX, "helpdesk/legacy/tables.py", "Table(");
    let flags = line_of(FIX, "helpdesk/legacy/tables.py", "\"feature_flags\"") - 1;
    assert!(
        defined_at(v, "table:audit_log").contains(&("helpdesk/legacy/tables.py".to_owned(), at))
    );
    assert_eq!(
        defined_at(v, "table:feature_flags"),
        vec![("helpdesk/legacy/tables.py".to_owned(), flags)]
    );
}

/// A mixin's `@declared_attr` that calls `type(name, bases, attrs)` makes one model per model
/// using the mixin: a class node of its own, with the columns of its bases and its dict.
#[test]
fn class_factories_make_models() {
    let v = orm();
    let id = "helpdesk.tickets.notes:TicketNote";
    assert_eq!(models_of(v, "table:ticket_note"), vec![id]);
    let n = node(v, id);
    assert_eq!(s(n, "kind"), "class");
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "helpdesk/tickets/notes.py", "cls.Note = type(")
    );
    assert_eq!(
        column_names(v, "table:ticket_note"),
        vec!["body", "id", "parent_id"]
    );
    assert!(
        !column_names(v, "table:ticket").contains(&"notes".to_owned()),
        "the relationship a declared_attr returns is no column"
    );
}

/// SQLAlchemy-Continuum: `<table>_version` for versioned models and for the association table
/// between them, with the version columns, and one `transaction` table.
#[test]
fn continuum_version_tables() {
    let v = orm();
    let cols = column_names(v, "table:ticket_version");
    for c in [
        "id",
        "title",
        "transaction_id",
        "end_transaction_id",
        "operation_type",
    ] {
        assert!(
            cols.contains(&c.to_owned()),
            "ticket_version lacks {c}: {cols:?}"
        );
    }
    assert_eq!(
        strs(table(v, "table:ticket_version"), "primary_key"),
        vec!["id", "transaction_id"]
    );
    assert_eq!(
        column_names(v, "table:ticket_tags_version"),
        vec![
            "ticket_id",
            "tag_id",
            "transaction_id",
            "end_transaction_id",
            "operation_type"
        ]
    );
    assert!(arr(table(v, "table:ticket_version"), "foreign_keys").is_empty());
    assert!(find_table(v, "table:transaction").is_some());
    assert!(find_table(v, "table:sla_clock_version").is_none());
}

/// Migrations describe history: `ticket_old`, `ticket_import`, `flags_backup` and
/// `alembic_version` are no tables; the migration's `CREATE TABLE ticket` confirms the model's
/// table (evidence) without adding the column it once had. A test's model is no table; DDL in
/// `.sql` files outside migrations is; the database's catalogs are not.
#[test]
fn migrations_and_tests_confirm_but_never_invent() {
    let v = orm();
    for t in [
        "ticket_old",
        "ticket_import",
        "flags_backup",
        "alembic_version",
        "throwaway",
        "information_schema.tables",
    ] {
        assert!(find_table(v, &format!("table:{t}")).is_none(), "{t}");
    }
    let at = line_of(
        FIX,
        "migrations/versions/0001_initial.py",
        "CREATE TABLE ticket (",
    );
    assert!(
        defined_at(v, "table:ticket")
            .contains(&("migrations/versions/0001_initial.py".to_owned(), at))
    );
    assert!(!column_names(v, "table:ticket").contains(&"legacy_code".to_owned()));
    assert_eq!(
        defined_at(v, "table:report_cache"),
        vec![("schema/reports.sql".to_owned(), 1)]
    );
}

/// A class deriving a model base with no table is a warning at its definition, counted.
#[test]
fn a_model_without_a_table_is_a_warning() {
    let v = orm();
    let d = diagnostics_in(v, "helpdesk/reporting/models.py");
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(s(d[0], "severity"), "warning");
    assert_eq!(
        u(d[0], "line"),
        line_of(FIX, "helpdesk/reporting/models.py", "class Scratch(")
    );
    assert!(s(d[0], "message").contains("helpdesk.reporting.models:Scratch"));
    assert_eq!(summary(v, "unmapped_models"), 1);
    assert_eq!(summary(v, "models"), 15);
}
