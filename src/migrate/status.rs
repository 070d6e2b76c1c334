//! The state of every migration: a pure comparison of the bundles with the history table.
//!
//! A pending file older than the newest applied migration is [`MigrationState::OutOfOrder`]: a
//! file added to an earlier phase after later phases were applied, or one whose history row was
//! deleted. `migrate up` refuses it unless out-of-order runs are allowed (see `up::plan_up`).

use super::AppliedMigration;
use crate::bundle::{Migration, Project};

/// Where a migration stands; JSON documents carry the kebab-case name (`out-of-order`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationState {
    /// Applied, and the file is unchanged since.
    Applied,
    /// On disk, not applied yet.
    Pending,
    /// On disk, not applied, and older than the newest applied migration.
    OutOfOrder,
    /// Applied, but the file changed afterwards.
    Changed,
    /// Recorded as applied, but no longer on disk.
    MissingOnDisk,
}

impl MigrationState {
    /// The words shown in tables and messages.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
            MigrationState::OutOfOrder => "pending, out of order",
            MigrationState::Changed => "changed since applied",
            MigrationState::MissingOnDisk => "applied but missing on disk",
        }
    }
}

/// One migration's status.
#[derive(Debug, Clone)]
pub struct StatusRow {
    /// The phase (`None` for a history row with no file).
    pub phase: Option<u8>,
    /// The version.
    pub version: u32,
    /// The name.
    pub name: String,
    /// The state.
    pub state: MigrationState,
    /// When it was applied, if it was (as stored).
    pub applied_on: Option<String>,
}

impl StatusRow {
    /// `V0001__name`.
    pub fn refinery_name(&self) -> String {
        format!("V{:04}__{}", self.version, self.name)
    }

    /// Whether the file still has to be applied (in order or not).
    pub fn is_pending(&self) -> bool {
        matches!(
            self.state,
            MigrationState::Pending | MigrationState::OutOfOrder
        )
    }
}

/// refinery's checksum of a bundle migration, as it would be recorded.
pub fn refinery_checksum(migration: &Migration) -> u64 {
    refinery::Migration::unapplied(&migration.refinery_name(), &migration.sql)
        .map(|m| m.checksum())
        .unwrap_or_default()
}

/// Compares every bundle migration with the history, in version order.
pub fn compute_status(project: &Project, applied: &[AppliedMigration]) -> Vec<StatusRow> {
    let newest_applied = applied.iter().map(|a| a.version).max();
    let mut rows: Vec<StatusRow> = project
        .migrations()
        .map(|m| {
            let record = applied.iter().find(|a| a.version == m.version);
            let state = match record {
                None if newest_applied.is_some_and(|newest| newest > m.version) => {
                    MigrationState::OutOfOrder
                }
                None => MigrationState::Pending,
                Some(a) if a.checksum == refinery_checksum(m) && a.name == m.name => {
                    MigrationState::Applied
                }
                Some(_) => MigrationState::Changed,
            };
            StatusRow {
                phase: Some(m.phase),
                version: m.version,
                name: m.name.clone(),
                state,
                applied_on: record.and_then(|a| a.applied_on.clone()),
            }
        })
        .collect();
    rows.extend(
        applied
            .iter()
            .filter(|a| !project.migrations().any(|m| m.version == a.version))
            .map(|a| StatusRow {
                phase: None,
                version: a.version,
                name: a.name.clone(),
                state: MigrationState::MissingOnDisk,
                applied_on: a.applied_on.clone(),
            }),
    );
    rows.sort_by_key(|r| r.version);
    rows
}
