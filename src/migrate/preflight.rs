//! Checks before a run changes anything: the server has every extension the selected phases
//! need.

use anyhow::{Result, bail};
use tokio_postgres::Client;

use crate::bundle::Project;

/// Stops before any change when the server lacks an extension a phase up to `phase` needs.
pub async fn check_extensions_available(
    client: &Client,
    project: &Project,
    phase: Option<u8>,
) -> Result<()> {
    let required = project.required_extensions(phase);
    if required.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = required.iter().map(|(name, _)| name.as_str()).collect();
    let rows = client
        .query(
            "SELECT name::text FROM pg_available_extensions WHERE name = ANY($1)",
            &[&names],
        )
        .await?;
    let available: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|(name, _)| !available.contains(name))
        .map(|(name, phase)| format!("{name} (needed by phase {phase})"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the server lacks extensions: {}\nhelp: install them on the server (pgvector: on Supabase enable it in the dashboard; locally use a PostgreSQL build with pgvector), or pass --phase to stop before that phase",
            missing.join(", ")
        );
    }
    Ok(())
}
