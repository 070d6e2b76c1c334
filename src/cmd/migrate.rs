//! `eventos migrate up | down | baseline`: flags → settings → engine calls → rendered results.
//!
//! `up` runs: preflight (lint has no errors, extensions available) → connect → take the advisory
//! lock (saying who holds it while waiting) → read and validate the history and plan the run
//! (refusing a diverged history or out-of-order files, before anything changes) → backup
//! (`--backup`) → Supabase compat layer → privilege preflight → apply → verify the applied
//! phases (unless `--no-verify`) → release. The post-check runs under the lock, so no
//! concurrent `down` can drop what it reads. `--dry-run` plans the same way and prints the
//! script; it takes no lock.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use super::{Outcome, emit, note, show, show_notes};
use crate::bundle::Project;
use crate::cli::{LockArgs, MigrateBaselineArgs, MigrateDownArgs, MigrateUpArgs, TargetArgs};
use crate::config::{Config, MigrateSettings};
use crate::db::{Database, DatabaseRequest, LockWait, MigrationLock, interrupt};
use crate::migrate::{
    UpOptions, UpPlan, apply_timeouts, backup_scope, check_extensions_available, check_privileges,
    dry_run_script, migrate_baseline, migrate_down, migrate_up, plan_up, read_history,
};
use crate::report::{self, migrate::Progress};

/// Applies pending migrations.
pub async fn up(config: &Config, args: MigrateUpArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;
    let mut settings = resolve_settings(&config.migrate, &args.lock);
    settings.out_of_order |= args.out_of_order;
    if !preflight_lint(config)? {
        return Ok(Outcome::Failure);
    }
    let request = super::database_request(&project, &args.connection, phase)?;
    let mut db = super::connect(&request).await?;
    check_extensions_available(&db.client, &project, phase).await?;
    if args.dry_run {
        return dry_run(&db, &project, config, &settings, phase).await;
    }
    let steps = Steps {
        phase,
        backup: args.backup.as_deref(),
        verify: !args.no_verify,
    };
    locked_up(&mut db, &project, config, &settings, &steps).await
}

/// What a locked run does besides applying.
struct Steps<'a> {
    phase: Option<u8>,
    backup: Option<&'a Path>,
    verify: bool,
}

/// Lock, compat layer, apply and post-check for `check`, whose database is its own.
pub(super) async fn apply(
    db: &mut Database,
    project: &Project,
    config: &Config,
    phase: Option<u8>,
) -> Result<Outcome> {
    check_extensions_available(&db.client, project, phase).await?;
    let steps = Steps {
        phase,
        backup: None,
        verify: true,
    };
    locked_up(db, project, config, &config.migrate, &steps).await
}

/// Under the lock: plan (nothing changes when it refuses), backup, compat layer, apply, verify.
async fn locked_up(
    db: &mut Database,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    steps: &Steps<'_>,
) -> Result<Outcome> {
    db.with_lock(
        settings.lock_wait,
        &mut show_lock_wait,
        async |db: &mut Database, lock: &MigrationLock| {
            let history = read_history(&db.client, &config.history_table, project).await?;
            let plan = match plan_up(project, history, steps.phase, settings.out_of_order) {
                Ok(plan) => plan,
                Err(refusal) => {
                    note(&report::migrate::refusal(&refusal));
                    return Ok(Outcome::Failure);
                }
            };
            if let Some(file) = steps.backup {
                interrupt::check()?;
                let scope = backup_scope(project, &config.history_table);
                note(&report::migrate::backup(&db.backup(file, &scope).await?));
            }
            interrupt::check()?;
            db.install_compat_if_requested().await?;
            show_notes(db);
            let outcome = apply_planned(db, lock, project, &plan, config, settings).await?;
            if outcome != Outcome::Success || !steps.verify {
                return Ok(outcome);
            }
            interrupt::check()?;
            super::verify::post_check(&db.client, project, config, steps.phase).await
        },
    )
    .await
}

/// Prints a lock wait on stderr.
fn show_lock_wait(event: LockWait<'_>) {
    note(&report::migrate::lock_wait(&event));
}

/// The privilege preflight, then the planned files with progress, then the summary.
async fn apply_planned(
    db: &mut Database,
    lock: &MigrationLock,
    project: &Project,
    plan: &UpPlan<'_>,
    config: &Config,
    settings: &MigrateSettings,
) -> Result<Outcome> {
    let privileges = check_privileges(&mut db.client, &plan.pending, &config.history_table).await?;
    if !privileges.problems.is_empty() {
        note(&report::migrate::privileges(&privileges));
        return Ok(Outcome::Failure);
    }
    let options = UpOptions {
        history_table: config.history_table.clone(),
        timeouts: settings.timeouts,
        retry: settings.retry,
    };
    note(&report::migrate::timeouts(&options.timeouts));
    let started = Instant::now();
    let mut progress = Progress::new(project);
    let outcome = migrate_up(
        &mut db.client,
        lock,
        project,
        plan,
        &options,
        &mut |event| progress.on_event(event),
    )
    .await;
    progress.finish();
    let outcome = outcome?;
    show(report::migrate::up_outcome(&outcome, started.elapsed()))?;
    Ok(Outcome::from_failed(!matches!(
        outcome,
        crate::migrate::UpOutcome::Done(_)
    )))
}

/// `--dry-run`: read the history, plan exactly as a run would (refusing what it refuses), print
/// the script; change nothing.
async fn dry_run(
    db: &Database,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    phase: Option<u8>,
) -> Result<Outcome> {
    let history = read_history(&db.client, &config.history_table, project).await?;
    let plan = match plan_up(project, history, phase, settings.out_of_order) {
        Ok(plan) => plan,
        Err(refusal) => {
            note(&report::migrate::refusal(&refusal));
            return Ok(Outcome::Failure);
        }
    };
    if db.wants_compat() {
        emit(
            "-- the Supabase compatibility layer would be installed first (when the database has no auth schema)\n",
        )?;
    }
    emit(&dry_run_script(
        &plan,
        &settings.timeouts,
        &config.history_table,
    ))?;
    Ok(Outcome::Success)
}

/// Flags over `[migrate]` over defaults.
fn resolve_settings(base: &MigrateSettings, args: &LockArgs) -> MigrateSettings {
    let mut settings = base.clone();
    settings.lock_wait = args.lock_wait.unwrap_or(base.lock_wait);
    settings.timeouts.lock = args.lock_timeout.unwrap_or(base.timeouts.lock);
    settings.timeouts.statement = args.statement_timeout.unwrap_or(base.timeouts.statement);
    settings
}

/// Preflight: the bundles lint without errors (`sql/eventos.sum` integrity included), with the
/// project's rule levels. Prints the errors and returns false otherwise.
fn preflight_lint(config: &Config) -> Result<bool> {
    let options = crate::lint::LintOptions::from_config(config)?;
    let report = super::lint::lint_paths_or_bundles(config, &[], &options)?;
    if report.count(crate::base::Severity::Error) == 0 {
        return Ok(true);
    }
    note(&report::lint::preflight_failure(&report));
    Ok(false)
}

/// Connects to the database `down` and `baseline` change.
async fn connect_target(
    project: &Project,
    args: &TargetArgs,
    phase: Option<u8>,
) -> Result<Database> {
    let Some(url) = &args.database_url else {
        anyhow::bail!(
            "no database given\nhelp: pass --database-url, or set DATABASE_URL (or put it in .env)"
        );
    };
    let request = DatabaseRequest {
        url: Some(url.clone()),
        supabase_compat: args.supabase_compat,
        needs_vector: super::needs_vector(project, phase),
        profile: crate::db::CompatProfile::Supabase,
    };
    super::connect(&request).await
}

/// Rolls back one phase, under the same lock as `up`.
pub async fn down(config: &Config, args: MigrateDownArgs) -> Result<Outcome> {
    let project = super::load_project(config, Some(args.phase))?;
    let settings = resolve_settings(&config.migrate, &args.lock);
    let bundle = project
        .bundles
        .iter()
        .find(|b| b.phase() == args.phase)
        .context("phase checked above")?;
    let mut db = connect_target(&project, &args.target, Some(args.phase)).await?;
    let outcome = db
        .with_lock(
            settings.lock_wait,
            &mut show_lock_wait,
            async |db: &mut Database, lock: &MigrationLock| {
                apply_timeouts(&db.client, &settings.timeouts).await?;
                migrate_down(
                    &mut db.client,
                    lock,
                    &project,
                    args.phase,
                    &config.history_table,
                )
                .await
            },
        )
        .await?;
    let rolled_back = matches!(
        outcome,
        crate::migrate::DownOutcome::RolledBack(_) | crate::migrate::DownOutcome::NotApplied
    );
    show(report::migrate::down_outcome(
        &outcome,
        args.phase,
        &bundle.rollback_path,
    ))?;
    Ok(Outcome::from_failed(!rolled_back))
}

/// Records migrations up to `--to` as applied without running them.
pub async fn baseline(config: &Config, args: MigrateBaselineArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let settings = resolve_settings(&config.migrate, &args.lock);
    let mut db = connect_target(&project, &args.target, None).await?;
    let outcome = db
        .with_lock(
            settings.lock_wait,
            &mut show_lock_wait,
            async |db: &mut Database, lock: &MigrationLock| {
                migrate_baseline(
                    &mut db.client,
                    lock,
                    &project,
                    args.to,
                    &config.history_table,
                )
                .await
            },
        )
        .await?;
    let recorded = matches!(outcome, crate::migrate::BaselineOutcome::Recorded(_));
    show(report::migrate::baseline_outcome(&outcome, args.to))?;
    Ok(Outcome::from_failed(!recorded))
}
