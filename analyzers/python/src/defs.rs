//! Class and function definitions: qualnames, kinds, bases, decorators and parameters. A def
//! opens a new scope for its body; its decorators are walked inside that scope, so that
//! `@login_required` counts as a use by the decorated function.

use crate::fields::{F, Field};
use seam_facts::python::{Call, Def, DefKind, Expr, Name, Param};
use tree_sitter::Node;

use crate::exprs::{annotation_name, dotted, summarize};
use crate::strings::text;
use crate::walker::{Frame, Scope, ScopeKind, Walker};

impl<'s, 't> Walker<'s, 't> {
    pub(crate) fn decorated(&mut self, node: Node<'t>, scope: u32) {
        let mut cursor = node.walk();
        let decorators: Vec<Node<'t>> = node
            .children(&mut cursor)
            .filter(|c| c.kind() == "decorator")
            .collect();
        match node.field(F::Definition) {
            Some(def) => self.definition(def, decorators, scope),
            None => self.push_children(node, scope),
        }
    }

    pub(crate) fn definition(&mut self, node: Node<'t>, decorators: Vec<Node<'t>>, scope: u32) {
        let Some(name_node) = node.field(F::Name) else {
            self.push_children(node, scope);
            return;
        };
        let name = text(name_node, self.src);
        let parent = self.scope(scope).clone();
        let qualname = if parent.qualname.is_empty() {
            name.to_owned()
        } else {
            format!("{}.{name}", parent.qualname)
        };
        let is_class = node.kind() == "class_definition";
        let kind = match (is_class, parent.kind) {
            (true, _) => DefKind::Class,
            (false, ScopeKind::Class) => DefKind::Method,
            (false, _) => DefKind::Function,
        };
        let bases = if is_class {
            self.bases(node)
        } else {
            Vec::new()
        };
        let mut params = node
            .field(F::Parameters)
            .map(|p| self.params(p))
            .unwrap_or_default();
        let doc = if is_class {
            None
        } else {
            docstring(node, self.src)
        };
        let mut returns = node
            .field(F::ReturnType)
            .and_then(|r| annotation_name(r, self.src));
        if let Some(doc) = doc {
            for p in params.iter_mut().filter(|p| p.annotation.is_none()) {
                p.annotation = doc_field(doc, &format!(":type {}:", p.name));
            }
            if returns.is_none() {
                returns = doc_field(doc, ":rtype:");
            }
        }
        let decorator_exprs: Vec<Expr> = decorators
            .iter()
            .filter_map(|d| {
                d.named_children(&mut d.walk())
                    .find(|c| c.kind() != "comment")
            })
            .map(|e| summarize(e, self.src))
            .collect();
        let line = Self::line(node);
        let scope_name: seam_facts::python::Scope = qualname.as_str().into();
        if !is_class {
            let names = params.iter().map(|p| p.name.to_string());
            self.locals.entry(scope_name).or_default().extend(names);
        }
        self.file.defs.push(Def {
            qualname: qualname.clone().into(),
            kind,
            line: decorators
                .first()
                .map_or(line, |d| Self::line(*d))
                .min(line),
            end_line: u32::try_from(node.end_position().row + 1).unwrap_or(u32::MAX),
            bases: bases.into(),
            decorators: decorator_exprs.into(),
            params: params.into(),
            returns,
        });
        self.scopes.push(Scope {
            qualname: scope_name,
            kind: if is_class {
                ScopeKind::Class
            } else {
                ScopeKind::Function
            },
            in_loop: false,
        });
        let inner = (self.scopes.len() - 1) as u32;

        // Body first on the stack means it is walked last; order inside does not matter.
        self.push(node.field(F::Body), inner);
        // Defaults and annotations are evaluated in the enclosing scope; so are base classes.
        self.push(node.field(F::Parameters), scope);
        self.push(node.field(F::Superclasses), scope);
        self.push(node.field(F::ReturnType), scope);
        for decorator in decorators.into_iter().rev() {
            // A bare `@name` is a use of `name` by the decorated def: record it as a call.
            if let Some(expr) = decorator
                .named_children(&mut decorator.walk())
                .find(|c| c.kind() != "comment")
                && matches!(expr.kind(), "identifier" | "attribute")
            {
                if let Some(callee) = dotted(expr, self.src) {
                    self.file.calls.push(Call {
                        scope: scope_name,
                        line: Self::line(expr),
                        callee,
                        receiver: None,
                        args: seam_facts::python::ThinVec::new(),
                        in_loop: false,
                    });
                }
                continue;
            }
            self.stack.push(Frame {
                node: decorator,
                scope: inner,
                post: false,
            });
        }
    }

    fn bases(&self, class: Node<'t>) -> Vec<Expr> {
        let Some(list) = class.field(F::Superclasses) else {
            return Vec::new();
        };
        let mut cursor = list.walk();
        list.named_children(&mut cursor)
            .filter(|c| {
                !matches!(
                    c.kind(),
                    "keyword_argument" | "comment" | "list_splat" | "dictionary_splat"
                )
            })
            .map(|c| summarize(c, self.src))
            .collect()
    }

    fn params(&self, list: Node<'t>) -> Vec<Param> {
        let mut out = Vec::new();
        let mut cursor = list.walk();
        for p in list.named_children(&mut cursor) {
            let (name_node, annotation, star) = match p.kind() {
                "identifier" => (Some(p), None, 0),
                "typed_parameter" => {
                    let inner = p.named_child(0);
                    let star = match inner.map(|n| n.kind()) {
                        Some("list_splat_pattern") => 1,
                        Some("dictionary_splat_pattern") => 2,
                        _ => 0,
                    };
                    let name = if star > 0 {
                        inner.and_then(|n| n.named_child(0))
                    } else {
                        inner
                    };
                    (name, p.field(F::Type), star)
                }
                "default_parameter" => (p.field(F::Name), None, 0),
                "typed_default_parameter" => (p.field(F::Name), p.field(F::Type), 0),
                "list_splat_pattern" => (p.named_child(0), None, 1),
                "dictionary_splat_pattern" => (p.named_child(0), None, 2),
                _ => (None, None, 0),
            };
            let Some(name_node) = name_node else { continue };
            out.push(Param {
                name: text(name_node, self.src).into(),
                annotation: annotation.and_then(|a| annotation_name(a, self.src)),
                star,
            });
        }
        out
    }
}

/// The text of a def's docstring (the first statement of its body, when a string).
fn docstring<'s>(def: Node<'_>, src: &'s [u8]) -> Option<&'s str> {
    let body = def.field(F::Body)?;
    let first = body
        .named_children(&mut body.walk())
        .find(|c| c.kind() != "comment")?;
    if first.kind() != "expression_statement" {
        return None;
    }
    let string = first.named_child(0).filter(|s| s.kind() == "string")?;
    std::str::from_utf8(&src[string.byte_range()]).ok()
}

/// The class a Sphinx field names: `:type db_token: Token` → `Token`, `:rtype: User object` →
/// `User`, `:rtype: list of Token` → `Token` (the elements, as `List[Token]` reads). The first
/// word only, and only a plain dotted name.
fn doc_field(doc: &str, field: &str) -> Option<Name> {
    let rest = doc.lines().find_map(|l| l.trim().strip_prefix(field))?;
    let mut words = rest.split_whitespace();
    let mut word = words.next()?;
    // `list of TokenClass objects`: the elements' class, as for `List[TokenClass]`.
    if matches!(word, "list" | "List") && words.next() == Some("of") {
        word = words.next()?;
    }
    let word = word.trim_end_matches([',', '.', ';']);
    let plain = !word.is_empty()
        && word.split('.').all(|seg| {
            seg.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
    // `list of Token`, `dict`, `bool`: a container or a builtin is no row type.
    (plain && !matches!(word, "list" | "dict" | "tuple" | "set" | "None")).then(|| word.into())
}
