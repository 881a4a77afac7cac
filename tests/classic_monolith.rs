//! End-to-end: `seam analyze fixtures/classic_monolith --format json`, checked against the facts
//! designed into the fixture (see fixtures/classic_monolith/LABELS.json for its domains).

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "classic_monolith";

fn classic() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

/// The one query of `site` whose source is raw SQL.
fn sql_query<'a>(v: &'a Value, site: &str) -> &'a Value {
    let qs = queries_of(v, site);
    let sql: Vec<&&Value> = qs.iter().filter(|q| s(q, "source") == "sql").collect();
    assert_eq!(
        sql.len(),
        1,
        "{site}: expected one raw SQL query, got {qs:#?}"
    );
    sql[0]
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(classic());
}

#[test]
fn summary_counts_files() {
    let v = classic();
    assert_eq!(summary(v, "python_files"), 7);
    assert_eq!(summary(v, "sql_files"), 2);
    let root = fixture(FIX);
    let (_, py) = count_lines(&root, "py");
    let (_, sql) = count_lines(&root, "sql");
    let lines = summary(v, "lines");
    // Python lines, or Python and SQL lines; give or take one per file for a final newline.
    assert!(
        (py..=py + 7).contains(&lines) || (py + sql..=py + sql + 9).contains(&lines),
        "summary.lines {lines}; python has {py}, sql {sql}"
    );
    assert_eq!(summary(v, "routes"), 15);
    assert_eq!(summary(v, "tables"), 8);
}

/// `@app.route` (default GET, explicit methods), `@app.get`, a MethodView registered with
/// `add_url_rule` (methods from the class), and MethodViews registered through the repo's
/// `helpers.register_api` wrapper (methods from the wrapper's `add_url_rule`).
#[test]
fn routes_are_exactly_these() {
    let expected: Vec<(String, String)> = [
        ("route:GET /", "views:index"),
        (
            "route:GET /accounts/<int:account_id>",
            "views:account_detail",
        ),
        (
            "route:GET /accounts/<int:account_id>/invoices",
            "views:account_invoices",
        ),
        ("route:GET /comments/", "views:CommentAPI.get"),
        ("route:GET /health", "views:health"),
        ("route:GET /login", "views:login"),
        ("route:GET /projects", "views:ProjectAPI.get"),
        ("route:GET /reports/usage", "views:usage_report"),
        ("route:GET /tasks/", "views:TaskAPI.get"),
        ("route:POST /comments/", "views:CommentAPI.post"),
        (
            "route:POST /invoices/<int:invoice_id>/pay",
            "views:pay_invoice",
        ),
        ("route:POST /login", "views:login"),
        ("route:POST /projects", "views:ProjectAPI.post"),
        ("route:POST /tasks/", "views:TaskAPI.post"),
        (
            "route:POST /tasks/<int:task_id>/status",
            "views:change_task_status",
        ),
    ]
    .iter()
    .map(|(r, h)| ((*r).to_owned(), (*h).to_owned()))
    .collect::<BTreeSet<_>>()
    .into_iter()
    .collect();
    assert_eq!(route_handlers(classic()), expected);
}

#[test]
fn method_view_and_wrapper_routes() {
    let v = classic();
    let r = route(v, "route:GET /projects");
    assert_eq!(s(r, "handler"), "views:ProjectAPI.get");
    assert_eq!(s(r, "path"), "/projects");
    assert!(file_is(s(r, "file"), "views.py"), "file {}", s(r, "file"));
    assert_eq!(
        u(r, "line"),
        line_of(FIX, "views.py", "app.add_url_rule(\"/projects\"")
    );
    assert_edge(
        v,
        "route:POST /projects",
        "views:ProjectAPI.post",
        "handles",
    );

    // Registered through helpers.register_api(view, endpoint, url): the rule is the caller's
    // `url` argument and the handlers are the methods of the caller's `view` argument.
    for (id, handler) in [
        ("route:GET /tasks/", "views:TaskAPI.get"),
        ("route:POST /tasks/", "views:TaskAPI.post"),
        ("route:GET /comments/", "views:CommentAPI.get"),
        ("route:POST /comments/", "views:CommentAPI.post"),
    ] {
        let r = route(v, id);
        assert_eq!(s(r, "handler"), handler);
        assert_edge(v, id, handler, "handles");
    }
    // The wrapper itself is not a handler, and its parameter `url` is not a path.
    assert!(
        arr(v, "routes")
            .iter()
            .all(|r| s(r, "handler") != "helpers:register_api")
    );
    assert!(
        arr(v, "routes")
            .iter()
            .all(|r| !s(r, "path").contains("url"))
    );

    let r = route(v, "route:GET /health");
    assert!(file_is(s(r, "file"), "views.py"));
    let (deco, def) = (
        line_of(FIX, "views.py", "@app.get(\"/health\")"),
        line_of(FIX, "views.py", "def health("),
    );
    assert!(
        (deco..=def).contains(&u(r, "line")),
        "route line {} not in {deco}..={def}",
        u(r, "line")
    );
}

#[test]
fn tables_are_exactly_these() {
    let expected = sorted(&[
        "table:accounts",
        "table:audit_log",
        "table:comments",
        "table:invoices",
        "table:projects",
        "table:tasks",
        "table:usage_events",
        "table:users",
    ]);
    assert_eq!(ids(classic(), "tables"), expected);
    assert_eq!(node_ids(classic(), "table"), expected);
}

/// FKs from column `REFERENCES`, table constraints (named and unnamed), `ALTER TABLE ... ADD
/// CONSTRAINT`, and the models' `ForeignKey()`s, merged. `tasks.assignee_id` exists only in the
/// ALTER TABLE: the model declares a plain integer.
#[test]
fn foreign_keys_are_exactly_these() {
    let v = classic();
    let expected: BTreeSet<Fk> = [
        fk(
            "table:audit_log",
            &["account_id"],
            "table:accounts",
            &["id"],
        ),
        fk("table:audit_log", &["user_id"], "table:users", &["id"]),
        fk("table:comments", &["author_id"], "table:users", &["id"]),
        fk("table:comments", &["task_id"], "table:tasks", &["id"]),
        fk("table:invoices", &["account_id"], "table:accounts", &["id"]),
        fk("table:projects", &["account_id"], "table:accounts", &["id"]),
        fk("table:projects", &["owner_id"], "table:users", &["id"]),
        fk("table:tasks", &["assignee_id"], "table:users", &["id"]),
        fk("table:tasks", &["project_id"], "table:projects", &["id"]),
        fk(
            "table:usage_events",
            &["account_id"],
            "table:accounts",
            &["id"],
        ),
        fk("table:users", &["account_id"], "table:accounts", &["id"]),
    ]
    .into_iter()
    .collect();
    assert_eq!(foreign_keys(v), expected);
    for (from, _, to, _) in &expected {
        assert_edge(v, from, to, "references");
    }
    assert_eq!(
        arr(v, "edges")
            .iter()
            .filter(|e| s(e, "kind") == "references")
            .count(),
        11
    );
    let e = assert_edge(v, "table:tasks", "table:users", "references");
    assert_evidence(
        e,
        "schema.sql",
        line_of(
            FIX,
            "schema.sql",
            "ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fk",
        ),
    );
}

#[test]
fn models_map_to_their_tables() {
    let v = classic();
    let models = [
        ("models:Account", "table:accounts"),
        ("models:User", "table:users"),
        ("models:Project", "table:projects"),
        ("models:Task", "table:tasks"),
        ("models:Invoice", "table:invoices"),
        // declarative_base() models
        ("models:AuditLog", "table:audit_log"),
        ("models:Comment", "table:comments"),
    ];
    for (class, tbl) in models {
        assert_edge(v, class, tbl, "maps");
        assert_eq!(strs(table(v, tbl), "models"), [class], "models of {tbl}");
        assert!(
            has_tag(v, class, "model"),
            "{class} should be tagged model: {:?}",
            tags(v, class)
        );
    }
    assert_eq!(
        arr(v, "edges")
            .iter()
            .filter(|e| s(e, "kind") == "maps")
            .count(),
        models.len()
    );
    // A mixin with columns is not a model; neither are the views.
    for not_model in [
        "models:TimestampMixin",
        "views:ProjectAPI",
        "views:TaskAPI",
        "views:CommentAPI",
    ] {
        assert!(
            !has_tag(v, not_model, "model"),
            "{not_model} is not a model"
        );
        assert!(
            targets(v, not_model, "maps").is_empty(),
            "{not_model} maps nothing"
        );
    }
}

#[test]
fn schema_only_table() {
    let v = classic();
    let t = table(v, "table:usage_events");
    assert!(strs(t, "models").is_empty(), "usage_events has no model");
    let defined: Vec<(String, u64)> = arr(t, "defined_in")
        .iter()
        .map(|d| (s(d, "file").to_owned(), u(d, "line")))
        .collect();
    assert_eq!(defined.len(), 1, "{defined:?}");
    assert!(file_is(&defined[0].0, "schema.sql"), "{defined:?}");
    assert_eq!(
        defined[0].1,
        line_of(FIX, "schema.sql", "CREATE TABLE usage_events")
    );
    let cols = columns(t);
    let expected: Vec<(String, bool)> = [
        ("account_id", false),
        ("id", false),
        ("metric", false),
        ("recorded_at", false),
        ("units", false),
    ]
    .iter()
    .map(|(c, n)| ((*c).to_owned(), *n))
    .collect();
    assert_eq!(cols.into_iter().collect::<Vec<_>>(), expected);
    assert_eq!(strs(t, "primary_key"), ["id"]);
}

#[test]
fn tables_are_defined_in_schema_sql() {
    let v = classic();
    for (tbl, name) in [
        ("table:accounts", "accounts"),
        ("table:users", "users"),
        ("table:projects", "projects"),
        ("table:tasks", "tasks"),
        ("table:invoices", "invoices"),
        ("table:audit_log", "audit_log"),
        ("table:comments", "comments"),
        ("table:usage_events", "usage_events"),
    ] {
        let line = line_of(FIX, "schema.sql", &format!("CREATE TABLE {name} ("));
        let t = table(v, tbl);
        assert!(
            arr(t, "defined_in")
                .iter()
                .any(|d| file_is(s(d, "file"), "schema.sql") && u(d, "line") == line),
            "{tbl}: defined_in lacks schema.sql:{line}: {}",
            short(t)
        );
    }
    // Columns of the model (with its mixin's) and of the schema agree.
    let tasks = columns(table(v, "table:tasks"));
    assert_eq!(
        tasks.keys().cloned().collect::<Vec<_>>(),
        sorted(&[
            "assignee_id",
            "created_at",
            "due_date",
            "id",
            "project_id",
            "status",
            "title",
            "updated_at"
        ])
    );
    assert!(tasks["assignee_id"]);
    assert!(!tasks["project_id"]);
    // PRIMARY KEY as a table constraint.
    assert_eq!(strs(table(v, "table:invoices"), "primary_key"), ["id"]);
    let sql_errors: Vec<&Value> = diagnostics_in(v, "schema.sql")
        .into_iter()
        .filter(|d| s(d, "severity") == "error")
        .collect();
    assert!(
        sql_errors.is_empty(),
        "schema.sql is valid PostgreSQL: {sql_errors:#?}"
    );
}

/// `db.session.execute(text("... JOIN ... WHERE ..."))`.
#[test]
fn raw_sql_select_with_join() {
    let v = classic();
    let q = sql_query(v, "services:account_balance");
    assert_eq!(s(q, "kind"), "select");
    assert!(file_is(s(q, "file"), "services.py"));
    let (call, lit) = (
        line_of(FIX, "services.py", "rows = db.session.execute("),
        line_of(FIX, "services.py", "text(\"SELECT i.id"),
    );
    assert!(
        (call..=lit).contains(&u(q, "line")),
        "query line {} not in {call}..={lit}",
        u(q, "line")
    );
    assert_eq!(strs(q, "reads"), ["table:accounts", "table:invoices"]);
    assert!(strs(q, "writes").is_empty());
    assert_eq!(
        strs(q, "equality_columns"),
        ["invoices.account_id", "invoices.status"]
    );
    assert_eq!(
        joins(q),
        [("accounts.id".to_owned(), "invoices.account_id".to_owned())]
    );
    assert_edge(v, "services:account_balance", "table:invoices", "reads");
    assert_edge(v, "services:account_balance", "table:accounts", "reads");
    assert!(targets(v, "services:account_balance", "writes").is_empty());
}

/// `cursor.execute("UPDATE ... %s ...", params)` on a raw DB-API connection.
#[test]
fn raw_sql_update_through_a_cursor() {
    let v = classic();
    let q = sql_query(v, "services:set_task_status");
    assert_eq!(s(q, "kind"), "update");
    assert_eq!(
        u(q, "line"),
        line_of(FIX, "services.py", "cursor.execute(\"UPDATE tasks")
    );
    assert_eq!(strs(q, "writes"), ["table:tasks"]);
    assert_eq!(strs(q, "equality_columns"), ["tasks.id"]);
    let e = assert_edge(v, "services:set_task_status", "table:tasks", "writes");
    assert_evidence(
        e,
        "services.py",
        line_of(FIX, "services.py", "cursor.execute(\"UPDATE tasks"),
    );
}

/// `REPORT_SQL = """..."""` at module level, executed by `conn.execute(REPORT_SQL)` in a
/// function: the query belongs to that function, not to the module.
#[test]
fn module_constant_sql_belongs_to_the_executing_function() {
    let v = classic();
    let q = sql_query(v, "services:monthly_usage_report");
    assert_eq!(s(q, "kind"), "select");
    assert!(file_is(s(q, "file"), "services.py"));
    let line = u(q, "line");
    let (constant, call) = (
        line_of(FIX, "services.py", "REPORT_SQL = \"\"\""),
        line_of(FIX, "services.py", "conn.execute(REPORT_SQL)"),
    );
    assert!(
        line == constant || line == constant + 1 || line == call,
        "query line {line}: neither the constant ({constant}) nor the call ({call})"
    );
    assert_eq!(strs(q, "reads"), ["table:accounts", "table:usage_events"]);
    assert!(
        strs(q, "equality_columns").is_empty(),
        "`>=` is not equality: {}",
        short(q)
    );
    assert_eq!(
        joins(q),
        [(
            "accounts.id".to_owned(),
            "usage_events.account_id".to_owned()
        )]
    );
    assert_edge(
        v,
        "services:monthly_usage_report",
        "table:usage_events",
        "reads",
    );
    assert_edge(
        v,
        "services:monthly_usage_report",
        "table:accounts",
        "reads",
    );
    // The constant is not a query site of its own.
    assert!(
        queries_of(v, "services").is_empty(),
        "module-level query sites: {:#?}",
        queries_of(v, "services")
    );
    let readers: Vec<&str> = arr(v, "queries")
        .iter()
        .filter(|q| {
            file_is(s(q, "file"), "services.py")
                && strs(q, "reads").contains(&"table:usage_events".to_owned())
        })
        .map(|q| s(q, "site"))
        .collect();
    assert_eq!(readers, ["services:monthly_usage_report"]);
    assert!(targets(v, "services", "reads").is_empty());
}

/// `text(f"... WHERE project_id = :pid ORDER BY {order_by}")`: templated, still analysed.
#[test]
fn f_string_sql() {
    let v = classic();
    let q = sql_query(v, "services:list_tasks");
    assert_eq!(s(q, "kind"), "select");
    assert_eq!(
        u(q, "line"),
        line_of(FIX, "services.py", "sql = text(f\"SELECT")
    );
    assert_eq!(strs(q, "reads"), ["table:tasks"]);
    assert_eq!(strs(q, "equality_columns"), ["tasks.project_id"]);
    assert_edge(v, "services:list_tasks", "table:tasks", "reads");
}

/// `text("INSERT ... " "VALUES ...")`: implicitly concatenated literals are one statement.
#[test]
fn raw_sql_insert_from_concatenated_literals() {
    let v = classic();
    let q = sql_query(v, "services:audit");
    assert_eq!(s(q, "kind"), "insert");
    assert_eq!(strs(q, "writes"), ["table:audit_log"]);
    assert!(strs(q, "reads").is_empty());
    assert_edge(v, "services:audit", "table:audit_log", "writes");
}

#[test]
fn jinja_sql_file_is_parsed_or_reported() {
    let v = classic();
    let file = "reports/sql/monthly.sql";
    let qs = queries_in_file(v, file);
    let diags = diagnostics_in(v, file);
    assert!(
        !qs.is_empty() || !diags.is_empty(),
        "{file} silently dropped: no query and no diagnostic"
    );
    if !qs.is_empty() {
        let reads: BTreeSet<String> = qs.iter().flat_map(|q| strs(q, "reads")).collect();
        assert!(
            reads.contains("table:invoices") && reads.contains("table:accounts"),
            "{file} reads {reads:?}"
        );
        assert!(qs.iter().all(|q| s(q, "kind") == "select"), "{qs:#?}");
    }
    for d in &diags {
        assert!(
            u(d, "line") <= 13,
            "diagnostic past the end of {file}: {}",
            short(d)
        );
    }
}

#[test]
fn orm_reads_and_writes() {
    let v = classic();
    for (sym, t) in [
        ("views:account_detail", "table:accounts"),
        ("views:account_invoices", "table:invoices"),
        ("views:pay_invoice", "table:invoices"),
        ("views:CommentAPI.get", "table:comments"),
        ("services:authenticate", "table:users"),
        ("services:projects_for_account", "table:projects"),
        ("services:get_account", "table:accounts"),
        ("services:create_task", "table:projects"),
        ("services:invoice_recipient", "table:users"),
        ("tasks:charge_invoice", "table:invoices"),
        ("tasks:notify_assignee", "table:tasks"),
        ("tasks:notify_assignee", "table:users"),
    ] {
        assert_edge(v, sym, t, "reads");
    }
    for (sym, t) in [
        ("views:ProjectAPI.post", "table:projects"),
        ("views:CommentAPI.post", "table:comments"),
        ("services:create_task", "table:tasks"),
        ("services:mark_invoice_paid", "table:invoices"),
    ] {
        assert_edge(v, sym, t, "writes");
    }
    let qs = queries_of(v, "views:ProjectAPI.post");
    assert!(
        qs.iter()
            .any(|q| s(q, "source") == "orm" && strs(q, "writes") == ["table:projects"]),
        "ProjectAPI.post: {qs:#?}"
    );
    for sym in [
        "views:account_detail",
        "services:get_account",
        "services:projects_for_account",
    ] {
        assert!(
            targets(v, sym, "writes").is_empty(),
            "{sym} writes {:?}",
            targets(v, sym, "writes")
        );
    }
}

#[test]
fn calls_across_the_god_module() {
    let v = classic();
    for (from, to) in [
        ("views:index", "services:projects_for_account"),
        ("views:login", "services:authenticate"),
        ("views:login", "services:audit"),
        ("views:account_invoices", "services:account_balance"),
        ("views:change_task_status", "services:set_task_status"),
        ("views:usage_report", "services:monthly_usage_report"),
        ("views:ProjectAPI.get", "services:projects_for_account"),
        ("views:ProjectAPI.post", "services:audit"),
        ("views:ProjectAPI.post", "models:Project"),
        ("views:TaskAPI.get", "services:list_tasks"),
        ("views:TaskAPI.post", "services:create_task"),
        ("views:CommentAPI.get", "helpers:paginate"),
        ("views:CommentAPI.post", "models:Comment"),
        ("services:mark_invoice_paid", "services:audit"),
        ("services:create_task", "services:audit"),
        ("services:create_task", "models:Task"),
        ("services:invoice_recipient", "services:get_account"),
        ("tasks:charge_invoice", "services:get_account"),
        ("tasks:charge_invoice", "services:mark_invoice_paid"),
        ("tasks:send_usage_digest", "services:monthly_usage_report"),
        (
            "test_services:test_account_balance_sums_open_invoices",
            "services:account_balance",
        ),
        (
            "test_services:test_list_tasks_orders_by_due_date",
            "services:list_tasks",
        ),
    ] {
        assert_edge(v, from, to, "calls");
    }
    let e = assert_edge(
        v,
        "views:account_invoices",
        "services:account_balance",
        "calls",
    );
    assert_evidence(
        e,
        "views.py",
        line_of(FIX, "views.py", "balance = services.account_balance("),
    );
}

#[test]
fn celery_tasks_are_enqueued() {
    let v = classic();
    let e = assert_edge(
        v,
        "views:change_task_status",
        "tasks:notify_assignee",
        "enqueues",
    );
    assert_evidence(
        e,
        "views.py",
        line_of(FIX, "views.py", "tasks.notify_assignee.delay("),
    );
    let e = assert_edge(v, "views:pay_invoice", "tasks:charge_invoice", "enqueues");
    assert_evidence(
        e,
        "views.py",
        line_of(FIX, "views.py", "tasks.charge_invoice.apply_async("),
    );
    assert_eq!(
        arr(v, "edges")
            .iter()
            .filter(|e| s(e, "kind") == "enqueues")
            .count(),
        2
    );
    assert_no_edge(
        v,
        "views:change_task_status",
        "tasks:notify_assignee",
        "calls",
    );
    assert_no_edge(v, "views:pay_invoice", "tasks:charge_invoice", "calls");

    let tasks: Vec<String> = arr(v, "nodes")
        .iter()
        .filter(|n| strs(n, "tags").contains(&"task".to_owned()))
        .map(|n| s(n, "id").to_owned())
        .collect();
    // `@celery.task(bind=True, ...)` and bare `@celery.task`.
    assert_eq!(
        tasks,
        [
            "tasks:charge_invoice",
            "tasks:notify_assignee",
            "tasks:send_usage_digest"
        ]
    );
}

#[test]
fn imports_edges() {
    let v = classic();
    for (from, to) in [
        ("views", "services"),
        ("views", "tasks"),
        ("views", "app"),
        ("views", "helpers"),
        ("views", "models"),
        ("models", "app"),
        ("services", "models"),
        ("tasks", "services"),
        // the circular imports at the bottom of app.py
        ("app", "views"),
        ("app", "tasks"),
    ] {
        assert_edge(v, from, to, "imports");
    }
}

#[test]
fn contains_edges() {
    let v = classic();
    for (from, to) in [
        ("views", "views:ProjectAPI"),
        ("views:ProjectAPI", "views:ProjectAPI.get"),
        ("views:TaskAPI", "views:TaskAPI.post"),
        ("models", "models:TimestampMixin"),
        ("models:User", "models:User.display_name"),
        ("helpers:login_required", "helpers:login_required.inner"),
        ("services", "services:monthly_usage_report"),
    ] {
        assert_edge(v, from, to, "contains");
    }
}

#[test]
fn modules_and_symbols_are_exactly_these() {
    let v = classic();
    assert_eq!(
        node_ids(v, "module"),
        sorted(&[
            "app",
            "helpers",
            "models",
            "services",
            "tasks",
            "test_services",
            "views"
        ])
    );
    assert_eq!(
        node_ids(v, "class"),
        sorted(&[
            "models:Account",
            "models:AuditLog",
            "models:Comment",
            "models:Invoice",
            "models:Project",
            "models:Task",
            "models:TimestampMixin",
            "models:User",
            "views:CommentAPI",
            "views:ProjectAPI",
            "views:TaskAPI",
        ])
    );
    assert_eq!(
        node_ids(v, "function"),
        sorted(&[
            "helpers:login_required",
            "helpers:login_required.inner",
            "helpers:paginate",
            "helpers:register_api",
            "services:account_balance",
            "services:audit",
            "services:authenticate",
            "services:create_task",
            "services:get_account",
            "services:invoice_recipient",
            "services:list_tasks",
            "services:mark_invoice_paid",
            "services:monthly_usage_report",
            "services:projects_for_account",
            "services:render_report",
            "services:set_task_status",
            "tasks:charge_invoice",
            "tasks:notify_assignee",
            "tasks:send_usage_digest",
            "test_services:test_account_balance_sums_open_invoices",
            "test_services:test_list_tasks_orders_by_due_date",
            "views:account_detail",
            "views:account_invoices",
            "views:change_task_status",
            "views:health",
            "views:index",
            "views:login",
            "views:pay_invoice",
            "views:usage_report",
        ])
    );
    assert_eq!(
        node_ids(v, "method"),
        sorted(&[
            "models:User.display_name",
            "views:CommentAPI.get",
            "views:CommentAPI.post",
            "views:ProjectAPI.get",
            "views:ProjectAPI.post",
            "views:TaskAPI.get",
            "views:TaskAPI.post",
        ])
    );
    let n = node(v, "models:TimestampMixin");
    assert!(file_is(s(n, "file"), "models.py"));
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "models.py", "class TimestampMixin")
    );
    let n = node(v, "views:TaskAPI");
    assert_eq!(u(n, "line"), line_of(FIX, "views.py", "class TaskAPI("));
}

#[test]
fn test_module_is_tagged() {
    let v = classic();
    for id in [
        "test_services",
        "test_services:test_account_balance_sums_open_invoices",
        "test_services:test_list_tasks_orders_by_due_date",
    ] {
        assert!(
            has_tag(v, id, "test"),
            "{id} should be tagged test: {:?}",
            tags(v, id)
        );
    }
    for n in arr(v, "nodes") {
        let id = s(n, "id");
        let t = strs(n, "tags");
        assert!(
            !t.contains(&"migration".to_owned()),
            "{id} tagged migration"
        );
        if !id.starts_with("test_services") {
            assert!(!t.contains(&"test".to_owned()), "{id} tagged test");
        }
    }
}

#[test]
fn valid_python_produces_no_errors() {
    let errors: Vec<&Value> = arr(classic(), "diagnostics")
        .iter()
        .filter(|d| s(d, "severity") == "error" && s(d, "file").ends_with(".py"))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn labels_cover_every_symbol_and_table_once() {
    check_labels(classic(), FIX);
}
