//! `eventos migrate up | down | baseline` for people: lock waits, the privilege preflight,
//! refusals, per-file progress, the run's summary and what a failure left behind.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::{Out, output, style};
use crate::base::format_millis;
use crate::bundle::{Migration, Project};
use crate::config::Timeouts;
use crate::db::{Backup, LockWait};
use crate::migrate::{
    AppliedMigration, BaselineOutcome, DownOutcome, FailedMigration, PrivilegeReport, Refusal,
    StatusRow, UpEvent, UpOutcome,
};

/// A line about waiting for the migration lock (stderr).
pub fn lock_wait(event: &LockWait<'_>) -> String {
    match event {
        LockWait::Waiting {
            holder,
            waited,
            limit,
        } => {
            let holder = holder.map_or("another session".to_string(), ToString::to_string);
            if *waited < Duration::from_secs(1) {
                format!(
                    "migrate: waiting for the migration lock, held by {holder}; up to {}s (--lock-wait)\n",
                    limit.as_secs()
                )
            } else {
                format!(
                    "migrate: still waiting for the migration lock ({}s of {}s), held by {holder}\n",
                    waited.as_secs(),
                    limit.as_secs()
                )
            }
        }
        LockWait::Acquired(waited) => format!(
            "migrate: got the migration lock after {:.1}s\n",
            waited.as_secs_f64()
        ),
    }
}

/// `backup: wrote FILE with PG_DUMP (server PostgreSQL N): schemas …` (stderr).
pub fn backup(backup: &Backup) -> String {
    let left_out = if backup.left_out.is_empty() {
        String::new()
    } else {
        let owners: Vec<String> = backup
            .left_out
            .iter()
            .map(|(owner, count)| format!("{count} of {owner}"))
            .collect();
        format!(
            "; left out entries the role cannot restore: {} (the platform's own)",
            owners.join(", ")
        )
    };
    format!(
        "backup: wrote {} with {} (server PostgreSQL {}): schemas {}{left_out}\n",
        backup.file.display(),
        backup.pg_dump.display(),
        backup.server_major,
        backup.schemas.join(", "),
    )
}

/// The timeouts a run applies (stderr).
pub fn timeouts(timeouts: &Timeouts) -> String {
    format!(
        "migrate: lock_timeout={}ms statement_timeout={}ms (0 = none)\n",
        timeouts.lock.as_millis(),
        timeouts.statement.as_millis()
    )
}

/// The privilege preflight's refusal (stderr, styled).
pub fn privileges(report: &PrivilegeReport) -> String {
    let mut text = format!(
        "migrate: preflight: role {} lacks privileges the pending migrations need; nothing was applied\n",
        report.role
    );
    for problem in &report.problems {
        text.push_str(&format!("  {problem}\n"));
    }
    text.push_str(
        "help: change those migrations: on Supabase, auth, storage and the other service schemas belong to Supabase's own roles, and supautils reserves its roles; elsewhere grant the role what it lacks\n",
    );
    style::error(&text)
}

/// Why a run applies nothing, with what to do (stderr, styled).
pub fn refusal(refusal: &Refusal) -> String {
    style::error(&match refusal {
        Refusal::Diverged(rows) => diverged(rows),
        Refusal::OutOfOrder {
            files,
            newest_applied,
        } => out_of_order(files, newest_applied),
    })
}

fn out_of_order(files: &[StatusRow], newest: &StatusRow) -> String {
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

fn diverged(rows: &[StatusRow]) -> String {
    let mut text =
        String::from("migrate: refusing to apply: the history disagrees with the files\n");
    for row in rows {
        text.push_str(&format!(
            "  {}: {}\n",
            row.refinery_name(),
            row.state.as_str()
        ));
    }
    text.push_str(
        "help: restore the applied files as they were (a change needs a new migration)\n",
    );
    text
}

/// How a run ended: the summary (stdout) or the failure and what it left (stderr).
pub fn up_outcome(outcome: &UpOutcome, elapsed: Duration) -> Out {
    match outcome {
        UpOutcome::Done(applied) if applied.is_empty() => {
            Out::Stdout(style::ok("migrate: up to date\n"))
        }
        UpOutcome::Done(applied) => Out::Stdout(style::ok(&format!(
            "migrate: applied {} migrations in {}\n",
            applied.len(),
            format_millis(elapsed)
        ))),
        UpOutcome::Failed {
            applied,
            failure,
            no_transaction,
        } => {
            let landed: Vec<&str> = applied.iter().map(|f| f.name.as_str()).collect();
            Out::Stderr(format!(
                "{}\nmigrate: {}\nmigrate: {} migrations applied before it stay applied{}\n",
                style::error(&format!("migrate: failed: {failure}")),
                what_remains(failure, *no_transaction),
                applied.len(),
                if landed.is_empty() {
                    String::new()
                } else {
                    format!(": {}", landed.join(", "))
                }
            ))
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

/// How `migrate down` ended.
pub fn down_outcome(outcome: &DownOutcome, phase: u8, script: &std::path::Path) -> Out {
    match outcome {
        DownOutcome::RolledBack(rows) => Out::Stdout(style::ok(&format!(
            "migrate down: ran {} and removed {rows} history rows of phase {phase}\n",
            script.display()
        ))),
        DownOutcome::NotApplied => Out::Stdout(format!(
            "migrate down: phase {phase} is not applied; nothing to do\n"
        )),
        DownOutcome::LaterPhaseApplied(rows) => Out::Stderr(style::error(&format!(
            "migrate down: refusing: later phases are applied ({})\nhelp: roll back the later phases first, newest first\n",
            names(rows).join(", ")
        ))),
        DownOutcome::Failed(failure) => Out::Stderr(style::error(&format!(
            "migrate down: failed: {failure}\nmigrate down: the rollback script ran in one transaction, which was rolled back; nothing changed\n"
        ))),
    }
}

fn names(rows: &[AppliedMigration]) -> Vec<String> {
    rows.iter()
        .map(|r| format!("V{:04}__{}", r.version, r.name))
        .collect()
}

/// How `migrate baseline` ended.
pub fn baseline_outcome(outcome: &BaselineOutcome, to: u32) -> Out {
    match outcome {
        BaselineOutcome::Recorded(rows) => {
            let mut text: String = rows
                .iter()
                .map(|row| format!("baseline: recorded {} as applied\n", row.refinery_name()))
                .collect();
            text.push_str(&format!(
                "baseline: {} migrations recorded up to version {to}\n",
                rows.len()
            ));
            Out::Stdout(text)
        }
        BaselineOutcome::Diverged(rows) => Out::Stderr(style::error(&diverged(rows))),
    }
}

/// Progress of `migrate up`: an indicatif bar per phase on a terminal (stderr), plain lines on
/// stdout otherwise.
pub struct Progress {
    bar: Option<ProgressBar>,
    phase: Option<u8>,
    files_per_phase: BTreeMap<u8, u64>,
    tty: bool,
}

impl Progress {
    /// Progress over `project`'s phases.
    pub fn new(project: &Project) -> Progress {
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

    /// Shows one event of the run.
    pub fn on_event(&mut self, event: UpEvent<'_>) {
        match event {
            UpEvent::Starting(migration) => self.starting(migration),
            UpEvent::Retrying {
                migration,
                attempt,
                pause,
            } => self.line(&format!(
                "{}: lock_timeout hit; retry {attempt} in {}",
                migration.refinery_name(),
                format_millis(pause)
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
                    format_millis(file.elapsed)
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

    /// A line above the bar, or on stdout without one. A closed stdout drops it: the run goes
    /// on (a file is never abandoned half-way), and the next result line reports the closure.
    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => {
                let _ = output::emit(&format!("{text}\n"));
            }
        }
    }

    /// Removes the bar.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::migrate::{AppliedFile, MigrationState, StatementNumber};
    use crate::report::strip;

    fn row(version: u32, name: &str, state: MigrationState) -> StatusRow {
        StatusRow {
            phase: Some((version / 1000) as u8),
            version,
            name: name.into(),
            state,
            applied_on: None,
        }
    }

    fn failure(statement: Option<StatementNumber>) -> FailedMigration {
        FailedMigration {
            file: PathBuf::from("sql/phase1/V1002__venues.sql"),
            line: 3,
            column: 5,
            code: Some("42P07".into()),
            message: "relation \"venues\" already exists".into(),
            detail: None,
            hint: Some("drop it first".into()),
            context: None,
            statement,
            source_line: "    CREATE TABLE venues (id int);".into(),
        }
    }

    fn text(out: Out) -> String {
        match out {
            Out::Stdout(text) => format!("stdout:\n{}", strip(&text)),
            Out::Stderr(text) => format!("stderr:\n{}", strip(&text)),
        }
    }

    #[test]
    fn refusals_name_the_files_and_what_to_do() {
        let diverged = Refusal::Diverged(vec![
            row(1, "notes", MigrationState::Changed),
            row(2, "gone", MigrationState::MissingOnDisk),
        ]);
        let late = Refusal::OutOfOrder {
            files: vec![row(3, "late", MigrationState::OutOfOrder)],
            newest_applied: row(1001, "events", MigrationState::Applied),
        };
        insta::assert_snapshot!(format!(
            "{}\n{}",
            strip(&refusal(&diverged)),
            strip(&refusal(&late))
        ));
    }

    #[test]
    fn outcomes_say_what_landed_and_what_remains() {
        let applied = vec![AppliedFile {
            phase: 1,
            name: "V1001__events".into(),
            no_transaction: false,
            elapsed: Duration::from_millis(41),
        }];
        let done = UpOutcome::Done(applied.clone());
        let in_tx = UpOutcome::Failed {
            applied: applied.clone(),
            failure: Box::new(failure(Some(StatementNumber { number: 2, of: 4 }))),
            no_transaction: false,
        };
        let no_tx = UpOutcome::Failed {
            applied: vec![],
            failure: Box::new(failure(Some(StatementNumber { number: 3, of: 4 }))),
            no_transaction: true,
        };
        let elapsed = Duration::from_millis(120);
        insta::assert_snapshot!(
            [
                text(up_outcome(&UpOutcome::Done(vec![]), elapsed)),
                text(up_outcome(&done, elapsed)),
                text(up_outcome(&in_tx, elapsed)),
                text(up_outcome(&no_tx, elapsed)),
            ]
            .join("\n")
        );
    }

    #[test]
    fn down_and_baseline_outcomes() {
        let script = std::path::Path::new("sql/rollback/phase1.sql");
        let later = vec![AppliedMigration {
            version: 2001,
            name: "orders".into(),
            applied_on: None,
            checksum: 0,
        }];
        insta::assert_snapshot!(
            [
                text(down_outcome(&DownOutcome::RolledBack(3), 1, script)),
                text(down_outcome(&DownOutcome::NotApplied, 1, script)),
                text(down_outcome(
                    &DownOutcome::LaterPhaseApplied(later),
                    1,
                    script
                )),
                text(down_outcome(&DownOutcome::Failed(failure(None)), 1, script)),
                text(baseline_outcome(
                    &BaselineOutcome::Recorded(vec![row(1, "notes", MigrationState::Pending)]),
                    1
                )),
            ]
            .join("\n")
        );
    }
}
