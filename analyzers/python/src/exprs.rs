//! Expressions summarised into [`Expr`]: dotted names, literals, calls with their arguments, to a
//! fixed depth so that no input can make this recurse deeply.

use crate::fields::{F, Field};
use seam_facts::python::{Arg, Expr, Name, ThinVec};
use tree_sitter::Node;

use crate::strings::{literal, literal_verbatim, text};

/// How deep [`summarize`] looks into nested calls and lists: route rules, `ForeignKey('t.c')`
/// inside `Column(...)` and `Login.as_view('login')` inside `register_view(...)` all fit.
const MAX_DEPTH: u32 = 4;
/// Longest dotted name kept; longer chains are cut (they are generated code, not names).
const MAX_SEGMENTS: usize = 32;
/// Elements of a list display kept.
const MAX_ITEMS: usize = 256;
/// Pairs of a dict display kept (route tables map hundreds of request classes).
const MAX_PAIRS: usize = 1024;

/// The dotted form of a name-like expression: `a.b.c`, `a().b` for chains, `x[].y` through
/// subscripts. `None` when the expression is not name-like (a literal, a lambda...).
pub(crate) fn dotted(node: Node<'_>, src: &[u8]) -> Option<Name> {
    // Walk from the outermost node towards the root name, collecting segments right to left;
    // a call or subscript marks the segment to its left.
    let mut reversed: Vec<String> = Vec::new();
    let mut suffix = String::new();
    let mut node = node;
    // Every node counts, calls and subscripts too: `f()()()...` has one segment and 20,000
    // calls, and each call of it asks for its callee (42 s for such a line, quadratic).
    for _ in 0..MAX_SEGMENTS * 4 {
        if reversed.len() >= MAX_SEGMENTS {
            return None;
        }
        match node.kind() {
            "identifier" => {
                reversed.push(format!("{}{suffix}", text(node, src)));
                reversed.reverse();
                return Some(reversed.join(".").into());
            }
            "attribute" => {
                let attr = node.field(F::Attribute)?;
                reversed.push(format!("{}{suffix}", text(attr, src)));
                suffix.clear();
                node = node.field(F::Object)?;
            }
            "call" => {
                suffix.insert_str(0, "()");
                node = node.field(F::Function)?;
            }
            "subscript" => {
                suffix.insert_str(0, "[]");
                node = node.field(F::Value)?;
            }
            "parenthesized_expression" => node = node.named_child(0)?,
            _ => return None,
        }
    }
    None
}

/// Summary of an expression, to [`MAX_DEPTH`].
pub(crate) fn summarize(node: Node<'_>, src: &[u8]) -> Expr {
    summarize_at(node, src, 0)
}

fn summarize_at(node: Node<'_>, src: &[u8], depth: u32) -> Expr {
    if depth > MAX_DEPTH {
        return Expr::Other;
    }
    // Parentheses add no depth (`return (a + [(rule, view)])` reads like its contents); they
    // are unwrapped in a loop, so nested parentheses never become recursion.
    let mut node = node;
    while node.kind() == "parenthesized_expression" {
        let mut cursor = node.walk();
        let inner = node
            .named_children(&mut cursor)
            .find(|c| c.kind() != "comment");
        match inner {
            Some(inner) => node = inner,
            None => return Expr::Other,
        }
    }
    match node.kind() {
        "string" | "concatenated_string" => {
            literal_verbatim(node, src).map_or(Expr::Other, |l| Expr::Str(l.text.into()))
        }
        "identifier" | "attribute" => dotted(node, src).map_or(Expr::Other, Expr::Name),
        "call" => {
            let Some(function) = node.field(F::Function) else {
                return Expr::Other;
            };
            // `"...".format(...)` is a templated string, not a call of interest.
            if let Some(template) = format_template(function, src) {
                let args = node
                    .field(F::Arguments)
                    .map(|a| arguments_at(a, src, depth + 1))
                    .unwrap_or_default();
                return Expr::Format {
                    template: template.into(),
                    args,
                };
            }
            let callee = dotted(function, src).unwrap_or_else(|| "?".into());
            let args = node
                .field(F::Arguments)
                .map(|a| arguments_at(a, src, depth + 1))
                .unwrap_or_default();
            Expr::Call { callee, args }
        }
        "list" | "tuple" | "set" | "expression_list" => {
            let mut cursor = node.walk();
            let items = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() != "comment")
                .take(MAX_ITEMS)
                .map(|c| summarize_at(c, src, depth + 1))
                .collect();
            Expr::List(items)
        }
        "dictionary" => {
            let mut cursor = node.walk();
            let pairs = node
                .named_children(&mut cursor)
                .filter(|c| c.kind() == "pair")
                .take(MAX_PAIRS)
                .filter_map(|p| {
                    let k = p.field(F::Key)?;
                    let v = p.field(F::Value)?;
                    Some((
                        summarize_at(k, src, depth + 1),
                        summarize_at(v, src, depth + 1),
                    ))
                })
                .collect::<Vec<_>>();
            Expr::Dict(pairs.into())
        }
        "subscript" => {
            let value = node.field(F::Value).and_then(|v| dotted(v, src));
            let key = node.field(F::Subscript);
            match (value, key) {
                (Some(value), Some(key)) => Expr::Subscript {
                    value,
                    key: Box::new(summarize_at(key, src, depth + 1)),
                },
                _ => Expr::Other,
            }
        }
        "comparison_operator" => {
            let mut cursor = node.walk();
            let operands: Vec<Node<'_>> = node.named_children(&mut cursor).collect();
            let is_eq = node
                .field(F::Operators)
                .is_some_and(|op| text(op, src) == "==");
            match (is_eq, operands.as_slice()) {
                (true, [left, right]) => match dotted(*left, src) {
                    Some(left) => Expr::Eq {
                        left,
                        right: Box::new(summarize_at(*right, src, depth + 1)),
                    },
                    None => Expr::Other,
                },
                _ => Expr::Other,
            }
        }
        "binary_operator" => {
            // `"... %s" % args`: the template is what matters. With one `%s` and a plain name
            // on the right (`"%s_label" % cls.__tablename__`), the hole keeps the name's source
            // text as an f-string's does (`{cls.__tablename__}`).
            let op = node.field(F::Operator).map(|o| text(o, src));
            let left = node.field(F::Left);
            match (op, left) {
                (Some("%"), Some(left)) => match literal(left, src) {
                    Some(l) => {
                        let operand = node
                            .field(F::Right)
                            .filter(|r| matches!(r.kind(), "identifier" | "attribute"))
                            .and_then(|r| dotted(r, src));
                        match operand {
                            Some(name)
                                if l.text.matches('%').count() == 1 && l.text.contains("%s") =>
                            {
                                Expr::Str(l.text.replacen("%s", &format!("{{{name}}}"), 1).into())
                            }
                            _ => Expr::Str(l.text.into()),
                        }
                    }
                    None => Expr::Other,
                },
                (Some("+"), Some(_)) => concat(node, src, depth),
                _ => Expr::Other,
            }
        }
        "boolean_operator" | "conditional_expression" => either(node, src, depth),
        "integer" | "float" | "true" | "false" | "none" => Expr::Const(text(node, src).into()),
        "await" => node
            .named_child(0)
            .map_or(Expr::Other, |n| summarize_at(n, src, depth + 1)),
        _ => Expr::Other,
    }
}

/// The alternatives of `a or b or c` (parsed `(a or b) or c`, flattened iteratively like
/// [`concat`]) and of `a if cond else b` (the condition is not a value). `a and b` is left
/// out: its value is `b` only when `a` holds, and a guard (`user and user.name`) is what it
/// usually is.
fn either(node: Node<'_>, src: &[u8], depth: u32) -> Expr {
    let mut rights = Vec::new();
    let mut node = node;
    loop {
        match node.kind() {
            "boolean_operator" => {
                let op = node.field(F::Operator).map(|o| text(o, src));
                match (op, node.field(F::Left), node.field(F::Right)) {
                    (Some("or"), Some(left), Some(right)) => {
                        rights.push(right);
                        node = left;
                    }
                    _ => break,
                }
            }
            "conditional_expression" => {
                let mut cursor = node.walk();
                let parts: Vec<Node<'_>> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() != "comment")
                    .collect();
                match parts.as_slice() {
                    [then, _, otherwise] => {
                        rights.push(*otherwise);
                        node = *then;
                    }
                    _ => break,
                }
            }
            _ => break,
        }
        if rights.len() >= MAX_ITEMS {
            break;
        }
    }
    if rights.is_empty() {
        return Expr::Other;
    }
    rights.push(node);
    rights.reverse();
    Expr::Either(
        rights
            .into_iter()
            .map(|n| summarize_at(n, src, depth + 1))
            .collect(),
    )
}

/// The operands of `a + b + c` (parsed `(a + b) + c`), flattened left to right; nested
/// additions on the left are walked iteratively, so no input depth becomes recursion depth.
fn concat(node: Node<'_>, src: &[u8], depth: u32) -> Expr {
    let mut rights = Vec::new();
    let mut cur = node;
    loop {
        let is_add = cur.kind() == "binary_operator"
            && cur.field(F::Operator).map(|o| text(o, src)) == Some("+");
        if !is_add || rights.len() >= MAX_ITEMS {
            break;
        }
        match (cur.field(F::Left), cur.field(F::Right)) {
            (Some(left), Some(right)) => {
                rights.push(right);
                cur = left;
            }
            _ => return Expr::Other,
        }
    }
    let mut parts = vec![summarize_at(cur, src, depth + 1)];
    parts.extend(
        rights
            .into_iter()
            .rev()
            .map(|r| summarize_at(r, src, depth + 1)),
    );
    Expr::Concat(parts.into())
}

/// The template of `"...".format`, when `function` is that attribute.
pub(crate) fn format_template(function: Node<'_>, src: &[u8]) -> Option<String> {
    if function.kind() != "attribute" {
        return None;
    }
    let attr = function.field(F::Attribute)?;
    if text(attr, src) != "format" {
        return None;
    }
    literal(function.field(F::Object)?, src).map(|l| l.text)
}

/// Arguments of a call, summarised.
pub(crate) fn arguments(node: Node<'_>, src: &[u8]) -> ThinVec<Arg> {
    arguments_at(node, src, 1)
}

fn arguments_at(node: Node<'_>, src: &[u8], depth: u32) -> ThinVec<Arg> {
    if node.kind() != "argument_list" {
        // A lone generator expression: `f(x for x in y)`.
        return seam_facts::python::thin_vec![Arg {
            keyword: None,
            value: Expr::Other,
        }];
    }
    let mut out = Vec::new();
    let mut cursor = node.walk();
    for child in node.named_children(&mut cursor) {
        match child.kind() {
            "comment" => {}
            "keyword_argument" => {
                let name = child.field(F::Name).map(|n| text(n, src).to_owned());
                let value = child
                    .field(F::Value)
                    .map_or(Expr::Other, |v| summarize_at(v, src, depth));
                out.push(Arg {
                    keyword: name.map(Name::from),
                    value,
                });
            }
            "list_splat" => out.push(Arg {
                keyword: Some("*".into()),
                value: child
                    .named_child(0)
                    .map_or(Expr::Other, |v| summarize_at(v, src, depth)),
            }),
            "dictionary_splat" => out.push(Arg {
                keyword: Some("**".into()),
                value: child
                    .named_child(0)
                    .map_or(Expr::Other, |v| summarize_at(v, src, depth)),
            }),
            _ => out.push(Arg {
                keyword: None,
                value: summarize_at(child, src, depth),
            }),
        }
        if out.len() >= MAX_ITEMS {
            break;
        }
    }
    // Most calls have one or two arguments: the list is copied at its length (a Vec
    // starts at 4).
    out.into()
}

/// The class an annotation names, reduced: `Optional[User]`, `User | None`, `"User"`,
/// `Mapped[list["Post"]]` → the dotted class name; builtins are kept as written (`int`).
pub(crate) fn annotation_name(node: Node<'_>, src: &[u8]) -> Option<Name> {
    let mut node = node;
    for _ in 0..8 {
        match node.kind() {
            "type" => node = node.named_child(0)?,
            "identifier" | "attribute" => return dotted(node, src),
            "string" => {
                let l = literal(node, src)?;
                let t = l.text.trim();
                let t = t
                    .rsplit('[')
                    .next()
                    .unwrap_or(t)
                    .trim_end_matches(']')
                    .trim();
                // `"TokenClass | None"`: the class of a union written as a string.
                return t
                    .split('|')
                    .map(str::trim)
                    .find(|p| !p.is_empty() && *p != "None")
                    .map(Name::from);
            }
            "subscript" | "generic_type" => {
                let value = node.field(F::Value).or_else(|| node.named_child(0))?;
                let name = dotted(value, src).unwrap_or_default();
                let wrapper = name.rsplit('.').next().unwrap_or("");
                if matches!(
                    wrapper,
                    "Optional"
                        | "Mapped"
                        | "List"
                        | "list"
                        | "Set"
                        | "set"
                        | "Sequence"
                        | "Iterable"
                        | "Type"
                        | "type"
                        | "DynamicMapped"
                        | "WriteOnlyMapped"
                        | "Union"
                ) {
                    let inner = node.field(F::Subscript).or_else(|| node.named_child(1))?;
                    node = inner;
                    if node.kind() == "type_parameter" {
                        node = node.named_child(0)?;
                    }
                } else {
                    return Some(name);
                }
            }
            "binary_operator" => {
                let left = node.field(F::Left)?;
                node = if text(left, src) == "None" {
                    node.field(F::Right)?
                } else {
                    left
                };
            }
            "union_type" => node = node.named_child(0)?,
            _ => return None,
        }
    }
    None
}
