//! `eventos diff`: flags → [`diff::Request`] → [`diff::run`] → the report, JSON or a draft
//! migration. Exit 0 no drift, 1 drift, 2 error.

use anyhow::{Result, bail};

use super::{Outcome, emit, note};
use crate::cli::{DiffArgs, DiffFormat};
use crate::config::Config;
use crate::diff::{self, Report};
use crate::report;

/// Compares the database with the bundles and prints what differs.
pub async fn run(config: &Config, args: DiffArgs) -> Result<Outcome> {
    let project = super::load_project(config, args.phase)?;
    let Some(url) = args.database_url.as_deref() else {
        bail!("no database given\nhelp: pass --database-url, set DATABASE_URL (or put it in .env)");
    };
    let request = diff::Request {
        database_url: url,
        phase: args.phase,
        shadow_url: args.shadow_url.as_deref(),
    };
    let report = diff::run(&project, config, &request).await?;
    let output = if args.sql {
        Output::Sql
    } else {
        match args.format {
            DiffFormat::Human => Output::Human,
            DiffFormat::Json => Output::Json,
        }
    };
    print(&report, output)?;
    Ok(Outcome::from_failed(report.diff.drifted()))
}

/// What to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Output {
    /// The grouped text report.
    Human,
    /// The JSON document.
    Json,
    /// The draft migration on stdout, the summary on stderr.
    Sql,
}

/// Prints `report` as asked.
pub(super) fn print(report: &Report, output: Output) -> Result<()> {
    match output {
        Output::Human => emit(&report::diff::human(report))?,
        Output::Json => emit(&report::diff::json(report))?,
        Output::Sql => {
            let diff = &report.diff;
            emit(&diff::sql::draft(
                &diff.changes,
                &diff.database,
                &diff.search_path,
                &report.database,
            ))?;
            note(&report::diff::summary(diff));
            for line in &report.notes {
                note(&format!("note: {line}\n"));
            }
        }
    }
    Ok(())
}
