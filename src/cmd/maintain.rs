//! `eventos maintain`: run the schema's due maintenance jobs once (where pg_cron is absent).

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::{MaintainArgs, MaintainFormat};
use crate::config::Config;
use crate::maintain::{self, JobRun, Options};

/// Runs the due jobs (or those named with `--job`) and prints one line per job.
pub async fn run(config: &Config, args: MaintainArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let db = super::open_database(&project, &args.connection, None).await?;
    let options = Options {
        only: args.jobs,
        force: args.force,
        dry_run: args.dry_run,
    };
    let runs = maintain::run(&db.client, &options).await?;
    match args.format {
        MaintainFormat::Human => {
            emit(&format!("database: {}\n", db.display_url));
            emit(&render_table(&runs));
        }
        MaintainFormat::Json => emit(&(render_json(&runs) + "\n")),
    }
    Ok(Outcome::from_failed(runs.iter().any(JobRun::failed)))
}

fn outcome_text(outcome: &maintain::Outcome) -> (String, String) {
    match outcome {
        maintain::Outcome::Succeeded(result) => ("ran".into(), result.clone()),
        maintain::Outcome::Failed(error) => ("FAILED".into(), error.clone()),
        maintain::Outcome::WouldRun => ("would run".into(), String::new()),
        maintain::Outcome::Skipped(reason) => ("skipped".into(), (*reason).to_string()),
    }
}

fn render_json(runs: &[JobRun]) -> String {
    let jobs: Vec<serde_json::Value> = runs
        .iter()
        .map(|r| {
            let (action, detail) = outcome_text(&r.outcome);
            serde_json::json!({
                "job": r.job.name,
                "schedule": r.job.schedule,
                "action": action.to_lowercase(),
                "detail": detail,
                "millis": r.millis,
                "last_started_at": r.job.last_started_at,
                "scheduled_by_pg_cron": r.job.scheduled_by_pg_cron,
            })
        })
        .collect();
    let failed = runs.iter().filter(|r| r.failed()).count();
    serde_json::json!({ "failed": failed, "jobs": jobs }).to_string()
}

fn render_table(runs: &[JobRun]) -> String {
    let mut table = vec![["JOB", "SCHEDULE", "ACTION", "MS", "DETAIL"].map(String::from)];
    for run in runs {
        let (action, detail) = outcome_text(&run.outcome);
        table.push([
            run.job.name.clone(),
            run.job.schedule.clone(),
            action,
            if run.millis > 0 || matches!(run.outcome, maintain::Outcome::Succeeded(_)) {
                run.millis.to_string()
            } else {
                "-".into()
            },
            detail,
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out: String = table
        .iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            cells.join("  ").trim_end().to_string() + "\n"
        })
        .collect();
    let ran = runs
        .iter()
        .filter(|r| {
            matches!(
                r.outcome,
                maintain::Outcome::Succeeded(_) | maintain::Outcome::Failed(_)
            )
        })
        .count();
    let failed = runs.iter().filter(|r| r.failed()).count();
    out.push_str(&format!("maintain: {ran} jobs run, {failed} failed\n"));
    out
}
