//! `eventos verify`.

use anyhow::Result;
use tokio_postgres::Client;

use super::{Outcome, emit};
use crate::bundle::Project;
use crate::cli::VerifyArgs;
use crate::report::Style;
use crate::verify::{CheckResult, verify};

/// Verifies the live database against the plans.
pub async fn run(config: &crate::config::Config, args: VerifyArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;
    let db = super::open_database(&project, &args.connection, phase).await?;
    run_checks(&db.client, &project, phase).await
}

/// Runs and prints the checks; failure when any check failed.
pub(super) async fn run_checks(
    client: &Client,
    project: &Project,
    phase: Option<u8>,
) -> Result<Outcome> {
    let results = verify(client, project, phase).await?;
    let style = Style::for_stdout();
    emit(&render(&results, style));
    Ok(Outcome::from_failed(results.iter().any(|r| !r.passed())))
}

fn render(results: &[CheckResult], style: Style) -> String {
    let mut out = String::new();
    for result in results {
        if result.passed() {
            out.push_str(&format!(
                "{} {} {}\n",
                style.ok("pass"),
                result.check,
                result.subject
            ));
        } else {
            out.push_str(&format!(
                "{} {} {}\n",
                style.error("FAIL"),
                result.check,
                result.subject
            ));
            for failure in &result.failures {
                out.push_str(&format!("       {failure}\n"));
            }
        }
    }
    let failed = results.iter().filter(|r| !r.passed()).count();
    let summary = format!("verify: {} checks, {failed} failed\n", results.len());
    out.push_str(&if failed > 0 {
        style.error(&summary)
    } else {
        style.ok(&summary)
    });
    out
}
