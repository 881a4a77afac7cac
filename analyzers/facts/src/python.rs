//! Facts the Python front end extracts from one file: a syntax-level summary, with names kept as
//! written (dotted). Resolution across files (which `User` a call means, which blueprint a prefix
//! belongs to) is the core's job, not the front end's.
//!
//! `scope` fields hold the qualname of the enclosing def (`""` at module level, `Class` in a class
//! body, `Class.method` in a method, `outer.inner` in a nested function).

use serde::{Deserialize, Serialize};

use crate::Diagnostic;

pub use crate::interned::Name;
/// The lists inside a fact: one pointer, the length and capacity in the heap block (an empty
/// list allocates nothing), where a boxed slice took two words in every fact and expression.
pub use thin_vec::{ThinVec, thin_vec};

/// The qualname of the def a fact sits in (see the module's doc). An interned [`Name`] like
/// every fact string, so the facts of one def share one copy of it: a scope is written once
/// per def and read by every call, assignment and attribute read in it (about 20 000 facts per
/// MB of source), and long method qualnames would otherwise be a copy each.
pub type Scope = Name;

/// All facts of one Python file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PyFile {
    /// Dotted module name (see [`crate::ids::module_of_path`]).
    pub module: Name,
    /// A package `__init__`: relative imports resolve from the module itself.
    pub is_package: bool,
    pub lines: u32,
    pub defs: Vec<Def>,
    pub imports: Vec<Import>,
    pub calls: Vec<Call>,
    pub assigns: Vec<Assign>,
    /// `return value` statements of defs, in source order (a bare `return` is `None`): what
    /// a repository function gives back, for rules and registration lists built by a call.
    #[serde(default)]
    pub returns: Vec<Return>,
    /// `name.attr` reads inside defs (for relationship traversal on typed locals), first line per
    /// (scope, base, attr).
    pub attrs: Vec<AttrUse>,
    /// String literals that are SQL: arguments of execute-like calls and module constants.
    pub sql: Vec<SqlString>,
    pub diagnostics: Vec<Diagnostic>,
}

impl PyFile {
    /// The same facts, copied once what built them is freed (the syntax tree, the cache
    /// decoder's buffers): on a large tree the facts are held by the hundred million, all at
    /// once, until resolution ends. The copy's lists are exactly their length (a vector built
    /// by pushes keeps up to its length again), and its blocks fill the holes the freed tree
    /// left, where the originals sat between the tree's blocks and, freed, give whole pages
    /// back: on the 194 MB tree the facts took 106 MiB less than shrinking them in place.
    pub fn compact(&mut self) {
        *self = self.clone();
    }

    /// Frees every fact but the defs' names, kinds and lines: what is read of a file once
    /// resolution is done (its nodes), so that they are built in the room the rest leaves.
    pub fn keep_only_defs(&mut self) {
        let defs = std::mem::take(&mut self.defs)
            .into_iter()
            .map(|d| Def {
                bases: ThinVec::new(),
                decorators: ThinVec::new(),
                params: ThinVec::new(),
                ..d
            })
            .collect();
        *self = PyFile {
            module: self.module,
            is_package: self.is_package,
            lines: self.lines,
            defs,
            ..PyFile::default()
        };
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DefKind {
    Class,
    /// A module-level or nested function.
    Function,
    /// A function defined directly in a class body.
    Method,
}

/// A function parameter; `annotation` is the dotted type as written (`User`, `Optional[User]`
/// is reduced to `User`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: Name,
    /// As annotated, else as a docstring's `:type name: T` says (Sphinx fields, which
    /// editors read the same way).
    pub annotation: Option<Name>,
    /// `*args` (1) or `**kwargs` (2); 0 for an ordinary parameter.
    pub star: u8,
}

/// A class or function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Def {
    pub qualname: Name,
    pub kind: DefKind,
    pub line: u32,
    pub end_line: u32,
    /// Base classes as dotted names (`db.Model`, `MethodView`); calls as `Base()` are kept too.
    pub bases: ThinVec<Expr>,
    /// Decorators, outermost first (`Name("login_required")`, `Call { callee: "bp.route", .. }`).
    pub decorators: ThinVec<Expr>,
    pub params: ThinVec<Param>,
    /// The class a function says it returns: its `-> T` annotation (reduced like a parameter's),
    /// else a docstring's `:rtype: T`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Name>,
}

/// One imported binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Import {
    pub scope: Scope,
    pub line: u32,
    /// Module as written, without leading dots (`shop.models`, `` for `from . import x`).
    pub module: Name,
    /// Leading dots of a relative import (0 = absolute).
    pub level: u32,
    /// `from module import name`: the imported name (`*` for a star import); `None` for
    /// `import module`.
    pub name: Option<Name>,
    /// `as` alias.
    pub alias: Option<Name>,
}

/// An argument of a call: positional (`keyword: None`), keyword, `*x` (`"*"`) or `**x` (`"**"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arg {
    pub keyword: Option<Name>,
    pub value: Expr,
}

/// A small, depth-limited summary of an expression: enough to read route rules, blueprint
/// prefixes, model columns and ORM queries without keeping the syntax tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A string literal; f-string interpolations keep their source text (`{API_VERSION}`).
    Str(Name),
    /// A dotted name (`x`, `db.session`, `self.items`).
    Name(Name),
    /// A call; `callee` is dotted, with `()` marking earlier calls in a chain
    /// (`User.query.filter_by().first`).
    Call { callee: Name, args: ThinVec<Arg> },
    /// A list, tuple or set display.
    List(ThinVec<Expr>),
    /// `value[key]` with a dotted value (`app.config["PREFIX"]`).
    Subscript { value: Name, key: Box<Expr> },
    /// `left == right` with a dotted left side (`User.id == user_id`).
    Eq { left: Name, right: Box<Expr> },
    /// A dict display's `key: value` pairs (`**splat` entries left out): route tables such
    /// as `{CreateRun: _create_run}`.
    Dict(ThinVec<(Expr, Expr)>),
    /// Numbers, booleans, `None`.
    Const(Name),
    /// `a + b + c`: the operands of a chain of additions, left to right (string and list
    /// concatenation: `API_PREFIX + "/users"`, `blueprints + DEFAULT_BLUEPRINTS`).
    Concat(ThinVec<Expr>),
    /// `"...".format(args)`: the template as written and the arguments.
    Format { template: Name, args: ThinVec<Arg> },
    /// `a or b`, `a if cond else b`: the value is one of the alternatives, in source order
    /// (`user = user or g.user` holds a row either way).
    Either(ThinVec<Expr>),
    /// Anything else (lambdas, comprehensions, arithmetic...).
    Other,
}

impl Expr {
    /// The string-keyed items of a mapping written either way: a dict display
    /// `{"schema": "crm"}` or the call `dict(schema="crm")` (other keys are left out).
    pub fn str_items(&self) -> Option<Vec<(&str, &Expr)>> {
        match self {
            Expr::Dict(pairs) => Some(
                pairs
                    .iter()
                    .filter_map(|(k, v)| match k {
                        Expr::Str(k) => Some((k.as_str(), v)),
                        _ => None,
                    })
                    .collect(),
            ),
            Expr::Call { callee, args } if callee == "dict" => Some(
                args.iter()
                    .filter_map(|a| a.keyword.as_deref().map(|k| (k, &a.value)))
                    .filter(|(k, _)| *k != "*" && *k != "**")
                    .collect(),
            ),
            _ => None,
        }
    }
}

/// Marker that replaces an interpolated hole of an f-string or a `%`/`.format` template.
pub const HOLE: &str = "__seam_hole__";

/// One call site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub scope: Scope,
    pub line: u32,
    /// Dotted callee as written, chains marked with `()` (`db.session.query().filter`).
    pub callee: Name,
    /// Index (in [`PyFile::calls`]) of the call this one is made on, for chains:
    /// `a().b()` → the call `a().b` has `receiver` = index of `a`.
    pub receiver: Option<u32>,
    pub args: ThinVec<Arg>,
    /// The call sits inside a `for`/`while` loop or a comprehension of its scope.
    pub in_loop: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignKind {
    /// `x = value`, `x: T = value`, `x: T`.
    Plain,
    /// `for x in value` (the target takes the elements of `value`).
    ForTarget,
    /// `with value as x`.
    WithTarget,
    /// `store[key] = value`: a value put into a container; the one target is the container
    /// with `[]` (`store[]`), the key left out (a memo's `store["config"] = Config()`).
    Store,
    /// `obj.attr += value` (any augmented operator) on an attribute: the attribute changes in
    /// place (an UPDATE of a tracked row's column); binds no name. Names (`n += 1`) are not
    /// recorded.
    Augmented,
}

/// An assignment to one or more dotted targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assign {
    pub scope: Scope,
    pub line: u32,
    pub kind: AssignKind,
    /// Dotted targets (`x`, `self.x`); tuple targets are flattened.
    pub targets: ThinVec<Name>,
    /// Annotation as written (`Mapped[list["Post"]]`).
    pub annotation: Option<Name>,
    pub value: Expr,
}

/// A `return` statement: the def it returns from (`scope`) and its value's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Return {
    pub scope: Scope,
    pub line: u32,
    pub value: Expr,
}

/// `base.attr` read inside a def.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AttrUse {
    pub scope: Scope,
    pub line: u32,
    pub base: Name,
    pub attr: Name,
}

/// How a SQL string reached us.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlOrigin {
    /// A literal passed to an execute-like call (`execute`, `text`, `read_sql`...): the callee.
    Argument(Name),
    /// A module- or class-level constant whose value looks like SQL: its name.
    Constant(Name),
    /// A name passed to an execute-like call (`cursor.execute(QUERY)`): the dotted name, to be
    /// resolved to a constant by the core. `text` is empty.
    Reference(Name),
}

/// SQL text found in Python. `line` is the line of the string's first character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SqlString {
    pub scope: Scope,
    pub line: u32,
    pub origin: SqlOrigin,
    /// The text with interpolation holes replaced by [`HOLE`].
    pub text: String,
    /// Built from an f-string, `%` or `.format` template.
    pub templated: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(scope: &str, line: u32) -> Call {
        Call {
            scope: scope.into(),
            line,
            callee: "f".into(),
            receiver: None,
            args: ThinVec::new(),
            in_loop: false,
        }
    }

    /// Facts read back from the cache share their scopes as fresh ones do (interning), and
    /// `compact` drops the lists' room, leaving the facts equal.
    #[test]
    fn facts_read_back_share_scopes_and_compact_to_the_same_facts() {
        let long = "SomeTestCase.test_a_method_with_a_long_name";
        let file = PyFile {
            calls: vec![call(long, 1), call(long, 2), call("other", 3)],
            attrs: vec![AttrUse {
                scope: long.into(),
                line: 4,
                base: "x".into(),
                attr: "y".into(),
            }],
            ..PyFile::default()
        };
        let json = serde_json::to_string(&file).unwrap();
        let mut back: PyFile = serde_json::from_str(&json).unwrap();
        back.compact();
        assert_eq!(back, file);
        let shared = |a: &Scope, b: &Scope| std::ptr::eq(a.as_str(), b.as_str());
        assert!(shared(&back.calls[0].scope, &back.calls[1].scope));
        assert!(shared(&back.calls[0].scope, &back.attrs[0].scope));
        assert!(shared(&back.calls[0].scope, &file.calls[0].scope));
        assert!(!shared(&back.calls[0].scope, &back.calls[2].scope));
        assert_eq!(back.calls.capacity(), 3);
    }

    /// A scope reads and writes as its string: the facts cache and the JSON are unchanged.
    #[test]
    fn scope_serialises_as_its_string() {
        let scope: Scope = "A.b".into();
        assert_eq!(serde_json::to_string(&scope).unwrap(), "\"A.b\"");
        let back: Scope = serde_json::from_str("\"A.b\"").unwrap();
        assert_eq!(back, "A.b");
        assert_eq!(format!("{back:?}"), "\"A.b\"");
    }
}
