//! `migrate down --phase N`: run that phase's rollback script and remove its history rows, in one
//! transaction; refused while a later phase is applied. A failure names the script's statement
//! that failed, even without a server position (see `driver`).

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::driver::{locate_statement, run_counting};
use super::{AppliedMigration, FailedMigration, read_history};
use crate::bundle::Project;
use crate::db::MigrationLock;

/// How a `migrate down` ended.
#[derive(Debug)]
pub enum DownOutcome {
    /// The rollback ran; this many history rows were removed.
    RolledBack(u64),
    /// Nothing of the phase is applied.
    NotApplied,
    /// Later phases are applied (these history rows); nothing changed.
    LaterPhaseApplied(Vec<AppliedMigration>),
    /// The rollback script failed and was rolled back.
    Failed(FailedMigration),
}

/// The version range of phase `phase`: `phase*1000+1 ..= phase*1000+999`.
pub fn phase_versions(phase: u8) -> std::ops::RangeInclusive<u32> {
    let base = u32::from(phase) * 1000;
    base + 1..=base + 999
}

/// Rolls back phase `phase` of `project`.
pub async fn migrate_down(
    client: &mut Client,
    _lock: &MigrationLock,
    project: &Project,
    phase: u8,
    history_table: &str,
) -> Result<DownOutcome> {
    let bundle = project
        .bundles
        .iter()
        .find(|b| b.phase() == phase)
        .with_context(|| format!("the project has no phase {phase}"))?;
    let history = read_history(client, history_table, project).await?;
    let range = phase_versions(phase);
    let later: Vec<AppliedMigration> = history
        .iter()
        .filter(|m| m.version > *range.end())
        .cloned()
        .collect();
    if !later.is_empty() {
        return Ok(DownOutcome::LaterPhaseApplied(later));
    }
    if !history.iter().any(|m| range.contains(&m.version)) {
        return Ok(DownOutcome::NotApplied);
    }
    let tx = client
        .transaction()
        .await
        .context("starting the rollback transaction")?;
    let sql = &bundle.rollback_sql;
    if let Err((completed, err)) = run_counting(tx.client(), sql).await {
        let failure = locate_statement(&bundle.rollback_path, sql, completed, &err);
        return Ok(DownOutcome::Failed(failure));
    }
    let removed = tx
        .execute(
            &format!("DELETE FROM {history_table} WHERE version BETWEEN $1 AND $2"),
            &[&(*range.start() as i32), &(*range.end() as i32)],
        )
        .await
        .with_context(|| format!("removing phase {phase} from {history_table}"))?;
    tx.commit().await.context("committing the rollback")?;
    Ok(DownOutcome::RolledBack(removed))
}

#[cfg(test)]
mod tests {
    use super::phase_versions;

    #[test]
    fn phase_ranges_match_the_bundle_rules() {
        assert_eq!(phase_versions(0), 1..=999);
        assert_eq!(phase_versions(3), 3001..=3999);
    }
}
