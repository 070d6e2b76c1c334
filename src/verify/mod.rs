//! Post-apply verification against the live catalog.
//!
//! The catalog is fetched once ([`catalog::Catalog::fetch`], a fixed number of queries whatever
//! the number of objects); checks ([`checks::CHECKS`]) are pure functions over that snapshot,
//! plus the plans' own verification queries, which run as written, and the optional RLS probes.
//! Nothing aborts the run but a lost connection: a phase that is not applied, a missing object or
//! a plan query that errors is a failed check naming it. Results are split into the bundles' own
//! objects and pre-existing ones ([`scope`]); levels and exemptions come from `eventos.toml`
//! ([`Settings`]). Rendering lives in `report::verify`.

pub mod catalog;
pub mod checks;
pub mod expr;
pub mod probe;
pub mod scope;

use std::collections::{BTreeMap, HashMap, HashSet};

use anyhow::{Result, bail};
use tokio_postgres::Client;

use crate::bundle::{Plan, Project};
use crate::config::{DEFAULT_HISTORY_TABLE, Exemption, VerifySettings};
use catalog::Catalog;
use checks::phase_applied::{self, PhaseState};
use checks::plan_queries::{self, QueryOutcome};
use checks::{CHECKS, Check, CheckResult, Examined, Finding, Section, Severity, Status};
use scope::Ownership;

/// Check levels, exemptions and the pre-existing cap, validated against [`CHECKS`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// Configured level per check id (`None`: off).
    levels: HashMap<&'static str, Option<Severity>>,
    /// `[[verify.exempt]]` entries.
    exemptions: Vec<Exemption>,
    /// The highest level a pre-existing object's finding reaches (`None`: not reported).
    pre_existing: Option<Severity>,
    /// Judge every object as owned.
    all_objects: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            levels: HashMap::new(),
            exemptions: Vec::new(),
            pre_existing: Some(Severity::Warning),
            all_objects: false,
        }
    }
}

impl Settings {
    /// Validates the `[verify]` table: known check ids, a reason per exemption.
    pub fn from_config(file: &VerifySettings) -> Result<Settings> {
        let mut settings = Settings::default();
        for (id, level) in &file.check_levels {
            let Some(check) = checks::find(id) else {
                bail!(
                    "eventos.toml [verify.checks]: unknown check `{id}`\nhelp: `eventos checks` lists every check"
                );
            };
            settings.levels.insert(check.id, level.severity());
        }
        for (n, exemption) in file.exemptions.iter().enumerate() {
            let entry = n + 1;
            if checks::find(&exemption.check).is_none() {
                bail!(
                    "eventos.toml [[verify.exempt]] #{entry}: unknown check `{}`\nhelp: `eventos checks` lists every check",
                    exemption.check
                );
            }
            if exemption.reason.trim().is_empty() || exemption.object.trim().is_empty() {
                bail!(
                    "eventos.toml [[verify.exempt]] #{entry} ({} on {:?}): object and reason must not be empty\nhelp: say why the finding is accepted",
                    exemption.check,
                    exemption.object
                );
            }
        }
        settings.exemptions = file.exemptions.clone();
        if let Some(level) = file.pre_existing {
            settings.pre_existing = level.severity();
        }
        settings.all_objects = file.all_objects;
        Ok(settings)
    }

    /// Judge every object as if the bundles owned it.
    pub fn with_all_objects(mut self, all: bool) -> Settings {
        self.all_objects |= all;
        self
    }

    /// The level `check` runs at (`None`: off).
    fn level(&self, check: &Check) -> Option<Severity> {
        self.levels
            .get(check.id)
            .copied()
            .unwrap_or(Some(check.level))
    }
}

/// What to verify beyond the plans.
#[derive(Debug, Clone)]
pub struct Options {
    /// Highest phase whose plans are checked (`None`: all).
    pub max_phase: Option<u8>,
    /// Schemas the API exposes; the safety checks look only there.
    pub exposed_schemas: Vec<String>,
    /// Run the RLS probes (reads and writes) as well.
    pub rls_probe: bool,
    /// refinery's history table, which says which phases are applied.
    pub history_table: String,
    /// Levels, exemptions, scope.
    pub settings: Settings,
}

impl Options {
    /// Phases up to `max_phase`, schema `public` exposed, default levels, no RLS probe.
    pub fn new(max_phase: Option<u8>) -> Options {
        Options {
            max_phase,
            exposed_schemas: vec!["public".into()],
            rls_probe: false,
            history_table: DEFAULT_HISTORY_TABLE.into(),
            settings: Settings::default(),
        }
    }
}

/// Every result of one verification run.
#[derive(Debug, Clone)]
pub struct Report {
    /// One result per check and subject, in check order.
    pub results: Vec<CheckResult>,
    /// How far each selected phase got.
    pub phases: Vec<(u8, PhaseState)>,
    /// Round trips spent reading the catalog (constant, see [`catalog::Catalog::QUERIES`]).
    pub catalog_queries: usize,
    /// Round trips spent on the plans' verification queries (one each).
    pub plan_queries: usize,
}

impl Report {
    /// Whether every check passed (warnings, infos and exempted findings allowed).
    pub fn passed(&self) -> bool {
        self.results.iter().all(CheckResult::passed)
    }
}

/// Runs every check for phases `0..=max_phase` with schema `public` exposed (the post-check of
/// `migrate up`).
pub async fn verify(
    client: &Client,
    project: &Project,
    max_phase: Option<u8>,
) -> Result<Vec<CheckResult>> {
    Ok(run(client, project, &Options::new(max_phase))
        .await?
        .results)
}

/// Runs every check `options` asks for.
pub async fn run(client: &Client, project: &Project, options: &Options) -> Result<Report> {
    let catalog = Catalog::fetch(client, &options.exposed_schemas, &options.history_table).await?;
    let ownership = Ownership::of(project);
    let settings = &options.settings;
    let mut results = Vec::new();
    let mut phases = Vec::new();
    let mut judged: Vec<&Plan> = Vec::new();
    for bundle in project.up_to(options.max_phase) {
        let (state, result) = phase_applied::check(bundle, &catalog, &options.history_table);
        results.push(result);
        phases.push((bundle.phase(), state));
        if state != PhaseState::NotApplied {
            judged.push(&bundle.plan);
        }
    }
    let mut missing: Vec<(String, String)> = Vec::new();
    for plan in &judged {
        let subject = checks::plan_objects::subject(plan);
        missing.extend(
            checks::plan_objects::missing(plan, &catalog)
                .into_iter()
                .map(|(_, name)| (name, subject.clone())),
        );
        results.extend(checks::plan_objects::check(plan, &catalog));
    }
    let outcomes = plan_queries::run(client, &judged).await?;
    let plan_queries = outcomes.len();
    let mut catalog_results = run_catalog_checks(&catalog, &ownership, settings);
    exempt(&mut catalog_results, settings);
    results.extend(fold_plan_queries(
        outcomes,
        &mut catalog_results,
        &missing,
        &catalog,
        &ownership,
        settings,
    ));
    results.extend(catalog_results);
    results.extend(checks::maintenance_jobs::run(client).await);
    if options.rls_probe {
        let reads = probe::run(client, project, options.max_phase, &catalog).await?;
        let users_refused = reads
            .iter()
            .any(|r| r.check == checks::rls_probe_setup::CHECK.id && r.subject == "auth.users");
        results.extend(reads);
        if !users_refused {
            let writes = probe::write::run(client, project, &catalog).await?;
            results.extend(writes.into_iter().map(|mut r| {
                if r.check == checks::rls_write_probe::CHECK.id
                    && !settings.all_objects
                    && !ownership.owns_relation(&r.subject, &catalog)
                {
                    r.section = Section::PreExisting;
                }
                r
            }));
        }
    }
    let mut results = apply_levels(results, settings);
    exempt(&mut results, settings);
    results.extend(stale_exemptions(&results, settings));
    Ok(Report {
        results,
        phases,
        catalog_queries: catalog.queries,
        plan_queries,
    })
}

/// Runs every catalog check that is not off, judging each object owned or pre-existing.
pub fn run_catalog_checks(
    catalog: &Catalog,
    ownership: &Ownership,
    settings: &Settings,
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    for check in CHECKS {
        let (Some(run), Some(level)) = (check.run, settings.level(check)) else {
            continue;
        };
        for examined in run(catalog) {
            let owned = settings.all_objects || ownership.owns(&examined.object, catalog);
            if let Some(result) = judge(check, level, examined, owned, settings) {
                results.push(result);
            }
        }
    }
    results
}

/// Turns one examined object into a result at `level` (its lesser finding at most a warning),
/// capped for pre-existing objects; `None` when pre-existing objects are not reported.
fn judge(
    check: &Check,
    level: Severity,
    examined: Examined,
    owned: bool,
    settings: &Settings,
) -> Option<CheckResult> {
    let (section, cap) = if owned {
        (Section::Owned, Severity::Error)
    } else {
        (Section::PreExisting, settings.pre_existing?)
    };
    let mut findings = Vec::new();
    if let Some(message) = examined.problem {
        findings.push(Finding {
            level: level.min(cap),
            message,
        });
    }
    if let Some(message) = examined.warning {
        findings.push(Finding {
            level: level.min(Severity::Warning).min(cap),
            message,
        });
    }
    Some(CheckResult {
        check: check.id,
        subject: examined.subject,
        object: Some(examined.object),
        section,
        findings,
        notes: Vec::new(),
        tried: Vec::new(),
        exemption: None,
    })
}

/// Re-levels the results of plan checks and probes by `[verify.checks]`, drops checks that are
/// off, and caps pre-existing sections.
fn apply_levels(results: Vec<CheckResult>, settings: &Settings) -> Vec<CheckResult> {
    results
        .into_iter()
        .filter_map(|mut result| {
            let check = checks::find(result.check)?;
            if check.run.is_some() {
                return Some(result);
            }
            let level = settings.level(check)?;
            let cap = match result.section {
                Section::Owned => Severity::Error,
                Section::PreExisting => settings.pre_existing?,
            };
            for finding in &mut result.findings {
                finding.level = if finding.level >= check.level {
                    level
                } else {
                    finding.level.min(level)
                }
                .min(cap);
            }
            Some(result)
        })
        .collect()
}

/// Marks results whose findings an exemption accepts.
fn exempt(results: &mut [CheckResult], settings: &Settings) {
    for result in results.iter_mut().filter(|r| !r.findings.is_empty()) {
        if let Some(exemption) = settings.exemptions.iter().find(|e| matches(e, result)) {
            result.exemption = Some(exemption.reason.clone());
        }
    }
}

/// Whether `exemption` names `result`'s check and subject (or object).
fn matches(exemption: &Exemption, result: &CheckResult) -> bool {
    exemption.check == result.check
        && (glob(&exemption.object, &result.subject)
            || result
                .object
                .as_ref()
                .is_some_and(|o| glob(&exemption.object, &o.name)))
}

/// `pattern` with `*` matching any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// One warning per exemption whose check ran and found its object passing.
fn stale_exemptions(results: &[CheckResult], settings: &Settings) -> Vec<CheckResult> {
    settings
        .exemptions
        .iter()
        .filter(|e| {
            let examined: Vec<&CheckResult> = results.iter().filter(|r| matches(e, r)).collect();
            !examined.is_empty() && examined.iter().all(|r| r.findings.is_empty())
        })
        .map(|e| {
            CheckResult::with_level(
                checks::exemption_unused::CHECK.id,
                format!("{} on {}", e.check, e.object),
                Severity::Warning,
                vec![format!(
                    "the exemption of {} on {} is stale: the object passes (reason given: {})",
                    e.check, e.object, e.reason
                )],
            )
        })
        .collect()
}

/// Plan-query outcomes as results, each finding reported once: a row repeated by a later phase
/// is dropped, a row naming an object `plan-objects` reports missing is noted as such, a row
/// about pre-existing objects only moves to the pre-existing section (folded into a catalog
/// result already reporting that object), a row about an owned object a catalog check already
/// fails is folded into that result as a note.
fn fold_plan_queries(
    outcomes: Vec<QueryOutcome>,
    catalog_results: &mut [CheckResult],
    missing: &[(String, String)],
    catalog: &Catalog,
    ownership: &Ownership,
    settings: &Settings,
) -> Vec<CheckResult> {
    let names = NameIndex::new(catalog, ownership);
    let mut seen: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut results = Vec::new();
    let mut pre_existing: Vec<CheckResult> = Vec::new();
    for outcome in outcomes {
        let subject = outcome.subject();
        let rows = match outcome.rows {
            Err(error) => {
                let message = format!(
                    "phase {} verification query `{}` failed to run: {error}",
                    outcome.phase, outcome.name
                );
                results.push(CheckResult::new(plan_queries::ID, subject, vec![message]));
                continue;
            }
            Ok(rows) => rows,
        };
        let mut result = CheckResult::new(plan_queries::ID, &subject, vec![]);
        for row in rows {
            let key = (outcome.name.clone(), row.clone());
            if let Some(first) = seen.get(&key) {
                result
                    .notes
                    .push(format!("{row} — already reported by {first}"));
                continue;
            }
            seen.insert(key, subject.clone());
            if let Some((name, reported)) = names_missing(&row, missing) {
                result.notes.push(format!(
                    "{row} — {name} is reported missing by plan-objects {reported}"
                ));
                continue;
            }
            let mentioned = names.mentioned(&row);
            let about_pre_existing = !settings.all_objects
                && !mentioned.is_empty()
                && mentioned.iter().all(|(_, owned)| !owned);
            let note = format!("also reported by plan query `{subject}`: {row}");
            if about_pre_existing {
                let Some(cap) = settings.pre_existing else {
                    continue;
                };
                let target = catalog_results.iter_mut().find(|r| {
                    r.section == Section::PreExisting
                        && !r.findings.is_empty()
                        && r.object.as_ref().is_some_and(|o| {
                            mentioned
                                .iter()
                                .any(|(name, _)| &o.name == name || o.table.as_ref() == Some(name))
                        })
                });
                match target {
                    Some(target) => target.notes.push(note),
                    None => {
                        let mut moved = CheckResult::with_level(
                            plan_queries::ID,
                            &subject,
                            Severity::Warning.min(cap),
                            vec![row],
                        );
                        moved.section = Section::PreExisting;
                        pre_existing.push(moved);
                    }
                }
                continue;
            }
            let target = catalog_results.iter_mut().find(|r| {
                r.section == Section::Owned
                    && r.status() == Status::Fail
                    && r.object.as_ref().is_some_and(|o| {
                        mentioned
                            .iter()
                            .any(|(name, owned)| *owned && &o.name == name)
                    })
            });
            match target {
                Some(target) => {
                    target.notes.push(note);
                    result.notes.push(format!(
                        "{row} — reported with {} {}",
                        target.check, target.subject
                    ));
                }
                None => result.findings.push(Finding {
                    level: Severity::Error,
                    message: row,
                }),
            }
        }
        results.push(result);
    }
    results.extend(pre_existing);
    results
}

/// The first missing object `text` names (qualified, or without its `public.` schema), with the
/// plan-objects subject that reports it.
fn names_missing<'a>(text: &str, missing: &'a [(String, String)]) -> Option<(&'a str, &'a str)> {
    let tokens: HashSet<&str> = text
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| !t.is_empty())
        .collect();
    missing.iter().find_map(|(name, subject)| {
        let bare = name.strip_prefix("public.").unwrap_or(name);
        (tokens.contains(name.as_str()) || tokens.contains(bare))
            .then_some((name.as_str(), subject.as_str()))
    })
}

/// Relation and function names of the catalog, bare and qualified, with ownership.
struct NameIndex {
    qualified: HashMap<String, bool>,
    bare: HashMap<String, Vec<(String, bool)>>,
}

impl NameIndex {
    fn new(catalog: &Catalog, ownership: &Ownership) -> NameIndex {
        let mut index = NameIndex {
            qualified: HashMap::new(),
            bare: HashMap::new(),
        };
        let index_tables: HashMap<String, String> = catalog
            .indexes
            .iter()
            .map(|i| (i.qualified(), i.table_name()))
            .collect();
        for relation in catalog
            .relations
            .iter()
            .filter(|r| !Catalog::is_platform(&r.schema) && !r.from_extension)
        {
            let name = relation.qualified();
            let owned = ownership.owns_relation(&name, catalog)
                || index_tables
                    .get(&name)
                    .is_some_and(|t| ownership.owns_relation(t, catalog));
            index.add(&relation.name, name, owned);
        }
        let mut seen = HashSet::new();
        for function in catalog
            .functions
            .iter()
            .filter(|f| !Catalog::is_platform(&f.schema) && !f.from_extension)
        {
            let name = function.qualified();
            if seen.insert(name.clone()) {
                let owned = ownership.owns_function(&name);
                index.add(&function.name, name, owned);
            }
        }
        index
    }

    fn add(&mut self, bare: &str, qualified: String, owned: bool) {
        self.qualified.insert(qualified.clone(), owned);
        self.bare
            .entry(bare.to_string())
            .or_default()
            .push((qualified, owned));
    }

    /// The known objects `text` names, qualified, with whether the bundles own them.
    fn mentioned(&self, text: &str) -> Vec<(String, bool)> {
        let mut found: Vec<(String, bool)> = Vec::new();
        let tokens = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.'))
            .map(|t| t.trim_matches('.'))
            .filter(|t| !t.is_empty());
        for token in tokens {
            let hits: Vec<(String, bool)> = match self.qualified.get(token) {
                Some(owned) => vec![(token.to_string(), *owned)],
                None => {
                    let last = token.rsplit('.').next().unwrap_or(token);
                    let first = token.split('.').next().unwrap_or(token);
                    self.bare
                        .get(first)
                        .or_else(|| self.bare.get(last))
                        .cloned()
                        .unwrap_or_default()
                }
            };
            for hit in hits {
                if !found.contains(&hit) {
                    found.push(hit);
                }
            }
        }
        // A bare name shared by an owned and a foreign object counts as owned.
        if found.iter().any(|(_, owned)| *owned) {
            found.retain(|(_, owned)| *owned);
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::LevelSetting;

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob("public.*", "public.events"));
        assert!(glob(
            "policy * on public.events",
            "policy own on public.events"
        ));
        assert!(glob("*_seq", "public.audit_log_id_seq"));
        assert!(!glob("public.*", "app.events"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
        assert!(glob("a*b*c", "axxbyyc") && !glob("a*b*c", "axxcyyb"));
    }

    #[test]
    fn settings_reject_unknown_checks_levels_and_empty_reasons() {
        let mut file = VerifySettings::default();
        file.check_levels
            .insert("unused-index".into(), LevelSetting::Off);
        assert!(Settings::from_config(&file).is_ok());
        file.check_levels
            .insert("no-such-check".into(), LevelSetting::Off);
        let err = Settings::from_config(&file).unwrap_err().to_string();
        assert!(err.contains("unknown check `no-such-check`"), "{err}");
        file.check_levels.clear();
        file.exemptions.push(Exemption {
            check: "rls-enabled".into(),
            object: "public.t".into(),
            reason: " ".into(),
        });
        assert!(
            Settings::from_config(&file)
                .unwrap_err()
                .to_string()
                .contains("must not be empty")
        );
    }

    #[test]
    fn pre_existing_findings_are_capped_and_owned_ones_keep_their_level() {
        let settings = Settings::default();
        let examined = || {
            Examined::new(
                "public.t",
                checks::Object::database("x"),
                Some("bad".into()),
            )
        };
        let check = &checks::rls_enabled::CHECK;
        let owned = judge(check, Severity::Error, examined(), true, &settings).unwrap();
        assert_eq!(owned.status(), Status::Fail);
        let theirs = judge(check, Severity::Error, examined(), false, &settings).unwrap();
        assert_eq!(
            (theirs.status(), theirs.section),
            (Status::Warn, Section::PreExisting)
        );
        let off = Settings {
            pre_existing: None,
            ..Settings::default()
        };
        assert!(judge(check, Severity::Error, examined(), false, &off).is_none());
    }
}
