//! The one walk over a syntax tree: an explicit stack of (node, scope) frames, so that depth of
//! input never becomes depth of recursion. Each node kind with meaning is handed to the module
//! that owns it (`defs`, `imports`, `calls`); the rest is descended into.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::fields::{F, Field};
use seam_facts::python::{Assign, AssignKind, AttrUse, Name, PyFile, Return, SqlOrigin, SqlString};
use tree_sitter::{Node, Tree};

use crate::exprs::{annotation_name, dotted, summarize};
use crate::kinds::{Role, role};
use crate::strings::{literal, looks_like_sql, text};

/// Globals the frameworks export that stand for an object of the application's own
/// (Flask-Login's and Flask-JWT-Extended's `current_user`): their attributes are read like a
/// local's (`current_user.is_admin` may be a property of the user model).
const PROXY_ROOTS: &[&str] = &["current_user"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
}

/// Where a node sits: the enclosing def (by qualname) and whether a loop surrounds it there.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// Shared by every fact recorded in the scope.
    pub qualname: seam_facts::python::Scope,
    pub kind: ScopeKind,
    pub in_loop: bool,
}

/// One pending visit. `post` frames record a call after its receiver and arguments were walked.
#[derive(Clone, Copy)]
pub(crate) struct Frame<'t> {
    pub node: Node<'t>,
    pub scope: u32,
    pub post: bool,
}

pub(crate) struct Walker<'s, 't> {
    pub src: &'s [u8],
    pub path: &'s str,
    pub file: PyFile,
    pub scopes: Vec<Scope>,
    pub stack: Vec<Frame<'t>>,
    /// Node id of each recorded call → its index in `file.calls` (for chain receivers).
    pub call_index: HashMap<usize, u32>,
    /// String nodes already taken as SQL (so `Q = text("...")` is not recorded twice).
    pub consumed_strings: HashSet<usize>,
    /// Inner levels of a chained assignment (`a = b = c = v`), by node id → the chain's value
    /// (`None` when the chain is cut by a syntax error), found once by the outermost level.
    chain_values: HashMap<usize, Option<Node<'t>>>,
    attrs_seen: HashSet<(Name, Name, Name)>,
    /// Names bound in each def (parameters, assignments, loop and `with` targets): only
    /// attribute uses on those can be relationship traversals of a local model instance.
    pub locals: HashMap<seam_facts::python::Scope, HashSet<String>>,
    pub syntax_errors: u32,
    pub python2_reported: bool,
    /// One cursor reused for every child listing (a fresh one per node costs an allocation).
    cursor: tree_sitter::TreeCursor<'t>,
}

pub(crate) fn walk(tree: &Tree, src: &[u8], path: &str) -> PyFile {
    let mut w = Walker {
        src,
        path,
        file: PyFile::default(),
        scopes: vec![Scope {
            qualname: "".into(),
            kind: ScopeKind::Module,
            in_loop: false,
        }],
        stack: Vec::new(),
        call_index: HashMap::default(),
        consumed_strings: HashSet::default(),
        chain_values: HashMap::default(),
        attrs_seen: HashSet::default(),
        locals: HashMap::default(),
        syntax_errors: 0,
        python2_reported: false,
        cursor: tree.walk(),
    };
    let root = tree.root_node();
    w.stack.push(Frame {
        node: root,
        scope: 0,
        post: false,
    });
    while let Some(frame) = w.stack.pop() {
        if frame.post {
            w.record_call(frame.node, frame.scope);
        } else {
            w.visit(frame.node, frame.scope);
        }
    }
    w.finish_syntax_errors(root);
    w.file
}

impl<'s, 't> Walker<'s, 't> {
    pub fn scope(&self, id: u32) -> &Scope {
        &self.scopes[id as usize]
    }

    pub fn push_children(&mut self, node: Node<'t>, scope: u32) {
        let start = self.stack.len();
        self.cursor.reset(node);
        if self.cursor.goto_first_child() {
            loop {
                self.stack.push(Frame {
                    node: self.cursor.node(),
                    scope,
                    post: false,
                });
                if !self.cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        // Reverse so that children are visited in source order (calls get ascending indices).
        self.stack[start..].reverse();
    }

    pub fn push(&mut self, node: Option<Node<'t>>, scope: u32) {
        if let Some(node) = node {
            self.stack.push(Frame {
                node,
                scope,
                post: false,
            });
        }
    }

    /// A copy of `scope` marked as inside a loop (bodies of `for`, `while`, comprehensions).
    fn loop_scope(&mut self, scope: u32) -> u32 {
        let s = self.scope(scope);
        if s.in_loop {
            return scope;
        }
        let looped = Scope {
            qualname: s.qualname,
            kind: s.kind,
            in_loop: true,
        };
        self.scopes.push(looped);
        (self.scopes.len() - 1) as u32
    }

    pub fn line(node: Node<'_>) -> u32 {
        u32::try_from(node.start_position().row + 1).unwrap_or(u32::MAX)
    }

    fn visit(&mut self, node: Node<'t>, scope: u32) {
        if node.is_error() {
            self.syntax_error(node);
            self.push_children(node, scope);
            return;
        }
        match role(node.kind_id()) {
            Role::Decorated => self.decorated(node, scope),
            Role::Definition => self.definition(node, Vec::new(), scope),
            Role::Import => self.import(node, scope),
            Role::Call => {
                self.stack.push(Frame {
                    node,
                    scope,
                    post: true,
                });
                self.push_children(node, scope);
            }
            Role::Assignment => {
                self.assignment(node, scope);
                self.push_children(node, scope);
            }
            Role::AugmentedAssignment => {
                if let (Some(left), Some(right)) = (node.field(F::Left), node.field(F::Right))
                    && left.kind() == "attribute"
                    && let Some(target) = dotted(left, self.src).filter(|t| !t.contains(['(', '[']))
                {
                    self.record_single(target, left, right, AssignKind::Augmented, scope);
                }
                self.push_children(node, scope);
            }
            Role::Return => {
                self.record_return(node, scope);
                self.push_children(node, scope);
            }
            Role::For => {
                let right = node.field(F::Right);
                if let (Some(left), Some(right)) = (node.field(F::Left), right) {
                    self.record_assign(left, right, None, AssignKind::ForTarget, scope);
                }
                let looped = self.loop_scope(scope);
                let start = self.stack.len();
                self.push_children(node, looped);
                // The iterable is evaluated once, outside the loop.
                if let Some(r) = right {
                    for frame in &mut self.stack[start..] {
                        if frame.node.id() == r.id() {
                            frame.scope = scope;
                        }
                    }
                }
            }
            Role::Loop => {
                // `[p.__json__() for p in projects]`: each clause's target takes the elements
                // of its iterable, as a `for` statement's does.
                if node.kind() != "while_statement" {
                    let mut cursor = node.walk();
                    let clauses: Vec<Node<'t>> = node
                        .named_children(&mut cursor)
                        .filter(|c| c.kind() == "for_in_clause")
                        .collect();
                    for clause in clauses {
                        if let (Some(left), Some(right)) =
                            (clause.field(F::Left), clause.field(F::Right))
                        {
                            self.record_assign(left, right, None, AssignKind::ForTarget, scope);
                        }
                    }
                }
                let looped = self.loop_scope(scope);
                let start = self.stack.len();
                self.push_children(node, looped);
                // A comprehension's first iterable is evaluated once, outside the loop
                // (`[dict(r) for r in conn.execute(SQL)]` runs one query).
                if let Some(frame) = self.stack[start..]
                    .iter_mut()
                    .rev()
                    .find(|f| f.node.kind() == "for_in_clause")
                {
                    frame.scope = scope;
                }
            }
            Role::AsPattern => {
                // `with open(p) as f`: the alias takes the value.
                if node.parent().is_some_and(|p| p.kind() == "with_item")
                    && let (Some(value), Some(alias)) = (node.named_child(0), node.field(F::Alias))
                {
                    self.record_assign(alias, value, None, AssignKind::WithTarget, scope);
                }
                self.push_children(node, scope);
            }
            Role::Attribute => {
                self.attribute_use(node, scope);
                self.push_children(node, scope);
            }
            Role::Python2 => {
                self.python2_statement(node);
                self.push_children(node, scope);
            }
            Role::Leaf => {}
            Role::Other => {
                if node.is_missing() {
                    self.syntax_error(node);
                }
                self.push_children(node, scope);
            }
        }
    }

    fn assignment(&mut self, node: Node<'t>, scope: u32) {
        let Some(left) = node.field(F::Left) else {
            return;
        };
        let annotation = node.field(F::Type);
        match node.field(F::Right) {
            // `a = b = value`: each level records its own target with the chain's value. The
            // outermost level finds the value and hands it to the levels inside, so the chain
            // is walked once, not once per level (quadratic: 20,000 targets took 37 s).
            Some(right) if right.kind() == "assignment" => {
                let value = match self.chain_values.remove(&node.id()) {
                    Some(value) => value,
                    None => {
                        let mut inner = Vec::new();
                        let mut value = Some(right);
                        while let Some(v) = value.filter(|v| v.kind() == "assignment") {
                            if v.field(F::Right).is_some_and(|r| r.kind() == "assignment") {
                                inner.push(v.id());
                            }
                            value = v.field(F::Right);
                        }
                        for id in inner {
                            self.chain_values.insert(id, value);
                        }
                        value
                    }
                };
                if let Some(value) = value {
                    self.record_assign(left, value, annotation, AssignKind::Plain, scope);
                }
            }
            // `store["config"] = Config()`: what a container holds (memos, registries).
            Some(right) if left.kind() == "subscript" => {
                if let Some(target) = dotted(left, self.src)
                    .filter(|t| t.ends_with("[]") && !t[..t.len() - 2].contains(['(', '[']))
                {
                    self.record_single(target, left, right, AssignKind::Store, scope);
                }
            }
            Some(right) => self.record_assign(left, right, annotation, AssignKind::Plain, scope),
            None => {
                // `x: T` (a declaration): kept for class attributes such as `id: Mapped[int]`.
                let targets = targets_of(left, self.src);
                if targets.is_empty() {
                    return;
                }
                let assign = Assign {
                    scope: self.scope(scope).qualname,
                    line: Self::line(node),
                    kind: AssignKind::Plain,
                    targets: targets.into(),
                    annotation: annotation.and_then(|a| annotation_name(a, self.src)),
                    value: seam_facts::python::Expr::Other,
                };
                self.file.assigns.push(assign);
            }
        }
    }

    /// `return value` inside a def (a bare `return` returns `None`).
    fn record_return(&mut self, node: Node<'t>, scope: u32) {
        if self.scope(scope).kind != ScopeKind::Function {
            return;
        }
        let value = match node.named_child(0).filter(|c| c.kind() != "comment") {
            Some(v) => summarize(v, self.src),
            None => seam_facts::python::Expr::Const("None".into()),
        };
        self.file.returns.push(Return {
            scope: self.scope(scope).qualname,
            line: Self::line(node),
            value,
        });
    }

    /// An assignment to one target that binds no name (`store[k] = v`, `obj.n += 1`): not
    /// a local, not a SQL constant.
    fn record_single(
        &mut self,
        target: Name,
        left: Node<'t>,
        value: Node<'t>,
        kind: AssignKind,
        scope: u32,
    ) {
        self.file.assigns.push(Assign {
            scope: self.scope(scope).qualname,
            line: Self::line(left),
            kind,
            targets: seam_facts::python::thin_vec![target],
            annotation: None,
            value: summarize(value, self.src),
        });
    }

    fn record_assign(
        &mut self,
        left: Node<'t>,
        value: Node<'t>,
        annotation: Option<Node<'t>>,
        kind: AssignKind,
        scope: u32,
    ) {
        let targets = targets_of(left, self.src);
        if targets.is_empty() {
            return;
        }
        let scope_name = self.scope(scope).qualname;
        if self.scope(scope).kind == ScopeKind::Function {
            let locals = self.locals.entry(scope_name).or_default();
            locals.extend(
                targets
                    .iter()
                    .filter(|t| !t.contains('.'))
                    .map(|t| t.to_string()),
            );
        }
        let line = Self::line(left);
        if kind == AssignKind::Plain {
            self.sql_constant(&targets, value, &scope_name);
        }
        let assign = Assign {
            scope: scope_name,
            line,
            kind,
            targets: targets.into(),
            annotation: annotation.and_then(|a| annotation_name(a, self.src)),
            value: summarize(value, self.src),
        };
        self.file.assigns.push(assign);
    }

    /// `QUERY = """SELECT ..."""` (or `= text("SELECT ...")`): a named SQL constant.
    fn sql_constant(&mut self, targets: &[Name], value: Node<'t>, scope: &str) {
        let [target] = targets else { return };
        let mut string_node = value;
        let mut templated = false;
        if value.kind() == "call" {
            let callee = value.field(F::Function).and_then(|f| dotted(f, self.src));
            let is_text = callee
                .as_deref()
                .is_some_and(|c| c == "text" || c.ends_with(".text"));
            match value.field(F::Arguments).and_then(|a| a.named_child(0)) {
                Some(first) if is_text => string_node = first,
                _ => return,
            }
        }
        if string_node.kind() == "binary_operator" {
            templated = true;
            match string_node.field(F::Left) {
                Some(left) => string_node = left,
                None => return,
            }
        }
        self.sql_literal(string_node, scope, SqlOrigin::Constant(*target), templated);
    }

    /// Record a string literal as SQL reached through `origin`, when it is a statement and no
    /// other fact took it already. Returns whether it was recorded.
    pub(crate) fn sql_literal(
        &mut self,
        string_node: Node<'t>,
        scope: &str,
        origin: SqlOrigin,
        templated: bool,
    ) -> bool {
        if self.consumed_strings.contains(&string_node.id()) {
            return false;
        }
        let Some(lit) = literal(string_node, self.src) else {
            return false;
        };
        // Even where an API takes SQL, a fragment (`text("now()")` as a column default,
        // `order_by(text("lower(name)"))`) is not a statement: only statements are query sites.
        if !looks_like_sql(&lit.text) {
            return false;
        }
        self.consumed_strings.insert(string_node.id());
        self.file.sql.push(SqlString {
            scope: scope.into(),
            line: Self::line(string_node),
            origin,
            text: lit.text,
            templated: templated || lit.templated,
        });
        true
    }

    fn attribute_use(&mut self, node: Node<'t>, scope: u32) {
        if self.scope(scope).kind != ScopeKind::Function {
            return;
        }
        let (Some(object), Some(attr)) = (node.field(F::Object), node.field(F::Attribute)) else {
            return;
        };
        // `t.owner`, `self.topic.forum`, `current_user.is_admin`, `g.user.name`: a dotted
        // chain of names (no call, no subscript). A bare global or builtin (`os.path`,
        // `db.session`) is left out unless it is a local; a longer chain rooted at a global is
        // kept (a proxy's or a request global's attribute: `flask.g.user.is_admin`).
        let scope_name = self.scope(scope).qualname;
        let base = match object.kind() {
            "identifier" => {
                let base = text(object, self.src);
                if !self
                    .locals
                    .get(&scope_name)
                    .is_some_and(|l| l.contains(base))
                    && !PROXY_ROOTS.contains(&base)
                {
                    return; // a module, a global or a builtin: not a local model instance
                }
                Name::from(base)
            }
            "attribute" => match dotted(object, self.src) {
                Some(d) if !d.contains(['(', '[']) => d,
                _ => return,
            },
            _ => return,
        };
        let attr = Name::from(text(attr, self.src));
        if self.attrs_seen.insert((scope_name, base, attr)) {
            self.file.attrs.push(AttrUse {
                scope: scope_name,
                line: Self::line(node),
                base,
                attr,
            });
        }
    }
}

/// Dotted targets of an assignment's left side; tuples and lists are flattened, starred names
/// kept without the star, subscripts dropped.
pub(crate) fn targets_of(left: Node<'_>, src: &[u8]) -> Vec<Name> {
    let mut out = Vec::new();
    let mut pending = vec![left];
    while let Some(node) = pending.pop() {
        match node.kind() {
            "identifier" | "attribute" => out.extend(dotted(node, src)),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "expression_list"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "list_splat_pattern" => {
                let mut cursor = node.walk();
                let mut children: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
                children.reverse();
                pending.extend(children);
            }
            _ => {}
        }
        if out.len() > 64 {
            break;
        }
    }
    out
}
