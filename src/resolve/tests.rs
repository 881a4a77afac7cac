//! Resolution tests: small multi-file repositories in memory, facts out.

use seam_python::PythonParser;

use crate::analysis::{Analysis, EdgeKind};
use crate::discover::{Language, SourceFile, tags_of};
use crate::load::{Loaded, python_unit};

pub(crate) fn analyze(files: &[(&str, &str)]) -> Analysis {
    let mut parser = PythonParser::new();
    let mut loaded = Loaded::default();
    let mut sorted = files.to_vec();
    sorted.sort();
    for (rel, text) in sorted {
        let file = SourceFile {
            rel: rel.to_owned(),
            path: rel.into(),
            language: Language::Python,
            tags: tags_of(rel),
            size: text.len() as u64,
        };
        let unit = python_unit(&mut parser, file, text, &mut loaded.diagnostics);
        loaded.python.push(unit);
    }
    super::resolve(loaded)
}

fn routes(a: &Analysis) -> Vec<(String, String)> {
    a.routes
        .iter()
        .map(|r| (r.id.clone(), r.handler.clone()))
        .collect()
}

fn has_edge(a: &Analysis, from: &str, to: &str, kind: EdgeKind) -> bool {
    a.edges
        .iter()
        .any(|e| &*e.from == from && &*e.to == to && e.kind == kind)
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn calls_resolve_through_relative_imports_aliases_and_bases() {
    let a = analyze(&[
        ("shop/__init__.py", ""),
        (
            "shop/billing/__init__.py",
            "from .services import charge as bill\n",
        ),
        (
            "shop/billing/services.py",
            "import requests\ndef charge(x):\n    return requests.post('u', json=x)\n",
        ),
        (
            "shop/orders/views.py",
            "from ..billing import bill\nfrom shop.billing import services\nclass Base:\n    def helper(self):\n        pass\nclass V(Base):\n    def __init__(self):\n        super().__init__()\n    def post(self):\n        bill(1)\n        services.charge(2)\n        self.helper()\n        undefined_thing()\n        len([])\ndef make():\n    return V()\n",
        ),
    ]);
    assert!(has_edge(
        &a,
        "shop.orders.views:V.post",
        "shop.billing.services:charge",
        EdgeKind::Calls
    ));
    assert!(has_edge(
        &a,
        "shop.orders.views:V.post",
        "shop.orders.views:Base.helper",
        EdgeKind::Calls
    ));
    assert!(has_edge(
        &a,
        "shop.orders.views:make",
        "shop.orders.views:V.__init__",
        EdgeKind::Calls
    ));
    let charge = a
        .edges
        .iter()
        .find(|e| {
            &*e.from == "shop.orders.views:V.post" && &*e.to == "shop.billing.services:charge"
        })
        .unwrap();
    assert_eq!(charge.count, 2);
    assert_eq!(
        charge.evidence.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![10, 11]
    );
    assert!(
        a.external_calls
            .iter()
            .any(|e| e.from == "shop.billing.services:charge" && e.name == "requests.post")
    );
    assert_eq!(a.summary.unresolved_calls, 1);
    assert_eq!(a.unresolved[0].name, "undefined_thing");
    assert!(has_edge(
        &a,
        "shop.orders.views",
        "shop.billing",
        EdgeKind::Imports
    ));
    assert!(has_edge(
        &a,
        "shop.orders.views",
        "shop.billing.services",
        EdgeKind::Imports
    ));
}

#[test]
fn routes_join_blueprint_prefixes_from_constructor_registration_and_config() {
    let a = analyze(&[
        (
            "app/config.py",
            "class Default:\n    AUTH_PREFIX = '/auth'\n",
        ),
        (
            "app/auth.py",
            "from flask import Blueprint\nbp = Blueprint('auth', __name__)\n@bp.route('/login', methods=['GET', 'POST'])\ndef login():\n    pass\n@bp.post('/logout')\ndef logout():\n    pass\n",
        ),
        (
            "app/shop.py",
            "from flask import Blueprint\nshop = Blueprint('shop', __name__, url_prefix='/shop')\n@shop.get('/')\ndef index():\n    pass\n",
        ),
        (
            "app/__init__.py",
            "from flask import Flask\nfrom .auth import bp\nfrom .shop import shop\ndef create_app():\n    app = Flask(__name__)\n    app.register_blueprint(bp, url_prefix=app.config['AUTH_PREFIX'])\n    app.register_blueprint(shop)\n    @app.route('/health')\n    def health():\n        return 'ok'\n    return app\n",
        ),
    ]);
    assert_eq!(
        routes(&a),
        pairs(&[
            ("route:GET /auth/login", "app.auth:login"),
            ("route:GET /health", "app:create_app.health"),
            ("route:GET /shop/", "app.shop:index"),
            ("route:POST /auth/login", "app.auth:login"),
            ("route:POST /auth/logout", "app.auth:logout"),
        ])
    );
    assert!(has_edge(
        &a,
        "route:GET /auth/login",
        "app.auth:login",
        EdgeKind::Handles
    ));
}

#[test]
fn method_views_wrappers_and_restful_resources() {
    let a = analyze(&[
        (
            "app/helpers.py",
            "def register_view(bp_or_app, routes, view_func, *args, **kwargs):\n    for route in routes:\n        bp_or_app.add_url_rule(route, view_func=view_func, *args, **kwargs)\n",
        ),
        (
            "app/views.py",
            "from flask import Blueprint\nfrom flask.views import MethodView\nfrom flask_restful import Api, Resource\nfrom .helpers import register_view\nclass Base(MethodView):\n    def get(self):\n        pass\nclass Login(Base):\n    def post(self):\n        pass\nclass Items(Resource):\n    def get(self): pass\n    def delete(self): pass\ndef load(app):\n    bp = Blueprint('auth', __name__)\n    register_view(bp, routes=['/login', '/signin'], view_func=Login.as_view('login'))\n    app.register_blueprint(bp, url_prefix='/auth')\n    api = Api(app, prefix='/api')\n    api.add_resource(Items, '/items', '/items/<int:id>')\n",
        ),
    ]);
    assert_eq!(
        routes(&a),
        pairs(&[
            ("route:DELETE /api/items", "app.views:Items.delete"),
            ("route:DELETE /api/items/<int:id>", "app.views:Items.delete"),
            ("route:GET /api/items", "app.views:Items.get"),
            ("route:GET /api/items/<int:id>", "app.views:Items.get"),
            ("route:GET /auth/login", "app.views:Base.get"),
            ("route:GET /auth/signin", "app.views:Base.get"),
            ("route:POST /auth/login", "app.views:Login.post"),
            ("route:POST /auth/signin", "app.views:Login.post"),
        ])
    );
    // The registration is reported where the wrapper is called.
    let login = a
        .routes
        .iter()
        .find(|r| r.id == "route:POST /auth/login")
        .unwrap();
    assert_eq!((login.file.as_str(), login.line), ("app/views.py", 16));
}

#[test]
fn route_tuples_registered_in_a_loop_stay_paired() {
    let a = analyze(&[
        (
            "api/utils.py",
            "def configure(blueprint, route_tuples):\n    for path, resource in route_tuples:\n        view_func = cache.get(resource)\n        view_func = resource.as_view(resource.__name__)\n        blueprint.add_url_rule(path, view_func=view_func)\n",
        ),
        (
            "api/assets.py",
            "from flask import Blueprint\nfrom flask.views import MethodView\nfrom api.utils import configure\nclass A(MethodView):\n    def get(self): pass\nclass B(MethodView):\n    def put(self): pass\nroutes = [\n    ('/a', A),\n    ('/b/<id>', B),\n]\nblueprint = Blueprint('assets', 'assets', url_prefix='/data')\nconfigure(blueprint, routes)\n",
        ),
    ]);
    assert_eq!(
        routes(&a),
        pairs(&[
            ("route:GET /data/a", "api.assets:A.get"),
            ("route:PUT /data/b/<id>", "api.assets:B.put")
        ])
    );
}

#[test]
fn models_tables_foreign_keys_and_orm_accesses() {
    let a = analyze(&[
        (
            "app/ext.py",
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        ),
        (
            "app/models.py",
            "from .ext import db\nclass Stamp:\n    created = db.Column(db.DateTime)\nclass User(db.Model, Stamp):\n    __tablename__ = 'users'\n    id = db.Column(db.Integer, primary_key=True)\n    posts = db.relationship('PostItem', backref='author')\nclass PostItem(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    user_id = db.Column(db.Integer, db.ForeignKey('users.id'), nullable=False)\ntags = db.Table('post_tags', db.Column('post_id', db.Integer, db.ForeignKey('post_item.id')))\n",
        ),
        (
            "app/views.py",
            "from .ext import db\nfrom .models import User, PostItem\ndef show(uid):\n    user = User.query.filter_by(id=uid).first()\n    for p in user.posts:\n        pass\n    return user\ndef create(uid):\n    post = PostItem(user_id=uid)\n    db.session.add(post)\n    db.session.commit()\ndef purge(uid):\n    db.session.query(PostItem).filter(PostItem.user_id == uid).delete()\n",
        ),
    ]);
    let ids: Vec<&str> = a.tables.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["table:post_item", "table:post_tags", "table:users"]
    );
    let users = &a.tables[2];
    assert_eq!(users.models, vec!["app.models:User"]);
    assert_eq!(users.primary_key, vec!["id"]);
    assert!(
        users.columns.iter().any(|c| c.name == "created"),
        "mixin column"
    );
    let post = &a.tables[0];
    assert_eq!(post.foreign_keys[0].references, "table:users");
    assert_eq!(post.foreign_keys[0].columns, vec!["user_id"]);
    assert!(has_edge(
        &a,
        "table:post_item",
        "table:users",
        EdgeKind::References
    ));
    assert!(has_edge(
        &a,
        "table:post_tags",
        "table:post_item",
        EdgeKind::References
    ));
    assert!(has_edge(
        &a,
        "app.models:User",
        "table:users",
        EdgeKind::Maps
    ));
    assert!(has_edge(
        &a,
        "app.views:show",
        "table:users",
        EdgeKind::Reads
    ));
    assert!(
        has_edge(&a, "app.views:show", "table:post_item", EdgeKind::Reads),
        "relationship traversal"
    );
    assert!(has_edge(
        &a,
        "app.views:create",
        "table:post_item",
        EdgeKind::Writes
    ));
    assert!(has_edge(
        &a,
        "app.views:purge",
        "table:post_item",
        EdgeKind::Writes
    ));
    let q = a
        .queries
        .iter()
        .find(|q| q.site == "app.views:show" && q.line == 4)
        .unwrap();
    assert_eq!(q.equality_columns, vec!["users.id"]);
    let purge = a
        .queries
        .iter()
        .find(|q| q.site == "app.views:purge")
        .unwrap();
    assert_eq!(
        (purge.kind.as_str(), purge.equality_columns.clone()),
        ("delete", vec!["post_item.user_id".to_owned()])
    );
}

#[test]
fn celery_tasks_and_enqueues() {
    let a = analyze(&[
        (
            "app/tasks.py",
            "from celery import shared_task\nfrom .worker import celery\n@shared_task\ndef send(x):\n    pass\n@celery.task(bind=True)\ndef report(self):\n    pass\n",
        ),
        (
            "app/worker.py",
            "from celery import Celery\ncelery = Celery('w')\n",
        ),
        (
            "app/views.py",
            "from .tasks import send, report\ndef v():\n    send.delay(1)\n    report.apply_async(countdown=3)\n",
        ),
    ]);
    assert!(has_edge(
        &a,
        "app.views:v",
        "app.tasks:send",
        EdgeKind::Enqueues
    ));
    assert!(has_edge(
        &a,
        "app.views:v",
        "app.tasks:report",
        EdgeKind::Enqueues
    ));
    let tagged: Vec<&str> = a
        .nodes
        .iter()
        .filter(|n| n.tags.iter().any(|t| t == "task"))
        .map(|n| n.id.as_str())
        .collect();
    assert_eq!(tagged, vec!["app.tasks:report", "app.tasks:send"]);
    assert_eq!(a.summary.celery_tasks, 2);
}

#[test]
fn src_layout_imports_resolve_by_suffix() {
    let a = analyze(&[
        ("src/app/__init__.py", ""),
        ("src/app/core.py", "def f():\n    pass\n"),
        (
            "src/app/web.py",
            "from app.core import f\ndef g():\n    f()\n",
        ),
    ]);
    assert!(has_edge(
        &a,
        "src.app.web:g",
        "src.app.core:f",
        EdgeKind::Calls
    ));
}

#[test]
fn wrapper_methods_forward_varargs_through_self() {
    // Redash's shape: an Api subclass whose method forwards `*urls` into `add_resource`.
    let a = analyze(&[(
        "redash/handlers.py",
        "from flask_restful import Api, Resource\nclass ApiExt(Api):\n    def add_org_resource(self, resource, *urls, **kwargs):\n        urls = [org_scoped_rule(url) for url in urls]\n        return self.add_resource(resource, *urls, **kwargs)\napi = ApiExt()\nclass Alert(Resource):\n    def get(self, alert_id): pass\n    def post(self, alert_id): pass\napi.add_org_resource(Alert, '/api/alerts/<alert_id>', '/api/a/<alert_id>', endpoint='alert')\n",
    )]);
    assert_eq!(
        routes(&a),
        pairs(&[
            ("route:GET /api/a/<alert_id>", "redash.handlers:Alert.get"),
            (
                "route:GET /api/alerts/<alert_id>",
                "redash.handlers:Alert.get"
            ),
            ("route:POST /api/a/<alert_id>", "redash.handlers:Alert.post"),
            (
                "route:POST /api/alerts/<alert_id>",
                "redash.handlers:Alert.post"
            ),
        ])
    );
}

#[test]
fn restx_namespaces_and_decorated_resources() {
    let a = analyze(&[(
        "api/users.py",
        "from flask import Flask\nfrom flask_restx import Api, Namespace, Resource\napp = Flask(__name__)\napi = Api(app)\nns = Namespace('users')\n@ns.route('/<int:id>')\nclass User(Resource):\n    def get(self, id): pass\n    def delete(self, id): pass\napi.add_namespace(ns, path='/v1/users')\n",
    )]);
    assert_eq!(
        routes(&a),
        pairs(&[
            ("route:DELETE /v1/users/<int:id>", "api.users:User.delete"),
            ("route:GET /v1/users/<int:id>", "api.users:User.get")
        ])
    );
}

#[test]
fn subclasses_inherit_and_relationships_relate() {
    let a = analyze(&[
        (
            "app/models.py",
            "from app.db import db\n\
             class Stamped:\n    created = db.Column(db.DateTime)\n\
             class User(Stamped, db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    \
             posts = db.relationship('Post', backref='author')\n\
             class Post(Stamped, db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    \
             user_id = db.Column(db.Integer, db.ForeignKey('user.id'))\n",
        ),
        (
            "app/db.py",
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        ),
    ]);
    for model in ["app.models:User", "app.models:Post"] {
        assert!(
            has_edge(&a, model, "app.models:Stamped", EdgeKind::Inherits),
            "{model}"
        );
    }
    // One edge per declaration, from the declaring model (the backref adds no second edge).
    assert!(has_edge(
        &a,
        "app.models:User",
        "app.models:Post",
        EdgeKind::Relates
    ));
    assert!(!has_edge(
        &a,
        "app.models:Post",
        "app.models:User",
        EdgeKind::Relates
    ));
    // External bases (db.Model) are not nodes: no edge.
    assert!(
        !a.edges
            .iter()
            .any(|e| e.kind == EdgeKind::Inherits && e.to.contains("Model"))
    );
}

#[test]
fn adding_an_object_not_built_here_is_an_update_of_its_set_attributes() {
    let a = analyze(&[
        (
            "app/models.py",
            "from app.db import db\nclass Invoice(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n    status = db.Column(db.String)\n",
        ),
        (
            "app/db.py",
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        ),
        (
            "app/services.py",
            "from app.db import db\nfrom app.models import Invoice\n\n\
             def pay(invoice: Invoice):\n    invoice.status = 'paid'\n    db.session.add(invoice)\n\n\
             def open_one():\n    inv = Invoice(status='open')\n    db.session.add(inv)\n",
        ),
    ]);
    let site = |s: &str| a.queries.iter().find(|q| q.site == s).unwrap();
    let pay = site("app.services:pay");
    assert_eq!(pay.kind, "update");
    assert_eq!(pay.assigned_columns, ["invoice.status"]);
    let open = site("app.services:open_one");
    assert_eq!(open.kind, "insert");
    assert_eq!(open.assigned_columns, ["invoice.status"]);
}

/// The node list keeps, per id, what a map would after the same calls: `insert` replaces a
/// node added before, `insert_if_absent` gives way to one; the result is sorted by id.
#[test]
fn node_list_keeps_what_a_map_would() {
    use crate::analysis::{Node, NodeKind};
    let node = |id: &str, line: u32| Node {
        id: id.to_owned(),
        kind: NodeKind::Module,
        file: "x.py".into(),
        line,
        end_line: line,
        tags: std::sync::Arc::from([]),
    };
    let mut nodes = super::NodeList::default();
    nodes.insert_if_absent(node("b", 1));
    nodes.insert(node("a", 2));
    nodes.insert(node("b", 3));
    nodes.insert_if_absent(node("b", 4));
    nodes.insert_if_absent(node("c", 5));
    nodes.insert_if_absent(node("c", 6));
    nodes.insert(node("a", 7));
    let got: Vec<(String, u32)> = nodes
        .finish()
        .into_vec()
        .into_iter()
        .map(|n| (n.id, n.line))
        .collect();
    assert_eq!(
        got,
        [
            ("a".to_owned(), 7),
            ("b".to_owned(), 3),
            ("c".to_owned(), 5)
        ]
    );
}
