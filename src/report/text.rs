//! The short human summary `seam analyze` prints by default.

use std::collections::BTreeMap;
use std::io::{self, Write};

use seam_facts::Severity;

use super::Document;
use crate::analysis::EdgeKind;
use crate::cluster::Proposal;

/// Diagnostics listed one by one before the rest are only counted.
const DIAGNOSTICS_SHOWN: usize = 10;
const TABLES_SHOWN: usize = 15;

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn render_text(doc: &Document<'_>, root: &str, out: &mut dyn Write) -> io::Result<()> {
    let a = doc.analysis;
    let s = &a.summary;
    let mut w = crate::visible::Visible(io::BufWriter::new(out));
    writeln!(w, "seam: {root}")?;
    writeln!(
        w,
        "  files      {} Python, {} SQL ({} lines); {} skipped",
        thousands(s.python_files.into()),
        thousands(s.sql_files.into()),
        thousands(s.lines),
        s.skipped_files
    )?;
    writeln!(
        w,
        "  code       {} modules, {} classes, {} functions, {} methods",
        s.modules, s.classes, s.functions, s.methods
    )?;
    if s.unbound_registrations > 0 {
        writeln!(
            w,
            "  routes     {} ({} registration{} not bound; see the warnings)",
            s.routes,
            s.unbound_registrations,
            if s.unbound_registrations == 1 {
                ""
            } else {
                "s"
            }
        )?;
    } else {
        writeln!(w, "  routes     {}", s.routes)?;
    }
    // Model classes whose table seam could not find are said here, not only among the
    // diagnostics: the data model below is incomplete by that much.
    let unmapped = match s.unmapped_models {
        0 => String::new(),
        n => format!(", {n} without a table (see diagnostics)"),
    };
    writeln!(
        w,
        "  tables     {} ({} foreign keys, {} ORM models{unmapped})",
        s.tables, s.foreign_keys, s.models
    )?;
    writeln!(
        w,
        "  queries    {} query sites ({} SQL statements parsed)",
        s.query_sites, s.sql_statements
    )?;
    writeln!(w, "  tasks      {} Celery tasks", s.celery_tasks)?;
    writeln!(
        w,
        "  calls      {}: {} resolved, {} external, {} builtin, {} dynamic, {} unresolved",
        thousands(s.calls.into()),
        thousands(s.resolved_calls.into()),
        thousands(s.external_calls.into()),
        thousands(s.builtin_calls.into()),
        thousands(s.dynamic_calls.into()),
        thousands(s.unresolved_calls.into())
    )?;
    let errors = a
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    writeln!(w, "  diagnostics {} ({} errors)", s.diagnostics, errors)?;
    if !a.self_checks.is_empty() {
        writeln!(
            w,
            "\nCould not read ({} in all; everything below stands on what was read):",
            s.unread
        )?;
        for c in &a.self_checks {
            let what = if c.meaning.is_empty() {
                c.check.as_str()
            } else {
                c.meaning.as_str()
            };
            writeln!(w, "  {:>5}  {what} [{}]", c.count, c.check)?;
            writeln!(
                w,
                "         first: {}:{}: {}",
                c.first.file, c.first.line, c.example
            )?;
        }
    }

    if !a.routes.is_empty() {
        let mut by_prefix: BTreeMap<String, usize> = BTreeMap::new();
        for r in &a.routes {
            let first = r
                .path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("");
            let prefix = if first.starts_with('<') || first.is_empty() {
                "/".to_owned()
            } else {
                format!("/{first}")
            };
            *by_prefix.entry(prefix).or_default() += 1;
        }
        writeln!(w, "\nRoutes by first path segment:")?;
        for (prefix, n) in &by_prefix {
            writeln!(w, "  {prefix:<30} {n}")?;
        }
    }
    if !a.tables.is_empty() {
        let mut use_count: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
        for e in &a.edges {
            match e.kind {
                EdgeKind::Reads => use_count.entry(&*e.to).or_default().0 += e.count,
                EdgeKind::Writes => use_count.entry(&*e.to).or_default().1 += e.count,
                _ => {}
            }
        }
        let mut tables: Vec<(&str, u32, u32)> = a
            .tables
            .iter()
            .map(|t| {
                let (r, wr) = use_count.get(t.id.as_str()).copied().unwrap_or_default();
                (t.name.as_str(), r, wr)
            })
            .collect();
        tables.sort_by(|x, y| (y.1 + y.2).cmp(&(x.1 + x.2)).then(x.0.cmp(y.0)));
        writeln!(w, "\nTables (most used first: reads / writes):")?;
        for (name, r, wr) in tables.iter().take(TABLES_SHOWN) {
            writeln!(w, "  {name:<30} {r:>5} / {wr}")?;
        }
        if tables.len() > TABLES_SHOWN {
            writeln!(w, "  ... and {} more", tables.len() - TABLES_SHOWN)?;
        }
    }
    if let Some(p) = doc.proposal {
        services(&mut w, p)?;
    }
    if let Some(acc) = doc.accepted {
        accepted(&mut w, acc)?;
    }
    if let Some(adv) = doc.advice {
        advice(&mut w, adv)?;
    }
    if !a.diagnostics.is_empty() {
        writeln!(w, "\nDiagnostics:")?;
        for d in a.diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
            let sev = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            writeln!(w, "  {}:{}: {sev}: {}", d.file, d.line, d.message)?;
        }
        if a.diagnostics.len() > DIAGNOSTICS_SHOWN {
            writeln!(
                w,
                "  ... and {} more (see --format json)",
                a.diagnostics.len() - DIAGNOSTICS_SHOWN
            )?;
        }
    }
    w.flush()
}

/// Cross-service dependencies listed per service.
const TOP_DEPENDENCIES: usize = 3;

/// The granularity ladder: every level's service count, the chosen one bracketed, and what
/// the adjacent levels would merge or split.
fn levels(w: &mut dyn Write, p: &Proposal) -> io::Result<()> {
    if p.levels.is_empty() {
        return Ok(());
    }
    let steps: Vec<String> = p
        .levels
        .iter()
        .map(|l| {
            let text = format!("γ {} → {}", l.resolution, l.services);
            if l.chosen { format!("[{text}]") } else { text }
        })
        .collect();
    let how = if p.levels.iter().any(|l| l.chosen) {
        "chosen: fewest guardrail misses, then γ 1, then stability"
    } else {
        "this proposal: the granularity asked for"
    };
    writeln!(w, "  levels: {} services ({how})", steps.join(", "))?;
    let Some(at) = p.levels.iter().position(|l| l.chosen) else {
        return Ok(());
    };
    let near = [at.checked_sub(1), Some(at + 1)];
    for (i, word) in near.into_iter().zip(["coarser", "finer"]) {
        let Some(l) = i.and_then(|i| p.levels.get(i)) else {
            continue;
        };
        if l.changes.is_empty() {
            writeln!(
                w,
                "    {word} (γ {}, {} services): no service merges or splits",
                l.resolution, l.services
            )?;
            continue;
        }
        let parts: Vec<String> = l
            .change_lines(word == "coarser")
            .into_iter()
            .take(4)
            .collect();
        writeln!(
            w,
            "    {word} (γ {}, {} services): {}{}",
            l.resolution,
            l.services,
            parts.join("; "),
            if l.changes.len() > 4 { "; ..." } else { "" }
        )?;
    }
    Ok(())
}

fn services(w: &mut dyn Write, p: &Proposal) -> io::Result<()> {
    let m = &p.metrics;
    if p.services.is_empty() {
        // A service owns data: without tables seam has nothing to cut along.
        return writeln!(
            w,
            "\nProposed services: none (no table is defined or queried, and a service is drawn around the data it owns); shared kernel {} symbols\n  verdict: {}",
            p.shared_kernel.len(),
            p.verdict.reason.replace('`', "")
        );
    }
    writeln!(
        w,
        "\nProposed services: {} (modularity {:.2} vs {:.2} for today's {} {}; {} cross-service calls; {} shared tables)",
        m.services,
        m.modularity,
        p.current_layout.modularity,
        p.current_layout.packages,
        if p.current_layout.packages == 1 {
            "package"
        } else {
            "packages"
        },
        m.cross_service_calls,
        m.shared_tables
    )?;
    writeln!(w, "  verdict: {}", p.verdict.reason.replace('`', ""))?;
    levels(w, p)?;
    let calls = p.calls_between();
    for svc in &p.services {
        let sm = &svc.metrics;
        writeln!(
            w,
            "  {:<20} {:>4} symbols {:>6} lines {:>4} routes {:>3} tables   instability {:.2}",
            svc.name, sm.members, sm.lines, sm.routes, sm.tables, sm.instability
        )?;
        if svc.sliver.is_some() {
            writeln!(
                w,
                "                       a sliver: no service holds most of its ties"
            )?;
        }
        if let Some(why) = &svc.owns_no_table {
            writeln!(w, "                       {why}")?;
        }
        if let Some(why) = &svc.blob {
            writeln!(w, "                       a blob: {why}")?;
        }
        if let Some(why) = &svc.edge {
            writeln!(w, "                       {why}")?;
        }
        if !svc.tables.is_empty() {
            let names: Vec<&str> = svc
                .tables
                .iter()
                .map(|t| t.trim_start_matches("table:"))
                .collect();
            writeln!(w, "  {:<20} owns {}", "", names.join(", "))?;
        }
        let mut top: Vec<(&str, u32)> = calls
            .range((svc.name.as_str(), "")..)
            .take_while(|((from, _), _)| *from == svc.name)
            .map(|((_, to), n)| (*to, *n))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        if !top.is_empty() {
            let parts: Vec<String> = top
                .iter()
                .take(TOP_DEPENDENCIES)
                .map(|(s, n)| format!("{s} ({n})"))
                .collect();
            writeln!(w, "  {:<20} calls {}", "", parts.join(", "))?;
        }
    }
    if !p.shared_kernel.is_empty() {
        writeln!(
            w,
            "  shared kernel: {} symbols (library candidates)",
            p.shared_kernel.len()
        )?;
    }
    if !p.shared_tables.is_empty() {
        let names: Vec<String> = p
            .shared_tables
            .iter()
            .map(|t| {
                format!(
                    "{}{} ({})",
                    t.table.trim_start_matches("table:"),
                    if t.reference_data.is_some() {
                        " [reference data]"
                    } else {
                        ""
                    },
                    t.readers
                        .iter()
                        .chain(&t.writers)
                        .collect::<std::collections::BTreeSet<_>>()
                        .len()
                )
            })
            .collect();
        writeln!(w, "  shared tables: {}", names.join(", "))?;
    }
    if !p.transaction_cuts.is_empty() {
        let first: Vec<String> = p
            .transaction_cuts
            .iter()
            .take(3)
            .map(|c| format!("{} ({})", c.function, c.services.join(", ")))
            .collect();
        writeln!(
            w,
            "  cut transactions: {} {} tables of several services in one transaction: {}{}",
            p.transaction_cuts.len(),
            if p.transaction_cuts.len() == 1 {
                "function writes"
            } else {
                "functions write"
            },
            first.join("; "),
            if p.transaction_cuts.len() > 3 {
                "; ..."
            } else {
                ""
            }
        )?;
    }
    if !p.splits.is_empty() {
        writeln!(
            w,
            "  mixed modules to split: {}",
            p.splits
                .iter()
                .map(|s| s.module.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    Ok(())
}

fn accepted(w: &mut dyn Write, acc: &super::Accepted) -> io::Result<()> {
    writeln!(
        w,
        "\nAccepted boundaries ({}): {} crossings, {} not allowed{}",
        acc.config,
        acc.crossings,
        acc.violations.len(),
        if acc.inferred > 0 {
            format!("; {} new symbols placed by module or callers", acc.inferred)
        } else {
            String::new()
        }
    )?;
    for v in acc.violations.iter().take(ADVICE_SHOWN) {
        if let Some(e) = v.evidence.first() {
            writeln!(w, "  {}:{}: {}", e.file, e.line, v.message())?;
        }
    }
    if acc.violations.len() > ADVICE_SHOWN {
        writeln!(
            w,
            "  ... and {} more (seam check)",
            acc.violations.len() - ADVICE_SHOWN
        )?;
    }
    Ok(())
}

/// Lines per advice list in the summary (the JSON has them all).
const ADVICE_SHOWN: usize = 5;

fn advice(w: &mut dyn Write, adv: &crate::advice::Advice) -> io::Result<()> {
    writeln!(w, "\nAdvice:")?;
    for note in &adv.notes {
        writeln!(w, "  note: {note}")?;
    }
    writeln!(w, "  sharding      {}", adv.shard_verdict.reason)?;
    if let Some(wl) = &adv.workload {
        writeln!(
            w,
            "  workload      {} of {} rows matched ({:.0} calls); {} unmatched",
            wl.matched_rows,
            wl.rows,
            wl.matched_calls,
            wl.unmatched.len()
        )?;
    }
    if let Some(k) = adv.shard_keys.first() {
        writeln!(
            w,
            "  best key      {} (score {:.2}; {:.0}% single-shard, {:.0}% rewrite, {:.0}% multi, {:.0}% cross, {:.0}% blockers)",
            k.column,
            k.score,
            k.shares["single"] * 100.0,
            k.shares["rewrite"] * 100.0,
            k.shares["multi"] * 100.0,
            k.shares["cross"] * 100.0,
            k.shares["blocker"] * 100.0
        )?;
        for class in ["dist", "backfill", "reference"] {
            let tables: Vec<&str> = k
                .tables
                .iter()
                .filter(|t| t.placement == class)
                .map(|t| t.table.trim_start_matches("table:"))
                .collect();
            if !tables.is_empty() {
                writeln!(w, "                {class:<10} {}", tables.join(", "))?;
            }
        }
        for s in k
            .sites
            .iter()
            .filter(|s| matches!(s.class.as_str(), "blocker" | "cross"))
            .take(ADVICE_SHOWN)
        {
            writeln!(
                w,
                "                {:<8} {}:{}  {}",
                s.class, s.file, s.line, s.reason
            )?;
        }
        let others: Vec<String> = adv.shard_keys[1..]
            .iter()
            .map(|k| format!("{} {:.2}", k.column, k.score))
            .collect();
        if !others.is_empty() {
            writeln!(w, "                runners-up: {}", others.join(", "))?;
        }
    }
    let rr = &adv.read_replicas;
    let count = |state: &str| rr.routes.iter().filter(|r| r.replica == state).count();
    writeln!(
        w,
        "  replicas      {} of {} routes can read from a replica ({} must not, {} unknown: not all they run was read); {} read-your-writes hazards",
        count("safe"),
        rr.routes.len(),
        count("unsafe"),
        count("unknown"),
        rr.hazards.len()
    )?;
    // A request hook that writes makes every route need the primary: said once, first.
    if let Some(reason) = rr
        .routes
        .iter()
        .filter_map(|r| r.reason.as_deref())
        .find(|r| r.starts_with(crate::advice::HOOK_WRITES))
    {
        writeln!(w, "                every read route: {reason}")?;
    }
    for h in rr.hazards.iter().take(ADVICE_SHOWN) {
        writeln!(
            w,
            "                {} writes {} at {}:{}, reads it at {}:{}",
            h.route,
            h.table.trim_start_matches("table:"),
            h.write.file,
            h.write.line,
            h.read.file,
            h.read.line
        )?;
    }
    let remedies = |r: &str| {
        adv.async_candidates
            .iter()
            .filter(|c| c.remedy == r)
            .count()
    };
    let (events, loops) = (remedies("event"), remedies("batch"));
    writeln!(
        w,
        "  async         {events} event{} to publish, {loops} loop{} of queries to batch, {} already asynchronous",
        if events == 1 { "" } else { "s" },
        if loops == 1 { "" } else { "s" },
        remedies("already_async"),
    )?;
    for c in adv.async_candidates.iter().take(ADVICE_SHOWN) {
        let remedy = match c.remedy {
            "event" => "event",
            "batch" => "batch",
            _ => "already asynchronous",
        };
        writeln!(
            w,
            "                {} [{remedy}, {} confidence]: {}",
            c.route, c.confidence, c.advice
        )?;
    }
    if !adv.extraction_plan.is_empty() {
        writeln!(w, "  extraction order:")?;
        for p in &adv.extraction_plan {
            writeln!(w, "    {}. {:<18} {}", p.phase, p.service, p.why)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn thousands_separators() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::thousands(999), "999");
    }
}
