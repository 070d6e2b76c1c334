//! Per-session settings of a run that changes the schema: `lock_timeout`, `statement_timeout`.
//!
//! `application_name=eventos` is set at connect time (see `db::connect`); the timeouts are set
//! here, once per session, before the first migration runs.

use std::time::Duration;

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// Default `lock_timeout`: long enough for a busy table, short enough not to stall the API.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `statement_timeout`: 0 means none (index builds on big tables may take a long time).
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::ZERO;

/// The session timeouts of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `lock_timeout` (zero: wait forever).
    pub lock: Duration,
    /// `statement_timeout` (zero: no limit).
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            lock: DEFAULT_LOCK_TIMEOUT,
            statement: DEFAULT_STATEMENT_TIMEOUT,
        }
    }
}

impl Timeouts {
    /// The `SET` statements that apply these timeouts to a session.
    pub fn set_sql(&self) -> String {
        format!(
            "SET lock_timeout = '{}ms'; SET statement_timeout = '{}ms';",
            self.lock.as_millis(),
            self.statement.as_millis()
        )
    }

    /// Applies the timeouts to the session of `client`.
    pub async fn apply(&self, client: &Client) -> Result<()> {
        client
            .batch_execute(&self.set_sql())
            .await
            .context("setting lock_timeout and statement_timeout")
    }
}

/// Parses `5s`, `500ms`, `2m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration; write e.g. 5s, 500ms, 2m"))?;
    match unit.trim() {
        "" | "s" => Ok(Duration::from_secs(value)),
        "ms" => Ok(Duration::from_millis(value)),
        "m" | "min" => Ok(Duration::from_secs(value * 60)),
        "h" => Ok(Duration::from_secs(value * 3600)),
        other => Err(format!(
            "unknown unit {other:?} in {text:?}; use ms, s, m or h"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_with_units() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn set_sql_uses_milliseconds() {
        let timeouts = Timeouts {
            lock: Duration::from_secs(5),
            statement: Duration::ZERO,
        };
        assert_eq!(
            timeouts.set_sql(),
            "SET lock_timeout = '5000ms'; SET statement_timeout = '0ms';"
        );
    }
}
