//! The database's own catalogs: SQL that reads `information_schema.tables` or `pg_class` asks
//! the database about itself; those are not tables of the application. Neither are the
//! bookkeeping tables of migration tools (`alembic_version`, `migrate_version`), which code
//! reads to learn the schema's revision, nor the temporary copies Alembic's batch mode makes
//! to alter a SQLite table (`_alembic_tmp_person`).

/// PostgreSQL, MySQL, SQLite, SQL Server and Oracle catalog names, after normalisation
/// (`table_name`: lowercase, `public.` dropped).
pub(crate) fn is_system_catalog(table: &str) -> bool {
    const SCHEMAS: [&str; 5] = [
        "information_schema.",
        "pg_catalog.",
        "sys.",
        "mysql.",
        "performance_schema.",
    ];
    const ORACLE_VIEWS: [&str; 3] = ["user_", "all_", "dba_"];
    const ORACLE_NAMES: [&str; 6] = [
        "tables",
        "tab_columns",
        "constraints",
        "sequences",
        "indexes",
        "cons_columns",
    ];
    if SCHEMAS.iter().any(|s| table.starts_with(s))
        || matches!(table, "alembic_version" | "migrate_version")
    {
        return true;
    }
    if table.contains('.') {
        return false;
    }
    table.starts_with("pg_")
        || table.starts_with("sqlite_")
        || table.starts_with("_alembic_tmp_")
        || ORACLE_VIEWS.iter().any(|p| {
            table
                .strip_prefix(p)
                .is_some_and(|rest| ORACLE_NAMES.contains(&rest))
        })
}

#[cfg(test)]
mod tests {
    use super::is_system_catalog;

    #[test]
    fn catalogs_are_not_application_tables() {
        for t in [
            "information_schema.tables",
            "pg_class",
            "sqlite_master",
            "sys.tables",
            "user_tab_columns",
            "alembic_version",
            "_alembic_tmp_person",
        ] {
            assert!(is_system_catalog(t), "{t}");
        }
        for t in ["users", "billing.invoices", "user_settings", "page_views"] {
            assert!(!is_system_catalog(t), "{t}");
        }
    }
}
