//! `migrate up`: lock, refuse a diverged history, apply pending files one by one.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use refinery::{Runner, Target};
use tokio_postgres::Client;

use super::{
    FailedMigration, MigrationState, StatusRow, compute_status, locate_db_error, read_history,
};
use crate::bundle::{Migration, Project};
use crate::db::MigrationLock;

/// Settings of one `migrate up` run.
#[derive(Debug, Clone)]
pub struct UpOptions {
    /// Highest phase to apply (`None`: all).
    pub max_phase: Option<u8>,
    /// refinery's history table.
    pub history_table: String,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
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

/// Applies the pending migrations of the selected phases, calling `on_applied` after each file.
pub async fn migrate_up(
    client: &mut Client,
    project: &Project,
    options: &UpOptions,
    on_applied: &mut dyn FnMut(&AppliedFile),
) -> Result<UpOutcome> {
    let lock = MigrationLock::acquire(client, options.lock_wait).await?;
    ensure_history_schema(client, &options.history_table).await?;
    let outcome = apply_pending(client, project, options, on_applied).await;
    lock.release(client).await?;
    outcome
}

/// refinery creates its table but not its schema: create the schema of `schema.table`.
async fn ensure_history_schema(client: &Client, history_table: &str) -> Result<()> {
    if let Some((schema, _)) = history_table.split_once('.') {
        client
            .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
            .await
            .with_context(|| format!("creating schema {schema} for the history table"))?;
    }
    Ok(())
}

async fn apply_pending(
    client: &mut Client,
    project: &Project,
    options: &UpOptions,
    on_applied: &mut dyn FnMut(&AppliedFile),
) -> Result<UpOutcome> {
    let history = read_history(client, &options.history_table).await?;
    let status = compute_status(project, &history);
    let diverged: Vec<StatusRow> = status
        .iter()
        .filter(|r| {
            matches!(
                r.state,
                MigrationState::Changed | MigrationState::MissingOnDisk
            )
        })
        .cloned()
        .collect();
    if !diverged.is_empty() {
        return Ok(UpOutcome::Diverged(diverged));
    }
    let all: Vec<refinery::Migration> = project
        .migrations()
        .map(|m| refinery::Migration::unapplied(&m.refinery_name(), &m.sql))
        .collect::<Result<_, _>>()
        .context("handing the migrations to refinery")?;
    let pending: Vec<&Migration> = project
        .up_to(options.max_phase)
        .flat_map(|b| &b.migrations)
        .filter(|m| {
            status
                .iter()
                .any(|r| r.version == m.version && r.state == MigrationState::Pending)
        })
        .collect();
    let mut applied = Vec::new();
    for migration in pending {
        let started = Instant::now();
        if let Err(failure) = apply_one(client, &all, migration, &options.history_table).await? {
            return Ok(UpOutcome::Failed { applied, failure });
        }
        let file = AppliedFile {
            phase: migration.phase,
            name: migration.refinery_name(),
            no_transaction: migration.no_transaction,
            elapsed: started.elapsed(),
        };
        on_applied(&file);
        applied.push(file);
    }
    Ok(UpOutcome::Done(applied))
}

/// Applies one file. The outer `Result` is for connection trouble, the inner for SQL failures.
async fn apply_one(
    client: &mut Client,
    all: &[refinery::Migration],
    migration: &Migration,
    history_table: &str,
) -> Result<Result<(), FailedMigration>> {
    let version = migration.version as i32;
    if migration.no_transaction {
        if let Err(failure) = run_statements_autocommit(client, migration).await {
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

async fn record(
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

/// Runs each statement of a no-transaction file on its own, in autocommit.
async fn run_statements_autocommit(
    client: &Client,
    migration: &Migration,
) -> Result<(), FailedMigration> {
    let spans: Vec<_> = match crate::sql::parse_statements(&migration.sql) {
        Ok(statements) => statements.into_iter().map(|s| s.span).collect(),
        Err(_) => std::iter::once(0..migration.sql.len()).collect(),
    };
    for span in spans {
        let statement = &migration.sql[span.clone()];
        if statement.trim().is_empty() {
            continue;
        }
        if let Err(err) = client.batch_execute(statement).await {
            return Err(locate_db_error(
                migration.path.clone(),
                &migration.sql,
                statement,
                span.start,
                &err,
            ));
        }
    }
    Ok(())
}
