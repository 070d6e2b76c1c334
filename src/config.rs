//! Project configuration: the optional `eventos.toml`, and where bundles and plans live.
//!
//! Relative paths in the file resolve from the file's folder; without a file, from the current
//! directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::base::{LevelSetting, Runner, describe_toml_error, parse_duration};

/// The default name of refinery's history table: in its own schema, out of the API's reach.
pub const DEFAULT_HISTORY_TABLE: &str = "eventos.schema_history";

/// The configuration file's contents, every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    sql_dir: Option<PathBuf>,
    plans_dir: Option<PathBuf>,
    history_table: Option<String>,
    exposed_schemas: Option<Vec<String>>,
    runner: Option<String>,
    released_through: Option<VersionValue>,
    small_table_rows: Option<u64>,
    rules: Option<BTreeMap<String, LevelSetting>>,
    migrate: Option<MigrateFile>,
    verify: Option<VerifyFile>,
}

/// `released_through = 3004` or `released_through = "20240101120000"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum VersionValue {
    Number(u64),
    Text(String),
}

/// The optional `[verify]` table: check levels, exemptions and how pre-existing objects count.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyFile {
    checks: Option<BTreeMap<String, LevelSetting>>,
    exempt: Option<Vec<Exemption>>,
    pre_existing: Option<LevelSetting>,
    all_objects: Option<bool>,
}

/// One `[[verify.exempt]]` entry: a finding of `check` on `object` that is accepted, and why.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exemption {
    /// The check id, e.g. `multiple-permissive-policies`.
    pub check: String,
    /// The object as reports name it (`public.events`, `public.f(uuid)`); `*` matches any run of
    /// characters.
    pub object: String,
    /// Why the finding is accepted; required.
    pub reason: String,
}

/// The `[verify]` settings as written; `eventos verify` validates them against its check table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySettings {
    /// `[verify.checks]`: check id → level.
    pub check_levels: BTreeMap<String, LevelSetting>,
    /// `[[verify.exempt]]` entries, in file order.
    pub exemptions: Vec<Exemption>,
    /// `pre_existing`: the highest level a finding on an object the bundles do not own reaches
    /// (`"warning"` when absent).
    pub pre_existing: Option<LevelSetting>,
    /// `all_objects = true`: judge every object as if the bundles owned it (`--all-objects`).
    pub all_objects: bool,
}

/// The optional `[migrate]` table: defaults for the lock and timeout flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MigrateFile {
    lock_wait: Option<String>,
    lock_timeout: Option<String>,
    statement_timeout: Option<String>,
    out_of_order: Option<bool>,
    lock_retries: Option<u32>,
    lock_retry_backoff: Option<String>,
}

/// Lock and timeout settings of runs that change the schema; flags override them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrateSettings {
    /// How long to wait for another run's advisory lock.
    pub lock_wait: Duration,
    /// `lock_timeout` and `statement_timeout` of the session.
    pub timeouts: Timeouts,
    /// Apply pending files older than the newest applied one (Flyway's `outOfOrder`); default off.
    pub out_of_order: bool,
    /// How a transactional file that hit `lock_timeout` is retried.
    pub retry: RetryPolicy,
}

impl Default for MigrateSettings {
    fn default() -> Self {
        MigrateSettings {
            lock_wait: DEFAULT_LOCK_WAIT,
            timeouts: Timeouts::default(),
            out_of_order: false,
            retry: RetryPolicy::default(),
        }
    }
}

/// Default wait for another run's advisory lock.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(60);
/// Default `lock_timeout`: long enough for a busy table, short enough not to stall the API.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);
/// Default `statement_timeout`: 0 means none (index builds on big tables may take a long time).
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::ZERO;

/// The session timeouts of a run that changes the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `lock_timeout` (zero: wait forever).
    pub lock: Duration,
    /// `statement_timeout` (zero: no limit).
    pub statement: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            lock: DEFAULT_LOCK_TIMEOUT,
            statement: DEFAULT_STATEMENT_TIMEOUT,
        }
    }
}

/// How often a transactional file that hit `lock_timeout` is retried, and the first pause
/// (it doubles before each further retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (`lock_retries`, default 3).
    pub retries: u32,
    /// The pause before the first retry (`lock_retry_backoff`, default 1s).
    pub first_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: 3,
            first_backoff: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// No retry at all.
    pub const NONE: RetryPolicy = RetryPolicy {
        retries: 0,
        first_backoff: Duration::ZERO,
    };
}

/// Resolved settings every command works from.
#[derive(Debug, Clone)]
pub struct Config {
    /// Folder holding `phase<N>/` migration folders and `rollback/`.
    pub sql_dir: PathBuf,
    /// Folder holding `phase<N>.toml` plans.
    pub plans_dir: PathBuf,
    /// Refinery history table (optionally schema-qualified).
    pub history_table: String,
    /// Schemas exposed through the Supabase API, where RLS is mandatory.
    pub exposed_schemas: Vec<String>,
    /// Whether `exposed_schemas` was set in `eventos.toml` (else lint may take a Supabase
    /// project's `[api] schemas`).
    pub exposed_schemas_explicit: bool,
    /// The lint runner profile (`runner = "…"`), when set.
    pub runner: Option<Runner>,
    /// `released_through`: the last migration version applied in production (lint judges
    /// files up to it as history and their tables as live), or `none`.
    pub released_through: Option<String>,
    /// `small_table_rows`: live tables with fewer rows (per `--database-url`) get lock-safety
    /// warnings instead of errors.
    pub small_table_rows: Option<u64>,
    /// Lint rule levels from the `[rules]` table (`rule-id = "error" | "warning" | "off"`).
    pub rule_levels: BTreeMap<String, LevelSetting>,
    /// `[migrate]` settings (defaults when absent).
    pub migrate: MigrateSettings,
    /// `[verify]` settings (defaults when absent).
    pub verify: VerifySettings,
}

impl Config {
    /// Loads `explicit` if given, else `./eventos.toml` if it exists, else defaults.
    pub fn load(explicit: Option<&Path>) -> Result<Config> {
        let default = Path::new("eventos.toml");
        let path = match explicit {
            Some(path) => Some(path.to_path_buf()),
            None if default.is_file() => Some(default.to_path_buf()),
            None => None,
        };
        match path {
            Some(path) => Self::from_file(&path),
            None => Ok(Self::from_parts(ConfigFile::default(), Path::new("."))),
        }
    }

    fn from_file(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the configuration file", path.display()))?;
        let file: ConfigFile = toml::from_str(&text).map_err(|err| {
            anyhow::anyhow!(
                "{}: {}\nhelp: valid keys are sql_dir, plans_dir, history_table, exposed_schemas, runner, released_through, small_table_rows, [rules], [migrate] lock_wait, lock_timeout, statement_timeout, out_of_order, lock_retries, lock_retry_backoff, [verify] checks, exempt, pre_existing, all_objects",
                path.display(),
                describe_toml_error(&text, &err)
            )
        })?;
        let base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let migrate = migrate_settings(file.migrate.as_ref())
            .with_context(|| format!("{}: [migrate]", path.display()))?;
        let runner = lint_runner(file.runner.as_deref())
            .with_context(|| format!("{}: runner", path.display()))?;
        let mut config = Self::from_parts(file, base);
        config.migrate = migrate;
        config.runner = runner;
        validate_identifier_path(&config.history_table)
            .with_context(|| format!("{}: history_table", path.display()))?;
        Ok(config)
    }

    fn from_parts(file: ConfigFile, base: &Path) -> Config {
        Config {
            sql_dir: base.join(file.sql_dir.unwrap_or_else(|| "sql".into())),
            plans_dir: base.join(file.plans_dir.unwrap_or_else(|| "plans".into())),
            history_table: file
                .history_table
                .unwrap_or_else(|| DEFAULT_HISTORY_TABLE.into()),
            exposed_schemas_explicit: file.exposed_schemas.is_some(),
            exposed_schemas: file
                .exposed_schemas
                .unwrap_or_else(|| vec!["public".into()]),
            runner: None,
            released_through: file.released_through.map(|v| match v {
                VersionValue::Number(n) => n.to_string(),
                VersionValue::Text(t) => t,
            }),
            small_table_rows: file.small_table_rows,
            rule_levels: file.rules.unwrap_or_default(),
            migrate: MigrateSettings::default(),
            verify: verify_settings(file.verify),
        }
    }
}

/// The `[verify]` table as settings, defaults for absent keys.
fn verify_settings(file: Option<VerifyFile>) -> VerifySettings {
    let file = file.unwrap_or_default();
    VerifySettings {
        check_levels: file.checks.unwrap_or_default(),
        exemptions: file.exempt.unwrap_or_default(),
        pre_existing: file.pre_existing,
        all_objects: file.all_objects.unwrap_or(false),
    }
}

/// Resolves the `[migrate]` table, keeping defaults for absent keys.
fn migrate_settings(file: Option<&MigrateFile>) -> Result<MigrateSettings> {
    let mut settings = MigrateSettings::default();
    let Some(file) = file else {
        return Ok(settings);
    };
    let parse = |key: &str, value: &String| {
        parse_duration(value).map_err(|e| anyhow::anyhow!("{key}: {e}"))
    };
    if let Some(value) = &file.lock_wait {
        settings.lock_wait = parse("lock_wait", value)?;
    }
    if let Some(value) = &file.lock_timeout {
        settings.timeouts.lock = parse("lock_timeout", value)?;
    }
    if let Some(value) = &file.statement_timeout {
        settings.timeouts.statement = parse("statement_timeout", value)?;
    }
    settings.out_of_order = file.out_of_order.unwrap_or(false);
    if let Some(retries) = file.lock_retries {
        settings.retry.retries = retries;
    }
    if let Some(value) = &file.lock_retry_backoff {
        settings.retry.first_backoff = parse("lock_retry_backoff", value)?;
    }
    Ok(settings)
}

/// The `runner = "…"` key: one of the lint runner profiles.
fn lint_runner(id: Option<&str>) -> Result<Option<Runner>> {
    let Some(id) = id else { return Ok(None) };
    Runner::from_id(id).map(Some).ok_or_else(|| {
        anyhow::anyhow!(
            "unknown runner {id:?}\nhelp: use one of eventos, supabase, golang-migrate, sqlx, diesel, flyway, none"
        )
    })
}

/// Accepts `name` or `schema.name` made of lowercase identifier characters, so the table name
/// can be spliced into refinery's SQL safely.
fn validate_identifier_path(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.split('.').count() <= 2
        && name.split('.').all(|part| {
            part.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        });
    anyhow::ensure!(
        ok,
        "{name:?} is not a plain identifier; use lowercase letters, digits and _ (optionally schema.table)"
    );
    Ok(())
}

/// Loads `.env` from the current directory (or the nearest parent that has one) into the
/// environment; variables already set win. Returns a warning for a file that cannot be read or
/// has a line that is not `KEY=VALUE` (that line and those after it are not loaded). The
/// warnings name the line, never its text: it may hold a password.
pub fn load_dotenv() -> Vec<String> {
    let Some(path) = find_dotenv() else {
        return Vec::new();
    };
    match dotenvy::from_path(&path) {
        Ok(()) => Vec::new(),
        Err(dotenvy::Error::LineParse(line, _)) => {
            let number = std::fs::read_to_string(&path)
                .ok()
                .and_then(|text| text.lines().position(|l| l.trim() == line.trim()))
                .map_or(String::new(), |i| format!(" {}", i + 1));
            vec![format!(
                "{}: line{number} is not KEY=VALUE; it and the lines after it were not loaded",
                path.display()
            )]
        }
        Err(err) => vec![format!("{}: not loaded: {err}", path.display())],
    }
}

/// `.env` in the current directory or its nearest parent that has one.
fn find_dotenv() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors()
        .map(|dir| dir.join(".env"))
        .find(|path| path.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_validated() {
        assert!(validate_identifier_path("eventos_schema_history").is_ok());
        assert!(validate_identifier_path("ops.history").is_ok());
        assert!(validate_identifier_path("x; drop table y").is_err());
        assert!(validate_identifier_path("a.b.c").is_err());
        assert!(validate_identifier_path("").is_err());
    }

    #[test]
    fn relative_paths_resolve_from_the_config_folder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eventos.toml");
        std::fs::write(
            &path,
            "sql_dir = \"db/sql\"\nexposed_schemas = [\"public\", \"api\"]\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.sql_dir, dir.path().join("db/sql"));
        assert_eq!(config.plans_dir, dir.path().join("plans"));
        assert_eq!(config.exposed_schemas, vec!["public", "api"]);
    }

    #[test]
    fn migrate_table_sets_lock_and_timeouts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eventos.toml");
        std::fs::write(
            &path,
            "[migrate]\nlock_wait = \"2m\"\nstatement_timeout = \"30s\"\nout_of_order = true\nlock_retries = 1\nlock_retry_backoff = \"20ms\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert!(config.migrate.out_of_order);
        assert_eq!(
            config.migrate.retry,
            RetryPolicy {
                retries: 1,
                first_backoff: Duration::from_millis(20)
            }
        );
        assert_eq!(config.migrate.lock_wait, Duration::from_secs(120));
        assert_eq!(config.migrate.timeouts.statement, Duration::from_secs(30));
        assert_eq!(config.migrate.timeouts.lock, DEFAULT_LOCK_TIMEOUT);
        std::fs::write(&path, "[migrate]\nlock_wait = \"soon\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(err.contains("lock_wait") && err.contains("soon"), "{err}");
        std::fs::write(&path, "[migrate]\nlock_wiat = \"1s\"\n").unwrap();
        assert!(Config::load(Some(&path)).is_err());
    }

    #[test]
    fn runner_key_names_a_lint_profile() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eventos.toml");
        std::fs::write(&path, "runner = \"golang-migrate\"\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.runner, Some(Runner::GolangMigrate));
        assert!(!config.exposed_schemas_explicit);
        std::fs::write(&path, "runner = \"liquibase\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(
            err.contains("liquibase") && err.contains("golang-migrate"),
            "{err}"
        );
    }

    #[test]
    fn verify_table_reads_levels_and_exemptions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eventos.toml");
        std::fs::write(
            &path,
            "[verify]\npre_existing = \"off\"\n[verify.checks]\nunused-index = \"off\"\n\n[[verify.exempt]]\ncheck = \"rls-enabled\"\nobject = \"public.t\"\nreason = \"r\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(
            config.verify.check_levels["unused-index"],
            LevelSetting::Off
        );
        assert_eq!(config.verify.exemptions[0].object, "public.t");
        assert_eq!(config.verify.pre_existing, Some(LevelSetting::Off));
        std::fs::write(&path, "[verify.checks]\nunused-index = \"fatal\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(
            err.contains("line 2") && err.contains("\"fatal\" is not a level"),
            "{err}"
        );
        std::fs::write(
            &path,
            "[[verify.exempt]]\ncheck = \"rls-enabled\"\nobject = \"x\"\n",
        )
        .unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(err.contains("reason") && err.contains("line"), "{err}");
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("eventos.toml");
        std::fs::write(&path, "sqldir = \"x\"\n").unwrap();
        let err = format!("{:#}", Config::load(Some(&path)).unwrap_err());
        assert!(err.contains("eventos.toml"), "{err}");
        assert!(err.contains("sqldir"), "{err}");
    }
}
