//! Per-session settings of a run that changes the schema: `lock_timeout`, `statement_timeout`.
//!
//! `application_name=eventos` is set at connect time (see `db::connect`); the timeouts
//! ([`Timeouts`], configured in `config`) are set here, once per session, before the first
//! migration runs.

use anyhow::{Context, Result};
use tokio_postgres::Client;

use crate::config::Timeouts;

/// The `SET` statements that apply `timeouts` to a session.
pub fn timeouts_sql(timeouts: &Timeouts) -> String {
    format!(
        "SET lock_timeout = '{}ms'; SET statement_timeout = '{}ms';",
        timeouts.lock.as_millis(),
        timeouts.statement.as_millis()
    )
}

/// Applies `timeouts` to the session of `client`.
pub async fn apply_timeouts(client: &Client, timeouts: &Timeouts) -> Result<()> {
    client
        .batch_execute(&timeouts_sql(timeouts))
        .await
        .context("setting lock_timeout and statement_timeout")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn timeouts_are_set_in_milliseconds() {
        let timeouts = Timeouts {
            lock: Duration::from_secs(5),
            statement: Duration::ZERO,
        };
        assert_eq!(
            timeouts_sql(&timeouts),
            "SET lock_timeout = '5000ms'; SET statement_timeout = '0ms';"
        );
    }
}
