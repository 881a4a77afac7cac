//! Async (event-driven) candidates: route handlers that make the request wait for slow work —
//! external I/O, a deliberate sleep, file generation, heavy aggregation, queries in loops
//! (N+1), many queries. Each gets the remedy that fits its evidence:
//!
//! - `event`: publish an event, a worker in the service that owns the handler consumes it;
//! - `batch`: the only slow work is queries in a loop: batch them or eager-load the relation
//!   (an event would move the N+1 to a worker, not remove it);
//! - `already_async`: the handler already hands work to a queue, thread or executor.
//!
//! Some handlers are never candidates, whatever they reach: logins (the user waits for the
//! session, an interactive identity provider included), health and status checks, static
//! files and plain downloads (the response is the file). A `time.sleep` in a helper is a
//! retry or back-off wait that runs on failure, not the handler's latency. Evidence found only
//! at the edge of what seam follows from a handler is too thin: withheld, with a note.

use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

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
    ("sleep", &["time.sleep"], SLEEP_POINTS),
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
const SLEEP_POINTS: f64 = 3.0;
const N_PLUS_ONE_POINTS: f64 = 2.0;
/// Query sites a request may run before each further one counts.
const QUERY_ALLOWANCE: usize = 5;
const QUERY_POINTS: f64 = 0.25;
/// Handlers scoring below this are not candidates.
const THRESHOLD: f64 = 3.0;
/// Slow work found this deep (or deeper) only is withheld: at the bound of what is followed
/// from a handler, the path to it is as likely a branch the request never takes.
const THIN_DEPTH: u32 = super::calls::MAX_DEPTH;

const LOGIN: &str = "login or logout (the user waits for the session)";
const HEALTH: &str = "health or status check (it must answer now)";
const STATIC: &str = "static file";
/// Why a handler is never an async candidate, by the words of its path or handler name.
const NEVER: &[(&str, &[&str])] = &[
    (
        LOGIN,
        &[
            "login",
            "logout",
            "signin",
            "signout",
            "sso",
            "saml",
            "saml2",
            "oauth",
            "oauth2",
            "oidc",
            "openid",
            "authorize",
            "authenticate",
        ],
    ),
    (
        HEALTH,
        &[
            "health",
            "healthz",
            "healthcheck",
            "status",
            "ping",
            "ready",
            "readyz",
            "readiness",
            "live",
            "livez",
            "liveness",
            "alive",
            "heartbeat",
            "version",
            "metrics",
        ],
    ),
    (STATIC, &["static", "favicon"]),
];
/// Words that are a login only as the last segment of a path (`POST /auth`, `/api/auth`).
const LOGIN_LAST: &[&str] = &["auth"];
/// Calls that sign a user in: a handler that makes one (itself or through the helper that
/// issues the token) is a login, whatever its path (`POST /api/1/auth/google` exchanging an
/// OAuth code for a session).
const SIGNS_IN: &[&str] = &[
    "flask_login.login_user",
    "flask_login.utils.login_user",
    "flask_principal.identity_changed.send",
    "flask_jwt_extended.create_access_token",
    "flask_jwt_extended.set_access_cookies",
    "flask_security.login_user",
    "flask_security.utils.login_user",
    // Issuing the session's token (`create_token(user)` → `jwt.encode`).
    "jwt.encode",
];
/// How deep a sign-in call may be: the handler, or the helper that issues the token.
const SIGN_IN_DEPTH: u32 = 2;
/// Calls that answer with a file: a handler that makes one and generates nothing is a plain
/// download, not slow work to hand off.
const SENDS_FILE: &[&str] = &[
    "flask.send_file",
    "flask.send_from_directory",
    "flask.helpers.send_file",
    "flask.helpers.send_from_directory",
    "werkzeug.utils.send_file",
    "werkzeug.utils.send_from_directory",
    "werkzeug.wsgi.wrap_file",
];
const PLAIN_DOWNLOAD: &str = "plain download (the response is the file)";
const ONLY_SITE_COUNT: &str =
    "withheld: the only evidence is a count of query sites, not slow work the request waits for";
const AT_THE_EDGE: &str =
    "withheld: the slow work is only found at the edge of what seam follows from the handler";

fn evidence_of(a: &Analysis, id: &str) -> Evidence {
    a.nodes
        .binary_search_by(|n| n.id.as_str().cmp(id))
        .ok()
        .map(|i| Evidence {
            file: a.nodes[i].file.clone(),
            line: a.nodes[i].line,
        })
        .unwrap_or(Evidence {
            file: String::new().into(),
            line: 0,
        })
}

/// The lower-case words of one identifier or path segment: split at anything not
/// alphanumeric and where a lower-case letter or digit meets a capital (`LoginView` → `login`,
/// `view`; `sign-in` → `sign`, `in`).
fn split_words(part: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for ch in part.chars() {
        let boundary = !ch.is_ascii_alphanumeric() || (ch.is_ascii_uppercase() && prev_lower);
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if ch.is_ascii_alphanumeric() {
            word.push(ch.to_ascii_lowercase());
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Lower-case words of a path or a dotted handler name, and each segment's words joined:
/// `/api/sign-in/<id>` → `api`, `sign`, `in`, `signin`; `LoginView.post` → `login`, `view`,
/// `loginview`, `post`.
fn words(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for part in text.split(['/', '.', ':']) {
        if part.starts_with('<') {
            continue;
        }
        let ws = split_words(part);
        if !ws.is_empty() {
            out.insert(ws.concat());
        }
        out.extend(ws);
    }
    out
}

/// Why a route is never a candidate (login, health, static), by its words.
fn never(r: &crate::analysis::Route) -> Option<&'static str> {
    let w = words(&r.path);
    let h = words(r.handler.rsplit_once(':').map_or(&r.handler, |(_, q)| q));
    let endpoint_static = r
        .endpoint
        .as_deref()
        .is_some_and(|e| e == "static" || e.ends_with(".static"));
    if endpoint_static {
        return Some(STATIC);
    }
    // `/auth` alone is a login; `/auth/reset-password` is not.
    let last = r
        .path
        .rsplit('/')
        .find(|s| !s.is_empty() && !s.starts_with('<'));
    if last.is_some_and(|s| LOGIN_LAST.contains(&s.to_ascii_lowercase().as_str())) {
        return Some(LOGIN);
    }
    NEVER
        .iter()
        .find(|(_, list)| list.iter().any(|x| w.contains(*x) || h.contains(*x)))
        .map(|(why, _)| *why)
}

/// The event a handler would publish: its function or view class in snake case, without the
/// HTTP method and a framework suffix (`ShotsCsvImportResource.post` → `shots_csv_import_requested`).
fn event_name(handler: &str) -> String {
    let name = handler
        .rsplit([':', '.'])
        .find(|s| !matches!(*s, "get" | "post" | "put" | "patch" | "delete"))
        .unwrap_or(handler);
    let snake = split_words(name).join("_");
    let mut stem = snake.as_str();
    for suffix in ["_resource", "_view", "_api", "_endpoint", "_handler"] {
        if let Some(s) = stem.strip_suffix(suffix)
            && !s.is_empty()
        {
            stem = s;
            break;
        }
    }
    format!("{stem}_requested")
}

/// The tables a query site touches, named without `table:`, each once, in order.
fn table_names(q: &crate::analysis::Query) -> Vec<&str> {
    q.reads
        .iter()
        .chain(&q.writes)
        .map(|t| t.trim_start_matches("table:"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Remedy order in the list: proposals first, then what is already asynchronous.
fn remedy_rank(r: &str) -> u8 {
    match r {
        "event" => 0,
        "batch" => 1,
        _ => 2,
    }
}

/// Async candidates, ranked, and notes on what was left out and why.
pub fn advise(
    a: &Analysis,
    handlers: &Handlers<'_>,
    proposal: Option<&Proposal>,
) -> (Vec<AsyncCandidate>, Vec<String>) {
    let mut out = Vec::new();
    let mut seen_handlers: BTreeSet<&str> = BTreeSet::new();
    // Indexed by symbol: a handler looks at what it reaches, not at every call and query.
    let mut external_of: HashMap<&str, Vec<&crate::analysis::ExternalCall>> = HashMap::default();
    for x in &a.external_calls {
        external_of.entry(&*x.from).or_default().push(x);
    }
    let service_of = proposal
        .map(Proposal::service_of_members)
        .unwrap_or_default();
    let mut enqueues_of: HashMap<&str, Vec<(&str, &Evidence)>> = HashMap::default();
    for e in a.edges.iter().filter(|e| e.kind == EdgeKind::Enqueues) {
        if let Some(ev) = e.evidence.first() {
            enqueues_of.entry(&*e.from).or_default().push((&*e.to, ev));
        }
    }
    let mut left_out: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    let mut retry_sleeps = 0usize;
    for r in &a.routes {
        // One candidate per handler (a MethodView's GET and POST are separate handlers).
        if !seen_handlers.insert(r.handler.as_str()) {
            continue;
        }
        let reached = handlers.reached(r);
        let mut reasons: BTreeSet<Reason> = BTreeSet::new();
        let mut score = 0.0;
        let mut kinds_seen: BTreeSet<&str> = BTreeSet::new();
        let mut helper_sleep = false;
        let mut sends_file = false;
        let mut signs_in = false;
        // The slow work (not queries) nearest the handler: what the advice cites.
        let mut slow_cite: Option<(u32, Reason)> = None;
        for (sym, at) in reached {
            for x in external_of.get(sym).map_or(&[][..], Vec::as_slice) {
                sends_file |= SENDS_FILE.contains(&x.name.as_str());
                signs_in |= at.depth <= SIGN_IN_DEPTH && SIGNS_IN.contains(&x.name.as_str());
                for &(kind, prefixes, points) in SLOW {
                    if !prefixes
                        .iter()
                        .any(|p| x.name.starts_with(p) || x.name == p.trim_end_matches('.'))
                    {
                        continue;
                    }
                    if kind == "sleep" && at.depth > 0 {
                        helper_sleep = true;
                        continue;
                    }
                    if kinds_seen.insert(kind) {
                        score += points;
                    }
                    let reason = Reason {
                        kind: kind.to_owned(),
                        detail: format!("{} in {}", x.name, x.from),
                        file: evidence_of(a, &x.from).file.to_string(),
                        line: x.line,
                    };
                    if slow_cite
                        .as_ref()
                        .is_none_or(|(d, c)| (at.depth, &reason) < (*d, c))
                    {
                        slow_cite = Some((at.depth, reason.clone()));
                    }
                    reasons.insert(reason);
                }
            }
        }
        let queries: Vec<(&crate::analysis::Query, u32)> = reached
            .iter()
            .flat_map(|(s, at)| handlers.queries_of(s).iter().map(|q| (*q, at.depth)))
            .collect();
        // The loop to cite: the one nearest the handler (then the first in the file).
        let mut first_loop: Option<(&crate::analysis::Query, u32)> = None;
        for &(q, depth) in queries.iter().filter(|(q, _)| q.in_loop) {
            score += N_PLUS_ONE_POINTS;
            if first_loop.is_none_or(|(f, d)| (depth, &q.file, q.line) < (d, &f.file, f.line)) {
                first_loop = Some((q, depth));
            }
            reasons.insert(Reason {
                kind: "n_plus_one".into(),
                detail: format!(
                    "{} on {} inside a loop of {}",
                    q.kind,
                    table_names(q).join(", "),
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
        // Work the handler hands to a queue or a thread, with how deep the hand-off is.
        let mut handed: Vec<(&str, &Evidence, u32)> = reached
            .iter()
            .filter_map(|(s, at)| enqueues_of.get(s).map(|v| (v, at.depth)))
            .flat_map(|(v, depth)| v.iter().map(move |&(t, ev)| (t, ev, depth)))
            .collect();
        // Per task, the shallowest hand-off (then the first in the file) is the one said.
        handed.sort_unstable_by_key(|&(t, ev, d)| (t, d, ev));
        handed.dedup_by_key(|(t, _, _)| *t);
        // One query in a loop is enough to say "batch it"; an event needs more; a hand-off is
        // worth saying whatever the handler does beside it.
        if score < THRESHOLD && first_loop.is_none() && handed.is_empty() {
            retry_sleeps += usize::from(helper_sleep && score + SLEEP_POINTS >= THRESHOLD);
            continue;
        }
        let generates =
            kinds_seen.contains("file_generation") || kinds_seen.contains("aggregation");
        let why_never = never(r)
            .or(signs_in.then_some(LOGIN))
            .or((sends_file && !generates).then_some(PLAIN_DOWNLOAD));
        if let Some(why) = why_never {
            left_out.entry(why).or_default().push(r.id.as_str());
            continue;
        }
        // The remedy follows the evidence nearest the handler, and so does its confidence:
        // slow work (not counting queries) makes an event, a loop of queries batching. What is
        // only found at the depth bound is too thin; a count of query sites says how much code
        // can run, not what this request waits for: alone, neither sends anyone to work.
        let slow_depth = slow_cite.as_ref().map(|(d, _)| *d);
        let loop_depth = first_loop.map(|(_, d)| d);
        let near = |d: Option<u32>| d.is_some_and(|d| d < THIN_DEPTH);
        let level = |d: u32| if d <= 1 { "high" } else { "medium" };
        let (remedy, confidence) = if let Some(d) = handed.iter().map(|(_, _, d)| *d).min() {
            ("already_async", level(d))
        } else if near(slow_depth) && score >= THRESHOLD {
            ("event", level(slow_depth.unwrap_or(0)))
        } else if near(loop_depth) {
            ("batch", level(loop_depth.unwrap_or(0)))
        } else {
            let why = if slow_depth.is_some() || loop_depth.is_some() {
                AT_THE_EDGE
            } else {
                ONLY_SITE_COUNT
            };
            left_out.entry(why).or_default().push(r.id.as_str());
            continue;
        };
        let existing_tasks: Vec<String> = handed.iter().map(|(t, _, _)| (*t).to_owned()).collect();
        let event = event_name(&r.handler);
        let consumer = match service_of.get(r.handler.as_str()) {
            Some(s) => format!("{s} worker"),
            None => "monolith worker".to_owned(),
        };
        let first = slow_cite
            .as_ref()
            .map(|(_, x)| x)
            .or_else(|| reasons.iter().next());
        let advice = match (remedy, first) {
            ("already_async", _) | (_, None) => match handed.first() {
                Some(&(task, ev, _)) => format!(
                    "hands {task} off to a queue or a thread at {}:{}; keep the slow work there{}",
                    ev.file,
                    ev.line,
                    if handed.len() > 1 {
                        format!(" (and {} more)", handed.len() - 1)
                    } else {
                        String::new()
                    }
                ),
                None => "no slow work seen".to_owned(),
            },
            ("batch", _) if let Some((q, _)) = first_loop => {
                let tables = table_names(q);
                let article = if q.kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!(
                    "batch or eager-load: {article} {} on {} runs once per item of a loop at {}:{}; one query for the whole loop removes the wait, an event would only move it",
                    q.kind,
                    if tables.is_empty() {
                        "a table seam could not name".to_owned()
                    } else {
                        tables.join(", ")
                    },
                    q.file,
                    q.line
                )
            }
            (_, Some(first)) => format!(
                "publish {event} and answer at once; the {consumer} does the work ({}: {} at {}:{})",
                first.kind, first.detail, first.file, first.line
            ),
        };
        let is_event = remedy == "event";
        out.push(AsyncCandidate {
            handler: r.handler.clone(),
            route: r.id.clone(),
            score: (score * 100.0).round() / 100.0,
            remedy,
            confidence,
            advice,
            reasons: reasons.into_iter().collect(),
            event: if is_event { event } else { String::new() },
            producer: r.id.clone(),
            consumer: if is_event { consumer } else { String::new() },
            existing_tasks,
        });
    }
    out.sort_by(|x, y| {
        remedy_rank(x.remedy)
            .cmp(&remedy_rank(y.remedy))
            .then_with(|| y.score.total_cmp(&x.score))
            .then_with(|| x.route.cmp(&y.route))
    });
    let mut notes = Vec::new();
    for (why, routes) in &left_out {
        notes.push(format!(
            "async: {} handler{} with slow work not proposed, {why}: {}{}",
            routes.len(),
            if routes.len() == 1 { "" } else { "s" },
            routes
                .iter()
                .take(3)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            if routes.len() > 3 { ", ..." } else { "" }
        ));
    }
    if retry_sleeps > 0 {
        notes.push(format!(
            "async: time.sleep in a helper is a retry or back-off wait, not counted as the handler's latency ({retry_sleeps} handler{})",
            if retry_sleeps == 1 { "" } else { "s" }
        ));
    }
    (out, notes)
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn event_names_are_snake_case_without_method_or_suffix() {
        use super::event_name;
        assert_eq!(
            event_name("zou.app:ShotsCsvImportResource.post"),
            "shots_csv_import_requested"
        );
        assert_eq!(
            event_name("app.reports:export_report"),
            "export_report_requested"
        );
        assert_eq!(event_name("app:ReportView.get"), "report_requested");
        assert_eq!(event_name("app:View.get"), "view_requested");
    }

    #[test]
    fn words_split_paths_and_names() {
        let w = words("/api/sign-in/<id>");
        for x in ["api", "sign", "in", "signin"] {
            assert!(w.contains(x), "{x} in {w:?}");
        }
        assert!(!w.iter().any(|x| x.contains('<') || x == "id"));
        let h = words("LoginView.post");
        for x in ["login", "view", "loginview", "post"] {
            assert!(h.contains(x), "{x} in {h:?}");
        }
        assert!(words("/statistics").contains("statistics"));
        assert!(!words("/statistics").contains("status"));
    }
}
