//! Field lookups by id: tree-sitter's `child_by_field_name` compares strings on every call,
//! which showed in profiles; the ids are resolved once per process.

use std::sync::OnceLock;

use tree_sitter::Node;

/// The grammar fields seam reads.
#[derive(Debug, Clone, Copy)]
pub(crate) enum F {
    Alias,
    Arguments,
    Attribute,
    Body,
    Definition,
    Function,
    Key,
    Left,
    ModuleName,
    Name,
    Object,
    Operator,
    Operators,
    Parameters,
    ReturnType,
    Right,
    Subscript,
    Superclasses,
    Type,
    Value,
}

const NAMES: [&str; 20] = [
    "alias",
    "arguments",
    "attribute",
    "body",
    "definition",
    "function",
    "key",
    "left",
    "module_name",
    "name",
    "object",
    "operator",
    "operators",
    "parameters",
    "return_type",
    "right",
    "subscript",
    "superclasses",
    "type",
    "value",
];

fn ids() -> &'static [u16; 20] {
    static IDS: OnceLock<[u16; 20]> = OnceLock::new();
    IDS.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        // Every name is a field of the grammar (a unit test checks it); 0 finds nothing.
        NAMES.map(|n| language.field_id_for_name(n).map_or(0, |id| id.get()))
    })
}

/// `node.field(F::Function)`: the child in that field.
pub(crate) trait Field<'t> {
    fn field(&self, f: F) -> Option<Node<'t>>;
}

impl<'t> Field<'t> for Node<'t> {
    fn field(&self, f: F) -> Option<Node<'t>> {
        self.child_by_field_id(ids()[f as usize])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_field_exists_in_the_grammar() {
        assert!(super::ids().iter().all(|&id| id != 0));
    }
}
