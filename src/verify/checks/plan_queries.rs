//! `plan-query` — each plan verification query returns zero rows; every row is a failure.
//!
//! Why: plans state invariants no generic check knows (e.g. "every ticket tier belongs to an
//! event with a venue"); the query's rows are the failure messages, shown as written.
//! Fix: whatever the message says; the query lives in the phase's plan under `[[verify]]`.
//!
//! The queries run pipelined, each in its own `READ ONLY` implicit transaction with a statement
//! timeout, so verification changes nothing and one slow or broken query cannot hang or abort
//! the run: a query that errors (a function the plan needs was dropped, a phase is half applied)
//! is a failure naming the query with the SQL error as detail.

use std::time::Duration;

use anyhow::Result;
use futures_util::future::join_all;
use tokio_postgres::{Client, SimpleQueryMessage};

use super::{Check, Severity};
use crate::bundle::Plan;

/// The check id.
pub const ID: &str = "plan-query";

/// The check's metadata.
pub const CHECK: Check = Check {
    id: ID,
    level: Severity::Error,
    summary: "every verification query of a plan runs and returns zero rows",
    help: "each row names a problem; the query is the plan's [[verify]] entry of that name",
    doc: include_str!("../../../docs/checks/plan-query.md"),
    splinter: &[],
    run: None,
};

/// How long one plan query may run.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// What one plan query returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOutcome {
    /// The phase.
    pub phase: u8,
    /// The query's name in the plan.
    pub name: String,
    /// Its rows as `a | b | …` text, or the SQL error when it did not run.
    pub rows: std::result::Result<Vec<String>, String>,
}

impl QueryOutcome {
    /// `phase N: name`, the subject reports use.
    pub fn subject(&self) -> String {
        format!("phase {}: {}", self.phase, self.name)
    }
}

/// Runs every query of `plans` (simple protocol, so any column type arrives as text). Only a
/// lost connection is an error; a query the server refuses becomes its outcome.
pub async fn run(client: &Client, plans: &[&Plan]) -> Result<Vec<QueryOutcome>> {
    let prefix = format!(
        "SET TRANSACTION READ ONLY; SET LOCAL statement_timeout = '{}ms';\n",
        TIMEOUT.as_millis()
    );
    let queries: Vec<(u8, &str, String)> = plans
        .iter()
        .flat_map(|plan| {
            plan.verify
                .iter()
                .map(|q| (plan.id, q.name.as_str(), format!("{prefix}{}", q.sql)))
        })
        .collect();
    let answers = join_all(queries.iter().map(|(_, _, sql)| client.simple_query(sql))).await;
    queries
        .iter()
        .zip(answers)
        .map(|((phase, name, _), answer)| {
            let rows = match answer {
                Ok(messages) => Ok(messages
                    .iter()
                    .filter_map(|m| match m {
                        SimpleQueryMessage::Row(row) => Some(row_text(row)),
                        _ => None,
                    })
                    .collect()),
                Err(err) => match err.as_db_error() {
                    Some(db) => Err(format!("{}: {}", db.code().code(), db.message())),
                    None => {
                        return Err(anyhow::Error::new(err).context(format!(
                            "phase {phase} verification query `{name}`: the connection failed"
                        )));
                    }
                },
            };
            Ok(QueryOutcome {
                phase: *phase,
                name: name.to_string(),
                rows,
            })
        })
        .collect()
}

fn row_text(row: &tokio_postgres::SimpleQueryRow) -> String {
    (0..row.len())
        .map(|i| row.get(i).unwrap_or("NULL"))
        .collect::<Vec<_>>()
        .join(" | ")
}
