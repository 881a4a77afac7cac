//! Node kinds by id: `Node::kind()` turns the grammar's symbol name into a `&str` (a `strlen`
//! and a UTF-8 check) on every call, and the walk asks it of every node, which showed in
//! profiles; the walk instead looks the numeric id up in a table built once per process.

use std::sync::OnceLock;

/// What the walk does with a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Decorated,
    Definition,
    Import,
    Call,
    Assignment,
    /// `x.attr += value`.
    AugmentedAssignment,
    Return,
    For,
    /// `while` and comprehensions: their bodies run in a loop.
    Loop,
    AsPattern,
    Attribute,
    Python2,
    /// Nothing below it matters.
    Leaf,
    /// Descend.
    Other,
}

const ROLES: &[(&str, Role)] = &[
    ("decorated_definition", Role::Decorated),
    ("function_definition", Role::Definition),
    ("class_definition", Role::Definition),
    ("import_statement", Role::Import),
    ("import_from_statement", Role::Import),
    ("future_import_statement", Role::Import),
    ("call", Role::Call),
    ("assignment", Role::Assignment),
    ("augmented_assignment", Role::AugmentedAssignment),
    ("return_statement", Role::Return),
    ("for_statement", Role::For),
    ("while_statement", Role::Loop),
    ("list_comprehension", Role::Loop),
    ("set_comprehension", Role::Loop),
    ("dictionary_comprehension", Role::Loop),
    ("generator_expression", Role::Loop),
    ("as_pattern", Role::AsPattern),
    ("attribute", Role::Attribute),
    ("print_statement", Role::Python2),
    ("exec_statement", Role::Python2),
    ("comment", Role::Leaf),
    ("string_content", Role::Leaf),
    ("escape_sequence", Role::Leaf),
    ("identifier", Role::Leaf),
    ("integer", Role::Leaf),
    ("float", Role::Leaf),
];

fn table() -> &'static [Role] {
    static TABLE: OnceLock<Vec<Role>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        let mut table = vec![Role::Other; language.node_kind_count()];
        for &(name, role) in ROLES {
            let id = language.id_for_node_kind(name, true) as usize;
            if id != 0 && id < table.len() {
                table[id] = role;
            }
        }
        table
    })
}

/// The role of a node kind id (ids outside the grammar, such as `ERROR`'s, are `Other`).
pub(crate) fn role(kind_id: u16) -> Role {
    table()
        .get(kind_id as usize)
        .copied()
        .unwrap_or(Role::Other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_in_the_grammar_and_roles_match_names() {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        for &(name, role_expected) in ROLES {
            let id = language.id_for_node_kind(name, true);
            assert_ne!(id, 0, "{name}");
            assert_eq!(role(id), role_expected, "{name}");
        }
        let module = language.id_for_node_kind("module", true);
        assert_eq!(role(module), Role::Other);
    }
}
