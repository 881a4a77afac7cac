//! End-to-end: routes of class-based view frameworks (Flask-AppBuilder, flask-classful,
//! flask-smorest, Flask-Admin) and of routes declared outside Python (OpenAPI specs for
//! connexion, protobuf service options), one small app each under
//! `fixtures/view_frameworks/`. Every route is asserted exactly: method, path, handler, and
//! where its evidence points.

mod common;

use common::*;
use serde_json::Value;

fn app(name: &str) -> Value {
    let v = analyze_path_json(&fixture("view_frameworks").join(name));
    check_contract(&v);
    v
}

/// (id, handler, file:line) of every route, sorted.
fn routes(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = arr(v, "routes")
        .iter()
        .map(|r| {
            (
                s(r, "id").to_owned(),
                s(r, "handler").to_owned(),
                format!("{}:{}", s(r, "file"), u(r, "line")),
            )
        })
        .collect();
    out.sort();
    out
}

fn expect(rows: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .map(|(a, b, c)| ((*a).to_owned(), (*b).to_owned(), (*c).to_owned()))
        .collect();
    out.sort();
    out
}

fn messages(v: &Value) -> Vec<String> {
    arr(v, "diagnostics")
        .iter()
        .map(|d| format!("{}:{} {}", s(d, "file"), u(d, "line"), s(d, "message")))
        .collect()
}

#[test]
fn flask_appbuilder_views_and_apis() {
    let v = app("appbuilder");
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let mut add = |id: String, h: &str, at: &str| rows.push((id, h.to_owned(), at.to_owned()));
    // ModelView endpoints, inherited: evidenced at the registration; URL base from the class
    // name (`/contactmodelview`) or `route_base`; `GroupModelView.show` is overridden without
    // `@expose`, so FAB routes no `show` for it.
    let crud: &[(&str, &[&str])] = &[
        ("/list/", &["GET"]),
        ("/show/<pk>", &["GET"]),
        ("/add", &["GET", "POST"]),
        ("/edit/<pk>", &["GET", "POST"]),
        ("/delete/<pk>", &["GET", "POST"]),
        ("/download/<string:filename>", &["GET"]),
        ("/action/<string:name>/<pk>", &["GET", "POST"]),
        ("/action_post", &["POST"]),
    ];
    for (base, class, at) in [
        (
            "/contactmodelview",
            "app.views:ContactModelView",
            "app/views.py:37",
        ),
        ("/groups", "app.views:GroupModelView", "app/views.py:38"),
    ] {
        for (rule, methods) in crud {
            if base == "/groups" && rule.starts_with("/show") {
                continue;
            }
            for m in *methods {
                add(format!("route:{m} {base}{rule}"), class, at);
            }
        }
    }
    // BaseView with `@expose`: evidenced at the method.
    add(
        "route:GET /myview/method1/".into(),
        "app.views:MyView.method1",
        "app/views.py:26",
    );
    for m in ["GET", "POST"] {
        add(
            format!("route:{m} /myview/method2/<string:param1>"),
            "app.views:MyView.method2",
            "app/views.py:31",
        );
    }
    // ModelRestApi: `/api/<version>/<resource_name>`, `include_route_methods` honoured.
    for (id, at) in [
        ("route:GET /api/v1/contact/", "app/api.py:31"),
        ("route:GET /api/v1/contact/<int:pk>", "app/api.py:31"),
        ("route:GET /api/v1/contact/_info", "app/api.py:31"),
    ] {
        add(id.into(), "app.api:ContactModelApi", at);
    }
    for id in [
        "route:GET /api/v2/groupmodelapi/",
        "route:GET /api/v2/groupmodelapi/<int:pk>",
        "route:GET /api/v2/groupmodelapi/_info",
        "route:POST /api/v2/groupmodelapi/",
        "route:PUT /api/v2/groupmodelapi/<pk>",
        "route:DELETE /api/v2/groupmodelapi/<pk>",
    ] {
        add(id.into(), "app.api:GroupModelApi", "app/api.py:32");
    }
    add(
        "route:GET /greeting/".into(),
        "app.api:GreetingApi.greeting",
        "app/api.py:22",
    );
    for m in ["PUT", "DELETE"] {
        add(
            format!("route:{m} /greeting/<int:pk>"),
            "app.api:GreetingApi.change",
            "app/api.py:26",
        );
    }
    // A security view registered as a class attribute of the security manager: its own
    // `@expose`d `login`, and FAB's `logout` evidenced at the attribute.
    for m in ["GET", "POST"] {
        add(
            format!("route:{m} /login/"),
            "app.security:MyAuthDBView.login",
            "app/security.py:8",
        );
    }
    add(
        "route:GET /logout/".into(),
        "app.security:MyAuthDBView",
        "app/security.py:14",
    );
    rows.sort();
    assert_eq!(routes(&v), rows);
    // `add_api(make_api())`: a registration whose view cannot be bound.
    let m = messages(&v);
    assert!(
        m.iter()
            .any(|d| d.starts_with("app/api.py:34 ") && d.contains("names no view class")),
        "{m:#?}"
    );
}

#[test]
fn flask_classful_conventions() {
    let v = app("classful");
    let want = expect(&[
        (
            "route:GET /quotes/",
            "quotes.views:QuotesView.index",
            "quotes/views.py:11",
        ),
        (
            "route:GET /quotes/<int:id>/",
            "quotes.views:QuotesView.get",
            "quotes/views.py:14",
        ),
        (
            "route:POST /quotes/",
            "quotes.views:QuotesView.post",
            "quotes/views.py:17",
        ),
        (
            "route:GET /quotes/random/",
            "quotes.views:QuotesView.random",
            "quotes/views.py:20",
        ),
        (
            "route:GET /quotes/word_bacon/",
            "quotes.views:QuotesView.bacon",
            "quotes/views.py:23",
        ),
        (
            "route:POST /quotes/word_bacon/",
            "quotes.views:QuotesView.bacon",
            "quotes/views.py:23",
        ),
        (
            "route:GET /me/",
            "quotes.views:UserProfileView.index",
            "quotes/views.py:38",
        ),
        (
            "route:PATCH /me/",
            "quotes.views:UserProfileView.patch",
            "quotes/views.py:41",
        ),
        // Arguments of `route_base` are not repeated; `comment_id: int` → `<int:comment_id>`.
        (
            "route:GET /users/<int:user_id>/comments/",
            "quotes.views:CommentsView.index",
            "quotes/views.py:58",
        ),
        (
            "route:GET /users/<int:user_id>/comments/<int:comment_id>/",
            "quotes.views:CommentsView.get",
            "quotes/views.py:61",
        ),
        (
            "route:GET /api/v1/writers/",
            "quotes.views:AuthorsView.index",
            "quotes/views.py:48",
        ),
        (
            "route:DELETE /api/v1/writers/<author_id>/",
            "quotes.views:AuthorsView.delete",
            "quotes/views.py:51",
        ),
    ]);
    assert_eq!(routes(&v), want);
}

#[test]
fn flask_smorest_blueprints_of_method_views() {
    let v = app("smorest");
    let want = expect(&[
        (
            "route:GET /pets/",
            "petstore.pets:Pets.get",
            "petstore/pets.py:9",
        ),
        (
            "route:POST /pets/",
            "petstore.pets:Pets.post",
            "petstore/pets.py:9",
        ),
        (
            "route:GET /pets/<int:pet_id>",
            "petstore.pets:PetsById.get",
            "petstore/pets.py:24",
        ),
        (
            "route:PUT /pets/<int:pet_id>",
            "petstore.pets:PetsById.put",
            "petstore/pets.py:24",
        ),
        (
            "route:DELETE /pets/<int:pet_id>",
            "petstore.pets:PetsById.delete",
            "petstore/pets.py:24",
        ),
        (
            "route:GET /pets/health",
            "petstore.pets:health",
            "petstore/pets.py:46",
        ),
    ]);
    assert_eq!(routes(&v), want);
}

#[test]
fn flask_admin_model_and_base_views() {
    let v = app("admin");
    let crud: &[(&str, &[&str])] = &[
        ("/", &["GET"]),
        ("/new/", &["GET", "POST"]),
        ("/edit/", &["GET", "POST"]),
        ("/details/", &["GET"]),
        ("/delete/", &["POST"]),
        ("/action/", &["POST"]),
        ("/export/<export_type>/", &["GET"]),
        ("/ajax/lookup/", &["GET"]),
        ("/ajax/update/", &["POST"]),
    ];
    let mut rows = Vec::new();
    // `ModelView(Order, db.session)`: endpoint from the model, handled by the model class.
    // `ProductAdmin(..., url="catalog")`: relative to the admin's `/admin`.
    for (base, handler, at) in [
        ("/admin/order", "shop.models:Order", "shop/__init__.py:13"),
        (
            "/admin/catalog",
            "shop.views:ProductAdmin",
            "shop/__init__.py:14",
        ),
    ] {
        for (rule, methods) in crud {
            for m in *methods {
                rows.push((
                    format!("route:{m} {base}{rule}"),
                    handler.to_owned(),
                    at.to_owned(),
                ));
            }
        }
    }
    for m in ["GET", "POST"] {
        rows.push((
            format!("route:{m} /admin/catalog/stock/"),
            "shop.views:ProductAdmin.stock".to_owned(),
            "shop/views.py:9".to_owned(),
        ));
    }
    // `url="/reports"` is absolute.
    rows.push((
        "route:GET /reports/".into(),
        "shop.views:AnalyticsView.index".into(),
        "shop/views.py:15".into(),
    ));
    rows.push((
        "route:GET /reports/daily/<day>".into(),
        "shop.views:AnalyticsView.daily".into(),
        "shop/views.py:19".into(),
    ));
    rows.sort();
    assert_eq!(routes(&v), rows);
}

#[test]
fn connexion_operations_from_openapi_documents() {
    let v = app("connexion");
    let want = expect(&[
        // `servers: - url: http://localhost:8080/api` gives the base path.
        (
            "route:GET /api/pets",
            "petshop.pets:list_pets",
            "spec/openapi.yaml:11",
        ),
        // A bare operationId under the path's `x-openapi-router-controller`.
        (
            "route:GET /api/pets/<pet_id>",
            "petshop.pets:get_pet",
            "spec/openapi.yaml:24",
        ),
        (
            "route:PUT /api/pets/<pet_id>",
            "petshop.pets:put_pet",
            "spec/openapi.yaml:29",
        ),
        (
            "route:DELETE /api/pets/<pet_id>",
            "petshop.pets:delete_pet",
            "spec/openapi.yaml:39",
        ),
        (
            "route:GET /api/stores/search",
            "petshop.stores:StoreView.search",
            "spec/openapi.yaml:45",
        ),
        // `add_api("swagger.json", base_path="/legacy")` overrides `basePath`.
        (
            "route:GET /legacy/pets",
            "petshop.pets:list_pets",
            "spec/swagger.json:8",
        ),
    ]);
    assert_eq!(routes(&v), want);
    let m = messages(&v);
    assert!(
        m.iter().any(|d| d.starts_with("spec/openapi.yaml:51 ")
            && d.contains("`petshop.orders.create_order`")),
        "{m:#?}"
    );
}

#[test]
fn protobuf_http_options_bound_by_a_route_table() {
    let v = app("proto");
    let want = expect(&[
        // `google.api.http`: the path as declared, `{order_id}` → `<order_id>`.
        (
            "route:GET /v1/orders/<order_id>",
            "shop.server.handlers:_get_order",
            "shop/protos/orders.proto:28",
        ),
        // Endpoint lists: through the helper that receives `endpoint.path` and
        // `endpoint.since.major` (`f"/api/{version}.0{base_path}"`).
        (
            "route:POST /api/2.0/orders/create",
            "shop.server.handlers:_create_order",
            "shop/protos/orders.proto:32",
        ),
        (
            "route:POST /api/3.0/orders/new",
            "shop.server.handlers:_create_order",
            "shop/protos/orders.proto:32",
        ),
        (
            "route:GET /api/2.0/orders/list",
            "shop.server.handlers:_list_orders",
            "shop/protos/orders.proto:42",
        ),
    ]);
    assert_eq!(routes(&v), want);
    let m = messages(&v);
    assert!(
        m.iter()
            .any(|d| d.starts_with("shop/protos/orders.proto:49 ") && d.contains("no handler")),
        "{m:#?}"
    );
}
