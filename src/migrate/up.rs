//! `migrate up`: plan (refuse a diverged history or out-of-order files before anything
//! changes), then apply the planned files one by one through refinery.
//!
//! The caller holds the migration lock ([`MigrationLock`]) for the whole run, compat layer
//! included; this module only needs proof of it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::driver::{StepContext, StepError, apply_file, record_applied, statement_spans};
use super::invalid_index::{concurrent_index, drop_if_invalid};
use super::session::apply_timeouts;
use super::status::refinery_checksum;
use super::{
    AppliedMigration, FailedMigration, MigrationState, StatusRow, compute_status, locate_db_error,
};
use crate::bundle::{Migration, Project};
use crate::config::{RetryPolicy, Timeouts};
use crate::db::{MigrationLock, interrupt};

/// SQLSTATE `lock_not_available`, raised when `lock_timeout` expires.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Settings of one `migrate up` run.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// refinery's history table.
    pub history_table: String,
    /// Session timeouts.
    pub timeouts: Timeouts,
    /// How a transactional file that hit `lock_timeout` is retried (doubling backoff).
    pub retry: RetryPolicy,
}

/// What a run will apply, decided from the history before anything changes.
#[derive(Debug, Clone)]
pub struct UpPlan<'p> {
    /// The files to apply, in version order.
    pub pending: Vec<&'p Migration>,
    /// Which of them are older than the newest applied migration (allowed by policy).
    pub out_of_order: Vec<u32>,
    /// The validated history the plan was made from.
    history: Vec<AppliedMigration>,
}

/// Why a run refuses to apply anything.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// Applied files changed since, or vanished from disk.
    Diverged(Vec<StatusRow>),
    /// Pending files of the selected phases are older than the newest applied migration.
    OutOfOrder {
        /// The out-of-order files.
        files: Vec<StatusRow>,
        /// The newest applied migration.
        newest_applied: StatusRow,
    },
}

/// A file applied by this run.
#[derive(Debug, Clone)]
pub struct AppliedFile {
    /// Its phase.
    pub phase: u8,
    /// refinery name, `V0001__name`.
    pub name: String,
    /// Whether it ran outside a transaction.
    pub no_transaction: bool,
    /// How long it took.
    pub elapsed: Duration,
}

/// What a run reports while it works.
#[derive(Debug, Clone)]
pub enum UpEvent<'a> {
    /// A file is about to run.
    Starting(&'a Migration),
    /// A file hit `lock_timeout` and is retried after `pause`.
    Retrying {
        /// The file.
        migration: &'a Migration,
        /// 1-based retry number.
        attempt: u32,
        /// The pause before the retry.
        pause: Duration,
    },
    /// An INVALID index left by an earlier failed concurrent build was dropped.
    DroppedInvalidIndex(String),
    /// A file was applied and recorded.
    Applied(&'a AppliedFile),
}

/// How a run ended (connection-level errors are `Err`).
#[derive(Debug)]
pub enum UpOutcome {
    /// Every planned migration is applied; these were applied now.
    Done(Vec<AppliedFile>),
    /// A file failed; the files before it stay applied.
    Failed {
        /// Files applied before the failure.
        applied: Vec<AppliedFile>,
        /// The failure.
        failure: Box<FailedMigration>,
        /// Whether the failed file ran outside a transaction (its earlier statements stay).
        no_transaction: bool,
    },
}

/// Plans a run of phases `0..=max_phase`: refuses a diverged history, and out-of-order files
/// unless `allow_out_of_order`. Pure: nothing is read or changed.
pub fn plan_up(
    project: &Project,
    history: Vec<AppliedMigration>,
    max_phase: Option<u8>,
    allow_out_of_order: bool,
) -> Result<UpPlan<'_>, Refusal> {
    let status = compute_status(project, &history);
    let diverged = diverged_rows(&status);
    if !diverged.is_empty() {
        return Err(Refusal::Diverged(diverged));
    }
    let pending = pending_migrations(project, &status, max_phase);
    let out_of_order: Vec<StatusRow> = status
        .iter()
        .filter(|r| r.state == MigrationState::OutOfOrder)
        .filter(|r| pending.iter().any(|m| m.version == r.version))
        .cloned()
        .collect();
    let newest_applied = status
        .iter()
        .filter(|r| r.state == MigrationState::Applied)
        .max_by_key(|r| r.version);
    if let Some(newest) = newest_applied.filter(|_| !out_of_order.is_empty() && !allow_out_of_order)
    {
        return Err(Refusal::OutOfOrder {
            files: out_of_order,
            newest_applied: newest.clone(),
        });
    }
    Ok(UpPlan {
        pending,
        out_of_order: out_of_order.iter().map(|r| r.version).collect(),
        history,
    })
}

/// Applies the planned migrations, reporting progress to `on_event`.
pub async fn migrate_up(
    client: &mut Client,
    _lock: &MigrationLock,
    project: &Project,
    plan: &UpPlan<'_>,
    options: &UpOptions,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<UpOutcome> {
    apply_timeouts(client, &options.timeouts).await?;
    ensure_history_schema(client, &options.history_table).await?;
    let mut history = plan.history.clone();
    let mut applied = Vec::new();
    for &migration in &plan.pending {
        interrupt::check()?;
        on_event(UpEvent::Starting(migration));
        let started = Instant::now();
        let step = Step {
            history: &history,
            project,
            migration,
            options,
        };
        if let Err(failure) = step.apply_with_retries(client, on_event).await? {
            return Ok(UpOutcome::Failed {
                applied,
                failure: Box::new(failure),
                no_transaction: migration.no_transaction,
            });
        }
        history.push(AppliedMigration {
            version: migration.version,
            name: migration.name.clone(),
            applied_on: None,
            checksum: refinery_checksum(migration),
        });
        let file = AppliedFile {
            phase: migration.phase,
            name: migration.refinery_name(),
            no_transaction: migration.no_transaction,
            elapsed: started.elapsed(),
        };
        on_event(UpEvent::Applied(&file));
        applied.push(file);
    }
    Ok(UpOutcome::Done(applied))
}

/// Status rows that forbid applying: changed since applied, or applied but missing on disk.
pub fn diverged_rows(status: &[StatusRow]) -> Vec<StatusRow> {
    status
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                MigrationState::Changed | MigrationState::MissingOnDisk
            )
        })
        .cloned()
        .collect()
}

/// The pending migrations (in order or not) of phases `0..=max_phase`, in version order.
pub fn pending_migrations<'p>(
    project: &'p Project,
    status: &[StatusRow],
    max_phase: Option<u8>,
) -> Vec<&'p Migration> {
    project
        .up_to(max_phase)
        .flat_map(|b| &b.migrations)
        .filter(|m| {
            status
                .iter()
                .any(|r| r.version == m.version && r.is_pending())
        })
        .collect()
}

/// refinery creates its table but not its schema: create the schema of `schema.table`.
pub(super) async fn ensure_history_schema(client: &Client, history_table: &str) -> Result<()> {
    if let Some((schema, _)) = history_table.split_once('.') {
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .with_context(|| format!("creating schema {schema} for the history table"))?;
    }
    Ok(())
}

/// One file of a run, with the history as it stands before it.
struct Step<'a> {
    history: &'a [AppliedMigration],
    project: &'a Project,
    migration: &'a Migration,
    options: &'a UpOptions,
}

impl Step<'_> {
    /// The history refinery is shown and whether its table exists (it does once a row is in it).
    fn context(&self) -> StepContext<'_> {
        StepContext {
            history: self.history,
            history_table: &self.options.history_table,
            table_exists: !self.history.is_empty(),
        }
    }

    /// Applies the file, retrying a transactional file that hit `lock_timeout`. The outer
    /// `Result` is for connection trouble, the inner for SQL failures.
    async fn apply_with_retries(
        &self,
        client: &mut Client,
        on_event: &mut dyn FnMut(UpEvent<'_>),
    ) -> Result<Result<(), FailedMigration>> {
        let retry = self.options.retry;
        let mut pause = retry.first_backoff;
        for attempt in 1..=retry.retries + 1 {
            let result = self.apply_once(client, on_event).await?;
            let hit_lock_timeout =
                matches!(&result, Err(f) if f.code.as_deref() == Some(LOCK_NOT_AVAILABLE));
            if !hit_lock_timeout || self.migration.no_transaction || attempt > retry.retries {
                return Ok(result);
            }
            on_event(UpEvent::Retrying {
                migration: self.migration,
                attempt,
                pause,
            });
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                interrupted = interrupt::wait() => return Err(interrupted.into()),
            }
            pause *= 2;
        }
        unreachable!("the last attempt always returns")
    }

    async fn apply_once(
        &self,
        client: &mut Client,
        on_event: &mut dyn FnMut(UpEvent<'_>),
    ) -> Result<Result<(), FailedMigration>> {
        let migration = self.migration;
        let table = &self.options.history_table;
        if migration.no_transaction {
            if let Err(failure) = run_statements_autocommit(client, migration, on_event).await {
                return Ok(Err(failure));
            }
            record_applied(client, self.context(), self.project, &[migration])
                .await
                .with_context(|| format!("recording {} in {table}", migration.path.display()))?;
            return Ok(Ok(()));
        }
        match apply_file(client, self.context(), self.project, migration).await {
            Ok(()) => Ok(Ok(())),
            Err(StepError::Statement(failure)) => Ok(Err(failure)),
            Err(StepError::Other(err)) => Err(anyhow::Error::new(err).context(format!(
                "applying {} through refinery",
                migration.path.display()
            ))),
        }
    }
}

/// Runs each statement of a no-transaction file on its own, in autocommit, first dropping an
/// INVALID index a failed concurrent build of the same name left behind.
async fn run_statements_autocommit(
    client: &Client,
    migration: &Migration,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<(), FailedMigration> {
    // Parsed for the concurrent index builds; the spans come from the same split as elsewhere.
    let statements = crate::sql::parse_statements(&migration.sql).unwrap_or_default();
    let spans = statement_spans(&migration.sql);
    let count = spans.len();
    for (i, span) in spans.iter().enumerate() {
        let sql = &migration.sql[span.clone()];
        let located = |err: &tokio_postgres::Error| {
            locate_db_error(migration.path.clone(), &migration.sql, sql, span.start, err)
                .at_statement(i + 1, count)
        };
        if let Some(signal) = interrupt::requested() {
            return Err(
                interrupted_before(migration, span.start, signal).at_statement(i + 1, count)
            );
        }
        let index = statements
            .iter()
            .find(|s| s.span.start == span.start)
            .and_then(concurrent_index);
        if let Some(index) = &index {
            let dropped = drop_if_invalid(client, index)
                .await
                .map_err(|err| located(&err))?;
            dropped
                .into_iter()
                .for_each(|name| on_event(UpEvent::DroppedInvalidIndex(name)));
        }
        if let Err(err) = client.batch_execute(sql).await {
            // Leave no INVALID index behind; a failure to drop it is retried on the next run, as
            // is the drop itself after an interrupt (DROP INDEX CONCURRENTLY may wait long).
            if let Some(index) = index.as_ref().filter(|_| interrupt::requested().is_none()) {
                let _ = drop_if_invalid(client, index).await;
            }
            return Err(located(&err));
        }
    }
    Ok(())
}

/// The failure of a no-transaction file stopped between two statements by an interrupt.
fn interrupted_before(migration: &Migration, offset: usize, signal: i32) -> FailedMigration {
    let index = crate::sql::LineIndex::new(&migration.sql);
    let (line, column) = index.line_col(offset);
    FailedMigration {
        file: migration.path.clone(),
        line,
        column,
        code: None,
        message: format!(
            "{} arrived; this statement was not started",
            interrupt::signal_name(signal)
        ),
        detail: None,
        hint: None,
        context: None,
        statement: None,
        source_line: index.line_text(line).to_string(),
    }
}
