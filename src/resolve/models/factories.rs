//! Models made at import time by class factories: `type(name, bases, attrs)`. Inside a mixin's
//! method (often a `@declared_attr`) the factory runs once per model that uses the mixin, with
//! `self`/`cls` that model: `type(f"{cls.__name__}Label", (Label, Base), {"__tablename__":
//! f"{cls.__tablename__}_label", "parent_id": Column(ForeignKey(f"{cls.__tablename__}.id"))})`
//! makes `SketchLabel` on `sketch_label` for `Sketch`. Static reading recovers what the
//! templates say when their holes are only the class's name and table; anything else is left
//! alone. The generated class is a node of its own (the module where `type` is called is its
//! `__module__`), with the columns of its bases and of the attribute dict.

use seam_facts::ids::symbol_id;
use seam_facts::python::{Arg, Call, DefKind, Expr};

use super::super::builder::Builder;
use super::super::index::{Index, parent_scope};
use super::super::names::Value;
use super::columns::{add_column, columns_of_class};
use super::{Models, own_and_mixins, unit_outside_schema};
use crate::analysis::{EdgeKind, Evidence};

/// How many nested expressions a substitution walks (the front end keeps 4 levels).
const MAX_DEPTH: u32 = 8;

/// What the holes of a template may name: the class the factory runs for.
struct Subst<'s> {
    class: &'s str,
    table: &'s str,
}

/// `"{self.__name__:s}Label"` → `"SketchLabel"`; `None` when a hole names anything else.
fn fill(template: &str, subst: Option<&Subst<'_>>) -> Option<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}')? + open;
        let hole = &rest[open + 1..close];
        let expr = hole.split([':', '!']).next().unwrap_or(hole).trim();
        let s = subst?;
        if expr.ends_with(".__name__") {
            out.push_str(s.class);
        } else if expr.ends_with(".__tablename__") {
            out.push_str(s.table);
        } else {
            return None;
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The expression with every string's holes filled; strings that cannot be filled stay as
/// they are (later readers skip templated strings).
fn filled(e: &Expr, subst: Option<&Subst<'_>>, depth: u32) -> Expr {
    if depth > MAX_DEPTH {
        return Expr::Other;
    }
    match e {
        Expr::Str(s) => Expr::Str(fill(s, subst).unwrap_or_else(|| s.to_string()).into()),
        Expr::Call { callee, args } => Expr::Call {
            callee: *callee,
            args: args
                .iter()
                .map(|a| Arg {
                    keyword: a.keyword,
                    value: filled(&a.value, subst, depth + 1),
                })
                .collect(),
        },
        Expr::List(items) => {
            Expr::List(items.iter().map(|i| filled(i, subst, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

/// `type("Name", (Bases,), {...})`: the three parts, if the call has that shape. The name may
/// be a variable of the same function (`class_name = f"{cls.__name__}Label"`).
fn factory_parts<'c>(ix: &'c Index<'_>, u: usize, call: &'c Call) -> Option<Parts<'c>> {
    if call.callee != "type" {
        return None;
    }
    let positional: Vec<&Expr> = call
        .args
        .iter()
        .filter(|a| a.keyword.is_none())
        .map(|a| &a.value)
        .collect();
    let [name, Expr::List(bases), attrs] = positional.as_slice() else {
        return None;
    };
    let attrs = attrs.str_items()?;
    let name = match name {
        Expr::Str(s) => s.as_str(),
        Expr::Name(n) => match ix.resolve(u, &call.scope, n) {
            Value::Var(vu, va) => match &ix.units[vu].facts.assigns[va].value {
                Expr::Str(s) => s.as_str(),
                _ => return None,
            },
            _ => return None,
        },
        _ => return None,
    };
    Some((name, &bases[..], attrs))
}

/// Is `ancestor` among the repository bases of (u, d), transitively?
fn derives(ix: &Index<'_>, u: usize, d: usize, ancestor: (usize, usize)) -> bool {
    ix.lineage(u, d).into_iter().skip(1).any(|c| c == ancestor)
}

pub(crate) fn class_factories(ix: &Index<'_>, b: &mut Builder, models: &Models) {
    let mut keys: Vec<(usize, usize)> = models.by_def.keys().copied().collect();
    keys.sort_unstable();
    for (u, unit) in ix.units.iter().enumerate() {
        if unit_outside_schema(ix, u) {
            continue;
        }
        for call in &unit.facts.calls {
            let Some((name, bases, attrs)) = factory_parts(ix, u, call) else {
                continue;
            };
            // Inside a method of a class: run for each model deriving that class.
            let mixin = ix.def_of_scope(u, parent_scope(&call.scope)).filter(|&c| {
                ix.def_of_scope(u, &call.scope)
                    .is_some_and(|m| unit.facts.defs[m].kind == DefKind::Method)
                    && unit.facts.defs[c].kind == DefKind::Class
            });
            match mixin {
                Some(c) => {
                    for &(mu, md) in &keys {
                        if !derives(ix, mu, md, (u, c)) {
                            continue;
                        }
                        let qual = &ix.units[mu].facts.defs[md].qualname;
                        let class = qual.rsplit('.').next().unwrap_or(qual);
                        let subst = Subst {
                            class,
                            table: &models.by_def[&(mu, md)].table,
                        };
                        generate(
                            ix,
                            b,
                            models,
                            u,
                            call,
                            (name, bases, attrs.clone()),
                            Some(&subst),
                        );
                    }
                }
                None => generate(ix, b, models, u, call, (name, bases, attrs), None),
            }
        }
    }
}

type Parts<'c> = (&'c str, &'c [Expr], Vec<(&'c str, &'c Expr)>);

fn generate(
    ix: &Index<'_>,
    b: &mut Builder,
    models: &Models,
    u: usize,
    call: &Call,
    (name, bases, attrs): Parts<'_>,
    subst: Option<&Subst<'_>>,
) {
    let Some(class) = fill(name, subst) else {
        return;
    };
    let table = attrs
        .iter()
        .find(|(k, _)| *k == "__tablename__")
        .and_then(|(_, v)| match filled(v, subst, 0) {
            Expr::Str(s) if !s.contains('{') => Some(seam_facts::ids::table_name(&s)),
            _ => None,
        });
    let Some(table) = table else {
        return;
    };
    let unit = &ix.units[u];
    let id = symbol_id(&unit.facts.module, &class);
    let evidence = Evidence {
        file: unit.file.rel.clone().into(),
        line: call.line,
    };
    b.generated_classes.insert(id.clone(), evidence.clone());
    b.tag(&id, "model");
    b.edge(
        &id,
        &format!("table:{table}"),
        EdgeKind::Maps,
        &unit.file.rel,
        call.line,
    );
    b.edge(
        &ix.owner_id(u, &call.scope),
        &id,
        EdgeKind::Contains,
        &unit.file.rel,
        call.line,
    );
    {
        let t = b.table(&table);
        t.models.insert(id.clone());
        t.defined_in.insert(evidence.clone());
    }
    // Columns of the bases (and their mixins), then of the attribute dict.
    for base in bases {
        let Expr::Name(n) = base else { continue };
        if let Value::Def(bu, bd) = ix.resolve(u, &call.scope, n)
            && ix.units[bu].facts.defs[bd].kind == DefKind::Class
        {
            for (cu, cd) in own_and_mixins(ix, models, bu, bd) {
                columns_of_class(ix, b, &table, cu, cd);
            }
        }
    }
    for (column, value) in attrs {
        if column.starts_with("__") {
            continue;
        }
        if let Expr::Call { callee, args } = filled(value, subst, 0)
            && super::columns::is_column(&callee)
        {
            add_column(ix, b, &table, column, &args, &evidence, u, &call.scope);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::analyze;

    #[test]
    fn a_mixin_factory_makes_one_model_per_user_of_the_mixin() {
        let a = analyze(&[(
            "m.py",
            "from sqlalchemy import Column, Integer, ForeignKey, Unicode\nfrom sqlalchemy.orm import declarative_base, declared_attr, relationship\nBase = declarative_base()\nclass Note:\n    body = Column(Unicode(255))\nclass NoteMixin:\n    @declared_attr\n    def notes(cls):\n        cls.Note = type(\n            f\"{cls.__name__}Note\",\n            (Note, Base),\n            {\n                \"__tablename__\": \"%s_note\" % cls.__tablename__,\n                \"id\": Column(Integer, primary_key=True),\n                \"parent_id\": Column(Integer, ForeignKey(f\"{cls.__tablename__}.id\")),\n            },\n        )\n        return relationship(cls.Note)\nclass Ticket(NoteMixin, Base):\n    __tablename__ = 'ticket'\n    id = Column(Integer, primary_key=True)\n",
        )]);
        let names: Vec<(&str, &Vec<String>)> = a
            .tables
            .iter()
            .map(|t| (t.name.as_str(), &t.models))
            .collect();
        assert_eq!(
            names,
            vec![
                ("ticket", &vec!["m:Ticket".to_owned()]),
                ("ticket_note", &vec!["m:TicketNote".to_owned()]),
            ]
        );
        let note = &a.tables[1];
        let cols: Vec<&str> = note.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(cols, vec!["body", "id", "parent_id"]);
        assert_eq!(note.foreign_keys[0].references, "table:ticket");
        assert!(a.nodes.iter().any(|n| n.id == "m:TicketNote"));
        assert!(
            !a.tables[0].columns.iter().any(|c| c.name == "notes"),
            "the factory's Column is not the mixin user's column"
        );
    }
}
