//! Command dispatch: one module per command group, each turning arguments into an engine call
//! and rendering its result. Runs everything on one tokio runtime; SIGINT, SIGTERM and SIGHUP
//! cancel the running statement and still clean up (see `signals`).

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

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;

use crate::bundle::Project;
use crate::cli::{Cli, Command, ConnectionArgs, MigrateCommand};
use crate::config::Config;
use crate::db::{Database, DatabaseRequest};

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

/// Prints an error with its whole cause chain to stderr; exit code 2.
pub fn report_error(err: &anyhow::Error) -> ExitCode {
    eprintln!("error: {err:#}");
    ExitCode::from(2)
}

/// Writes to stdout; a closed pipe (`eventos status | head`) ends the process quietly.
pub(crate) fn emit(text: &str) {
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
        && err.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Loads the project and validates `--phase`.
fn load_project(config: &Config, phase: Option<u8>) -> Result<Project> {
    let project = Project::load(config)?;
    project.check_phase(phase)?;
    Ok(project)
}

/// Opens the database a command asked for.
async fn open_database(
    project: &Project,
    args: &ConnectionArgs,
    phase: Option<u8>,
) -> Result<Database> {
    Database::open(&database_request(project, args, phase)?).await
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
fn compat_profile(args: crate::cli::CompatArgs) -> crate::db::CompatProfile {
    match args.compat {
        crate::cli::CompatChoice::Supabase => crate::db::CompatProfile::Supabase,
        crate::cli::CompatChoice::Legacy => crate::db::CompatProfile::Legacy,
    }
}

fn needs_vector(project: &Project, phase: Option<u8>) -> bool {
    project
        .required_extensions(phase)
        .iter()
        .any(|(name, _)| name == "vector")
}
