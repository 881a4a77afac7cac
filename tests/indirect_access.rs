//! End-to-end: `seam analyze fixtures/indirect_access --format json`. Data access that real
//! code makes through indirection, each mechanism in its general form, attributed to the
//! domain code that makes it with the chain of lines as evidence:
//! - return values summarised per function (`get_person(id)` returns `Person.query.get(id)`,
//!   `form.export()` returns `Bill(...)`), and a helper's return instantiated with the model
//!   its caller passes (`fetch_one(Person, id=...).delete()`);
//! - a class parametrised by a model through its constructor (`BaseModelResource.__init__(self,
//!   Budget)`): the inherited `delete` reached through `super().delete(id)` reads and deletes
//!   the subclass's model;
//! - an attribute set on a row the session tracks is an UPDATE of its table, a many-to-many
//!   relationship assigned writes its association table;
//! - Flask's request globals (`g.project = Project.query.get(...)` in a `before_request` hook);
//! - SQLAlchemy-Continuum's side writes (`<table>_version`, `transaction`);
//! - deletes down their cascades, updates through relationships, rows a decorator injects,
//!   properties read (their getters run), statements extended in a local, calls on a module
//!   a function returns, and the `via` chain of every access made on a caller's behalf;
//! - migrations stay in the graph but out of the advice.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "indirect_access";

fn v() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

fn at(rel: &str, needle: &str) -> u64 {
    line_of(FIX, rel, needle)
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(v());
}

#[test]
fn a_helper_called_with_a_model_reads_and_deletes_that_models_table_at_the_call() {
    let call = at("views.py", "fetch_one(Person, id=person_id).delete()");
    let read = assert_edge(v(), "views:delete_person", "table:person", "reads");
    assert_evidence(read, "views.py", call);
    assert_evidence(
        read,
        "helpers.py",
        at("helpers.py", "table.query.filter_by"),
    );
    let write = assert_edge(v(), "views:delete_person", "table:person", "writes");
    assert_evidence(write, "views.py", call);
    assert_evidence(
        write,
        "helpers.py",
        at("helpers.py", "db.session.delete(self)"),
    );
    // The generic helper itself touches no table: it has no model of its own.
    assert!(targets(v(), "helpers:fetch_one", "reads").is_empty());
}

#[test]
fn return_values_carry_their_model_to_the_caller() {
    // `bill = form.export()` → `Bill(...)`; `bill.owers = [...]` then `add(bill)`.
    let e = assert_edge(v(), "views:add_bill", "table:bill", "writes");
    assert_evidence(e, "views.py", at("views.py", "db.session.add(bill)"));
    // `Bill(owers=[...])`: the row is built with its association rows.
    assert_edge(v(), "views:add_bill", "helpers:BillForm.export", "calls");
    let owers = assert_edge(v(), "helpers:BillForm.export", "table:bill_owers", "writes");
    assert_evidence(owers, "helpers.py", at("helpers.py", "return Bill("));
    // `BillForm().save(Person())`: the constructed row is bound to the parameter the helper
    // fills in and returns; the caller adds it.
    let e = assert_edge(v(), "views:add_person", "table:person", "writes");
    assert_evidence(
        e,
        "views.py",
        at("views.py", "person = BillForm().save(Person())"),
    );
    assert_evidence(e, "helpers.py", at("helpers.py", "person.name = \"new\""));
    assert_evidence(e, "views.py", at("views.py", "db.session.add(person)"));
    // The session expires the row at commit: its next use reads it back.
    let e = assert_edge(v(), "views:add_person", "table:person", "reads");
    assert_evidence(e, "views.py", at("views.py", "db.session.add(person)"));
    // `person = get_person(id)`: the call resolves to the model's own method.
    assert_edge(
        v(),
        "views:deactivate_person",
        "models:Person.deactivate",
        "calls",
    );
    let e = assert_edge(v(), "models:Person.deactivate", "table:person", "writes");
    assert_evidence(e, "models.py", at("models.py", "self.activated = False"));
}

#[test]
fn a_resource_built_with_its_model_reads_and_deletes_it_through_inherited_methods() {
    let call = at("resources.py", "return super().delete(instance_id)");
    let read = assert_edge(
        v(),
        "resources:BudgetResource.delete",
        "table:budget",
        "reads",
    );
    assert_evidence(read, "resources.py", call);
    assert_evidence(
        read,
        "models.py",
        at("models.py", "db.session.get(cls, id)"),
    );
    let write = assert_edge(
        v(),
        "resources:BudgetResource.delete",
        "table:budget",
        "writes",
    );
    assert_evidence(write, "resources.py", call);
    assert_evidence(
        write,
        "resources.py",
        at("resources.py", "instance.delete()"),
    );
    // The generic base, alone, knows no model.
    assert!(targets(v(), "resources:BaseModelResource.delete", "writes").is_empty());
}

#[test]
fn a_view_class_that_inherits_its_http_methods_accesses_its_model_itself() {
    // No `delete` of its own: the route's handler is the base's, and the class, whose
    // instance the request dispatches on, carries what that does with its model.
    let r = arr(v(), "routes")
        .iter()
        .find(|r| s(r, "path") == "/archived-budgets/<instance_id>")
        .expect("route");
    assert_eq!(s(r, "handler"), "resources:BaseModelResource.delete");
    assert_eq!(s(r, "view"), "resources:ArchivedBudgetResource");
    let e = assert_edge(
        v(),
        "resources:ArchivedBudgetResource",
        "table:budget",
        "writes",
    );
    assert_evidence(
        e,
        "resources.py",
        at("resources.py", "class ArchivedBudgetResource"),
    );
    assert_evidence(e, "resources.py", at("resources.py", "instance.delete()"));
    // The subclass that overrides `delete` gets its accesses at its own call instead.
    assert_no_edge(v(), "resources:BudgetResource", "table:budget", "writes");
}

#[test]
fn request_globals_and_attribute_updates_write_the_rows_table_with_its_versions() {
    let line = at("views.py", "g.project.name = ");
    let e = assert_edge(v(), "views:rename_project", "table:project", "writes");
    assert_evidence(e, "views.py", line);
    let versioned = at("models.py", "__versioned__");
    for t in ["table:project_version", "table:transaction"] {
        let e = assert_edge(v(), "views:rename_project", t, "writes");
        assert_evidence(e, "views.py", line);
        assert_evidence(e, "models.py", versioned);
    }
    // Continuum's validity strategy reads the version table to close the previous version.
    let e = assert_edge(
        v(),
        "views:rename_project",
        "table:project_version",
        "reads",
    );
    assert_evidence(e, "models.py", versioned);
    let q = queries_of(v(), "views:rename_project");
    assert_eq!(q.len(), 1);
    assert_eq!(s(q[0], "kind"), "update");
    assert_eq!(strs(q[0], "assigned_columns"), vec!["project.name"]);
}

#[test]
fn migrations_stay_in_the_graph_but_out_of_the_advice() {
    let in_migration = queries_in_file(v(), "migrations/versions/0001_backfill.py");
    assert_eq!(
        in_migration.len(),
        2,
        "both statements are still query sites"
    );
    let replicas = &v()["advice"]["read_replicas"]["tables"];
    let budget = replicas
        .as_array()
        .expect("replica tables")
        .iter()
        .find(|t| t["table"] == "table:budget")
        .expect("budget is read");
    // Application reads of budget: `db.session.get(cls, id)` in the model, the resource's
    // instantiated read at its call, the inheriting view's at its class and
    // `fetch_one(Budget, ...)` in `purge_budget`; the migration's SELECT does not count.
    assert_eq!(u(budget, "read_sites"), 4, "{budget}");
    // A migration's helper table (`budget_helper = sa.Table("budget", ...)`) makes no table,
    // but its statement (`budget_helper.update()`) writes the table it names, in the graph;
    // a helper on a table the schema no longer has (`legacy_budget`) writes nothing.
    let e = assert_edge(
        v(),
        "migrations.versions.0002_weights:upgrade",
        "table:budget",
        "writes",
    );
    assert_evidence(
        e,
        "migrations/versions/0002_weights.py",
        at(
            "migrations/versions/0002_weights.py",
            "budget_helper.update()",
        ),
    );
    assert!(find_table(v(), "table:legacy_budget").is_none());
    // Nor does the migration's write make it a member of the service that owns `budget`.
    for service in arr(v(), "services") {
        assert!(
            strs(service, "members")
                .iter()
                .all(|m| !m.starts_with("migrations")),
            "{}",
            s(service, "name")
        );
    }
}

#[test]
fn eager_relationships_are_read_with_their_owner() {
    // `lazy="joined"` through `secondary=DepartmentLink.__table__`.
    let line = at("helpers.py", "Person.query.get(person_id)");
    for t in ["table:person", "table:department", "table:department_link"] {
        let e = assert_edge(v(), "helpers:get_person", t, "reads");
        assert_evidence(e, "helpers.py", line);
    }
}

#[test]
fn a_query_built_in_a_local_and_fetched_returns_its_model() {
    // `query = session.query(cls)...; return query.first()` in a classmethod.
    let e = assert_edge(v(), "views:delete_by_name", "table:person", "writes");
    assert_evidence(e, "views.py", at("views.py", "db.session.delete(person)"));
}

#[test]
fn docstring_types_and_the_repositorys_only_class_of_a_name_type_parameters_and_returns() {
    // `:type db_person: Person` (never imported: the repository's only `Person`), then
    // `self.person = db_person`; `:rtype: PersonWrapper` where the return says nothing.
    let e = assert_edge(
        v(),
        "helpers:PersonWrapper.remove",
        "table:person",
        "writes",
    );
    assert_evidence(
        e,
        "helpers.py",
        at("helpers.py", "db.session.delete(self.person)"),
    );
    let e = assert_edge(
        v(),
        "views:remove_wrapped",
        "helpers:PersonWrapper.remove",
        "calls",
    );
    assert_evidence(e, "views.py", at("views.py", "wrap(person_id).remove()"));
}

#[test]
fn a_row_fetched_by_running_a_select_statement_is_its_models() {
    // `stmt = select(Person)...; person = db.session.scalars(stmt).first()`.
    let e = assert_edge(v(), "helpers:enable", "table:person", "writes");
    assert_evidence(e, "helpers.py", at("helpers.py", "person.activated = True"));
}

#[test]
fn rows_iterated_from_a_query_are_instances_of_its_model() {
    let e = assert_edge(v(), "views:deactivate_everyone", "table:person", "writes");
    assert_evidence(e, "views.py", at("views.py", "person.activated = False"));
}

#[test]
fn deleting_a_row_writes_its_children_and_association_rows() {
    let call = at("views.py", "fetch_one(Person, id=person_id).delete()");
    for t in ["table:bill", "table:department_link"] {
        let e = assert_edge(v(), "views:delete_person", t, "writes");
        assert_evidence(e, "views.py", call);
    }
    // A parent is not written by deleting its child.
    assert_no_edge(
        v(),
        "resources:BudgetResource.delete",
        "table:person",
        "writes",
    );
}

#[test]
fn current_user_calls_the_registered_user_loader_once_per_request() {
    // The app-wide `@bp.before_app_request` hook asks for `current_user` first: it loads the
    // identity, and a handler's later `current_user.name` finds it loaded on the request.
    let e = assert_edge(v(), "views:mark_active", "views:load_user", "calls");
    assert_evidence(
        e,
        "views.py",
        at("views.py", "db.session.add(current_user)"),
    );
    assert_no_edge(v(), "views:whoami", "views:load_user", "calls");
    // `@login_required` loads the identity around the handler, as a request hook: not the
    // handler's own call.
    assert_no_edge(v(), "views:add_person", "views:load_user", "calls");
}

#[test]
fn rendering_a_template_calls_the_context_processors() {
    let e = assert_edge(v(), "views:page", "views:inject_last_project", "calls");
    assert_evidence(
        e,
        "views.py",
        at("views.py", "return render_template(\"page.html\")"),
    );
    assert_edge(v(), "views:inject_last_project", "table:project", "reads");
    assert_no_edge(v(), "views:whoami", "views:inject_last_project", "calls");
}

#[test]
fn a_cascade_deletes_children_down_its_chain_and_nulls_the_last_level() {
    let line = at("folders.py", "db.session.delete(folder)");
    for t in ["table:folder", "table:note", "table:comment"] {
        let e = assert_edge(v(), "folders:delete_folder", t, "writes");
        assert_evidence(e, "folders.py", line);
    }
    // The session loads the rows it deletes or nulls first: each is read at the delete.
    for t in ["table:note", "table:comment"] {
        let e = assert_edge(v(), "folders:delete_folder", t, "reads");
        assert_evidence(e, "folders.py", line);
    }
    // `Note.comments` has no delete cascade: the comments' key is set to NULL, and the
    // comments themselves stay, with their reactions.
    assert_no_edge(v(), "folders:delete_folder", "table:reaction", "writes");
    assert_no_edge(v(), "folders:delete_folder", "table:reaction", "reads");
}

#[test]
fn an_attribute_set_through_a_relationship_updates_the_related_table() {
    let e = assert_edge(v(), "folders:rename_notes_folder", "table:folder", "writes");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "note.folder.name = \"moved\""),
    );
    assert_no_edge(v(), "folders:rename_notes_folder", "table:note", "writes");
}

#[test]
fn a_decorator_that_passes_a_loaded_row_types_the_parameter_of_what_it_decorates() {
    // `@with_folder` on the def, and Flask-RESTful's `method_decorators = [with_folder]`.
    let e = assert_edge(v(), "folders:delete_folder", "table:folder", "writes");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "db.session.delete(folder)"),
    );
    let e = assert_edge(v(), "folders:FolderResource.put", "table:folder", "writes");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "folder.name = \"renamed\""),
    );
}

#[test]
fn an_access_made_on_a_callers_behalf_names_every_function_of_its_chain() {
    let via = |site: &str, line: u64| -> Vec<(String, u64)> {
        v()["queries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| {
                q["site"] == site
                    && q["line"] == line
                    && !q["writes"].as_array().unwrap().is_empty()
            })
            .unwrap_or_else(|| panic!("a write of {site} at line {line}"))["via"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["function"].as_str().unwrap().to_owned(),
                    s["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    // `fetch_one(...).delete()`: the mixin's `delete` is on the stack, `fetch_one` is not.
    assert_eq!(
        via(
            "views:delete_person",
            at("views.py", "fetch_one(Person, id=person_id).delete()")
        ),
        [(
            "helpers:CrudMixin.delete".to_owned(),
            at("helpers.py", "db.session.delete(self)")
        )]
    );
    // `super().delete(id)` → the base resource's `delete` → the model's `delete`.
    assert_eq!(
        via(
            "resources:BudgetResource.delete",
            at("resources.py", "return super().delete(instance_id)")
        ),
        [
            (
                "resources:BaseModelResource.delete".to_owned(),
                at("resources.py", "instance.delete()")
            ),
            (
                "models:Budget.delete".to_owned(),
                at("models.py", "db.session.delete(self)")
            ),
        ]
    );
    // An access the site makes itself has no chain.
    assert_eq!(
        via(
            "folders:delete_folder",
            at("folders.py", "db.session.delete(folder)")
        ),
        []
    );
}

#[test]
fn reading_a_property_calls_its_getter_and_what_it_reads() {
    let e = assert_edge(
        v(),
        "folders:show_first_comment",
        "folders:Note.first_comment",
        "calls",
    );
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "return note.first_comment"),
    );
    assert_edge(v(), "folders:Note.first_comment", "table:comment", "reads");
}

#[test]
fn a_statement_extended_in_a_local_reads_what_each_step_joins() {
    let e = assert_edge(v(), "folders:search_folders", "table:note", "reads");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "stmt = stmt.outerjoin(Note"),
    );
    assert_edge(v(), "folders:search_folders", "table:folder", "reads");
}

#[test]
fn a_function_that_returns_a_module_makes_calls_on_its_result_calls_into_the_module() {
    let e = assert_edge(v(), "folders:detach_note", "registry:detach", "calls");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "_registry().detach(note_id)"),
    );
    assert_edge(v(), "registry:detach", "table:note", "writes");
}

#[test]
fn a_row_a_helper_returns_for_the_model_passed_is_the_one_deleted() {
    let e = assert_edge(v(), "folders:delete_reaction", "table:reaction", "writes");
    assert_evidence(
        e,
        "folders.py",
        at(
            "folders.py",
            "db.session.delete(fetch_one(Reaction, id=reaction_id))",
        ),
    );
}

#[test]
fn a_name_assigned_on_several_branches_takes_the_assignment_that_reaches_the_use() {
    // `folder = None` first, `folder = Folder(name=name)` on the branch that creates it.
    let e = assert_edge(v(), "folders:upsert_folder", "table:folder", "writes");
    assert_evidence(e, "folders.py", at("folders.py", "db.session.add(folder)"));
}

#[test]
fn a_decorator_with_a_wrapper_wraps_what_it_is_applied_to() {
    let e = assert_edge(v(), "folders:with_folder", "folders:delete_folder", "wraps");
    assert_evidence(e, "folders.py", at("folders.py", "@with_folder"));
    let e = assert_edge(
        v(),
        "folders:with_folder",
        "folders:FolderResource.put",
        "wraps",
    );
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "method_decorators = [with_folder]"),
    );
}

#[test]
fn a_method_aliased_in_the_class_body_resolves_to_the_method() {
    // `get = by_id`.
    let e = assert_edge(
        v(),
        "folders:archive_folder",
        "folders:Folder.by_id",
        "calls",
    );
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "folder = Folder.get(folder_id)"),
    );
    let e = assert_edge(v(), "folders:archive_folder", "table:folder", "writes");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "folder.name = \"archived\""),
    );
}

#[test]
fn a_session_write_whose_row_has_no_type_is_a_self_check() {
    let checks = v()["self_checks"].as_array().unwrap();
    let c = checks
        .iter()
        .find(|c| c["check"] == "write-untyped")
        .expect("a write-untyped self-check");
    assert_eq!(c["count"], 1, "{c}");
    assert_eq!(c["first"]["file"], "registry.py");
    assert_eq!(c["first"]["line"], at("registry.py", "db.session.add(row)"));
    // A row that is a parameter (typed at each caller) or `self` is not reported.
    assert!(
        !v()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["check"] == "write-untyped" && d["file"] == "helpers.py"),
        "helpers.py's `db.session.delete(self)` is typed where it is called"
    );
}

#[test]
fn current_user_is_the_row_the_user_loader_returns() {
    // `load_user` returns `get_person(...)`, a `Person`: `current_user.activated = True` in a
    // request hook updates `person`, and `db.session.add(current_user)` is no untyped write.
    let e = assert_edge(v(), "views:mark_active", "table:person", "writes");
    assert_evidence(
        e,
        "views.py",
        at("views.py", "current_user.activated = True"),
    );
    assert_evidence(
        e,
        "views.py",
        at("views.py", "db.session.add(current_user)"),
    );
}

#[test]
fn rows_of_a_statement_in_a_local_and_rows_appended_to_a_list_are_typed() {
    let e = assert_edge(v(), "registry:purge_comments", "table:comment", "writes");
    assert_evidence(e, "registry.py", at("registry.py", "db.session.delete(c)"));
    let e = assert_edge(v(), "registry:copy_notes", "table:note", "writes");
    assert_evidence(
        e,
        "registry.py",
        at("registry.py", "db.session.add_all(rows)"),
    );
}

#[test]
fn a_serializer_reading_every_mapped_attribute_reads_the_relationships() {
    // `getattr(self, name)` over `inspect(type(self)).all_orm_descriptors`: every relationship
    // is loaded when read.
    let e = assert_edge(v(), "folders:show_folder", "table:note", "reads");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "return folder.serialize()"),
    );
    assert_evidence(
        e,
        "folders.py",
        at(
            "folders.py",
            "return {name: getattr(self, name) for name in names}",
        ),
    );
    // Over `__table__.columns`: the row's own columns only.
    assert_no_edge(v(), "folders:show_folder_row", "table:note", "reads");
}

#[test]
fn a_models_query_class_takes_the_calls_on_its_query() {
    // `query_class = CommentQuery`: `Comment.query.on_note(id)` runs `CommentQuery.on_note`.
    let e = assert_edge(
        v(),
        "folders:list_comments",
        "folders:Comment.CommentQuery.on_note",
        "calls",
    );
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "return Comment.query.on_note(note_id)"),
    );
    assert_edge(
        v(),
        "folders:Comment.CommentQuery.on_note",
        "table:note",
        "reads",
    );
}

#[test]
fn a_method_called_on_a_helpers_row_is_the_models_own_method() {
    // `fetch_one(Budget, id=...)` returns a `Budget`; `.delete()` is `Budget`'s own method.
    let e = assert_edge(v(), "folders:purge_budget", "models:Budget.delete", "calls");
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "fetch_one(Budget, id=budget_id).delete()"),
    );
    assert_edge(v(), "models:Budget.delete", "table:budget", "writes");
}

#[test]
fn a_value_returned_from_a_memo_is_what_the_code_put_there() {
    // `_memo["notes"] = NotesIndex()` ... `return _memo["notes"]`.
    let e = assert_edge(
        v(),
        "folders:rebuild_notes_index",
        "registry:NotesIndex.rebuild",
        "calls",
    );
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "return notes_index().rebuild()"),
    );
    assert_edge(v(), "registry:NotesIndex.rebuild", "table:note", "reads");
}

#[test]
fn wsgi_middleware_wraps_every_route_handler() {
    let line = at("app.py", "app.wsgi_app = Prefixed(app.wsgi_app)");
    for h in [
        "views:delete_person",
        "folders:delete_folder",
        "resources:BudgetResource.delete",
    ] {
        let e = assert_edge(v(), "app:Prefixed.__call__", h, "wraps");
        assert_evidence(e, "app.py", line);
    }
}

#[test]
fn an_inherited_method_run_on_a_subclass_calls_the_subclass_overrides() {
    // `super().delete(id)` runs the base's `delete` on a `BudgetResource`: its
    // `self.check_delete_permissions(instance)` is the subclass's override.
    let e = assert_edge(
        v(),
        "resources:BudgetResource.delete",
        "resources:BudgetResource.check_delete_permissions",
        "calls",
    );
    assert_evidence(
        e,
        "resources.py",
        at("resources.py", "return super().delete(instance_id)"),
    );
    assert_evidence(
        e,
        "resources.py",
        at("resources.py", "self.check_delete_permissions(instance)"),
    );
    assert_edge(
        v(),
        "resources:BudgetResource.check_delete_permissions",
        "table:project",
        "reads",
    );
    // The base's own call stays on the base's method.
    assert_edge(
        v(),
        "resources:BaseModelResource.delete",
        "resources:BaseModelResource.check_delete_permissions",
        "calls",
    );
}

#[test]
fn a_continuum_version_class_queries_the_version_table() {
    // `ProjectVersion = version_class(Project)`, `ProjectVersion.query.filter_by(...)`.
    let e = assert_edge(
        v(),
        "registry:project_history",
        "table:project_version",
        "reads",
    );
    assert_evidence(
        e,
        "registry.py",
        at(
            "registry.py",
            "return ProjectVersion.query.filter_by(id=project_id).all()",
        ),
    );
    // Only a versioned model has a version table.
    assert!(targets(v(), "registry:budget_history", "reads").is_empty());
}

#[test]
fn a_chain_laid_out_over_several_lines_is_read_from_its_first_link() {
    // `query = (\n db.session.query(Person)\n .filter(...)\n)` then `query.first()`: the row
    // is a Person, so setting its attribute and committing updates `person`.
    let e = assert_edge(v(), "listing:person_named", "table:person", "writes");
    assert_evidence(e, "listing.py", at("listing.py", "person.activated = True"));
    // `db.session.scalars(\n select(Bill).filter(...)\n).first()`: deleted, with its
    // association rows.
    let e = assert_edge(v(), "listing:bill_by_what", "table:bill", "writes");
    assert_evidence(e, "listing.py", at("listing.py", "db.session.delete(bill)"));
}

#[test]
fn a_query_handed_to_sorting_and_paging_helpers_keeps_its_rows() {
    // `sort_people(db.session.query(Person))` returns `items.order_by(...)`, `paginate`
    // returns its query: `people_page` returns Person rows, and a comprehension over them
    // (`[person.bills for person in people]`) reads the relationship's table.
    let e = assert_edge(v(), "listing:people_json", "table:bill", "reads");
    assert_evidence(
        e,
        "listing.py",
        at("listing.py", "return [person.bills for person in people]"),
    );
    // The helpers themselves have no model of their own.
    assert!(targets(v(), "listing:paginate", "reads").is_empty());
    assert!(targets(v(), "listing:sort_people", "reads").is_empty());
}

#[test]
fn an_augmented_assignment_on_a_row_updates_its_table() {
    // `budget.amount += 10` on a fetched row, then commit.
    let e = assert_edge(v(), "counters:top_up", "table:budget", "writes");
    assert_evidence(e, "counters.py", at("counters.py", "budget.amount += 10"));
}

#[test]
fn rows_a_caller_hands_in_as_a_list_are_updated_for_that_caller() {
    // `activate_all(people)` with `people = Person.query....all()`: `for person in rows`
    // takes the caller's rows, so setting an attribute updates `person` for the caller,
    // with the helper's line as evidence.
    let e = assert_edge(v(), "counters:activate_named", "table:person", "writes");
    assert_evidence(e, "counters.py", at("counters.py", "activate_all(people)"));
    assert_evidence(
        e,
        "counters.py",
        at("counters.py", "person.activated = True"),
    );
    // Alone, the helper does not know what it is given.
    assert!(targets(v(), "counters:activate_all", "writes").is_empty());
}

#[test]
fn core_statements_on_a_models_table_write_it_inline_and_through_a_helper() {
    // `Budget.__table__.delete().where(...)` inline.
    let e = assert_edge(v(), "cleanup:purge_budgets", "table:budget", "writes");
    assert_evidence(
        e,
        "cleanup.py",
        at("cleanup.py", "db.session.execute(Budget.__table__.delete()"),
    );
    // `delete_matching_rows(db.session, Bill.__table__, ...)` whose `table.delete()` runs
    // it: the caller deletes from `bill`, the helper's line as evidence; the helper alone
    // deletes nothing it knows.
    let e = assert_edge(v(), "cleanup:purge_bills", "table:bill", "writes");
    assert_evidence(
        e,
        "cleanup.py",
        at(
            "cleanup.py",
            "return delete_matching_rows(db.session, Bill.__table__",
        ),
    );
    assert_evidence(
        e,
        "cleanup.py",
        at(
            "cleanup.py",
            "session.execute(table.delete().where(criterion))",
        ),
    );
    assert!(targets(v(), "cleanup:delete_matching_rows", "writes").is_empty());
}

#[test]
fn a_statement_a_helper_builds_is_what_the_session_runs() {
    // `db.session.scalars(_select_person(name).with_for_update()).first()` is a Person.
    let e = assert_edge(v(), "cleanup:lock_and_deactivate", "table:person", "writes");
    assert_evidence(
        e,
        "cleanup.py",
        at("cleanup.py", "person.activated = False"),
    );
}

#[test]
fn a_declared_return_class_wins_over_a_branch_that_returns_a_row() {
    // `wrapped(...) -> Wrapper` returns a Person on one branch: the declaration is the
    // programmer's word, so setting an attribute of what it returns updates no table.
    assert!(targets(v(), "cleanup:rename_wrapped", "writes").is_empty());
}

#[test]
fn a_call_on_an_untyped_plugin_runs_every_implementation_of_its_family() {
    // `handler = load_handler(name)` (a class looked up by name), `handler.run(value)`: only
    // the `Handler` family defines `run`, so the call reaches the root and each override,
    // and through them the tables they write.
    let line = at("plugins.py", "handler.run(value)");
    for to in [
        "plugins:Handler.run",
        "plugins:BillHandler.run",
        "plugins:BudgetHandler.run",
    ] {
        assert_evidence(
            assert_edge(v(), "plugins:handle", to, "calls"),
            "plugins.py",
            line,
        );
    }
    // `describe` is also defined by an unrelated class: no family, no guess; `update` is a
    // method of `dict` too (an untyped value may well be one).
    for to in [
        "plugins:Handler.describe",
        "plugins:Report.describe",
        "plugins:Handler.update",
        "plugins:BillHandler.update",
    ] {
        assert_no_edge(v(), "plugins:handle", to, "calls");
    }
}

#[test]
fn a_models_crud_methods_are_no_interface_family() {
    // `Budget.delete` and the mixin's `delete` are methods of models: an untyped `x.delete()`
    // elsewhere is not sent to them.
    let callers: Vec<String> = arr(v(), "edges")
        .iter()
        .filter(|e| s(e, "kind") == "calls" && s(e, "to") == "models:Budget.delete")
        .map(|e| s(e, "from").to_owned())
        .collect();
    assert!(
        callers
            .iter()
            .all(|c| !c.starts_with("plugins") && !c.starts_with("cleanup")),
        "{callers:?}"
    );
}

#[test]
fn a_property_read_on_an_untyped_plugin_runs_each_getter_of_its_family() {
    // `handler.pending` where only the `Handler` family defines the `pending` property.
    let line = at("plugins.py", "waiting = handler.pending");
    for to in ["plugins:Handler.pending", "plugins:BillHandler.pending"] {
        assert_evidence(
            assert_edge(v(), "plugins:handle", to, "calls"),
            "plugins.py",
            line,
        );
    }
    assert_edge(v(), "plugins:BillHandler.pending", "table:bill", "reads");
}

#[test]
fn a_function_handed_to_higher_order_code_that_calls_it_is_called_by_the_passer() {
    // `@prepolicy(record_budget_check, ...)`: the class stores the function and its wrapper
    // calls `self.function(...)`, so the decorated def runs the check (and its insert).
    let e = assert_edge(
        v(),
        "policies:guarded",
        "policies:record_budget_check",
        "calls",
    );
    assert_evidence(
        e,
        "policies.py",
        at("policies.py", "@prepolicy(record_budget_check"),
    );
    assert_edge(
        v(),
        "policies:record_budget_check",
        "table:budget",
        "writes",
    );
    // `retry(touch_project, 3)` calls `fn()`; `unused(touch_project)` only returns it.
    let e = assert_edge(v(), "policies:nightly", "policies:touch_project", "calls");
    assert_eq!(
        evidence(e),
        vec![(
            "policies.py".to_owned(),
            at("policies.py", "retry(touch_project, 3)")
        )]
    );
}

#[test]
fn a_call_on_each_query_a_function_returns_as_a_tuple_writes_each_table() {
    // `for query in history_queries(p): query.delete()` where `history_queries` returns
    // `project_changes, people` (a version class's query and a model's).
    let line = at("registry.py", "query.delete(synchronize_session=\"fetch\")");
    for t in ["table:project_version", "table:person"] {
        let e = assert_edge(v(), "registry:purge_history", t, "writes");
        assert_evidence(e, "registry.py", line);
    }
    // The function that builds the queries only reads.
    assert!(targets(v(), "registry:history_queries", "writes").is_empty());
}

#[test]
fn a_delete_its_models_query_class_defines_deletes_a_row_with_what_it_takes_along() {
    // `Comment.query.delete(id)` runs `CommentQuery.delete` (fetch, `session.delete`): the
    // comment's reactions are loaded and their key nulled, as for any row deleted.
    let line = at("folders.py", "Comment.query.delete(comment_id)");
    for (t, kind) in [
        ("table:comment", "writes"),
        ("table:reaction", "writes"),
        ("table:reaction", "reads"),
    ] {
        let e = assert_edge(v(), "folders:remove_comment", t, kind);
        assert_evidence(e, "folders.py", line);
    }
    // A bulk `Note.query.filter(...).delete()` is one DELETE statement: no cascade in Python.
    assert_eq!(
        targets(v(), "folders:purge_empty_notes", "writes"),
        vec!["table:note".to_owned()]
    );
}

#[test]
fn a_mixin_method_reached_through_super_updates_the_models_row() {
    // `Flag.hide` calls `super().hide(user)`, whose `self.hidden = True` (an attribute of
    // the row it runs on) is an UPDATE of `flag`, with the mixin's line as evidence.
    let e = assert_edge(v(), "counters:Flag.hide", "table:flag", "writes");
    assert_evidence(e, "counters.py", at("counters.py", "super().hide(user)"));
    assert_evidence(e, "counters.py", at("counters.py", "self.hidden_by = user"));
    // The mixin alone knows no table.
    assert!(targets(v(), "counters:HideableMixin.hide", "writes").is_empty());
}

#[test]
fn a_defaulted_argument_binds_the_alternative_that_names_rows() {
    // `activate_all(people or named(name).all())`: `named` returns Person rows, so the
    // helper's `for person in rows` updates `person` for this caller.
    let e = assert_edge(v(), "counters:activate_named_or", "table:person", "writes");
    assert_evidence(
        e,
        "counters.py",
        at("counters.py", "activate_all(people or named(name).all())"),
    );
}

#[test]
fn an_inherited_constructor_helper_follows_the_row_it_builds() {
    // `Person.create(name=n)`: the mixin's `create` builds `instance = cls(**kw)` and calls
    // `instance.store()`, whose `session.add(self)` inserts the row; the caller writes
    // `person`, with both mixin lines as evidence and on the query's via chain.
    let e = assert_edge(v(), "counters:enrol", "table:person", "writes");
    assert_evidence(
        e,
        "counters.py",
        at("counters.py", "return Person.create(name=name)"),
    );
    assert_evidence(e, "helpers.py", at("helpers.py", "return instance.store()"));
    assert_evidence(e, "helpers.py", at("helpers.py", "db.session.add(self)"));
}

#[test]
fn a_method_called_on_a_row_a_caller_passes_is_called_by_the_def_that_calls_it() {
    // `retire(person)` calls `person.deactivate()`; only the caller (`retire_named`, which
    // passes a Person) says what `person` is. Both the caller and `retire` itself get the
    // `calls` edge to `Person.deactivate`, at the call in `retire`.
    let line = at("counters.py", "    person.deactivate()");
    for from in ["counters:retire", "counters:retire_named"] {
        let e = assert_edge(v(), from, "models:Person.deactivate", "calls");
        assert_evidence(e, "counters.py", line);
    }
    // An override reached through `self` stays at the instantiating caller: the base's
    // method would otherwise call every subclass's override.
    assert_no_edge(
        v(),
        "resources:BaseModelResource.delete",
        "resources:BudgetResource.check_delete_permissions",
        "calls",
    );
}

#[test]
fn an_argument_read_through_a_relationship_binds_the_related_row() {
    // `shelve(note.folder)` with `note` a Note: the helper's `folder.name = ...` updates
    // `folder` for this caller, with the helper's line as evidence.
    let e = assert_edge(v(), "folders:shelve_notes_folder", "table:folder", "writes");
    assert_evidence(e, "folders.py", at("folders.py", "shelve(note.folder)"));
    assert_evidence(
        e,
        "folders.py",
        at("folders.py", "folder.name = \"shelved\""),
    );
    assert!(targets(v(), "folders:shelve", "writes").is_empty());
}

#[test]
fn a_callback_a_decorator_class_hands_the_wrapped_function_to_wraps_it() {
    // `@libpolicy(limit_amount)`: the class stores `limit_amount`, its wrapper runs
    // `self.decorator_function(wrapped_function, ...)`, and `limit_amount` calls
    // `wrapped_function(...)`: it runs `record_amount` (and its insert), at the decoration.
    let e = assert_edge(
        v(),
        "policies:limit_amount",
        "policies:record_amount",
        "wraps",
    );
    assert_evidence(
        e,
        "policies.py",
        at("policies.py", "@libpolicy(limit_amount)"),
    );
    // `refuse` never calls what it is handed.
    assert_no_edge(v(), "policies:refuse", "policies:record_refused", "wraps");
}

#[test]
fn a_callback_kept_in_a_registry_is_called_by_the_code_that_runs_the_registry() {
    // `register_finalizer(flush_budgets)` appends to `store["call_on_teardown"]`, where
    // `store = get_store()`; `call_finalizers` fetches the same store and calls each element.
    let e = assert_edge(v(), "hooks:call_finalizers", "hooks:flush_budgets", "calls");
    assert_evidence(
        e,
        "hooks.py",
        at("hooks.py", "register_finalizer(flush_budgets)"),
    );
    assert_evidence(e, "hooks.py", at("hooks.py", "        func()"));
    // A module-level list run over a copy (`for hook in list(_save_hooks)`).
    let e = assert_edge(
        v(),
        "hooks:run_save_hooks",
        "hooks:deactivate_people",
        "calls",
    );
    assert_evidence(
        e,
        "hooks.py",
        at("hooks.py", "add_save_hook(deactivate_people)"),
    );
    // A dict filled by a decorator and called by key (`HANDLERS[name](payload)`).
    let e = assert_edge(v(), "hooks:dispatch", "hooks:reset_budgets", "calls");
    assert_evidence(
        e,
        "hooks.py",
        at("hooks.py", "return HANDLERS[name](payload)"),
    );
    // The registering function itself does not call what it keeps, and a list nothing runs
    // calls nothing.
    assert!(
        !targets(v(), "hooks:register_finalizer", "calls")
            .contains(&"hooks:flush_budgets".to_owned())
    );
    for (from, to) in [
        ("hooks:call_finalizers", "hooks:unrelated"),
        ("hooks:run_save_hooks", "hooks:unrelated"),
        ("hooks:dispatch", "hooks:unrelated"),
        ("hooks:keep", "hooks:unrelated"),
    ] {
        assert!(
            !targets(v(), from, "calls").contains(&to.to_owned()),
            "{from} → {to}"
        );
    }
}
