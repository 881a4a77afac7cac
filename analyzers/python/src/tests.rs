//! Front-end tests: small sources in, facts out.

use seam_facts::python::{AssignKind, DefKind, Expr, Name, PyFile, SqlOrigin, ThinVec};

use crate::PythonParser;

fn facts(src: &str) -> PyFile {
    PythonParser::new().analyze(src, "shop/views/auth.py")
}

#[test]
fn defs_have_qualnames_kinds_and_lines() {
    let f = facts(
        "class A(db.Model, Mixin):\n    def m(self):\n        def inner():\n            pass\n\n@bp.route('/x')\ndef top():\n    pass\n",
    );
    let got: Vec<(&str, DefKind, u32)> = f
        .defs
        .iter()
        .map(|d| (d.qualname.as_str(), d.kind, d.line))
        .collect();
    assert_eq!(
        got,
        vec![
            ("A", DefKind::Class, 1),
            ("A.m", DefKind::Method, 2),
            ("A.m.inner", DefKind::Function, 3),
            ("top", DefKind::Function, 6)
        ]
    );
    assert_eq!(f.module, "shop.views.auth");
    assert_eq!(
        *f.defs[0].bases,
        [Expr::Name("db.Model".into()), Expr::Name("Mixin".into())]
    );
    match &f.defs[3].decorators[0] {
        Expr::Call { callee, args } => {
            assert_eq!(callee, "bp.route");
            assert_eq!(args[0].value, Expr::Str("/x".into()));
        }
        other => panic!("decorator summarised as {other:?}"),
    }
}

#[test]
fn imports_absolute_relative_aliased_and_local() {
    let f = facts(
        "import os.path as p\nfrom ..models import User, Order as O\nfrom . import services\ndef f():\n    from shop.billing import charge\n",
    );
    type Row = (Name, u32, Option<Name>, Option<Name>, Name);
    let got: Vec<Row> = f
        .imports
        .iter()
        .map(|i| (i.module, i.level, i.name, i.alias, i.scope.as_str().into()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("os.path".into(), 0, None, Some("p".into()), "".into()),
            ("models".into(), 2, Some("User".into()), None, "".into()),
            (
                "models".into(),
                2,
                Some("Order".into()),
                Some("O".into()),
                "".into()
            ),
            ("".into(), 1, Some("services".into()), None, "".into()),
            (
                "shop.billing".into(),
                0,
                Some("charge".into()),
                None,
                "f".into()
            ),
        ]
    );
}

#[test]
fn calls_keep_dotted_chains_and_receivers() {
    let f = facts(
        "def v(uid):\n    u = User.query.filter_by(id=uid).first()\n    for x in items:\n        billing.charge(x)\n",
    );
    let callees: Vec<&str> = f.calls.iter().map(|c| c.callee.as_str()).collect();
    assert_eq!(
        callees,
        vec![
            "User.query.filter_by",
            "User.query.filter_by().first",
            "billing.charge"
        ]
    );
    assert_eq!(f.calls[1].receiver, Some(0));
    assert_eq!(f.calls[0].args[0].keyword.as_deref(), Some("id"));
    assert!(!f.calls[0].in_loop);
    assert!(f.calls[2].in_loop);
    assert!(f.calls.iter().all(|c| c.scope == "v"));
    let u = f.assigns.iter().find(|a| *a.targets == ["u"]).unwrap();
    assert!(
        matches!(&u.value, Expr::Call { callee, .. } if callee == "User.query.filter_by().first")
    );
    let x = f.assigns.iter().find(|a| *a.targets == ["x"]).unwrap();
    assert_eq!(x.kind, AssignKind::ForTarget);
}

#[test]
fn sql_strings_literals_templates_constants_and_references() {
    let src = r#"
REPORT_SQL = """
SELECT a.id FROM accounts a
"""
Q = text("SELECT 1 FROM t")
def f(cur, uid, table):
    cur.execute("UPDATE tasks SET status = %s WHERE id = %s" % (1, 2))
    db.session.execute(text(f"SELECT * FROM {table} WHERE id = :id"))
    conn.execute(REPORT_SQL)
    cur.execute("ls -la")
"#;
    let f = facts(src);
    let got: Vec<(&str, u32, &SqlOrigin, bool)> = f
        .sql
        .iter()
        .map(|s| (s.scope.as_str(), s.line, &s.origin, s.templated))
        .collect();
    assert_eq!(
        got,
        vec![
            ("", 2, &SqlOrigin::Constant("REPORT_SQL".into()), false),
            ("", 5, &SqlOrigin::Constant("Q".into()), false),
            ("f", 7, &SqlOrigin::Argument("cur.execute".into()), true),
            ("f", 8, &SqlOrigin::Argument("text".into()), true),
            ("f", 9, &SqlOrigin::Reference("REPORT_SQL".into()), false),
        ]
    );
    assert_eq!(f.sql[0].text, "\nSELECT a.id FROM accounts a\n");
    assert_eq!(f.sql[3].text, "SELECT * FROM __seam_hole__ WHERE id = :id");
}

#[test]
fn pep701_fstrings_and_match_parse_cleanly() {
    let f = facts(
        "x = f\"{d[\"k\"]} {f'{1}'}\"\nmatch x:\n    case {\"a\": 1}:\n        pass\ntype Point = tuple[float, float]\ndef g[T](a: T) -> T:\n    return a\n",
    );
    assert!(f.diagnostics.is_empty(), "{:?}", f.diagnostics);
}

#[test]
fn syntax_errors_are_diagnostics_and_the_rest_is_kept() {
    let f = facts("def ok():\n    pass\n\nprint \"hello\"\n\ndef later():\n    billing.charge()\n");
    assert!(!f.diagnostics.is_empty());
    assert!(
        f.diagnostics[0].message.contains("Python 2"),
        "{:?}",
        f.diagnostics
    );
    assert!(f.defs.iter().any(|d| d.qualname == "later"));
}

#[test]
fn deep_nesting_does_not_overflow() {
    let depth = 100_000;
    let src = format!(
        "x = {}1{}\ny = {}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        vec!["1"; 200_000].join("+")
    );
    let f = facts(&src);
    assert!(f.assigns.len() >= 2);
}

#[test]
fn params_and_annotations() {
    let f = facts(
        "def f(self, user: User, *args, o: Optional[Order] = None, t: \"Token | None\" = None, n: \"None | Note\" = None, **kw):\n    pass\nclass M(Base):\n    posts: Mapped[list[\"Post\"]] = relationship(back_populates='user')\n",
    );
    let p: Vec<(&str, Option<&str>, u8)> = f.defs[0]
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.annotation.as_deref(), p.star))
        .collect();
    assert_eq!(
        p,
        vec![
            ("self", None, 0),
            ("user", Some("User"), 0),
            ("args", None, 1),
            ("o", Some("Order"), 0),
            ("t", Some("Token"), 0),
            ("n", Some("Note"), 0),
            ("kw", None, 2)
        ]
    );
    let posts = f.assigns.iter().find(|a| *a.targets == ["posts"]).unwrap();
    assert_eq!(posts.annotation.as_deref(), Some("Post"));
    assert_eq!(posts.scope, "M");
}

#[test]
fn a_comprehensions_first_iterable_runs_once() {
    let f = facts(
        "def f(conn, ids):\n    rows = [dict(r) for r in conn.execute(SQL)]\n    \
         return [load(i) for i in ids]\n",
    );
    let by_name = |n: &str| f.calls.iter().find(|c| c.callee == n).unwrap();
    assert!(!by_name("conn.execute").in_loop, "evaluated once");
    assert!(by_name("dict").in_loop);
    assert!(by_name("load").in_loop);
}

#[test]
fn implicitly_concatenated_paths_join_like_python() {
    let f = facts(
        "@bp.route(\n    '/playlists/<id>/'\n    'attachments/<a>'\n)\ndef view():\n    pass\n",
    );
    match &f.defs[0].decorators[0] {
        Expr::Call { args, .. } => {
            assert_eq!(
                args[0].value,
                Expr::Str("/playlists/<id>/attachments/<a>".into())
            );
        }
        other => panic!("decorator summarised as {other:?}"),
    }
}

#[test]
fn dict_displays_keep_their_pairs_and_percent_templates_keep_their_name() {
    let f = facts(
        "class A:\n    __table_args__ = (X(), {\"schema\": \"crm\", 1: 2})\n    __tablename__ = \"%s_label\" % cls.__tablename__\n    other = \"%s-%s\" % (a, b)\n",
    );
    let value = |target: &str| {
        f.assigns
            .iter()
            .find(|a| *a.targets == [target])
            .map(|a| a.value.clone())
            .unwrap()
    };
    match value("__table_args__") {
        Expr::List(items) => {
            assert!(matches!(&items[1], Expr::Dict(pairs) if pairs.len() == 2));
            assert_eq!(
                items[1].str_items(),
                Some(vec![("schema", &Expr::Str("crm".into()))]),
                "string keys, as `dict(schema=...)` would give them"
            );
        }
        other => panic!("tuple summarised as {other:?}"),
    }
    assert_eq!(
        value("__tablename__"),
        Expr::Str("{cls.__tablename__}_label".into())
    );
    assert_eq!(value("other"), Expr::Str("%s-%s".into()));
}

#[test]
fn additions_and_format_templates_keep_their_parts() {
    let f = facts(
        "A = PREFIX + '/x' + name\nB = '/{}/<id>'.format(kind)\nC = 'a %s' % x\nD = 1 + (2 + 3)\n",
    );
    let value = |name: &str| {
        f.assigns
            .iter()
            .find(|a| *a.targets == [name])
            .map(|a| a.value.clone())
            .unwrap_or_else(|| panic!("no assignment to {name}"))
    };
    assert_eq!(
        value("A"),
        Expr::Concat(ThinVec::from([
            Expr::Name("PREFIX".into()),
            Expr::Str("/x".into()),
            Expr::Name("name".into()),
        ]))
    );
    match value("B") {
        Expr::Format { template, args } => {
            assert_eq!(template, "/{}/<id>");
            assert_eq!(args[0].value, Expr::Name("kind".into()));
        }
        other => panic!("format summarised as {other:?}"),
    }
    // One `%s` filled by a plain name keeps the name, as an f-string hole does.
    assert_eq!(value("C"), Expr::Str("a {x}".into()));
    // Only the left-nested chain is flattened; a parenthesised right operand stays whole.
    assert_eq!(
        value("D"),
        Expr::Concat(ThinVec::from([
            Expr::Const("1".into()),
            Expr::Concat(ThinVec::from([
                Expr::Const("2".into()),
                Expr::Const("3".into())
            ])),
        ]))
    );
}

#[test]
fn long_additions_do_not_recurse_per_operand() {
    // 5,000 operands: the chain is walked iteratively and capped, never overflowing the stack.
    let src = format!("X = {}\n", vec!["'a'"; 5000].join(" + "));
    let f = facts(&src);
    match &f.assigns[0].value {
        Expr::Concat(parts) => assert!(!parts.is_empty() && parts.len() <= 257),
        Expr::Other => {}
        other => panic!("long addition summarised as {other:?}"),
    }
}

#[test]
fn returns_are_recorded_per_def() {
    let f = facts(
        "def prefix(route):\n    if p := os.environ.get('P'):\n        return p.rstrip('/') + route\n    return route\n\nclass C:\n    def m(self):\n        def inner():\n            return ['/a', '/b']\n        return\n",
    );
    let got: Vec<(&str, u32, &Expr)> = f
        .returns
        .iter()
        .map(|r| (r.scope.as_str(), r.line, &r.value))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "prefix",
                3,
                &Expr::Concat(ThinVec::from([
                    Expr::Call {
                        callee: "p.rstrip".into(),
                        args: ThinVec::from([seam_facts::python::Arg {
                            keyword: None,
                            value: Expr::Str("/".into())
                        }])
                    },
                    Expr::Name("route".into())
                ]))
            ),
            ("prefix", 4, &Expr::Name("route".into())),
            (
                "C.m.inner",
                9,
                &Expr::List(ThinVec::from([
                    Expr::Str("/a".into()),
                    Expr::Str("/b".into())
                ]))
            ),
            ("C.m", 10, &Expr::Const("None".into())),
        ]
    );
}

#[test]
fn docstring_fields_type_unannotated_parameters_and_the_return() {
    let f = facts(
        "def f(a, b: int, c):\n    \"\"\"Do.\n\n    :type a: models.Token\n    :type c: list of Row\n    :type b: str\n    :rtype: User object\n    \"\"\"\n    return a\ndef g() -> Optional[User]:\n    pass\ndef h():\n    \"\"\":rtype: dict\"\"\"\n",
    );
    let f0 = &f.defs[0];
    let types: Vec<Option<&str>> = f0.params.iter().map(|p| p.annotation.as_deref()).collect();
    assert_eq!(types, vec![Some("models.Token"), Some("int"), Some("Row")]);
    assert_eq!(f0.returns.as_deref(), Some("User"));
    assert_eq!(f.defs[1].returns.as_deref(), Some("User"));
    assert_eq!(f.defs[2].returns, None);
}

#[test]
fn a_value_put_into_a_container_is_a_store_of_the_container() {
    let f = facts(
        "def get():\n    store['config'] = Config()\n    self.cache[k] = 1\n    f()[k] = 2\n    return store['config']\n",
    );
    let stores: Vec<(&str, &[Name], u32)> = f
        .assigns
        .iter()
        .filter(|a| a.kind == AssignKind::Store)
        .map(|a| (a.scope.as_str(), &*a.targets, a.line))
        .collect();
    assert_eq!(
        stores,
        vec![
            ("get", &[Name::from("store[]")][..], 2),
            ("get", &[Name::from("self.cache[]")][..], 3),
        ]
    );
    assert!(matches!(&f.assigns[0].value, Expr::Call { callee, .. } if callee == "Config"));
}

#[test]
fn alternatives_comprehension_targets_and_dotted_attribute_reads() {
    let src = "def f(user=None, rows=()):\n    user = user or g.user or fallback()\n    mode = a if cond else b\n    guard = user and user.name\n    names = [r.owner for r in rows if r]\n    return current_user.is_admin, g.user.email, make().x\n";
    let f = facts(src);
    let value = |name: &str| {
        &f.assigns
            .iter()
            .find(|a| *a.targets == [name])
            .unwrap()
            .value
    };
    assert_eq!(
        value("user"),
        &Expr::Either(ThinVec::from([
            Expr::Name("user".into()),
            Expr::Name("g.user".into()),
            Expr::Call {
                callee: "fallback".into(),
                args: ThinVec::new()
            },
        ]))
    );
    assert_eq!(
        value("mode"),
        &Expr::Either(ThinVec::from([
            Expr::Name("a".into()),
            Expr::Name("b".into())
        ]))
    );
    // `and` is a guard, not a choice of values.
    assert_eq!(value("guard"), &Expr::Other);
    // The comprehension's target takes the iterable's elements, as a `for` statement's does.
    let r = f.assigns.iter().find(|a| *a.targets == ["r"]).unwrap();
    assert_eq!(r.kind, AssignKind::ForTarget);
    assert_eq!(r.value, Expr::Name("rows".into()));
    let reads: Vec<(&str, &str)> = f
        .attrs
        .iter()
        .map(|a| (a.base.as_str(), a.attr.as_str()))
        .collect();
    for want in [
        ("r", "owner"),
        ("current_user", "is_admin"),
        ("g.user", "email"),
    ] {
        assert!(reads.contains(&want), "{want:?} not in {reads:?}");
    }
    // A bare global's attribute and a call's result's are not recorded.
    assert!(!reads.contains(&("g", "user")));
    assert!(!reads.iter().any(|(b, _)| b.contains('(')));
}

#[test]
fn augmented_assignments_of_attributes_are_recorded_and_bind_nothing() {
    let f =
        facts("def f(user, n):\n    user.post_count += 1\n    n += 1\n    user.items[0] += 2\n");
    let aug: Vec<&str> = f
        .assigns
        .iter()
        .filter(|a| a.kind == AssignKind::Augmented)
        .flat_map(|a| a.targets.iter().map(Name::as_str))
        .collect();
    assert_eq!(aug, vec!["user.post_count"]);
    assert_eq!(
        f.assigns
            .iter()
            .find(|a| *a.targets == ["user.post_count"])
            .unwrap()
            .value,
        Expr::Const("1".into())
    );
}

#[test]
fn each_cut_data_literal_is_reported_at_its_own_line() {
    let data = format!("[{}]", "1, ".repeat(5000));
    let src = format!("A = {data}\n\n\nB = (\n    {data}\n)\ndef f():\n    return 1\n");
    let file = PythonParser::new().analyze(&src, "m.py");
    let cuts: Vec<u32> = file
        .diagnostics
        .iter()
        .filter(|d| d.message.starts_with("a data literal of 5000 values"))
        .map(|d| d.line)
        .collect();
    // `B = (` holds only the list, so the parenthesis is the outermost data group: line 4.
    assert_eq!(cuts, vec![1, 4]);
    assert!(file.defs.iter().any(|d| d.line == 7));
}
