//! `migrate baseline --to <version>`: adopt a database whose schema already exists by recording
//! every pending migration up to `version` as applied, through refinery's `Target::FakeVersion`.
//! Out-of-order files are recorded too: recording a file whose history row was deleted is what
//! baseline is for.

use anyhow::{Result, bail};
use tokio_postgres::Client;

use super::driver::{StepContext, record_applied};
use super::up::{diverged_rows, ensure_history_schema};
use super::{StatusRow, compute_status, read_history};
use crate::bundle::{Migration, Project};
use crate::db::MigrationLock;

/// How a baseline ended.
#[derive(Debug)]
pub enum BaselineOutcome {
    /// These migrations were recorded as applied without running.
    Recorded(Vec<StatusRow>),
    /// The history disagrees with the files; nothing was recorded.
    Diverged(Vec<StatusRow>),
}

/// Records every pending migration with a version `<= to` as applied.
pub async fn migrate_baseline(
    client: &mut Client,
    _lock: &MigrationLock,
    project: &Project,
    to: u32,
    history_table: &str,
) -> Result<BaselineOutcome> {
    if !project.migrations().any(|m| m.version == to) {
        bail!("no migration has version {to}\nhelp: pick a version from `eventos status`");
    }
    let history = read_history(client, history_table, project).await?;
    let status = compute_status(project, &history);
    let diverged = diverged_rows(&status);
    if !diverged.is_empty() {
        return Ok(BaselineOutcome::Diverged(diverged));
    }
    let recorded: Vec<StatusRow> = status
        .into_iter()
        .filter(|r| r.version <= to && r.is_pending())
        .collect();
    let files: Vec<&Migration> = project
        .migrations()
        .filter(|m| recorded.iter().any(|r| r.version == m.version))
        .collect();
    ensure_history_schema(client, history_table).await?;
    let step = StepContext {
        history: &history,
        history_table,
        table_exists: !history.is_empty(),
    };
    record_applied(client, step, project, &files).await?;
    Ok(BaselineOutcome::Recorded(recorded))
}
