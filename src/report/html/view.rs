//! Document → view structs for the template: plain strings and numbers, evidence as links.

use std::collections::BTreeMap;

use askama::Template;

use super::svg::{self, Matrix, ServiceMap};
use crate::analysis::Evidence;
use crate::report::Document;

/// Where and when the analysis ran (the page says so; the JSON stays free of it so that it is
/// byte-identical between runs).
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub repository: String,
    pub generated_at: String,
    pub commit: Option<String>,
    /// Snapshots from the history store, oldest first (trend charts when two or more).
    pub history: Vec<crate::history::Snapshot>,
}

/// A piece of evidence: `file:line`, a link when a source URL template is given.
#[derive(Debug, Clone)]
pub struct Link {
    pub text: String,
    pub href: Option<String>,
}

pub struct Linker<'a> {
    template: Option<&'a str>,
}

impl Linker<'_> {
    pub fn link(&self, file: &str, line: u32) -> Link {
        Link {
            text: format!("{file}:{line}"),
            href: self.template.map(|t| {
                t.replace("{file}", &percent_path(file))
                    .replace("{line}", &line.to_string())
            }),
        }
    }
    fn ev(&self, e: &Evidence) -> Link {
        self.link(&e.file, e.line)
    }
}

/// Percent-encodes what may not appear raw in a URL path (spaces, quotes, `#`, `?`...).
fn percent_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Debug, Clone)]
pub struct Stat {
    pub label: String,
    pub value: String,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct CallView {
    pub from: String,
    pub to: String,
    pub other: String,
    pub count: u32,
    pub evidence: Vec<Link>,
}

#[derive(Debug, Clone)]
pub struct ModuleView {
    pub module: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ServiceView {
    pub name: String,
    pub anchor: String,
    pub members: u32,
    pub lines: u32,
    pub instability: String,
    pub cohesion: String,
    pub routes: Vec<(String, String)>,
    pub modules: Vec<ModuleView>,
    pub tables: Vec<String>,
    pub calls_out: Vec<CallView>,
    pub calls_in: Vec<CallView>,
    /// What the guardrails say of it: a kept sliver, a service that owns no table.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct SplitView {
    pub module: String,
    pub parts: Vec<(String, Vec<String>)>,
}

/// One level of the granularity ladder as the overview shows it.
#[derive(Debug, Clone)]
pub struct LevelView {
    pub resolution: String,
    pub services: u32,
    pub modularity: String,
    pub misses: u32,
    pub stability: String,
    pub chosen: bool,
    /// What differs from the chosen level (merges at a coarser level, splits at a finer one).
    pub changes: String,
}

/// A function writing, in one transaction, tables of several proposed services.
#[derive(Debug, Clone)]
pub struct CutView {
    pub function: String,
    pub services: String,
    pub cost: String,
    /// (table, its service, where the function writes it).
    pub writes: Vec<(String, String, Link)>,
}

#[derive(Debug, Clone)]
pub struct SharedView {
    pub table: String,
    /// The reference-data remedy, when it is reference data.
    pub reference: Option<String>,
    pub owner: String,
    pub readers: String,
    pub writers: String,
    pub evidence: Vec<(String, String, Link)>,
}

#[derive(Debug, Clone)]
pub struct SiteView {
    pub class: String,
    pub site: String,
    pub link: Link,
    pub reason: String,
}

#[derive(Debug, Clone)]
pub struct PlacementView {
    pub table: String,
    pub placement: String,
    pub column: String,
    pub detail: String,
    pub sql: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ShardView {
    pub column: String,
    pub score: String,
    pub shares: String,
    pub reasons: Vec<String>,
    pub tables: Vec<PlacementView>,
    pub sites: Vec<SiteView>,
    pub citus: String,
}

#[derive(Debug, Clone)]
pub struct HazardView {
    pub route: String,
    pub table: String,
    pub write: Link,
    pub read: Link,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct AsyncView {
    pub route: String,
    pub score: String,
    /// `make an event`, `batch the queries`, `already asynchronous`.
    pub remedy: &'static str,
    pub confidence: &'static str,
    pub advice: String,
    pub reasons: Vec<(String, String, Link)>,
}

#[derive(Debug, Clone)]
pub struct PhaseView {
    pub phase: u32,
    pub service: String,
    pub anchor: String,
    pub why: String,
    pub confidence: &'static str,
    pub gateway: Vec<(String, String)>,
    pub tables_move: String,
    pub decouple: Vec<(String, String, String, Vec<Link>)>,
    pub network_calls: Vec<(String, String, String, Vec<Link>)>,
    pub async_to_convert: String,
}

#[derive(Debug, Clone)]
pub struct AdviceView {
    pub verdict: String,
    pub keys: Vec<ShardView>,
    pub replica_tables: Vec<(String, u32, u32, String)>,
    pub replica_routes_safe: usize,
    pub replica_routes: usize,
    /// Routes that are not replica-safe: (route, "unsafe" or "unknown", why).
    pub unsafe_routes: Vec<(String, &'static str, String)>,
    pub replica_routes_unknown: usize,
    pub hazards: Vec<HazardView>,
    pub asyncs: Vec<AsyncView>,
    pub phases: Vec<PhaseView>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct DiagView {
    pub severity: String,
    pub link: Link,
    pub message: String,
}

#[derive(Debug, Clone)]
pub struct AcceptedView {
    pub config: String,
    pub crossings: usize,
    pub inferred: usize,
    pub violations: Vec<(String, Link)>,
}

#[derive(Template)]
#[template(path = "report.html")]
pub struct Page {
    /// The verdict on the proposal: (split?, headline, reason).
    pub verdict: Option<(bool, String, String)>,
    /// The granularity ladder, coarse to fine.
    pub levels: Vec<LevelView>,
    pub accepted: Option<AcceptedView>,
    pub trend: Vec<svg::Chart>,
    pub title: String,
    pub meta: Meta,
    pub version: String,
    pub stats: Vec<Stat>,
    pub map: ServiceMap,
    pub dsm: Matrix,
    pub own: Matrix,
    pub services: Vec<ServiceView>,
    pub kernel: Vec<String>,
    pub unassigned: Vec<String>,
    pub orphans: Vec<String>,
    pub cuts: Vec<CutView>,
    pub shared: Vec<SharedView>,
    pub splits: Vec<SplitView>,
    pub advice: Option<AdviceView>,
    pub diagnostics: Vec<DiagView>,
    /// What seam saw but could not read: (count, meaning, first place, what was said there).
    pub unread: Vec<(u32, String, Link, String)>,
    pub formulas: Vec<(String, String)>,
}

/// The summaries mark code with backticks; on the page they are plain text.
fn plain(s: &str) -> String {
    s.replace('`', "")
}

fn or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_owned()
    } else {
        v.join(", ")
    }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn page(doc: &Document<'_>, meta: &Meta, source_url: Option<&str>) -> Page {
    let a = doc.analysis;
    let lk = Linker {
        template: source_url,
    };
    let mut stats = vec![
        Stat {
            label: "Python lines".into(),
            value: a.summary.lines.to_string(),
            note: format!(
                "{} files, {} SQL files",
                a.summary.python_files, a.summary.sql_files
            ),
        },
        Stat {
            label: "Routes".into(),
            value: a.summary.routes.to_string(),
            note: String::new(),
        },
        Stat {
            label: "Tables".into(),
            value: a.summary.tables.to_string(),
            note: format!("{} query sites", a.summary.query_sites),
        },
    ];
    let (mut services, mut map, mut dsm, mut own) = (
        Vec::new(),
        ServiceMap::default(),
        Matrix::default(),
        Matrix::default(),
    );
    let (mut kernel, mut unassigned, mut orphans, mut shared, mut splits) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut cuts = Vec::new();
    if let Some(p) = doc.proposal {
        let m = &p.metrics;
        stats.push(Stat {
            label: "Services".into(),
            value: m.services.to_string(),
            note: format!("{} shared-kernel symbols", m.shared_kernel),
        });
        stats.push(Stat {
            label: "Modularity".into(),
            value: format!("{:.2}", m.modularity),
            note: format!(
                "today's {} packages: {:.2}",
                p.current_layout.packages, p.current_layout.modularity
            ),
        });
        stats.push(Stat {
            label: "Cross-service calls".into(),
            value: m.cross_service_calls.to_string(),
            note: format!("ICP {:.2} (today {:.2})", m.icp, p.current_layout.icp),
        });
        stats.push(Stat {
            label: "Shared tables".into(),
            value: m.shared_tables.to_string(),
            note: format!("SM {:.2}, NED {:.2}, IFN {:.2}", m.sm, m.ned, m.ifn),
        });
        map = svg::service_map(p);
        dsm = svg::dsm(p);
        // Ownership: owner O, else the strongest access.
        let mut access: BTreeMap<(String, String), char> = BTreeMap::new();
        let service_of = p.service_of_members();
        for e in &a.edges {
            let kind = match e.kind {
                crate::analysis::EdgeKind::Writes => 'W',
                crate::analysis::EdgeKind::Reads => 'R',
                _ => continue,
            };
            if let Some(s) = service_of.get(&*e.from) {
                let slot = access
                    .entry(((*s).to_owned(), e.to.to_string()))
                    .or_insert(kind);
                if kind == 'W' {
                    *slot = 'W';
                }
            }
        }
        for s in &p.services {
            for t in &s.tables {
                access.insert((s.name.clone(), t.clone()), 'O');
            }
        }
        let mut touched: Vec<String> = access.keys().map(|(_, t)| t.clone()).collect();
        touched.sort();
        touched.dedup();
        own = svg::ownership(p, &touched, &access);
        let path_of: BTreeMap<&str, (&str, &str)> = a
            .routes
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    (
                        r.methods.first().map_or("", String::as_str),
                        r.path.as_str(),
                    ),
                )
            })
            .collect();
        for s in &p.services {
            let mut modules: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for m in &s.members {
                let (module, name) = m.split_once(':').unwrap_or((m.as_str(), ""));
                modules
                    .entry(module.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
            let call = |c: &crate::cluster::CrossCall, other: &str| CallView {
                from: c.from.clone(),
                to: c.to.clone(),
                other: other.to_owned(),
                count: c.count,
                evidence: c.evidence.iter().take(5).map(|e| lk.ev(e)).collect(),
            };
            services.push(ServiceView {
                warnings: s
                    .sliver
                    .iter()
                    .chain(&s.owns_no_table)
                    .chain(&s.blob)
                    .chain(&s.edge)
                    .map(|w| plain(w))
                    .collect(),
                name: s.name.clone(),
                anchor: svg::anchor(&s.name),
                members: s.metrics.members,
                lines: s.metrics.lines,
                instability: format!("{:.2}", s.metrics.instability),
                cohesion: format!("{:.2}", s.metrics.cohesion),
                routes: s
                    .routes
                    .iter()
                    .map(|r| {
                        let (m, path) = path_of.get(r.as_str()).copied().unwrap_or(("", r));
                        (m.to_owned(), path.to_owned())
                    })
                    .collect(),
                modules: modules
                    .into_iter()
                    .map(|(module, members)| ModuleView { module, members })
                    .collect(),
                tables: s
                    .tables
                    .iter()
                    .map(|t| t.trim_start_matches("table:").to_owned())
                    .collect(),
                calls_out: p
                    .cross_service_calls
                    .iter()
                    .filter(|c| c.from_service == s.name)
                    .map(|c| call(c, &c.to_service))
                    .collect(),
                calls_in: p
                    .cross_service_calls
                    .iter()
                    .filter(|c| c.to_service == s.name)
                    .map(|c| call(c, &c.from_service))
                    .collect(),
            });
        }
        kernel = p.shared_kernel.clone();
        unassigned = p.unassigned.clone();
        orphans = p.orphan_tables.clone();
        cuts = p
            .transaction_cuts
            .iter()
            .map(|c| CutView {
                function: c.function.clone(),
                services: c.services.join(", "),
                cost: c.cost.clone(),
                writes: c
                    .tables
                    .iter()
                    .map(|t| {
                        (
                            t.table.trim_start_matches("table:").to_owned(),
                            t.service.clone().unwrap_or_else(|| "none".into()),
                            lk.link(&t.evidence.file, t.evidence.line),
                        )
                    })
                    .collect(),
            })
            .collect();
        shared = p
            .shared_tables
            .iter()
            .map(|t| SharedView {
                table: t.table.trim_start_matches("table:").to_owned(),
                reference: t.reference_data.as_deref().map(plain),
                owner: t.owner.clone().unwrap_or_else(|| "none".into()),
                readers: or_none(&t.readers),
                writers: or_none(&t.writers),
                evidence: t
                    .evidence
                    .iter()
                    .take(12)
                    .map(|e| {
                        (
                            e.service.clone(),
                            format!("{} {}", e.symbol, e.kind),
                            lk.link(&e.file, e.line),
                        )
                    })
                    .collect(),
            })
            .collect();
        splits = p
            .splits
            .iter()
            .map(|s| SplitView {
                module: s.module.clone(),
                parts: s
                    .parts
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            })
            .collect();
    }
    let advice = doc.advice.map(|adv| AdviceView {
        verdict: plain(&adv.shard_verdict.reason),
        keys: adv
            .shard_keys
            .iter()
            .map(|k| ShardView {
                column: k.column.clone(),
                score: format!("{:.2}", k.score),
                shares: ["single", "rewrite", "multi", "cross", "blocker"]
                    .iter()
                    .map(|c| format!("{c} {}", pct(k.shares.get(*c).copied().unwrap_or(0.0))))
                    .collect::<Vec<_>>()
                    .join(" · "),
                reasons: k.reasons.iter().map(|r| plain(r)).collect(),
                tables: k
                    .tables
                    .iter()
                    .map(|t| PlacementView {
                        table: t.table.trim_start_matches("table:").to_owned(),
                        placement: t.placement.clone(),
                        column: t.column.clone().unwrap_or_default(),
                        detail: plain(
                            &t.path
                                .iter()
                                .chain(&t.blockers)
                                .cloned()
                                .collect::<Vec<_>>()
                                .join("; "),
                        ),
                        sql: t.backfill_sql.clone(),
                    })
                    .collect(),
                sites: k
                    .sites
                    .iter()
                    .filter(|s| s.class != "single")
                    .map(|s| SiteView {
                        class: s.class.clone(),
                        site: s.site.clone(),
                        link: lk.link(&s.file, s.line),
                        reason: plain(&s.reason),
                    })
                    .collect(),
                citus: k.citus.join("\n"),
            })
            .collect(),
        replica_tables: adv
            .read_replicas
            .tables
            .iter()
            .map(|t| {
                (
                    t.table.trim_start_matches("table:").to_owned(),
                    t.read_sites,
                    t.replica_safe,
                    pct(t.share),
                )
            })
            .collect(),
        replica_routes_safe: adv
            .read_replicas
            .routes
            .iter()
            .filter(|r| r.replica_safe)
            .count(),
        replica_routes: adv.read_replicas.routes.len(),
        unsafe_routes: adv
            .read_replicas
            .routes
            .iter()
            .filter(|r| !r.replica_safe)
            .map(|r| {
                (
                    r.route.trim_start_matches("route:").to_owned(),
                    r.replica,
                    r.reason.clone().unwrap_or_default(),
                )
            })
            .collect(),
        replica_routes_unknown: adv
            .read_replicas
            .routes
            .iter()
            .filter(|r| r.replica == "unknown")
            .count(),
        hazards: adv
            .read_replicas
            .hazards
            .iter()
            .map(|h| HazardView {
                route: h.route.trim_start_matches("route:").to_owned(),
                table: h.table.trim_start_matches("table:").to_owned(),
                write: lk.ev(&h.write),
                read: lk.ev(&h.read),
                note: h.note.clone(),
            })
            .collect(),
        asyncs: adv
            .async_candidates
            .iter()
            .map(|c| AsyncView {
                route: c.route.trim_start_matches("route:").to_owned(),
                score: format!("{:.1}", c.score),
                remedy: match c.remedy {
                    "event" => "make it an event",
                    "batch" => "batch the queries",
                    _ => "already asynchronous",
                },
                confidence: c.confidence,
                advice: c.advice.clone(),
                reasons: c
                    .reasons
                    .iter()
                    .map(|r| (r.kind.clone(), r.detail.clone(), lk.link(&r.file, r.line)))
                    .collect(),
            })
            .collect(),
        phases: adv
            .extraction_plan
            .iter()
            .map(|p| PhaseView {
                phase: p.phase,
                service: p.service.clone(),
                anchor: svg::anchor(&p.service),
                why: p.why.clone(),
                confidence: p.confidence,
                gateway: p
                    .gateway
                    .iter()
                    .map(|g| (g.path.clone(), g.to.clone()))
                    .collect(),
                tables_move: p
                    .tables_move
                    .iter()
                    .map(|t| t.trim_start_matches("table:"))
                    .collect::<Vec<_>>()
                    .join(", "),
                decouple: p
                    .tables_to_decouple
                    .iter()
                    .map(|d| {
                        (
                            d.table.trim_start_matches("table:").to_owned(),
                            d.remedy.clone(),
                            d.why.clone(),
                            d.evidence.iter().map(|e| lk.ev(e)).collect(),
                        )
                    })
                    .collect(),
                network_calls: p
                    .network_calls
                    .iter()
                    .map(|n| {
                        (
                            n.direction.clone(),
                            n.from.clone(),
                            n.to.clone(),
                            n.evidence.iter().take(3).map(|e| lk.ev(e)).collect(),
                        )
                    })
                    .collect(),
                async_to_convert: p.async_to_convert.join(", "),
            })
            .collect(),
        notes: adv.notes.clone(),
    });
    let unread = a
        .self_checks
        .iter()
        .map(|c| {
            let what = if c.meaning.is_empty() {
                &c.check
            } else {
                &c.meaning
            };
            (
                c.count,
                plain(what),
                lk.link(&c.first.file, c.first.line),
                plain(&c.example),
            )
        })
        .collect();
    let diagnostics = a
        .diagnostics
        .iter()
        .map(|d| DiagView {
            severity: format!("{:?}", d.severity).to_ascii_lowercase(),
            link: lk.link(&d.file, d.line),
            message: d.message.clone(),
        })
        .collect();
    let accepted = doc.accepted.map(|acc| AcceptedView {
        config: acc.config.clone(),
        crossings: acc.crossings,
        inferred: acc.inferred,
        violations: acc
            .violations
            .iter()
            .flat_map(|v| {
                let lk = &lk;
                v.evidence.iter().map(move |e| (v.message(), lk.ev(e)))
            })
            .collect(),
    });
    let trend = if meta.history.len() >= 2 {
        let series = |key: &str| -> Vec<(f64, String)> {
            meta.history
                .iter()
                .map(|s| {
                    let label = match &s.commit {
                        Some(c) => format!("{} {}", s.taken_at, &c[..c.len().min(8)]),
                        None => s.taken_at.clone(),
                    };
                    (s.metrics[key].as_f64().unwrap_or(0.0), label)
                })
                .collect()
        };
        vec![
            svg::chart("Modularity", &series("modularity")),
            svg::chart("Cross-service calls", &series("cross_service_calls")),
            svg::chart("Boundary crossings", &series("crossings")),
            svg::chart("Violations of seam.toml", &series("violations")),
            svg::chart("Shared tables", &series("shared_tables")),
        ]
    } else {
        Vec::new()
    };
    let verdict = doc.proposal.map(|p| {
        let split = p.verdict.recommendation == crate::cluster::Recommendation::Split;
        let headline = if split {
            "Split along the proposed services"
        } else {
            "Keep a modular monolith"
        };
        let reason = plain(&p.verdict.reason);
        let mut chars = reason.chars();
        let reason = chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default();
        (split, headline.to_owned(), reason)
    });
    let levels = doc
        .proposal
        .map(|p| {
            let at = p.levels.iter().position(|l| l.chosen);
            p.levels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let coarser = at.is_some_and(|a| i < a);
                    let changes = l.change_lines(coarser).join("; ");
                    LevelView {
                        resolution: format!("{}", l.resolution),
                        services: l.services,
                        modularity: format!("{:.2}", l.modularity),
                        misses: l.guardrail_misses,
                        stability: format!("{:.2}", l.stability),
                        chosen: l.chosen,
                        changes,
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    Page {
        levels,
        verdict,
        accepted,
        trend,
        title: format!("seam report: {}", meta.repository),
        meta: meta.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        stats,
        map,
        dsm,
        own,
        services,
        kernel,
        unassigned,
        orphans,
        cuts,
        shared,
        splits,
        advice,
        diagnostics,
        unread,
        formulas: formulas(),
    }
}

fn formulas() -> Vec<(String, String)> {
    [
        ("Modularity Q", "Newman–Girvan modularity (γ = 1) of the services on the weighted dependency projection restricted to clustered items; kernel items outside it, unassigned items as singletons. Higher is better; above 0.3 is clear structure."),
        ("SM (structural modularity)", "SM = (1/k) Σ μᵢ/mᵢ² − (1/(k(k−1)/2)) Σᵢ<ⱼ σᵢⱼ/(2 mᵢ mⱼ): k services, mᵢ items, μᵢ dependency edges inside service i, σᵢⱼ between i and j."),
        ("ICP (inter-call percentage)", "call occurrences crossing services / all call occurrences between clustered symbols. Lower is better."),
        ("IFN (interface number)", "mean over services of the number of members called from other services."),
        ("NED (non-extreme distribution)", "share of services with at least 3 members and at most half of all clustered members."),
        ("Instability", "Ce / (Ca + Ce): distinct outside items it depends on, over those plus the outside items depending on it."),
        ("Cohesion", "internal dependency edges / (m(m−1)/2) for a service of m members."),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect()
}
