//! `eventos maintain`: run the schema's due maintenance jobs once (where pg_cron is absent).

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::{MaintainArgs, MaintainFormat};
use crate::config::Config;
use crate::maintain::{self, JobRun, Options};
use crate::report;

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
    emit(&match args.format {
        MaintainFormat::Human => report::maintain::human(&db.display_url, &runs),
        MaintainFormat::Json => report::maintain::json(&runs),
    })?;
    Ok(Outcome::from_failed(runs.iter().any(JobRun::failed)))
}
