//! `plan-query` — each plan verification query returns zero rows; every row is a failure.
//!
//! Why: plans state invariants no generic check knows (e.g. "every ticket tier belongs to an
//! event with a venue"); the query's rows are the failure messages, shown as written.
//! Fix: whatever the message says; the query lives in the phase's plan under `[[verify]]`.

use anyhow::{Context, Result};
use tokio_postgres::{Client, SimpleQueryMessage};

use super::{Check, CheckResult, Level};
use crate::bundle::Plan;

/// The check id.
pub const ID: &str = "plan-query";

/// The check's metadata.
pub const CHECK: Check = Check {
    id: ID,
    level: Level::Error,
    summary: "every verification query of a plan returns zero rows",
    help: "each row names a problem; the query is the plan's [[verify]] entry of that name",
    run: None,
};

/// Runs the plan's queries (simple protocol, so any column type arrives as text).
pub async fn run(client: &Client, plan: &Plan) -> Result<Vec<CheckResult>> {
    let mut results = Vec::with_capacity(plan.verify.len());
    for query in &plan.verify {
        let messages = client.simple_query(&query.sql).await.with_context(|| {
            format!(
                "phase {} verification query `{}` failed to run",
                plan.id, query.name
            )
        })?;
        let failures = messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(row) => Some(row_text(row)),
                _ => None,
            })
            .collect();
        results.push(CheckResult::new(
            ID,
            format!("phase {}: {}", plan.id, query.name),
            failures,
        ));
    }
    Ok(results)
}

fn row_text(row: &tokio_postgres::SimpleQueryRow) -> String {
    (0..row.len())
        .map(|i| row.get(i).unwrap_or("NULL"))
        .collect::<Vec<_>>()
        .join(" | ")
}
