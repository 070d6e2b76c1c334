//! The connection refinery drives: refinery decides what to apply and records it (its history
//! table, checksums, divergence checks, `Target` semantics); this driver only changes *how* a
//! file's SQL reaches the server and *what history* refinery is shown.
//!
//! - **Statements**: `BEGIN`, the file, refinery's history `INSERT` and `COMMIT` are written at
//!   once (pipelined) and answered in order, so a file costs one round trip. The file is one
//!   simple-query message, which the server runs statement by statement, answering each with a
//!   `CommandComplete`: counting them tells which statement failed, so an error without a
//!   position (duplicate key, timeouts, division by zero, permission denied) still names its
//!   statement. After a failure the server skips the rest of the file, rejects the `INSERT`, and
//!   turns `COMMIT` into a rollback.
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
use tokio_postgres::Client;

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

/// The transactional file being applied (split into statements only to locate a failure).
struct FileStatements {
    path: PathBuf,
    sql: String,
}

/// Why a step failed: a statement of the file, or anything else refinery reported.
pub(super) enum StepError {
    /// A statement of the file failed; the file's transaction was rolled back.
    Statement(FailedMigration),
    /// refinery or the connection failed outside the file's statements.
    Other(refinery::Error),
}

/// The statements of `sql` as byte spans starting at their first token, from PostgreSQL's
/// parser without building the parse tree (the whole text when it does not parse, so the server
/// reports the syntax error with its position).
pub(super) fn statement_spans(sql: &str) -> Vec<Range<usize>> {
    match pg_query::split_with_parser(sql) {
        Ok(pieces) => pieces
            .into_iter()
            .map(|piece| {
                let start = piece.as_ptr() as usize - sql.as_ptr() as usize;
                skip_leading_trivia(sql, start..start + piece.len())
            })
            .filter(|span| !sql[span.clone()].trim().is_empty())
            .collect(),
        Err(_) if sql.trim().is_empty() => Vec::new(),
        Err(_) => std::iter::once(0..sql.len()).collect(),
    }
}

/// Moves a span's start past whitespace and comments to the statement's first token.
fn skip_leading_trivia(sql: &str, span: Range<usize>) -> Range<usize> {
    use pg_query::protobuf::Token;
    let piece = &sql[span.clone()];
    let trimmed = piece.trim_start();
    let start = span.start + piece.len() - trimmed.len();
    if !(trimmed.starts_with("--") || trimmed.starts_with("/*")) {
        return start..span.end;
    }
    let first_token = crate::sql::scan_tokens(trimmed).into_iter().find(|t| {
        !matches!(
            Token::try_from(t.token),
            Ok(Token::SqlComment | Token::CComment)
        )
    });
    match first_token {
        Some(token) => start + token.start as usize..span.end,
        None => start..span.end,
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

/// One message of a step's pipeline.
enum Piece<'q> {
    /// `BEGIN` or `COMMIT`.
    Control(&'static str),
    /// The file, as one message.
    File(&'q str),
    /// A query of refinery's (the history `INSERT`).
    Refinery(&'q str),
}

/// How a piece failed: for the file, how many of its statements completed first.
type PieceError = (usize, tokio_postgres::Error);

/// Runs `sql` as one simple-query message; on failure, how many statements completed before it.
pub(super) async fn run_counting(client: &Client, sql: &str) -> Result<(), PieceError> {
    use futures_util::StreamExt;
    let stream = client.simple_query_raw(sql).await.map_err(|e| (0, e))?;
    let mut stream = std::pin::pin!(stream);
    let mut completed = 0;
    while let Some(message) = stream.next().await {
        match message {
            Ok(tokio_postgres::SimpleQueryMessage::CommandComplete(_)) => completed += 1,
            Ok(_) => {}
            Err(err) => return Err((completed, err)),
        }
    }
    Ok(())
}

impl Driver<'_> {
    /// The pipeline for refinery's `queries`, in one transaction.
    fn pieces<'q>(&self, queries: &[&'q str]) -> Vec<Piece<'q>> {
        let mut pieces = vec![Piece::Control("BEGIN")];
        for &query in queries {
            match &self.file {
                Some(file) if query == file.sql => pieces.push(Piece::File(query)),
                _ => pieces.push(Piece::Refinery(query)),
            }
        }
        pieces.push(Piece::Control("COMMIT"));
        pieces
    }

    /// The failure of a piece: in the file for its statements; for a deferred constraint failing
    /// at COMMIT, or the history INSERT, the whole file.
    fn locate(
        &self,
        piece: &Piece<'_>,
        completed: usize,
        err: &tokio_postgres::Error,
    ) -> Option<FailedMigration> {
        let file = self.file.as_ref()?;
        Some(match piece {
            Piece::File(_) => locate_statement(&file.path, &file.sql, completed, err),
            _ => locate_db_error(file.path.clone(), &file.sql, &file.sql, 0, err),
        })
    }
}

/// Locates an error of `sql` (run as one message) after `completed` statements succeeded:
/// PostgreSQL's position when it gave one, else the start of the statement that failed.
pub(super) fn locate_statement(
    path: &std::path::Path,
    sql: &str,
    completed: usize,
    err: &tokio_postgres::Error,
) -> FailedMigration {
    use tokio_postgres::error::ErrorPosition;
    let whole = || locate_db_error(path.to_path_buf(), sql, sql, 0, err);
    let spans = statement_spans(sql);
    let Some(span) = spans.get(completed) else {
        return whole();
    };
    let positioned = err
        .as_db_error()
        .is_some_and(|d| matches!(d.position(), Some(ErrorPosition::Original(_))));
    let failure = if positioned {
        whole()
    } else {
        locate_db_error(path.to_path_buf(), sql, &sql[span.clone()], span.start, err)
    };
    failure.at_statement(completed + 1, spans.len())
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
        let sent = pieces.iter().map(|piece| {
            let run: std::pin::Pin<Box<dyn Future<Output = Result<(), PieceError>> + Send + '_>> =
                match piece {
                    Piece::File(sql) => Box::pin(run_counting(client, sql)),
                    Piece::Control(sql) | Piece::Refinery(sql) => {
                        Box::pin(async move { client.batch_execute(sql).await.map_err(|e| (0, e)) })
                    }
                };
            run
        });
        let results = futures_util::future::join_all(sent).await;
        let first_error = results
            .into_iter()
            .enumerate()
            .find_map(|(i, r)| r.err().map(|e| (i, e)));
        match first_error {
            None => Ok(queries.len()),
            Some((index, (completed, err))) => {
                let failure = self.locate(&pieces[index], completed, &err);
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

#[cfg(test)]
mod tests {
    use super::statement_spans;

    fn statements(sql: &str) -> Vec<&str> {
        statement_spans(sql).into_iter().map(|s| &sql[s]).collect()
    }

    #[test]
    fn statements_start_at_their_first_token_and_bodies_stay_whole() {
        let sql = "-- header\nCREATE TABLE t (a int);\n\n/* c */ -- d\n  INSERT INTO t VALUES (1);;\n\
                   CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END;\n\
                   DO $$ BEGIN PERFORM 1; END $$\n-- trailing comment\n";
        let found = statements(sql);
        assert_eq!(found.len(), 4, "{found:?}");
        assert_eq!(found[0], "CREATE TABLE t (a int)");
        assert_eq!(found[1], "INSERT INTO t VALUES (1)");
        assert!(found[2].ends_with("SELECT 2; END"), "{found:?}");
        assert!(found[3].starts_with("DO $$"), "{found:?}");
        assert_eq!(statements("-- only a comment\n"), Vec::<&str>::new());
        assert_eq!(statements("SELEC 1; SELECT 2"), ["SELEC 1; SELECT 2"]);
    }
}
