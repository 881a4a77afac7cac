//! Flask-Admin (checked against 1.6.1): `admin = Admin(app, url="/admin")`;
//! `admin.add_view(View(...))` / `add_views(...)` register view instances. A view's
//! endpoint is its `endpoint=` argument, else its class name lowercased (for model views:
//! the model class name lowercased); its URL is its `url=` argument (absolute, or relative to
//! the admin's), else `<admin url>/<endpoint>`. `BaseView` methods are routed by
//! `@expose(url="/", methods=("GET",))`; `BaseModelView` contributes the CRUD endpoints of
//! `flask_admin/model/base.py`.

use super::model::*;

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const GET_POST: &[&str] = &["GET", "POST"];

const ADMIN_URL: &[Source] = &[Source::ReceiverKeyword {
    keyword: "url",
    default: "/admin",
}];
const URL: &[Source] = &[
    Source::Under {
        parent: "admin_url",
        sources: &[Source::ConstructorArg {
            keyword: "url",
            position: None,
        }],
    },
    Source::Template("{admin_url}/{endpoint}"),
];

pub(crate) const FRAMEWORK: Framework = Framework {
    name: "Flask-Admin",
    packages: &["flask_admin"],
    bases: &[
        Base {
            classes: &["BaseView"],
            url: URL,
            vars: &[
                ("admin_url", ADMIN_URL),
                (
                    "endpoint",
                    &[
                        Source::ConstructorArg {
                            keyword: "endpoint",
                            position: Some(2),
                        },
                        Source::ClassName {
                            strip: "",
                            dashed: false,
                        },
                    ],
                ),
            ],
            endpoints: &[],
        },
        Base {
            classes: &["ModelView", "BaseModelView"],
            url: URL,
            vars: &[
                ("admin_url", ADMIN_URL),
                (
                    "endpoint",
                    &[
                        Source::ConstructorArg {
                            keyword: "endpoint",
                            position: None,
                        },
                        Source::ConstructorName {
                            keyword: "model",
                            position: Some(0),
                        },
                    ],
                ),
            ],
            endpoints: &[
                Endpoint {
                    method: "index_view",
                    rules: &[("/", GET)],
                },
                Endpoint {
                    method: "create_view",
                    rules: &[("/new/", GET_POST)],
                },
                Endpoint {
                    method: "edit_view",
                    rules: &[("/edit/", GET_POST)],
                },
                Endpoint {
                    method: "details_view",
                    rules: &[("/details/", GET)],
                },
                Endpoint {
                    method: "delete_view",
                    rules: &[("/delete/", POST)],
                },
                Endpoint {
                    method: "action_view",
                    rules: &[("/action/", POST)],
                },
                Endpoint {
                    method: "export",
                    rules: &[("/export/<export_type>/", GET)],
                },
                Endpoint {
                    method: "ajax_lookup",
                    rules: &[("/ajax/lookup/", GET)],
                },
                Endpoint {
                    method: "ajax_update",
                    rules: &[("/ajax/update/", POST)],
                },
            ],
        },
    ],
    decorators: &[RouteDecorator {
        name: "expose",
        rule: (Some(0), "url"),
        default_rule: "/",
        methods: (Some(1), "methods"),
        default_methods: GET,
    }],
    registrations: &[
        Registration {
            method: "add_view",
            view: ViewArg::Arg {
                position: 0,
                keyword: "view",
                all: false,
            },
            router: None,
        },
        Registration {
            method: "add_views",
            view: ViewArg::Arg {
                position: 0,
                keyword: "",
                all: true,
            },
            router: None,
        },
    ],
    conventions: None,
    include_attr: None,
    exclude_attr: None,
};
