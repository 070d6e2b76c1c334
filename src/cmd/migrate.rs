//! `eventos migrate up | down | baseline`.
//!
//! `up` runs: preflight (lint has no errors, extensions available) → connect → take the advisory
//! lock (saying who holds it while waiting) → read and validate the history and plan the run
//! (refusing a diverged history or out-of-order files, before anything changes) → backup
//! (`--backup`) → Supabase compat layer → apply → verify the applied phases (unless
//! `--no-verify`) → release. The post-check runs under the lock, so no concurrent `down` can
//! drop what it reads. `--dry-run` plans the same way and prints the script; it takes no lock.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_postgres::Client;

use super::{Outcome, emit};
use crate::bundle::{Migration, Project};
use crate::cli::{LockArgs, MigrateBaselineArgs, MigrateDownArgs, MigrateUpArgs};
use crate::config::{Config, MigrateSettings};
use crate::db::{Database, LockWait, MigrationLock, interrupt};
use crate::migrate::{
    BaselineOutcome, DownOutcome, FailedMigration, Refusal, StatusRow, UpEvent, UpOptions,
    UpOutcome, UpPlan, backup_scope, check_privileges, dry_run_script, migrate_baseline,
    migrate_down, migrate_up, parse_duration, plan_up, read_history, render_privilege_report,
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
    let mut settings = resolve_settings(config, &args.lock)?;
    settings.out_of_order |= args.out_of_order;
    if !preflight_lint(config)? {
        return Ok(Outcome::Failure);
    }
    let mut db =
        Database::connect(&super::database_request(&project, &args.connection, phase)?).await?;
    check_extensions_available(&db.client, &project, phase).await?;
    if args.dry_run {
        return dry_run(&db, &project, config, &settings, phase).await;
    }
    let steps = Steps {
        phase,
        backup: args.backup.as_deref(),
        verify: !args.no_verify,
    };
    locked(&mut db, &project, config, &settings, &steps).await
}

/// What a locked run does besides applying.
struct Steps<'a> {
    phase: Option<u8>,
    backup: Option<&'a Path>,
    verify: bool,
}

/// Takes the lock, runs [`run_locked`], releases the lock (also after a failure).
async fn locked(
    db: &mut Database,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    steps: &Steps<'_>,
) -> Result<Outcome> {
    let lock = acquire_lock(&db.client, settings.lock_wait).await?;
    let outcome = run_locked(db, &lock, project, config, settings, steps).await;
    let released = lock.release(&db.client).await;
    let outcome = outcome?;
    released?;
    Ok(outcome)
}

/// Under the lock: plan (nothing changes when it refuses), backup, compat layer, apply, verify.
async fn run_locked(
    db: &mut Database,
    lock: &MigrationLock,
    project: &Project,
    config: &Config,
    settings: &MigrateSettings,
    steps: &Steps<'_>,
) -> Result<Outcome> {
    let history = read_history(&db.client, &config.history_table, project).await?;
    let plan = match plan_up(project, history, steps.phase, settings.out_of_order) {
        Ok(plan) => plan,
        Err(refusal) => {
            eprint!("{}", Style::for_stdout().error(&refusal_text(&refusal)));
            return Ok(Outcome::Failure);
        }
    };
    if let Some(file) = steps.backup {
        interrupt::check()?;
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
    interrupt::check()?;
    db.install_compat_if_requested().await?;
    let outcome = apply_planned(&mut db.client, lock, project, &plan, config, settings).await?;
    if outcome != Outcome::Success || !steps.verify {
        return Ok(outcome);
    }
    interrupt::check()?;
    super::verify::post_check(&db.client, project, config, steps.phase).await
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
    locked(db, project, config, &config.migrate, &steps).await
}

/// Waits for the migration lock, saying who holds it and how long this run has waited.
async fn acquire_lock(client: &Client, wait: Duration) -> Result<MigrationLock> {
    MigrationLock::acquire(client, wait, &mut |event| match event {
        LockWait::Waiting {
            holder,
            waited,
            limit,
        } => {
            let holder = holder.map_or("another session".to_string(), ToString::to_string);
            if waited < Duration::from_secs(1) {
                eprintln!(
                    "migrate: waiting for the migration lock, held by {holder}; up to {}s (--lock-wait)",
                    limit.as_secs()
                );
            } else {
                eprintln!(
                    "migrate: still waiting for the migration lock ({}s of {}s), held by {holder}",
                    waited.as_secs(),
                    limit.as_secs()
                );
            }
        }
        LockWait::Acquired(waited) => eprintln!(
            "migrate: got the migration lock after {:.1}s",
            waited.as_secs_f64()
        ),
    })
    .await
}

/// Applies the plan with progress and prints one line per file and a summary.
async fn apply_planned(
    client: &mut Client,
    lock: &MigrationLock,
    project: &Project,
    plan: &UpPlan<'_>,
    config: &Config,
    settings: &MigrateSettings,
) -> Result<Outcome> {
    let options = UpOptions {
        history_table: config.history_table.clone(),
        timeouts: settings.timeouts,
        lock_retries: LOCK_TIMEOUT_RETRIES,
        first_backoff: FIRST_BACKOFF,
    };
    let privileges = check_privileges(client, &plan.pending, &config.history_table).await?;
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
    let outcome = migrate_up(client, lock, project, plan, &options, &mut |event| {
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
        UpOutcome::Failed {
            applied,
            failure,
            no_transaction,
        } => {
            eprintln!("{}", style.error(&format!("migrate: failed: {failure}")));
            eprintln!("migrate: {}", what_remains(&failure, no_transaction));
            let landed: Vec<&str> = applied.iter().map(|f| f.name.as_str()).collect();
            eprintln!(
                "migrate: {} migrations applied before it stay applied{}",
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

/// What a failed file left behind: nothing (one transaction), or its first statements.
fn what_remains(failure: &FailedMigration, no_transaction: bool) -> String {
    let file = failure.file.display();
    let Some(statement) = failure.statement else {
        return format!("{file} was rolled back; nothing of it remains");
    };
    let (k, n) = (statement.number, statement.of);
    if !no_transaction {
        return format!(
            "statement {k} of {n} failed; {file} ran in one transaction, which was rolled back: nothing of it remains"
        );
    }
    let committed = match k {
        1 => "no statement of it was committed".to_string(),
        2 => "statement 1 was committed and stays".to_string(),
        _ => format!("statements 1–{} were committed and stay", k - 1),
    };
    format!(
        "statement {k} of {n} failed; {file} runs without a transaction: {committed}; the file is not recorded, so the next run starts it over (its statements must be idempotent)"
    )
}

/// The refusal of a run, with what to do.
fn refusal_text(refusal: &Refusal) -> String {
    match refusal {
        Refusal::Diverged(rows) => diverged_text(rows),
        Refusal::OutOfOrder {
            files,
            newest_applied,
        } => out_of_order_text(files, newest_applied),
    }
}

fn out_of_order_text(files: &[StatusRow], newest: &StatusRow) -> String {
    let mut text = format!(
        "migrate: refusing to apply: {} pending migration{} older than the newest applied one ({}):\n",
        files.len(),
        if files.len() == 1 { " is" } else { "s are" },
        newest.refinery_name()
    );
    for row in files {
        text.push_str(&format!(
            "  {} (phase {})\n",
            row.refinery_name(),
            row.phase.map_or("-".into(), |p| p.to_string())
        ));
    }
    let first = files.first().map_or(0, |r| r.version);
    text.push_str(&format!(
        "help: a file added to an earlier phase after later phases were applied: if it does not depend on those phases being absent, apply it with --out-of-order (or `out_of_order = true` under [migrate] in eventos.toml)\n\
         help: a file whose history row was deleted while its changes are still in the database: record it without running it, `eventos migrate baseline --to {first}`\n\
         help: otherwise give it a version after {} (docs/migrate.md, \"Adding a migration\")\n",
        newest.refinery_name()
    ));
    text
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
            eprint!("{}", Style::for_stdout().error(&refusal_text(&refusal)));
            return Ok(Outcome::Failure);
        }
    };
    if db.wants_compat() {
        emit(
            "-- the Supabase compatibility layer would be installed first (when the database has no auth schema)\n",
        );
    }
    emit(&dry_run_script(
        &plan,
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
    let report = super::lint::lint_paths_or_bundles(
        config,
        &[],
        crate::lint::discover::MAX_FILE_BYTES,
        &options,
    )?;
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

/// Rolls back one phase, under the same lock as `up`.
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
    let lock = acquire_lock(&db.client, settings.lock_wait).await?;
    let outcome = async {
        settings.timeouts.apply(&db.client).await?;
        migrate_down(
            &mut db.client,
            &lock,
            &project,
            args.phase,
            &config.history_table,
        )
        .await
    }
    .await;
    let released = lock.release(&db.client).await;
    let outcome = outcome?;
    released?;
    let style = Style::for_stdout();
    Ok(match outcome {
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
                    "migrate down: failed: {failure}\nmigrate down: the rollback script ran in one transaction, which was rolled back; nothing changed"
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
    let lock = acquire_lock(&db.client, settings.lock_wait).await?;
    let outcome = migrate_baseline(
        &mut db.client,
        &lock,
        &project,
        args.to,
        &config.history_table,
    )
    .await;
    let released = lock.release(&db.client).await;
    let outcome = outcome?;
    released?;
    Ok(match outcome {
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
