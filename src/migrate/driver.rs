//! The connection refinery drives: refinery decides what to apply and records it (its history
//! table, checksums, divergence checks, `Target` semantics); this driver only changes *how* a
//! file's SQL reaches the server and *what history* refinery is shown.
//!
//! - **Statements**: a transactional file is sent statement by statement inside its transaction,
//!   pipelined: `BEGIN`, every statement, refinery's history `INSERT` and `COMMIT` are written at
//!   once and answered in order, so a file costs one round trip. When a statement fails, the
//!   server rejects the rest of the transaction (and `COMMIT` becomes a rollback), and eventos
//!   knows exactly which statement failed even when PostgreSQL gives no position.
//! - **Table check**: refinery re-runs `CREATE TABLE IF NOT EXISTS` for its table before every
//!   step; once a run has created or used the table, the driver answers that query itself.
//! - **History**: refinery reads the history through [`AsyncQuery`], which here returns the rows
//!   eventos already read and validated (refinery's own reader panics on odd rows). Each step
//!   shows refinery the rows *older* than the step's first file, plus the step's files: so an
//!   out-of-order file (allowed by policy) looks to refinery like the next file to apply, and
//!   refinery still checks every older row against its file.

use std::ops::Range;
use std::path::PathBuf;

use refinery::{AsyncMigrate, Runner, Target};
use refinery_core::traits::r#async::{AsyncQuery, AsyncTransaction};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio_postgres::{Client, Transaction};

use super::{AppliedMigration, FailedMigration, locate_db_error};
use crate::bundle::{Migration, Project};

/// What refinery runs on: the client, the history it is shown, the file being sent.
pub(super) struct Driver<'c> {
    client: &'c mut Client,
    shown_history: Vec<refinery::Migration>,
    file: Option<FileStatements>,
    failure: Option<FailedMigration>,
    /// refinery's `CREATE TABLE IF NOT EXISTS`, when the table is known to exist.
    known_table_query: Option<String>,
}

/// Where a step runs: the history shown to refinery and whether the table already exists.
#[derive(Debug, Clone, Copy)]
pub(super) struct StepContext<'a> {
    /// The validated history before the step.
    pub history: &'a [AppliedMigration],
    /// refinery's history table.
    pub history_table: &'a str,
    /// The table exists already (this run created or used it).
    pub table_exists: bool,
}

/// A transactional file split into statements.
struct FileStatements {
    path: PathBuf,
    sql: String,
    spans: Vec<Range<usize>>,
}

/// Why a step failed: a statement of the file, or anything else refinery reported.
pub(super) enum StepError {
    /// A statement of the file failed; the file's transaction was rolled back.
    Statement(FailedMigration),
    /// refinery or the connection failed outside the file's statements.
    Other(refinery::Error),
}

/// The statements of `sql` as byte spans (the whole text when it does not parse, so the server
/// reports the syntax error with its position).
pub(super) fn statement_spans(sql: &str) -> Vec<Range<usize>> {
    match crate::sql::parse_statements(sql) {
        Ok(statements) => statements
            .into_iter()
            .map(|s| s.span)
            .filter(|span| !sql[span.clone()].trim().is_empty())
            .collect(),
        Err(_) if sql.trim().is_empty() => Vec::new(),
        Err(_) => std::iter::once(0..sql.len()).collect(),
    }
}

/// Applies one transactional file through refinery (`Target::Version`): its statements and its
/// history row in one transaction.
pub(super) async fn apply_file(
    client: &mut Client,
    step: StepContext<'_>,
    project: &Project,
    migration: &Migration,
) -> Result<(), StepError> {
    let mut driver = Driver::new(client, step, migration.version);
    driver.file = Some(FileStatements {
        path: migration.path.clone(),
        sql: migration.sql.clone(),
        spans: statement_spans(&migration.sql),
    });
    let target = Target::Version(migration.version as i32);
    let result = driver
        .run(project, &[migration], target, step.history_table)
        .await;
    match (result, driver.failure.take()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(failure)) => Err(StepError::Statement(failure)),
        (Err(err), None) => Err(StepError::Other(err)),
    }
}

/// Records `migrations` as applied without running them (`Target::FakeVersion`), in one
/// transaction: no-transaction files after their statements ran, and `baseline`.
pub(super) async fn record_applied(
    client: &mut Client,
    step: StepContext<'_>,
    project: &Project,
    migrations: &[&Migration],
) -> Result<(), refinery::Error> {
    let (Some(first), Some(last)) = (
        migrations.iter().map(|m| m.version).min(),
        migrations.iter().map(|m| m.version).max(),
    ) else {
        return Ok(());
    };
    let mut driver = Driver::new(client, step, first);
    let target = Target::FakeVersion(last as i32);
    driver
        .run(project, migrations, target, step.history_table)
        .await
}

impl<'c> Driver<'c> {
    /// A driver showing refinery the history rows older than `first_version`.
    fn new(client: &'c mut Client, step: StepContext<'_>, first_version: u32) -> Self {
        let shown_history = step
            .history
            .iter()
            .filter(|a| a.version < first_version)
            .map(|a| {
                let applied_on = a
                    .applied_on
                    .as_deref()
                    .and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH);
                refinery::Migration::applied(
                    a.version as i32,
                    a.name.clone(),
                    applied_on,
                    a.checksum,
                )
            })
            .collect();
        let known_table_query = step
            .table_exists
            .then(|| <Self as AsyncMigrate>::assert_migrations_table_query(step.history_table));
        Driver {
            client,
            shown_history,
            file: None,
            failure: None,
            known_table_query,
        }
    }

    /// Runs refinery over the shown history's files plus `step`, up to `target`.
    async fn run(
        &mut self,
        project: &Project,
        step: &[&Migration],
        target: Target,
        history_table: &str,
    ) -> Result<(), refinery::Error> {
        let shown: Vec<u32> = self
            .shown_history
            .iter()
            .map(|m| m.version() as u32)
            .collect();
        let files = project
            .migrations()
            .filter(|m| shown.contains(&m.version))
            .chain(step.iter().copied())
            .map(|m| refinery::Migration::unapplied(&m.refinery_name(), &m.sql))
            .collect::<Result<Vec<_>, _>>()?;
        let mut runner = Runner::new(&files)
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .set_target(target);
        runner.set_migration_table_name(history_table);
        runner.run_async(self).await.map(|_| ())
    }
}

/// Sends `spans` of `sql` pipelined inside `tx` (for rollback scripts); the first failure with
/// its 0-based index.
pub(super) async fn run_pipelined(
    tx: &Transaction<'_>,
    sql: &str,
    spans: &[Range<usize>],
) -> Result<(), (usize, tokio_postgres::Error)> {
    let sent = spans
        .iter()
        .map(|span| tx.batch_execute(&sql[span.clone()]));
    let results = futures_util::future::join_all(sent).await;
    match results
        .into_iter()
        .enumerate()
        .find_map(|(i, r)| r.err().map(|e| (i, e)))
    {
        Some(failure) => Err(failure),
        None => Ok(()),
    }
}

/// One message of a step's pipeline.
enum Piece<'q> {
    /// `BEGIN` or `COMMIT`.
    Control(&'static str),
    /// Statement `index` of the file.
    Statement(usize, &'q str),
    /// A query of refinery's (the history `INSERT`).
    Refinery(&'q str),
}

impl Piece<'_> {
    fn text(&self) -> &str {
        match self {
            Piece::Control(text) | Piece::Statement(_, text) | Piece::Refinery(text) => text,
        }
    }
}

impl Driver<'_> {
    /// The pipeline for refinery's `queries`: one transaction, the file split into statements.
    fn pieces<'q>(&'q self, queries: &[&'q str]) -> Vec<Piece<'q>> {
        let mut pieces = vec![Piece::Control("BEGIN")];
        for &query in queries {
            match &self.file {
                Some(file) if query == file.sql => pieces.extend(
                    file.spans
                        .iter()
                        .enumerate()
                        .map(|(i, span)| Piece::Statement(i, &file.sql[span.clone()])),
                ),
                _ => pieces.push(Piece::Refinery(query)),
            }
        }
        pieces.push(Piece::Control("COMMIT"));
        pieces
    }

    /// The failure of a piece, located in the file when it is one of its statements.
    fn locate(&self, piece: &Piece<'_>, err: &tokio_postgres::Error) -> Option<FailedMigration> {
        let file = self.file.as_ref()?;
        Some(match piece {
            Piece::Statement(index, _) => {
                let span = &file.spans[*index];
                locate_db_error(
                    file.path.clone(),
                    &file.sql,
                    &file.sql[span.clone()],
                    span.start,
                    err,
                )
                .at_statement(index + 1, file.spans.len())
            }
            // A deferred constraint failing at COMMIT, or the history INSERT: the whole file.
            _ => locate_db_error(file.path.clone(), &file.sql, &file.sql, 0, err),
        })
    }
}

impl AsyncTransaction for Driver<'_> {
    type Error = tokio_postgres::Error;

    async fn execute<'a, T: Iterator<Item = &'a str> + Send + 'a>(
        &'a mut self,
        queries: T,
    ) -> Result<usize, Self::Error> {
        let queries: Vec<&str> = queries.collect();
        if let (Some(known), [only]) = (&self.known_table_query, queries.as_slice())
            && known == only
        {
            return Ok(1);
        }
        let client: &Client = self.client;
        let pieces = self.pieces(&queries);
        let results =
            futures_util::future::join_all(pieces.iter().map(|p| client.batch_execute(p.text())))
                .await;
        let first_error = results
            .into_iter()
            .enumerate()
            .find_map(|(i, r)| r.err().map(|e| (i, e)));
        match first_error {
            None => Ok(queries.len()),
            Some((index, err)) => {
                // After a failed statement the server rejects the rest, and COMMIT rolls back.
                let failure = self.locate(&pieces[index], &err);
                if failure.is_some() {
                    self.failure = failure;
                }
                Err(err)
            }
        }
    }
}

impl AsyncQuery<Vec<refinery::Migration>> for Driver<'_> {
    async fn query<'a>(
        &'a mut self,
        _query: &'a str,
    ) -> Result<Vec<refinery::Migration>, Self::Error> {
        Ok(self.shown_history.clone())
    }
}

impl refinery::AsyncMigrate for Driver<'_> {}
