//! Scheduled maintenance where pg_cron is absent: list the schema's maintenance jobs
//! (`eventos_private.maintenance_jobs`, phase 4) with what is due, and run the due ones once.
//!
//! Each job runs through `public.run_maintenance_job(name)`, which records its outcome in the
//! database (so `eventos verify` and pg_cron-less CI see when a job last ran). A job that
//! pg_cron schedules is left to pg_cron unless forced. Engines return data; `cmd/maintain.rs`
//! renders it.

use std::time::Instant;

use anyhow::{Context, Result, bail};
use tokio_postgres::Client;

/// One maintenance job and its state, as the database sees it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// `eventos-…`.
    pub name: String,
    /// Cron expression (what pg_cron is given).
    pub schedule: String,
    /// The period as text, e.g. `00:05:00` or `1 day`.
    pub every: String,
    /// What the job does.
    pub description: String,
    /// When it last started (UTC, ISO 8601), if ever.
    pub last_started_at: Option<String>,
    /// `succeeded` / `failed` of the last run.
    pub last_status: Option<String>,
    /// The last run's result or error.
    pub last_result: Option<String>,
    /// A period has passed since the last start (or it never ran).
    pub due: bool,
    /// A whole extra period (at least 15 minutes) has passed since it should have run.
    pub overdue: bool,
    /// pg_cron has an active job of this name.
    pub scheduled_by_pg_cron: bool,
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only these jobs (default: every job).
    pub only: Vec<String>,
    /// Run even when not due or scheduled by pg_cron.
    pub force: bool,
    /// Decide, but run nothing.
    pub dry_run: bool,
}

/// What happened to one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It ran and succeeded, with its result.
    Succeeded(String),
    /// It ran and failed, with the error.
    Failed(String),
    /// It would run (dry run).
    WouldRun,
    /// Not run, and why.
    Skipped(&'static str),
}

/// One job's line of a maintenance run.
#[derive(Debug, Clone)]
pub struct JobRun {
    /// The job.
    pub job: Job,
    /// What happened.
    pub outcome: Outcome,
    /// Wall time of the run in milliseconds (0 when it did not run).
    pub millis: u128,
}

impl JobRun {
    /// Whether the job ran and failed.
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Failed(_))
    }
}

/// Every job, the audit sealer last (so that it seals what the other jobs wrote).
const JOBS_SQL: &str = "
SELECT j.name, j.schedule, j.every::text, j.description,
       to_char(j.last_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
       j.last_status, j.last_result,
       j.last_started_at IS NULL OR j.last_started_at + j.every <= now(),
       coalesce(j.last_finished_at, j.last_started_at, j.registered_at) + j.every
         + greatest(j.every, interval '15 minutes') < now(),
       j.name = ANY ($1::text[])
FROM eventos_private.maintenance_jobs AS j
ORDER BY j.name = 'eventos-seal-audit-log', j.name";

/// Active pg_cron job names, if pg_cron (or a stand-in with a `cron.job` table) is installed.
async fn pg_cron_jobs(client: &Client) -> Result<Vec<String>> {
    let present: bool = client
        .query_one("SELECT to_regclass('cron.job') IS NOT NULL", &[])
        .await?
        .get(0);
    if !present {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            "SELECT j.jobname::text FROM cron.job AS j
             WHERE j.jobname IS NOT NULL AND coalesce((to_jsonb(j) ->> 'active')::boolean, true)",
            &[],
        )
        .await
        .context("reading pg_cron's cron.job")?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

/// Whether the database has the maintenance job table (schema v2, phase 4).
pub async fn has_jobs(client: &Client) -> Result<bool> {
    Ok(client
        .query_one(
            "SELECT to_regclass('eventos_private.maintenance_jobs') IS NOT NULL",
            &[],
        )
        .await?
        .get(0))
}

/// Every maintenance job with its state, the audit sealer last.
pub async fn jobs(client: &Client) -> Result<Vec<Job>> {
    if !has_jobs(client).await? {
        bail!(
            "this database has no maintenance jobs (eventos_private.maintenance_jobs)\nhelp: apply phase 4 first: eventos migrate up"
        );
    }
    let cron = pg_cron_jobs(client).await?;
    let rows = client
        .query(JOBS_SQL, &[&cron])
        .await
        .context("reading eventos_private.maintenance_jobs")?;
    Ok(rows
        .iter()
        .map(|r| Job {
            name: r.get(0),
            schedule: r.get(1),
            every: r.get(2),
            description: r.get(3),
            last_started_at: r.get(4),
            last_status: r.get(5),
            last_result: r.get(6),
            due: r.get(7),
            overdue: r.get(8),
            scheduled_by_pg_cron: r.get(9),
        })
        .collect())
}

/// Decides for every job whether to run it, runs those (unless a dry run), and reports each.
pub async fn run(client: &Client, options: &Options) -> Result<Vec<JobRun>> {
    let all = jobs(client).await?;
    if let Some(unknown) = options
        .only
        .iter()
        .find(|name| !all.iter().any(|j| &j.name == *name))
    {
        let known: Vec<&str> = all.iter().map(|j| j.name.as_str()).collect();
        bail!(
            "no maintenance job named {unknown}\nhelp: the jobs are {}",
            known.join(", ")
        );
    }
    let mut runs = Vec::new();
    for job in all {
        let decision = decide(&job, options);
        let run = match decision {
            Some(reason) => JobRun {
                job,
                outcome: Outcome::Skipped(reason),
                millis: 0,
            },
            None if options.dry_run => JobRun {
                job,
                outcome: Outcome::WouldRun,
                millis: 0,
            },
            None => run_one(client, job).await?,
        };
        runs.push(run);
    }
    Ok(runs)
}

/// `None` to run the job, else why it is skipped.
fn decide(job: &Job, options: &Options) -> Option<&'static str> {
    if !options.only.is_empty() && !options.only.contains(&job.name) {
        return Some("not selected");
    }
    if options.force {
        return None;
    }
    if job.scheduled_by_pg_cron {
        return Some("scheduled by pg_cron");
    }
    if !job.due {
        return Some("not due");
    }
    None
}

async fn run_one(client: &Client, job: Job) -> Result<JobRun> {
    let started = Instant::now();
    let report: String = client
        .query_one("SELECT public.run_maintenance_job($1)", &[&job.name])
        .await
        .with_context(|| format!("running maintenance job {}", job.name))?
        .get(0);
    let millis = started.elapsed().as_millis();
    let outcome = match report.split_once(": ") {
        Some(("failed", error)) => Outcome::Failed(error.to_string()),
        Some((_, result)) => Outcome::Succeeded(result.to_string()),
        None if report == "failed" => Outcome::Failed(String::new()),
        None => Outcome::Succeeded(String::new()),
    };
    Ok(JobRun {
        job,
        outcome,
        millis,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(name: &str, due: bool, cron: bool) -> Job {
        Job {
            name: name.into(),
            schedule: "* * * * *".into(),
            every: "00:01:00".into(),
            description: String::new(),
            last_started_at: None,
            last_status: None,
            last_result: None,
            due,
            overdue: false,
            scheduled_by_pg_cron: cron,
        }
    }

    #[test]
    fn runs_due_jobs_that_pg_cron_does_not_schedule() {
        let options = Options::default();
        assert_eq!(decide(&job("eventos-a", true, false), &options), None);
        assert_eq!(
            decide(&job("eventos-a", false, false), &options),
            Some("not due")
        );
        assert_eq!(
            decide(&job("eventos-a", true, true), &options),
            Some("scheduled by pg_cron")
        );
    }

    #[test]
    fn force_and_selection() {
        let forced = Options {
            force: true,
            ..Options::default()
        };
        assert_eq!(decide(&job("eventos-a", false, true), &forced), None);
        let only = Options {
            only: vec!["eventos-b".into()],
            ..Options::default()
        };
        assert_eq!(
            decide(&job("eventos-a", true, false), &only),
            Some("not selected")
        );
        assert_eq!(decide(&job("eventos-b", true, false), &only), None);
    }
}
