//! Reading refinery's history table, eventos's own way: refinery's reader panics on a row it
//! cannot parse (a NULL or non-numeric checksum, an `applied_on` that is not RFC 3339), so
//! eventos reads the rows as text, tolerates what is only informative (`applied_on`), and
//! refuses what it needs but cannot trust, naming each row and the SQL that repairs it. refinery
//! itself is then handed these validated rows (see `driver`).

use std::fmt;

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::status::refinery_checksum;
use crate::bundle::Project;

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The version.
    pub version: u32,
    /// The name recorded at apply time.
    pub name: String,
    /// When it was applied, as stored (refinery writes RFC 3339; anything else is shown as is).
    pub applied_on: Option<String>,
    /// refinery's checksum of name, version and SQL.
    pub checksum: u64,
}

/// A row of the history table as stored, every column as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// `version` (NULL only in a table that is not refinery's).
    pub version: Option<i64>,
    /// `name`.
    pub name: Option<String>,
    /// `applied_on`.
    pub applied_on: Option<String>,
    /// `checksum`.
    pub checksum: Option<String>,
}

/// History rows eventos cannot use, each with its repair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryError {
    /// The history table.
    pub table: String,
    /// One entry per bad row.
    pub problems: Vec<RowProblem>,
}

/// One unusable row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// Which row: `version 1003`, `a row without a version`, ….
    pub row: String,
    /// What is wrong with it.
    pub what: String,
    /// SQL that repairs it, with the condition under which it is right.
    pub repair: String,
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the migration history table {} has rows eventos cannot use:",
            self.table
        )?;
        for problem in &self.problems {
            writeln!(f, "  {}: {}", problem.row, problem.what)?;
            writeln!(f, "    repair: {}", problem.repair)?;
        }
        write!(
            f,
            "help: nothing was changed; repair the rows as the table's owner (psql), then rerun"
        )
    }
}

impl std::error::Error for HistoryError {}

/// Every row of the history table, in version order; empty when the table does not exist yet.
pub async fn read_history_rows(client: &Client, table: &str) -> Result<Vec<HistoryRow>> {
    let exists: bool = client
        .query_one("SELECT to_regclass($1) IS NOT NULL", &[&table])
        .await
        .context("looking for the migration history table")?
        .get(0);
    if !exists {
        return Ok(Vec::new());
    }
    let rows = client
        .query(
            &format!(
                "SELECT version::bigint, name::text, applied_on::text, checksum::text \
                 FROM {table} ORDER BY version"
            ),
            &[],
        )
        .await
        .with_context(|| {
            format!(
                "reading the migration history table {table}\nhelp: it must be refinery's table, with columns version, name, applied_on and checksum"
            )
        })?;
    Ok(rows
        .iter()
        .map(|row| HistoryRow {
            version: row.get(0),
            name: row.get(1),
            applied_on: row.get(2),
            checksum: row.get(3),
        })
        .collect())
}

/// Reads and validates the history: the applied migrations, or an error naming every bad row.
pub async fn read_history(
    client: &Client,
    table: &str,
    project: &Project,
) -> Result<Vec<AppliedMigration>> {
    let rows = read_history_rows(client, table).await?;
    Ok(validate_history(&rows, table, project)?)
}

/// Turns stored rows into applied migrations; every unusable row is reported with its repair.
pub fn validate_history(
    rows: &[HistoryRow],
    table: &str,
    project: &Project,
) -> Result<Vec<AppliedMigration>, HistoryError> {
    let mut applied = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for row in rows {
        match validate_row(row, table, project) {
            Ok(migration) => applied.push(migration),
            Err(problem) => problems.push(problem),
        }
    }
    for pair in applied.windows(2) {
        if pair[0].version == pair[1].version {
            problems.push(RowProblem {
                row: format!("version {}", pair[0].version),
                what: "appears more than once (the table has no primary key)".into(),
                repair: format!(
                    "DELETE FROM {table} a USING {table} b WHERE a.version = {v} AND b.version = {v} AND a.ctid > b.ctid;",
                    v = pair[0].version
                ),
            });
        }
    }
    problems.dedup();
    if problems.is_empty() {
        Ok(applied)
    } else {
        Err(HistoryError {
            table: table.to_string(),
            problems,
        })
    }
}

fn validate_row(
    row: &HistoryRow,
    table: &str,
    project: &Project,
) -> Result<AppliedMigration, RowProblem> {
    let Some(raw_version) = row.version else {
        return Err(RowProblem {
            row: "a row without a version".into(),
            what: "version is NULL".into(),
            repair: format!("DELETE FROM {table} WHERE version IS NULL;"),
        });
    };
    let label = format!("version {raw_version}");
    let version = u32::try_from(raw_version)
        .ok()
        .filter(|v| i32::try_from(*v).is_ok())
        .ok_or_else(|| RowProblem {
            row: label.clone(),
            what: "is not a version refinery can hold (0 to 2147483647)".into(),
            repair: format!("DELETE FROM {table} WHERE version = {raw_version};"),
        })?;
    let file = project.migrations().find(|m| m.version == version);
    let Some(name) = row.name.clone().filter(|n| !n.is_empty()) else {
        let repair = match file {
            Some(m) => format!(
                "UPDATE {table} SET name = '{}' WHERE version = {version};  -- if {} is the file that was applied",
                m.name,
                m.path.display()
            ),
            None => format!(
                "DELETE FROM {table} WHERE version = {version};  -- no file has this version"
            ),
        };
        return Err(RowProblem {
            row: label,
            what: "name is NULL or empty".into(),
            repair,
        });
    };
    let checksum = row.checksum.as_deref().map(str::trim);
    let Some(checksum) = checksum.and_then(|c| c.parse::<u64>().ok()) else {
        let what = match &row.checksum {
            None => "checksum is NULL".to_string(),
            Some(text) => format!("checksum {text:?} is not a number"),
        };
        let repair = match file {
            Some(m) => format!(
                "UPDATE {table} SET checksum = '{}' WHERE version = {version};  -- if {} is unchanged since it was applied",
                refinery_checksum(m),
                m.path.display()
            ),
            None => format!(
                "DELETE FROM {table} WHERE version = {version};  -- if it was never applied (no file has this version)"
            ),
        };
        return Err(RowProblem {
            row: label,
            what,
            repair,
        });
    };
    Ok(AppliedMigration {
        version,
        name,
        applied_on: row.applied_on.clone(),
        checksum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(version: Option<i64>, name: Option<&str>, checksum: Option<&str>) -> HistoryRow {
        HistoryRow {
            version,
            name: name.map(Into::into),
            applied_on: Some("now-ish".into()),
            checksum: checksum.map(Into::into),
        }
    }

    #[test]
    fn odd_rows_are_named_with_a_repair_and_informative_columns_are_tolerated() {
        let project = Project { bundles: vec![] };
        let good = row(Some(1), Some("a"), Some("42"));
        assert_eq!(
            validate_history(std::slice::from_ref(&good), "h", &project).unwrap()[0].applied_on,
            Some("now-ish".into())
        );
        let err = validate_history(
            &[
                good.clone(),
                row(Some(2), Some("b"), Some("abc")),
                row(Some(3), None, Some("1")),
                row(None, Some("c"), Some("1")),
                row(Some(-4), Some("d"), Some("1")),
                row(Some(5), Some("e"), None),
                good,
            ],
            "h",
            &project,
        )
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "version 2: checksum \"abc\" is not a number",
            "version 3: name is NULL",
            "a row without a version",
            "version -4",
            "version 5: checksum is NULL",
            "version 1: appears more than once",
            "DELETE FROM h WHERE version = 2;",
        ] {
            assert!(text.contains(needle), "{needle:?} in:\n{text}");
        }
    }
}
