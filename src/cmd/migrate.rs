//! `eventos migrate up`.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use tokio_postgres::Client;

use super::{Outcome, emit};
use crate::bundle::Project;
use crate::cli::MigrateUpArgs;
use crate::config::Config;
use crate::migrate::{AppliedFile, UpOptions, UpOutcome, migrate_up};
use crate::report::Style;

/// How long `migrate up` waits for another run's lock.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);

/// Applies pending migrations.
pub async fn up(config: &Config, args: MigrateUpArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;
    let mut db = super::open_database(&project, &args.connection, phase).await?;
    apply(&mut db.client, &project, config, phase).await
}

/// Checks extensions, applies, prints one line per file and a summary.
pub(super) async fn apply(
    client: &mut Client,
    project: &Project,
    config: &Config,
    phase: Option<u8>,
) -> Result<Outcome> {
    check_extensions_available(client, project, phase).await?;
    let options = UpOptions {
        max_phase: phase,
        history_table: config.history_table.clone(),
        lock_wait: DEFAULT_LOCK_WAIT,
    };
    let style = Style::for_stdout();
    let started = Instant::now();
    let pending = project.up_to(phase).flat_map(|b| &b.migrations).count() as u64;
    let bar = ProgressBar::new(pending);
    bar.set_style(ProgressStyle::with_template(
        "{spinner} {pos}/{len} migrations {wide_bar} {elapsed}",
    )?);
    let mut on_applied = |file: &AppliedFile| {
        let line = applied_line(file);
        if bar.is_hidden() {
            emit(&format!("{line}\n"))
        } else {
            bar.println(line)
        }
        bar.inc(1);
    };
    let outcome = migrate_up(client, project, &options, &mut on_applied).await?;
    bar.finish_and_clear();
    Ok(match outcome {
        UpOutcome::Done(applied) if applied.is_empty() => {
            emit(&style.ok("migrate: up to date\n"));
            Outcome::Success
        }
        UpOutcome::Done(applied) => {
            let summary = format!(
                "migrate: applied {} migrations in {}\n",
                applied.len(),
                millis(started.elapsed())
            );
            emit(&style.ok(&summary));
            Outcome::Success
        }
        UpOutcome::Diverged(rows) => {
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
            eprint!("{}", style.error(&text));
            Outcome::Failure
        }
        UpOutcome::Failed { applied, failure } => {
            eprintln!("{}", style.error(&format!("migrate: failed: {failure}")));
            eprintln!(
                "migrate: that file was rolled back; {} migrations applied before it stay applied",
                applied.len()
            );
            Outcome::Failure
        }
    })
}

fn applied_line(file: &AppliedFile) -> String {
    let mode = if file.no_transaction {
        " (no transaction)"
    } else {
        ""
    };
    format!(
        "applied phase {} {}{mode} in {}",
        file.phase,
        file.name,
        millis(file.elapsed)
    )
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
