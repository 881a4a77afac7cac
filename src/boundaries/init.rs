//! `seam init`: the current proposal written as a `seam.toml` to review, edit and accept.
//! Modules wholly inside a service become module patterns; classes become `module:Class*`
//! (their methods follow); other symbols are listed exactly. Each service allows the
//! dependencies it has today, so `seam check` passes on the day the file is written; the team
//! then removes what it wants to forbid.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::analysis::{Analysis, EdgeKind, NodeKind};
use crate::cluster::Proposal;

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A service name usable as a bare TOML key (names come from routes and tables: they are
/// already identifier-like, but keep to the safe alphabet).
fn key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        name.to_owned()
    } else {
        quote(name)
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    let mut out = String::from("[\n");
    for i in items {
        let _ = writeln!(out, "  {},", quote(i));
    }
    out.push(']');
    out
}

/// Member patterns for a set of ids: whole modules first, then classes with their methods,
/// then single symbols.
fn patterns(a: &Analysis, members: &[String], whole_modules: &[String]) -> Vec<String> {
    let kind: BTreeMap<&str, NodeKind> = a.nodes.iter().map(|n| (n.id.as_str(), n.kind)).collect();
    let whole: BTreeSet<&str> = whole_modules.iter().map(String::as_str).collect();
    let set: BTreeSet<&str> = members.iter().map(String::as_str).collect();
    let mut out: Vec<String> = compress(a, &whole);
    let mut covered_classes: BTreeSet<&str> = BTreeSet::new();
    for m in members {
        let (module, qual) = m.split_once(':').unwrap_or((m.as_str(), ""));
        if whole.contains(module) {
            continue;
        }
        if kind.get(m.as_str()) == Some(&NodeKind::Class) {
            // `Class*` would also take `ClassFoo`: only when no such sibling exists elsewhere.
            let prefix = m.as_str();
            let clash = a.nodes.iter().any(|n| {
                n.id.starts_with(prefix)
                    && n.id != *m
                    && !n.id[prefix.len()..].starts_with('.')
                    && !set.contains(n.id.as_str())
            });
            if clash {
                out.push(m.clone());
            } else {
                out.push(format!("{m}*"));
                covered_classes.insert(m.as_str());
            }
            continue;
        }
        let class = qual.rsplit_once('.').map(|(c, _)| format!("{module}:{c}"));
        if class
            .as_deref()
            .is_some_and(|c| covered_classes.contains(c))
        {
            continue;
        }
        out.push(m.clone());
    }
    out
}

/// Whole modules as patterns: a package all of whose (non-test) modules are in `whole`
/// becomes `package.*`; the rest stay single modules.
fn compress(a: &Analysis, whole: &BTreeSet<&str>) -> Vec<String> {
    let modules: Vec<&str> = a
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Module && !n.tags.iter().any(|t| t == "test"))
        .map(|n| n.id.as_str())
        .collect();
    let has_symbols: BTreeSet<&str> = a
        .nodes
        .iter()
        .filter(|n| n.kind != NodeKind::Module)
        .filter_map(|n| n.id.split_once(':').map(|(m, _)| m))
        .collect();
    let under = |pkg: &str| -> Vec<&str> {
        let prefix = format!("{pkg}.");
        modules
            .iter()
            .filter(|m| **m == pkg || m.starts_with(&prefix))
            .copied()
            .collect()
    };
    let mut packages: BTreeSet<&str> = BTreeSet::new();
    for m in whole {
        // The highest ancestor package whose modules all belong here.
        let mut best: Option<&str> = None;
        let mut at = *m;
        while let Some((parent, _)) = at.rsplit_once('.') {
            let inside = under(parent);
            // Modules without symbols (a package's `__init__` holding a blueprint) go along.
            if inside.len() > 1
                && inside
                    .iter()
                    .all(|x| whole.contains(x) || !has_symbols.contains(x))
            {
                best = Some(parent);
            }
            at = parent;
        }
        if let Some(p) = best {
            packages.insert(p);
        }
    }
    let mut out: Vec<String> = packages.iter().map(|p| format!("{p}.*")).collect();
    for m in whole {
        if !packages
            .iter()
            .any(|p| m == p || m.starts_with(&format!("{p}.")))
        {
            out.push((*m).to_owned());
        }
    }
    out
}

pub fn render(a: &Analysis, p: &Proposal) -> String {
    let mut deps: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for c in &p.cross_service_calls {
        deps.entry(c.from_service.as_str())
            .or_default()
            .insert(c.to_service.as_str());
    }
    let service_of = p.service_of_members();
    let owner_of = p.owner_of_tables();
    for e in a
        .edges
        .iter()
        .filter(|e| matches!(e.kind, EdgeKind::Reads | EdgeKind::Writes))
    {
        if let (Some(f), Some(o)) = (service_of.get(&*e.from), owner_of.get(&*e.to))
            && f != o
        {
            deps.entry(f).or_default().insert(o);
        }
    }
    let mut out = String::new();
    out.push_str(
        "# seam.toml: the accepted service boundaries. Written by `seam init` from seam's\n\
         # proposal, or from today's packages when its verdict is to keep a modular monolith;\n\
         # review and edit by hand. `seam check` fails when code depends on a service\n\
         # that `allow` does not list (a call, or a read or write of a table another service\n\
         # owns).\n\
         #\n\
         # members: `pkg.*` (a package and everything below), `pkg.module` (one module),\n\
         #          `pkg.module:Class*` (a glob over symbol ids), `pkg.module:func` (exactly).\n\
         #          The most specific pattern wins.\n\
         # tables:  the tables the service owns.\n\
         # allow:   the services it may depend on. Today's dependencies are listed so that\n\
         #          the check passes now: remove one to forbid it from here on.\n\nversion = 1\n",
    );
    for s in &p.services {
        let _ = writeln!(out, "\n[services.{}]", key(&s.name));
        let _ = writeln!(
            out,
            "members = {}",
            list(&patterns(a, &s.members, &s.modules))
        );
        let tables: Vec<String> = s
            .tables
            .iter()
            .map(|t| t.trim_start_matches("table:").to_owned())
            .collect();
        let _ = writeln!(out, "tables = {}", list(&tables));
        let allow: Vec<String> = deps
            .get(s.name.as_str())
            .map(|d| d.iter().map(|x| (*x).to_owned()).collect())
            .unwrap_or_default();
        let _ = writeln!(out, "allow = {}", list(&allow));
    }
    let _ = writeln!(
        out,
        "\n[kernel]\nmembers = {}",
        list(&patterns(a, &p.shared_kernel, &[]))
    );
    out
}
