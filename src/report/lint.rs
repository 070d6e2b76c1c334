//! `eventos lint` for people: the diagnostics, then one summary line with the setup the lint
//! assumed (runner, exposed schemas) and where it came from.

use super::{render_human, style};
use crate::base::Severity;
use crate::lint::{LintReport, LintSetup};

/// Diagnostics and the summary line (styled).
pub fn human(report: &LintReport) -> String {
    let mut out = render_human(&report.diagnostics, &report.sources);
    let errors = report.count(Severity::Error);
    let summary = format!(
        "lint: {} files, {errors} errors, {} warnings; runner: {}; exposed schemas: {}; released: {}\n",
        report.sources.len(),
        report.count(Severity::Warning),
        runner_summary(&report.setup),
        exposed_summary(&report.setup),
        report.setup.released,
    );
    out.push_str(&if errors > 0 {
        style::error(&summary)
    } else {
        style::ok(&summary)
    });
    out
}

/// `public, api (from …)`, or the reason none is exposed.
fn exposed_summary(setup: &LintSetup) -> String {
    let origin = match setup.exposed_origin.as_str() {
        "default" => "default; set exposed_schemas in eventos.toml",
        other => other,
    };
    if setup.exposed_schemas.is_empty() {
        origin.to_string()
    } else {
        format!("{} ({origin})", setup.exposed_schemas.join(", "))
    }
}

/// `eventos (default; …)`: the runner and where it came from.
fn runner_summary(setup: &LintSetup) -> String {
    let origin = match setup.runner_origin.as_str() {
        "default" => "default; choose with --runner",
        other => other,
    };
    format!("{} ({origin})", setup.runner.id())
}

/// The preflight of `migrate up`: the lint errors that stop it, and what to do.
pub fn preflight_failure(report: &LintReport) -> String {
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    format!(
        "{}migrate: preflight failed: {} lint errors; nothing was applied\nhelp: run `eventos lint` and fix them\n",
        render_human(&errors, &report.sources),
        errors.len()
    )
}
