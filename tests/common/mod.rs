//! Shared helpers for the end-to-end tests: run the real `seam` binary, parse its JSON, find
//! things in it, and check the invariants every output must satisfy whatever the input.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Generous: debug builds on a loaded 2-core machine, and the bad-input test parses 10 MB.
pub const TIMEOUT: Duration = Duration::from_secs(600);

pub const NODE_KINDS: &[&str] = &["module", "class", "function", "method", "route", "table"];
pub const EDGE_KINDS: &[&str] = &[
    "contains",
    "imports",
    "calls",
    "enqueues",
    "handles",
    "reads",
    "writes",
    "references",
    "maps",
    "inherits",
    "relates",
    "wraps",
];

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_seam")
}

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("fixtures").join(name)
}

/// Runs `seam` with `args` (cwd: the crate root), killing it after [`TIMEOUT`].
pub fn run<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_in(&manifest_dir(), args)
}

/// Runs `seam` with `args` in `cwd`, killing it after [`TIMEOUT`]. Without the facts cache
/// (`SEAM_NO_CACHE`), so that no test writes into `fixtures/` and every run is cold; the
/// cache has its own tests ([`run_cached_in`]).
pub fn run_in<I, S>(cwd: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with(cwd, args, false, &[])
}

/// [`run_in`] with the facts cache on, as a user runs seam.
pub fn run_cached_in<I, S>(cwd: &Path, args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_with(cwd, args, true, &[])
}

/// Runs `seam` with `args` as a user without privileges, under `limits` (`prlimit` options
/// such as `--nproc=1`): what a locked-down container sees. As root (CI's containers), the
/// run drops to `nobody` with `setpriv`, since root reads any folder and ignores process
/// limits; a machine without `setpriv` fails the test rather than skip it.
pub fn run_unprivileged<I, S>(cwd: &Path, limits: &[&str], args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut wrapper: Vec<std::ffi::OsString> = Vec::new();
    if is_root() {
        wrapper.extend(
            [
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
            ]
            .map(Into::into),
        );
    }
    wrapper.push("prlimit".into());
    wrapper.extend(limits.iter().map(Into::into));
    run_with(cwd, args, false, &wrapper)
}

/// Whether the tests run as root (`id -u` is 0).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// Runs `seam` (behind `wrapper`, a command that runs the rest, when not empty).
fn run_with<I, S>(cwd: &Path, args: I, cache: bool, wrapper: &[std::ffi::OsString]) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<_> = args.into_iter().map(|a| a.as_ref().to_owned()).collect();
    let mut command = match wrapper.split_first() {
        Some((program, rest)) => {
            let mut c = Command::new(program);
            c.args(rest).arg(bin());
            c
        }
        None => Command::new(bin()),
    };
    if cache {
        command.env_remove("SEAM_NO_CACHE");
    } else {
        command.env("SEAM_NO_CACHE", "1");
    }
    let mut child = command
        .args(&args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {} (behind {wrapper:?}): {e}", bin()));
    // Drain both pipes on threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("stdout piped");
    let mut err = child.stderr.take().expect("stderr piped");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status: ExitStatus = loop {
        match child.try_wait().expect("wait on seam") {
            Some(status) => break status,
            None if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = err_t.join().unwrap_or_default();
                panic!(
                    "seam {:?} did not finish within {:?}; stderr:\n{}",
                    args,
                    TIMEOUT,
                    tail(&String::from_utf8_lossy(&stderr))
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// The last few KB of a long text, for failure messages.
pub fn tail(s: &str) -> &str {
    let max = 4000;
    if s.len() <= max {
        return s;
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON document as `seam analyze` writes it (schema 2), read back into the analysis's
/// shape by the reference reader (`seam::report::wire::read_back`): every `contains` edge,
/// edges with `count` and `evidence`, nodes with `file` and `tags`. Other documents (a
/// `trend` or `check` one) are returned as they are.
pub fn read_document(v: Value) -> Value {
    if v.get("nodes").is_none() || v.get("edges").is_none() {
        return v;
    }
    seam::report::wire::read_back(&v).unwrap_or_else(|e| panic!("document does not read back: {e}"))
}

/// Fails unless `seam` exited 0 without panicking; returns stdout parsed as JSON (a
/// document read back by [`read_document`]).
pub fn expect_json(out: &Output, what: &str) -> Value {
    let stderr = stderr_of(out);
    assert!(
        !stderr.contains("panicked"),
        "{what}: seam panicked:\n{}",
        tail(&stderr)
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: exit status {:?}; stderr:\n{}",
        out.status,
        tail(&stderr)
    );
    read_document(serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{what}: stdout is not JSON ({e}); first bytes: {:?}",
            String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(300)])
        )
    }))
}

/// `seam analyze <path> --format json`, parsed; fails on a non-zero exit or a panic.
pub fn analyze_path_json(path: &Path) -> Value {
    let out = run([
        OsStr::new("analyze"),
        path.as_os_str(),
        OsStr::new("--format"),
        OsStr::new("json"),
    ]);
    expect_json(&out, &format!("seam analyze {}", path.display()))
}

/// `seam analyze fixtures/<fixture> --format json`, parsed.
pub fn analyze_json(fixture_name: &str) -> Value {
    analyze_path_json(&fixture(fixture_name))
}

// ---------------------------------------------------------------------------------------------
// Accessors

pub fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("`{key}` is missing or not an array in {}", short(v)))
}

pub fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("`{key}` is missing or not a string in {}", short(v)))
}

pub fn u(v: &Value, key: &str) -> u64 {
    v.get(key)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("`{key}` is missing or not a u64 in {}", short(v)))
}

/// An array of strings, sorted (for order-insensitive comparisons).
pub fn strs(v: &Value, key: &str) -> Vec<String> {
    let mut out: Vec<String> = arr(v, key)
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap_or_else(|| panic!("`{key}` holds a non-string: {x}"))
                .to_owned()
        })
        .collect();
    out.sort();
    out
}

/// A compact rendering of a value for failure messages.
pub fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 600 {
        format!(
            "{}…",
            &s[..s.char_indices().take(600).last().map_or(0, |(i, _)| i)]
        )
    } else {
        s
    }
}

pub fn summary(v: &Value, key: &str) -> u64 {
    let sm = v.get("summary").unwrap_or_else(|| panic!("no `summary`"));
    u(sm, key)
}

/// Sorted ids of the entries of a top-level array (`nodes`, `routes`, `tables`).
pub fn ids(v: &Value, section: &str) -> Vec<String> {
    let mut out: Vec<String> = arr(v, section)
        .iter()
        .map(|x| s(x, "id").to_owned())
        .collect();
    out.sort();
    out
}

/// Sorted ids of the nodes of one kind.
pub fn node_ids(v: &Value, kind: &str) -> Vec<String> {
    let mut out: Vec<String> = arr(v, "nodes")
        .iter()
        .filter(|n| s(n, "kind") == kind)
        .map(|n| s(n, "id").to_owned())
        .collect();
    out.sort();
    out
}

fn by_id<'a>(v: &'a Value, section: &str, id: &str) -> Option<&'a Value> {
    arr(v, section)
        .iter()
        .find(|x| x.get("id").and_then(Value::as_str) == Some(id))
}

fn near_misses(v: &Value, section: &str, id: &str) -> String {
    // Offer the ids sharing the longest prefix, to make a wrong prefix or module obvious.
    let all = ids(v, section);
    let key: String = id.chars().take(12).collect();
    let close: Vec<&String> = all
        .iter()
        .filter(|x| x.starts_with(&key))
        .take(30)
        .collect();
    if close.is_empty() {
        format!("{} ids, e.g. {:?}", all.len(), &all[..all.len().min(30)])
    } else {
        format!("{close:?}")
    }
}

pub fn find_node<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    by_id(v, "nodes", id)
}

pub fn node<'a>(v: &'a Value, id: &str) -> &'a Value {
    find_node(v, id)
        .unwrap_or_else(|| panic!("no node `{id}`; near: {}", near_misses(v, "nodes", id)))
}

pub fn find_route<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    by_id(v, "routes", id)
}

pub fn route<'a>(v: &'a Value, id: &str) -> &'a Value {
    find_route(v, id).unwrap_or_else(|| panic!("no route `{id}`; routes: {:?}", ids(v, "routes")))
}

pub fn find_table<'a>(v: &'a Value, id: &str) -> Option<&'a Value> {
    by_id(v, "tables", id)
}

pub fn table<'a>(v: &'a Value, id: &str) -> &'a Value {
    find_table(v, id).unwrap_or_else(|| panic!("no table `{id}`; tables: {:?}", ids(v, "tables")))
}

pub fn tags(v: &Value, id: &str) -> Vec<String> {
    strs(node(v, id), "tags")
}

pub fn has_tag(v: &Value, id: &str, tag: &str) -> bool {
    tags(v, id).iter().any(|t| t == tag)
}

pub fn edge<'a>(v: &'a Value, from: &str, to: &str, kind: &str) -> Option<&'a Value> {
    arr(v, "edges")
        .iter()
        .find(|e| s(e, "from") == from && s(e, "to") == to && s(e, "kind") == kind)
}

/// Edges of `kind` leaving `from`, as "kind → to" strings, for failure messages.
pub fn edges_from(v: &Value, from: &str) -> Vec<String> {
    arr(v, "edges")
        .iter()
        .filter(|e| s(e, "from") == from)
        .map(|e| format!("{} → {}", s(e, "kind"), s(e, "to")))
        .collect()
}

pub fn assert_edge<'a>(v: &'a Value, from: &str, to: &str, kind: &str) -> &'a Value {
    edge(v, from, to, kind).unwrap_or_else(|| {
        panic!(
            "missing edge `{from}` -{kind}-> `{to}`; edges from `{from}`: {:#?}",
            edges_from(v, from)
        )
    })
}

pub fn assert_no_edge(v: &Value, from: &str, to: &str, kind: &str) {
    assert!(
        edge(v, from, to, kind).is_none(),
        "unexpected edge `{from}` -{kind}-> `{to}`"
    );
}

/// Targets of the edges of `kind` leaving `from`, sorted.
pub fn targets(v: &Value, from: &str, kind: &str) -> Vec<String> {
    let mut out: Vec<String> = arr(v, "edges")
        .iter()
        .filter(|e| s(e, "from") == from && s(e, "kind") == kind)
        .map(|e| s(e, "to").to_owned())
        .collect();
    out.sort();
    out
}

/// `(file, line)` pairs of an edge's evidence.
pub fn evidence(e: &Value) -> Vec<(String, u64)> {
    arr(e, "evidence")
        .iter()
        .map(|ev| (s(ev, "file").to_owned(), u(ev, "line")))
        .collect()
}

pub fn assert_evidence(e: &Value, file: &str, line: u64) {
    let ev = evidence(e);
    assert!(
        ev.iter().any(|(f, l)| file_is(f, file) && *l == line),
        "edge {} -{}-> {}: no evidence at {file}:{line}; evidence: {ev:?}",
        s(e, "from"),
        s(e, "kind"),
        s(e, "to")
    );
}

pub fn queries_of<'a>(v: &'a Value, site: &str) -> Vec<&'a Value> {
    arr(v, "queries")
        .iter()
        .filter(|q| q.get("site").and_then(Value::as_str) == Some(site))
        .collect()
}

pub fn queries_in_file<'a>(v: &'a Value, file: &str) -> Vec<&'a Value> {
    arr(v, "queries")
        .iter()
        .filter(|q| file_is(s(q, "file"), file))
        .collect()
}

/// Sorted `joins` of a query as `(a, b)` pairs, each pair itself sorted.
pub fn joins(q: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = arr(q, "joins")
        .iter()
        .map(|p| {
            let p = p
                .as_array()
                .unwrap_or_else(|| panic!("join is not a pair: {p}"));
            assert_eq!(p.len(), 2, "join is not a pair: {p:?}");
            let (a, b) = (
                p[0].as_str().unwrap().to_owned(),
                p[1].as_str().unwrap().to_owned(),
            );
            if a <= b { (a, b) } else { (b, a) }
        })
        .collect();
    out.sort();
    out
}

pub fn diagnostics_in<'a>(v: &'a Value, file: &str) -> Vec<&'a Value> {
    arr(v, "diagnostics")
        .iter()
        .filter(|d| file_is(s(d, "file"), file))
        .collect()
}

/// Sorted `(route id, handler)` pairs.
pub fn route_handlers(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = arr(v, "routes")
        .iter()
        .map(|r| (s(r, "id").to_owned(), s(r, "handler").to_owned()))
        .collect();
    out.sort();
    out
}

/// One foreign key, flattened: (table id, columns, referenced table id, referenced columns).
pub type Fk = (String, Vec<String>, String, Vec<String>);

/// Every foreign key of every table (duplicates from several definitions collapse).
pub fn foreign_keys(v: &Value) -> BTreeSet<Fk> {
    let mut out = BTreeSet::new();
    for t in arr(v, "tables") {
        for fk in arr(t, "foreign_keys") {
            let cols = arr(fk, "columns")
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            let refs = arr(fk, "ref_columns")
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect();
            out.insert((
                s(t, "id").to_owned(),
                cols,
                s(fk, "references").to_owned(),
                refs,
            ));
        }
    }
    out
}

pub fn fk(table: &str, cols: &[&str], references: &str, ref_cols: &[&str]) -> Fk {
    (
        table.to_owned(),
        cols.iter().map(|c| (*c).to_owned()).collect(),
        references.to_owned(),
        ref_cols.iter().map(|c| (*c).to_owned()).collect(),
    )
}

/// Column name → nullable, for one table.
pub fn columns(t: &Value) -> BTreeMap<String, bool> {
    arr(t, "columns")
        .iter()
        .map(|c| {
            let nullable = c
                .get("nullable")
                .and_then(Value::as_bool)
                .unwrap_or_else(|| panic!("column {c}: no bool `nullable`"));
            (s(c, "name").to_owned(), nullable)
        })
        .collect()
}

/// How output `file` fields are compared with a path relative to the analysed root.
/// The contract's ids are relative to PATH and the output must not depend on where the tree
/// lives, so files are expected relative to PATH with `/` separators.
pub fn file_is(actual: &str, rel: &str) -> bool {
    actual == rel
}

/// 1-based number of the first line of `fixtures/<fixture>/<rel>` containing `needle`: lets
/// the tests check exact file:line evidence without hard-coding line numbers.
pub fn line_of(fixture_name: &str, rel: &str, needle: &str) -> u64 {
    let text = std::fs::read_to_string(fixture(fixture_name).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{fixture_name}/{rel} has no line containing {needle:?}"))
}

/// Line count of every file under `root` with extension `ext` (as `str::lines` counts them).
pub fn count_lines(root: &Path, ext: &str) -> (u64, u64) {
    let (mut files, mut lines) = (0, 0);
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().and_then(OsStr::to_str) == Some(ext) {
                files += 1;
                lines += std::fs::read_to_string(&p).unwrap().lines().count() as u64;
            }
        }
    }
    (files, lines)
}

// ---------------------------------------------------------------------------------------------
// Invariants every output must satisfy

fn is_sorted_by_key<T: Ord, F: Fn(&Value) -> T>(items: &[Value], f: F) -> Option<usize> {
    items.windows(2).position(|w| f(&w[0]) > f(&w[1]))
}

/// Structural checks that hold for any input: kinds, sorting, referential integrity, one route
/// per method, summary counts consistent with the arrays.
pub fn check_contract(v: &Value) {
    assert_eq!(
        v.get("schema_version").and_then(Value::as_u64),
        Some(2),
        "schema_version"
    );

    // Nodes: known kinds, sorted by id, unique.
    let nodes = arr(v, "nodes");
    for n in nodes {
        let kind = s(n, "kind");
        assert!(
            NODE_KINDS.contains(&kind),
            "node kind `{kind}`: {}",
            short(n)
        );
        let _ = s(n, "file");
        let _ = u(n, "line");
        let _ = strs(n, "tags");
    }
    if let Some(i) = is_sorted_by_key(nodes, |n| s(n, "id").to_owned()) {
        panic!(
            "nodes not sorted by id at {i}: {} > {}",
            s(&nodes[i], "id"),
            s(&nodes[i + 1], "id")
        );
    }
    let node_set: BTreeSet<&str> = nodes.iter().map(|n| s(n, "id")).collect();
    assert_eq!(node_set.len(), nodes.len(), "duplicate node ids");
    let kind_of: BTreeMap<&str, &str> = nodes.iter().map(|n| (s(n, "id"), s(n, "kind"))).collect();

    // Edges: known kinds, sorted by (from, to, kind), unique, endpoints are nodes, counts >= 1.
    let edges = arr(v, "edges");
    for e in edges {
        let (from, to, kind) = (s(e, "from"), s(e, "to"), s(e, "kind"));
        assert!(
            EDGE_KINDS.contains(&kind),
            "edge kind `{kind}`: {}",
            short(e)
        );
        assert!(
            node_set.contains(from),
            "edge from a non-node `{from}`: {}",
            short(e)
        );
        assert!(
            node_set.contains(to),
            "edge to a non-node `{to}`: {}",
            short(e)
        );
        assert!(u(e, "count") >= 1, "edge count < 1: {}", short(e));
        for ev in arr(e, "evidence") {
            let _ = s(ev, "file");
            let _ = u(ev, "line");
        }
        if matches!(kind, "calls" | "enqueues" | "reads" | "writes") {
            assert!(
                !arr(e, "evidence").is_empty(),
                "{kind} edge without evidence: {}",
                short(e)
            );
        }
        let (kf, kt) = (kind_of[from], kind_of[to]);
        let ok = match kind {
            // A class: a framework view whose endpoint the framework base serves (FAB's
            // `ModelRestApi.get_list`), or the model of a framework CRUD view.
            "handles" => kf == "route" && matches!(kt, "function" | "method" | "class"),
            // A class: a class-based view that inherits its HTTP methods, carrying what they do
            // on an instance of it.
            "reads" | "writes" => {
                matches!(kf, "function" | "method" | "module" | "class") && kt == "table"
            }
            "references" => kf == "table" && kt == "table",
            "maps" => kf == "class" && kt == "table",
            "inherits" => kf == "class" && kt == "class",
            "relates" => {
                kf == "class"
                    && kt == "class"
                    && has_tag(v, from, "model")
                    && has_tag(v, to, "model")
            }
            "imports" => kf == "module" && kt == "module",
            "wraps" => matches!(kf, "function" | "method") && matches!(kt, "function" | "method"),
            "contains" => matches!(
                (kf, kt),
                ("module", "class" | "function")
                    | ("class", "method" | "class")
                    | ("function" | "method", "function" | "class")
            ),
            "calls" | "enqueues" => {
                matches!(kf, "function" | "method" | "module" | "class")
                    && matches!(kt, "function" | "method" | "class")
            }
            _ => false,
        };
        assert!(
            ok,
            "edge kind `{kind}` between a {kf} and a {kt}: {}",
            short(e)
        );
    }
    // Sorted by from, then to, then kind; kinds compare either as strings or in the order the
    // contract lists them (contains, imports, calls, ...): both are deterministic.
    let kind_rank = |e: &Value| {
        EDGE_KINDS
            .iter()
            .position(|k| *k == s(e, "kind"))
            .unwrap_or(usize::MAX)
    };
    let by_name = is_sorted_by_key(edges, |e| {
        (
            s(e, "from").to_owned(),
            s(e, "to").to_owned(),
            s(e, "kind").to_owned(),
        )
    });
    let by_rank = is_sorted_by_key(edges, |e| {
        (s(e, "from").to_owned(), s(e, "to").to_owned(), kind_rank(e))
    });
    if let (Some(i), Some(_)) = (by_name, by_rank) {
        panic!(
            "edges not sorted by (from, to, kind) at {i}: {} / {}",
            short(&edges[i]),
            short(&edges[i + 1])
        );
    }
    let edge_set: BTreeSet<(&str, &str, &str)> = edges
        .iter()
        .map(|e| (s(e, "from"), s(e, "to"), s(e, "kind")))
        .collect();
    assert_eq!(
        edge_set.len(),
        edges.len(),
        "duplicate (from, to, kind) edges"
    );

    // Routes: one method each, id built from method and path, a node, handled by its handler.
    let routes = arr(v, "routes");
    for r in routes {
        let (id, path, handler) = (s(r, "id"), s(r, "path"), s(r, "handler"));
        let methods = strs(r, "methods");
        assert_eq!(
            methods.len(),
            1,
            "route {id}: one entry per HTTP method, got {methods:?}"
        );
        assert_eq!(
            id,
            format!("route:{} {}", methods[0], path),
            "route id vs methods/path"
        );
        assert_eq!(
            methods[0],
            methods[0].to_uppercase(),
            "route {id}: method not uppercase"
        );
        assert!(path.starts_with('/'), "route {id}: path must start with /");
        assert!(
            !path.contains("//"),
            "route {id}: prefix and rule joined with more than one /"
        );
        assert_eq!(
            kind_of.get(id),
            Some(&"route"),
            "route {id} is not a route node"
        );
        assert!(
            node_set.contains(handler),
            "route {id}: handler `{handler}` is not a node"
        );
        assert!(
            edge_set.contains(&(id, handler, "handles")),
            "route {id}: no handles edge to `{handler}`"
        );
        let _ = s(r, "file");
        let _ = u(r, "line");
        // Additive fields: the endpoint and the app are strings or null; a view is a class.
        for key in ["endpoint", "view", "app"] {
            let f = r.get(key);
            assert!(
                f.is_some_and(|x| x.is_null() || x.as_str().is_some_and(|t| !t.is_empty())),
                "route {id}: `{key}` must be a non-empty string or null, got {f:?}"
            );
        }
        if let Some(view) = r.get("view").and_then(Value::as_str) {
            assert_eq!(
                kind_of.get(view),
                Some(&"class"),
                "route {id}: view `{view}` is not a class node"
            );
        }
    }
    if let Some(i) = is_sorted_by_key(routes, |r| s(r, "id").to_owned()) {
        panic!("routes not sorted by id at {i}");
    }

    // Tables: id from name, a node, FKs point at tables and have references edges, models map.
    let tables = arr(v, "tables");
    let table_set: BTreeSet<&str> = tables.iter().map(|t| s(t, "id")).collect();
    for t in tables {
        let id = s(t, "id");
        assert_eq!(id, format!("table:{}", s(t, "name")), "table id vs name");
        assert_eq!(
            kind_of.get(id),
            Some(&"table"),
            "table {id} is not a table node"
        );
        for c in arr(t, "columns") {
            let _ = s(c, "name");
            let _ = s(c, "type");
        }
        let _ = strs(t, "primary_key");
        for fk in arr(t, "foreign_keys") {
            let to = s(fk, "references");
            assert!(
                table_set.contains(to),
                "table {id}: FK to `{to}`, which is not in `tables`"
            );
            assert!(
                edge_set.contains(&(id, to, "references")),
                "table {id}: FK to {to} without a references edge"
            );
            assert_eq!(
                arr(fk, "columns").len(),
                arr(fk, "ref_columns").len(),
                "table {id}: FK arity"
            );
        }
        for m in strs(t, "models") {
            assert_eq!(
                kind_of.get(m.as_str()),
                Some(&"class"),
                "table {id}: model `{m}` is not a class node"
            );
            assert!(
                edge_set.contains(&(m.as_str(), id, "maps")),
                "table {id}: model {m} without a maps edge"
            );
            assert!(
                has_tag(v, &m, "model"),
                "table {id}: model {m} not tagged `model`"
            );
        }
        for d in arr(t, "defined_in") {
            let _ = s(d, "file");
            let _ = u(d, "line");
        }
    }
    if let Some(i) = is_sorted_by_key(tables, |t| s(t, "id").to_owned()) {
        panic!("tables not sorted by id at {i}");
    }
    // A maps edge is always reflected in the table's `models`.
    for e in edges.iter().filter(|e| s(e, "kind") == "maps") {
        let t = table(v, s(e, "to"));
        assert!(
            strs(t, "models").iter().any(|m| m == s(e, "from")),
            "maps edge {} not in table models",
            short(e)
        );
    }

    // Queries: known source, tables exist.
    for q in arr(v, "queries") {
        let source = s(q, "source");
        assert!(
            source == "sql" || source == "orm",
            "query source `{source}`"
        );
        let _ = s(q, "kind");
        let _ = s(q, "file");
        let _ = u(q, "line");
        for key in ["reads", "writes"] {
            for t in strs(q, key) {
                assert!(
                    table_set.contains(t.as_str()),
                    "query {key} `{t}`, not in `tables`: {}",
                    short(q)
                );
            }
        }
        let _ = strs(q, "equality_columns");
        let _ = joins(q);
        // The chain of an access made on the site's behalf: functions that are nodes.
        for step in arr(q, "via") {
            let f = s(step, "function");
            assert!(
                node_set.contains(f),
                "query via `{f}`, not a node: {}",
                short(q)
            );
            let _ = s(step, "file");
            assert!(u(step, "line") >= 1, "query via line 0: {}", short(q));
        }
    }

    for x in arr(v, "external_calls") {
        let _ = s(x, "from");
        let _ = s(x, "name");
        assert!(u(x, "count") >= 1, "external call count < 1: {}", short(x));
    }
    for d in arr(v, "diagnostics") {
        let _ = s(d, "file");
        let _ = u(d, "line");
        let sev = s(d, "severity");
        assert!(
            matches!(sev, "error" | "warning" | "info"),
            "diagnostic severity `{sev}`"
        );
        assert!(!s(d, "message").is_empty(), "empty diagnostic message");
    }

    // Self-checks: one entry per kind, each counting the diagnostics that carry its kind.
    let mut by_check: BTreeMap<&str, u64> = BTreeMap::new();
    for d in arr(v, "diagnostics") {
        if let Some(c) = d.get("check").and_then(Value::as_str) {
            *by_check.entry(c).or_default() += 1;
        }
    }
    let checks: BTreeMap<&str, u64> = arr(v, "self_checks")
        .iter()
        .map(|c| {
            let _ = s(&c["first"], "file");
            (s(c, "check"), u(c, "count"))
        })
        .collect();
    assert_eq!(checks, by_check, "self_checks vs diagnostics with a check");
    assert_eq!(
        summary(v, "unread"),
        by_check.values().sum::<u64>(),
        "summary.unread"
    );

    // Summary vs arrays.
    let count = |kind: &str| nodes.iter().filter(|n| s(n, "kind") == kind).count() as u64;
    assert_eq!(
        summary(v, "routes"),
        routes.len() as u64,
        "summary.routes vs routes"
    );
    assert_eq!(
        summary(v, "tables"),
        tables.len() as u64,
        "summary.tables vs tables"
    );
    assert_eq!(
        summary(v, "diagnostics"),
        arr(v, "diagnostics").len() as u64,
        "summary.diagnostics"
    );
    assert_eq!(
        summary(v, "query_sites"),
        arr(v, "queries").len() as u64,
        "summary.query_sites vs queries"
    );
    assert_eq!(
        summary(v, "modules"),
        count("module"),
        "summary.modules vs module nodes"
    );
    assert_eq!(
        summary(v, "classes"),
        count("class"),
        "summary.classes vs class nodes"
    );
    assert_eq!(
        summary(v, "functions"),
        count("function"),
        "summary.functions vs function nodes"
    );
    assert_eq!(
        summary(v, "methods"),
        count("method"),
        "summary.methods vs method nodes"
    );
    assert_eq!(count("route"), routes.len() as u64, "route nodes vs routes");
    assert_eq!(count("table"), tables.len() as u64, "table nodes vs tables");
    // Every call is counted in exactly one category: resolved, external, unresolved, and any
    // further `*_calls` category the summary adds (builtin, dynamic...).
    let sm = v
        .get("summary")
        .and_then(Value::as_object)
        .expect("summary object");
    let categories: Vec<(&String, u64)> = sm
        .iter()
        .filter(|(k, _)| k.ends_with("_calls"))
        .map(|(k, n)| {
            (
                k,
                n.as_u64()
                    .unwrap_or_else(|| panic!("summary.{k} is not a u64")),
            )
        })
        .collect();
    for required in ["resolved_calls", "external_calls", "unresolved_calls"] {
        assert!(sm.contains_key(required), "summary.{required} missing");
    }
    assert_eq!(
        summary(v, "calls"),
        categories.iter().map(|(_, n)| n).sum::<u64>(),
        "summary.calls is the sum of the call categories {categories:?}"
    );
    let ext = arr(v, "external_calls");
    let ext_sum: u64 = ext.iter().map(|x| u(x, "count")).sum();
    let ext_summary = summary(v, "external_calls");
    assert!(
        ext_summary == ext_sum || ext_summary == ext.len() as u64,
        "summary.external_calls ({ext_summary}) is neither the sum of counts ({ext_sum}) nor the entries ({})",
        ext.len()
    );
    let call_edges = edges.iter().filter(|e| s(e, "kind") == "calls").count() as u64;
    assert!(
        summary(v, "resolved_calls") >= call_edges,
        "fewer resolved calls than calls edges"
    );
}

// ---------------------------------------------------------------------------------------------
// LABELS.json: the designed service decomposition of a fixture

/// Does a LABELS.json symbol entry cover `id`? `p.*` covers module `p`, modules under it and
/// their symbols; anything else is an exact id.
pub fn label_covers(pattern: &str, id: &str) -> bool {
    match pattern.strip_suffix(".*") {
        Some(p) => id == p || id.starts_with(&format!("{p}.")) || id.starts_with(&format!("{p}:")),
        None => id == pattern,
    }
}

/// Checks fixtures/<name>/LABELS.json against the analysis: each entry names something that
/// exists, every class/function/method outside test and migration code belongs to exactly one
/// service, and every table to exactly one.
pub fn check_labels(v: &Value, fixture_name: &str) {
    let path = fixture(fixture_name).join("LABELS.json");
    let labels: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let services = labels
        .get("services")
        .and_then(Value::as_object)
        .expect("LABELS.json: `services` object");
    let node_ids: Vec<&str> = arr(v, "nodes").iter().map(|n| s(n, "id")).collect();
    let mut problems = Vec::new();
    for (name, svc) in services {
        for p in strs(svc, "symbols") {
            if !node_ids.iter().any(|id| label_covers(&p, id)) {
                problems.push(format!("{name}: `{p}` matches no node"));
            }
        }
        for t in strs(svc, "tables") {
            if find_table(v, &t).is_none() {
                problems.push(format!("{name}: no table `{t}`"));
            }
        }
    }
    for n in arr(v, "nodes") {
        let (id, kind) = (s(n, "id"), s(n, "kind"));
        let t = strs(n, "tags");
        if t.iter().any(|t| t == "test" || t == "migration") {
            continue;
        }
        let owners: Vec<&String> = match kind {
            "class" | "function" | "method" => services
                .iter()
                .filter(|(_, svc)| strs(svc, "symbols").iter().any(|p| label_covers(p, id)))
                .map(|(k, _)| k)
                .collect(),
            "table" => services
                .iter()
                .filter(|(_, svc)| strs(svc, "tables").iter().any(|x| x == id))
                .map(|(k, _)| k)
                .collect(),
            _ => continue,
        };
        if owners.len() != 1 {
            problems.push(format!("{kind} `{id}` belongs to {owners:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} disagrees with the analysis: {problems:#?}",
        path.display()
    );
}

/// A copy of a directory tree (fixtures are copied before tests change them).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The snapshots of a repository's history store, via `seam trend --format json`.
pub fn snapshots(dir: &Path) -> Vec<Value> {
    let out = run(["trend", dir.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["snapshots"].as_array().unwrap().clone()
}

/// Sorted owned copies (expected lists are written in reading order).
pub fn sorted(v: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = v.iter().map(|s| (*s).to_owned()).collect();
    out.sort();
    out
}

/// New code for the shop fixture, in `shop/orders/reports.py`: orders reading identity's
/// `users` table at line 5, a dependency across the proposed and accepted boundaries.
pub const CROSSING: &str = "from ..identity.models import User\n\n\ndef buyers():\n    return User.query.filter_by(full_name=None).all()\n";

/// `shared/` beside the checkout (corpus scripts, truths, traces), or `$SEAM_SHARED`.
pub fn shared() -> PathBuf {
    std::env::var_os("SEAM_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("../shared"))
}

/// Where real apps are unpacked: `$SEAM_CORPUS`, else under the target dir, reused across runs.
pub fn corpus_dir() -> PathBuf {
    std::env::var_os("SEAM_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus"))
}

/// The unpacked sources of a corpus app, fetched by `shared/corpus/fetch.sh` (pinned sdists
/// from PyPI; never committed) when not there yet.
pub fn fetch_corpus_app(app: &str) -> PathBuf {
    let script = shared().join("corpus/fetch.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(corpus_dir())
        .arg(app)
        .output()
        .unwrap_or_else(|e| panic!("{} runs: {e}", script.display()));
    assert!(
        out.status.success(),
        "fetch.sh {app} failed (needs python3 -m pip and PyPI): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let dir = line
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{app}\t")))
        .unwrap_or_else(|| panic!("fetch.sh printed no directory for {app}: {line}"));
    PathBuf::from(dir.trim())
}

/// The apps of `shared/corpus/<kind>` (`truth`: folders holding a `truth.json`; `trace`:
/// `APP.json` files) that `tested` leaves out: a corpus entry without a test is not skipped.
pub fn untested_corpus_apps(kind: &str, tested: &[&str]) -> Vec<String> {
    let dir = shared().join("corpus").join(kind);
    let mut out: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            match kind {
                "truth" => e.path().join("truth.json").exists().then_some(name),
                _ => name.strip_suffix(".json").map(str::to_owned),
            }
        })
        .filter(|a| !tested.contains(&a.as_str()))
        .collect();
    out.sort();
    out
}
