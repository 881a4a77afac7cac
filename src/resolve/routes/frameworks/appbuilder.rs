//! Flask-AppBuilder (checked against FAB 5.3.0's source): views and APIs are classes whose
//! `@expose(url, methods)` methods become rules of a blueprint at the class's `route_base`;
//! `appbuilder.add_view(View, "Menu name", ...)`, `add_view_no_menu(View)` and
//! `add_api(Api)` register them on the application.
//!
//! URL bases (`BaseView.create_blueprint`, `BaseApi.create_blueprint`): `route_base`, else
//! `/<class name lowercased>` for views and `/api/<version>/<resource_name>` for APIs
//! (`version = "v1"`, `resource_name` = class name lowercased). Endpoints of the CRUD bases
//! are their `@expose`d methods in `flask_appbuilder/views.py`, `api/__init__.py` and
//! `charts/views.py`, flattened through FAB's own inheritance.

use super::model::*;

const VIEW_URL: &[Source] = &[Source::Attr("route_base"), Source::Template("/{class}")];
const VIEW_VARS: &[(&str, &[Source])] = &[(
    "class",
    &[Source::ClassName {
        strip: "",
        dashed: false,
    }],
)];
const API_URL: &[Source] = &[
    Source::Attr("route_base"),
    Source::Template("/api/{version}/{resource_name}"),
];
const API_VARS: &[(&str, &[Source])] = &[
    ("version", &[Source::Attr("version"), Source::Literal("v1")]),
    (
        "resource_name",
        &[
            Source::Attr("resource_name"),
            Source::ClassName {
                strip: "",
                dashed: false,
            },
        ],
    ),
];

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const GET_POST: &[&str] = &["GET", "POST"];

const MODEL_VIEW: &[Endpoint] = &[
    Endpoint {
        method: "list",
        rules: &[("/list/", GET)],
    },
    Endpoint {
        method: "show",
        rules: &[("/show/<pk>", GET)],
    },
    Endpoint {
        method: "add",
        rules: &[("/add", GET_POST)],
    },
    Endpoint {
        method: "edit",
        rules: &[("/edit/<pk>", GET_POST)],
    },
    Endpoint {
        method: "delete",
        rules: &[("/delete/<pk>", GET_POST)],
    },
    Endpoint {
        method: "download",
        rules: &[("/download/<string:filename>", GET)],
    },
    Endpoint {
        method: "action",
        rules: &[("/action/<string:name>/<pk>", GET_POST)],
    },
    Endpoint {
        method: "action_post",
        rules: &[("/action_post", POST)],
    },
];

/// `UserModelView`: the CRUD endpoints and `userinfo`.
const USER_VIEW: &[Endpoint] = &[
    Endpoint {
        method: "list",
        rules: &[("/list/", GET)],
    },
    Endpoint {
        method: "show",
        rules: &[("/show/<pk>", GET)],
    },
    Endpoint {
        method: "add",
        rules: &[("/add", GET_POST)],
    },
    Endpoint {
        method: "edit",
        rules: &[("/edit/<pk>", GET_POST)],
    },
    Endpoint {
        method: "delete",
        rules: &[("/delete/<pk>", GET_POST)],
    },
    Endpoint {
        method: "download",
        rules: &[("/download/<string:filename>", GET)],
    },
    Endpoint {
        method: "action",
        rules: &[("/action/<string:name>/<pk>", GET_POST)],
    },
    Endpoint {
        method: "action_post",
        rules: &[("/action_post", POST)],
    },
    Endpoint {
        method: "userinfo",
        rules: &[("/userinfo/", GET)],
    },
];

const FORM: &[Endpoint] = &[
    Endpoint {
        method: "this_form_get",
        rules: &[("/form", GET)],
    },
    Endpoint {
        method: "this_form_post",
        rules: &[("/form", POST)],
    },
];

const REGISTER_USER: &[Endpoint] = &[
    Endpoint {
        method: "this_form_get",
        rules: &[("/form", GET)],
    },
    Endpoint {
        method: "this_form_post",
        rules: &[("/form", POST)],
    },
    Endpoint {
        method: "activation",
        rules: &[("/activation/<string:activation_hash>", GET)],
    },
];

const LOGOUT: Endpoint = Endpoint {
    method: "logout",
    rules: &[("/logout/", GET)],
};

/// A view whose `route_base` FAB's own class sets (`"/users"`, `""`).
const fn fixed(
    classes: &'static [&'static str],
    url: &'static [Source],
    endpoints: &'static [Endpoint],
) -> Base {
    Base {
        classes,
        url,
        vars: VIEW_VARS,
        endpoints,
    }
}

const CHART: &[Endpoint] = &[Endpoint {
    method: "chart",
    rules: &[("/chart/<group_by>", GET), ("/chart/", GET)],
}];

pub(crate) const FRAMEWORK: Framework = Framework {
    name: "Flask-AppBuilder",
    packages: &["flask_appbuilder"],
    bases: &[
        Base {
            classes: &["BaseView", "BaseFormView", "BaseCRUDView", "BaseChartView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[],
        },
        Base {
            classes: &["IndexView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[Endpoint {
                method: "index",
                rules: &[("/", GET)],
            }],
        },
        Base {
            classes: &["SimpleFormView", "PublicFormView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[
                Endpoint {
                    method: "this_form_get",
                    rules: &[("/form", GET)],
                },
                Endpoint {
                    method: "this_form_post",
                    rules: &[("/form", POST)],
                },
            ],
        },
        Base {
            classes: &["ModelView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: MODEL_VIEW,
        },
        Base {
            classes: &["MasterDetailView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[Endpoint {
                method: "list",
                rules: &[("/list/", GET), ("/list/<pk>", GET)],
            }],
        },
        Base {
            classes: &["MultipleView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[Endpoint {
                method: "list",
                rules: &[("/list/", GET)],
            }],
        },
        Base {
            classes: &["CompactCRUDMixin"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[
                Endpoint {
                    method: "list",
                    rules: &[("/list/", GET_POST)],
                },
                Endpoint {
                    method: "add",
                    rules: &[("/add/", GET_POST)],
                },
                Endpoint {
                    method: "edit",
                    rules: &[("/edit/<pk>", GET_POST)],
                },
                Endpoint {
                    method: "delete",
                    rules: &[("/delete/<pk>", GET_POST)],
                },
            ],
        },
        Base {
            classes: &[
                "GroupByChartView",
                "DirectByChartView",
                "ChartView",
                "DirectChartView",
            ],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: CHART,
        },
        Base {
            classes: &["TimeChartView"],
            url: VIEW_URL,
            vars: VIEW_VARS,
            endpoints: &[Endpoint {
                method: "chart",
                rules: &[("/chart/<group_by>/<period>", GET), ("/chart/", GET)],
            }],
        },
        // Security views (`flask_appbuilder/security/views.py`, `registerviews.py`), which
        // the security manager registers from its class attributes.
        fixed(
            &["AuthView", "AuthDBView", "AuthLDAPView"],
            &[Source::Attr("route_base"), Source::Literal("")],
            &[
                Endpoint {
                    method: "login",
                    rules: &[("/login/", GET_POST)],
                },
                LOGOUT,
            ],
        ),
        fixed(
            &["AuthRemoteUserView"],
            &[Source::Attr("route_base"), Source::Literal("")],
            &[
                Endpoint {
                    method: "login",
                    rules: &[("/login/", GET)],
                },
                LOGOUT,
            ],
        ),
        fixed(
            &["AuthOAuthView"],
            &[Source::Attr("route_base"), Source::Literal("")],
            &[
                Endpoint {
                    method: "login",
                    rules: &[("/login/", GET), ("/login/<provider>", GET)],
                },
                LOGOUT,
                Endpoint {
                    method: "oauth_authorized",
                    rules: &[("/oauth-authorized/<provider>", GET)],
                },
            ],
        ),
        fixed(
            &["AuthSAMLView"],
            &[Source::Attr("route_base"), Source::Literal("")],
            &[
                Endpoint {
                    method: "login",
                    rules: &[("/login/", GET), ("/login/<idp>", GET)],
                },
                LOGOUT,
                Endpoint {
                    method: "acs",
                    rules: &[("/saml/acs/", POST)],
                },
                Endpoint {
                    method: "slo",
                    rules: &[("/saml/slo/", GET_POST)],
                },
                Endpoint {
                    method: "metadata",
                    rules: &[("/saml/metadata/", GET), ("/saml/metadata/<idp>", GET)],
                },
            ],
        ),
        fixed(
            &[
                "UserModelView",
                "UserDBModelView",
                "UserLDAPModelView",
                "UserOAuthModelView",
                "UserRemoteUserModelView",
                "UserSAMLModelView",
            ],
            &[Source::Attr("route_base"), Source::Literal("/users")],
            USER_VIEW,
        ),
        fixed(
            &["RoleModelView"],
            &[Source::Attr("route_base"), Source::Literal("/roles")],
            MODEL_VIEW,
        ),
        fixed(
            &["UserGroupModelView"],
            &[Source::Attr("route_base"), Source::Literal("/groups")],
            MODEL_VIEW,
        ),
        fixed(
            &["RegisterUserDBView", "RegisterUserOAuthView"],
            &[Source::Attr("route_base"), Source::Literal("/register")],
            REGISTER_USER,
        ),
        fixed(
            &["ResetMyPasswordView"],
            &[
                Source::Attr("route_base"),
                Source::Literal("/resetmypassword"),
            ],
            FORM,
        ),
        fixed(
            &["ResetPasswordView"],
            &[
                Source::Attr("route_base"),
                Source::Literal("/resetpassword"),
            ],
            FORM,
        ),
        fixed(&["UserInfoEditView"], VIEW_URL, FORM),
        Base {
            classes: &["BaseApi"],
            url: API_URL,
            vars: API_VARS,
            endpoints: &[],
        },
        Base {
            classes: &["ModelRestApi"],
            url: API_URL,
            vars: API_VARS,
            endpoints: &[
                Endpoint {
                    method: "info",
                    rules: &[("/_info", GET)],
                },
                Endpoint {
                    method: "get",
                    rules: &[("/<int:pk>", GET)],
                },
                Endpoint {
                    method: "get_list",
                    rules: &[("/", GET)],
                },
                Endpoint {
                    method: "post",
                    rules: &[("/", POST)],
                },
                Endpoint {
                    method: "put",
                    rules: &[("/<pk>", &["PUT"])],
                },
                Endpoint {
                    method: "delete",
                    rules: &[("/<pk>", &["DELETE"])],
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
                keyword: "baseview",
                all: false,
            },
            router: None,
        },
        Registration {
            method: "add_view_no_menu",
            view: ViewArg::Arg {
                position: 0,
                keyword: "baseview",
                all: false,
            },
            router: None,
        },
        Registration {
            method: "add_api",
            view: ViewArg::Arg {
                position: 0,
                keyword: "baseview",
                all: false,
            },
            router: None,
        },
        Registration {
            method: "",
            view: ViewArg::ClassAttribute {
                owners: &["SecurityManager", "BaseSecurityManager"],
                attrs: &[
                    "authdbview",
                    "authldapview",
                    "authoauthview",
                    "authremoteuserview",
                    "authsamlview",
                    "userdbmodelview",
                    "userldapmodelview",
                    "useroauthmodelview",
                    "userremoteusermodelview",
                    "usersamlmodelview",
                    "registeruserdbview",
                    "registeruseroauthview",
                    "resetmypasswordview",
                    "resetpasswordview",
                    "userinfoeditview",
                    "rolemodelview",
                    "groupmodelview",
                ],
            },
            router: None,
        },
    ],
    conventions: None,
    include_attr: Some("include_route_methods"),
    exclude_attr: Some("exclude_route_methods"),
};
