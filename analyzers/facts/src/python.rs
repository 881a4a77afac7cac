//! Facts the Python front end extracts from one file: a syntax-level summary, with names kept as
//! written (dotted). Resolution across files (which `User` a call means, which blueprint a prefix
//! belongs to) is the core's job, not the front end's.
//!
//! `scope` fields hold the qualname of the enclosing def (`""` at module level, `Class` in a class
//! body, `Class.method` in a method, `outer.inner` in a nested function).

use serde::{Deserialize, Serialize};

use crate::Diagnostic;

/// A name or short text of the fact model: inline up to 24 bytes (most callees, scopes and
/// targets), so the facts of a large tree are not mostly heap blocks.
pub type Name = compact_str::CompactString;

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
    /// Frees the room the vectors keep beyond their length. A vector built by pushes has room
    /// for four elements after its first, so a one-argument call kept four arguments' room and
    /// a one-target assignment four targets': on a large tree the facts are held by the
    /// hundred million, all at once, until resolution ends.
    pub fn shrink_to_fit(&mut self) {
        for d in &mut self.defs {
            d.bases.iter_mut().for_each(Expr::shrink_to_fit);
            d.decorators.iter_mut().for_each(Expr::shrink_to_fit);
            d.bases.shrink_to_fit();
            d.decorators.shrink_to_fit();
            d.params.shrink_to_fit();
        }
        for c in &mut self.calls {
            shrink_args(&mut c.args);
        }
        for a in &mut self.assigns {
            a.targets.shrink_to_fit();
            a.value.shrink_to_fit();
        }
        for r in &mut self.returns {
            r.value.shrink_to_fit();
        }
        self.defs.shrink_to_fit();
        self.imports.shrink_to_fit();
        self.calls.shrink_to_fit();
        self.assigns.shrink_to_fit();
        self.returns.shrink_to_fit();
        self.attrs.shrink_to_fit();
        self.sql.shrink_to_fit();
        self.diagnostics.shrink_to_fit();
    }
}

fn shrink_args(args: &mut Vec<Arg>) {
    args.iter_mut().for_each(|a| a.value.shrink_to_fit());
    args.shrink_to_fit();
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
    pub bases: Vec<Expr>,
    /// Decorators, outermost first (`Name("login_required")`, `Call { callee: "bp.route", .. }`).
    pub decorators: Vec<Expr>,
    pub params: Vec<Param>,
    /// The class a function says it returns: its `-> T` annotation (reduced like a parameter's),
    /// else a docstring's `:rtype: T`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Name>,
}

/// One imported binding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Import {
    pub scope: Name,
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
    Call { callee: Name, args: Vec<Arg> },
    /// A list, tuple or set display.
    List(Vec<Expr>),
    /// `value[key]` with a dotted value (`app.config["PREFIX"]`).
    Subscript { value: Name, key: Box<Expr> },
    /// `left == right` with a dotted left side (`User.id == user_id`).
    Eq { left: Name, right: Box<Expr> },
    /// A dict display's `key: value` pairs (`**splat` entries left out): route tables such
    /// as `{CreateRun: _create_run}`.
    Dict(Vec<(Expr, Expr)>),
    /// Numbers, booleans, `None`.
    Const(Name),
    /// `a + b + c`: the operands of a chain of additions, left to right (string and list
    /// concatenation: `API_PREFIX + "/users"`, `blueprints + DEFAULT_BLUEPRINTS`).
    Concat(Vec<Expr>),
    /// `"...".format(args)`: the template as written and the arguments.
    Format { template: Name, args: Vec<Arg> },
    /// `a or b`, `a if cond else b`: the value is one of the alternatives, in source order
    /// (`user = user or g.user` holds a row either way).
    Either(Vec<Expr>),
    /// Anything else (lambdas, comprehensions, arithmetic...).
    Other,
}

impl Expr {
    /// As [`PyFile::shrink_to_fit`], through the summary (depth-limited, so the recursion is
    /// too).
    pub fn shrink_to_fit(&mut self) {
        match self {
            Expr::Call { args, .. } | Expr::Format { args, .. } => shrink_args(args),
            Expr::List(items) | Expr::Concat(items) | Expr::Either(items) => {
                items.iter_mut().for_each(Expr::shrink_to_fit);
                items.shrink_to_fit();
            }
            Expr::Dict(pairs) => {
                for (k, v) in pairs.iter_mut() {
                    k.shrink_to_fit();
                    v.shrink_to_fit();
                }
                pairs.shrink_to_fit();
            }
            Expr::Subscript { key: e, .. } | Expr::Eq { right: e, .. } => e.shrink_to_fit(),
            Expr::Str(_) | Expr::Name(_) | Expr::Const(_) | Expr::Other => {}
        }
    }

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
    pub scope: Name,
    pub line: u32,
    /// Dotted callee as written, chains marked with `()` (`db.session.query().filter`).
    pub callee: Name,
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
    pub scope: Name,
    pub line: u32,
    pub kind: AssignKind,
    /// Dotted targets (`x`, `self.x`); tuple targets are flattened.
    pub targets: Vec<Name>,
    /// Annotation as written (`Mapped[list["Post"]]`).
    pub annotation: Option<Name>,
    pub value: Expr,
}

/// A `return` statement: the def it returns from (`scope`) and its value's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Return {
    pub scope: Name,
    pub line: u32,
    pub value: Expr,
}

/// `base.attr` read inside a def.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AttrUse {
    pub scope: Name,
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
    pub scope: Name,
    pub line: u32,
    pub origin: SqlOrigin,
    /// The text with interpolation holes replaced by [`HOLE`].
    pub text: String,
    /// Built from an f-string, `%` or `.format` template.
    pub templated: bool,
}
