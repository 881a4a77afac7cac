//! The code measured against `seam.toml`: every symbol placed in an accepted service (by the
//! most specific pattern; new code by its module, else by its callers), and every dependency
//! between services that the file does not allow listed as a violation with its evidence.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::config::{Boundaries, ConfigError};
use crate::analysis::{Analysis, EdgeKind, Evidence, NodeKind};

/// Tags that keep code out of judgement (tests may call anything).
use crate::analysis::NOT_APPLICATION as EXEMPT_TAGS;

/// Where each symbol sits under the accepted boundaries.
#[derive(Debug, Clone, Default)]
pub struct Assignment {
    /// Symbol id → service name; `None`-valued ids are absent.
    pub service: BTreeMap<String, String>,
    pub kernel: BTreeSet<String>,
    /// Table id → owning service.
    pub owner: BTreeMap<String, String>,
    /// How symbols matched by no pattern were placed: id → "module" or "callers".
    pub inferred: BTreeMap<String, &'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Violation {
    /// `call`, `reads` or `writes`.
    pub kind: String,
    pub from: String,
    pub to: String,
    pub from_service: String,
    pub to_service: String,
    pub evidence: Vec<Evidence>,
}

impl Violation {
    /// What a baseline remembers: no line numbers, so that unrelated edits keep it valid.
    pub fn key(&self) -> String {
        format!("{} {} -> {}", self.kind, self.from, self.to)
    }

    pub fn message(&self) -> String {
        let what = match self.kind.as_str() {
            "call" => format!("calls {}", self.to),
            k => format!("{k} {} (owned by {})", self.to, self.to_service),
        };
        format!(
            "{} -> {}: {} {what}: not an allowed dependency in seam.toml",
            self.from_service, self.to_service, self.from
        )
    }
}

fn symbol_kind(k: NodeKind) -> bool {
    matches!(k, NodeKind::Class | NodeKind::Function | NodeKind::Method)
}

/// Places every symbol. Two services claiming one id with equally specific patterns is an
/// overlap, reported at both patterns.
pub fn assign(a: &Analysis, b: &Boundaries) -> Result<Assignment, Vec<ConfigError>> {
    let mut out = Assignment::default();
    let mut errors = Vec::new();
    let mut reported: BTreeSet<(usize, usize)> = BTreeSet::new();
    for n in a
        .nodes
        .iter()
        .filter(|n| symbol_kind(n.kind) || n.kind == NodeKind::Module)
    {
        // Best match per service, then the best overall.
        let mut best: Vec<(u32, &str, usize, usize, &str)> = Vec::new();
        for s in &b.services {
            if let Some((score, m)) = s
                .members
                .iter()
                .filter_map(|m| m.value.matches(&n.id).map(|sc| (sc, m)))
                .max_by_key(|(sc, _)| *sc)
            {
                best.push((score, &s.name, m.line, m.col, &m.value.text));
            }
        }
        let kernel_score = b.kernel.iter().filter_map(|m| m.value.matches(&n.id)).max();
        best.sort_by_key(|x| std::cmp::Reverse(x.0));
        if let [first, second, ..] = best.as_slice()
            && first.0 == second.0
            && kernel_score.is_none_or(|k| k < first.0)
        {
            for (_, svc, line, col, text) in [first, second] {
                if reported.insert((*line, *col)) {
                    let other = if svc == &first.1 { second } else { first };
                    errors.push(ConfigError {
                        line: *line,
                        col: *col,
                        message: format!(
                            "pattern `{text}` of `{svc}` and `{}` of `{}` both claim `{}`: make one more specific",
                            other.4, other.1, n.id
                        ),
                    });
                }
            }
            continue;
        }
        match (best.first(), kernel_score) {
            (Some(top), Some(k)) if k >= top.0 => {
                out.kernel.insert(n.id.clone());
            }
            (None, Some(_)) => {
                out.kernel.insert(n.id.clone());
            }
            (Some(top), _) => {
                out.service.insert(n.id.clone(), top.1.to_owned());
            }
            (None, None) => {}
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| (e.line, e.col));
        return Err(errors);
    }
    // New code: by its module (the module node or the majority of its placed symbols), else by
    // its callers when they all sit in one service.
    let mut module_votes: BTreeMap<&str, BTreeMap<&str, usize>> = BTreeMap::new();
    for (id, s) in &out.service {
        if let Some((m, _)) = id.split_once(':') {
            *module_votes
                .entry(m)
                .or_default()
                .entry(s.as_str())
                .or_default() += 1;
        }
    }
    let mut callers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Calls) {
        callers.entry(&*e.to).or_default().insert(&*e.from);
    }
    let mut inferred: Vec<(String, String, &'static str)> = Vec::new();
    for n in a.nodes.iter().filter(|n| symbol_kind(n.kind)) {
        if out.service.contains_key(&n.id) || out.kernel.contains(&n.id) {
            continue;
        }
        let module = n.id.split_once(':').map_or(n.id.as_str(), |(m, _)| m);
        let by_module = out.service.get(module).cloned().or_else(|| {
            module_votes.get(module).and_then(|votes| {
                let max = votes.values().max()?;
                let top: Vec<&&str> = votes
                    .iter()
                    .filter(|(_, c)| *c == max)
                    .map(|(s, _)| s)
                    .collect();
                (top.len() == 1).then(|| (*top[0]).to_owned())
            })
        });
        if let Some(s) = by_module {
            inferred.push((n.id.clone(), s, "module"));
            continue;
        }
        let services: BTreeSet<&String> = callers
            .get(n.id.as_str())
            .into_iter()
            .flatten()
            .filter_map(|c| out.service.get(*c))
            .collect();
        if let [only] = services.into_iter().collect::<Vec<_>>()[..] {
            inferred.push((n.id.clone(), only.clone(), "callers"));
        }
    }
    for (id, s, how) in inferred {
        out.service.insert(id.clone(), s);
        out.inferred.insert(id, how);
    }
    for s in &b.services {
        for t in &s.tables {
            out.owner.insert(t.value.clone(), s.name.clone());
        }
    }
    Ok(out)
}

/// Dependencies between services that `seam.toml` does not allow, sorted.
pub fn violations(a: &Analysis, b: &Boundaries, asg: &Assignment) -> Vec<Violation> {
    crossings(a, b, asg)
        .into_iter()
        .filter(|(allowed, _)| !allowed)
        .map(|(_, v)| v)
        .collect()
}

/// Every dependency that crosses a service boundary, with whether `seam.toml` allows it: what
/// history records, so that coupling can be followed even where it is accepted.
pub fn crossings(a: &Analysis, b: &Boundaries, asg: &Assignment) -> Vec<(bool, Violation)> {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = b
        .services
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.allow.iter().map(|x| x.value.as_str()).collect(),
            )
        })
        .collect();
    let exempt = a.ids_tagged(EXEMPT_TAGS);
    let mut out = Vec::new();
    for e in &a.edges {
        if exempt.contains(&*e.from) {
            continue;
        }
        let (kind, target_service) = match e.kind {
            EdgeKind::Calls | EdgeKind::Enqueues => ("call", asg.service.get(&*e.to)),
            EdgeKind::Reads => ("reads", asg.owner.get(&*e.to)),
            EdgeKind::Writes => ("writes", asg.owner.get(&*e.to)),
            _ => continue,
        };
        let (Some(from), Some(to)) = (asg.service.get(&*e.from), target_service) else {
            continue;
        };
        if from == to {
            continue;
        }
        let ok = allowed
            .get(from.as_str())
            .is_some_and(|s| s.contains(to.as_str()));
        out.push((
            ok,
            Violation {
                kind: kind.to_owned(),
                from: e.from.to_string(),
                to: e.to.to_string(),
                from_service: from.clone(),
                to_service: to.clone(),
                evidence: e.evidence.clone(),
            },
        ));
    }
    out.sort();
    out
}
