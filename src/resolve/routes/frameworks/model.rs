//! The shape of a view framework's model: plain `const` data, one file per framework. The
//! engine (`mod.rs`) reads only this; nothing in it names a framework.

/// One class-based view framework.
#[derive(Debug)]
pub(crate) struct Framework {
    pub name: &'static str,
    /// Root packages its dotted names start with (`flask_appbuilder`): a base class, a
    /// decorator or a registration receiver belongs to the framework when it resolves to an
    /// external name under one of them.
    pub packages: &'static [&'static str],
    pub bases: &'static [Base],
    /// Method decorators that declare routes (`@expose(url, methods)`, `@route(rule)`).
    pub decorators: &'static [RouteDecorator],
    /// Calls that make a view live (`appbuilder.add_view(View, ...)`, `View.register(app)`).
    pub registrations: &'static [Registration],
    /// Routes of undecorated methods by their names (flask-classful), if the framework has
    /// such conventions.
    pub conventions: Option<&'static Conventions>,
    /// Class attributes naming the only methods to route, and methods not to route
    /// (`include_route_methods`, `exclude_route_methods`).
    pub include_attr: Option<&'static str>,
    pub exclude_attr: Option<&'static str>,
}

/// A framework base class: how a subclass's URL base is derived and the endpoints the base
/// itself contributes (they live outside the repository).
#[derive(Debug)]
pub(crate) struct Base {
    /// Class names under the framework's packages (`ModelRestApi`), any module.
    pub classes: &'static [&'static str],
    /// The URL base: the first source that yields a value.
    pub url: &'static [Source],
    /// Variables the `Template` sources refer to (`{version}`), each its first source that
    /// yields.
    pub vars: &'static [(&'static str, &'static [Source])],
    pub endpoints: &'static [Endpoint],
}

/// Where a piece of URL comes from.
#[derive(Debug)]
pub(crate) enum Source {
    /// A string class attribute (`route_base = "/x"`), looked up through the repository class
    /// and its repository bases.
    Attr(&'static str),
    /// A keyword argument of the registration call (`register(app, route_base="/x")`).
    RegistrationKeyword(&'static str),
    /// A string argument of the view's constructor, when the registered view is an instance
    /// (`ModelView(User, db.session, endpoint="users")`).
    ConstructorArg {
        keyword: &'static str,
        position: Option<usize>,
    },
    /// A name argument of the view's constructor, its last segment lowercased (the model
    /// class of a CRUD view: `ModelView(User, ...)` → `user`).
    ConstructorName {
        keyword: &'static str,
        position: Option<usize>,
    },
    /// A keyword argument of the constructor of the registration's receiver
    /// (`Admin(app, url="/manage")`), else `default`.
    ReceiverKeyword {
        keyword: &'static str,
        default: &'static str,
    },
    /// The class name, `strip` removed from its end, lowercased (`dashed`: `UserProfile` →
    /// `user-profile`).
    ClassName {
        strip: &'static str,
        dashed: bool,
    },
    /// A `{var}` template over `Base::vars`.
    Template(&'static str),
    /// A value from `sources` that is absolute when it starts with `/`, else joined under the
    /// variable `parent` (Flask-Admin's view URLs under the admin's).
    Under {
        parent: &'static str,
        sources: &'static [Source],
    },
    Literal(&'static str),
}

/// An endpoint a base class contributes: the Python method serving it and its (rule, HTTP
/// methods) pairs, relative to the class's URL base.
#[derive(Debug)]
pub(crate) struct Endpoint {
    pub method: &'static str,
    pub rules: &'static [(&'static str, &'static [&'static str])],
}

/// A method decorator declaring a route: its rule and methods arguments.
#[derive(Debug)]
pub(crate) struct RouteDecorator {
    /// The decorator's name (last segment: `expose`, `route`).
    pub name: &'static str,
    pub rule: (Option<usize>, &'static str),
    pub default_rule: &'static str,
    pub methods: (Option<usize>, &'static str),
    pub default_methods: &'static [&'static str],
}

/// A call that registers a view.
#[derive(Debug)]
pub(crate) struct Registration {
    /// The called method's name (last segment).
    pub method: &'static str,
    pub view: ViewArg,
    /// The Flask router (app or blueprint) the routes hang under, whose prefixes apply;
    /// `None`: the application itself.
    pub router: Option<(Option<usize>, &'static str)>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum ViewArg {
    /// The view is an argument (a class or an instance); `all`: every positional argument
    /// is one (`add_views(a, b)`).
    Arg {
        position: usize,
        keyword: &'static str,
        all: bool,
    },
    /// The view is the receiver (`QuotesView.register(app)`).
    Receiver,
    /// The view is a class attribute of a subclass of one of `owners` (framework classes):
    /// Flask-AppBuilder's security manager registers `authdbview = MyAuthDBView`. `method`
    /// of the registration is unused.
    ClassAttribute {
        owners: &'static [&'static str],
        attrs: &'static [&'static str],
    },
}

/// flask-classful's routing of undecorated public methods.
#[derive(Debug)]
pub(crate) struct Conventions {
    /// Method names with fixed HTTP methods, routed at the class base (plus their arguments).
    pub special: &'static [(&'static str, &'static [&'static str])],
    /// Other public methods: routed at `/<name>/` with these methods.
    pub others: &'static [&'static str],
    /// Names starting so are not routed.
    pub skipped_prefixes: &'static [&'static str],
    /// Arguments of a method (other than `self`) become `<arg>` segments, typed by these
    /// annotations (`int` → `<int:arg>`).
    pub converters: &'static [(&'static str, &'static str)],
    /// Rules of undecorated methods end with `/`.
    pub trailing_slash: bool,
}
