//! Polymorphic interfaces: a method that one class family of the repository defines, a root
//! class and the subclasses that override it (`TokenClass.check_otp` and each token type's,
//! `UserIdResolver.getUserId` and each resolver's, `BaseEventHandler.do`). Such objects are
//! made where seam cannot follow (a class looked up by name, `importlib`, a registry of
//! classes), so a call on one (`token.check_otp(...)` with `token` untyped) resolves to
//! nothing. When the method's name belongs to one family only, the call can only run one of
//! its implementations: class hierarchy analysis sends it to all of them (an
//! over-approximation, like every static reach).
//!
//! A family qualifies when: at least two repository classes define the method; one of them
//! (the root) is an ancestor of all the others; no class outside the root's descendants
//! defines it (test, migration and script files do not count); the name is public (no
//! leading underscore, no dunder) and no method of a built-in type (`update`, `append`,
//! `read`: an untyped value may be a dict or a file); and no class of the
//! family is a model or a base of one (a model's CRUD methods, `save`/`delete`, are what every
//! other object has too, and rows are typed by the ORM passes). Families larger than
//! [`MAX_FAMILY`] are left alone.

use rustc_hash::FxHashMap as HashMap;
use seam_facts::python::DefKind;

use super::index::{Index, parent_scope};
use super::models::Models;

/// The most implementations one call is sent to.
const MAX_FAMILY: usize = 64;

/// Methods of Python's built-in types and file objects (`dict.update`, `list.append`,
/// `str.format`, `file.read`): an untyped value is as likely to be one of those as an instance
/// of the family, so a call by one of these names is never sent to a family.
const BUILTIN_METHODS: &[&str] = &[
    // dict
    "clear",
    "copy",
    "fromkeys",
    "get",
    "items",
    "keys",
    "pop",
    "popitem",
    "setdefault",
    "update",
    "values",
    // list, tuple
    "append",
    "count",
    "extend",
    "index",
    "insert",
    "remove",
    "reverse",
    "sort",
    // set
    "add",
    "difference",
    "difference_update",
    "discard",
    "intersection",
    "intersection_update",
    "isdisjoint",
    "issubset",
    "issuperset",
    "symmetric_difference",
    "symmetric_difference_update",
    "union",
    // str, bytes
    "capitalize",
    "casefold",
    "center",
    "decode",
    "encode",
    "endswith",
    "expandtabs",
    "find",
    "format",
    "format_map",
    "hex",
    "isalnum",
    "isalpha",
    "isascii",
    "isdecimal",
    "isdigit",
    "isidentifier",
    "islower",
    "isnumeric",
    "isprintable",
    "isspace",
    "istitle",
    "isupper",
    "join",
    "ljust",
    "lower",
    "lstrip",
    "partition",
    "removeprefix",
    "removesuffix",
    "replace",
    "rfind",
    "rindex",
    "rjust",
    "rpartition",
    "rsplit",
    "rstrip",
    "split",
    "splitlines",
    "startswith",
    "strip",
    "swapcase",
    "title",
    "translate",
    "upper",
    "zfill",
    // file objects
    "close",
    "fileno",
    "flush",
    "read",
    "readline",
    "readlines",
    "seek",
    "tell",
    "truncate",
    "write",
    "writelines",
];

/// A def: (unit, index in the unit's defs).
type Def = (usize, usize);

/// Method name → its implementations (unit, def), root first, then in unit and def order.
pub(crate) type Families<'a> = HashMap<&'a str, Vec<(usize, usize)>>;

pub(crate) fn families<'a>(ix: &Index<'a>, models: &Models) -> Families<'a> {
    // name → [(class, method)]
    let mut defined: HashMap<&'a str, Vec<(Def, Def)>> = HashMap::default();
    for (u, unit) in ix.units.iter().enumerate() {
        // A test's double (`class FakeResolver: def get_user_info(...)`) makes no name
        // ambiguous for the application, nor do migrations or scripts.
        if crate::discover::Tag::outside_application(&unit.file.tags) {
            continue;
        }
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind != DefKind::Method {
                continue;
            }
            let name = def.qualname.rsplit('.').next().unwrap_or("");
            if name.starts_with('_') || BUILTIN_METHODS.contains(&name) {
                continue;
            }
            let Some(c) = ix.def_of_scope(u, parent_scope(&def.qualname)) else {
                continue;
            };
            if unit.facts.defs[c].kind != DefKind::Class {
                continue;
            }
            defined.entry(name).or_default().push(((u, c), (u, d)));
        }
    }
    // A class that is a model, or an ancestor of one, is no interface root here.
    let model_lineage: rustc_hash::FxHashSet<(usize, usize)> = models
        .by_def
        .keys()
        .flat_map(|&(u, d)| ix.lineage(u, d))
        .collect();
    let mut out: Families<'a> = HashMap::default();
    for (name, defs) in defined {
        if defs.len() < 2 || defs.len() > MAX_FAMILY {
            continue;
        }
        if defs.iter().any(|(c, _)| model_lineage.contains(c)) {
            continue;
        }
        let lineages: Vec<Vec<(usize, usize)>> =
            defs.iter().map(|(c, _)| ix.lineage(c.0, c.1)).collect();
        let Some(root) = defs
            .iter()
            .position(|(r, _)| lineages.iter().all(|l| l.contains(r)))
        else {
            continue;
        };
        let mut impls: Vec<(usize, usize)> = Vec::with_capacity(defs.len());
        impls.push(defs[root].1);
        let mut rest: Vec<(usize, usize)> = defs
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != root)
            .map(|(_, (_, m))| *m)
            .collect();
        rest.sort_unstable();
        impls.extend(rest);
        out.insert(name, impls);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::analyze;
    use crate::analysis::EdgeKind;

    fn calls_from<'a>(a: &'a crate::analysis::Analysis, from: &str) -> Vec<&'a str> {
        let mut v: Vec<&str> = a
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Calls && &*e.from == from)
            .map(|e| &*e.to)
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn only_a_family_with_a_root_that_defines_the_method_is_dispatched() {
        let a = analyze(&[(
            "p.py",
            "class Base:\n    def run(self):\n        pass\nclass A(Base):\n    def run(self):\n        pass\n\
class Other:\n    pass\nclass B(Other):\n    def stop(self):\n        pass\nclass C(Other):\n    def stop(self):\n        pass\n\
def use(x, y):\n    x.run()\n    y.stop()\n",
        )]);
        // `stop` has no root among its definers (`Other` does not define it): no guess.
        assert_eq!(calls_from(&a, "p:use"), vec!["p:A.run", "p:Base.run"]);
    }
}
