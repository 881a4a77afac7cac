//! The shard-key advisor. Columns linked by foreign keys and join equalities form key domains
//! (union-find: `tenants.id ~ projects.tenant_id ~ users.tenant_id`); each strong domain is a
//! candidate key. Under a candidate every table is placed (distributed, to backfill along a
//! foreign key, reference, local) and every query site classified (single shard, mechanical
//! rewrite, multi-shard, cross-shard join, blocker); the score is the weighted share of
//! single-shard sites, less the harmful classes and the migration cost.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::types::{Placement, ShardKey, SiteClass};
use crate::analysis::{Analysis, Query, Table};
use crate::union_find::UnionFind;
use rustc_hash::FxHashMap;

/// Words in a column name that suggest a tenant-like key.
const KEY_HINTS: &[&str] = &[
    "tenant",
    "account",
    "org",
    "organization",
    "organisation",
    "customer",
    "workspace",
    "company",
    "clinic",
    "team",
    "client",
    "store",
    "shop",
    "merchant",
];

/// Column names whose values are few: a key with three values makes three shards.
const LOW_CARDINALITY: &[&str] = &[
    "status", "state", "type", "kind", "category", "flag", "level", "role", "active", "enabled",
];

/// Candidates scored in full (the best few domains by a cheap pre-score).
const CANDIDATES: usize = 3;
/// Backfill hops: a key two foreign keys away is still mechanical to derive.
const MAX_HOPS: usize = 2;
/// Score lost per table to backfill.
const BACKFILL_COST: f64 = 0.02;
/// Share of a multi-shard site counted against the key.
const MULTI_WEIGHT: f64 = 0.5;
const LOW_CARDINALITY_PENALTY: f64 = 0.5;
/// Bonus for a column named like a tenant key (`tenant_id`, `account_id`...).
const HINT_BONUS: f64 = 0.1;

fn bare(t: &str) -> &str {
    t.strip_prefix("table:").unwrap_or(t)
}

/// Foreign keys as (child `t.c`, parent `t.c`), single-column ones only.
fn fk_pairs(tables: &[Table]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for t in tables {
        for fk in &t.foreign_keys {
            let [col] = fk.columns.as_slice() else {
                continue;
            };
            let parent = bare(&fk.references);
            let ref_col = fk
                .ref_columns
                .first()
                .cloned()
                .or_else(|| {
                    tables
                        .iter()
                        .find(|p| p.id == fk.references)
                        .and_then(|p| p.primary_key.first().cloned())
                })
                .unwrap_or_else(|| "id".to_owned());
            out.push((format!("{}.{col}", t.name), format!("{parent}.{ref_col}")));
        }
    }
    out
}

/// A key named like a tenant key is recommended from this score; any key from
/// [`STRONG_SCORE`]. Below, the migration would not pay: most sites would stay multi-shard or
/// need rewriting, or the key is an entity reference rather than a tenancy column.
pub const HINTED_SCORE: f64 = 0.25;
pub const STRONG_SCORE: f64 = 0.5;

/// Whether the best candidate is worth sharding on.
/// `replica_safe`: how many routes the replica advice found safe, so that the reason does not
/// send a team to replicas that no route can use.
pub fn verdict(keys: &[ShardKey], replica_safe: usize) -> super::types::ShardVerdict {
    let Some(best) = keys.first() else {
        return super::types::ShardVerdict {
            recommended: None,
            reason: "no candidate key".to_owned(),
        };
    };
    let hinted = hinted(&best.column);
    let ok = best.score >= STRONG_SCORE || (hinted && best.score >= HINTED_SCORE);
    super::types::ShardVerdict {
        recommended: ok.then(|| best.column.clone()),
        reason: if ok {
            format!(
                "shard on `{}` (score {:.2}): {:.0}% of query sites single-shard and {:.0}% mechanical rewrites; {:.0}% of sites touch sharded tables",
                best.column,
                best.score,
                best.shares["single"] * 100.0,
                best.shares["rewrite"] * 100.0,
                best.shares["covered"] * 100.0
            )
        } else if hinted {
            format!(
                "sharding not advised yet: the best key `{}` scores {:.2} (< {HINTED_SCORE}); fix its blockers and rewrites first",
                best.column, best.score
            )
        } else {
            format!(
                "sharding not advised: no tenant-like key, and the best candidate `{}` scores {:.2} (< {STRONG_SCORE}); {}, and extract services first",
                best.column,
                best.score,
                if replica_safe > 0 {
                    format!("scale reads on replicas ({replica_safe} replica-safe routes)")
                } else {
                    "no route is shown replica-safe yet (see read replicas): scale reads by caching and query work".to_owned()
                }
            )
        },
    }
}

/// Ranked candidate keys, best first.
/// `weights`: one per query site (`a.queries` order): 1 each, or production calls.
pub fn advise(a: &Analysis, weights: &[f64]) -> Vec<ShardKey> {
    let fks = fk_pairs(&a.tables);
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut id = |c: &str, index: &mut BTreeMap<String, usize>| -> usize {
        if let Some(&i) = index.get(c) {
            return i;
        }
        index.insert(c.to_owned(), names.len());
        names.push(c.to_owned());
        names.len() - 1
    };
    let mut pairs = Vec::new();
    for (x, y) in &fks {
        pairs.push((id(x, &mut index), id(y, &mut index)));
    }
    for q in &a.queries {
        for (x, y) in &q.joins {
            pairs.push((id(x, &mut index), id(y, &mut index)));
        }
    }
    let mut uf = UnionFind::new(names.len());
    for &(x, y) in &pairs {
        uf.union(x, y);
    }
    let mut classes: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        let r = uf.find(i);
        classes.entry(r).or_default().insert(name.clone());
    }
    let scores = PreScores::new(a, &index, &mut uf);
    let mut domains: Vec<(f64, BTreeSet<String>)> = classes
        .into_iter()
        .filter(|(_, d)| d.iter().map(|c| table_of(c)).collect::<BTreeSet<_>>().len() >= 2)
        .map(|(r, d)| (scores.of(r, &d), d))
        .collect();
    domains.sort_by(|x, y| y.0.total_cmp(&x.0).then_with(|| x.1.cmp(&y.1)));
    let mut keys: Vec<ShardKey> = domains
        .into_iter()
        .take(CANDIDATES)
        .map(|(_, d)| evaluate(a, &fks, d, weights))
        .collect();
    keys.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.column.cmp(&y.column))
    });
    keys
}

fn table_of(column: &str) -> &str {
    column.rsplit_once('.').map_or(column, |(t, _)| t)
}

fn column_of(column: &str) -> &str {
    column.rsplit_once('.').map_or(column, |(_, c)| c)
}

fn hinted(column: &str) -> bool {
    let c = column.to_ascii_lowercase();
    KEY_HINTS
        .iter()
        .any(|h| c == format!("{h}_id") || c == *h || c.starts_with(&format!("{h}_")))
}

/// Cheap ranking of domains: predicates and joins on them, a root primary key, a name hint.
/// The query counts are made in one pass over the queries for every domain at once (per
/// domain, they were domains × queries).
struct PreScores {
    /// Query sites with an equality predicate on a column of the domain, by union-find root.
    equalities: FxHashMap<usize, usize>,
    /// Joins whose left column is in the domain, by root.
    joins: FxHashMap<usize, usize>,
}

impl PreScores {
    fn new(a: &Analysis, index: &BTreeMap<String, usize>, uf: &mut UnionFind) -> Self {
        let mut equalities: FxHashMap<usize, usize> = FxHashMap::default();
        let mut joins: FxHashMap<usize, usize> = FxHashMap::default();
        for q in &a.queries {
            let roots: BTreeSet<usize> = q
                .equality_columns
                .iter()
                .filter_map(|c| index.get(c.as_str()))
                .map(|&i| uf.find(i))
                .collect();
            for r in roots {
                *equalities.entry(r).or_default() += 1;
            }
            for (x, _) in &q.joins {
                if let Some(&i) = index.get(x.as_str()) {
                    *joins.entry(uf.find(i)).or_default() += 1;
                }
            }
        }
        Self { equalities, joins }
    }

    fn of(&self, root: usize, d: &BTreeSet<String>) -> f64 {
        let count = |m: &FxHashMap<usize, usize>| m.get(&root).copied().unwrap_or(0) as f64;
        let tables = d.iter().map(|c| table_of(c)).collect::<BTreeSet<_>>().len() as f64;
        let hint = d.iter().any(|c| hinted(column_of(c)));
        count(&self.equalities) + count(&self.joins) + tables + if hint { 3.0 } else { 0.0 }
    }
}

fn evaluate(
    a: &Analysis,
    fks: &[(String, String)],
    domain: BTreeSet<String>,
    weights: &[f64],
) -> ShardKey {
    let table_by_name: BTreeMap<&str, &Table> =
        a.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    // Every count below is made in one pass over its facts, never per table or per column:
    // counting per column made a schema of 40k linked tables take a minute (issue 15, D3).
    let mut referenced: FxHashMap<&str, usize> = FxHashMap::default();
    for (_, p) in fks {
        *referenced.entry(p.as_str()).or_default() += 1;
    }
    // The root: a table whose single-column primary key is in the domain, the most referenced.
    let root = domain
        .iter()
        .filter(|c| {
            table_by_name
                .get(table_of(c))
                .is_some_and(|t| t.primary_key.len() == 1 && t.primary_key[0] == column_of(c))
        })
        .max_by_key(|c| {
            (
                referenced.get(c.as_str()).copied().unwrap_or(0),
                std::cmp::Reverse(*c),
            )
        })
        .map(|c| table_of(c).to_owned());
    // The key's name: the column name most tables carry (not a primary key).
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &domain {
        if Some(table_of(c)) != root.as_deref() {
            *counts.entry(column_of(c)).or_default() += 1;
        }
    }
    let column = counts
        .iter()
        .max_by(|x, y| x.1.cmp(y.1).then_with(|| y.0.cmp(x.0)))
        .map(|(c, _)| (*c).to_owned())
        .unwrap_or_else(|| {
            domain
                .iter()
                .next()
                .map(|c| column_of(c).to_owned())
                .unwrap_or_default()
        });
    // Distributed tables and their column.
    let mut dist: BTreeMap<String, String> = BTreeMap::new();
    for c in &domain {
        let t = table_of(c).to_owned();
        let col = column_of(c).to_owned();
        let prefer = col == column || Some(t.as_str()) == root.as_deref();
        match dist.get(&t) {
            Some(existing) if existing == &column => {}
            Some(_) if !prefer => {}
            _ => {
                dist.insert(t, col);
            }
        }
    }
    let all_tables: BTreeSet<String> = a
        .tables
        .iter()
        .map(|t| t.name.clone())
        .chain(
            a.queries
                .iter()
                .flat_map(|q| q.reads.iter().chain(&q.writes))
                .map(|t| bare(t).to_owned()),
        )
        .collect();
    // Foreign keys child → (parent, child column, parent column).
    let mut parents: BTreeMap<&str, Vec<(&str, &str, &str)>> = BTreeMap::new();
    for (c, p) in fks {
        parents
            .entry(table_of(c))
            .or_default()
            .push((table_of(p), column_of(c), column_of(p)));
    }
    // Prefer a NOT NULL foreign key to derive the key from (every row has a parent).
    let nullable = |t: &str, c: &str| {
        table_by_name
            .get(t)
            .and_then(|tb| tb.columns.iter().find(|col| col.name == c))
            .is_none_or(|col| col.nullable)
    };
    for (t, list) in parents.iter_mut() {
        list.sort_by_key(|&(p, cc, _)| (nullable(t, cc), p));
    }
    // Query sites writing each table (a site writing a table twice counts once).
    let mut writes: FxHashMap<&str, usize> = FxHashMap::default();
    for q in &a.queries {
        let written: BTreeSet<&str> = q.writes.iter().map(|w| bare(w)).collect();
        for t in written {
            *writes.entry(t).or_default() += 1;
        }
    }
    let writes_of = |t: &str| writes.get(t).copied().unwrap_or(0);
    // Tables a distributed table references, or that a query joins with one.
    let mut linked_to_dist: BTreeSet<&str> = BTreeSet::new();
    for o in a.tables.iter().filter(|o| dist.contains_key(&o.name)) {
        linked_to_dist.extend(o.foreign_keys.iter().map(|fk| bare(&fk.references)));
    }
    for (x, y) in a.queries.iter().flat_map(|q| &q.joins) {
        if dist.contains_key(table_of(y)) {
            linked_to_dist.insert(table_of(x));
        }
        if dist.contains_key(table_of(x)) {
            linked_to_dist.insert(table_of(y));
        }
    }
    let mut placements = Vec::new();
    let mut backfilled: BTreeSet<String> = BTreeSet::new();
    for t in &all_tables {
        let blockers = unique_blockers(table_by_name.get(t.as_str()).copied(), dist.get(t));
        if let Some(col) = dist.get(t) {
            placements.push(Placement {
                table: format!("table:{t}"),
                placement: "dist".into(),
                column: Some(col.clone()),
                path: Vec::new(),
                backfill_sql: Vec::new(),
                blockers,
            });
            continue;
        }
        if let Some(path) = fk_path(t, &parents, &dist) {
            backfilled.insert(t.clone());
            placements.push(Placement {
                table: format!("table:{t}"),
                placement: "backfill".into(),
                column: Some(column.clone()),
                backfill_sql: backfill_sql(&path, &column, &dist),
                path: path
                    .iter()
                    .map(|(c, p, cc, pc)| format!("{c}.{cc} -> {p}.{pc}"))
                    .collect(),
                blockers: unique_blockers(table_by_name.get(t.as_str()).copied(), Some(&column)),
            });
            continue;
        }
        let linked = linked_to_dist.contains(t.as_str());
        let placement = if linked && writes_of(t) <= 1 {
            "reference"
        } else {
            "local"
        };
        placements.push(Placement {
            table: format!("table:{t}"),
            placement: placement.into(),
            column: None,
            path: Vec::new(),
            backfill_sql: Vec::new(),
            blockers: Vec::new(),
        });
    }
    let sites: Vec<SiteClass> = a
        .queries
        .iter()
        .map(|q| {
            classify(
                q,
                &domain,
                &dist,
                &backfilled,
                &parents,
                &table_by_name,
                &column,
            )
        })
        .collect();
    let weight = |i: usize| weights.get(i).copied().unwrap_or(1.0);
    let total: f64 = (0..sites.len()).map(weight).sum::<f64>().max(1.0);
    let mut shares: BTreeMap<String, f64> = BTreeMap::new();
    for class in ["single", "rewrite", "multi", "cross", "blocker"] {
        let n: f64 = (0..sites.len())
            .filter(|&i| sites[i].class == class)
            .map(weight)
            .sum();
        shares.insert(class.to_owned(), round(n / total));
    }
    let mut reasons = Vec::new();
    // Coverage: the share of sites that touch a sharded table. A key that leaves most of the
    // data where it is shards little, however many sites it keeps single-shard.
    let covered = (0..a.queries.len())
        .filter(|&i| {
            let q = &a.queries[i];
            q.reads
                .iter()
                .chain(&q.writes)
                .any(|t| dist.contains_key(bare(t)) || backfilled.contains(bare(t)))
        })
        .map(weight)
        .sum::<f64>()
        / total;
    // Consistency: the share of distributed tables that carry the key under its own name (or
    // are its root). `owner_id`, `author_id`, `assignee_id` all pointing at `users` are
    // references to one entity, not one tenancy column.
    let consistent = dist
        .iter()
        .filter(|(t, c)| **c == column || Some(t.as_str()) == root.as_deref())
        .count() as f64
        / dist.len().max(1) as f64;
    let mut score =
        (shares["single"] - shares["cross"] - shares["blocker"] - MULTI_WEIGHT * shares["multi"])
            * covered
            * consistent
            - BACKFILL_COST * backfilled.len() as f64;
    shares.insert("covered".to_owned(), round(covered));
    reasons.push(format!(
        "{:.0}% of {} query sites single-shard, {:.0}% rewritable, {:.0}% multi-shard, {:.0}% cross-shard joins, {:.0}% blockers",
        shares["single"] * 100.0,
        sites.len(),
        shares["rewrite"] * 100.0,
        shares["multi"] * 100.0,
        shares["cross"] * 100.0,
        shares["blocker"] * 100.0
    ));
    if !backfilled.is_empty() {
        reasons.push(format!("{} tables to backfill", backfilled.len()));
    }
    let low = LOW_CARDINALITY
        .iter()
        .any(|w| column == *w || column.starts_with("is_"))
        || domain.iter().any(|c| {
            table_by_name.get(table_of(c)).is_some_and(|t| {
                t.columns.iter().any(|col| {
                    col.name == column_of(c) && matches!(col.data_type.as_str(), "boolean" | "enum")
                })
            })
        });
    if low {
        score -= LOW_CARDINALITY_PENALTY;
        reasons.push(format!(
            "`{column}` has few distinct values: few, uneven shards"
        ));
    }
    if consistent < 1.0 {
        reasons.push(format!(
            "only {:.0}% of the distributed tables carry `{column}` under that name",
            consistent * 100.0
        ));
    }
    if hinted(&column) {
        score += HINT_BONUS;
        reasons.push(format!("`{column}` is named like a tenant key"));
    }
    if let Some(r) = &root {
        reasons.push(format!(
            "`{r}` is the root: its primary key is the key's domain"
        ));
    }
    let citus = citus(&placements, root.as_deref());
    ShardKey {
        column,
        root: root.map(|r| format!("table:{r}")),
        domain: domain.into_iter().collect(),
        score: round(score),
        shares,
        reasons,
        tables: placements,
        sites,
        citus,
    }
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4 + 0.0
}

/// Unique constraints of a distributed table that do not include its key.
fn unique_blockers(t: Option<&Table>, key: Option<&String>) -> Vec<String> {
    let (Some(t), Some(key)) = (t, key) else {
        return Vec::new();
    };
    t.unique
        .iter()
        .filter(|u| *u != &t.primary_key && !u.contains(key))
        .map(|u| {
            format!(
                "UNIQUE ({}) does not include `{key}`: not enforceable across shards",
                u.join(", ")
            )
        })
        .collect()
}

type Hop<'a> = (&'a str, &'a str, &'a str, &'a str);

/// The shortest foreign-key path (at most [`MAX_HOPS`]) from `t` to a distributed table:
/// (child, parent, child column, parent column) per hop.
fn fk_path<'a>(
    t: &'a str,
    parents: &BTreeMap<&'a str, Vec<(&'a str, &'a str, &'a str)>>,
    dist: &BTreeMap<String, String>,
) -> Option<Vec<Hop<'a>>> {
    let mut queue: VecDeque<(&str, Vec<Hop<'a>>)> = VecDeque::from([(t, Vec::new())]);
    let mut seen: BTreeSet<&str> = BTreeSet::from([t]);
    while let Some((at, path)) = queue.pop_front() {
        if path.len() >= MAX_HOPS {
            continue;
        }
        for &(p, cc, pc) in parents.get(at).map_or(&[][..], Vec::as_slice) {
            if !seen.insert(p) {
                continue;
            }
            let mut next = path.clone();
            next.push((at, p, cc, pc));
            if dist.contains_key(p) {
                return Some(next);
            }
            queue.push_back((p, next));
        }
    }
    None
}

/// Add the key column and fill it from the parent, nearest-to-the-key hop first.
fn backfill_sql(path: &[Hop<'_>], column: &str, dist: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (i, &(child, parent, cc, pc)) in path.iter().enumerate().rev() {
        let source = if i + 1 == path.len() {
            dist.get(parent)
                .cloned()
                .unwrap_or_else(|| column.to_owned())
        } else {
            column.to_owned()
        };
        out.push(format!("ALTER TABLE {child} ADD COLUMN {column} bigint;"));
        out.push(format!(
            "UPDATE {child} SET {column} = p.{source} FROM {parent} p WHERE {child}.{cc} = p.{pc};"
        ));
    }
    out
}

fn citus(placements: &[Placement], root: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    let colocate = root.map(|r| format!(", colocate_with => '{r}'"));
    let mut ordered: Vec<&Placement> = placements.iter().collect();
    // The root first: the others co-locate with it.
    ordered.sort_by_key(|p| (Some(bare(&p.table)) != root, p.table.clone()));
    for p in ordered {
        let t = bare(&p.table);
        match (p.placement.as_str(), &p.column) {
            ("dist" | "backfill", Some(col)) => {
                let co = if Some(t) == root {
                    ""
                } else {
                    colocate.as_deref().unwrap_or("")
                };
                out.push(format!(
                    "SELECT create_distributed_table('{t}', '{col}'{co});"
                ));
            }
            ("reference", _) => out.push(format!("SELECT create_reference_table('{t}');")),
            _ => {}
        }
    }
    out
}

fn classify(
    q: &Query,
    domain: &BTreeSet<String>,
    dist: &BTreeMap<String, String>,
    backfilled: &BTreeSet<String>,
    parents: &BTreeMap<&str, Vec<(&str, &str, &str)>>,
    tables: &BTreeMap<&str, &Table>,
    column: &str,
) -> SiteClass {
    let class = |class: &str, reason: String| SiteClass {
        site: q.site.clone(),
        file: q.file.clone(),
        line: q.line,
        class: class.to_owned(),
        reason,
    };
    let touched: BTreeSet<&str> = q.reads.iter().chain(&q.writes).map(|t| bare(t)).collect();
    let sharded: Vec<&str> = touched
        .iter()
        .copied()
        .filter(|t| dist.contains_key(*t) || backfilled.contains(*t))
        .collect();
    if sharded.is_empty() {
        return class("single", "touches only reference or local tables".into());
    }
    let key_of = |t: &str| dist.get(t).map_or(column, String::as_str).to_owned();
    let is_root = |t: &str| {
        tables
            .get(t)
            .is_some_and(|tb| tb.primary_key.len() == 1 && tb.primary_key[0] == key_of(t))
    };
    // Blockers.
    for w in q.writes.iter().map(|t| bare(t)) {
        let key = format!("{w}.{}", key_of(w));
        // The root's key is its primary key, generated on insert.
        if is_root(w) && q.kind == "insert" {
            continue;
        }
        if q.kind == "update" && q.assigned_columns.contains(&key) {
            return class("blocker", format!("updates the shard key `{key}`"));
        }
        if q.kind == "insert"
            && dist.contains_key(w)
            && !q.assigned_columns.is_empty()
            && !q.assigned_columns.contains(&key)
        {
            return class(
                "blocker",
                format!("inserts into `{w}` without `{}`", key_of(w)),
            );
        }
    }
    // Pinned tables: an equality (or an inserted value) on their key, spread by joins on it.
    let mut pinned: BTreeSet<&str> = sharded
        .iter()
        .copied()
        .filter(|t| {
            let key = format!("{t}.{}", key_of(t));
            q.equality_columns.contains(&key)
                || q.assigned_columns.contains(&key)
                // A new root row makes its own key: it goes to the shard of that key.
                || (q.kind == "insert" && q.writes.iter().any(|w| bare(w) == *t) && is_root(t))
                || q.equality_columns
                    .iter()
                    .any(|c| table_of(c) == *t && domain.contains(c))
        })
        .collect();
    let mut changed = true;
    while changed {
        changed = false;
        for (x, y) in &q.joins {
            if domain.contains(x) && domain.contains(y) {
                let (tx, ty) = (table_of(x), table_of(y));
                if pinned.contains(tx) && !pinned.contains(ty) && sharded.contains(&ty) {
                    pinned.insert(ty);
                    changed = true;
                }
                if pinned.contains(ty) && !pinned.contains(tx) && sharded.contains(&tx) {
                    pinned.insert(tx);
                    changed = true;
                }
            }
        }
    }
    // Tables joined on the key are co-located: further join conditions between them are fine.
    let key_joined: BTreeSet<(&str, &str)> = q
        .joins
        .iter()
        .filter(|(x, y)| domain.contains(x) && domain.contains(y))
        .flat_map(|(x, y)| [(table_of(x), table_of(y)), (table_of(y), table_of(x))])
        .collect();
    for (x, y) in &q.joins {
        let (tx, ty) = (table_of(x), table_of(y));
        if tx != ty
            && !key_joined.contains(&(tx, ty))
            && sharded.contains(&tx)
            && sharded.contains(&ty)
            && !(domain.contains(x) && domain.contains(y))
        {
            return class(
                "cross",
                format!("joins {x} = {y}, not on the key: rows on different shards"),
            );
        }
    }
    let all_pinned = sharded.iter().all(|t| pinned.contains(t));
    if q.locking && !all_pinned {
        return class("blocker", "FOR UPDATE on rows of several shards".into());
    }
    if all_pinned {
        return class("single", format!("pinned by `{column}`"));
    }
    // Derivable: the key one foreign key away, or a lookup by primary key.
    let derivable = |t: &str| -> Option<String> {
        if backfilled.contains(t) {
            return Some(format!(
                "`{t}` gets `{column}` by backfill; add it to the predicate"
            ));
        }
        if q.kind == "insert" && q.assigned_columns.is_empty() {
            return Some(format!(
                "insert into `{t}`: set `{}` (columns not visible)",
                key_of(t)
            ));
        }
        let pk = tables.get(t).and_then(|tb| tb.primary_key.first());
        if let Some(pk) = pk
            && q.equality_columns.contains(&format!("{t}.{pk}"))
        {
            return Some(format!(
                "lookup by `{t}.{pk}`: add `{} = <current {column}>`",
                key_of(t)
            ));
        }
        for &(p, cc, _) in parents.get(t).map_or(&[][..], Vec::as_slice) {
            if dist.contains_key(p) && q.equality_columns.contains(&format!("{t}.{cc}")) {
                return Some(format!(
                    "`{t}.{cc}` leads to `{p}`: derive `{column}` from it"
                ));
            }
        }
        None
    };
    let unpinned: Vec<&str> = sharded
        .iter()
        .copied()
        .filter(|t| !pinned.contains(t))
        .collect();
    let derived: Vec<String> = unpinned.iter().filter_map(|t| derivable(t)).collect();
    if derived.len() == unpinned.len() {
        return class("rewrite", derived.join("; "));
    }
    class(
        "multi",
        format!(
            "no predicate on `{column}` for {}: runs on every shard",
            unpinned
                .iter()
                .filter(|t| derivable(t).is_none())
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backfill_goes_from_the_key_outwards() {
        let dist = BTreeMap::from([("projects".to_owned(), "tenant_id".to_owned())]);
        let parents = BTreeMap::from([
            ("comments", vec![("tasks", "task_id", "id")]),
            ("tasks", vec![("projects", "project_id", "id")]),
        ]);
        let path = fk_path("comments", &parents, &dist).expect("two hops");
        assert_eq!(path.len(), 2);
        let sql = backfill_sql(&path, "tenant_id", &dist);
        assert_eq!(
            sql,
            [
                "ALTER TABLE tasks ADD COLUMN tenant_id bigint;",
                "UPDATE tasks SET tenant_id = p.tenant_id FROM projects p WHERE tasks.project_id = p.id;",
                "ALTER TABLE comments ADD COLUMN tenant_id bigint;",
                "UPDATE comments SET tenant_id = p.tenant_id FROM tasks p WHERE comments.task_id = p.id;",
            ]
        );
        // Three hops is too far to be mechanical.
        let far = BTreeMap::from([
            ("likes", vec![("comments", "comment_id", "id")]),
            ("comments", vec![("tasks", "task_id", "id")]),
            ("tasks", vec![("projects", "project_id", "id")]),
        ]);
        assert!(fk_path("likes", &far, &dist).is_none());
    }

    #[test]
    fn tenant_like_names_and_verdicts() {
        assert!(hinted("tenant_id") && hinted("account_id") && hinted("org_id"));
        assert!(!hinted("user_id") && !hinted("forum_id"));
        let key = |column: &str, score: f64| ShardKey {
            column: column.to_owned(),
            score,
            shares: ["single", "rewrite", "covered"]
                .iter()
                .map(|s| ((*s).to_owned(), 0.5))
                .collect(),
            ..ShardKey::default()
        };
        assert_eq!(
            verdict(&[key("tenant_id", 0.3)], 0).recommended.as_deref(),
            Some("tenant_id")
        );
        assert_eq!(verdict(&[key("forum_id", 0.3)], 0).recommended, None);
        assert_eq!(
            verdict(&[key("forum_id", 0.6)], 0).recommended.as_deref(),
            Some("forum_id")
        );
        assert_eq!(verdict(&[key("tenant_id", 0.1)], 0).recommended, None);
        assert_eq!(verdict(&[], 0).recommended, None);
    }
}
