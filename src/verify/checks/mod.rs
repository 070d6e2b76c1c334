//! Verification checks, one module each, and the one table that declares them.
//!
//! Plan checks compare the plans with the database; catalog checks are pure functions from a
//! [`Catalog`] snapshot to one [`Examined`] per object looked at. Every check's id, default
//! level, one-line summary, fix, documentation page and the Supabase advisor (splinter) lints it
//! covers live in [`CHECKS`]; renderers, `eventos checks` and the docs derive from it.

pub mod auth_allow_anonymous;
pub mod auth_rls_initplan;
pub mod auth_users_exposed;
pub mod autovacuum_disabled;
pub mod duplicate_index;
pub mod exemption_unused;
pub mod extension_deprecated;
pub mod extension_in_public;
pub mod extension_outdated;
pub mod fk_indexed;
pub mod fkey_to_auth_unique;
pub mod foreign_table_exposed;
pub mod function_search_path;
pub mod graphql_exposed;
pub mod insecure_queue_exposed;
pub mod invalid_index;
pub mod maintenance_jobs;
pub mod matview_exposed;
pub mod multiple_permissive_policies;
pub mod partition_coverage;
pub mod phase_applied;
pub mod plan_objects;
pub mod plan_queries;
pub mod policy_always_true;
pub mod policy_null_auth_disjunct;
pub mod policy_user_metadata;
pub mod policy_without_rls;
pub mod primary_key;
pub mod public_bucket_listing;
pub mod replication_slot_unused;
pub mod rls_enabled;
pub mod rls_has_policy;
pub mod rls_probe;
pub mod rls_probe_setup;
pub mod rls_write_probe;
pub mod security_definer_authenticated;
pub mod security_definer_exposed;
pub mod sensitive_columns_exposed;
pub mod sequence_exposed;
pub mod table_bloat;
pub mod unsupported_reg_types;
pub mod unused_index;
pub mod view_security_invoker;

use super::catalog::{Catalog, Function, Index, Policy, Relation};
pub use crate::base::Severity;

/// What kind of catalog object a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    /// A table, partition, view, materialized view, foreign table or sequence.
    Relation,
    /// An index.
    Index,
    /// A function or procedure.
    Function,
    /// An extension.
    Extension,
    /// A policy, constraint or column: judged with its table.
    PartOfTable,
    /// Server-wide state (replication slots, storage buckets): never owned by the bundles.
    Database,
}

/// The object a finding is about: decides whether the bundles own it and what exemptions match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Its kind.
    pub kind: ObjectKind,
    /// `schema.name` (or the extension's / slot's name).
    pub name: String,
    /// The table it belongs to (`schema.table`) for indexes, policies, constraints, columns and
    /// owned sequences.
    pub table: Option<String>,
}

impl Object {
    /// A relation.
    pub fn relation(relation: &Relation) -> Object {
        Object {
            kind: ObjectKind::Relation,
            name: relation.qualified(),
            table: relation.partition_of.clone(),
        }
    }

    /// An index of its table.
    pub fn index(index: &Index) -> Object {
        Object {
            kind: ObjectKind::Index,
            name: index.qualified(),
            table: Some(index.table_name()),
        }
    }

    /// A function.
    pub fn function(function: &Function) -> Object {
        Object {
            kind: ObjectKind::Function,
            name: function.qualified(),
            table: None,
        }
    }

    /// A policy, judged with its table.
    pub fn policy(policy: &Policy) -> Object {
        Object::part_of(policy.table_name(), &policy.name)
    }

    /// A constraint, column or other part of `table` called `name`.
    pub fn part_of(table: String, name: &str) -> Object {
        Object {
            kind: ObjectKind::PartOfTable,
            name: format!("{table}.{name}"),
            table: Some(table),
        }
    }

    /// An extension.
    pub fn extension(name: &str) -> Object {
        Object {
            kind: ObjectKind::Extension,
            name: name.to_string(),
            table: None,
        }
    }

    /// Server-wide state called `name`.
    pub fn database(name: &str) -> Object {
        Object {
            kind: ObjectKind::Database,
            name: name.to_string(),
            table: None,
        }
    }
}

/// One object a catalog check looked at, and what is wrong with it (if anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examined {
    /// How reports name it, e.g. `public.events` or `policy own on public.notes`.
    pub subject: String,
    /// The catalog object, for scoping and exemptions.
    pub object: Object,
    /// What is wrong, at the check's level; `None` when the object passes.
    pub problem: Option<String>,
    /// A lesser finding, reported at most as a warning.
    pub warning: Option<String>,
}

impl Examined {
    /// `subject` (about `object`) passes unless `problem` is `Some`.
    pub fn new(subject: impl Into<String>, object: Object, problem: Option<String>) -> Examined {
        Examined {
            subject: subject.into(),
            object,
            problem,
            warning: None,
        }
    }

    /// `relation`, named by its qualified name.
    pub fn relation(relation: &Relation, problem: Option<String>) -> Examined {
        Examined::new(relation.qualified(), Object::relation(relation), problem)
    }

    /// `subject` passes with a warning.
    pub fn warn(subject: impl Into<String>, object: Object, warning: String) -> Examined {
        Examined {
            subject: subject.into(),
            object,
            problem: None,
            warning: Some(warning),
        }
    }
}

/// A check's metadata; `run` is `None` for plan checks and probes, which need more than the
/// catalog.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// The stable id, shown in every report and used for its doc page `docs/checks/<id>.md`.
    pub id: &'static str,
    /// Default level (`[verify.checks]` in eventos.toml overrides it).
    pub level: Severity,
    /// What the check proves, in one line.
    pub summary: &'static str,
    /// How to fix a finding, in one line.
    pub help: &'static str,
    /// The full documentation page (what, why, fix, example).
    pub doc: &'static str,
    /// The Supabase advisor (splinter) lints it covers, by splinter name.
    pub splinter: &'static [&'static str],
    /// The catalog check itself.
    pub run: Option<fn(&Catalog) -> Vec<Examined>>,
}

/// Every check, in report order.
pub const CHECKS: &[Check] = &[
    phase_applied::CHECK,
    plan_objects::CHECK,
    plan_queries::CHECK,
    rls_enabled::CHECK,
    policy_without_rls::CHECK,
    rls_has_policy::CHECK,
    policy_always_true::CHECK,
    policy_null_auth_disjunct::CHECK,
    policy_user_metadata::CHECK,
    multiple_permissive_policies::CHECK,
    auth_rls_initplan::CHECK,
    auth_allow_anonymous::CHECK,
    function_search_path::CHECK,
    security_definer_exposed::CHECK,
    security_definer_authenticated::CHECK,
    view_security_invoker::CHECK,
    auth_users_exposed::CHECK,
    matview_exposed::CHECK,
    foreign_table_exposed::CHECK,
    sensitive_columns_exposed::CHECK,
    sequence_exposed::CHECK,
    fkey_to_auth_unique::CHECK,
    unsupported_reg_types::CHECK,
    insecure_queue_exposed::CHECK,
    graphql_exposed::ANON,
    graphql_exposed::AUTHENTICATED,
    public_bucket_listing::CHECK,
    fk_indexed::CHECK,
    invalid_index::CHECK,
    duplicate_index::CHECK,
    unused_index::CHECK,
    primary_key::CHECK,
    extension_in_public::CHECK,
    extension_outdated::CHECK,
    extension_deprecated::CHECK,
    partition_coverage::CHECK,
    table_bloat::CHECK,
    autovacuum_disabled::CHECK,
    replication_slot_unused::CHECK,
    rls_probe_setup::CHECK,
    rls_probe::CHECK,
    rls_write_probe::CHECK,
    exemption_unused::CHECK,
    maintenance_jobs::CHECK,
];

/// The metadata of check `id`.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// Whether a result belongs to the bundles' own objects or to objects that were already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Section {
    /// Objects the plans promise (and their partitions, indexes, policies, sequences), and
    /// everything the plans check.
    Owned,
    /// Objects of the database that no plan owns (a real project's own tables).
    PreExisting,
}

impl Section {
    /// `owned` or `pre-existing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Owned => "owned",
            Section::PreExisting => "pre-existing",
        }
    }
}

/// Where one check on one subject stands, as reports show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// No finding.
    Pass,
    /// An error finding: verification fails.
    Fail,
    /// A warning finding.
    Warn,
    /// Only informational findings.
    Info,
    /// Findings an `[[verify.exempt]]` entry accepts.
    Exempt,
}

impl Status {
    /// `pass`, `fail`, `warn`, `info` or `exempt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Info => "info",
            Status::Exempt => "exempt",
        }
    }
}

/// One problem found, at the level it counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Error, warning or info.
    pub level: Severity,
    /// What is wrong.
    pub message: String,
}

/// The outcome of one check on one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check id, e.g. `plan-objects`.
    pub check: &'static str,
    /// What was checked (a phase, a query name, an object).
    pub subject: String,
    /// The catalog object, when the subject is one.
    pub object: Option<Object>,
    /// Owned by the bundles or pre-existing.
    pub section: Section,
    /// What is wrong; empty means pass.
    pub findings: Vec<Finding>,
    /// Context that is not a finding (a duplicate folded in, what a probe could not test).
    pub notes: Vec<String>,
    /// What a probe tried on the subject (JSON output only).
    pub tried: Vec<String>,
    /// The configured reason when an exemption accepts the findings.
    pub exemption: Option<String>,
}

impl CheckResult {
    /// A result of `check` on `subject`, each of `failures` an error (none = pass).
    pub fn new(
        check: &'static str,
        subject: impl Into<String>,
        failures: Vec<String>,
    ) -> CheckResult {
        CheckResult::with_level(check, subject, Severity::Error, failures)
    }

    /// A result whose `messages` all count at `level`.
    pub fn with_level(
        check: &'static str,
        subject: impl Into<String>,
        level: Severity,
        messages: Vec<String>,
    ) -> CheckResult {
        CheckResult {
            check,
            subject: subject.into(),
            object: None,
            section: Section::Owned,
            findings: messages
                .into_iter()
                .map(|message| Finding { level, message })
                .collect(),
            notes: Vec::new(),
            tried: Vec::new(),
            exemption: None,
        }
    }

    /// Whether the check passed (warnings and infos do not fail it, nor do exempted findings).
    pub fn passed(&self) -> bool {
        self.exemption.is_some() || !self.findings.iter().any(|f| f.level == Severity::Error)
    }

    /// Where the result stands: its worst finding, unless exempted.
    pub fn status(&self) -> Status {
        let worst = self.findings.iter().map(|f| f.level).max();
        match (worst, &self.exemption) {
            (None, _) => Status::Pass,
            (Some(_), Some(_)) => Status::Exempt,
            (Some(Severity::Error), None) => Status::Fail,
            (Some(Severity::Warning), None) => Status::Warn,
            (Some(Severity::Info), None) => Status::Info,
        }
    }

    /// The messages of every finding, worst first as found.
    pub fn messages(&self) -> impl Iterator<Item = &str> {
        self.findings.iter().map(|f| f.message.as_str())
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built catalog snapshots for the checks' unit tests.

    use crate::verify::catalog::{Catalog, Policy, Relation};

    /// An empty snapshot exposing `public`.
    pub fn catalog() -> Catalog {
        let mut catalog = Catalog::default();
        catalog.exposed_schemas = vec!["public".into()];
        catalog
    }

    /// A relation `schema.name` of `kind` with every safety property set (RLS, PK, invoker).
    pub fn relation(schema: &str, name: &str, kind: char) -> Relation {
        Relation {
            schema: schema.into(),
            name: name.into(),
            kind,
            rls: true,
            primary_key: vec!["id".into()],
            security_invoker: true,
            ..Relation::default()
        }
    }

    /// A permissive policy on `public.t`.
    pub fn policy(
        name: &str,
        command: &str,
        roles: &[&str],
        using: Option<&str>,
        with_check: Option<&str>,
    ) -> Policy {
        Policy {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            command: command.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: using.map(Into::into),
            with_check: with_check.map(Into::into),
            permissive: true,
        }
    }

    /// The problems found, as `subject: problem` lines (`subject: (warning) …` for warnings).
    pub fn problems(examined: Vec<super::Examined>) -> Vec<String> {
        examined
            .into_iter()
            .filter_map(|e| {
                let warning = e.warning.map(|w| format!("(warning) {w}"));
                e.problem.or(warning).map(|p| format!("{}: {p}", e.subject))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_check_has_its_doc_page() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (i, check) in CHECKS.iter().enumerate() {
            assert!(
                CHECKS[..i].iter().all(|c| c.id != check.id),
                "duplicate id {}",
                check.id
            );
            let page = root.join("docs/checks").join(format!("{}.md", check.id));
            let text = std::fs::read_to_string(&page)
                .unwrap_or_else(|_| panic!("{} has no doc page {}", check.id, page.display()));
            assert_eq!(text, check.doc, "{} embeds another page", check.id);
            assert!(
                text.starts_with(&format!("# `{}`", check.id)),
                "{}: the page starts with its id",
                check.id
            );
        }
    }

    #[test]
    fn verify_md_maps_every_splinter_lint_to_its_check() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let page = std::fs::read_to_string(root.join("docs/verify.md")).unwrap();
        for check in CHECKS {
            for lint in check.splinter {
                let row = page
                    .lines()
                    .find(|l| l.contains(&format!("`{lint}`")))
                    .unwrap_or_else(|| panic!("docs/verify.md does not map splinter's {lint}"));
                assert!(
                    row.contains(&format!("`{}`", check.id)),
                    "{lint} is mapped to another check: {row}"
                );
            }
        }
    }

    #[test]
    fn status_follows_the_worst_finding_and_exemptions() {
        let mut result = CheckResult::with_level("x", "s", Severity::Warning, vec!["w".into()]);
        assert_eq!(result.status(), Status::Warn);
        assert!(result.passed());
        result.findings.push(Finding {
            level: Severity::Error,
            message: "e".into(),
        });
        assert_eq!(result.status(), Status::Fail);
        assert!(!result.passed());
        result.exemption = Some("accepted".into());
        assert_eq!(result.status(), Status::Exempt);
        assert!(result.passed());
    }
}
