//! Resolution: the front ends' per-file facts become one repository-wide [`Analysis`]: names
//! resolved across modules, ORM classes mapped to tables, SQL strings attributed to the
//! functions that run them, routes joined to their prefixes and handlers. No IO here, and no
//! syntax: only facts in, analysis out.

mod auth_loaders;
mod budget;
mod builder;
mod calls;
mod catalogs;
mod config;
mod context_processors;
mod decorators;
mod dotted;
mod families;
mod handoff;
mod higher_order;
mod index;
mod injected;
mod models;
mod names;
mod orm;
mod properties;
mod registrations;
mod registries;
mod request_hooks;
mod returns;
mod routes;
mod self_check;
mod sql_sites;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rayon::prelude::*;

use seam_facts::python::{DefKind, Expr, Name};
use seam_facts::{Diagnostic, Severity};

use crate::analysis::{
    Analysis, EdgeKind, Evidence, ExternalCall, NameCount, Node, NodeKind, Query, QuerySource,
    Route, SCHEMA_VERSION, Summary, Table,
};
use crate::load::Loaded;
use builder::{Builder, Edges};
use index::{Index, parent_scope};

/// How many of the most frequent unresolved names the JSON lists.
const UNRESOLVED_LISTED: usize = 50;

/// Resolve everything the front ends found into the analysis document.
pub fn resolve(mut loaded: Loaded) -> Analysis {
    let mut timer = crate::timing::Timer::new();
    let (mut b, mut read) = resolve_borrowed(&loaded, &mut timer);
    // The facts are freed once the passes are done and what assembly needs from them is
    // read: on a large tree they are more than half the peak, and the nodes, the analysis
    // and the edges are built in the room they leave. All but the defs go first (on the
    // threads that made them, whose heaps take the room back), then the nodes are read from
    // the defs, then the defs go.
    loaded
        .python
        .par_iter_mut()
        .for_each(|unit| unit.facts.keep_only_defs());
    timer.mark("free facts");
    read.add_nodes(&loaded, &mut b);
    drop(std::mem::take(&mut loaded.python));
    timer.mark("nodes");
    let (mut analysis, edges, nodes) = assemble(read, &loaded, b);
    timer.mark("assemble");
    analysis.edges = edges.into_sorted(|id| nodes.contains(id));
    timer.mark("edges");
    // The one list of every node last: by now the room the facts left is given back.
    analysis.nodes = nodes.into_vec();
    analysis
}

/// The passes over the facts: the builder, and what assembly reads from the facts.
fn resolve_borrowed(loaded: &Loaded, timer: &mut crate::timing::Timer) -> (Builder, FromFacts) {
    let mut ix = Index::build(&loaded.python);
    timer.mark("index: build");
    ix.resolve_tables();
    timer.mark("index: tables");
    ix.summarise_returns();
    timer.mark("index: returns");
    ix.identity = auth_loaders::identity_class(&ix);
    let mut b = Builder::default();
    let config = config::Config::build(&loaded.python);
    timer.mark("index");
    // Every call's callee, resolved once and in parallel: calls, ORM and routes all read it.
    let targets = names::Targets::new(
        ix.units
            .par_iter()
            .enumerate()
            .map(|(u, unit)| {
                unit.facts
                    .calls
                    .iter()
                    .map(|c| names::Packed::pack(call_target(&ix, u, c)))
                    .collect()
            })
            .collect(),
    );
    timer.mark("call targets");
    let models = models::detect(&ix, &mut b);
    timer.mark("models");
    let families = families::families(&ix, &models);
    calls::resolve_calls(&ix, &targets, &families, &mut b);
    higher_order::resolve_higher_order(&ix, &targets, &mut b);
    higher_order::resolve_decorator_callbacks(&ix, &mut b);
    registries::resolve_registries(&ix, &targets, &mut b);
    auth_loaders::resolve_auth_loaders(&ix, &mut b);
    context_processors::resolve_context_processors(&ix, &mut b);
    properties::resolve_properties(&ix, &families, &mut b);
    decorators::resolve_wraps(&ix, &mut b);
    timer.mark("calls");
    let plain = orm::Plain::new(&ix, &models);
    orm::resolve_orm(&plain, &targets, &mut b);
    timer.mark("orm");
    sql_sites::resolve_sql(&ix, &loaded.sql, &mut b);
    timer.mark("sql");
    routes::resolve_routes(&ix, &targets, &config, &mut b);
    routes::spec_routes(&ix, &loaded.specs, &mut b);
    orm::resolve_view_dispatch(&plain, &mut b);
    decorators::resolve_middleware(&ix, &mut b);
    timer.mark("routes");
    tag_tasks(&ix, &mut b);
    for (u, d) in request_hooks::app_wide_hooks(&ix) {
        b.tag(&ix.symbol_id(u, d), request_hooks::TAG);
    }
    structure_edges(&ix, &mut b);
    timer.mark("structure");
    drop((targets, plain, families, config));
    ix.keep_only_defs();
    timer.mark("free passes");
    let read = FromFacts::read(&ix, loaded, &b);
    timer.mark("read facts");
    (b, read)
}

/// A call's callee. A method called on the result of a helper that returns a row of the
/// model passed to it (`fetch_one(SMSGateway, id=i).delete()`) is known only with that
/// call's arguments, which the dotted callee does not carry: the receiver call's value is
/// evaluated with them when the callee alone resolves to nothing.
fn call_target(ix: &Index<'_>, u: usize, c: &seam_facts::python::Call) -> names::Value {
    let v = ix.resolve(u, &c.scope, &c.callee);
    if !matches!(v, names::Value::Dynamic) {
        return v;
    }
    let calls = &ix.units[u].facts.calls;
    let Some(r) = c.receiver.map(|r| r as usize).filter(|&r| r < calls.len()) else {
        return v;
    };
    let recv = &calls[r];
    if recv.args.is_empty() || recv.callee.contains('(') {
        return v;
    }
    match ix.call_value(u, &c.scope, &recv.callee, &recv.args, recv.line, 0) {
        inst @ names::Value::Instance(..) => {
            match ix.member(inst, dotted::last_segment(&c.callee), 0) {
                m @ names::Value::Def(..) => m,
                _ => v,
            }
        }
        _ => v,
    }
}

/// Task functions a worker runs: Celery's (`@celery.task`, `@app.task(...)`, `@shared_task`,
/// `@periodic_task`), Huey's (`@huey.task()`), Dramatiq's (`@dramatiq.actor`).
fn tag_tasks(ix: &Index<'_>, b: &mut Builder) {
    for (u, unit) in ix.units.iter().enumerate() {
        for (d, def) in unit.facts.defs.iter().enumerate() {
            if def.kind == DefKind::Class {
                continue;
            }
            let is_task = def.decorators.iter().any(|e| {
                let name = match e {
                    Expr::Name(n) => n.as_str(),
                    Expr::Call { callee, .. } => callee.as_str(),
                    _ => return false,
                };
                let last = name.rsplit('.').next().unwrap_or(name);
                (last == "task" && name.contains('.'))
                    || last == "shared_task"
                    || last == "periodic_task"
                    || last == "actor"
            });
            if is_task {
                b.tag(&ix.symbol_id(u, d), "task");
            }
        }
    }
}

/// `contains` (module → defs, def → nested defs) and `imports` (module → module) edges.
fn structure_edges(ix: &Index<'_>, b: &mut Builder) {
    for (u, unit) in ix.units.iter().enumerate() {
        let f = &unit.facts;
        let file = unit.file.rel.as_str();
        for (d, def) in f.defs.iter().enumerate() {
            if ix.def_of_scope(u, &def.qualname) != Some(d) {
                continue; // a redefinition: the first one is the node
            }
            let parent = parent_scope(&def.qualname);
            let from = if parent.is_empty() {
                f.module.to_string()
            } else {
                ix.owner_id(u, parent)
            };
            b.edge(
                &from,
                &ix.symbol_id(u, d),
                EdgeKind::Contains,
                file,
                def.line,
            );
            if def.kind == DefKind::Class {
                let child = ix.symbol_id(u, d);
                for (bu, bd) in ix.repo_bases(u, d, 0) {
                    b.edge(
                        &child,
                        &ix.symbol_id(bu, bd),
                        EdgeKind::Inherits,
                        file,
                        def.line,
                    );
                }
            }
        }
        for imp in &f.imports {
            let Some(base) = ix.import_base(u, imp) else {
                continue;
            };
            let target = match &imp.name {
                Some(name) if name != "*" => {
                    let full = if base.is_empty() {
                        name.to_string()
                    } else {
                        format!("{base}.{name}")
                    };
                    ix.module(&full).or_else(|| ix.module(&base))
                }
                _ => ix.module(&base),
            };
            if let Some(t) = target
                && t != u
            {
                b.edge(
                    &f.module,
                    &ix.units[t].facts.module,
                    EdgeKind::Imports,
                    file,
                    imp.line,
                );
            }
        }
    }
}

/// SQL run inside a loop: a query site whose SQL sits within two lines of a call made in a
/// loop of the same function (`for ...: cursor.execute("...")`). ORM sites know it already.
fn mark_sql_in_loops(looped: &BTreeSet<(String, u32)>, queries: &mut [Query]) {
    if looped.is_empty() {
        return;
    }
    for q in queries.iter_mut().filter(|q| q.source == QuerySource::Sql) {
        let lo = q.line.saturating_sub(2);
        q.in_loop |= looped
            .range((q.site.clone(), lo)..=(q.site.clone(), q.line + 2))
            .next()
            .is_some();
    }
}

/// The nodes as assembly adds them, in order, each marked as replacing a node of its id added
/// before (`insert`) or giving way to one (`insert_if_absent`); `finish` keeps, per id, the
/// node a map would hold after the same calls. A list, where a map from id to node held
/// each id twice (key and node) in a tree of 341 k entries on the 194 MB tree.
///
/// It is a list of blocks (a unit's nodes, built on the thread that freed the unit's facts)
/// until the edges are written: one list of every node is a block of 27 MB on that tree,
/// which the room the facts leave, in pieces until the allocator gives it back, cannot hold.
#[derive(Debug, Default)]
struct NodeList(Vec<Vec<(Node, bool)>>);

impl NodeList {
    fn insert(&mut self, node: Node) {
        self.push(node, true);
    }

    fn insert_if_absent(&mut self, node: Node) {
        self.push(node, false);
    }

    fn push(&mut self, node: Node, replaces: bool) {
        match self.0.last_mut() {
            Some(block) => block.push((node, replaces)),
            None => self.0.push(vec![(node, replaces)]),
        }
    }

    /// Nodes added in order after those added before, each with whether it replaces.
    fn extend(&mut self, block: Vec<(Node, bool)>) {
        self.0.push(block);
    }

    /// One node per id, in order of id.
    fn finish(self) -> SortedNodes {
        let blocks = self.0;
        let node = |&(b, i): &(u32, u32)| &blocks[b as usize][i as usize];
        // (block, index) is the order of insertion.
        let mut order: Vec<(u32, u32)> = blocks
            .iter()
            .enumerate()
            .flat_map(|(b, block)| (0..block.len()).map(move |i| (b as u32, i as u32)))
            .collect();
        order.sort_unstable_by(|a, b| node(a).0.id.cmp(&node(b).0.id).then(a.cmp(b)));
        let mut kept: Vec<(u32, u32)> = Vec::with_capacity(order.len());
        for at in order {
            match kept.last_mut() {
                Some(last) if node(last).0.id == node(&at).0.id => {
                    if node(&at).1 {
                        *last = at;
                    }
                }
                _ => kept.push(at),
            }
        }
        SortedNodes {
            blocks,
            order: kept,
        }
    }
}

/// The nodes, one per id, in order of id, still in their blocks (see [`NodeList`]).
#[derive(Debug)]
struct SortedNodes {
    blocks: Vec<Vec<(Node, bool)>>,
    /// (block, index) of each node kept, sorted by id.
    order: Vec<(u32, u32)>,
}

impl SortedNodes {
    fn node(&self, (b, i): (u32, u32)) -> &Node {
        &self.blocks[b as usize][i as usize].0
    }

    fn contains(&self, id: &str) -> bool {
        self.order
            .binary_search_by(|&at| self.node(at).id.as_str().cmp(id))
            .is_ok()
    }

    fn into_vec(self) -> Vec<Node> {
        let SortedNodes { mut blocks, order } = self;
        let none: Arc<str> = Arc::from("");
        let no_tags: Arc<[String]> = Arc::from(Vec::new());
        order
            .into_iter()
            .map(|(b, i)| {
                let empty = Node {
                    id: String::new(),
                    kind: NodeKind::Module,
                    file: Arc::clone(&none),
                    line: 0,
                    end_line: 0,
                    tags: Arc::clone(&no_tags),
                };
                std::mem::replace(&mut blocks[b as usize][i as usize].0, empty)
            })
            .collect()
    }
}

/// One shared copy of each distinct tag list: most nodes carry their file's tags, or none.
#[derive(Debug, Default)]
struct SharedTags(BTreeMap<Vec<String>, Arc<[String]>>);

impl SharedTags {
    fn get(&mut self, tags: Vec<String>) -> Arc<[String]> {
        if let Some(shared) = self.0.get(&tags) {
            return Arc::clone(shared);
        }
        let shared: Arc<[String]> = tags.clone().into();
        self.0.insert(tags, Arc::clone(&shared));
        shared
    }
}

/// What assembly reads from the facts, read before they are freed: the nodes of modules and
/// defs (with the tags the passes gave them) and their counts, and what the tables touched,
/// the SQL-in-loop marks and the self-checks look up.
#[derive(Debug)]
struct FromFacts {
    nodes: NodeList,
    shared_tags: SharedTags,
    summary: Summary,
    /// Python files outside the schema (tests, migrations...).
    outside_files: BTreeSet<String>,
    /// (owner, line) of every call made in a loop by the owner of a SQL query site.
    looped: BTreeSet<(String, u32)>,
    stopped: u64,
    checks: self_check::FactInputs,
}

impl FromFacts {
    /// What the index and the facts tell before the facts but the defs are freed.
    fn read(ix: &Index<'_>, loaded: &Loaded, b: &Builder) -> Self {
        let mut summary = Summary {
            sql_statements: loaded
                .python
                .iter()
                .flat_map(|p| p.sql.iter())
                .map(|s| s.statements.len() as u32)
                .sum::<u32>(),
            modules: ix.units.len() as u32,
            ..Summary::default()
        };
        for unit in ix.units {
            summary.python_files += 1;
            summary.lines += u64::from(unit.facts.lines);
            summary.bytes += unit.file.size;
        }
        // Only the owners of SQL query sites are looked up.
        let sql_sites: BTreeSet<&str> = b
            .queries
            .iter()
            .filter(|q| q.source == QuerySource::Sql)
            .map(|q| q.site.as_str())
            .collect();
        let mut looped: BTreeSet<(String, u32)> = BTreeSet::new();
        for (u, unit) in ix.units.iter().enumerate() {
            for c in unit.facts.calls.iter().filter(|c| c.in_loop) {
                let owner = ix.owner_id(u, &c.scope);
                if sql_sites.contains(owner.as_str()) {
                    looped.insert((owner, c.line));
                }
            }
        }
        FromFacts {
            nodes: NodeList::default(),
            shared_tags: SharedTags::default(),
            summary,
            outside_files: loaded
                .python
                .iter()
                .map(|u| &u.file)
                .filter(|f| models::outside_schema(&f.tags))
                .map(|f| f.rel.clone())
                .collect(),
            looped,
            stopped: ix.stopped.load(std::sync::atomic::Ordering::Relaxed),
            checks: self_check::FactInputs::gather(&loaded.python),
        }
    }

    /// The nodes of modules and defs, with the tags the passes gave them, and their counts:
    /// read from the defs alone (see [`PyFile::keep_only_defs`]).
    ///
    /// [`PyFile::keep_only_defs`]: seam_facts::python::PyFile::keep_only_defs
    fn add_nodes(&mut self, loaded: &Loaded, b: &mut Builder) {
        // Per unit: its file, its tags for the module node and for a def's node without
        // tags of its own (sorted, as a def's tags are), and as strings.
        let mut per_unit = Vec::with_capacity(loaded.python.len());
        for unit in &loaded.python {
            let tags: Vec<String> = unit
                .file
                .tags
                .iter()
                .map(|t| t.as_str().to_owned())
                .collect();
            let sorted: BTreeSet<String> = tags.iter().cloned().collect();
            per_unit.push((
                b.edges.file(&unit.file.rel),
                self.shared_tags.get(tags.clone()),
                self.shared_tags.get(sorted.into_iter().collect()),
                tags,
            ));
        }
        // Each unit's nodes on the thread that freed its facts (see `NodeList`); a def with
        // tags of its own comes with them, shared after.
        let extra_tags = &b.tags;
        type Block = (Vec<(Node, bool)>, Vec<(usize, Vec<String>)>);
        let blocks: Vec<Block> = loaded
            .python
            .par_iter()
            .zip(&per_unit)
            .map(|(unit, (file, module_tags, def_tags, file_tags))| {
                let f = &unit.facts;
                let mut block = Vec::with_capacity(f.defs.len() + 1);
                let mut own_tags = Vec::new();
                let module = Node {
                    id: f.module.to_string(),
                    kind: NodeKind::Module,
                    file: Arc::clone(file),
                    line: 1,
                    end_line: f.lines.max(1),
                    tags: Arc::clone(module_tags),
                };
                block.push((module, false));
                // A redefinition is not a node: the first def of a qualname is.
                let mut seen: rustc_hash::FxHashSet<Name> = Default::default();
                for def in &f.defs {
                    if !seen.insert(def.qualname) {
                        continue;
                    }
                    let id = seam_facts::ids::symbol_id(&f.module, &def.qualname);
                    if let Some(extra) = extra_tags.get(&id) {
                        let mut tags: BTreeSet<String> = file_tags.iter().cloned().collect();
                        tags.extend(extra.iter().map(|t| (*t).to_owned()));
                        own_tags.push((block.len(), tags.into_iter().collect()));
                    }
                    let kind = match def.kind {
                        DefKind::Class => NodeKind::Class,
                        DefKind::Function => NodeKind::Function,
                        DefKind::Method => NodeKind::Method,
                    };
                    let node = Node {
                        id,
                        kind,
                        file: Arc::clone(file),
                        line: def.line,
                        end_line: def.end_line,
                        tags: Arc::clone(def_tags),
                    };
                    block.push((node, true));
                }
                (block, own_tags)
            })
            .collect();
        let summary = &mut self.summary;
        for (mut block, own_tags) in blocks {
            for (i, tags) in own_tags {
                block[i].0.tags = self.shared_tags.get(tags);
            }
            for (node, _) in block.iter().filter(|(n, _)| n.kind != NodeKind::Module) {
                match node.kind {
                    NodeKind::Class => summary.classes += 1,
                    NodeKind::Method => summary.methods += 1,
                    _ => summary.functions += 1,
                }
                if node.tags.iter().any(|t| t == "task") {
                    summary.celery_tasks += 1;
                }
                if node.tags.iter().any(|t| t == "model") {
                    summary.models += 1;
                }
            }
            self.nodes.extend(block);
        }
        let nodes = &mut self.nodes;
        let shared_tags = &mut self.shared_tags;
        // Classes made by `type(...)` at import time have no def: a node of their own.
        for (id, at) in std::mem::take(&mut b.generated_classes) {
            let mut tags: BTreeSet<String> = loaded
                .python
                .iter()
                .find(|u| *u.file.rel == *at.file)
                .map(|u| u.file.tags.iter().map(|t| t.as_str().to_owned()).collect())
                .unwrap_or_default();
            if let Some(extra) = b.tags.get(&id) {
                tags.extend(extra.iter().map(|t| (*t).to_owned()));
            }
            summary.classes += 1;
            if tags.contains("model") {
                summary.models += 1;
            }
            nodes.insert_if_absent(Node {
                id,
                kind: NodeKind::Class,
                file: at.file,
                line: at.line,
                end_line: at.line,
                tags: shared_tags.get(tags.into_iter().collect()),
            });
        }
    }
}

fn assemble(read: FromFacts, loaded: &Loaded, mut b: Builder) -> (Analysis, Edges, SortedNodes) {
    let FromFacts {
        mut nodes,
        mut shared_tags,
        mut summary,
        mut outside_files,
        looped,
        stopped,
        checks,
    } = read;
    for unit in &loaded.sql {
        summary.sql_files += 1;
        summary.lines += u64::from(unit.lines);
        summary.bytes += unit.file.size;
    }
    summary.sql_statements += loaded
        .sql
        .iter()
        .map(|s| s.facts.statements.len() as u32)
        .sum::<u32>();
    summary.skipped_files = loaded.skipped;

    // Routes: one per id; a second registration of the same method and path is reported.
    // The main application's route is the one kept when another app serves the path too.
    let mut routes: Vec<Route> = Vec::new();
    for mut route in std::mem::take(&mut b.routes) {
        if let Some(prev) = routes.last_mut().filter(|r| r.id == route.id) {
            if prev.app.is_some() && route.app.is_none() {
                std::mem::swap(prev, &mut route);
            }
            if prev.app != route.app {
                b.diagnostics.push(Diagnostic::new(
                    &route.file,
                    route.line,
                    Severity::Info,
                    format!(
                        "{} is also served by application {} (handler {}); the main application's route ({}) is kept",
                        route.id,
                        route.app.as_deref().unwrap_or("(main)"),
                        route.handler,
                        prev.handler
                    ),
                ));
                if prev.handler != route.handler {
                    b.edges.remove(&route.id, &route.handler, EdgeKind::Handles);
                }
            } else if prev.handler != route.handler {
                b.diagnostics.push(Diagnostic::new(
                    &route.file,
                    route.line,
                    Severity::Warning,
                    format!(
                        "{} is registered again (handler {}); the first registration ({}) is kept",
                        route.id, route.handler, prev.handler
                    ),
                )
                .with_check("route-duplicate"));
                b.edges.remove(&route.id, &route.handler, EdgeKind::Handles);
            }
            continue;
        }
        routes.push(route);
    }
    for r in &routes {
        nodes.insert(Node {
            id: r.id.clone(),
            kind: NodeKind::Route,
            file: b.edges.file(&r.file),
            line: r.line,
            end_line: r.line,
            tags: shared_tags.get(Vec::new()),
        });
    }

    // Foreign keys → `references` edges.
    let fk_edges: Vec<(String, String, Evidence)> = b
        .tables
        .iter()
        .flat_map(|(name, t)| {
            t.fk_evidence.iter().flat_map(move |(target, evs)| {
                evs.iter().map(move |e| {
                    (
                        format!("table:{name}"),
                        format!("table:{target}"),
                        e.clone(),
                    )
                })
            })
        })
        .collect();
    for (from, to, e) in fk_edges {
        b.edge(&from, &to, EdgeKind::References, &e.file, e.line);
    }
    // Every table something touches is a node, defined or not; but not what only migrations
    // (history: `*_old`, `alembic_version`) or tests touch, nor the database's own catalogs
    // (`information_schema.tables`, `pg_class`).
    outside_files.extend(
        loaded
            .sql
            .iter()
            .map(|s| &s.file)
            .filter(|f| models::outside_schema(&f.tags))
            .map(|f| f.rel.clone()),
    );
    let touched: BTreeSet<String> = b
        .edges
        .keys()
        .filter(|(_, _, k)| matches!(k, EdgeKind::Maps | EdgeKind::References))
        .map(|(_, to, _)| to.trim_start_matches("table:").to_owned())
        .chain(
            b.queries
                .iter()
                .filter(|q| !outside_files.contains(&*q.file))
                .flat_map(|q| q.reads.iter().chain(&q.writes))
                .map(|t| t.trim_start_matches("table:").to_owned())
                .filter(|t| !catalogs::is_system_catalog(t)),
        )
        .collect();
    for name in touched {
        b.tables.entry(name).or_default();
    }
    let mut tables = Vec::new();
    let first_evidence = b.edges.first_evidence_by_target();
    for (name, t) in std::mem::take(&mut b.tables) {
        // `{0}`: the placeholder of a `.format` template, not a name.
        if name.is_empty() || name.contains(seam_facts::python::HOLE) || name.contains('{') {
            continue;
        }
        let id = format!("table:{name}");
        let first = t
            .defined_in
            .iter()
            .next()
            .cloned()
            .or_else(|| first_evidence.get(id.as_str()).cloned());
        let (file, line) = first.map(|e| (e.file, e.line)).unwrap_or_default();
        nodes.insert(Node {
            id: id.clone(),
            kind: NodeKind::Table,
            file,
            line,
            end_line: line,
            tags: shared_tags.get(Vec::new()),
        });
        summary.foreign_keys += t.foreign_keys.len() as u32;
        tables.push(Table {
            id,
            name,
            columns: t.columns,
            primary_key: t.primary_key,
            models: t.models.into_iter().collect(),
            foreign_keys: t.foreign_keys.into_iter().collect(),
            unique: t.unique.into_iter().collect(),
            defined_in: t.defined_in.into_iter().collect(),
        });
    }

    drop(first_evidence);
    let edges = std::mem::take(&mut b.edges);
    let mut endpoint_refs = std::mem::take(&mut b.endpoint_refs);
    endpoint_refs.sort();
    endpoint_refs.dedup();
    let nodes = nodes.finish();
    let mut queries = b.queries;
    // A query names only tables of the analysis: what a migration reads (`alembic_version`)
    // or a catalog lookup (`information_schema.tables`) stays a query site, without a table.
    for q in &mut queries {
        q.reads.retain(|t| nodes.contains(t));
        q.writes.retain(|t| nodes.contains(t));
    }
    mark_sql_in_loops(&looped, &mut queries);
    queries.sort();
    let mut external_calls: Vec<ExternalCall> = b
        .external
        .into_iter()
        .map(|((from, name), (count, line))| ExternalCall {
            from: edges.name(from).to_owned(),
            name: name.to_string(),
            count,
            line,
        })
        .collect();
    external_calls.sort_unstable_by(|a, b| (&a.from, &a.name).cmp(&(&b.from, &b.name)));
    let mut unresolved: Vec<NameCount> = b
        .unresolved
        .into_iter()
        .map(|(name, count)| NameCount { name, count })
        .collect();
    unresolved.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    unresolved.truncate(UNRESOLVED_LISTED);
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(b.diagnostics);
    if stopped > 0 {
        diagnostics.push(Diagnostic::new(
            "",
            0,
            Severity::Warning,
            format!(
                "{stopped} name resolutions gave up after {} steps each (a search through \
                 deep class hierarchies): what those names hold is taken as unknown",
                budget::MAX_STEPS
            ),
        ));
    }
    diagnostics.extend(self_check::fact_checks(
        &checks,
        &routes,
        &queries,
        tables.len(),
    ));
    diagnostics.sort();
    diagnostics.dedup();
    let self_checks = self_check::summarize(&diagnostics);

    summary.routes = routes.len() as u32;
    summary.unbound_registrations = b.unbound_registrations;
    summary.tables = tables.len() as u32;
    summary.query_sites = queries.len() as u32;
    summary.calls = b.calls;
    summary.resolved_calls = b.resolved_calls;
    summary.external_calls = b.external_calls;
    summary.builtin_calls = b.builtin_calls;
    summary.dynamic_calls = b.dynamic_calls;
    summary.unresolved_calls = b.unresolved_calls;
    summary.unmapped_models = b.unmapped_models;
    summary.diagnostics = diagnostics.len() as u32;
    summary.unread = self_checks.iter().map(|c| c.count).sum();
    let analysis = Analysis {
        schema_version: SCHEMA_VERSION,
        summary,
        nodes: Vec::new(),
        edges: Vec::new(),
        routes,
        tables,
        queries,
        external_calls,
        endpoint_refs,
        unresolved,
        self_checks,
        diagnostics,
    };
    (analysis, edges, nodes)
}

#[cfg(test)]
mod tests;
