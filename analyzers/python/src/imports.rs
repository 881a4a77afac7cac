//! `import` and `from ... import` statements, as written: resolving them to modules of the
//! repository is the core's job.

use crate::fields::{F, Field};
use seam_facts::python::{Import, Name};
use tree_sitter::Node;

use crate::exprs::dotted;
use crate::strings::text;
use crate::walker::Walker;

impl<'s, 't> Walker<'s, 't> {
    pub(crate) fn import(&mut self, node: Node<'t>, scope: u32) {
        let scope_name = self.scope(scope).qualname;
        let line = Self::line(node);
        let mut cursor = node.walk();
        match node.kind() {
            "import_statement" => {
                for name in node.children_by_field_name("name", &mut cursor) {
                    let (module, alias) = name_and_alias(name, self.src);
                    let Some(module) = module else { continue };
                    self.file.imports.push(Import {
                        scope: scope_name,
                        line,
                        module,
                        level: 0,
                        name: None,
                        alias,
                    });
                }
            }
            "import_from_statement" => {
                let (module, level) = match node.field(F::ModuleName) {
                    Some(m) if m.kind() == "relative_import" => {
                        let mut level = 0;
                        let mut module = Name::default();
                        let mut c = m.walk();
                        for part in m.named_children(&mut c) {
                            match part.kind() {
                                "import_prefix" => {
                                    level =
                                        text(part, self.src).chars().filter(|&ch| ch == '.').count()
                                            as u32
                                }
                                _ => module = dotted_name(part, self.src),
                            }
                        }
                        (module, level)
                    }
                    Some(m) => (dotted_name(m, self.src), 0),
                    None => return,
                };
                let mut names = Vec::new();
                let mut c = node.walk();
                for child in node.children_by_field_name("name", &mut c) {
                    let (name, alias) = name_and_alias(child, self.src);
                    if let Some(name) = name {
                        names.push((name, alias));
                    }
                }
                let mut c = node.walk();
                if node
                    .named_children(&mut c)
                    .any(|n| n.kind() == "wildcard_import")
                {
                    names.push(("*".into(), None));
                }
                for (name, alias) in names {
                    self.file.imports.push(Import {
                        scope: scope_name,
                        line,
                        module,
                        level,
                        name: Some(name),
                        alias,
                    });
                }
            }
            _ => {} // `from __future__ import ...` binds nothing seam needs.
        }
    }
}

fn dotted_name(node: Node<'_>, src: &[u8]) -> Name {
    if node.kind() == "dotted_name" {
        let mut c = node.walk();
        node.named_children(&mut c)
            .map(|p| text(p, src))
            .collect::<Vec<_>>()
            .join(".")
            .into()
    } else {
        dotted(node, src).unwrap_or_else(|| text(node, src).into())
    }
}

fn name_and_alias(node: Node<'_>, src: &[u8]) -> (Option<Name>, Option<Name>) {
    match node.kind() {
        "dotted_name" => (Some(dotted_name(node, src)), None),
        "aliased_import" => {
            let name = node.field(F::Name).map(|n| dotted_name(n, src));
            let alias = node.field(F::Alias).map(|a| text(a, src).into());
            (name, alias)
        }
        "identifier" => (Some(text(node, src).into()), None),
        _ => (None, None),
    }
}
