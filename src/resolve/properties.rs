//! Reading a property runs it: `token.first_owner` where `first_owner` is a `@property` of the
//! class `token` holds calls the getter (which may query: `return self.owners.first()`). The
//! call facts never see it (no parentheses), so this pass adds a `calls` edge from the code
//! that reads the attribute to the getter, at the read's first line in its scope, counted as
//! a call seen and resolved in the summary. `@cached_property` and SQLAlchemy's
//! `@hybrid_property` are read the same way.

use rustc_hash::FxHashSet as HashSet;

use rayon::prelude::*;
use seam_facts::python::{DefKind, Expr};

use super::builder::Builder;
use super::dotted::last_segment;
use super::families::Families;
use super::index::Index;
use super::names::Value;

/// Decorators that make a method a property (by their last segment: `functools.cached_property`).
const PROPERTY_DECORATORS: &[&str] = &["property", "cached_property", "hybrid_property"];

fn is_property(def: &seam_facts::python::Def) -> bool {
    def.kind == DefKind::Method
        && def
            .decorators
            .iter()
            .any(|e| matches!(e, Expr::Name(n) if PROPERTY_DECORATORS.contains(&last_segment(n))))
}

pub(crate) fn resolve_properties(ix: &Index<'_>, families: &Families<'_>, b: &mut Builder) {
    // Most attribute reads are not properties: filter by name before resolving anything.
    let names: HashSet<&str> = ix
        .units
        .iter()
        .flat_map(|u| u.facts.defs.iter())
        .filter(|d| is_property(d))
        .map(|d| last_segment(&d.qualname))
        .collect();
    if names.is_empty() {
        return;
    }
    let found: Vec<Vec<(String, String, u32)>> = (0..ix.units.len())
        .into_par_iter()
        .map(|u| {
            let unit = &ix.units[u];
            let mut out = Vec::new();
            for a in &unit.facts.attrs {
                if a.scope.is_empty() || !names.contains(a.attr.as_str()) {
                    continue;
                }
                let (pu, pd) = match ix.resolve(u, &a.scope, &format!("{}.{}", a.base, a.attr)) {
                    Value::Def(pu, pd) => (pu, pd),
                    // `handler.actions` on a value seam cannot type, where one class family
                    // defines the property: each implementation's getter (`families.rs`).
                    Value::Dynamic | Value::Var(..) if a.base != "self" && a.base != "cls" => {
                        if let Some(impls) = families.get(a.attr.as_str())
                            && impls
                                .iter()
                                .all(|&(iu, id)| is_property(&ix.units[iu].facts.defs[id]))
                        {
                            let from = ix.owner_id(u, &a.scope);
                            out.extend(
                                impls
                                    .iter()
                                    .map(|&(iu, id)| (from.clone(), ix.symbol_id(iu, id), a.line)),
                            );
                        }
                        continue;
                    }
                    _ => continue,
                };
                let def = &ix.units[pu].facts.defs[pd];
                // The getter itself reading another instance's value of it is no call of note.
                if !is_property(def) || (pu == u && def.qualname == a.scope) {
                    continue;
                }
                out.push((ix.owner_id(u, &a.scope), ix.symbol_id(pu, pd), a.line));
            }
            out
        })
        .collect();
    for (u, edges) in found.into_iter().enumerate() {
        let file = ix.units[u].file.rel.as_str();
        for (from, to, line) in edges {
            b.implicit_call(&from, &to, file, line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::analyze;
    use crate::analysis::EdgeKind;

    #[test]
    fn reading_a_property_of_a_typed_value_calls_its_getter() {
        let a = analyze(&[(
            "m.py",
            "class Token:\n    @property\n    def owner(self):\n        return 1\n    def plain(self):\n        return 2\n\ndef use(t: Token):\n    x = t.owner\n    y = t.plain\n    return x, y\n",
        )]);
        let calls: Vec<(&str, &str, u32)> = a
            .edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Calls && &*e.from == "m:use")
            .map(|e| (&*e.from, &*e.to, e.evidence[0].line))
            .collect();
        assert_eq!(calls, vec![("m:use", "m:Token.owner", 9)]);
    }
}
