//! `eventos lint [PATHS…]`: lint files, folders or the project's bundles and print the findings
//! in the chosen format. Exit 0 clean, 1 on errors (or warnings with `--deny-warnings`).

use std::fmt::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Outcome, emit, note};
use crate::base::{Runner, Severity};
use crate::bundle::sum;
use crate::cli::{LintArgs, LintFormat};
use crate::config::Config;
use crate::lint::{self, LintOptions, LintReport, RULES};
use crate::report;
use crate::report::output::StdoutChunks;

/// Lints the given paths, or the project's bundles (and their sum file) when none are given.
pub async fn run(config: &Config, args: LintArgs) -> Result<Outcome> {
    let mut options = LintOptions::from_config(config)?;
    if let Some(runner) = args.runner {
        options.runner = runner;
        options.runner_origin = Some("--runner".into());
    }
    options.explain_locks = args.explain_locks;
    if !args.paths.is_empty() && !inside(&args.paths, &config.sql_dir) {
        // `released_through` in eventos.toml describes the project's bundles, not other folders.
        options.release = lint::release::Release::Unknown;
    }
    if let Some(value) = &args.released_through {
        options.release = lint::release::Release::from_setting(value, "--released-through")?;
    }
    if let Some(url) = &args.database_url {
        let client = crate::db::connect(url).await?;
        let context = || format!("lint --database-url {}", crate::db::redact_url(url));
        options.catalog = Some(lint::catalog::load(&client).await.with_context(context)?);
        if args.released_through.is_none() {
            let runner = history_runner(&args, &options)?;
            options.release = lint::release::read_history(&client, runner, &config.history_table)
                .await
                .with_context(context)?;
        }
    }
    let limit = args.max_file_mib * 1024 * 1024;
    let report = lint_paths_or_bundles(config, &args.paths, limit, &options)?;
    if args.explain_locks {
        print_with_locks(&report, args.format)?;
    } else {
        print_report(&report, args.format)?;
    }
    let failed = report.count(Severity::Error) > 0
        || (args.deny_warnings && report.count(Severity::Warning) > 0);
    Ok(Outcome::from_failed(failed))
}

/// Whether every path lies inside `dir` (both resolved; a path that cannot be resolved is not).
fn inside(paths: &[PathBuf], dir: &std::path::Path) -> bool {
    let Ok(dir) = dir.canonicalize() else {
        return false;
    };
    paths
        .iter()
        .all(|p| p.canonicalize().is_ok_and(|p| p.starts_with(&dir)))
}

/// The runner whose history table tells what is released: the chosen one, else the one the
/// folders' layout points to.
fn history_runner(args: &LintArgs, options: &LintOptions) -> Result<Runner> {
    if options.runner_origin.is_some() || args.paths.is_empty() {
        return Ok(options.runner);
    }
    let found = lint::discover::discover(&args.paths, args.max_file_mib * 1024 * 1024)?;
    Ok(found.runner.map_or(options.runner, |(runner, _)| runner))
}

/// Prints the findings and the lock report (`--explain-locks`): the human format after the
/// findings, JSON as a `locks` array of the same document; other formats keep stdout for the
/// findings and get the lock report on stderr.
fn print_with_locks(report: &LintReport, format: LintFormat) -> Result<()> {
    let (entries, sources) = (&report.locks, &report.sources);
    if format == LintFormat::Json {
        let findings = report::render_json(&report.diagnostics, sources);
        let mut doc: serde_json::Value = serde_json::from_str(&findings).unwrap_or_default();
        doc["locks"] = lint::lock_report::render_json(entries, sources);
        emit(&(serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"))?;
        return Ok(());
    }
    print_report(report, format)?;
    let text = lint::lock_report::render_text(entries, sources);
    if format == LintFormat::Human {
        emit(&format!("\n{text}"))?;
    } else {
        note(&text);
    }
    Ok(())
}

/// Lints explicit paths (no file over `max_file_bytes` read), or every bundle migration in
/// version order plus the sum file check.
pub(super) fn lint_paths_or_bundles(
    config: &Config,
    paths: &[PathBuf],
    max_file_bytes: u64,
    options: &LintOptions,
) -> Result<LintReport> {
    if !paths.is_empty() {
        return lint_paths(config, paths, max_file_bytes, options);
    }
    let project = super::load_project(config, None)?;
    let mut report = lint::lint_sources(lint::bundle_sources(&project), options);
    let problems = sum::check(&project, &config.sql_dir);
    report.extend(lint::rules::sum_mismatch::diagnostics(&problems), options);
    report.setup.exposed_origin = exposed_origin(config).into();
    Ok(report)
}

/// Lints files and folders (none over `max_file_bytes` read) with the runner and exposed schemas
/// their layout points to, unless chosen explicitly.
fn lint_paths(
    config: &Config,
    paths: &[PathBuf],
    max_file_bytes: u64,
    options: &LintOptions,
) -> Result<LintReport> {
    let found = lint::discover::discover(paths, max_file_bytes)?;
    let mut options = options.clone();
    let mut runner_origin = options.runner_origin.clone();
    if runner_origin.is_none()
        && let Some((runner, why)) = &found.runner
    {
        options.runner = *runner;
        runner_origin = Some(format!("detected from {why}"));
    }
    options.runner_origin = runner_origin;
    let mut exposed_origin = exposed_origin(config).to_string();
    if !config.exposed_schemas_explicit {
        if let Some((schemas, file)) = &found.exposed_schemas {
            options.exposed_schemas = schemas.clone();
            exposed_origin = format!("{} [api] schemas", file.display());
        } else if !matches!(options.runner, Runner::Eventos | Runner::Supabase) {
            options.exposed_schemas.clear();
            exposed_origin = format!(
                "none (a {} project outside a Supabase project; set exposed_schemas in eventos.toml)",
                options.runner.id()
            );
        }
    }
    options.no_transaction_files = found.no_transaction_files;
    let mut report = lint::lint_on_disk(found.files, found.sizes, max_file_bytes, &options)?;
    report.setup.exposed_origin = exposed_origin;
    report.setup.warnings = found.warnings;
    Ok(report)
}

fn exposed_origin(config: &Config) -> &'static str {
    if config.exposed_schemas_explicit {
        "eventos.toml"
    } else {
        "default"
    }
}

/// Prints the setup warnings (stderr), then the diagnostics in `format`; the human format adds
/// a summary line.
pub(super) fn print_report(report: &LintReport, format: LintFormat) -> Result<()> {
    for warning in &report.setup.warnings {
        note(&format!("warning: {warning}\n"));
    }
    let (diagnostics, sources) = (&report.diagnostics, &report.sources);
    let mut out = StdoutChunks::new();
    // A failed write means stdout was closed: `finish` reports it.
    let _ = match format {
        LintFormat::Human => report::lint::write_human_report(&mut out, report),
        LintFormat::Json => out.write_str(&report::render_json(diagnostics, sources)),
        LintFormat::Sarif => out.write_str(&report::render_sarif(diagnostics, sources, RULES)),
        LintFormat::Github => report::write_github(&mut out, diagnostics, sources),
        LintFormat::Gcc => report::write_gcc(&mut out, diagnostics, sources),
    };
    out.finish()?;
    Ok(())
}
