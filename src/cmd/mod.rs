//! Command dispatch: one module per command group, each turning arguments into an engine call
//! and rendering its result through `report`. Runs everything on one tokio runtime; SIGINT,
//! SIGTERM and SIGHUP cancel the running statement and still clean up (see `signals`).

mod check;
mod checks;
mod completions;
mod diff;
mod hash;
mod lint;
mod maintain;
mod migrate;
mod new;
mod rules;
mod signals;
mod status;
mod verify;

use std::process::ExitCode;

use anyhow::Result;

use crate::bundle::Project;
use crate::cli::{Cli, Command, CompatArgs, CompatChoice, ConnectionArgs, MigrateCommand};
use crate::config::Config;
use crate::db::{CompatProfile, Database, DatabaseRequest};
use crate::report::Out;
use crate::report::output::{self, StdoutClosed};

/// How a command ended, when it did not fail outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Everything passed.
    Success,
    /// Findings, failed checks or a failed migration (exit 1).
    Failure,
    /// Interrupted by a signal (exit 128 + its number: 130 SIGINT, 143 SIGTERM, 129 SIGHUP).
    Interrupted(i32),
}

impl Outcome {
    /// The process exit code.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Success => ExitCode::SUCCESS,
            Outcome::Failure => ExitCode::from(1),
            Outcome::Interrupted(signal) => ExitCode::from((128 + signal).clamp(0, 255) as u8),
        }
    }

    /// Success unless `failed`.
    pub fn from_failed(failed: bool) -> Outcome {
        if failed {
            Outcome::Failure
        } else {
            Outcome::Success
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(signals::run_interruptible(dispatch(cli)))
}

async fn dispatch(cli: Cli) -> Result<Outcome> {
    let config = Config::load(cli.config.as_deref())?;
    // `[verify]` is validated up front, so `migrate up` cannot apply and then stop at its
    // post-check on a typo in eventos.toml.
    crate::verify::Settings::from_config(&config.verify)?;
    match cli.command {
        Command::Migrate(MigrateCommand::Up(args)) => migrate::up(&config, args).await,
        Command::Migrate(MigrateCommand::Down(args)) => migrate::down(&config, args).await,
        Command::Migrate(MigrateCommand::Baseline(args)) => migrate::baseline(&config, args).await,
        Command::Status(args) => status::run(&config, args).await,
        Command::Verify(args) => verify::run(&config, args).await,
        Command::Lint(args) => lint::run(&config, args).await,
        Command::Rules(args) => rules::run(&args),
        Command::Checks(args) => checks::run(&args),
        Command::Hash => hash::run(&config),
        Command::Check(args) => check::run(&config, args).await,
        Command::Maintain(args) => maintain::run(&config, args).await,
        Command::Diff(args) => diff::run(&config, args).await,
        Command::New(args) => new::run(&config, &args),
        Command::Completions(_) => unreachable!("handled before the runtime starts"),
    }
}

/// The exit code of a finished run; an error is printed with its whole cause chain (exit 2),
/// except a closed stdout, which ends the run quietly with 0 once it has cleaned up.
pub fn exit_code(result: Result<Outcome>) -> ExitCode {
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(err) if output::is_stdout_closed(&err) => ExitCode::SUCCESS,
        Err(err) => {
            output::note(&format!("error: {err:#}\n"));
            ExitCode::from(2)
        }
    }
}

/// Writes a result to stdout.
fn emit(text: &str) -> Result<(), StdoutClosed> {
    output::emit(text)
}

/// Writes a note, refusal or failure to stderr.
fn note(text: &str) {
    output::note(text);
}

/// Writes rendered text to the stream it is meant for.
fn show(out: Out) -> Result<(), StdoutClosed> {
    match out {
        Out::Stdout(text) => emit(&text),
        Out::Stderr(text) => {
            note(&text);
            Ok(())
        }
    }
}

/// Prints what connecting (or installing the compat layer) had to say, on stderr.
fn show_notes(db: &mut Database) {
    for line in db.take_notes() {
        note(&format!("{line}\n"));
    }
}

/// Loads the project and validates `--phase`.
fn load_project(config: &Config, phase: Option<u8>) -> Result<Project> {
    let project = Project::load(config)?;
    project.check_phase(phase)?;
    Ok(project)
}

/// Opens the database a command asked for (compat layer installed when asked) and prints its
/// notes.
async fn open_database(
    project: &Project,
    args: &ConnectionArgs,
    phase: Option<u8>,
) -> Result<Database> {
    let mut db = Database::open(&database_request(project, args, phase)?).await?;
    show_notes(&mut db);
    Ok(db)
}

/// Connects without changing anything yet and prints the notes (a throwaway cluster's address).
async fn connect(request: &DatabaseRequest) -> Result<Database> {
    let mut db = Database::connect(request).await?;
    show_notes(&mut db);
    Ok(db)
}

/// What `args` ask for: a URL or a throwaway cluster, with or without the compat layer.
fn database_request(
    project: &Project,
    args: &ConnectionArgs,
    phase: Option<u8>,
) -> Result<DatabaseRequest> {
    let url = match (&args.database_url, args.ephemeral) {
        (_, true) => None,
        (Some(url), false) => Some(url.clone()),
        (None, false) => anyhow::bail!(
            "no database given\nhelp: pass --database-url, set DATABASE_URL (or put it in .env), or use --ephemeral"
        ),
    };
    Ok(DatabaseRequest {
        url,
        supabase_compat: args.supabase_compat,
        needs_vector: needs_vector(project, phase),
        profile: compat_profile(args.compat),
    })
}

/// The engine's profile for `--compat`.
fn compat_profile(args: CompatArgs) -> CompatProfile {
    match args.compat {
        CompatChoice::Supabase => CompatProfile::Supabase,
        CompatChoice::Legacy => CompatProfile::Legacy,
    }
}

/// Whether phases up to `phase` need pgvector (steers the choice of a throwaway cluster).
fn needs_vector(project: &Project, phase: Option<u8>) -> bool {
    project
        .required_extensions(phase)
        .iter()
        .any(|(name, _)| name == "vector")
}
