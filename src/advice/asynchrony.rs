//! Async (event-driven) candidates: route handlers that do slow work synchronously — external
//! I/O, sleeping, file generation, heavy aggregation, queries in loops (N+1), many queries,
//! deep call chains. Each is scored and given an event, its producer (the route) and its
//! consumer (a worker in the service that owns the handler).

use std::collections::{BTreeSet, HashMap};

use super::calls::Handlers;
use super::types::{AsyncCandidate, Reason};
use crate::analysis::{Analysis, EdgeKind, Evidence};
use crate::cluster::Proposal;

/// External call prefixes by the kind of slow work they do, with the points each kind scores.
const SLOW: &[(&str, &[&str], f64)] = &[
    (
        "external_io",
        &[
            "requests.",
            "httpx.",
            "urllib.request.",
            "urllib3.",
            "aiohttp.",
            "smtplib.",
            "boto3.",
            "botocore.",
            "subprocess.",
            "socket.",
            "ftplib.",
            "paramiko.",
            "stripe.",
            "flask_mail.",
            "sendgrid.",
            "twilio.",
            "ldap3.",
            "ldap.",
        ],
        3.0,
    ),
    ("sleep", &["time.sleep"], 3.0),
    (
        "file_generation",
        &[
            "csv.",
            "openpyxl.",
            "xlsxwriter.",
            "xlwt.",
            "reportlab.",
            "weasyprint.",
            "fpdf.",
            "pdfkit.",
            "zipfile.",
            "PIL.",
            "docx.",
        ],
        2.0,
    ),
    ("aggregation", &["pandas.", "numpy.", "polars."], 2.0),
];
const N_PLUS_ONE_POINTS: f64 = 2.0;
/// Query sites a request may run before each further one counts.
const QUERY_ALLOWANCE: usize = 5;
const QUERY_POINTS: f64 = 0.25;
/// Handlers scoring below this are not candidates.
const THRESHOLD: f64 = 3.0;

fn evidence_of(a: &Analysis, id: &str) -> Evidence {
    a.nodes
        .binary_search_by(|n| n.id.as_str().cmp(id))
        .ok()
        .map(|i| Evidence {
            file: a.nodes[i].file.clone(),
            line: a.nodes[i].line,
        })
        .unwrap_or(Evidence {
            file: String::new(),
            line: 0,
        })
}

pub fn advise(
    a: &Analysis,
    handlers: &Handlers<'_>,
    proposal: Option<&Proposal>,
) -> Vec<AsyncCandidate> {
    let mut out = Vec::new();
    let mut seen_handlers: BTreeSet<&str> = BTreeSet::new();
    // Indexed by symbol: a handler looks at what it reaches, not at every call and query.
    let mut external_of: HashMap<&str, Vec<&crate::analysis::ExternalCall>> = HashMap::new();
    for x in &a.external_calls {
        external_of.entry(x.from.as_str()).or_default().push(x);
    }
    let service_of = proposal
        .map(Proposal::service_of_members)
        .unwrap_or_default();
    let mut enqueues_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Enqueues) {
        enqueues_of
            .entry(e.from.as_str())
            .or_default()
            .push(e.to.as_str());
    }
    for r in &a.routes {
        // One candidate per handler (a MethodView's GET and POST are separate handlers).
        if !seen_handlers.insert(r.handler.as_str()) {
            continue;
        }
        let reached = handlers.reached(r);
        let mut reasons: BTreeSet<Reason> = BTreeSet::new();
        let mut score = 0.0;
        let mut kinds_seen: BTreeSet<&str> = BTreeSet::new();
        for x in reached.keys().filter_map(|s| external_of.get(s)).flatten() {
            for &(kind, prefixes, points) in SLOW {
                if prefixes
                    .iter()
                    .any(|p| x.name.starts_with(p) || x.name == p.trim_end_matches('.'))
                {
                    if kinds_seen.insert(kind) {
                        score += points;
                    }
                    let ev = evidence_of(a, &x.from);
                    reasons.insert(Reason {
                        kind: kind.to_owned(),
                        detail: format!("{} in {}", x.name, x.from),
                        file: ev.file,
                        line: ev.line,
                    });
                }
            }
        }
        let queries: Vec<&crate::analysis::Query> = reached
            .keys()
            .flat_map(|s| handlers.queries_of(s))
            .copied()
            .collect();
        for q in queries.iter().filter(|q| q.in_loop) {
            score += N_PLUS_ONE_POINTS;
            reasons.insert(Reason {
                kind: "n_plus_one".into(),
                detail: format!(
                    "{} on {} inside a loop of {}",
                    q.kind,
                    q.reads
                        .iter()
                        .chain(&q.writes)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    q.site
                ),
                file: q.file.clone(),
                line: q.line,
            });
        }
        if queries.len() > QUERY_ALLOWANCE {
            score += QUERY_POINTS * (queries.len() - QUERY_ALLOWANCE) as f64;
            reasons.insert(Reason {
                kind: "many_queries".into(),
                detail: format!("{} query sites reached", queries.len()),
                file: r.file.clone(),
                line: r.line,
            });
        }
        let depth = reached.values().map(|h| h.depth).max().unwrap_or(0);
        if score < THRESHOLD {
            continue;
        }
        if depth >= 3 {
            reasons.insert(Reason {
                kind: "call_depth".into(),
                detail: format!("calls {depth} levels deep"),
                file: r.file.clone(),
                line: r.line,
            });
        }
        let existing_tasks: Vec<String> = reached
            .keys()
            .filter_map(|s| enqueues_of.get(s))
            .flatten()
            .map(|t| (*t).to_owned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let name = r
            .handler
            .rsplit([':', '.'])
            .find(|s| !matches!(*s, "get" | "post" | "put" | "patch" | "delete"))
            .unwrap_or(&r.handler)
            .to_ascii_lowercase();
        let service = service_of.get(r.handler.as_str());
        out.push(AsyncCandidate {
            handler: r.handler.clone(),
            route: r.id.clone(),
            score: (score * 100.0).round() / 100.0,
            reasons: reasons.into_iter().collect(),
            event: format!("{name}_requested"),
            producer: r.id.clone(),
            consumer: match service {
                Some(s) => format!("{s} worker"),
                None => "monolith worker".to_owned(),
            },
            existing_tasks,
        });
    }
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.route.cmp(&y.route))
    });
    out
}
