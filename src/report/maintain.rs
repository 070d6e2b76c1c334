//! `eventos maintain`: one line per job for people, one JSON document for machines.

use serde::Serialize;

use super::table::aligned;
use crate::maintain::{JobRun, Outcome};

/// What happened to a job, and the detail (result, error or reason).
fn outcome_text(outcome: &Outcome) -> (&'static str, &str) {
    match outcome {
        Outcome::Succeeded(result) => ("ran", result),
        Outcome::Failed(error) => ("FAILED", error),
        Outcome::WouldRun => ("would run", ""),
        Outcome::Skipped(reason) => ("skipped", reason),
    }
}

/// The database line, the jobs table and a summary line.
pub fn human(display_url: &str, runs: &[JobRun]) -> String {
    let mut table = vec![["JOB", "SCHEDULE", "ACTION", "MS", "DETAIL"].map(String::from)];
    for run in runs {
        let (action, detail) = outcome_text(&run.outcome);
        let ran = run.millis > 0 || matches!(run.outcome, Outcome::Succeeded(_));
        table.push([
            run.job.name.clone(),
            run.job.schedule.clone(),
            action.to_string(),
            if ran {
                run.millis.to_string()
            } else {
                "-".into()
            },
            detail.to_string(),
        ]);
    }
    let ran = runs
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Succeeded(_) | Outcome::Failed(_)))
        .count();
    let failed = runs.iter().filter(|r| r.failed()).count();
    format!(
        "database: {display_url}\n{}maintain: {ran} jobs run, {failed} failed\n",
        aligned(&table)
    )
}

/// The maintenance document.
#[derive(Serialize)]
struct Document<'a> {
    failed: usize,
    jobs: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    job: &'a str,
    schedule: &'a str,
    action: String,
    detail: &'a str,
    millis: u128,
    last_started_at: Option<&'a str>,
    scheduled_by_pg_cron: bool,
}

/// `{"failed": n, "jobs": [{job, schedule, action, detail, millis, last_started_at,
/// scheduled_by_pg_cron}]}` on one line.
pub fn json(runs: &[JobRun]) -> String {
    let document = Document {
        failed: runs.iter().filter(|r| r.failed()).count(),
        jobs: runs
            .iter()
            .map(|r| {
                let (action, detail) = outcome_text(&r.outcome);
                Entry {
                    job: &r.job.name,
                    schedule: &r.job.schedule,
                    action: action.to_lowercase(),
                    detail,
                    millis: r.millis,
                    last_started_at: r.job.last_started_at.as_deref(),
                    scheduled_by_pg_cron: r.job.scheduled_by_pg_cron,
                }
            })
            .collect(),
    };
    serde_json::to_string(&document).expect("the maintenance document serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maintain::Job;

    fn runs() -> Vec<JobRun> {
        let job = |name: &str| Job {
            name: name.into(),
            schedule: "*/5 * * * *".into(),
            every: "00:05:00".into(),
            description: "d".into(),
            last_started_at: Some("2026-01-02T03:04:05Z".into()),
            last_status: None,
            last_result: None,
            due: true,
            overdue: false,
            scheduled_by_pg_cron: false,
        };
        vec![
            JobRun {
                job: job("eventos-expire-holds"),
                outcome: Outcome::Succeeded("3 holds expired".into()),
                millis: 12,
            },
            JobRun {
                job: job("eventos-partitions"),
                outcome: Outcome::Failed("permission denied".into()),
                millis: 3,
            },
            JobRun {
                job: job("eventos-seal-audit-log"),
                outcome: Outcome::Skipped("not due"),
                millis: 0,
            },
        ]
    }

    #[test]
    fn the_table_has_one_line_per_job_and_a_summary() {
        insta::assert_snapshot!(human("postgres://localhost/app", &runs()));
    }

    #[test]
    fn the_json_document_has_one_entry_per_job() {
        insta::assert_snapshot!(json(&runs()));
    }
}
