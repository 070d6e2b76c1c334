//! The state of every migration: a pure comparison of the bundles with the history table.

use super::AppliedMigration;
use crate::bundle::{Migration, Project};

/// Where a migration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationState {
    /// Applied, and the file is unchanged since.
    Applied,
    /// On disk, not applied yet.
    Pending,
    /// Applied, but the file changed afterwards.
    Changed,
    /// Recorded as applied, but no longer on disk.
    MissingOnDisk,
}

impl MigrationState {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MigrationState::Applied => "applied",
            MigrationState::Pending => "pending",
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
    /// When it was applied, if it was.
    pub applied_on: Option<String>,
}

/// refinery's checksum of a bundle migration, as it would be recorded.
pub fn refinery_checksum(migration: &Migration) -> u64 {
    refinery::Migration::unapplied(&migration.refinery_name(), &migration.sql)
        .map(|m| m.checksum())
        .unwrap_or_default()
}

/// Compares every bundle migration with the history, in version order.
pub fn compute_status(project: &Project, applied: &[AppliedMigration]) -> Vec<StatusRow> {
    let mut rows: Vec<StatusRow> = project
        .migrations()
        .map(|m| {
            let record = applied.iter().find(|a| a.version == m.version);
            let state = match record {
                None => MigrationState::Pending,
                Some(a) if a.checksum == refinery_checksum(m) => MigrationState::Applied,
                Some(_) => MigrationState::Changed,
            };
            StatusRow {
                phase: Some(m.phase),
                version: m.version,
                name: m.name.clone(),
                state,
                applied_on: record.map(|a| a.applied_on.clone()),
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
                applied_on: Some(a.applied_on.clone()),
            }),
    );
    rows.sort_by_key(|r| r.version);
    rows
}
