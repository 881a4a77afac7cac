//! Work handed to something that runs it later or elsewhere: a job queue (RQ's
//! `queue.enqueue(f, ...)`, `enqueue_at`, `enqueue_in`), a thread or process of its own
//! (`threading.Thread(target=f)`, `threading.Timer(s, f)`, `multiprocessing.Process`), a
//! scheduler (`scheduler.add_job(f)`), Flask-Executor (`executor.submit(f)`).
//! The function passed is not run by the request: an `enqueues` edge, as for a Celery task's
//! `.delay()`, so the advice can tell work that is already asynchronous from work that is not.

use seam_facts::python::{Arg, Call, DefKind, Expr};

use super::index::Index;
use super::names::Value;

/// Methods that take a function to run later, with the position of that function among the
/// positional arguments (`enqueue_at(when, f)`).
///
/// An executor's `submit`, a pool's `apply_async`/`map` and `run_in_executor` are left out: the
/// caller usually waits for their result (`future.result()`, `await`), so the work is parallel,
/// not handed off.
const METHODS: &[(&str, usize)] = &[
    ("enqueue", 0),
    ("enqueue_call", 0),
    ("enqueue_at", 1),
    ("enqueue_in", 1),
    ("start_new_thread", 0),
    // APScheduler: `scheduler.add_job(f, "interval", ...)`.
    ("add_job", 0),
];

/// Executors made for handing work off from a request: Flask-Executor runs what it is given
/// after the response (`executor.submit(f)`), unlike a plain thread pool the caller waits on.
const BACKGROUND_EXECUTORS: &[&str] = &["flask_executor.Executor."];

/// Constructors that run a function on a thread or process of their own, with the position
/// of the function when it is passed positionally (`Thread(group, target)`, `Timer(s, f)`).
const RUNNERS: &[(&str, usize)] = &[
    ("threading.Thread", 1),
    ("threading.Timer", 1),
    ("multiprocessing.Process", 1),
];

/// Keywords that name the function to run.
const KEYWORDS: &[&str] = &["func", "f", "fn", "target", "function"];

/// The function `call` hands off, when it is one and resolves to a function of the code base.
pub(crate) fn handed_off(
    ix: &Index<'_>,
    u: usize,
    call: &Call,
    callee: &Value,
) -> Option<(usize, usize)> {
    let position = match callee {
        Value::External(name) => RUNNERS
            .iter()
            .find(|(r, _)| r == name)
            .map(|&(_, p)| p)
            .or_else(|| {
                let method = name.rsplit('.').next()?;
                (BACKGROUND_EXECUTORS.iter().any(|e| name.starts_with(e))
                    && matches!(method, "submit" | "submit_stored"))
                .then_some(if method == "submit" { 0 } else { 1 })
            }),
        _ => None,
    }
    .or_else(|| {
        let (_, method) = call.callee.rsplit_once('.')?;
        METHODS.iter().find(|(m, _)| *m == method).map(|&(_, p)| p)
    })?;
    let name = function_arg(&call.args, position)?;
    match ix.resolve(u, &call.scope, name) {
        Value::Def(tu, td) if ix.units[tu].facts.defs[td].kind != DefKind::Class => Some((tu, td)),
        _ => None,
    }
}

/// The dotted name passed as the function: by keyword, else at `position`.
fn function_arg(args: &[Arg], position: usize) -> Option<&str> {
    let by_keyword = args
        .iter()
        .find(|a| a.keyword.as_deref().is_some_and(|k| KEYWORDS.contains(&k)));
    let arg = by_keyword.or_else(|| args.iter().filter(|a| a.keyword.is_none()).nth(position))?;
    match &arg.value {
        Expr::Name(n) => Some(n),
        _ => None,
    }
}
