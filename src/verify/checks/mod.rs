//! Verification checks, one module each, and the one table that declares them.
//!
//! Plan checks compare the plans with the database; catalog checks are pure functions from a
//! [`Catalog`] snapshot to one [`Examined`] per object looked at. Every check's id, level, one
//! line summary and fix live in [`CHECKS`]; renderers and docs derive from it.

pub mod duplicate_index;
pub mod extension_in_public;
pub mod fk_indexed;
pub mod function_search_path;
pub mod invalid_index;
pub mod maintenance_jobs;
pub mod matview_exposed;
pub mod partition_coverage;
pub mod plan_objects;
pub mod plan_queries;
pub mod policy_always_true;
pub mod primary_key;
pub mod rls_enabled;
pub mod rls_has_policy;
pub mod security_definer_exposed;
pub mod view_security_invoker;

use super::catalog::Catalog;

/// Whether a failing check blocks (exit 1) or only warns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A finding fails verification.
    Error,
    /// A finding is reported but verification still passes.
    Warning,
}

impl Level {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One object a catalog check looked at, and what is wrong with it (if anything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Examined {
    /// The object, e.g. `public.events` or `public.f(uuid)`.
    pub subject: String,
    /// What is wrong, at the check's level; `None` when the object passes.
    pub problem: Option<String>,
    /// A lesser finding, always reported as a warning.
    pub warning: Option<String>,
}

impl Examined {
    /// `subject` passes unless `problem` is `Some`.
    pub fn new(subject: impl Into<String>, problem: Option<String>) -> Examined {
        Examined {
            subject: subject.into(),
            problem,
            warning: None,
        }
    }

    /// `subject` passes with a warning.
    pub fn warn(subject: impl Into<String>, warning: String) -> Examined {
        Examined {
            subject: subject.into(),
            problem: None,
            warning: Some(warning),
        }
    }
}

/// A check's metadata; `run` is `None` for plan checks, which need the plans.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// The stable id, shown in every report and used for its doc page `docs/checks/<id>.md`.
    pub id: &'static str,
    /// Error or warning.
    pub level: Level,
    /// What the check proves, in one line.
    pub summary: &'static str,
    /// How to fix a finding, in one line.
    pub help: &'static str,
    /// The catalog check itself.
    pub run: Option<fn(&Catalog) -> Vec<Examined>>,
}

/// Every check, in report order.
pub const CHECKS: &[Check] = &[
    plan_objects::CHECK,
    plan_queries::CHECK,
    rls_enabled::CHECK,
    rls_has_policy::CHECK,
    policy_always_true::CHECK,
    function_search_path::CHECK,
    security_definer_exposed::CHECK,
    view_security_invoker::CHECK,
    matview_exposed::CHECK,
    fk_indexed::CHECK,
    invalid_index::CHECK,
    duplicate_index::CHECK,
    extension_in_public::CHECK,
    primary_key::CHECK,
    partition_coverage::CHECK,
    crate::verify::probe::CHECK,
    maintenance_jobs::CHECK,
];

/// The metadata of check `id`.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// The outcome of one check on one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The check id, e.g. `plan-objects`.
    pub check: &'static str,
    /// What was checked (a phase, a query name, an object).
    pub subject: String,
    /// Failure messages; empty means pass.
    pub failures: Vec<String>,
    /// Findings of warning-level checks: reported, but the result still passes.
    pub warnings: Vec<String>,
}

impl CheckResult {
    /// A result of `check` on `subject` with `failures` (none = pass).
    pub fn new(
        check: &'static str,
        subject: impl Into<String>,
        failures: Vec<String>,
    ) -> CheckResult {
        CheckResult {
            check,
            subject: subject.into(),
            failures,
            warnings: Vec::new(),
        }
    }

    /// Turns one examined object into a result, a failure or a warning according to `level`.
    pub fn from_examined(check: &Check, examined: Examined) -> CheckResult {
        let problems: Vec<String> = examined.problem.into_iter().collect();
        let (failures, mut warnings) = match check.level {
            Level::Error => (problems, Vec::new()),
            Level::Warning => (Vec::new(), problems),
        };
        warnings.extend(examined.warning);
        CheckResult {
            check: check.id,
            subject: examined.subject,
            failures,
            warnings,
        }
    }

    /// Whether the check passed (warnings do not fail it).
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Runs every catalog check over `catalog`.
pub fn run_catalog_checks(catalog: &Catalog) -> Vec<CheckResult> {
    CHECKS
        .iter()
        .filter_map(|check| check.run.map(|run| (check, run)))
        .flat_map(|(check, run)| {
            run(catalog)
                .into_iter()
                .map(move |e| CheckResult::from_examined(check, e))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod fixtures {
    //! Hand-built catalog snapshots for the checks' unit tests.

    use crate::verify::catalog::{Catalog, Relation};

    /// An empty snapshot exposing `public`.
    pub fn catalog() -> Catalog {
        Catalog {
            exposed_schemas: vec!["public".into()],
            ..Catalog::default()
        }
    }

    /// A relation `schema.name` of `kind` with every safety property set (RLS, PK, invoker).
    pub fn relation(schema: &str, name: &str, kind: char) -> Relation {
        Relation {
            schema: schema.into(),
            name: name.into(),
            kind,
            rls: true,
            has_primary_key: true,
            security_invoker: true,
            ..Relation::default()
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
    fn ids_are_unique_and_every_check_has_a_doc_page() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for (i, check) in CHECKS.iter().enumerate() {
            assert!(
                CHECKS[..i].iter().all(|c| c.id != check.id),
                "duplicate id {}",
                check.id
            );
            let page = root.join("docs/checks").join(format!("{}.md", check.id));
            assert!(
                page.is_file(),
                "{} has no doc page {}",
                check.id,
                page.display()
            );
        }
    }

    #[test]
    fn warning_level_problems_do_not_fail_the_result() {
        let check = rls_has_policy::CHECK;
        let result =
            CheckResult::from_examined(&check, Examined::new("public.t", Some("no policy".into())));
        assert!(result.passed());
        assert_eq!(result.warnings, vec!["no policy"]);
    }
}
