//! The analysis document: what `resolve` produces from the facts, what the graph is built from,
//! and what the JSON report serialises (field names and order are the JSON contract).
//! Every vector here is sorted, so output is deterministic by construction.

use std::sync::Arc;

use seam_facts::Diagnostic;
use serde::{Deserialize, Serialize};

/// Bumped when the JSON changes incompatibly (2: the wire form of `report::wire`).
pub const SCHEMA_VERSION: u32 = 2;

/// A place in the analysed repository.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Evidence {
    pub file: Arc<str>,
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NodeKind {
    Module,
    Class,
    Function,
    Method,
    Route,
    Table,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeKind {
    /// module → class/function, class → method, function → nested function.
    Contains,
    /// module → module.
    Imports,
    /// symbol → symbol.
    Calls,
    /// caller → Celery task (`.delay()`, `.apply_async()`).
    Enqueues,
    /// route → handler.
    Handles,
    /// function/method/module → table; a class-based view → table for what the HTTP methods it
    /// inherits do on an instance of it.
    Reads,
    /// As [`EdgeKind::Reads`].
    Writes,
    /// table → table (foreign key).
    References,
    /// ORM model class → its table.
    Maps,
    /// class → a base class defined in the repository (mixins, abstract bases).
    Inherits,
    /// ORM model → the model a `relationship()` (or its backref) navigates to.
    Relates,
    /// A repository decorator (its def, a factory, a class's `__call__`) → each def it is
    /// applied to and whose call its nested wrapper makes at run time.
    Wraps,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Contains => "contains",
            EdgeKind::Imports => "imports",
            EdgeKind::Calls => "calls",
            EdgeKind::Enqueues => "enqueues",
            EdgeKind::Handles => "handles",
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::References => "references",
            EdgeKind::Maps => "maps",
            EdgeKind::Inherits => "inherits",
            EdgeKind::Relates => "relates",
            EdgeKind::Wraps => "wraps",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    /// Shared by the nodes of a file (and with the evidence naming it).
    pub file: Arc<str>,
    pub line: u32,
    /// Last line of a definition (a module: its file's last line; a route or table: `line`).
    pub end_line: u32,
    /// `test`, `migration`, `script` (from the path), `task` (Celery), `model` (ORM class).
    /// Shared by the nodes whose tags are the same (most of a file's nodes have its tags).
    pub tags: Arc<[String]>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub from: Arc<str>,
    pub to: Arc<str>,
    pub kind: EdgeKind,
    pub count: u32,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Route {
    pub id: String,
    pub path: String,
    pub methods: Vec<String>,
    pub handler: String,
    /// Flask's endpoint name (`blueprint.function`, an explicit `endpoint=`, `as_view("name")`,
    /// a Flask-RESTful resource's lowercased class name); `None` when seam cannot tell.
    pub endpoint: Option<String>,
    /// The view class of a class-based view (`MethodView`, a Flask-RESTful resource); `None`
    /// for a function view.
    pub view: Option<String>,
    /// The application variable serving the route when it is not the repository's main
    /// application (a second `Flask(...)` instance, such as an event-stream server); `None`
    /// for the main application.
    pub app: Option<String>,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    /// A table id.
    pub references: String,
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Table {
    pub id: String,
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    /// ORM classes mapped to this table.
    pub models: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Unique constraints other than the primary key.
    pub unique: Vec<Vec<String>>,
    pub defined_in: Vec<Evidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QuerySource {
    Sql,
    Orm,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Query {
    /// The symbol that runs the query (function, method, module for module-level code), or the
    /// path of a `.sql` file.
    pub site: String,
    pub file: String,
    pub line: u32,
    pub source: QuerySource,
    /// `select`, `insert`, `update`, `delete`, `merge`, `copy`, `truncate`.
    pub kind: String,
    pub reads: Vec<String>,
    pub writes: Vec<String>,
    pub equality_columns: Vec<String>,
    pub joins: Vec<(String, String)>,
    pub locking: bool,
    /// Columns an INSERT or UPDATE sets (`table.column`), when seam can see them: the SQL
    /// column list, an ORM constructor's keywords. Empty when unknown.
    pub assigned_columns: Vec<String>,
    /// The query runs inside a loop of its function (the N+1 pattern).
    pub in_loop: bool,
    /// How an access made on the site's behalf gets there, outermost first: for `task.save()`
    /// resolved into a mixin's `db.session.add(self)`, the step in `BaseMixin.save` (and in
    /// each deeper helper) with its line, the call into the next step or the access itself.
    /// The site's own line is `line`; empty for an access the site makes itself. Every
    /// function on the chain is on the stack when the access runs.
    pub via: Vec<ViaStep>,
}

/// One step of a [`Query::via`] chain: the function (node id) and the line in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ViaStep {
    pub function: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalCall {
    pub from: String,
    pub name: String,
    pub count: u32,
    /// The line of the first such call in `from`'s file.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NameCount {
    pub name: String,
    pub count: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub python_files: u32,
    pub sql_files: u32,
    pub skipped_files: u32,
    pub lines: u64,
    pub bytes: u64,
    pub modules: u32,
    pub classes: u32,
    pub functions: u32,
    pub methods: u32,
    pub routes: u32,
    /// Route registrations (decorators, `add_url_rule`, `add_resource`, `register_blueprint`)
    /// whose rule, view or router seam could not bind; each is a warning with file:line.
    pub unbound_registrations: u32,
    pub tables: u32,
    pub foreign_keys: u32,
    pub models: u32,
    pub query_sites: u32,
    pub sql_statements: u32,
    pub celery_tasks: u32,
    pub calls: u32,
    pub resolved_calls: u32,
    pub external_calls: u32,
    pub builtin_calls: u32,
    /// Method calls on values whose type seam could not infer (`form.validate()`).
    pub dynamic_calls: u32,
    /// Calls of names bound nowhere seam can see (star imports of external code, globals
    /// injected at run time); the most frequent are listed under `unresolved`.
    pub unresolved_calls: u32,
    /// Classes deriving a model base for which no table was found; each is also a warning
    /// diagnostic at its definition.
    pub unmapped_models: u32,
    pub diagnostics: u32,
    /// Things seam saw but could not read (see [`SelfCheck`]), all kinds together.
    pub unread: u32,
}

/// Node tags of code that is not the application (tests, migrations, scripts): kept in the
/// graph and the report, left out of the proposal, the kernel, the boundary check and the
/// advice.
pub const NOT_APPLICATION: &[&str] = &["test", "migration", "script"];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Analysis {
    pub schema_version: u32,
    pub summary: Summary,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub routes: Vec<Route>,
    pub tables: Vec<Table>,
    pub queries: Vec<Query>,
    pub external_calls: Vec<ExternalCall>,
    /// `url_for("endpoint")` references: where code links or redirects to another route.
    pub endpoint_refs: Vec<EndpointRef>,
    pub unresolved: Vec<NameCount>,
    /// What seam saw but could not read, by kind: the facts above stand on what was read.
    pub self_checks: Vec<SelfCheck>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// Ids of the nodes carrying any of `tags` (`NOT_APPLICATION`, `["task"]`...).
    pub fn ids_tagged(&self, tags: &[&str]) -> rustc_hash::FxHashSet<&str> {
        self.nodes
            .iter()
            .filter(|n| n.tags.iter().any(|t| tags.contains(&t.as_str())))
            .map(|n| n.id.as_str())
            .collect()
    }
}

/// One kind of self-check with how often it fired: the diagnostics carrying `check` give
/// every place.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SelfCheck {
    /// `route-unbound`, `model-without-table`, ...
    pub check: String,
    pub count: u32,
    pub meaning: String,
    /// The first place it fired, and what was said there.
    pub first: Evidence,
    pub example: String,
}

/// A literal endpoint named in `url_for(...)`: the POST → redirect → GET chains that read
/// replicas must not break are made of these.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EndpointRef {
    pub from: String,
    /// As written: `index`, `billing.show_invoice`, `.show` (blueprint-relative).
    pub endpoint: String,
    pub file: String,
    pub line: u32,
}
