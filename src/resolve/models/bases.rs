//! Which classes are mapped: how a class reaches a declarative root. SQLAlchemy is set up in
//! many ways (Flask-SQLAlchemy's `db.Model`, `db` an instance of the project's own subclass of
//! `SQLAlchemy`, `declarative_base()`, `registry().generate_base()`, `DeclarativeBase`
//! subclasses, `@as_declarative()` classes, `@registry.mapped` decorators, a base from a
//! library seam cannot read); each is read here, so the rest of the model code only asks
//! "is this a model, and does Flask-SQLAlchemy name its table".

use seam_facts::python::{DefKind, Expr};

use super::super::dotted::last_segment;
use super::super::index::{Index, parent_scope};
use super::super::names::Value;
use super::class_attr;

/// How many classes up the repository inheritance chain are read (guards cycles).
const MAX_ANCESTORS: usize = 32;

/// What the bases of a class say about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Root {
    /// Flask-SQLAlchemy's `db.Model`: table names are derived from class names.
    Flask,
    /// Any other declarative base: `__tablename__` (or a base's naming rule) is needed.
    Declarative,
}

fn base_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.as_str()),
        Expr::Call { callee, .. } => Some(callee.as_str()),
        _ => None,
    }
}

fn decorated_with(ix: &Index<'_>, u: usize, d: usize, names: &[&str]) -> bool {
    ix.units[u].facts.defs[d].decorators.iter().any(|e| {
        base_name(e).is_some_and(|n| names.contains(&last_segment(n.trim_end_matches("()"))))
    })
}

/// A class that is a declarative base itself, never a table: a direct subclass of
/// `DeclarativeBase`, or a class decorated with `@as_declarative()`.
pub(crate) fn is_declarative_base(ix: &Index<'_>, u: usize, d: usize) -> bool {
    let def = &ix.units[u].facts.defs[d];
    def.bases.iter().filter_map(base_name).any(|n| {
        matches!(
            last_segment(n),
            "DeclarativeBase" | "DeclarativeBaseNoMeta" | "DeclarativeMeta"
        )
    }) || decorated_with(ix, u, d, &["as_declarative", "as_declarative_base"])
}

/// A value used as a base: `db.Model`, a `declarative_base()` / `generate_base()` result, an
/// external `DeclarativeBase`.
fn root_of_value(v: &Value, ix: &Index<'_>) -> Option<Root> {
    let name = match v {
        Value::External(e) => *e,
        Value::Var(u, a) => match &ix.units[*u].facts.assigns[*a].value {
            Expr::Call { callee, .. } => *callee,
            Expr::Name(n) => *n,
            _ => return None,
        },
        Value::Def(u, d) if ix.units[*u].facts.defs[*d].kind == DefKind::Class => {
            return is_declarative_base(ix, *u, *d).then_some(Root::Declarative);
        }
        _ => return None,
    };
    match last_segment(name.trim_end_matches("()")) {
        "Model" => Some(Root::Flask),
        "declarative_base"
        | "DeclarativeBase"
        | "DeclarativeBaseNoMeta"
        | "as_declarative"
        | "generate_base" => Some(Root::Declarative),
        _ => None,
    }
}

/// `db.Model` where `db` is an instance of a repository class deriving `SQLAlchemy`
/// (`class SQLA(SQLAlchemy)`, `db = SQLA()`): the name resolves to nothing the resolver can
/// follow, so the instance's class is checked.
fn model_of_own_sqlalchemy(ix: &Index<'_>, u: usize, scope: &str, name: &str) -> bool {
    let Some(receiver) = name.strip_suffix(".Model") else {
        return false;
    };
    let value = match ix.resolve(u, scope, receiver) {
        Value::Var(vu, va) => ix.var_type(vu, va, 0),
        other => other,
    };
    let Value::Instance(cu, cd) = value else {
        return false;
    };
    ix.all_bases(cu, cd).iter().any(
        |v| matches!(v, Value::External(e) if last_segment(e.trim_end_matches("()")) == "SQLAlchemy"),
    )
}

/// `db = SQLAlchemy(model_class=declarative_base(cls=...))`: `db.Model` is that declarative
/// base, and without Flask-SQLAlchemy's metaclass (`metaclass=DefaultMeta`) it derives no
/// table names.
fn own_model_class(ix: &Index<'_>, u: usize, scope: &str, name: &str) -> Option<Root> {
    let receiver = name.strip_suffix(".Model")?;
    let Value::Var(vu, va) = ix.resolve(u, scope, receiver) else {
        return None;
    };
    let Expr::Call { args, .. } = &ix.units[vu].facts.assigns[va].value else {
        return None;
    };
    let model_class = args
        .iter()
        .find(|a| a.keyword.as_deref() == Some("model_class"))?;
    match &model_class.value {
        Expr::Call { callee, args } if last_segment(callee) == "declarative_base" => {
            let named = args
                .iter()
                .any(|a| a.keyword.as_deref() == Some("metaclass"));
            Some(if named {
                Root::Flask
            } else {
                Root::Declarative
            })
        }
        _ => None,
    }
}

/// The declarative root a class derives, through its repository ancestors, if any.
pub(crate) fn root_of(ix: &Index<'_>, u: usize, d: usize) -> Option<Root> {
    let mut found: Option<Root> = None;
    let mut queue = vec![(u, d)];
    let mut seen: Vec<(usize, usize)> = Vec::new();
    while let Some((cu, cd)) = queue.pop() {
        if seen.contains(&(cu, cd)) || seen.len() > MAX_ANCESTORS {
            continue;
        }
        seen.push((cu, cd));
        let def = &ix.units[cu].facts.defs[cd];
        let scope = parent_scope(&def.qualname);
        // `@registry.mapped` / `@registry.mapped_as_dataclass` map the class they decorate.
        if decorated_with(ix, cu, cd, &["mapped", "mapped_as_dataclass"]) {
            found.get_or_insert(Root::Declarative);
        }
        for name in def.bases.iter().filter_map(base_name) {
            let v = ix.resolve(cu, scope, name);
            let root = own_model_class(ix, cu, scope, name)
                .or_else(|| root_of_value(&v, ix))
                .or_else(|| model_of_own_sqlalchemy(ix, cu, scope, name).then_some(Root::Flask));
            match (root, found) {
                (Some(Root::Flask), _) => found = Some(Root::Flask),
                (Some(r), None) => found = Some(r),
                _ => {}
            }
            if let Value::Def(bu, bd) = v
                && ix.units[bu].facts.defs[bd].kind == DefKind::Class
            {
                queue.push((bu, bd));
            }
        }
    }
    found.or_else(|| looks_mapped(ix, u, d).then_some(Root::Declarative))
}

/// A class that names its table and declares columns is mapped, whatever its base: the base
/// may come from a library seam does not read (`from sqlalchemy_helpers import Base`).
fn looks_mapped(ix: &Index<'_>, u: usize, d: usize) -> bool {
    let named =
        class_attr(ix, u, d, "__tablename__").is_some_and(|a| matches!(a.value, Expr::Str(_)));
    if !named {
        return false;
    }
    super::columns::class_columns(ix, u, d).next().is_some()
}

/// A `@declared_attr def __tablename__(cls)` on the class or an ancestor whose body lowercases
/// the class name (`return cls.__name__.lower()`): the naming rule that base gives its models.
/// Other bodies are not guessed.
pub(crate) fn lowercase_name_rule(ix: &Index<'_>, u: usize, d: usize) -> bool {
    ix.lineage(u, d).into_iter().find_map(|(cu, cd)| {
        let unit = &ix.units[cu];
        let method = format!("{}.__tablename__", unit.facts.defs[cd].qualname);
        ix.def_of_scope(cu, &method).map(|_| {
            unit.facts
                .calls
                .iter()
                .any(|c| c.scope == method && c.callee.ends_with(".__name__.lower"))
        })
    }) == Some(true)
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::analyze;

    fn models_of(files: &[(&str, &str)]) -> Vec<(String, Vec<String>)> {
        analyze(files)
            .tables
            .into_iter()
            .map(|t| (t.name, t.models))
            .collect()
    }

    #[test]
    fn an_own_subclass_of_flask_sqlalchemy_still_gives_db_model() {
        let got = models_of(&[
            ("app/__init__.py", "from .db import db\n"),
            (
                "app/db.py",
                "from flask_sqlalchemy import SQLAlchemy\nclass SQLA(SQLAlchemy):\n    pass\ndb = SQLA()\n",
            ),
            (
                "app/models.py",
                "from app import db\nclass OrderLine(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
            ),
        ]);
        assert_eq!(
            got,
            vec![(
                "order_line".to_owned(),
                vec!["app.models:OrderLine".to_owned()]
            )]
        );
    }

    #[test]
    fn as_declarative_bases_name_tables_by_their_rule() {
        let got = models_of(&[(
            "m.py",
            "from sqlalchemy.orm import as_declarative, declared_attr\nfrom sqlalchemy import Column, Integer\n@as_declarative()\nclass Base:\n    @declared_attr\n    def __tablename__(cls):\n        return cls.__name__.lower()\n    id = Column(Integer, primary_key=True)\nclass SearchIndex(Base):\n    name = Column(Integer)\n",
        )]);
        assert_eq!(
            got,
            vec![("searchindex".to_owned(), vec!["m:SearchIndex".to_owned()])]
        );
    }

    #[test]
    fn a_declarative_model_class_derives_no_names() {
        let got = models_of(&[(
            "m.py",
            "from flask_sqlalchemy import SQLAlchemy\nfrom sqlalchemy.orm import declarative_base\nclass Core:\n    pass\ndb = SQLAlchemy(model_class=declarative_base(cls=Core))\nclass Named(db.Model):\n    __tablename__ = 'named'\n    id = db.Column(db.Integer, primary_key=True)\nclass Unnamed(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
        )]);
        assert_eq!(got, vec![("named".to_owned(), vec!["m:Named".to_owned()])]);
    }

    #[test]
    fn a_library_base_is_read_from_tablename_and_columns() {
        let got = models_of(&[(
            "m.py",
            "from sqlalchemy_helpers import Base\nimport sqlalchemy as sa\nclass Distro(Base):\n    __tablename__ = 'distros'\n    id = sa.Column(sa.Integer, primary_key=True)\nclass Helper(Base):\n    pass\n",
        )]);
        assert_eq!(
            got,
            vec![("distros".to_owned(), vec!["m:Distro".to_owned()])]
        );
    }
}
