//! `migrate up`: refuse a diverged history, apply pending files one by one through refinery.
//!
//! The caller holds the migration lock ([`MigrationLock`]) for the whole run, compat layer
//! included; this module only needs proof of it.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use refinery::{Runner, Target};
use tokio_postgres::Client;

use super::invalid_index::{concurrent_index, drop_if_invalid};
use super::{
    FailedMigration, MigrationState, StatusRow, Timeouts, compute_status, locate_db_error,
    read_history,
};
use crate::bundle::{Migration, Project};
use crate::db::MigrationLock;

/// SQLSTATE `lock_not_available`, raised when `lock_timeout` expires.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// Settings of one `migrate up` run.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Highest phase to apply (`None`: all).
    pub max_phase: Option<u8>,
    /// refinery's history table.
    pub history_table: String,
    /// Session timeouts.
    pub timeouts: Timeouts,
    /// How often a transactional file that hit `lock_timeout` is retried (with doubling backoff).
    pub lock_retries: u32,
    /// The first backoff pause after a `lock_timeout`.
    pub first_backoff: Duration,
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
    /// Every selected migration is applied; these were applied now.
    Done(Vec<AppliedFile>),
    /// The history disagrees with the files: changed or missing migrations. Nothing was applied.
    Diverged(Vec<StatusRow>),
    /// A file failed and was rolled back; the files before it stay applied.
    Failed {
        /// Files applied before the failure.
        applied: Vec<AppliedFile>,
        /// The failure.
        failure: FailedMigration,
    },
}

/// Applies the pending migrations of the selected phases, reporting progress to `on_event`.
pub async fn migrate_up(
    client: &mut Client,
    _lock: &MigrationLock,
    project: &Project,
    options: &UpOptions,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<UpOutcome> {
    options.timeouts.apply(client).await?;
    ensure_history_schema(client, &options.history_table).await?;
    let history = read_history(client, &options.history_table).await?;
    let status = compute_status(project, &history);
    let diverged = diverged_rows(&status);
    if !diverged.is_empty() {
        return Ok(UpOutcome::Diverged(diverged));
    }
    let all = refinery_migrations(project)?;
    let mut applied = Vec::new();
    for migration in pending_migrations(project, &status, options.max_phase) {
        on_event(UpEvent::Starting(migration));
        let started = Instant::now();
        if let Err(failure) = apply_with_retries(client, &all, migration, options, on_event).await?
        {
            return Ok(UpOutcome::Failed { applied, failure });
        }
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

/// The pending migrations of phases `0..=max_phase`, in version order.
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
                .any(|r| r.version == m.version && r.state == MigrationState::Pending)
        })
        .collect()
}

/// Every bundle migration as refinery sees it.
pub(super) fn refinery_migrations(project: &Project) -> Result<Vec<refinery::Migration>> {
    project
        .migrations()
        .map(|m| refinery::Migration::unapplied(&m.refinery_name(), &m.sql))
        .collect::<Result<_, _>>()
        .context("handing the migrations to refinery")
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

/// Applies one file, retrying a transactional file that hit `lock_timeout`.
async fn apply_with_retries(
    client: &mut Client,
    all: &[refinery::Migration],
    migration: &Migration,
    options: &UpOptions,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<Result<(), FailedMigration>> {
    let mut pause = options.first_backoff;
    for attempt in 1..=options.lock_retries + 1 {
        let result = apply_one(client, all, migration, &options.history_table, on_event).await?;
        let hit_lock_timeout =
            matches!(&result, Err(f) if f.code.as_deref() == Some(LOCK_NOT_AVAILABLE));
        if !hit_lock_timeout || migration.no_transaction || attempt > options.lock_retries {
            return Ok(result);
        }
        on_event(UpEvent::Retrying {
            migration,
            attempt,
            pause,
        });
        tokio::time::sleep(pause).await;
        pause *= 2;
    }
    unreachable!("the last attempt always returns")
}

/// Applies one file. The outer `Result` is for connection trouble, the inner for SQL failures.
async fn apply_one(
    client: &mut Client,
    all: &[refinery::Migration],
    migration: &Migration,
    history_table: &str,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<Result<(), FailedMigration>> {
    let version = migration.version as i32;
    if migration.no_transaction {
        if let Err(failure) = run_statements_autocommit(client, migration, on_event).await {
            return Ok(Err(failure));
        }
        record(client, all, Target::FakeVersion(version), history_table)
            .await
            .with_context(|| {
                format!("recording {} in {history_table}", migration.path.display())
            })?;
        return Ok(Ok(()));
    }
    match record(client, all, Target::Version(version), history_table).await {
        Ok(()) => Ok(Ok(())),
        Err(err) => Ok(Err(locate_db_error(
            migration.path.clone(),
            &migration.sql,
            &migration.sql,
            0,
            &err,
        ))),
    }
}

/// Runs refinery up to `target`: the pending files up to it, each in its own transaction.
pub(super) async fn record(
    client: &mut Client,
    all: &[refinery::Migration],
    target: Target,
    history_table: &str,
) -> Result<(), refinery::Error> {
    let mut runner = Runner::new(all)
        .set_abort_divergent(true)
        .set_abort_missing(true)
        .set_target(target);
    runner.set_migration_table_name(history_table);
    runner.run_async(client).await.map(|_| ())
}

/// Runs each statement of a no-transaction file on its own, in autocommit, first dropping an
/// INVALID index a failed concurrent build of the same name left behind.
async fn run_statements_autocommit(
    client: &Client,
    migration: &Migration,
    on_event: &mut dyn FnMut(UpEvent<'_>),
) -> Result<(), FailedMigration> {
    let located = |sql: &str, start: usize, err: &tokio_postgres::Error| {
        locate_db_error(migration.path.clone(), &migration.sql, sql, start, err)
    };
    let statements = crate::sql::parse_statements(&migration.sql).unwrap_or_default();
    if statements.is_empty() && !migration.sql.trim().is_empty() {
        // Unparseable: let the server report the syntax error with its position.
        return client
            .batch_execute(&migration.sql)
            .await
            .map_err(|err| located(&migration.sql, 0, &err));
    }
    for statement in &statements {
        let sql = &migration.sql[statement.span.clone()];
        let index = concurrent_index(statement);
        if let Some(index) = &index {
            let dropped = drop_if_invalid(client, index)
                .await
                .map_err(|err| located(sql, statement.span.start, &err))?;
            dropped
                .into_iter()
                .for_each(|name| on_event(UpEvent::DroppedInvalidIndex(name)));
        }
        if let Err(err) = client.batch_execute(sql).await {
            if let Some(index) = &index {
                // Leave no INVALID index behind; a failure to drop it is retried on the next run.
                let _ = drop_if_invalid(client, index).await;
            }
            return Err(located(sql, statement.span.start, &err));
        }
    }
    Ok(())
}
