//! Facts the Python front end extracts from one file: a syntax-level summary, with names kept as
//! written (dotted). Resolution across files (which `User` a call means, which blueprint a prefix
//! belongs to) is the core's job, not the front end's.
//!
//! `scope` fields hold the qualname of the enclosing def (`""` at module level, `Class` in a class
//! body, `Class.method` in a method, `outer.inner` in a nested function).

use serde::{Deserialize, Serialize};

use crate::Diagnostic;

/// All facts of one Python file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PyFile {
    /// Dotted module name (see [`crate::ids::module_of_path`]).
    pub module: String,
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
    pub name: String,
    /// As annotated, else as a docstring's `:type name: T` says (Sphinx fields, which
    /// editors read the same way).
    pub annotation: Option<String>,
    /// `*args` (1) or `**kwargs` (2); 0 for an ordinary parameter.
    pub star: u8,
}

/// A class or function definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Def {
    pub qualname: String,
    pub kind: DefKind,
    pub line: u32,
    pub end_line: u32,
    /// Base classes as dotted names (`db.Model`, `MethodView`); calls as `Base()` are kept too.
    pub bases: Vec<Expr>,
    /// Decorators, outermost first (`Name("login_required")`, `Call { callee: "bp.route", .. }`).
    pub decorators: Vec<Expr>,
    pub params: Vec<Param>,
    /// The class a function says it returns: its `-> T` annotation (reduced like a parameter's),
    /// else a docstring's `:rtype: T`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
}

/// One imported binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Import {
    pub scope: String,
    pub line: u32,
    /// Module as written, without leading dots (`shop.models`, `` for `from . import x`).
    pub module: String,
    /// Leading dots of a relative import (0 = absolute).
    pub level: u32,
    /// `from module import name`: the imported name (`*` for a star import); `None` for
    /// `import module`.
    pub name: Option<String>,
    /// `as` alias.
    pub alias: Option<String>,
}

/// An argument of a call: positional (`keyword: None`), keyword, `*x` (`"*"`) or `**x` (`"**"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arg {
    pub keyword: Option<String>,
    pub value: Expr,
}

/// A small, depth-limited summary of an expression: enough to read route rules, blueprint
/// prefixes, model columns and ORM queries without keeping the syntax tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// A string literal; f-string interpolations keep their source text (`{API_VERSION}`).
    Str(String),
    /// A dotted name (`x`, `db.session`, `self.items`).
    Name(String),
    /// A call; `callee` is dotted, with `()` marking earlier calls in a chain
    /// (`User.query.filter_by().first`).
    Call { callee: String, args: Vec<Arg> },
    /// A list, tuple or set display.
    List(Vec<Expr>),
    /// `value[key]` with a dotted value (`app.config["PREFIX"]`).
    Subscript { value: String, key: Box<Expr> },
    /// `left == right` with a dotted left side (`User.id == user_id`).
    Eq { left: String, right: Box<Expr> },
    /// A dict display's `key: value` pairs (`**splat` entries left out): route tables such
    /// as `{CreateRun: _create_run}`.
    Dict(Vec<(Expr, Expr)>),
    /// Numbers, booleans, `None`.
    Const(String),
    /// `a + b + c`: the operands of a chain of additions, left to right (string and list
    /// concatenation: `API_PREFIX + "/users"`, `blueprints + DEFAULT_BLUEPRINTS`).
    Concat(Vec<Expr>),
    /// `"...".format(args)`: the template as written and the arguments.
    Format { template: String, args: Vec<Arg> },
    /// `a or b`, `a if cond else b`: the value is one of the alternatives, in source order
    /// (`user = user or g.user` holds a row either way).
    Either(Vec<Expr>),
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
    pub scope: String,
    pub line: u32,
    /// Dotted callee as written, chains marked with `()` (`db.session.query().filter`).
    pub callee: String,
    /// Index (in [`PyFile::calls`]) of the call this one is made on, for chains:
    /// `a().b()` → the call `a().b` has `receiver` = index of `a`.
    pub receiver: Option<u32>,
    pub args: Vec<Arg>,
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
    pub scope: String,
    pub line: u32,
    pub kind: AssignKind,
    /// Dotted targets (`x`, `self.x`); tuple targets are flattened.
    pub targets: Vec<String>,
    /// Annotation as written (`Mapped[list["Post"]]`).
    pub annotation: Option<String>,
    pub value: Expr,
}

/// A `return` statement: the def it returns from (`scope`) and its value's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Return {
    pub scope: String,
    pub line: u32,
    pub value: Expr,
}

/// `base.attr` read inside a def.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AttrUse {
    pub scope: String,
    pub line: u32,
    pub base: String,
    pub attr: String,
}

/// How a SQL string reached us.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SqlOrigin {
    /// A literal passed to an execute-like call (`execute`, `text`, `read_sql`...): the callee.
    Argument(String),
    /// A module- or class-level constant whose value looks like SQL: its name.
    Constant(String),
    /// A name passed to an execute-like call (`cursor.execute(QUERY)`): the dotted name, to be
    /// resolved to a constant by the core. `text` is empty.
    Reference(String),
}

/// SQL text found in Python. `line` is the line of the string's first character.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SqlString {
    pub scope: String,
    pub line: u32,
    pub origin: SqlOrigin,
    /// The text with interpolation holes replaced by [`HOLE`].
    pub text: String,
    /// Built from an f-string, `%` or `.format` template.
    pub templated: bool,
}
