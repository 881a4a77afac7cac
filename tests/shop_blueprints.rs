//! End-to-end: `seam analyze fixtures/shop_blueprints --format json`, checked against the facts
//! designed into the fixture (see fixtures/shop_blueprints/LABELS.json for its domains).

mod common;

use std::collections::BTreeSet;
use std::sync::OnceLock;

use common::*;
use serde_json::Value;

const FIX: &str = "shop_blueprints";

fn shop() -> &'static Value {
    static V: OnceLock<Value> = OnceLock::new();
    V.get_or_init(|| analyze_json(FIX))
}

#[test]
fn output_satisfies_the_contract() {
    check_contract(shop());
}

#[test]
fn summary_counts_files() {
    let v = shop();
    assert_eq!(summary(v, "python_files"), 27);
    assert_eq!(summary(v, "sql_files"), 0);
    let (_, py_lines) = count_lines(&fixture(FIX), "py");
    let lines = summary(v, "lines");
    // Python lines, give or take one per file for a final newline.
    assert!(
        (py_lines..=py_lines + 27).contains(&lines),
        "summary.lines {lines}, python has {py_lines}"
    );
    assert_eq!(summary(v, "routes"), 19);
    assert_eq!(summary(v, "tables"), 10);
}

/// Every route, one per method, with the prefix rules of Flask: `url_prefix` in `Blueprint()`
/// (identity, billing, catalog_api), in `register_blueprint()` with a trailing slash (catalog,
/// so `/` becomes `/catalog/`), or neither (orders); Flask-RESTful resources get every method
/// they define on every URL given to `add_resource`.
#[test]
fn routes_are_exactly_these() {
    let expected: Vec<(String, String)> = [
        (
            "route:GET /api/v1/products",
            "shop.catalog.api:ProductResource.get",
        ),
        (
            "route:GET /api/v1/products/<int:product_id>",
            "shop.catalog.api:ProductResource.get",
        ),
        ("route:GET /auth/me", "shop.identity.views:me"),
        (
            "route:GET /billing/invoices",
            "shop.billing.views:list_invoices",
        ),
        (
            "route:GET /billing/invoices/<int:invoice_id>",
            "shop.billing.views:invoice_detail",
        ),
        ("route:GET /catalog/", "shop.catalog.views:index"),
        (
            "route:GET /catalog/categories/<slug>",
            "shop.catalog.views:category_products",
        ),
        (
            "route:GET /catalog/products/<int:product_id>",
            "shop.catalog.views:product_detail",
        ),
        ("route:GET /orders", "shop.orders.views:list_orders"),
        (
            "route:GET /orders/<int:order_id>",
            "shop.orders.views:order_detail",
        ),
        (
            "route:PATCH /auth/users/<int:user_id>/role",
            "shop.identity.views:set_role",
        ),
        (
            "route:POST /api/v1/products",
            "shop.catalog.api:ProductResource.post",
        ),
        (
            "route:POST /api/v1/products/<int:product_id>",
            "shop.catalog.api:ProductResource.post",
        ),
        ("route:POST /auth/login", "shop.identity.views:login"),
        ("route:POST /auth/logout", "shop.identity.views:logout"),
        (
            "route:POST /billing/webhooks/stripe",
            "shop.billing.views:stripe_webhook",
        ),
        ("route:POST /checkout", "shop.orders.views:checkout"),
        (
            "route:POST /orders/<int:order_id>/cancel",
            "shop.orders.views:cancel",
        ),
        (
            "route:PUT /auth/users/<int:user_id>/role",
            "shop.identity.views:set_role",
        ),
    ]
    .iter()
    .map(|(r, h)| ((*r).to_owned(), (*h).to_owned()))
    .collect::<BTreeSet<_>>()
    .into_iter()
    .collect();
    assert_eq!(route_handlers(shop()), expected);
}

#[test]
fn route_fields_and_handles_edges() {
    let v = shop();
    let r = route(v, "route:POST /checkout");
    assert_eq!(s(r, "path"), "/checkout");
    assert_eq!(strs(r, "methods"), ["POST"]);
    assert!(
        file_is(s(r, "file"), "shop/orders/views.py"),
        "file {}",
        s(r, "file")
    );
    let line = u(r, "line");
    let (deco, def) = (
        line_of(FIX, "shop/orders/views.py", "@bp.post(\"/checkout\")"),
        line_of(FIX, "shop/orders/views.py", "def checkout("),
    );
    assert!(
        (deco..=def).contains(&line),
        "route line {line} not between decorator {deco} and def {def}"
    );

    let r = route(v, "route:PUT /auth/users/<int:user_id>/role");
    assert_eq!(s(r, "path"), "/auth/users/<int:user_id>/role");
    assert!(file_is(s(r, "file"), "shop/identity/views.py"));

    let r = route(v, "route:GET /catalog/");
    assert_eq!(s(r, "path"), "/catalog/");
    assert!(file_is(s(r, "file"), "shop/catalog/views.py"));

    assert_edge(
        v,
        "route:POST /checkout",
        "shop.orders.views:checkout",
        "handles",
    );
    assert_edge(
        v,
        "route:GET /api/v1/products/<int:product_id>",
        "shop.catalog.api:ProductResource.get",
        "handles",
    );
    assert_edge(
        v,
        "route:PATCH /auth/users/<int:user_id>/role",
        "shop.identity.views:set_role",
        "handles",
    );
}

#[test]
fn tables_are_exactly_these() {
    let expected = sorted(&[
        "table:categories",
        "table:invoices",
        "table:order_item",
        "table:orders",
        "table:payments",
        "table:product_categories",
        "table:products",
        "table:roles",
        "table:sessions",
        "table:users",
    ]);
    assert_eq!(ids(shop(), "tables"), expected);
    assert_eq!(node_ids(shop(), "table"), expected);
}

#[test]
fn foreign_keys_are_exactly_these() {
    let v = shop();
    let expected: BTreeSet<Fk> = [
        fk(
            "table:categories",
            &["parent_id"],
            "table:categories",
            &["id"],
        ),
        fk("table:invoices", &["order_id"], "table:orders", &["id"]),
        fk("table:invoices", &["user_id"], "table:users", &["id"]),
        fk("table:order_item", &["order_id"], "table:orders", &["id"]),
        fk(
            "table:order_item",
            &["product_id"],
            "table:products",
            &["id"],
        ),
        fk("table:orders", &["user_id"], "table:users", &["id"]),
        fk("table:payments", &["invoice_id"], "table:invoices", &["id"]),
        fk(
            "table:product_categories",
            &["category_id"],
            "table:categories",
            &["id"],
        ),
        fk(
            "table:product_categories",
            &["product_id"],
            "table:products",
            &["id"],
        ),
        fk("table:sessions", &["user_id"], "table:users", &["id"]),
        fk("table:users", &["role_id"], "table:roles", &["id"]),
    ]
    .into_iter()
    .collect();
    assert_eq!(foreign_keys(v), expected);
    for (from, _, to, _) in &expected {
        assert_edge(v, from, to, "references");
    }
    let refs: usize = arr(v, "edges")
        .iter()
        .filter(|e| s(e, "kind") == "references")
        .count();
    assert_eq!(
        refs, 11,
        "one references edge per (table, referenced table) pair"
    );
}

#[test]
fn models_map_to_their_tables() {
    let v = shop();
    let models = [
        ("shop.identity.models:User", "table:users"),
        ("shop.identity.models:Role", "table:roles"),
        ("shop.identity.models:Session", "table:sessions"),
        ("shop.catalog.models:Category", "table:categories"),
        ("shop.catalog.models:Product", "table:products"),
        ("shop.orders.models:Order", "table:orders"),
        // No __tablename__: Flask-SQLAlchemy derives "order_item" from the class name.
        ("shop.orders.models:OrderItem", "table:order_item"),
        ("shop.billing.models:Invoice", "table:invoices"),
        ("shop.billing.models:Payment", "table:payments"),
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
    let maps = arr(v, "edges")
        .iter()
        .filter(|e| s(e, "kind") == "maps")
        .count();
    assert_eq!(maps, models.len(), "maps edges");
    // The association table has no model class.
    assert!(strs(table(v, "table:product_categories"), "models").is_empty());
    for not_model in [
        "shop.billing.services:PaymentGateway",
        "shop.catalog.api:ProductResource",
        "shop.config:Config",
    ] {
        assert!(
            !has_tag(v, not_model, "model"),
            "{not_model} is not a model"
        );
    }
}

#[test]
fn table_columns_and_keys() {
    let v = shop();
    let t = table(v, "table:order_item");
    let cols: Vec<String> = columns(t).into_keys().collect();
    assert_eq!(
        cols,
        sorted(&[
            "id",
            "order_id",
            "product_id",
            "quantity",
            "unit_price_cents"
        ])
    );
    assert_eq!(strs(t, "primary_key"), ["id"]);

    let t = table(v, "table:product_categories");
    let cols: Vec<String> = columns(t).into_keys().collect();
    assert_eq!(cols, sorted(&["category_id", "product_id"]));
    assert_eq!(
        strs(t, "primary_key"),
        sorted(&["category_id", "product_id"])
    );

    let users = columns(table(v, "table:users"));
    assert_eq!(
        users.keys().cloned().collect::<Vec<_>>(),
        sorted(&[
            "created_at",
            "email",
            "full_name",
            "id",
            "password_hash",
            "role_id"
        ])
    );
    assert!(!users["email"], "users.email is nullable=False");
    assert!(users["full_name"], "users.full_name is nullable by default");
    assert!(users["role_id"], "users.role_id is nullable=True");
    assert!(!users["id"], "a primary key is not nullable");
    assert_eq!(strs(table(v, "table:sessions"), "primary_key"), ["id"]);

    for t in arr(v, "tables") {
        assert!(
            !arr(t, "defined_in").is_empty(),
            "{}: defined_in is empty",
            s(t, "id")
        );
    }
}

/// Direct reads/writes of handlers and services through the ORM.
#[test]
fn orm_reads_and_writes() {
    let v = shop();
    let reads = [
        ("shop.orders.views:checkout", "table:products"),
        ("shop.orders.views:list_orders", "table:orders"),
        ("shop.orders.views:order_detail", "table:orders"),
        ("shop.orders.services:cancel_order", "table:orders"),
        ("shop.catalog.views:index", "table:products"),
        ("shop.catalog.views:product_detail", "table:products"),
        ("shop.catalog.views:category_products", "table:products"),
        ("shop.catalog.views:category_products", "table:categories"),
        ("shop.catalog.api:ProductResource.get", "table:products"),
        ("shop.identity.views:me", "table:users"),
        ("shop.identity.services:authenticate", "table:users"),
        ("shop.identity.services:billing_contact", "table:users"),
        ("shop.identity.services:assign_role", "table:users"),
        ("shop.identity.services:assign_role", "table:roles"),
        ("shop.billing.services:payments_for", "table:payments"),
        ("shop.billing.services:mark_paid", "table:payments"),
        ("shop.billing.views:list_invoices", "table:invoices"),
        ("shop.billing.views:invoice_detail", "table:invoices"),
        ("shop.billing.tasks:send_receipt", "table:invoices"),
    ];
    let writes = [
        ("shop.orders.views:checkout", "table:orders"),
        ("shop.orders.services:cancel_order", "table:order_item"),
        ("shop.catalog.api:ProductResource.post", "table:products"),
        ("shop.identity.views:logout", "table:sessions"),
        ("shop.identity.services:open_session", "table:sessions"),
        ("shop.billing.services:charge", "table:invoices"),
        ("shop.billing.services:charge", "table:payments"),
        ("tests.test_orders:make_product", "table:products"),
    ];
    for (sym, t) in reads {
        assert_edge(v, sym, t, "reads");
    }
    for (sym, t) in writes {
        assert_edge(v, sym, t, "writes");
    }
    // Pure readers write nothing.
    for sym in [
        "shop.catalog.views:index",
        "shop.billing.services:payments_for",
        "shop.identity.services:authenticate",
    ] {
        assert!(
            targets(v, sym, "writes").is_empty(),
            "{sym} writes {:?}",
            targets(v, sym, "writes")
        );
    }
    // Evidence points at the statement.
    let e = assert_edge(
        v,
        "shop.billing.services:charge",
        "table:invoices",
        "writes",
    );
    assert_evidence(
        e,
        "shop/billing/services.py",
        line_of(FIX, "shop/billing/services.py", "db.session.add(invoice)"),
    );
}

#[test]
fn orm_query_sites() {
    let v = shop();
    let qs = queries_of(v, "shop.orders.views:list_orders");
    let q = qs
        .iter()
        .find(|q| strs(q, "reads").contains(&"table:orders".to_owned()))
        .unwrap_or_else(|| panic!("list_orders: no query reading orders: {qs:?}"));
    assert_eq!(s(q, "source"), "orm");
    assert_eq!(s(q, "kind"), "select");
    assert!(file_is(s(q, "file"), "shop/orders/views.py"));
    assert!(
        strs(q, "equality_columns").contains(&"orders.user_id".to_owned()),
        "{}",
        short(q)
    );

    let qs = queries_of(v, "shop.billing.services:payments_for");
    let q = qs
        .iter()
        .find(|q| strs(q, "reads") == ["table:payments"])
        .unwrap_or_else(|| panic!("payments_for: no select(Payment) query: {qs:?}"));
    assert_eq!(s(q, "source"), "orm");
    assert!(
        strs(q, "equality_columns").contains(&"payments.invoice_id".to_owned()),
        "{}",
        short(q)
    );

    let qs = queries_of(v, "shop.orders.services:cancel_order");
    assert!(
        qs.iter().any(|q| s(q, "source") == "orm"
            && s(q, "kind") == "delete"
            && strs(q, "writes") == ["table:order_item"]),
        "cancel_order: no ORM delete of order_item: {qs:?}"
    );
    let qs = queries_of(v, "shop.orders.views:checkout");
    assert!(
        qs.iter()
            .any(|q| strs(q, "writes").contains(&"table:orders".to_owned())),
        "checkout: {qs:?}"
    );
    assert!(
        qs.iter()
            .any(|q| strs(q, "reads").contains(&"table:products".to_owned())),
        "checkout: {qs:?}"
    );
    assert!(
        qs.iter().all(|q| s(q, "source") == "orm"),
        "checkout has no raw SQL: {qs:?}"
    );
}

#[test]
fn cross_module_calls() {
    let v = shop();
    let calls = [
        // orders view → billing service, through `from ..billing import services as billing`
        ("shop.orders.views:checkout", "shop.billing.services:charge"),
        // billing → identity, through an import inside the function
        (
            "shop.billing.services:charge",
            "shop.identity.services:billing_contact",
        ),
        (
            "shop.billing.tasks:send_receipt",
            "shop.identity.services:billing_contact",
        ),
        (
            "shop.billing.tasks:send_receipt",
            "shop.billing.services:payments_for",
        ),
        // `from . import services`
        (
            "shop.orders.views:cancel",
            "shop.orders.services:cancel_order",
        ),
        (
            "shop.orders.views:list_orders",
            "shop.orders.services:order_summary",
        ),
        (
            "shop.orders.views:order_detail",
            "shop.orders.services:order_summary",
        ),
        (
            "shop.identity.views:login",
            "shop.identity.services:authenticate",
        ),
        (
            "shop.identity.views:login",
            "shop.identity.services:open_session",
        ),
        (
            "shop.identity.views:set_role",
            "shop.identity.services:assign_role",
        ),
        ("shop.identity.views:me", "shop.common.formatting:iso"),
        (
            "shop.catalog.views:product_detail",
            "shop.common.formatting:money",
        ),
        (
            "shop.billing.views:invoice_detail",
            "shop.common.formatting:money",
        ),
        (
            "shop.billing.views:invoice_detail",
            "shop.billing.services:payments_for",
        ),
        (
            "shop.billing.views:stripe_webhook",
            "shop.billing.services:mark_paid",
        ),
        (
            "shop.orders.services:order_summary",
            "shop.common.formatting:money",
        ),
        (
            "shop.orders.services:order_summary",
            "shop.common.formatting:iso",
        ),
        // a nested function called by its parent
        (
            "shop.orders.services:order_summary",
            "shop.orders.services:order_summary.line_total",
        ),
        // constructors: no __init__ → the class; with __init__ → the method
        (
            "shop.billing.services:charge",
            "shop.billing.models:Invoice",
        ),
        (
            "shop.billing.services:charge",
            "shop.billing.models:Payment",
        ),
        (
            "shop.billing.services:charge",
            "shop.billing.services:PaymentGateway.__init__",
        ),
        // a method on a local whose type is known from its constructor
        (
            "shop.billing.services:charge",
            "shop.billing.services:PaymentGateway.capture",
        ),
        ("shop.orders.views:checkout", "shop.orders.models:Order"),
        // tests call into the app
        ("tests.conftest:app", "shop:create_app"),
        (
            "tests.test_orders:make_product",
            "shop.catalog.models:Product",
        ),
    ];
    for (from, to) in calls {
        assert_edge(v, from, to, "calls");
    }
    assert_no_edge(
        v,
        "shop.billing.services:charge",
        "shop.billing.services:PaymentGateway",
        "calls",
    );
    let e = assert_edge(
        v,
        "shop.orders.views:checkout",
        "shop.billing.services:charge",
        "calls",
    );
    assert_eq!(u(e, "count"), 1);
    assert_evidence(
        e,
        "shop/orders/views.py",
        line_of(FIX, "shop/orders/views.py", "invoice = billing.charge("),
    );
    let e = assert_edge(
        v,
        "shop.billing.services:charge",
        "shop.identity.services:billing_contact",
        "calls",
    );
    assert_evidence(
        e,
        "shop/billing/services.py",
        line_of(
            FIX,
            "shop/billing/services.py",
            "contact = billing_contact(user_id)",
        ),
    );
}

#[test]
fn celery_task_is_enqueued_not_called() {
    let v = shop();
    let e = assert_edge(
        v,
        "shop.orders.views:checkout",
        "shop.billing.tasks:send_receipt",
        "enqueues",
    );
    assert_evidence(
        e,
        "shop/orders/views.py",
        line_of(FIX, "shop/orders/views.py", "send_receipt.delay("),
    );
    assert!(has_tag(v, "shop.billing.tasks:send_receipt", "task"));
    let tasks: Vec<String> = arr(v, "nodes")
        .iter()
        .filter(|n| strs(n, "tags").contains(&"task".to_owned()))
        .map(|n| s(n, "id").to_owned())
        .collect();
    assert_eq!(
        tasks,
        ["shop.billing.tasks:send_receipt"],
        "the only Celery task"
    );
    assert_eq!(
        arr(v, "edges")
            .iter()
            .filter(|e| s(e, "kind") == "enqueues")
            .count(),
        1
    );
}

#[test]
fn contains_edges() {
    let v = shop();
    for (from, to) in [
        ("shop.orders.services", "shop.orders.services:order_summary"),
        (
            "shop.orders.services:order_summary",
            "shop.orders.services:order_summary.line_total",
        ),
        (
            "shop.common.decorators:login_required",
            "shop.common.decorators:login_required.wrapped",
        ),
        ("shop.catalog.api", "shop.catalog.api:ProductResource"),
        (
            "shop.catalog.api:ProductResource",
            "shop.catalog.api:ProductResource.get",
        ),
        (
            "shop.catalog.api:ProductResource",
            "shop.catalog.api:ProductResource.post",
        ),
        (
            "shop.billing.services:PaymentGateway",
            "shop.billing.services:PaymentGateway.__init__",
        ),
        ("shop", "shop:create_app"),
        (
            "tests.test_orders",
            "tests.test_orders:test_checkout_creates_order",
        ),
    ] {
        assert_edge(v, from, to, "contains");
    }
    // A nested function belongs to its parent, not to the module.
    assert_no_edge(
        v,
        "shop.orders.services",
        "shop.orders.services:order_summary.line_total",
        "contains",
    );
}

#[test]
fn imports_edges() {
    let v = shop();
    for (from, to) in [
        ("shop.orders.views", "shop.billing.services"),
        ("shop.orders.views", "shop.billing.tasks"),
        ("shop.orders.views", "shop.orders.services"),
        ("shop.orders.views", "shop.catalog.models"),
        ("shop.orders.views", "shop.common.decorators"),
        ("shop.identity.models", "shop.extensions"),
        ("shop.catalog.api", "shop.catalog.models"),
        // imports inside functions are imports of the module
        ("shop.billing.services", "shop.identity.services"),
        ("shop", "shop.orders.views"),
        ("shop", "shop.extensions"),
        ("tests.conftest", "shop"),
    ] {
        assert_edge(v, from, to, "imports");
    }
    // Third-party modules are not nodes, so never import targets.
    for t in targets(v, "shop.billing.services", "imports") {
        assert!(t.starts_with("shop"), "import of a non-repo module `{t}`");
    }
}

#[test]
fn modules_and_symbols_are_exactly_these() {
    let v = shop();
    let modules = sorted(&[
        "migrations.versions.0001_init",
        "shop",
        "shop.billing",
        "shop.billing.models",
        "shop.billing.services",
        "shop.billing.tasks",
        "shop.billing.views",
        "shop.catalog",
        "shop.catalog.api",
        "shop.catalog.models",
        "shop.catalog.views",
        "shop.common",
        "shop.common.decorators",
        "shop.common.formatting",
        "shop.config",
        "shop.extensions",
        "shop.identity",
        "shop.identity.models",
        "shop.identity.services",
        "shop.identity.views",
        "shop.orders",
        "shop.orders.models",
        "shop.orders.services",
        "shop.orders.views",
        "tests",
        "tests.conftest",
        "tests.test_orders",
    ]);
    let classes = sorted(&[
        "shop.billing.models:Invoice",
        "shop.billing.models:Payment",
        "shop.billing.services:PaymentGateway",
        "shop.catalog.api:ProductResource",
        "shop.catalog.models:Category",
        "shop.catalog.models:Product",
        "shop.config:Config",
        "shop.identity.models:Role",
        "shop.identity.models:Session",
        "shop.identity.models:User",
        "shop.orders.models:Order",
        "shop.orders.models:OrderItem",
    ]);
    let functions = sorted(&[
        "migrations.versions.0001_init:downgrade",
        "migrations.versions.0001_init:upgrade",
        "shop.billing.services:charge",
        "shop.billing.services:mark_paid",
        "shop.billing.services:payments_for",
        "shop.billing.tasks:send_receipt",
        "shop.billing.views:invoice_detail",
        "shop.billing.views:list_invoices",
        "shop.billing.views:stripe_webhook",
        "shop.catalog.views:category_products",
        "shop.catalog.views:index",
        "shop.catalog.views:product_detail",
        "shop.common.decorators:login_required",
        "shop.common.decorators:login_required.wrapped",
        "shop.common.formatting:iso",
        "shop.common.formatting:money",
        "shop.identity.models:_now",
        "shop.identity.services:assign_role",
        "shop.identity.services:authenticate",
        "shop.identity.services:billing_contact",
        "shop.identity.services:open_session",
        "shop.identity.views:login",
        "shop.identity.views:logout",
        "shop.identity.views:me",
        "shop.identity.views:set_role",
        "shop.orders.services:cancel_order",
        "shop.orders.services:order_summary",
        "shop.orders.services:order_summary.line_total",
        "shop.orders.views:cancel",
        "shop.orders.views:checkout",
        "shop.orders.views:list_orders",
        "shop.orders.views:order_detail",
        "shop:create_app",
        "tests.conftest:app",
        "tests.conftest:client",
        "tests.test_orders:make_product",
        "tests.test_orders:test_checkout_creates_order",
        "tests.test_orders:test_checkout_out_of_stock",
    ]);
    let methods = sorted(&[
        "shop.billing.services:PaymentGateway.__init__",
        "shop.billing.services:PaymentGateway.capture",
        "shop.catalog.api:ProductResource.get",
        "shop.catalog.api:ProductResource.post",
        "shop.catalog.models:Product.to_dict",
    ]);
    assert_eq!(node_ids(v, "module"), modules);
    assert_eq!(node_ids(v, "class"), classes);
    assert_eq!(node_ids(v, "function"), functions);
    assert_eq!(node_ids(v, "method"), methods);
}

#[test]
fn node_locations() {
    let v = shop();
    let n = node(v, "shop.orders.views");
    assert!(file_is(s(n, "file"), "shop/orders/views.py"));
    let n = node(v, "shop");
    assert!(file_is(s(n, "file"), "shop/__init__.py"));
    let n = node(v, "shop.billing.services:PaymentGateway");
    assert!(file_is(s(n, "file"), "shop/billing/services.py"));
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "shop/billing/services.py", "class PaymentGateway")
    );
    let n = node(v, "shop.billing.services:charge");
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "shop/billing/services.py", "def charge(")
    );
    let n = node(v, "shop.orders.services:order_summary.line_total");
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "shop/orders/services.py", "def line_total(")
    );
    let n = node(v, "shop.billing.services:PaymentGateway.capture");
    assert_eq!(s(n, "kind"), "method");
    assert_eq!(
        u(n, "line"),
        line_of(FIX, "shop/billing/services.py", "def capture(")
    );
}

#[test]
fn test_and_migration_code_is_tagged() {
    let v = shop();
    for id in [
        "tests",
        "tests.conftest",
        "tests.conftest:app",
        "tests.test_orders",
        "tests.test_orders:make_product",
        "tests.test_orders:test_checkout_creates_order",
    ] {
        assert!(
            has_tag(v, id, "test"),
            "{id} should be tagged test: {:?}",
            tags(v, id)
        );
        assert!(!has_tag(v, id, "migration"), "{id} is not a migration");
    }
    for id in [
        "migrations.versions.0001_init",
        "migrations.versions.0001_init:upgrade",
        "migrations.versions.0001_init:downgrade",
    ] {
        assert!(
            has_tag(v, id, "migration"),
            "{id} should be tagged migration: {:?}",
            tags(v, id)
        );
        assert!(!has_tag(v, id, "test"), "{id} is not a test");
    }
    // Nothing else is test or migration code.
    for n in arr(v, "nodes") {
        let id = s(n, "id");
        if id.starts_with("shop") || id.starts_with("table:") || id.starts_with("route:") {
            let t = strs(n, "tags");
            assert!(
                !t.iter().any(|t| t == "test" || t == "migration"),
                "{id} tagged {t:?}"
            );
        }
    }
}

#[test]
fn external_calls_are_recorded_not_resolved() {
    let v = shop();
    let ext: Vec<&Value> = arr(v, "external_calls")
        .iter()
        .filter(|x| s(x, "from") == "shop.orders.views:checkout")
        .collect();
    assert!(
        ext.iter().any(|x| s(x, "name").contains("jsonify")),
        "checkout calls flask.jsonify: {ext:?}"
    );
    // Nothing resolves into a non-repo symbol.
    for e in arr(v, "edges").iter().filter(|e| s(e, "kind") == "calls") {
        let to = s(e, "to");
        assert!(
            to.starts_with("shop") || to.starts_with("tests"),
            "calls edge into {to}"
        );
    }
}

#[test]
fn valid_code_produces_no_errors() {
    // Every file is valid Python 3.12 (incl. a PEP 701 f-string): no error diagnostics.
    let errors: Vec<&Value> = arr(shop(), "diagnostics")
        .iter()
        .filter(|d| s(d, "severity") == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn labels_cover_every_symbol_and_table_once() {
    check_labels(shop(), FIX);
}
