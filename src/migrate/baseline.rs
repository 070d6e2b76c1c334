//! `migrate baseline --to <version>`: adopt a database whose schema already exists by recording
//! every migration up to `version` as applied, through refinery's `Target::FakeVersion`.

use anyhow::{Result, bail};
use refinery::Target;
use tokio_postgres::Client;

use super::up::{diverged_rows, ensure_history_schema, record, refinery_migrations};
use super::{MigrationState, StatusRow, compute_status, read_history};
use crate::bundle::Project;
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
    ensure_history_schema(client, history_table).await?;
    let status = compute_status(project, &read_history(client, history_table).await?);
    let diverged = diverged_rows(&status);
    if !diverged.is_empty() {
        return Ok(BaselineOutcome::Diverged(diverged));
    }
    let recorded: Vec<StatusRow> = status
        .into_iter()
        .filter(|r| r.version <= to && r.state == MigrationState::Pending)
        .collect();
    record(
        client,
        &refinery_migrations(project)?,
        Target::FakeVersion(to as i32),
        history_table,
    )
    .await?;
    Ok(BaselineOutcome::Recorded(recorded))
}
