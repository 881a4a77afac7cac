//! The service map as text diagrams: Graphviz dot and Mermaid. Services are nodes labelled
//! with their size; edges carry the number of calls; shared tables are cylinders linked to
//! the services that use them. Names are quoted/escaped for each language.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Document;
use crate::cluster::{Proposal, SharedTable};

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Mermaid labels live inside `"..."`; quotes and angle brackets become entities.
fn mermaid_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn service_index(p: &Proposal) -> BTreeMap<&str, usize> {
    p.services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect()
}

/// The services that read or write a shared table, once each.
fn table_users(t: &SharedTable) -> Vec<&String> {
    let mut users: Vec<&String> = t.readers.iter().chain(&t.writers).collect();
    users.sort();
    users.dedup();
    users
}

pub fn render_dot(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "digraph services {{")?;
    writeln!(out, "  rankdir=LR;")?;
    writeln!(out, "  node [shape=box, style=rounded];")?;
    if let Some(p) = doc.proposal {
        for (i, s) in p.services.iter().enumerate() {
            writeln!(
                out,
                "  s{i} [label=\"{}\\n{} lines, {} routes\"];",
                dot_escape(&s.name),
                s.metrics.lines,
                s.metrics.routes
            )?;
        }
        let index = service_index(p);
        for ((a, b), n) in p.calls_between() {
            if let (Some(x), Some(y)) = (index.get(a), index.get(b)) {
                writeln!(
                    out,
                    "  s{x} -> s{y} [label=\"{n}\", penwidth={:.1}];",
                    1.0 + f64::from(n).ln_1p()
                )?;
            }
        }
        for (k, t) in p.shared_tables.iter().enumerate() {
            writeln!(
                out,
                "  t{k} [shape=cylinder, label=\"{}\"];",
                dot_escape(t.table.trim_start_matches("table:"))
            )?;
            for u in table_users(t) {
                if let Some(i) = index.get(u.as_str()) {
                    writeln!(out, "  s{i} -> t{k} [style=dashed, arrowhead=none];")?;
                }
            }
        }
    }
    writeln!(out, "}}")
}

pub fn render_mermaid(doc: &Document<'_>, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "flowchart LR")?;
    if let Some(p) = doc.proposal {
        let index = service_index(p);
        for (i, s) in p.services.iter().enumerate() {
            writeln!(
                out,
                "  s{i}[\"{}<br/>{} lines, {} routes\"]",
                mermaid_escape(&s.name),
                s.metrics.lines,
                s.metrics.routes
            )?;
        }
        for ((a, b), n) in p.calls_between() {
            if let (Some(x), Some(y)) = (index.get(a), index.get(b)) {
                writeln!(out, "  s{x} -->|{n}| s{y}")?;
            }
        }
        for (k, t) in p.shared_tables.iter().enumerate() {
            writeln!(
                out,
                "  t{k}[(\"{}\")]",
                mermaid_escape(t.table.trim_start_matches("table:"))
            )?;
            for u in table_users(t) {
                if let Some(i) = index.get(u.as_str()) {
                    writeln!(out, "  s{i} -.- t{k}")?;
                }
            }
        }
    }
    Ok(())
}
