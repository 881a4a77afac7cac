//! Call sites: callee as a dotted chain, receiver link for chains (`query(...).filter(...)`),
//! summarised arguments, and SQL passed to execute-like functions.

use crate::fields::{F, Field};
use seam_facts::python::{Call, SqlOrigin, SqlString};
use tree_sitter::Node;

use crate::exprs::{arguments, dotted, format_template};
use crate::walker::Walker;

/// Functions whose first argument is SQL by contract (a name passed there is a SQL constant).
const SQL_BY_CONTRACT: &[&str] = &[
    "text",
    "exec_driver_sql",
    "read_sql",
    "read_sql_query",
    "executemany",
    "executescript",
    "mogrify",
];
/// Functions that run SQL among other things (`op.execute`, `cursor.execute`, Django's `raw`):
/// a string literal there is SQL when it looks like it.
const SQL_IF_IT_LOOKS: &[&str] = &[
    "execute", "raw", "query", "fetch", "fetchrow", "fetchval", "scalar", "scalars",
];
/// Keyword arguments that carry SQL in pandas and friends.
const SQL_KEYWORDS: &[&str] = &["sql", "query", "statement", "stmt"];

impl<'s, 't> Walker<'s, 't> {
    pub(crate) fn record_call(&mut self, node: Node<'t>, scope: u32) {
        let Some(function) = node.field(F::Function) else {
            return;
        };
        if format_template(function, self.src).is_some() {
            return; // `"...".format(...)`: a string, handled where it is used.
        }
        let Some(callee) = dotted(function, self.src) else {
            return;
        };
        let receiver = if function.kind() == "attribute" {
            let mut object = function.field(F::Object);
            while let Some(o) = object.filter(|o| o.kind() == "parenthesized_expression") {
                object = o.named_child(0);
            }
            object.and_then(|o| self.call_index.get(&o.id()).copied())
        } else {
            None
        };
        let args_node = node.field(F::Arguments);
        let args = args_node
            .map(|a| arguments(a, self.src))
            .unwrap_or_default();
        let s = self.scope(scope);
        let (scope_name, in_loop) = (s.qualname, s.in_loop);
        let line = Self::line(node);
        if let Some(args_node) = args_node {
            self.sql_argument(&callee, args_node, &scope_name);
        }
        let index = u32::try_from(self.file.calls.len()).unwrap_or(u32::MAX);
        self.call_index.insert(node.id(), index);
        self.file.calls.push(Call {
            scope: scope_name,
            line,
            callee,
            receiver,
            args,
            in_loop,
        });
    }

    /// SQL given to an execute-like call: a literal (or template) is recorded with its text; a
    /// name is recorded as a reference for the core to resolve to a constant.
    fn sql_argument(&mut self, callee: &str, args: Node<'t>, scope: &str) {
        let last = callee.rsplit('.').next().unwrap_or(callee);
        let by_contract = SQL_BY_CONTRACT.contains(&last);
        let if_it_looks = SQL_IF_IT_LOOKS.contains(&last);
        let mut cursor = args.walk();
        let mut candidates: Vec<Node<'t>> = Vec::new();
        let mut positional_seen = false;
        for child in args.named_children(&mut cursor) {
            match child.kind() {
                "comment" => {}
                "keyword_argument" => {
                    let is_sql_kw = child
                        .field(F::Name)
                        .is_some_and(|n| SQL_KEYWORDS.contains(&crate::strings::text(n, self.src)));
                    if is_sql_kw {
                        candidates.extend(child.field(F::Value));
                    }
                }
                _ if !positional_seen => {
                    positional_seen = true;
                    if by_contract || if_it_looks {
                        candidates.push(child);
                    }
                }
                _ => {}
            }
        }
        for arg in candidates {
            let (string_node, templated) = match arg.kind() {
                "binary_operator" => (arg.field(F::Left), true),
                "call" => match arg.field(F::Function) {
                    Some(f) if format_template(f, self.src).is_some() => (f.field(F::Object), true),
                    _ => (None, false),
                },
                "identifier" | "attribute" => {
                    if (by_contract || if_it_looks)
                        && let Some(name) = dotted(arg, self.src)
                    {
                        self.file.sql.push(SqlString {
                            scope: scope.into(),
                            line: Self::line(arg),
                            origin: SqlOrigin::Reference(name),
                            text: String::new(),
                            templated: false,
                        });
                    }
                    (None, false)
                }
                _ => (Some(arg), false),
            };
            let Some(string_node) = string_node else {
                continue;
            };
            self.sql_literal(
                string_node,
                scope,
                SqlOrigin::Argument(callee.into()),
                templated,
            );
        }
    }
}
