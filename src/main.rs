//! seam's command line: parse, validate, run, render. Nothing else lives here.

/// mimalloc, not the system allocator: the front ends' threads allocate the facts of every
/// file between the syntax trees they free, and glibc's per-thread arenas kept the holes (the
/// 194 MB tree peaked 100 MiB higher, and its front ends took 45% longer).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use seam::report::{self, Format};
use seam::{Options, exit};

#[derive(Parser, Debug)]
#[command(
    name = "seam",
    version,
    about = "Finds the seams in a Flask/Python monolith: where its code and database can be cut into services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse a repository: routes, tables, queries, the dependency graph, the proposed
    /// services and the advice.
    Analyze {
        #[command(flatten)]
        run: RunArgs,
        /// Output format: a human summary, the JSON document, or the service map as Graphviz
        /// dot or Mermaid.
        #[arg(long, value_enum, default_value_t = FormatArg::Text)]
        format: FormatArg,
        /// Write the output to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write the HTML report to FILE.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Evidence links in the HTML report: `{file}` and `{line}` are replaced
        /// (`https://github.com/org/repo/blob/main/{file}#L{line}`).
        #[arg(long, value_name = "TEMPLATE")]
        source_url: Option<String>,
    },
    /// Write the HTML report: one self-contained page to review and pass around.
    Report {
        #[command(flatten)]
        run: RunArgs,
        /// The HTML file to write.
        #[arg(short, long, value_name = "FILE", default_value = "report.html")]
        output: PathBuf,
        /// Evidence links: `{file}` and `{line}` are replaced
        /// (`https://github.com/org/repo/blob/main/{file}#L{line}`).
        #[arg(long, value_name = "TEMPLATE")]
        source_url: Option<String>,
    },
    /// Write `seam.toml` (the accepted boundaries) to review and edit: the proposed services, or
    /// today's packages when the verdict is to keep a modular monolith.
    Init {
        #[command(flatten)]
        run: RunArgs,
        /// Overwrite an existing seam.toml.
        #[arg(long)]
        force: bool,
        /// Write the proposed services even when the verdict is to keep a modular monolith.
        #[arg(long)]
        proposal: bool,
    },
    /// Check the code against `seam.toml`: exit 1 when a service depends on one it may not
    /// (a call, or a read or write of a table another service owns).
    Check {
        #[command(flatten)]
        run: RunArgs,
        /// The boundaries file (default: PATH/seam.toml).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Only violations not in this file fail (a ratchet); see --write-baseline.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// Write today's violations to FILE as the baseline, and exit 0.
        #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
        write_baseline: Option<PathBuf>,
        /// Output: lines for people, GitHub workflow annotations, SARIF, or JSON.
        #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
        format: CheckFormat,
    },
    /// Record a snapshot of the coupling metrics and boundary crossings in the history store.
    Track {
        #[command(flatten)]
        run: RunArgs,
        /// The history store (default: PATH/.seam/history.db).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// Backfill: analyse the first-parent commits after A up to B (`A..B`, any rev spec)
        /// from the object database, without touching the work tree.
        #[arg(long, value_name = "A..B")]
        git_range: Option<String>,
        /// Backfill the last N first-parent commits up to HEAD.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
    },
    /// Print the metrics over time, from the history store.
    Trend {
        /// Root of the repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The history store (default: PATH/.seam/history.db).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
        /// A table for people, or JSON.
        #[arg(long, value_enum, default_value_t = TrendFormat::Text)]
        format: TrendFormat,
    },
    /// Boundary crossings added and removed between two snapshots (an id such as `3`, a commit
    /// prefix, or `worktree` for the files on disk now).
    Diff {
        #[command(flatten)]
        run: RunArgs,
        /// The earlier point.
        from: String,
        /// The later point (default: worktree).
        #[arg(default_value = "worktree")]
        to: String,
        /// The history store (default: PATH/.seam/history.db).
        #[arg(long, value_name = "FILE")]
        history: Option<PathBuf>,
    },
    /// Co-change coupling: pairs of files that change in the same commits (from git history).
    Cochange {
        /// Root of the repository (default: the current directory).
        #[arg(default_value = ".")]
        path: PathBuf,
        /// How many first-parent commits up to HEAD to read.
        #[arg(long, value_name = "N", default_value_t = 500)]
        last: usize,
        /// Only pairs changed together in at least this many commits.
        #[arg(long, value_name = "K", default_value_t = 3)]
        min_shared: u32,
        /// A table for people, or JSON.
        #[arg(long, value_enum, default_value_t = TrendFormat::Text)]
        format: TrendFormat,
    },
    /// Only discover and parse the Python files (tree-sitter, no analysis), in parallel: the
    /// baseline for the benchmark.
    #[command(hide = true)]
    ParseOnly { path: PathBuf },
    /// Print the facts the front end extracts from one Python file, as JSON (for debugging).
    #[command(hide = true)]
    DumpFacts {
        /// A Python file.
        file: PathBuf,
    },
}

/// What to analyse and how: shared by `analyze` and `report`.
#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Root of the repository to analyse.
    path: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Ask for about N services (the clustering resolution is searched to come closest).
    #[arg(long, value_name = "N", conflicts_with = "resolution")]
    services: Option<u32>,
    /// Leiden resolution (default 1.0: plain modularity); higher gives smaller services.
    #[arg(long, value_name = "GAMMA")]
    resolution: Option<f64>,
    /// Seed of the clustering (same seed, same proposal).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Skip the service proposal (clustering): only the graph, routes, tables and queries.
    #[arg(long, conflicts_with_all = ["services", "resolution", "first"])]
    no_services: bool,
    /// Pin the first phase of the extraction plan to this service (by its proposed name).
    #[arg(long, value_name = "SERVICE")]
    first: Option<String>,
    /// Weigh query sites by production calls: a pg_stat_statements CSV export (columns
    /// `query`, `calls`, optionally `total_exec_time`).
    #[arg(long, value_name = "CSV")]
    workload: Option<PathBuf>,
    /// Add logical coupling to the clustering: modules changed together in the last N
    /// commits of the repository's git history bind like calls.
    #[arg(long, value_name = "N")]
    co_change: Option<usize>,
    /// Skip files larger than this many bytes (with a diagnostic).
    #[arg(long, value_name = "BYTES", default_value_t = seam::load::DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Neither read nor write the facts cache (PATH/.seam/cache/); also SEAM_NO_CACHE=1.
    #[arg(long)]
    no_cache: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum TrendFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CheckFormat {
    Text,
    Github,
    Sarif,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Dot,
    Mermaid,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap's full text on stdout.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One line (clap adds usage and tips below it): scripts and CI logs stay readable.
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid command line");
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("seam: error: {first} (see `seam --help`)");
            return ExitCode::from(exit::USAGE as u8);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(message) => {
            eprintln!("seam: error: {message}");
            ExitCode::from(exit::USAGE as u8)
        }
    }
}

fn run(cli: Cli) -> Result<i32, String> {
    match cli.command {
        Command::ParseOnly { path } => {
            let start = std::time::Instant::now();
            let (files, bytes, errors) = seam::load::parse_only(&path, &Options::default());
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{files} files, {bytes} bytes, {errors} with syntax errors, {secs:.3} s, {:.1} MB/s",
                bytes as f64 / 1e6 / secs
            );
            Ok(exit::OK)
        }
        Command::DumpFacts { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let facts = seam_python::PythonParser::new().analyze(&text, &file.to_string_lossy());
            let json = serde_json::to_string_pretty(&facts).map_err(|e| e.to_string())?;
            println!("{json}");
            Ok(exit::OK)
        }
        Command::Analyze {
            run,
            format,
            output,
            html,
            source_url,
        } => {
            let done = execute(&run)?;
            let doc = done.document();
            if let Some(file) = &html {
                write_html(&doc, &run.path, file, source_url.as_deref())?;
            }
            let format = match format {
                FormatArg::Text => Format::Text,
                FormatArg::Json => Format::Json,
                FormatArg::Dot => Format::Dot,
                FormatArg::Mermaid => Format::Mermaid,
            };
            let root = run.path.display().to_string();
            let result = match &output {
                Some(file) => {
                    let mut f = std::fs::File::create(file)
                        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                    report::render(&doc, format, &root, &mut f).and_then(|()| f.flush())
                }
                None => report::render(&doc, format, &root, &mut io::stdout().lock()),
            };
            written(result)?;
            // The process ends with this command: its memory goes back with it, and freeing
            // the analysis piece by piece was about 1 % of a run.
            std::mem::forget(done);
            Ok(exit::OK)
        }
        Command::Init {
            run,
            force,
            proposal: force_proposal,
        } => {
            let target = run.path.join("seam.toml");
            if target.exists() && !force {
                return Err(format!(
                    "{} exists (use --force to overwrite it)",
                    target.display()
                ));
            }
            if run.no_services {
                return Err("init writes the proposed services: drop --no-services".to_owned());
            }
            let (analysis, proposal) = propose(&run, prepare(&run)?);
            let keep = proposal.verdict.recommendation
                == seam::cluster::Recommendation::KeepModularMonolith;
            let (written, what) = if keep && !force_proposal {
                (seam::cluster::package_layout(&analysis), "today's packages")
            } else {
                (proposal, "the proposed services")
            };
            if written.services.is_empty() {
                return Err("no services proposed (no tables): nothing to accept".to_owned());
            }
            let text = seam::boundaries::init::render(&analysis, &written);
            std::fs::write(&target, text)
                .map_err(|e| format!("cannot write {}: {e}", target.display()))?;
            eprintln!(
                "seam: wrote {} ({} boundaries: {what}{}); review it, then run `seam check`",
                target.display(),
                written.services.len(),
                if keep && !force_proposal {
                    ", as the verdict is to keep a modular monolith; `--proposal` writes the proposed services"
                } else {
                    ""
                }
            );
            Ok(exit::OK)
        }
        Command::Check {
            run,
            config,
            baseline,
            write_baseline,
            format,
        } => check(&run, config, baseline, write_baseline, format),
        Command::Cochange {
            path,
            last,
            min_shared,
            format,
        } => {
            if last == 0 {
                return Err("--last must be at least 1".to_owned());
            }
            let repo = seam::history::git::Repo::open(&path)?;
            let changes = repo.changesets(last)?;
            let pairs = seam::history::cochange::pairs(&changes, min_shared);
            let text = match format {
                TrendFormat::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({
                        "commits": changes.len(),
                        "pairs": pairs,
                    }))
                    .map_err(|e| e.to_string())?
                        + "\n"
                }
                TrendFormat::Text => {
                    let mut t = format!(
                        "{} commits read; {} file pairs changed together at least {min_shared} times\n",
                        changes.len(),
                        pairs.len()
                    );
                    for p in pairs.iter().take(40) {
                        t.push_str(&format!(
                            "  {:>5.2}  {:>3} shared  {}  <->  {}\n",
                            p.degree, p.shared, p.a, p.b
                        ));
                    }
                    t
                }
            };
            written(print_out(&text, matches!(format, TrendFormat::Json)))?;
            Ok(exit::OK)
        }
        Command::Track {
            run,
            history,
            git_range,
            last,
        } => {
            let store_path = history.unwrap_or_else(|| seam::history::default_path(&run.path));
            // Open first: a bad store is an error before the analysis.
            let mut store = seam::history::Store::open(&store_path)?;
            if git_range.is_some() || last.is_some() {
                if last == Some(0) {
                    return Err("--last must be at least 1".to_owned());
                }
                return backfill(&run, &mut store, git_range.as_deref(), last);
            }
            let snap = snapshot_now(&run)?;
            let id = store.record(&snap)?;
            eprintln!(
                "seam: recorded snapshot #{id} in {} ({} services, {} crossings, {} violations against {})",
                store_path.display(),
                snap.metrics["services"],
                snap.metrics["crossings"],
                snap.metrics["violations"],
                snap.against
            );
            Ok(exit::OK)
        }
        Command::Trend {
            path,
            history,
            format,
        } => {
            let store_path = history.unwrap_or_else(|| seam::history::default_path(&path));
            if !store_path.exists() {
                return Err(format!(
                    "no history at {} (record one with `seam track`)",
                    store_path.display()
                ));
            }
            let store = seam::history::Store::open(&store_path)?;
            let snaps = store.snapshots()?;
            let text = match format {
                TrendFormat::Text => seam::history::trend_text(&snaps),
                TrendFormat::Json => {
                    serde_json::to_string_pretty(&serde_json::json!({ "snapshots": snaps }))
                        .map_err(|e| e.to_string())?
                        + "\n"
                }
            };
            written(print_out(&text, matches!(format, TrendFormat::Json)))?;
            Ok(exit::OK)
        }
        Command::Diff {
            run,
            from,
            to,
            history,
        } => {
            let store_path = history.unwrap_or_else(|| seam::history::default_path(&run.path));
            let store = seam::history::Store::open(&store_path)?;
            let a = resolve_point(&store, &run, &from)?;
            let b = resolve_point(&store, &run, &to)?;
            let (added, removed) = seam::history::diff(&a, &b);
            let mut text = String::new();
            for (sign, list) in [("+", &added), ("-", &removed)] {
                for c in list {
                    text.push_str(&format!(
                        "{sign} {}:{}: {} -> {}: {} {} -> {}{}\n",
                        c.file,
                        c.line,
                        c.from_service,
                        c.to_service,
                        c.kind,
                        c.from,
                        c.to,
                        if c.allowed { "" } else { " (not allowed)" }
                    ));
                }
            }
            text.push_str(&format!(
                "seam diff {from}..{to}: {} crossings added, {} removed\n",
                added.len(),
                removed.len()
            ));
            written(print_out(&text, false))?;
            Ok(exit::OK)
        }
        Command::Report {
            run,
            output,
            source_url,
        } => {
            let done = execute(&run)?;
            write_html(&done.document(), &run.path, &output, source_url.as_deref())?;
            eprintln!("seam: wrote {}", output.display());
            Ok(exit::OK)
        }
    }
}

/// The analysis, the proposal and the advice of one run.
struct Done {
    analysis: seam::analysis::Analysis,
    proposal: Option<seam::cluster::Proposal>,
    advice: seam::advice::Advice,
    accepted: Option<report::Accepted>,
}

impl Done {
    fn document(&self) -> report::Document<'_> {
        report::Document {
            analysis: &self.analysis,
            proposal: self.proposal.as_ref(),
            advice: Some(&self.advice),
            accepted: self.accepted.as_ref(),
        }
    }
}

/// The steps shared by every command that analyses: flags and PATH validated (usage errors
/// before any long work), the git history read when `--co-change` asks for it, the analysis.
struct Prepared {
    analysis: seam::analysis::Analysis,
    co_change: Vec<(String, String, f64)>,
    /// Where the clustering's partitions are kept, when the caches are on.
    partitions: Option<seam::cache::partitions::Store>,
}

fn prepare(run: &RunArgs) -> Result<Prepared, String> {
    let path = &run.path;
    let options = options(run)?;
    if !path.exists() {
        return Err(format!("{} does not exist", path.display()));
    }
    if !path.is_dir() {
        return Err(format!(
            "{} is not a directory (give the root of the repository)",
            path.display()
        ));
    }
    // A root that cannot be listed would walk as an empty repository and report nothing with
    // exit 0: a confident answer on no facts at all.
    if let Err(e) = std::fs::read_dir(path) {
        return Err(format!("cannot read {}: {e}", path.display()));
    }
    let co_change = match run.co_change {
        Some(0) => return Err("--co-change must be at least 1 commit".to_owned()),
        Some(n) => {
            let changes = seam::history::git::Repo::open(path)?.changesets(n)?;
            seam::history::cochange::module_pairs(&changes)
        }
        None => Vec::new(),
    };
    Ok(Prepared {
        analysis: seam::analyze(path, &options),
        co_change,
        partitions: options
            .cache
            .then(|| seam::cache::partitions::Store::at(path)),
    })
}

/// The proposal for a prepared analysis (timed for `SEAM_TIMINGS`).
fn propose(
    run: &RunArgs,
    prepared: Prepared,
) -> (seam::analysis::Analysis, seam::cluster::Proposal) {
    let p = cluster(
        &prepared.analysis,
        &cluster_options(run, prepared.co_change),
        prepared.partitions.as_ref(),
    );
    (prepared.analysis, p)
}

/// The proposal for `analysis`, through the partitions kept under the root when the caches
/// are on (the same proposal, see `cluster/memo.rs`); timed for `SEAM_TIMINGS`.
fn cluster(
    analysis: &seam::analysis::Analysis,
    options: &seam::cluster::ClusterOptions,
    partitions: Option<&seam::cache::partitions::Store>,
) -> seam::cluster::Proposal {
    let mut timer = seam::timing::Timer::new();
    let p = match partitions {
        Some(store) => {
            let memo = store.load();
            let p = seam::cluster::propose_with(analysis, options, &memo);
            store.save(&memo);
            p
        }
        None => seam::cluster::propose(analysis, options),
    };
    timer.mark("cluster");
    p
}

/// Everything `analyze` and `report` show: the analysis, the proposal, the advice, and the
/// code against `seam.toml` when the repository has one.
fn execute(run: &RunArgs) -> Result<Done, String> {
    // A bad workload file is a usage error: read it before the (long) analysis.
    let workload_rows = run
        .workload
        .as_deref()
        .map(seam::advice::workload::read)
        .transpose()?;
    let prepared = prepare(run)?;
    let options = seam::advice::AdviceOptions {
        first: run.first.clone(),
        workload: workload_rows,
    };
    // The advice sees the application's query sites only; clustering reads no query site, so
    // it runs on the same analysis while the advice that needs no proposal is made beside it.
    let mut analysis = prepared.analysis;
    let set_aside = seam::advice::set_aside_outside_application(&mut analysis);
    let mut timer = seam::timing::Timer::new();
    let (proposal, data) = rayon::join(
        || {
            (!run.no_services).then(|| {
                cluster(
                    &analysis,
                    &cluster_options(run, prepared.co_change),
                    prepared.partitions.as_ref(),
                )
            })
        },
        || seam::advice::advise_data(&analysis, &options),
    );
    if let (Some(f), Some(p)) = (&run.first, &proposal)
        && !p.services.iter().any(|s| &s.name == f)
    {
        let names: Vec<&str> = p.services.iter().map(|s| s.name.as_str()).collect();
        return Err(format!(
            "--first {f}: no such service (proposed: {})",
            names.join(", ")
        ));
    }
    let advice = seam::advice::advise_with(&analysis, data, proposal.as_ref(), &options);
    set_aside.restore(&mut analysis);
    timer.mark("cluster and advice");
    // The accepted boundaries, when the repository has them: a broken file is an error here
    // too (the same line:column messages as `seam check`), never silently ignored.
    let accepted = match accepted_rules(&run.path)? {
        Some((config, rules)) => {
            let asg = assign(&config, &rules, &analysis)?;
            let all = seam::boundaries::crossings(&analysis, &rules, &asg);
            Some(report::Accepted {
                config: config.display().to_string(),
                crossings: all.len(),
                violations: all
                    .into_iter()
                    .filter(|(ok, _)| !ok)
                    .map(|(_, v)| v)
                    .collect(),
                inferred: asg.inferred.len(),
            })
        }
        None => None,
    };
    Ok(Done {
        analysis,
        proposal,
        advice,
        accepted,
    })
}

/// Places the analysed code under `rules`; overlaps are reported against `config`.
fn assign(
    config: &std::path::Path,
    rules: &seam::boundaries::Boundaries,
    analysis: &seam::analysis::Analysis,
) -> Result<seam::boundaries::Assignment, String> {
    seam::boundaries::assign(analysis, rules).map_err(|errors| config_errors(config, &errors))
}

fn write_html(
    doc: &report::Document<'_>,
    root: &std::path::Path,
    file: &std::path::Path,
    source_url: Option<&str>,
) -> Result<(), String> {
    // Trend charts when the repository has a history (a bad store is reported, not drawn).
    let store = seam::history::default_path(root);
    let history = if store.is_file() {
        seam::history::Store::open(&store)
            .and_then(|s| s.snapshots())
            .map_err(|e| format!("{e} (the report draws its trend)"))?
    } else {
        Vec::new()
    };
    let meta = report::html::Meta {
        repository: root.display().to_string(),
        generated_at: seam::meta::now_utc(),
        commit: seam::meta::git_head(root),
        history,
    };
    let page = report::html::render_html(doc, &meta, source_url)?;
    std::fs::write(file, page).map_err(|e| format!("cannot write {}: {e}", file.display()))
}

/// Reads and validates `seam.toml`: errors are printed one per line as `file:line:col: ...`.
fn load_boundaries(file: &std::path::Path) -> Result<seam::boundaries::Boundaries, String> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        format!(
            "cannot read {}: {e} (write one with `seam init`)",
            file.display()
        )
    })?;
    seam::boundaries::parse(&text).map_err(|errors| config_errors(file, &errors))
}

fn config_errors(file: &std::path::Path, errors: &[seam::boundaries::ConfigError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}:{e}", file.display()))
        .collect::<Vec<_>>()
        .join("\nseam: error: ")
}

fn check(
    run: &RunArgs,
    config: Option<PathBuf>,
    baseline: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
    format: CheckFormat,
) -> Result<i32, String> {
    let config = config.unwrap_or_else(|| run.path.join("seam.toml"));
    let rules = load_boundaries(&config)?;
    let known = match &baseline {
        Some(f) => seam::boundaries::read_baseline(
            &std::fs::read_to_string(f).map_err(|e| format!("cannot read {}: {e}", f.display()))?,
        ),
        None => Default::default(),
    };
    // The gate needs the code and the rules, not the clustering or the advice.
    let analysis = prepare(run)?.analysis;
    let assignment = assign(&config, &rules, &analysis)?;
    let all = seam::boundaries::violations(&analysis, &rules, &assignment);
    if let Some(f) = write_baseline {
        std::fs::write(&f, seam::boundaries::write_baseline(&all))
            .map_err(|e| format!("cannot write {}: {e}", f.display()))?;
        eprintln!(
            "seam: wrote {} ({} known violations)",
            f.display(),
            all.len()
        );
        return Ok(exit::OK);
    }
    let (new, old): (Vec<_>, Vec<_>) = all.into_iter().partition(|v| !known.contains(&v.key()));
    let mut out = io::stdout().lock();
    let result = match format {
        CheckFormat::Text => {
            let mut text = String::new();
            for v in &new {
                for e in &v.evidence {
                    text.push_str(&format!("{}:{}: error: {}\n", e.file, e.line, v.message()));
                }
            }
            text.push_str(&format!(
                "seam check: {} violation{}{} against {}\n",
                new.len(),
                if new.len() == 1 { "" } else { "s" },
                if old.is_empty() {
                    String::new()
                } else {
                    format!(" ({} more known in the baseline)", old.len())
                },
                config.display()
            ));
            seam::visible::Visible(&mut out).write_all(text.as_bytes())
        }
        CheckFormat::Github => {
            seam::visible::Visible(&mut out).write_all(seam::boundaries::github(&new).as_bytes())
        }
        CheckFormat::Sarif => {
            serde_json::to_writer_pretty(&mut out, &seam::boundaries::sarif(&new))
                .map_err(io::Error::other)
                .and_then(|()| writeln!(out))
        }
        CheckFormat::Json => serde_json::to_writer_pretty(
            &mut out,
            &serde_json::json!({ "violations": new, "known": old.len() }),
        )
        .map_err(io::Error::other)
        .and_then(|()| writeln!(out)),
    };
    written(result)?;
    Ok(if new.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// A snapshot of the files on disk now, against seam.toml when there is one.
fn snapshot_now(run: &RunArgs) -> Result<seam::history::Snapshot, String> {
    if run.no_services {
        return Err("history records the services: drop --no-services".to_owned());
    }
    let rules = accepted_rules(&run.path)?;
    let (analysis, proposal) = propose(run, prepare(run)?);
    let asg = match &rules {
        Some((config, r)) => Some(assign(config, r, &analysis)?),
        None => None,
    };
    Ok(seam::history::take(
        &analysis,
        &proposal,
        rules.as_ref().map(|(_, r)| r).zip(asg.as_ref()),
        seam::meta::now_utc(),
        seam::meta::git_head(&run.path),
        "worktree",
    ))
}

/// `3` or `#3` (a snapshot id), `worktree`, or a commit prefix (its latest snapshot).
fn resolve_point(
    store: &seam::history::Store,
    run: &RunArgs,
    point: &str,
) -> Result<seam::history::Snapshot, String> {
    if point == "worktree" {
        return snapshot_now(run);
    }
    if let Ok(id) = point.trim_start_matches('#').parse::<i64>()
        && let Some(s) = store.load(id)?
    {
        return Ok(s);
    }
    let hit = store
        .snapshots()?
        .into_iter()
        .rev()
        .find(|s| s.commit.as_deref().is_some_and(|c| c.starts_with(point)));
    if let Some(s) = hit {
        return store
            .load(s.id)?
            .ok_or_else(|| format!("snapshot {} vanished", s.id));
    }
    // Not recorded: any git revision, analysed from the object database.
    let repo = seam::history::git::Repo::open(&run.path).map_err(|_| {
        format!(
            "no snapshot `{point}` (give a snapshot id from `seam trend`, a commit, or `worktree`)"
        )
    })?;
    let c = repo.commit_at(point).map_err(|_| {
        format!("no snapshot or commit `{point}` (give a snapshot id from `seam trend`, a commit, or `worktree`)")
    })?;
    let mut cache = seam::history::git::FactCache::default();
    let rules = accepted_rules(&run.path)?;
    snapshot_of_commit(run, &repo, &c, &mut cache, rules.as_ref())
}

/// One commit read from the object database, clustered, measured: a `git` snapshot.
fn snapshot_of_commit(
    run: &RunArgs,
    repo: &seam::history::git::Repo,
    c: &seam::history::git::CommitInfo,
    cache: &mut seam::history::git::FactCache,
    rules: Option<&(PathBuf, seam::boundaries::Boundaries)>,
) -> Result<seam::history::Snapshot, String> {
    let analysis = repo.analyze(&c.id, cache, run.max_file_size)?;
    let proposal = seam::cluster::propose_with(
        &analysis,
        &cluster_options(run, Vec::new()),
        &cache.partitions,
    );
    cache.partitions.keep_used();
    let asg = match rules {
        Some((config, r)) => Some(assign(config, r, &analysis)?),
        None => None,
    };
    Ok(seam::history::take(
        &analysis,
        &proposal,
        rules.map(|(_, r)| r).zip(asg.as_ref()),
        seam::meta::format_utc(c.time),
        Some(c.id.clone()),
        "git",
    ))
}

/// `seam track --git-range/--last`: past commits from the object database, oldest first,
/// skipping those already recorded.
fn backfill(
    run: &RunArgs,
    store: &mut seam::history::Store,
    range: Option<&str>,
    last: Option<usize>,
) -> Result<i32, String> {
    use seam::history::git::{FactCache, Repo};
    if run.no_services {
        return Err("history records the services: drop --no-services".to_owned());
    }
    options(run)?;
    let start = std::time::Instant::now();
    let repo = Repo::open(&run.path)?;
    let commits = repo.commits(range, last)?;
    let rules = accepted_rules(&run.path)?;
    let bar = indicatif::ProgressBar::new(commits.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} commits {msg} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut cache = FactCache::default();
    let (mut recorded, mut skipped) = (0, 0);
    for c in &commits {
        bar.set_message(c.id.chars().take(10).collect::<String>());
        if store.has_commit(&c.id)? {
            skipped += 1;
            bar.inc(1);
            continue;
        }
        let snap = snapshot_of_commit(run, &repo, c, &mut cache, rules.as_ref())?;
        store.record(&snap)?;
        recorded += 1;
        bar.inc(1);
    }
    bar.finish_and_clear();
    let total = cache.hits + cache.misses;
    eprintln!(
        "seam: {recorded} commits recorded, {skipped} already there; {} of {total} files parsed ({:.0}% reused), {} commits with the analysis of the one before, {:.1} s",
        cache.misses,
        if total == 0 {
            0.0
        } else {
            cache.hits as f64 * 100.0 / total as f64
        },
        cache.same_analysis,
        start.elapsed().as_secs_f64()
    );
    Ok(exit::OK)
}

/// The repository's accepted boundaries, with their file, if it has a `seam.toml`.
fn accepted_rules(
    root: &std::path::Path,
) -> Result<Option<(PathBuf, seam::boundaries::Boundaries)>, String> {
    let config = root.join("seam.toml");
    if config.is_file() {
        load_boundaries(&config).map(|rules| Some((config, rules)))
    } else {
        Ok(None)
    }
}

fn cluster_options(
    run: &RunArgs,
    co_change: Vec<(String, String, f64)>,
) -> seam::cluster::ClusterOptions {
    seam::cluster::ClusterOptions {
        resolution: run.resolution,
        services: run.services,
        seed: run.seed,
        co_change,
    }
}

/// Writes a command's output to stdout: text through [`seam::visible::Visible`], so nothing
/// from the repository reaches the terminal raw; JSON (whose strings serde escapes, and which
/// an escape would make invalid) as it is.
fn print_out(text: &str, json: bool) -> io::Result<()> {
    let mut out = io::stdout().lock();
    if json {
        out.write_all(text.as_bytes())
    } else {
        seam::visible::Visible(out).write_all(text.as_bytes())
    }
}

/// The outcome of writing the output: a reader that stops early (`seam trend | head`) is not
/// an error; anything else is.
fn written(result: io::Result<()>) -> Result<(), String> {
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(format!("cannot write the output: {e}")),
    }
}

/// Sets up rayon's global pool with `threads` workers and returns how many it has (once per
/// process; a second call returns the first's). A machine that refuses new threads (a
/// container's process limit) must not crash seam (issue 15, D2). A failed global build
/// leaves rayon's global pool unbuildable for good, so this thread then becomes the one worker
/// of a pool of its own (`use_current_thread`, no thread spawned): every parallel iterator it
/// starts runs there, on this thread.
fn worker_pool(threads: usize) -> usize {
    static WORKERS: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WORKERS.get_or_init(|| {
        let Err(err) = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
        else {
            return threads;
        };
        match rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
        {
            // Kept for the life of the process: this thread is its worker.
            Ok(alone) => {
                std::mem::forget(alone);
                eprintln!(
                    "seam: warning: could not start {threads} worker threads ({err}); \
                     running on one thread"
                );
            }
            Err(again) => eprintln!(
                "seam: warning: could not start {threads} worker threads ({err}), nor run on \
                 this one ({again})"
            ),
        }
        1
    })
}

/// Validates the clustering and resource flags and sets up the worker pool: every command
/// that analyses goes through here, so a flag means the same everywhere.
fn options(run: &RunArgs) -> Result<Options, String> {
    if run.services == Some(0) {
        return Err("--services must be at least 1".to_owned());
    }
    if run.resolution.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err("--resolution must be a positive number".to_owned());
    }
    let mut options = Options {
        max_file_size: run.max_file_size,
        cache: !run.no_cache && std::env::var_os(seam::cache::NO_CACHE_ENV).is_none(),
        ..Options::default()
    };
    if let Some(t) = run.threads {
        if t == 0 {
            return Err("--threads must be at least 1".to_owned());
        }
        let most = seam::max_threads();
        if t > most {
            return Err(format!(
                "--threads {t} is more than this machine can use: it has {} cores; \
                 give at most {most} (four per core), or leave --threads out to use every core",
                seam::cores()
            ));
        }
        options.threads = t;
    }
    options.threads = worker_pool(options.threads);
    Ok(options)
}
