//! `eventos migrate up | down | baseline`.
//!
//! `up` runs: preflight (lint has no errors, extensions available) → connect → take the advisory
//! lock → backup (`--backup`) → Supabase compat layer → apply → release → verify the applied
//! phases (unless `--no-verify`). `--dry-run` stops after preflight and prints the script.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_postgres::Client;

use super::{Outcome, emit};
use crate::bundle::{Migration, Project};
use crate::cli::{LockArgs, MigrateBaselineArgs, MigrateDownArgs, MigrateUpArgs};
use crate::config::{Config, MigrateSettings};
use crate::db::{Database, MigrationLock};
use crate::migrate::{
    BaselineOutcome, DownOutcome, StatusRow, UpEvent, UpOptions, UpOutcome, backup_scope,
    check_privileges, compute_status, diverged_rows, dry_run_script, migrate_baseline,
    migrate_down, migrate_up, parse_duration, read_history, render_privilege_report,
};
use crate::report::{Severity, Style, render_human};

/// How often a transactional file that hit `lock_timeout` is retried.
const LOCK_TIMEOUT_RETRIES: u32 = 3;
/// The first pause before such a retry; it doubles each time.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// Applies pending migrations.
pub async fn up(config: &Config, args: MigrateUpArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;
    let settings = resolve_settings(config, &args.lock)?;
    if !preflight_lint(config)? {
        return Ok(Outcome::Failure);
    }
    let mut db =
        Database::connect(&super::database_request(&project, &args.connection, phase)?).await?;
    check_extensions_available(&db.client, &project, phase).await?;
    if args.dry_run {
        return dry_run(&mut db, &project, config, &settings, phase).await;
    }
    let lock = MigrationLock::acquire(&db.client, settings.lock_wait).await?;
    let outcome = backup_compat_apply(&mut db, &lock, &project, config, &settings, &args).await;
    lock.release(&db.client).await?;
    let outcome = outcome?;
    if outcome != Outcome::Success || args.no_verify {
        return Ok(outcome);
    }
    super::verify::post_check(&db.client, &project, config, phase).await
}

/// Under the lock: optional backup, compat layer, then the migrations.
async fn backup_compat_apply(
    db: &mut Database,
    lock: &MigrationLock,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    args: &MigrateUpArgs,
) -> Result<Outcome> {
    if let Some(file) = &args.backup {
        let backup = db
            .backup(file, &backup_scope(project, &config.history_table))
            .await?;
        eprintln!(
            "backup: wrote {} with {} (server PostgreSQL {}): schemas {}{}",
            backup.file.display(),
            backup.pg_dump.display(),
            backup.server_major,
            backup.schemas.join(", "),
            describe_left_out(&backup.left_out)
        );
    }
    db.install_compat_if_requested().await?;
    apply_locked(
        &mut db.client,
        lock,
        project,
        config,
        settings,
        args.phases.phase,
    )
    .await
}

/// `; left out N entries owned by X, …` (roles the migrating role cannot restore as).
fn describe_left_out(left_out: &[(String, usize)]) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    let owners: Vec<String> = left_out
        .iter()
        .map(|(owner, count)| format!("{count} of {owner}"))
        .collect();
    format!(
        "; left out entries the role cannot restore: {} (the platform's own)",
        owners.join(", ")
    )
}

/// Takes the lock, installs the compat layer if wanted, applies, releases: for `check`, whose
/// database is its own.
pub(super) async fn apply(
    db: &mut Database,
    project: &Project,
    config: &Config,
    phase: Option<u8>,
) -> Result<Outcome> {
    check_extensions_available(&db.client, project, phase).await?;
    let lock = MigrationLock::acquire(&db.client, config.migrate.lock_wait).await?;
    let outcome = async {
        db.install_compat_if_requested().await?;
        apply_locked(
            &mut db.client,
            &lock,
            project,
            config,
            &config.migrate,
            phase,
        )
        .await
    }
    .await;
    lock.release(&db.client).await?;
    outcome
}

/// Applies with progress and prints one line per file and a summary.
async fn apply_locked(
    client: &mut Client,
    lock: &MigrationLock,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    phase: Option<u8>,
) -> Result<Outcome> {
    let options = UpOptions {
        max_phase: phase,
        history_table: config.history_table.clone(),
        timeouts: settings.timeouts,
        lock_retries: LOCK_TIMEOUT_RETRIES,
        first_backoff: FIRST_BACKOFF,
    };
    let privileges = check_privileges(client, project, phase, &config.history_table).await?;
    if !privileges.problems.is_empty() {
        eprint!(
            "{}",
            Style::for_stdout().error(&render_privilege_report(&privileges))
        );
        return Ok(Outcome::Failure);
    }
    eprintln!(
        "migrate: lock_timeout={}ms statement_timeout={}ms (0 = none)",
        options.timeouts.lock.as_millis(),
        options.timeouts.statement.as_millis()
    );
    let started = Instant::now();
    let mut progress = Progress::new(project);
    let outcome = migrate_up(client, lock, project, &options, &mut |event| {
        progress.on_event(event)
    })
    .await;
    progress.finish();
    Ok(render_up_outcome(outcome?, started.elapsed()))
}

fn render_up_outcome(outcome: UpOutcome, elapsed: Duration) -> Outcome {
    let style = Style::for_stdout();
    match outcome {
        UpOutcome::Done(applied) if applied.is_empty() => {
            emit(&style.ok("migrate: up to date\n"));
            Outcome::Success
        }
        UpOutcome::Done(applied) => {
            let summary = format!(
                "migrate: applied {} migrations in {}\n",
                applied.len(),
                millis(elapsed)
            );
            emit(&style.ok(&summary));
            Outcome::Success
        }
        UpOutcome::Diverged(rows) => {
            eprint!("{}", style.error(&diverged_text(&rows)));
            Outcome::Failure
        }
        UpOutcome::Failed { applied, failure } => {
            eprintln!("{}", style.error(&format!("migrate: failed: {failure}")));
            let landed: Vec<&str> = applied.iter().map(|f| f.name.as_str()).collect();
            eprintln!(
                "migrate: that file was rolled back; {} migrations applied before it stay applied{}",
                applied.len(),
                if landed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", landed.join(", "))
                }
            );
            Outcome::Failure
        }
    }
}

fn diverged_text(rows: &[StatusRow]) -> String {
    let mut text =
        String::from("migrate: refusing to apply: the history disagrees with the files\n");
    for row in rows {
        text.push_str(&format!(
            "  V{:04}__{}: {}\n",
            row.version,
            row.name,
            row.state.as_str()
        ));
    }
    text.push_str(
        "help: restore the applied files as they were (a change needs a new migration)\n",
    );
    text
}

/// Progress: an indicatif bar per phase on a TTY (stderr), plain lines on stdout otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    phase: Option<u8>,
    files_per_phase: BTreeMap<u8, u64>,
    tty: bool,
}

impl Progress {
    fn new(project: &Project) -> Progress {
        let files_per_phase = project
            .bundles
            .iter()
            .map(|b| (b.phase(), b.migrations.len() as u64))
            .collect();
        Progress {
            bar: None,
            phase: None,
            files_per_phase,
            tty: std::io::stderr().is_terminal(),
        }
    }

    fn on_event(&mut self, event: UpEvent<'_>) {
        match event {
            UpEvent::Starting(migration) => self.starting(migration),
            UpEvent::Retrying {
                migration,
                attempt,
                pause,
            } => self.line(&format!(
                "{}: lock_timeout hit; retry {attempt} in {}",
                migration.refinery_name(),
                millis(pause)
            )),
            UpEvent::DroppedInvalidIndex(name) => self.line(&format!(
                "dropped INVALID index {name} left by an earlier failed concurrent build"
            )),
            UpEvent::Applied(file) => {
                let mode = if file.no_transaction {
                    " (no transaction)"
                } else {
                    ""
                };
                self.line(&format!(
                    "applied phase {} {}{mode} in {}",
                    file.phase,
                    file.name,
                    millis(file.elapsed)
                ));
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
        }
    }

    fn starting(&mut self, migration: &Migration) {
        if !self.tty {
            return;
        }
        if self.phase != Some(migration.phase) {
            self.finish();
            let total = self
                .files_per_phase
                .get(&migration.phase)
                .copied()
                .unwrap_or(0);
            let bar = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "phase {prefix} {bar:30} {pos}/{len} {elapsed:>4} {msg}",
            ) {
                bar.set_style(style);
            }
            bar.set_prefix(migration.phase.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            self.bar = Some(bar);
            self.phase = Some(migration.phase);
        }
        if let Some(bar) = &self.bar {
            bar.set_message(migration.refinery_name());
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => emit(&format!("{text}\n")),
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
    }
}

/// `--dry-run`: read the history, refuse a diverged one, print the script; change nothing.
async fn dry_run(
    db: &mut Database,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    phase: Option<u8>,
) -> Result<Outcome> {
    let status = compute_status(
        project,
        &read_history(&mut db.client, &config.history_table).await?,
    );
    let diverged = diverged_rows(&status);
    if !diverged.is_empty() {
        eprint!("{}", Style::for_stdout().error(&diverged_text(&diverged)));
        return Ok(Outcome::Failure);
    }
    if db.wants_compat() {
        emit(
            "-- the Supabase compatibility layer would be installed first (when the database has no auth schema)\n",
        );
    }
    emit(&dry_run_script(
        project,
        &status,
        phase,
        &settings.timeouts,
        &config.history_table,
    ));
    Ok(Outcome::Success)
}

/// Flags over `[migrate]` over defaults.
fn resolve_settings(config: &Config, args: &LockArgs) -> Result<MigrateSettings> {
    let parse = |flag: &str, value: &Option<String>, default: Duration| -> Result<Duration> {
        match value {
            Some(text) => parse_duration(text).map_err(|e| anyhow::anyhow!("--{flag}: {e}")),
            None => Ok(default),
        }
    };
    let base = &config.migrate;
    let mut settings = base.clone();
    settings.lock_wait = parse("lock-wait", &args.lock_wait, base.lock_wait)?;
    settings.timeouts.lock = parse("lock-timeout", &args.lock_timeout, base.timeouts.lock)?;
    settings.timeouts.statement = parse(
        "statement-timeout",
        &args.statement_timeout,
        base.timeouts.statement,
    )?;
    Ok(settings)
}

/// Preflight: the bundles lint without errors (`sql/eventos.sum` integrity included), with the
/// project's rule levels. Prints the errors and returns false otherwise.
fn preflight_lint(config: &Config) -> Result<bool> {
    let options = crate::lint::LintOptions::from_config(config)?;
    let report = super::lint::lint_paths_or_bundles(config, &[], &options)?;
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    if errors.is_empty() {
        return Ok(true);
    }
    eprint!("{}", render_human(&errors, &report.sources, Style::plain()));
    eprintln!(
        "migrate: preflight failed: {} lint errors; nothing was applied\nhelp: run `eventos lint` and fix them",
        errors.len()
    );
    Ok(false)
}

fn millis(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

/// Stops before any change when the server lacks an extension a selected phase needs.
async fn check_extensions_available(
    client: &Client,
    project: &Project,
    phase: Option<u8>,
) -> Result<()> {
    let required = project.required_extensions(phase);
    if required.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = required.iter().map(|(name, _)| name.as_str()).collect();
    let rows = client
        .query(
            "SELECT name::text FROM pg_available_extensions WHERE name = ANY($1)",
            &[&names],
        )
        .await?;
    let available: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|(name, _)| !available.contains(name))
        .map(|(name, phase)| format!("{name} (needed by phase {phase})"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "the server lacks extensions: {}\nhelp: install them on the server (pgvector: on Supabase enable it in the dashboard; locally use a PostgreSQL build with pgvector), or pass --phase to stop before that phase",
            missing.join(", ")
        );
    }
    Ok(())
}

/// Rolls back one phase.
pub async fn down(config: &Config, args: MigrateDownArgs) -> Result<Outcome> {
    let project = super::load_project(config, Some(args.phase))?;
    let settings = resolve_settings(config, &args.lock)?;
    let bundle = project
        .bundles
        .iter()
        .find(|b| b.phase() == args.phase)
        .context("phase checked above")?;
    let mut db = Database::connect(&super::database_request(
        &project,
        &args.connection,
        Some(args.phase),
    )?)
    .await?;
    let lock = MigrationLock::acquire(&db.client, settings.lock_wait).await?;
    settings.timeouts.apply(&db.client).await?;
    let outcome = migrate_down(&mut db.client, &lock, bundle, &config.history_table).await;
    lock.release(&db.client).await?;
    let style = Style::for_stdout();
    Ok(match outcome? {
        DownOutcome::RolledBack(rows) => {
            emit(&style.ok(&format!(
                "migrate down: ran {} and removed {rows} history rows of phase {}\n",
                bundle.rollback_path.display(),
                args.phase
            )));
            Outcome::Success
        }
        DownOutcome::NotApplied => {
            emit(&format!(
                "migrate down: phase {} is not applied; nothing to do\n",
                args.phase
            ));
            Outcome::Success
        }
        DownOutcome::LaterPhaseApplied(rows) => {
            let names: Vec<String> = rows
                .iter()
                .map(|r| format!("V{:04}__{}", r.version, r.name))
                .collect();
            eprintln!(
                "{}",
                style.error(&format!(
                    "migrate down: refusing: later phases are applied ({})\nhelp: roll back the later phases first, newest first",
                    names.join(", ")
                ))
            );
            Outcome::Failure
        }
        DownOutcome::Failed(failure) => {
            eprintln!(
                "{}",
                style.error(&format!(
                    "migrate down: failed: {failure}\nmigrate down: rolled back; nothing changed"
                ))
            );
            Outcome::Failure
        }
    })
}

/// Records migrations up to `--to` as applied without running them.
pub async fn baseline(config: &Config, args: MigrateBaselineArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let settings = resolve_settings(config, &args.lock)?;
    let mut db =
        Database::connect(&super::database_request(&project, &args.connection, None)?).await?;
    let lock = MigrationLock::acquire(&db.client, settings.lock_wait).await?;
    let outcome = migrate_baseline(
        &mut db.client,
        &lock,
        &project,
        args.to,
        &config.history_table,
    )
    .await;
    lock.release(&db.client).await?;
    Ok(match outcome? {
        BaselineOutcome::Recorded(rows) => {
            for row in &rows {
                emit(&format!(
                    "baseline: recorded V{:04}__{} as applied\n",
                    row.version, row.name
                ));
            }
            emit(&format!(
                "baseline: {} migrations recorded up to version {}\n",
                rows.len(),
                args.to
            ));
            Outcome::Success
        }
        BaselineOutcome::Diverged(rows) => {
            eprint!("{}", Style::for_stdout().error(&diverged_text(&rows)));
            Outcome::Failure
        }
    })
}
