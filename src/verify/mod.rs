//! Post-apply verification against the live catalog.
//!
//! The catalog is fetched once ([`catalog::Catalog::fetch`], a fixed number of queries whatever
//! the number of objects); checks are pure functions over that snapshot, plus the plans' own
//! verification queries, which run as written.

pub mod catalog;
pub mod checks;

use anyhow::Result;
use tokio_postgres::Client;

use crate::bundle::Project;
pub use checks::CheckResult;

/// Runs every check for phases `0..=max_phase`.
pub async fn verify(
    client: &Client,
    project: &Project,
    max_phase: Option<u8>,
) -> Result<Vec<CheckResult>> {
    let catalog = catalog::Catalog::fetch(client).await?;
    let mut results = Vec::new();
    for bundle in project.up_to(max_phase) {
        results.extend(checks::plan_objects::check(&bundle.plan, &catalog));
        results.extend(checks::plan_queries::run(client, &bundle.plan).await?);
    }
    Ok(results)
}
