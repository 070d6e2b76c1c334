//! `eventos lint` for people: the diagnostics, then one summary line with the setup the lint
//! assumed (runner, exposed schemas) and where it came from.

use std::fmt::Write;

use super::{style, write_human};
use crate::base::Severity;
use crate::lint::{LintReport, LintSetup};

/// Diagnostics and the summary line (styled), written to `out` as they are rendered.
pub fn write_human_report(out: &mut impl Write, report: &LintReport) -> std::fmt::Result {
    write_human(out, &report.diagnostics, &report.sources)?;
    let errors = report.count(Severity::Error);
    let summary = format!(
        "lint: {} files, {errors} errors, {} warnings; runner: {}; exposed schemas: {}; released: {}\n",
        report.sources.len(),
        report.count(Severity::Warning),
        runner_summary(&report.setup),
        exposed_summary(&report.setup),
        report.setup.released,
    );
    out.write_str(&if errors > 0 {
        style::error(&summary)
    } else {
        style::ok(&summary)
    })
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
    let mut out = String::new();
    write_human(&mut out, &errors, &report.sources).expect("writing to a String cannot fail");
    let _ = write!(
        out,
        "migrate: preflight failed: {} lint errors; nothing was applied\nhelp: run `eventos lint` and fix them\n",
        errors.len()
    );
    out
}
