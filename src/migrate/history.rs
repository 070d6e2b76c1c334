//! Reading refinery's history table.

use anyhow::{Context, Result};
use refinery::Runner;
use tokio_postgres::Client;

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The version.
    pub version: u32,
    /// The name recorded at apply time.
    pub name: String,
    /// When it was applied (RFC 3339 as refinery stores it).
    pub applied_on: String,
    /// refinery's checksum of name, version and SQL.
    pub checksum: u64,
}

/// Every applied migration, in version order; empty when the history table does not exist yet.
pub async fn read_history(client: &mut Client, table: &str) -> Result<Vec<AppliedMigration>> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .context("looking for the migration history table")?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let mut runner = Runner::new(&[]);
    runner.set_migration_table_name(table);
    let applied = runner
        .get_applied_migrations_async(client)
        .await
        .with_context(|| format!("reading the migration history table {table}"))?;
    Ok(applied
        .into_iter()
        .map(|m| AppliedMigration {
            version: m.version() as u32,
            name: m.name().to_string(),
            applied_on: m.applied_on().map(ToString::to_string).unwrap_or_default(),
            checksum: m.checksum(),
        })
        .collect())
}
