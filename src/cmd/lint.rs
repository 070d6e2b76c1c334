//! `eventos lint [PATHS…]`: lint files, folders or the project's bundles and print the findings
//! in the chosen format. Exit 0 clean, 1 on errors (or warnings with `--deny-warnings`).

use std::path::PathBuf;

use anyhow::{Context, Result};

use super::{Outcome, emit, note};
use crate::base::{Runner, Severity};
use crate::bundle::sum;
use crate::cli::{LintArgs, LintFormat};
use crate::config::Config;
use crate::lint::{self, LintOptions, LintReport, RULES};
use crate::report;

/// Lints the given paths, or the project's bundles (and their sum file) when none are given.
pub async fn run(config: &Config, args: LintArgs) -> Result<Outcome> {
    let mut options = LintOptions::from_config(config)?;
    if let Some(runner) = args.runner {
        options.runner = runner;
        options.runner_origin = Some("--runner".into());
    }
    if let Some(url) = &args.database_url {
        options.catalog = Some(read_catalog(url).await?);
    }
    let limit = args.max_file_mib * 1024 * 1024;
    let report = lint_paths_or_bundles(config, &args.paths, limit, &options)?;
    print_report(&report, args.format)?;
    let failed = report.count(Severity::Error) > 0
        || (args.deny_warnings && report.count(Severity::Warning) > 0);
    Ok(Outcome::from_failed(failed))
}

async fn read_catalog(url: &str) -> Result<lint::Catalog> {
    let client = crate::db::connect(url).await?;
    lint::catalog::load(&client)
        .await
        .with_context(|| format!("lint --database-url {}", crate::db::redact_url(url)))
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
    let mut report = lint::lint_sources(found.sources, &options);
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
    emit(&match format {
        LintFormat::Human => report::lint::human(report),
        LintFormat::Json => report::render_json(diagnostics, sources),
        LintFormat::Sarif => report::render_sarif(diagnostics, sources, RULES),
        LintFormat::Github => report::render_github(diagnostics, sources),
        LintFormat::Gcc => report::render_gcc(diagnostics, sources),
    })?;
    Ok(())
}
