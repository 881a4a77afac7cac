//! Scoring seam's data access against what an app's own test suite touched at run time
//! (`shared/corpus/trace/APP.json`, made by `seam_trace.py`): per route the suite exercised,
//! the tables its handler's own code wrote and read; per application function, the tables
//! written while it was on the stack.
//!
//! seam's side is what the route's handler *reaches* in the graph: the handler (and, for a
//! view class, its methods through `contains`), then `calls` edges breadth-first to
//! [`REACH_DEPTH`], and the `reads`/`writes` edges of everything reached; plus, for a
//! class-based view, the view class's own accesses (what its inherited HTTP methods do on an
//! instance of it). A function's side is its reach, plus what it writes on a caller's behalf
//! (it is on a query's `via` chain), plus, for a wrapper nested in a decorator, the reach of
//! every def the decorator `wraps` (the wrapper calls them). A function's run-time pairs are
//! scored twice: all of them, and without those that reached its stack only through
//! SQLAlchemy's autoflush (a query it ran flushed rows other code had left pending: the trace
//! flags these, and no code the function reaches makes that write). Pairs are
//! (route, table) and (function, table); recall is the share of run-time pairs seam reaches,
//! precision the share of seam's pairs (on exercised routes) the run time confirms. Static
//! reach over-approximates (every branch, every caller of a shared helper), so precision is
//! reported, not held to a bar. The migration tool's own tables (`alembic_version`, Alembic's
//! `_alembic_tmp_*` batch copies) are no application tables, for seam or here.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde_json::Value;

use super::truth::{Ratio, route_key};

/// How many calls deep a handler's reach is followed.
pub const REACH_DEPTH: usize = 8;

#[derive(Debug, Default)]
pub struct TraceScore {
    pub write_recall: Ratio,
    pub read_recall: Ratio,
    /// Every (function, table) the trace has on the function's stack.
    pub function_write_recall: Ratio,
    /// The same without the pairs only an autoflush put on the stack ([`autoflush_only`]).
    pub function_own_write_recall: Ratio,
    pub write_precision: Ratio,
    pub read_precision: Ratio,
    /// Exercised routes seam has no route for.
    pub routes_missing: Vec<String>,
    pub missed_writes: Vec<String>,
}

impl TraceScore {
    pub fn held(&self) -> [(&'static str, Ratio); 4] {
        [
            ("route write recall", self.write_recall),
            ("route read recall", self.read_recall),
            (
                "function write recall (autoflush-only pairs out)",
                self.function_own_write_recall,
            ),
            (
                "function write recall (every on-stack pair)",
                self.function_write_recall,
            ),
        ]
    }
}

/// (function, table) pairs of the trace that only an autoflush put on the function's stack:
/// every write of the table made while the function was on the stack was made by a function
/// whose writes of that table are all autoflushes (`autoflush_writes`, never `writes`), and
/// every such write's stacks are all recorded. A pair with any other write, or with stacks
/// the trace cut, is kept.
pub fn autoflush_only(trace: &Value) -> BTreeSet<(String, String)> {
    // (frame, table) → whether a write that is not only an autoflush had it on the stack.
    let mut real: BTreeMap<(String, String), bool> = BTreeMap::new();
    for f in trace["functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let id = f["function"]
            .as_str()
            .unwrap_or("")
            .replace(".<locals>", "");
        let own = strs(f, "writes");
        for a in f["access"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            if a["op"] != "write" {
                continue;
            }
            let table = a["table"].as_str().unwrap_or("").to_lowercase();
            if is_bookkeeping(&table) {
                continue;
            }
            let stacks = a["stacks"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            let complete = a["distinct_stacks"].as_u64().unwrap_or(u64::MAX) <= stacks.len() as u64;
            let not_only_autoflush = own.contains(&table) || !complete;
            let frames = stacks
                .iter()
                .flat_map(|st| st.as_array().map(Vec::as_slice).unwrap_or(&[]))
                .filter_map(Value::as_str)
                .map(frame_id)
                .chain([id.clone()]);
            for frame in frames {
                *real.entry((frame, table.clone())).or_default() |= not_only_autoflush;
            }
        }
    }
    real.into_iter()
        .filter(|(_, r)| !r)
        .map(|(pair, _)| pair)
        .collect()
}

/// A stack frame of the trace (`pkg/mod.py:Class.meth`) as a function id (`pkg.mod:Class.meth`).
fn frame_id(frame: &str) -> String {
    let (path, qual) = frame.split_once(':').unwrap_or((frame, ""));
    let module = path.strip_suffix(".py").unwrap_or(path).replace('/', ".");
    let module = module.strip_suffix(".__init__").unwrap_or(&module);
    format!("{module}:{}", qual.replace(".<locals>", ""))
}

fn strs(v: &Value, k: &str) -> BTreeSet<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_lowercase)
                .filter(|t| !is_bookkeeping(t))
                .collect()
        })
        .unwrap_or_default()
}

/// Tables of the migration tool, not of the application (seam's `catalogs.rs` rule): its
/// revision table and the copies Alembic's batch mode makes on SQLite, which the trace sees
/// when a test suite builds its schema through the migrations.
fn is_bookkeeping(table: &str) -> bool {
    matches!(table, "alembic_version" | "migrate_version")
        || table.starts_with("_alembic_tmp_")
        || table.starts_with("sqlite_")
}

/// The graph of seam's JSON as adjacency lists: calls and contains out of each symbol, and the
/// tables each symbol reads and writes itself.
struct Graph {
    next: BTreeMap<String, Vec<String>>,
    reads: BTreeMap<String, BTreeSet<String>>,
    writes: BTreeMap<String, BTreeSet<String>>,
    /// Tables written on a caller's behalf by a function on a query's `via` chain (the mixin's
    /// `save` behind `task.save()`): on the stack when the write runs, as the trace sees it.
    writes_on_behalf: BTreeMap<String, BTreeSet<String>>,
    /// `wraps` edges: a decorator → the defs its nested wrapper calls at run time.
    wraps: BTreeMap<String, Vec<String>>,
    /// `contains` edges reversed: a nested def → the def it is in.
    parent: BTreeMap<String, String>,
}

impl Graph {
    fn of(seam: &Value) -> Self {
        let mut g = Graph {
            next: BTreeMap::new(),
            reads: BTreeMap::new(),
            writes: BTreeMap::new(),
            writes_on_behalf: BTreeMap::new(),
            wraps: BTreeMap::new(),
            parent: BTreeMap::new(),
        };
        for q in seam["queries"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let written: BTreeSet<String> = strs(q, "writes")
                .iter()
                .map(|t| t.trim_start_matches("table:").to_owned())
                .collect();
            for step in q["via"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
                if let Some(f) = step["function"].as_str() {
                    g.writes_on_behalf
                        .entry(f.to_owned())
                        .or_default()
                        .extend(written.iter().cloned());
                }
            }
        }
        for e in seam["edges"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let (from, to) = (
                e["from"].as_str().unwrap_or(""),
                e["to"].as_str().unwrap_or(""),
            );
            let table = || to.trim_start_matches("table:").to_lowercase();
            match e["kind"].as_str().unwrap_or("") {
                "calls" | "contains" if !from.starts_with("table:") => g
                    .next
                    .entry(from.to_owned())
                    .or_default()
                    .push(to.to_owned()),
                "reads" => {
                    g.reads.entry(from.to_owned()).or_default().insert(table());
                }
                "writes" => {
                    g.writes.entry(from.to_owned()).or_default().insert(table());
                }
                "wraps" => g
                    .wraps
                    .entry(from.to_owned())
                    .or_default()
                    .push(to.to_owned()),
                _ => {}
            }
            if e["kind"] == "contains" {
                g.parent.insert(to.to_owned(), from.to_owned());
            }
        }
        g
    }

    /// The defs a wrapper runs: what it `wraps` itself (WSGI middleware's `__call__`) and what
    /// each def it is nested in `wraps` (a decorator's inner wrapper).
    fn wrapped_by(&self, node: &str) -> Vec<&str> {
        let mut out: Vec<&str> = self
            .wraps
            .get(node)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let mut at = self.parent.get(node);
        while let Some(p) = at {
            out.extend(self.wraps.get(p).into_iter().flatten().map(String::as_str));
            at = self.parent.get(p);
        }
        out
    }

    /// Tables a node reads and writes itself.
    fn own(&self, node: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        (
            self.reads.get(node).cloned().unwrap_or_default(),
            self.writes.get(node).cloned().unwrap_or_default(),
        )
    }

    /// Tables read and written by what `start` reaches.
    fn reach(&self, start: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<(&str, usize)> = VecDeque::from([(start, 0)]);
        let (mut reads, mut writes) = (BTreeSet::new(), BTreeSet::new());
        while let Some((s, depth)) = queue.pop_front() {
            if !seen.insert(s) {
                continue;
            }
            reads.extend(self.reads.get(s).into_iter().flatten().cloned());
            writes.extend(self.writes.get(s).into_iter().flatten().cloned());
            if depth < REACH_DEPTH {
                for n in self.next.get(s).into_iter().flatten() {
                    queue.push_back((n, depth + 1));
                }
            }
        }
        (reads, writes)
    }
}

pub fn score(trace: &Value, seam: &Value) -> TraceScore {
    let mut s = TraceScore::default();
    let g = Graph::of(seam);
    // A route's code: its handler, and for a class-based view the view class too (which
    // carries what its inherited HTTP methods do on an instance of it).
    let mut handler_of: BTreeMap<String, (String, String)> = BTreeMap::new();
    for r in seam["routes"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        if !r["app"].is_null() {
            continue;
        }
        for m in r["methods"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            let key = route_key(m.as_str().unwrap_or(""), r["path"].as_str().unwrap_or(""));
            handler_of.entry(key).or_insert_with(|| {
                (
                    r["handler"].as_str().unwrap_or("").to_owned(),
                    r["view"].as_str().unwrap_or("").to_owned(),
                )
            });
        }
    }
    for r in trace["routes"].as_array().map(Vec::as_slice).unwrap_or(&[]) {
        let key = route_key(
            r["method"].as_str().unwrap_or(""),
            r["rule"].as_str().unwrap_or(""),
        );
        let (want_r, want_w) = (strs(r, "handler_reads"), strs(r, "handler_writes"));
        let Some((handler, view)) = handler_of.get(&key) else {
            if !want_r.is_empty() || !want_w.is_empty() {
                s.routes_missing.push(key.clone());
            }
            s.write_recall.of += want_w.len();
            s.read_recall.of += want_r.len();
            continue;
        };
        let (mut got_r, mut got_w) = g.reach(handler);
        if !view.is_empty() && view != handler {
            let (vr, vw) = g.own(view);
            got_r.extend(vr);
            got_w.extend(vw);
        }
        let all: BTreeSet<&String> = want_r.iter().chain(&want_w).collect();
        s.write_recall.of += want_w.len();
        s.write_recall.hit += want_w.intersection(&got_w).count();
        s.read_recall.of += want_r.len();
        s.read_recall.hit += want_r.intersection(&got_r).count();
        for t in want_w.difference(&got_w) {
            s.missed_writes
                .push(format!("{key} writes {t} (handler {handler})"));
        }
        s.write_precision.of += got_w.len();
        s.write_precision.hit += got_w.iter().filter(|t| want_w.contains(*t)).count();
        s.read_precision.of += got_r.len();
        s.read_precision.hit += got_r.iter().filter(|t| all.contains(t)).count();
    }
    let autoflushed = autoflush_only(trace);
    for f in trace["functions"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let want = strs(f, "on_stack_writes");
        if want.is_empty() {
            continue;
        }
        let id = f["function"]
            .as_str()
            .unwrap_or("")
            .replace(".<locals>", "");
        let (_, mut got) = g.reach(&id);
        got.extend(g.writes_on_behalf.get(&id).into_iter().flatten().cloned());
        // A decorator's wrapper (`admin_required.decorated_function`) runs what it wraps.
        for wrapped in g.wrapped_by(&id) {
            got.extend(g.reach(wrapped).1);
        }
        s.function_write_recall.of += want.len();
        s.function_write_recall.hit += want.intersection(&got).count();
        let own: BTreeSet<&String> = want
            .iter()
            .filter(|t| !autoflushed.contains(&(id.clone(), (*t).clone())))
            .collect();
        s.function_own_write_recall.of += own.len();
        s.function_own_write_recall.hit += own.iter().filter(|t| got.contains(**t)).count();
    }
    s
}
