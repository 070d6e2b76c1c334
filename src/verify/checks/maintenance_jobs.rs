//! `maintenance-jobs` — every maintenance job of the schema (`eventos_private.maintenance_jobs`,
//! phase 4) is scheduled by pg_cron or has run recently, and its last run did not fail.
//!
//! Why: partitions, audit sealing, hold expiry, biometric purges and archiving happen only when
//! their jobs run; a job nobody runs fails silently (rows fall into DEFAULT partitions, audit
//! rows stay unsealed, expired biometric data stays). "Recently" means within one period plus
//! one more (at least 15 minutes) of its last run, or of its registration if it never ran.
//! Databases without the job table (phase 4 not applied) have nothing to check.
//! Fix: on Supabase, enable pg_cron and run `SELECT public.register_maintenance_jobs();`;
//! elsewhere run `eventos maintain` from a system cron or CI (every minute).

use anyhow::Result;
use tokio_postgres::Client;

use super::{Check, CheckResult, Severity};
use crate::maintain;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "maintenance-jobs",
    level: Severity::Warning,
    summary: "every maintenance job is scheduled by pg_cron or ran recently, and did not fail",
    help: "SELECT public.register_maintenance_jobs(); with pg_cron, else run `eventos maintain` every minute",
    doc: include_str!("../../../docs/checks/maintenance-jobs.md"),
    splinter: &[],
    run: None,
};

/// One result per job (none when the database has no maintenance jobs); a job table that
/// cannot be read is one failed result with the SQL error, never an aborted run.
pub async fn run(client: &Client) -> Vec<CheckResult> {
    match read(client).await {
        Ok(results) => results,
        Err(err) => vec![CheckResult::new(
            CHECK.id,
            "eventos_private.maintenance_jobs",
            vec![format!("the maintenance jobs could not be read: {err:#}")],
        )],
    }
}

async fn read(client: &Client) -> Result<Vec<CheckResult>> {
    if !maintain::has_jobs(client).await? {
        return Ok(Vec::new());
    }
    Ok(maintain::jobs(client)
        .await?
        .iter()
        .map(|job| CheckResult::with_level(CHECK.id, &job.name, CHECK.level, findings(job)))
        .collect())
}

/// What is wrong with one job, as warnings.
fn findings(job: &maintain::Job) -> Vec<String> {
    let mut out = Vec::new();
    if !job.scheduled_by_pg_cron && job.overdue {
        let last = job
            .last_started_at
            .as_deref()
            .map_or("never ran".to_string(), |at| format!("last ran {at}"));
        out.push(format!(
            "job {} ({}) is neither scheduled by pg_cron nor run recently ({last}): run `eventos maintain` or schedule it",
            job.name, job.every
        ));
    }
    if job.last_status.as_deref() == Some("failed") {
        out.push(format!(
            "job {}'s last run failed: {}",
            job.name,
            job.last_result.as_deref().unwrap_or("no message")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(overdue: bool, cron: bool, status: Option<&str>) -> maintain::Job {
        maintain::Job {
            name: "eventos-x".into(),
            schedule: "0 * * * *".into(),
            every: "01:00:00".into(),
            description: String::new(),
            last_started_at: None,
            last_status: status.map(String::from),
            last_result: Some("boom".into()),
            due: true,
            overdue,
            scheduled_by_pg_cron: cron,
        }
    }

    #[test]
    fn warns_about_unscheduled_overdue_and_failed_jobs_only() {
        assert!(findings(&job(false, false, None)).is_empty());
        assert!(findings(&job(true, true, Some("succeeded"))).is_empty());
        assert_eq!(
            findings(&job(true, false, None)),
            vec![
                "job eventos-x (01:00:00) is neither scheduled by pg_cron nor run recently (never ran): run `eventos maintain` or schedule it"
            ]
        );
        assert_eq!(
            findings(&job(false, true, Some("failed"))),
            vec!["job eventos-x's last run failed: boom"]
        );
    }
}
