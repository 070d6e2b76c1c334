//! `eventos lint [PATHS…]`.

use anyhow::Result;

use super::Outcome;
use crate::cli::LintArgs;
use crate::config::Config;
use crate::lint::{self, LintReport};
use crate::report::{Severity, Style, render_human};

/// Lints the given paths, or the project's bundles when none are given.
pub fn run(config: &Config, args: LintArgs) -> Result<Outcome> {
    let report = lint_paths_or_bundles(config, &args.paths)?;
    print_report(&report);
    Ok(Outcome::from_failed(report.count(Severity::Error) > 0))
}

/// Lints explicit paths, or every bundle migration in version order.
pub(super) fn lint_paths_or_bundles(
    config: &Config,
    paths: &[std::path::PathBuf],
) -> Result<LintReport> {
    let sources = if paths.is_empty() {
        lint::bundle_sources(&super::load_project(config, None)?)
    } else {
        lint::path_sources(paths)?
    };
    Ok(lint::lint_sources(sources))
}

/// Prints diagnostics and a summary line.
pub(super) fn print_report(report: &LintReport) {
    let style = Style::for_stdout();
    super::emit(&render_human(&report.diagnostics, &report.sources, style));
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let summary = format!(
        "lint: {} files, {errors} errors, {warnings} warnings\n",
        report.sources.len()
    );
    super::emit(&if errors > 0 {
        style.error(&summary)
    } else {
        style.ok(&summary)
    });
}
