//! End-to-end: `seam analyze fixtures/mixin_crud --format json`. CRUD methods a mixin defines
//! (`create`, `save`, `delete`, `get_by`) write and read the table of the model they are called
//! on, at the calling line, with the mixin's own line kept as a second evidence occurrence; the
//! mixin, which maps no table, writes nothing itself.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "mixin_crud";

fn v() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

/// (file, line, kind, reads, writes) of one query.
type Site = (String, u64, String, Vec<String>, Vec<String>);

/// A site's queries, sorted.
fn sites(site: &str) -> Vec<Site> {
    let mut out: Vec<_> = queries_of(v(), site)
        .into_iter()
        .map(|q| {
            (
                s(q, "file").to_owned(),
                u(q, "line"),
                s(q, "kind").to_owned(),
                strs(q, "reads"),
                strs(q, "writes"),
            )
        })
        .collect();
    out.sort();
    out
}

fn q(file: &str, line: u64, kind: &str, reads: &[&str], writes: &[&str]) -> Site {
    (
        file.to_owned(),
        line,
        kind.to_owned(),
        reads.iter().map(|t| t.to_string()).collect(),
        writes.iter().map(|t| t.to_string()).collect(),
    )
}

fn at(rel: &str, needle: &str) -> u64 {
    line_of(FIX, rel, needle)
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(v());
}

#[test]
fn classmethod_create_inserts_into_the_receivers_table() {
    let line = at("views.py", "Project.create(");
    assert_eq!(
        sites("views:create_project"),
        // Read back after commit too (`expire_on_commit`).
        vec![q(
            "views.py",
            line,
            "insert",
            &["table:projects"],
            &["table:projects"]
        )]
    );
    let e = assert_edge(v(), "views:create_project", "table:projects", "writes");
    assert_evidence(e, "views.py", line);
    assert_evidence(
        e,
        "database.py",
        at("database.py", "db.session.add(instance)"),
    );
    assert_no_edge(v(), "views:create_project", "table:tasks", "writes");
}

#[test]
fn instance_save_and_delete_write_the_instances_table() {
    let save = at("views.py", "task.save()");
    assert_eq!(
        sites("views:add_task"),
        vec![q(
            "views.py",
            save,
            "insert",
            &["table:tasks"],
            &["table:tasks"]
        )]
    );
    let e = assert_edge(v(), "views:add_task", "table:tasks", "writes");
    assert_evidence(e, "views.py", save);
    assert_evidence(e, "database.py", at("database.py", "db.session.add(self)"));

    let fetch = at("views.py", "Task.query.get_or_404(tid)");
    let delete = at("views.py", "task.delete()");
    assert_eq!(
        sites("views:remove_task"),
        vec![
            q("views.py", fetch, "select", &["table:tasks"], &[]),
            q("views.py", delete, "delete", &[], &["table:tasks"]),
        ]
    );
    let e = assert_edge(v(), "views:remove_task", "table:tasks", "writes");
    assert_evidence(e, "views.py", delete);
    assert_evidence(
        e,
        "database.py",
        at("database.py", "db.session.delete(self)"),
    );
}

#[test]
fn get_by_reads_the_receivers_table() {
    let line = at("views.py", "Task.get_by(title=title)");
    assert_eq!(
        sites("views:find_task"),
        vec![q("views.py", line, "select", &["table:tasks"], &[])]
    );
    let e = assert_edge(v(), "views:find_task", "table:tasks", "reads");
    assert_evidence(
        e,
        "database.py",
        at("database.py", "cls.query.filter_by(**kw)"),
    );
    assert_eq!(
        targets(v(), "views:find_task", "writes"),
        Vec::<String>::new()
    );
}

#[test]
fn self_and_cls_inside_a_models_own_methods_bind_to_that_model() {
    // `self.name = name` on the row is an UPDATE of its own; `self.save()` adds the row.
    let line = at("models.py", "return self.save()");
    let set = at("models.py", "self.name = name");
    assert_eq!(
        sites("models:Project.rename"),
        vec![
            q("models.py", set, "update", &[], &["table:projects"]),
            q(
                "models.py",
                line,
                "insert",
                &["table:projects"],
                &["table:projects"]
            ),
        ]
    );
    let line = at("models.py", "cls.get_by(title=title)");
    assert_eq!(
        sites("models:Task.by_title"),
        vec![q("models.py", line, "select", &["table:tasks"], &[])]
    );
}

#[test]
fn the_mixin_accesses_no_table_of_its_own() {
    for site in [
        "database:CRUDMixin.get_by",
        "database:CRUDMixin.create",
        "database:CRUDMixin.save",
        "database:CRUDMixin.delete",
        "database:CRUDMixin.commit",
    ] {
        assert!(queries_of(v(), site).is_empty(), "{site} has queries");
        assert_eq!(targets(v(), site, "writes"), Vec::<String>::new(), "{site}");
        assert_eq!(targets(v(), site, "reads"), Vec::<String>::new(), "{site}");
    }
    let mut tables = ids(v(), "tables");
    tables.sort();
    assert_eq!(tables, vec!["table:projects", "table:tasks"]);
}
