//! flask-classful (checked against 0.16.0) and its ancestor Flask-Classy: `FlaskView`
//! subclasses registered with `View.register(app_or_blueprint, route_base=...,
//! route_prefix=...)`. `index`/`get`/`post`/`put`/`patch`/`delete` are routed at the class
//! base with their HTTP method, other public methods at `/<name>/` (GET), `@route(rule,
//! methods=...)` replaces the convention; the method's arguments become `<arg>` segments
//! (`id: int` → `<int:id>`), rules without a decorator end with `/`. The base is
//! `route_prefix` + (`route_base`, else the class name without `View`, dashed lowercase).

use super::model::*;

const URL: &[Source] = &[Source::Template("{route_prefix}/{route_base}")];

pub(crate) const FRAMEWORK: Framework = Framework {
    name: "flask-classful",
    packages: &["flask_classful", "flask_classy"],
    bases: &[Base {
        classes: &["FlaskView"],
        url: URL,
        vars: &[
            (
                "route_prefix",
                &[
                    Source::RegistrationKeyword("route_prefix"),
                    Source::Attr("route_prefix"),
                    Source::Literal(""),
                ],
            ),
            (
                "route_base",
                &[
                    Source::RegistrationKeyword("route_base"),
                    Source::Attr("route_base"),
                    Source::ClassName {
                        strip: "View",
                        dashed: true,
                    },
                ],
            ),
        ],
        endpoints: &[],
    }],
    decorators: &[RouteDecorator {
        name: "route",
        rule: (Some(0), "rule"),
        default_rule: "/",
        methods: (None, "methods"),
        default_methods: &["GET"],
    }],
    registrations: &[Registration {
        method: "register",
        view: ViewArg::Receiver,
        router: Some((Some(0), "app")),
    }],
    conventions: Some(&Conventions {
        special: &[
            ("index", &["GET"]),
            ("get", &["GET"]),
            ("post", &["POST"]),
            ("put", &["PUT"]),
            ("patch", &["PATCH"]),
            ("delete", &["DELETE"]),
        ],
        others: &["GET"],
        skipped_prefixes: &["_", "before_", "after_"],
        converters: &[("int", "int"), ("str", "string"), ("float", "float")],
        trailing_slash: true,
    }),
    include_attr: None,
    exclude_attr: Some("excluded_methods"),
};
