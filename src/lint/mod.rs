//! The linter: parses every file with pg_query, expands each statement into the statements it
//! runs (DO blocks, function bodies, constant `EXECUTE` strings), runs the rule table over them
//! against a bundle-aware symbol table, then applies suppressions and configured severities.
//!
//! Files are linted in the order given (bundles: version order across phases). Statement rules
//! see the symbol table as it stands before their statement; set rules run once at the end.

pub mod catalog;
mod diagnostic;
pub mod discover;
pub mod ignore;
pub mod live;
pub mod lock_report;
pub mod locks;
pub mod needs;
mod parallel;
pub mod release;
pub mod rules;
pub mod runner;
pub mod symbols;
pub mod units;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::base::LevelSetting;
pub use crate::base::Severity;
use crate::bundle::Project;
use crate::config::Config;
use crate::sql;
pub use diagnostic::{Diagnostic, SourceFile};
pub use rules::{RULES, Rule};
pub use runner::{FilePlan, Runner, TxState};
pub use symbols::{Catalog, Symbols};
pub use units::{Unit, UnitKind};

/// Everything that tunes a lint run.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// Schemas exposed through the Supabase API (RLS mandatory there).
    pub exposed_schemas: Vec<String>,
    /// Per-rule level overrides (`None`: off).
    pub levels: BTreeMap<String, Option<Severity>>,
    /// The live catalog, when `--database-url` was given.
    pub catalog: Option<Catalog>,
    /// The tool that applies the files: decides where transaction control is legal.
    pub runner: Runner,
    /// Who chose `runner` (`--runner`, `eventos.toml`); `None`: not chosen, a folder's layout
    /// may decide.
    pub runner_origin: Option<String>,
    /// Files the runner's side configuration marks non-transactional (diesel `metadata.toml`
    /// `run_in_transaction = false`, Flyway `<file>.conf` `executeInTransaction=false`).
    pub no_transaction_files: BTreeSet<PathBuf>,
    /// Which migrations are already applied where the files are deployed.
    pub release: release::Release,
    /// Live tables with fewer rows get lock-safety warnings instead of errors.
    pub small_table_rows: u64,
    /// Also collect every statement's locks (`--explain-locks`).
    pub explain_locks: bool,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            exposed_schemas: vec!["public".into()],
            levels: BTreeMap::new(),
            catalog: None,
            runner: Runner::Eventos,
            runner_origin: None,
            no_transaction_files: BTreeSet::new(),
            release: release::Release::Unknown,
            small_table_rows: live::DEFAULT_SMALL_TABLE_ROWS,
            explain_locks: false,
        }
    }
}

impl LintOptions {
    /// Options from the project configuration; unknown rules or levels are errors.
    pub fn from_config(config: &Config) -> Result<LintOptions> {
        let mut levels = BTreeMap::new();
        for (rule, level) in &config.rule_levels {
            anyhow::ensure!(
                rules::find(rule).is_some(),
                "eventos.toml [rules]: unknown rule `{rule}`\nhelp: `eventos rules` lists every rule"
            );
            let level = match *level {
                LevelSetting::Off => None,
                LevelSetting::On(Severity::Info) => anyhow::bail!(
                    "eventos.toml [rules]: `{rule}` = \"info\"\nhelp: use \"error\", \"warning\" or \"off\""
                ),
                LevelSetting::On(severity) => Some(severity),
            };
            levels.insert(rule.clone(), level);
        }
        Ok(LintOptions {
            exposed_schemas: config.exposed_schemas.clone(),
            levels,
            runner: config.runner.unwrap_or(Runner::Eventos),
            runner_origin: config.runner.map(|_| "eventos.toml".to_string()),
            release: match &config.released_through {
                Some(value) => {
                    release::Release::from_setting(value, "eventos.toml released_through")?
                }
                None => release::Release::Unknown,
            },
            small_table_rows: config
                .small_table_rows
                .unwrap_or(live::DEFAULT_SMALL_TABLE_ROWS),
            ..LintOptions::default()
        })
    }

    /// Whether `schema` is exposed through the API.
    pub fn is_exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.iter().any(|s| s == schema)
    }

    /// The severity `rule` reports at (`None`: off). Opt-in rules are off unless configured.
    fn level(&self, rule: &Rule) -> Option<Severity> {
        match self.levels.get(rule.id) {
            Some(level) => *level,
            None if rules::is_opt_in(rule.id) => None,
            None => Some(rule.severity),
        }
    }
}

/// Everything a statement rule may look at for one unit.
#[derive(Debug)]
pub struct UnitContext<'a> {
    /// The file being linted.
    pub file: &'a SourceFile,
    /// How the runner executes the file.
    pub plan: &'a FilePlan,
    /// Index of the unit's top-level statement in the file.
    pub statement_index: usize,
    /// Whether the unit's top-level statement runs inside a transaction block.
    pub transaction: TxState,
    /// Whether the file is a rollback script (exempt from `destructive-change`).
    pub rollback: bool,
    /// The file's position in lint order.
    pub file_index: usize,
    /// The statement.
    pub unit: &'a Unit,
    /// Objects created before this statement.
    pub symbols: &'a Symbols,
    /// Run options.
    pub options: &'a LintOptions,
}

impl UnitContext<'_> {
    /// A diagnostic of `rule` over the whole statement.
    pub fn diagnostic(&self, rule: &Rule, message: impl Into<String>) -> Diagnostic {
        self.diagnostic_span(rule, self.unit.span.clone(), message)
    }

    /// A diagnostic of `rule` at the token starting at parse-tree `location`, when it maps to the
    /// file; else over the whole statement.
    pub fn diagnostic_at(
        &self,
        rule: &Rule,
        location: i32,
        message: impl Into<String>,
    ) -> Diagnostic {
        let span = self
            .span_of_token(location)
            .unwrap_or_else(|| self.unit.span.clone());
        self.diagnostic_span(rule, span, message)
    }

    fn diagnostic_span(
        &self,
        rule: &Rule,
        span: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.path.clone(),
            span,
            rule: rule.id,
            severity: rule.severity,
            message: message.into(),
            help: Some(rule.help.to_string()),
        }
    }

    fn span_of_token(&self, location: i32) -> Option<Range<usize>> {
        let start = self.unit.base? + usize::try_from(location).ok()?;
        let rest = self.file.text.get(start..)?;
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
            .unwrap_or(rest.len())
            .max(1);
        Some(start..start + len)
    }
}

/// The result of linting a set of files.
#[derive(Debug, Default)]
pub struct LintReport {
    /// The files, as read (renderers need their text).
    pub sources: Vec<SourceFile>,
    /// Findings in file order, then position.
    pub diagnostics: Vec<Diagnostic>,
    /// What the run assumed (for the summary line).
    pub setup: LintSetup,
    /// Every statement's locks, when asked for (`--explain-locks`).
    pub locks: Vec<lock_report::Entry>,
}

/// What a lint run assumed, and why: shown in the summary line so a user sees which profile
/// and exposed schemas the findings rest on, and how to change them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintSetup {
    /// The runner profile.
    pub runner: Runner,
    /// Where it came from (`--runner`, `eventos.toml`, `detected from …`, `default`).
    pub runner_origin: String,
    /// The exposed schemas.
    pub exposed_schemas: Vec<String>,
    /// Where they came from (`eventos.toml`, a Supabase `config.toml`, `default`).
    pub exposed_origin: String,
    /// Which files are released, and how eventos knows (`12 of 31 files (…)`).
    pub released: String,
    /// Things skipped on the way (non-regular files in folders).
    pub warnings: Vec<String>,
}

impl Default for LintSetup {
    fn default() -> Self {
        LintSetup {
            runner: Runner::Eventos,
            runner_origin: "default".into(),
            exposed_schemas: vec!["public".into()],
            exposed_origin: "default".into(),
            released: release::Release::Unknown.summary(None),
            warnings: Vec::new(),
        }
    }
}

impl LintReport {
    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Adds findings produced outside the engine (e.g. `sum-mismatch`), keeping the order.
    pub fn extend(&mut self, diagnostics: Vec<Diagnostic>, options: &LintOptions) {
        self.diagnostics.extend(apply_levels(diagnostics, options));
        sort_diagnostics(&mut self.diagnostics, &self.sources);
    }
}

/// Lints files in the given order.
///
/// Parsing and body expansion — nearly all the cost — run on every core; the rule pass then sees
/// the files strictly in order, because the symbol table is built in version order.
pub fn lint_sources(sources: Vec<SourceFile>, options: &LintOptions) -> LintReport {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    lint_sources_with_workers(cores, sources, options)
}

/// [`lint_sources`] preparing files on at most `workers` threads; the report does not depend
/// on `workers`.
fn lint_sources_with_workers(
    workers: usize,
    sources: Vec<SourceFile>,
    options: &LintOptions,
) -> LintReport {
    let mut symbols = Symbols::new(options.catalog.clone());
    let released = options.release.released(&sources);
    let released_summary = options.release.summary(released.as_deref());
    symbols.set_released(released);
    let mut raw = Vec::new();
    let mut locks = Vec::new();
    let mut suppressions = Vec::with_capacity(sources.len());
    parallel::prepare_with_workers(workers, &sources, prepare_file, |file_index, prepared| {
        let source = &sources[file_index];
        suppressions.push(check_file(
            source,
            file_index,
            prepared,
            options,
            &mut symbols,
            (&mut raw, &mut locks),
        ));
    });
    for rule in RULES {
        if let Some(finish) = rule.finish
            && options.level(rule).is_some()
        {
            finish(&symbols, options, rule, &mut raw);
        }
    }
    let file_index = file_positions(&sources);
    let kept: Vec<Diagnostic> = raw
        .into_iter()
        .filter(|d| {
            let index = file_index.get(d.file.as_path());
            !index.is_some_and(|&i| suppressions[i].suppresses(d))
        })
        .collect();
    let mut diagnostics = apply_levels(kept, options);
    sort_diagnostics(&mut diagnostics, &sources);
    let sources = rules::hardcoded_secret::redact(sources, &mut diagnostics);
    LintReport {
        sources,
        diagnostics,
        setup: LintSetup {
            runner: options.runner,
            runner_origin: options
                .runner_origin
                .clone()
                .unwrap_or_else(|| "default".into()),
            exposed_schemas: options.exposed_schemas.clone(),
            released: released_summary,
            ..LintSetup::default()
        },
        locks,
    }
}

/// One file parsed and expanded into units, ready for the rule pass.
#[derive(Debug)]
struct PreparedFile {
    units: Vec<Unit>,
    problems: Vec<Diagnostic>,
    suppressions: ignore::Suppressions,
}

/// Parses a file and expands every statement into its units (no symbol table needed).
fn prepare_file(source: &SourceFile) -> PreparedFile {
    let (statements, bases, errors) = parse_leniently(&source.text);
    let mut problems: Vec<Diagnostic> = errors
        .iter()
        .map(|err| rules::syntax_error::diagnostic(source, err))
        .collect();
    problems.extend(rules::hardcoded_secret::scan_file(source));
    let suppressions = ignore::Suppressions::parse(source, &statements, &mut problems);
    let mut units = Vec::with_capacity(statements.len());
    for (statement, base) in statements.into_iter().zip(bases) {
        let expansion = units::units_of(&source.text, statement, base);
        problems.extend(
            expansion
                .errors
                .iter()
                .map(|err| rules::syntax_error::body_diagnostic(source, err)),
        );
        units.extend(expansion.units);
    }
    PreparedFile {
        units,
        problems,
        suppressions,
    }
}

/// Runs the statement rules over a prepared file's units in order, growing the symbol table.
fn check_file(
    source: &SourceFile,
    file_index: usize,
    prepared: PreparedFile,
    options: &LintOptions,
    symbols: &mut Symbols,
    (out, locks): (&mut Vec<Diagnostic>, &mut Vec<lock_report::Entry>),
) -> ignore::Suppressions {
    out.extend(prepared.problems);
    symbols.start_file();
    let top_level: Vec<&pg_query::NodeEnum> = prepared
        .units
        .iter()
        .filter(|u| u.kind == UnitKind::TopLevel)
        .map(|u| &u.node)
        .collect();
    let facts = runner::FileFacts {
        text: &source.text,
        configured_no_transaction: options.no_transaction_files.contains(&source.path),
    };
    let plan = runner::plan(options.runner, facts, &top_level);
    let rollback = is_rollback_path(&source.path);
    let (mut statement_index, mut next_statement) = (0, 0);
    for unit in prepared.units {
        let site = symbols::Site {
            file: source.path.clone(),
            span: unit.span.clone(),
            file_index,
        };
        if let Some(block) = &unit.dynamic {
            symbols.apply_dynamic(&unit.node, block, &site);
            continue;
        }
        if unit.kind == UnitKind::TopLevel {
            statement_index = next_statement;
            next_statement += 1;
        }
        let ctx = UnitContext {
            file: source,
            plan: &plan,
            statement_index,
            transaction: plan
                .states
                .get(statement_index)
                .copied()
                .unwrap_or(TxState::Unknown),
            rollback,
            file_index,
            unit: &unit,
            symbols,
            options,
        };
        for rule in RULES {
            if let Some(check) = rule.check
                && options.level(rule).is_some()
            {
                check(&ctx, rule, out);
            }
        }
        if options.explain_locks {
            locks.extend(lock_report::entry(&ctx));
        }
        symbols.record_any(&unit.node, &site);
        if unit.kind.runs_now() {
            symbols.apply(&unit.node, &site);
        }
    }
    prepared.suppressions
}

/// Parses a whole file; when that fails, parses statement by statement so the statements that do
/// parse are still linted. Returns statements, the offset each one's locations are relative to,
/// and the syntax errors.
fn parse_leniently(text: &str) -> (Vec<sql::Statement>, Vec<usize>, Vec<sql::SyntaxError>) {
    match sql::parse_statements(text) {
        Ok(statements) => {
            let bases = vec![0; statements.len()];
            (statements, bases, Vec::new())
        }
        Err(_) => {
            let (parsed, errors) = sql::parse_each(text);
            let (statements, bases) = parsed.into_iter().unzip();
            (statements, bases, errors)
        }
    }
}

/// Rollback scripts live in a folder named `rollback`.
fn is_rollback_path(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str() == "rollback")
}

/// Gives each finding its rule's configured level. A finding its rule emitted below the
/// rule's default severity (a lock-safety finding on a small table) stays a warning.
fn apply_levels(diagnostics: Vec<Diagnostic>, options: &LintOptions) -> Vec<Diagnostic> {
    diagnostics
        .into_iter()
        .filter_map(|mut d| {
            let rule = rules::find(d.rule);
            let level = rule.map_or(Some(Severity::Error), |rule| options.level(rule))?;
            // A finding its rule emitted below its default severity (a lock-safety finding on a
            // small table) stays below the configured level.
            let downgraded = rule.is_some_and(|r| d.severity < r.severity);
            d.severity = if downgraded {
                level.min(d.severity)
            } else {
                level
            };
            Some(d)
        })
        .collect()
}

/// Each file's position in lint order, by path.
fn file_positions(sources: &[SourceFile]) -> HashMap<&Path, usize> {
    sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.path.as_path(), i))
        .collect()
}

fn sort_diagnostics(diagnostics: &mut [Diagnostic], sources: &[SourceFile]) {
    let order = file_positions(sources);
    diagnostics.sort_by_key(|d| {
        let file = order.get(d.file.as_path()).copied().unwrap_or(usize::MAX);
        (file, d.span.start, d.rule)
    });
}

/// The project's migrations in version order, as lint sources.
pub fn bundle_sources(project: &Project) -> Vec<SourceFile> {
    project
        .migrations()
        .map(|m| SourceFile {
            path: m.path.clone(),
            text: m.sql.clone(),
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sql::LineIndex;

    /// Lints in-memory files (name, text) in order with default options.
    pub(crate) fn lint_files(files: &[(&str, &str)]) -> LintReport {
        lint_files_with(&LintOptions::default(), files)
    }

    /// [`lint_files`] under `options`.
    pub(crate) fn lint_files_with(options: &LintOptions, files: &[(&str, &str)]) -> LintReport {
        let sources = files
            .iter()
            .map(|(name, text)| SourceFile {
                path: (*name).into(),
                text: (*text).into(),
            })
            .collect();
        lint_sources(sources, options)
    }

    /// Lints one in-memory file and returns the rule ids found, in order.
    pub(crate) fn rule_ids(text: &str) -> Vec<&'static str> {
        lint_files(&[("test.sql", text)])
            .diagnostics
            .iter()
            .map(|d| d.rule)
            .collect()
    }

    /// The `file:line` positions at which `rule` fires over the given files.
    pub(crate) fn findings_in(files: &[(&str, &str)], rule: &str) -> Vec<String> {
        let report = lint_files(files);
        report
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| {
                let source = report.sources.iter().find(|s| s.path == d.file).unwrap();
                let (line, _) = LineIndex::new(&source.text).line_col(d.span.start);
                format!("{}:{line}", d.file.display())
            })
            .collect()
    }

    /// The 1-based lines at which `rule` fires in one file linted under `runner`.
    pub(crate) fn lines_with(runner: Runner, text: &str, rule: &str) -> Vec<usize> {
        let source = SourceFile {
            path: "test.sql".into(),
            text: text.into(),
        };
        let options = LintOptions {
            runner,
            ..LintOptions::default()
        };
        let report = lint_sources(vec![source], &options);
        report
            .diagnostics
            .iter()
            .filter(|d| d.rule == rule)
            .map(|d| LineIndex::new(text).line_col(d.span.start).0)
            .collect()
    }

    /// Lints in-memory files with `options` and renders `rule`'s findings the way a user reads
    /// them (rustc style, no colour): what snapshot tests compare.
    pub(crate) fn render_rule_with(
        options: &LintOptions,
        files: &[(&str, &str)],
        rule: &str,
    ) -> String {
        render(&lint_files_with(options, files), |d| d.rule == rule)
    }

    /// [`render_rule_with`] under the default options.
    pub(crate) fn render_rule(files: &[(&str, &str)], rule: &str) -> String {
        render_rule_with(&LintOptions::default(), files, rule)
    }

    /// Default options, with every migration up to `version` released.
    pub(crate) fn released_through(version: &str) -> LintOptions {
        LintOptions {
            release: release::Release::from_setting(version, "test").unwrap(),
            ..LintOptions::default()
        }
    }

    /// Every finding over in-memory files (name, text) as a user reads it, without styling:
    /// `file:line:col`, `severity[rule]: message`, the source line and `= help: …` — what a
    /// rule's snapshot pins. Linted under `options`.
    pub(crate) fn messages_with(options: &LintOptions, files: &[(&str, &str)]) -> String {
        render(&lint_files_with(options, files), |_| true)
    }

    /// The findings of `report` that `keep` selects, as [`messages_with`] prints them.
    fn render(report: &LintReport, keep: impl Fn(&Diagnostic) -> bool) -> String {
        let mut out = String::new();
        for d in report.diagnostics.iter().filter(|d| keep(d)) {
            let source = report.sources.iter().find(|s| s.path == d.file).unwrap();
            let index = LineIndex::new(&source.text);
            let (line, col) = index.line_col(d.span.start);
            out += &format!(
                "{}:{line}:{col} {}[{}]: {}\n",
                d.file.display(),
                d.severity,
                d.rule,
                d.message
            );
            out += &format!("  | {}\n", index.line_text(line).trim_end());
            if let Some(help) = &d.help {
                out += &format!("  = help: {help}\n");
            }
        }
        out
    }

    /// The 1-based lines at which `rule` fires in one file.
    pub(crate) fn lines(text: &str, rule: &str) -> Vec<usize> {
        findings_in(&[("test.sql", text)], rule)
            .iter()
            .map(|at| at.rsplit(':').next().unwrap().parse().unwrap())
            .collect()
    }

    #[test]
    fn the_report_is_the_same_on_one_thread_and_on_many() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut sources = Vec::new();
        for project in std::fs::read_dir(&corpus).unwrap() {
            let project = project.unwrap().path();
            if project.is_dir() {
                sources.extend(discover::discover(&[project]).unwrap().sources);
            }
        }
        assert!(sources.len() > 40);
        let one = lint_sources_with_workers(1, sources.clone(), &LintOptions::default());
        for workers in [2, 4, 8] {
            let many = lint_sources_with_workers(workers, sources.clone(), &LintOptions::default());
            assert_eq!(one.diagnostics, many.diagnostics, "{workers} workers");
        }
        assert!(!one.diagnostics.is_empty());
    }

    #[test]
    fn truncated_and_spliced_corpus_files_never_panic() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts = Vec::new();
        for project in std::fs::read_dir(&corpus).unwrap() {
            let project = project.unwrap().path();
            if project.is_dir() {
                texts.extend(
                    discover::discover(&[project])
                        .unwrap()
                        .sources
                        .into_iter()
                        .map(|s| s.text),
                );
            }
        }
        for text in &texts {
            let cuts: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .step_by(text.len() / 40 + 1)
                .collect();
            for &cut in &cuts {
                for piece in [&text[..cut], &text[cut..]] {
                    let _ = rule_ids(piece);
                    let options = LintOptions {
                        runner: Runner::GolangMigrate,
                        ..LintOptions::default()
                    };
                    let source = SourceFile {
                        path: "x.sql".into(),
                        text: piece.to_string(),
                    };
                    let _ = lint_sources(vec![source], &options);
                }
            }
        }
    }

    #[test]
    fn clean_file_has_no_findings() {
        assert!(rule_ids("CREATE TABLE private.t (id bigint PRIMARY KEY);").is_empty());
    }

    #[test]
    fn ignore_comments_suppress_with_a_reason_and_complain_without() {
        let sql = "-- eventos:ignore alter-system -- approved by ops\nALTER SYSTEM RESET ALL;\n\
                   -- eventos:ignore alter-system\nALTER SYSTEM RESET ALL;\n\
                   -- eventos:ignore no-such-rule -- why\nSELECT 1;";
        assert_eq!(
            rule_ids(sql),
            vec!["invalid-ignore", "alter-system", "invalid-ignore"]
        );
    }

    #[test]
    fn ignore_file_suppresses_everywhere_and_only_that_rule() {
        let sql = "SELECT 1;\n-- eventos:ignore-file alter-system -- lab database\nALTER SYSTEM RESET ALL;\nCOPY t TO '/tmp/x';";
        assert_eq!(rule_ids(sql), vec!["copy-to-file"]);
    }

    #[test]
    fn a_directive_inside_a_string_is_not_a_directive() {
        let sql = "SELECT '-- eventos:ignore alter-system -- x';\nALTER SYSTEM RESET ALL;";
        assert_eq!(rule_ids(sql), vec!["alter-system"]);
    }

    #[test]
    fn configured_levels_change_or_silence_rules() {
        let mut options = LintOptions::default();
        options
            .levels
            .insert("alter-system".into(), Some(Severity::Warning));
        options.levels.insert("copy-to-file".into(), None);
        let source = SourceFile {
            path: "t.sql".into(),
            text: "ALTER SYSTEM RESET ALL; COPY t TO '/x';".into(),
        };
        let report = lint_sources(vec![source], &options);
        assert_eq!(report.diagnostics.len(), 1);
        assert_eq!(report.diagnostics[0].severity, Severity::Warning);
    }
}
