//! The linter: parses every file with pg_query, expands each statement into the statements it
//! runs (DO blocks, function bodies, constant `EXECUTE` strings), runs the rule table over them
//! against a bundle-aware symbol table, then applies suppressions and configured severities.
//!
//! Files are linted in the order given (bundles: version order across phases). Statement rules
//! see the symbol table as it stands before their statement; set rules run once at the end.

pub mod catalog;
mod diagnostic;
pub mod discover;
#[cfg(test)]
mod equivalence;
pub mod ignore;
pub mod live;
pub mod lock_report;
pub mod locks;
pub mod needs;
mod parallel;
mod prepare;
pub mod release;
pub mod rules;
pub mod runner;
mod stored;
pub mod symbols;
pub mod units;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Result;

use crate::base::LevelSetting;
pub use crate::base::Severity;
use crate::bundle::Project;
use crate::config::Config;
pub use diagnostic::{Diagnostic, SourceFile};
use prepare::Tuning;
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
    /// Its path, shared by every finding in it.
    pub path: &'a Arc<Path>,
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
            file: Arc::clone(self.path),
            span,
            rule: rule.id,
            severity: rule.severity,
            message: diagnostic::snug_message(message.into()),
            help: Some(rule.help.into()),
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
    /// Every file, in lint order; with its text (as read, credentials masked) when a finding or
    /// a lock points into it, else with an empty one (texts are kept compressed until the report).
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
        let paths: Vec<&Path> = self.sources.iter().map(|s| s.path.as_path()).collect();
        sort_diagnostics(&mut self.diagnostics, &file_positions(&paths));
    }
}

/// Lints files in the given order.
///
/// Splitting, parsing and body expansion — nearly all the cost — run on every core, in chunks of
/// statements even inside one file ([`prepare`]); the rule pass sees the statements strictly in
/// order, because the symbol table is built in version order, and drops each chunk's trees as
/// soon as it is done with them.
pub fn lint_sources(sources: Vec<SourceFile>, options: &LintOptions) -> LintReport {
    lint_sources_tuned(Tuning::for_this_machine(), sources, options)
}

/// Lints the files at `paths` (of about `sizes` bytes), in order, reading each (at most
/// `max_file_bytes`) as the pipeline reaches it; the first file that cannot be read is the error.
pub fn lint_on_disk(
    paths: Vec<PathBuf>,
    sizes: Vec<u64>,
    max_file_bytes: u64,
    options: &LintOptions,
) -> Result<LintReport> {
    let inputs = prepare::Inputs::on_disk(paths, sizes, max_file_bytes);
    lint_inputs_tuned(Tuning::for_this_machine(), inputs, options)
}

/// [`lint_sources`] with explicit threads and chunk sizes; the report does not depend on them.
fn lint_sources_tuned(
    tuning: Tuning,
    sources: Vec<SourceFile>,
    options: &LintOptions,
) -> LintReport {
    let inputs = prepare::Inputs::Texts(sources.into_iter());
    lint_inputs_tuned(tuning, inputs, options).expect("texts in memory are never read")
}

/// The pipeline over `inputs`.
fn lint_inputs_tuned(
    tuning: Tuning,
    inputs: prepare::Inputs,
    options: &LintOptions,
) -> Result<LintReport> {
    let mut pass = RulePass::new(options, &inputs.paths());
    let keep = inputs.keep();
    let mut jobs = prepare::Jobs::new(inputs, options, tuning.chunk_bytes);
    // The first file that could not be read, in lint order: nothing after it is consumed.
    let mut unread = None;
    parallel::run_ordered(
        tuning.workers,
        tuning.in_flight,
        || jobs.next_job(),
        |job| prepare::run(options, tuning.chunk_bytes, keep, job),
        |done| {
            if unread.is_none() {
                done.parts.into_iter().for_each(|part| pass.consume(part));
                unread = done.failure;
            }
        },
    );
    if let Some(failure) = unread.or_else(|| jobs.failure()) {
        return Err(failure);
    }
    report(pass.into_parts(), options)
}

/// The rule pass: consumes prepared parts in file order, runs the statement rules over every unit
/// and grows the symbol table.
struct RulePass<'a> {
    options: &'a LintOptions,
    symbols: Symbols,
    raw: Vec<Diagnostic>,
    /// Every statement's locks, when asked for (`--explain-locks`).
    locks: Vec<lock_report::Entry>,
    /// One per file consumed so far.
    suppressions: Vec<ignore::Suppressions>,
    /// Positions of the files holding credentials, in order (masked in the report).
    holding_secrets: Vec<usize>,
    /// The texts of the files consumed so far, compressed, for the report.
    texts: Vec<stored::StoredText>,
    /// Which files are released, and how eventos knows.
    released_summary: String,
    /// The file being consumed.
    open: Option<OpenFile>,
}

/// What the rule pass knows about the file it is in.
struct OpenFile {
    index: usize,
    source: Arc<SourceFile>,
    /// Its path, shared by the symbol table's sites.
    path: Arc<Path>,
    plan: FilePlan,
    rollback: bool,
    /// Spans of its parsed statements so far (where ignore directives attach).
    spans: Vec<Range<usize>>,
}

impl<'a> RulePass<'a> {
    /// A rule pass over the files at `paths`, in this order.
    fn new(options: &'a LintOptions, paths: &[&Path]) -> Self {
        let mut symbols = Symbols::new(options.catalog.clone());
        let released = options.release.released(paths);
        let released_summary = options.release.summary(released.as_deref());
        symbols.set_released(released);
        RulePass {
            options,
            symbols,
            released_summary,
            raw: Vec::new(),
            locks: Vec::new(),
            suppressions: Vec::new(),
            holding_secrets: Vec::new(),
            texts: Vec::new(),
            open: None,
        }
    }

    /// Consumes the next part of the next file (parts arrive in file order).
    fn consume(&mut self, part: prepare::Prepared) {
        if let (Some(plan), Some(source)) = (part.plan, part.source) {
            self.symbols.start_file();
            self.open = Some(OpenFile {
                index: part.file,
                path: Arc::from(source.path.as_path()),
                rollback: is_rollback_path(&source.path),
                source,
                plan,
                spans: Vec::new(),
            });
            if !part.secrets.is_empty() {
                self.holding_secrets.push(part.file);
            }
            self.raw.extend(part.secrets);
        }
        let Some(open) = self.open.as_mut() else {
            unreachable!("a file's first part carries its plan and the file")
        };
        self.raw.extend(part.problems);
        for statement in part.statements {
            open.spans.push(statement.span);
            for unit in statement.units {
                check_unit(
                    &FileContext {
                        source: &open.source,
                        path: &open.path,
                        index: open.index,
                        plan: &open.plan,
                        rollback: open.rollback,
                    },
                    statement.index,
                    &unit,
                    &mut self.symbols,
                    self.options,
                    (&mut self.raw, &mut self.locks),
                );
            }
        }
        self.texts.extend(part.stored);
        if part.last
            && let Some(open) = self.open.take()
        {
            let suppressions =
                ignore::Suppressions::parse(&open.source, &open.spans, &mut self.raw);
            self.suppressions.push(suppressions);
        }
    }

    fn into_parts(self) -> PassParts {
        PassParts {
            raw: self.raw,
            locks: self.locks,
            suppressions: self.suppressions,
            holding_secrets: self.holding_secrets,
            symbols: self.symbols,
            released_summary: self.released_summary,
            texts: self.texts,
        }
    }
}

/// What the rule pass hands to the report.
struct PassParts {
    raw: Vec<Diagnostic>,
    locks: Vec<lock_report::Entry>,
    suppressions: Vec<ignore::Suppressions>,
    holding_secrets: Vec<usize>,
    symbols: Symbols,
    released_summary: String,
    texts: Vec<stored::StoredText>,
}

/// The file a unit belongs to, as the statement rules see it.
struct FileContext<'a> {
    source: &'a SourceFile,
    /// Its path, shared by the symbol table's sites.
    path: &'a Arc<Path>,
    index: usize,
    plan: &'a FilePlan,
    rollback: bool,
}

/// Runs the statement rules over one unit, then records what it does in the symbol table.
fn check_unit(
    file: &FileContext<'_>,
    statement_index: usize,
    unit: &Unit,
    symbols: &mut Symbols,
    options: &LintOptions,
    (out, locks): (&mut Vec<Diagnostic>, &mut Vec<lock_report::Entry>),
) {
    let site = symbols::Site {
        file: Arc::clone(file.path),
        span: unit.span.clone(),
        file_index: file.index,
    };
    if let Some(block) = &unit.dynamic {
        symbols.apply_dynamic(&unit.node, block, &site);
        return;
    }
    let ctx = UnitContext {
        file: file.source,
        path: file.path,
        plan: file.plan,
        statement_index,
        transaction: file
            .plan
            .states
            .get(statement_index)
            .copied()
            .unwrap_or(TxState::Unknown),
        rollback: file.rollback,
        file_index: file.index,
        unit,
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

/// The report: set rules over the final symbol table, then suppressions, levels and order.
fn report(parts: PassParts, options: &LintOptions) -> Result<LintReport> {
    let PassParts {
        mut raw,
        locks,
        suppressions,
        holding_secrets,
        symbols,
        released_summary,
        texts,
    } = parts;
    for rule in RULES {
        if let Some(finish) = rule.finish
            && options.level(rule).is_some()
        {
            finish(&symbols, options, rule, &mut raw);
        }
    }
    // The symbol table goes before any text comes back.
    drop(symbols);
    let paths: Vec<&Path> = texts.iter().map(stored::StoredText::path).collect();
    let file_index = file_positions(&paths);
    let kept: Vec<Diagnostic> = raw
        .into_iter()
        .filter(|d| {
            let index = file_index.get(&*d.file);
            !index.is_some_and(|&i| suppressions[i].suppresses(d))
        })
        .collect();
    let mut diagnostics = apply_levels(kept, options);
    sort_diagnostics(&mut diagnostics, &file_index);
    let mut quoted: Vec<bool> = vec![false; paths.len()];
    let referenced = diagnostics
        .iter()
        .map(|d| &*d.file)
        .chain(locks.iter().map(|e| e.file.as_path()));
    for file in referenced {
        if let Some(&i) = file_index.get(file) {
            quoted[i] = true;
        }
    }
    for &i in &holding_secrets {
        quoted[i] = true;
    }
    drop(file_index);
    let sources: Vec<SourceFile> = texts
        .into_iter()
        .zip(quoted)
        .map(|(text, quoted)| {
            if quoted {
                text.restore()
            } else {
                Ok(text.without_text())
            }
        })
        .collect::<Result<_>>()?;
    let sources = rules::hardcoded_secret::redact(sources, &holding_secrets, &mut diagnostics);
    Ok(LintReport {
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
    })
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
fn file_positions<'p>(paths: &[&'p Path]) -> HashMap<&'p Path, usize> {
    paths
        .iter()
        .enumerate()
        .map(|(i, path)| (*path, i))
        .collect()
}

/// Orders findings by file (in lint order, `order`), position and rule; each finding's file is
/// looked up once, not at every comparison.
fn sort_diagnostics(diagnostics: &mut [Diagnostic], order: &HashMap<&Path, usize>) {
    diagnostics.sort_by_cached_key(|d| {
        let file = order.get(&*d.file).copied().unwrap_or(usize::MAX);
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
    use crate::text::LineIndex;

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
        equivalence::lint_checked(sources, options)
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
                let source = report.sources.iter().find(|s| *s.path == *d.file).unwrap();
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
        let report = equivalence::lint_checked(vec![source], &options);
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
            let source = report.sources.iter().find(|s| *s.path == *d.file).unwrap();
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
    fn the_report_holds_the_texts_it_quotes_and_only_those() {
        let report = lint_files(&[
            ("V1__clean.sql", "SELECT 1;\n"),
            (
                "V2__finding.sql",
                "-- the finding\nALTER SYSTEM SET work_mem = '1MB';\n",
            ),
        ]);
        let held: Vec<(&str, &str)> = report
            .sources
            .iter()
            .map(|s| (s.path.to_str().unwrap(), s.text.as_str()))
            .collect();
        assert_eq!(
            held,
            [
                ("V1__clean.sql", ""),
                (
                    "V2__finding.sql",
                    "-- the finding\nALTER SYSTEM SET work_mem = '1MB';\n"
                ),
            ]
        );
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
