//! Command-line types (clap derive) and nothing else: the engine never sees clap.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::base::{Runner, parse_duration};

/// eventos — lint, apply and verify the EventOS schema on Supabase PostgreSQL.
#[derive(Debug, Parser)]
#[command(name = "eventos", version, about, propagate_version = true)]
pub struct Cli {
    /// Project configuration file (default: ./eventos.toml when present).
    #[arg(long, global = true, value_name = "FILE", env = "EVENTOS_CONFIG")]
    pub config: Option<PathBuf>,

    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply or inspect migrations.
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Show every bundle migration and whether it is applied.
    Status(StatusArgs),
    /// Check the live database against the plans' promises and verification queries.
    Verify(VerifyArgs),
    /// Static checks over SQL files, before anything touches a database.
    Lint(LintArgs),
    /// List every lint rule, or explain one (what, why, fix, example).
    Rules(RulesArgs),
    /// List every verification check, or explain one (what, why, fix, splinter lints covered).
    Checks(ChecksArgs),
    /// Write `sql/eventos.sum`, the integrity file `eventos lint` checks the bundles against.
    Hash,
    /// The CI gate: lint, then migrate up, then verify (on a throwaway cluster by default).
    Check(CheckArgs),
    /// Compare a live database with what the bundles build (on a shadow database); exit 1 on drift.
    Diff(DiffArgs),
    /// Create the next migration file of a phase and record it in `sql/eventos.sum`.
    New(NewArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Run the schema's due maintenance jobs once (where pg_cron does not schedule them).
    Maintain(MaintainArgs),
}

/// `eventos migrate …`
#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations of phases up to `--phase` (default: all), one transaction per file.
    Up(MigrateUpArgs),
    /// Run phase N's rollback script and remove its history rows (refused while a later phase is applied).
    Down(MigrateDownArgs),
    /// Adopt an existing database: record every migration up to `--to` as applied without running it.
    Baseline(MigrateBaselineArgs),
}

/// How to reach PostgreSQL: a URL, or a throwaway cluster.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// PostgreSQL URL (also read from DATABASE_URL and a .env file).
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Start a private throwaway cluster for this run and remove it afterwards.
    #[arg(long, conflicts_with = "database_url")]
    pub ephemeral: bool,

    /// Install the Supabase compatibility layer (auth schema, API roles) when the database has no
    /// `auth` schema. Always on with --ephemeral.
    #[arg(long)]
    pub supabase_compat: bool,

    #[command(flatten)]
    pub compat: CompatArgs,
}

/// Which Supabase stand-in `--supabase-compat`, `--ephemeral` and `check` install.
#[derive(Debug, Clone, Copy, Args)]
pub struct CompatArgs {
    /// `supabase`: Supabase's roles, ownership and grants, migrations applied as the
    /// non-superuser `postgres`. `legacy`: the old permissive layer, applied as the connecting
    /// superuser (passes migrations Supabase refuses; opt-out only).
    #[arg(long, value_enum, value_name = "PROFILE", default_value_t = CompatChoice::Supabase)]
    pub compat: CompatChoice,
}

/// Values of `--compat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompatChoice {
    /// The faithful Supabase profile.
    Supabase,
    /// The permissive layer of earlier releases.
    Legacy,
}

/// The database `migrate down` and `migrate baseline` change: always a URL (a throwaway
/// cluster would have nothing to roll back or record).
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// PostgreSQL URL (also read from DATABASE_URL and a .env file).
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Work as the non-superuser `postgres`, as `migrate up --supabase-compat` applied, when the
    /// database has Supabase's profile (its `auth` schema); installs nothing.
    #[arg(long)]
    pub supabase_compat: bool,
}

/// Restricts a command to phases `0..=N`.
#[derive(Debug, Clone, Copy, Args)]
pub struct PhaseArgs {
    /// Highest phase to include (a phase of plans/); default: every phase.
    #[arg(long, value_name = "N")]
    pub phase: Option<u8>,
}

/// Lock and timeout settings of commands that change the schema (override `[migrate]` in eventos.toml).
#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// How long to wait for another eventos run's lock, e.g. 60s [default: 60s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lock_wait: Option<Duration>,

    /// PostgreSQL lock_timeout per statement, e.g. 5s [default: 5s]; 0 waits forever.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub lock_timeout: Option<Duration>,

    /// PostgreSQL statement_timeout, e.g. 10m [default: 0 = no limit].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub statement_timeout: Option<Duration>,
}

/// Arguments of `eventos migrate up`.
#[derive(Debug, Args)]
pub struct MigrateUpArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub phases: PhaseArgs,
    #[command(flatten)]
    pub lock: LockArgs,

    /// Print the exact SQL that would run, per file, with transaction boundaries; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Skip the post-apply verification of the applied phases.
    #[arg(long)]
    pub no_verify: bool,

    /// Dump the database with pg_dump to FILE before applying; stop if the dump fails.
    #[arg(long, value_name = "FILE")]
    pub backup: Option<PathBuf>,

    /// Also apply pending files older than the newest applied one (default: refuse them;
    /// `out_of_order = true` under [migrate] in eventos.toml).
    #[arg(long)]
    pub out_of_order: bool,
}

/// Arguments of `eventos migrate down`.
#[derive(Debug, Args)]
pub struct MigrateDownArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub lock: LockArgs,

    /// The phase to roll back.
    #[arg(long, value_name = "N")]
    pub phase: u8,
}

/// Arguments of `eventos migrate baseline`.
#[derive(Debug, Args)]
pub struct MigrateBaselineArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub lock: LockArgs,

    /// The last version already present in the database.
    #[arg(long, value_name = "VERSION")]
    pub to: u32,
}

/// Output format of `eventos status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// An aligned table.
    Human,
    /// One JSON document.
    Json,
}

/// Arguments of `eventos status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Exit 1 when anything is pending, changed or missing on disk.
    #[arg(long)]
    pub exit_code: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: StatusFormat,

    /// Report as `migrate up --out-of-order` would run (default: the configuration's
    /// `out_of_order`).
    #[arg(long)]
    pub out_of_order: bool,
}

/// Arguments of `eventos verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub phases: PhaseArgs,

    /// Output format: human text, one JSON document, or JUnit XML for CI.
    #[arg(long, value_enum, default_value_t = VerifyFormat::Human)]
    pub format: VerifyFormat,

    /// Schema exposed through the API, where the safety checks apply (repeatable; default: the
    /// configuration's `exposed_schemas`, else `public`).
    #[arg(long = "exposed-schema", value_name = "SCHEMA")]
    pub exposed_schemas: Vec<String>,

    /// Also prove, inside rolled-back transactions, that each plan's `[[rls_probe]]` table shows
    /// a signed-in user only their own rows and anon none, and that on every API-writable table
    /// no user can write another's rows and anon cannot write.
    #[arg(long)]
    pub rls_probe: bool,

    /// Judge every object at its check's level, also those no plan owns (pre-existing objects
    /// are otherwise reported as warnings in their own section).
    #[arg(long)]
    pub all_objects: bool,
}

/// Output formats of `eventos verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    /// Text for a terminal.
    Human,
    /// One JSON document.
    Json,
    /// JUnit XML: one testcase per check and object.
    Junit,
}

/// Arguments of `eventos lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or folders to lint (folders: their migrations in natural order, see docs/lint.md).
    /// Default: the bundles.
    #[arg(value_name = "PATHS")]
    pub paths: Vec<PathBuf>,

    /// The tool that applies the files, whose transaction semantics the lint assumes. Default:
    /// `runner` in eventos.toml, else detected from the folder's layout, else eventos.
    #[arg(long, value_enum)]
    pub runner: Option<Runner>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,

    /// Read partitioned tables, views and functions from this live database so rules know
    /// objects created outside the bundles (read-only; not taken from DATABASE_URL). Also gives
    /// lock-safety findings the live tables' sizes, and which migrations are released (its
    /// runner's history table).
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    /// The largest migration file to read, in MiB: a named file over it is refused, one inside
    /// a folder skipped with a warning.
    #[arg(long, value_name = "MIB", default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_file_mib: u64,

    /// The last migration version applied in production (`none`: nothing yet): files up to it
    /// are history, tables of later files are empty. Overrides the history of --database-url
    /// and `released_through` in eventos.toml.
    #[arg(long, value_name = "VERSION")]
    pub released_through: Option<String>,

    /// Also print, per statement, the locks it takes on which relation and whether it scans or
    /// rewrites them (human format: after the findings; json: a `locks` array).
    #[arg(long)]
    pub explain_locks: bool,
}

/// How `eventos lint` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    /// rustc-style text with source lines and carets (colour on a TTY unless NO_COLOR).
    Human,
    /// One JSON document (see docs/lint.md).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// `file:line:col: severity: message [rule]`.
    Gcc,
}

/// Arguments of `eventos rules`.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// The rule to explain; without it, list every rule.
    #[arg(value_name = "RULE")]
    pub id: Option<String>,
}

/// Arguments of `eventos checks`.
#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// The check to explain; without it, list every check.
    #[arg(value_name = "CHECK")]
    pub id: Option<String>,
}

/// Arguments of `eventos check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scratch database to use instead of a throwaway cluster. Deliberately not read from
    /// DATABASE_URL: `check` changes the database it runs on.
    #[arg(long, value_name = "URL")]
    pub database_url: Option<String>,

    #[command(flatten)]
    pub phases: PhaseArgs,

    /// After verify, diff this production-like database against the bundles its history
    /// records (read only; not taken from DATABASE_URL): does it hold exactly what they build?
    #[arg(long, value_name = "URL")]
    pub diff: Option<String>,

    #[command(flatten)]
    pub compat: CompatArgs,
}

/// Arguments of `eventos diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The database to compare (read only; also read from DATABASE_URL and a .env file).
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Compare with every migration of phases 0–N instead of the migrations the database's
    /// history records.
    #[arg(long, value_name = "N")]
    pub phase: Option<u8>,

    /// Build the shadow in this scratch database instead of a throwaway cluster (it gets the
    /// bundles applied; never the database being compared).
    #[arg(long, value_name = "URL")]
    pub shadow_url: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,

    /// Print a draft migration that brings the bundles to the database's state instead of the
    /// report (the summary goes to stderr).
    #[arg(long, conflicts_with = "format")]
    pub sql: bool,
}

/// How `eventos diff` prints its report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Grouped by object, `+` only in the database, `-` only in the bundles, `~` changed.
    Human,
    /// One JSON document (see docs/diff.md).
    Json,
}

/// Arguments of `eventos new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// The migration's name: lowercase letters, digits and `_` (e.g. add_event_tags).
    #[arg(value_name = "NAME")]
    pub name: String,

    /// The phase to add it to (default: the newest phase).
    #[arg(long, value_name = "N")]
    pub phase: Option<u8>,

    /// Start the file with `-- eventos:no-transaction` (for CREATE INDEX CONCURRENTLY).
    #[arg(long)]
    pub no_transaction: bool,
}

/// Arguments of `eventos completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    pub shell: clap_complete::Shell,
}

/// Arguments of `eventos maintain`.
#[derive(Debug, Args)]
pub struct MaintainArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,

    /// Run only this job (repeatable), e.g. --job eventos-seal-audit-log.
    #[arg(long = "job", value_name = "NAME")]
    pub jobs: Vec<String>,

    /// Run the selected jobs even when not due or scheduled by pg_cron.
    #[arg(long)]
    pub force: bool,

    /// Show what would run; run nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: MaintainFormat,
}

/// Output format of `eventos maintain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MaintainFormat {
    /// An aligned table.
    Human,
    /// One JSON document.
    Json,
}
