//! `phase-applied` — every selected phase is applied: all its migrations are recorded in the
//! history table.
//!
//! Why: verifying the objects of a phase that never ran produces one failure per object; a DBA
//! wants one line, "phase N not applied", and the command that fixes it. A phase applied in
//! part (a run stopped half way, a file added since) is named with its pending files, and its
//! objects are still checked. Without a history table (a database migrated by another tool) a
//! phase counts as not applied when none of its promised objects exists, and is otherwise judged
//! by its objects.
//! Fix: `eventos migrate up --phase N`.

use super::{Check, CheckResult, Severity};
use crate::bundle::Bundle;
use crate::verify::catalog::{Catalog, qualify};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "phase-applied",
    level: Severity::Error,
    summary: "every selected phase is applied (all its migrations are in the history table)",
    help: "run `eventos migrate up --phase <N>`; `eventos status` lists what is pending",
    doc: include_str!("../../../docs/checks/phase-applied.md"),
    splinter: &[],
    run: None,
};

/// How far a phase got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseState {
    /// Every migration is recorded (or, without history, its objects exist).
    Applied,
    /// Some migrations are recorded, not all.
    Partial,
    /// Nothing of it is there: its objects are not checked.
    NotApplied,
}

impl PhaseState {
    /// `applied`, `partly applied` or `not applied`.
    pub fn as_str(self) -> &'static str {
        match self {
            PhaseState::Applied => "applied",
            PhaseState::Partial => "partly applied",
            PhaseState::NotApplied => "not applied",
        }
    }
}

/// The state of `bundle` and its result.
pub fn check(bundle: &Bundle, catalog: &Catalog, history_table: &str) -> (PhaseState, CheckResult) {
    let phase = bundle.phase();
    let total = bundle.migrations.len();
    let subject = format!("phase {phase}");
    let Some(history) = &catalog.history else {
        return without_history(bundle, catalog, history_table);
    };
    let pending: Vec<String> = bundle
        .migrations
        .iter()
        .filter(|m| !history.contains(&m.version))
        .map(|m| m.refinery_name())
        .collect();
    let applied = total - pending.len();
    if pending.is_empty() {
        let mut result = CheckResult::new(CHECK.id, subject, vec![]);
        result
            .notes
            .push(format!("{applied} of {total} migrations applied"));
        return (PhaseState::Applied, result);
    }
    if applied == 0 {
        let message = format!(
            "phase {phase} not applied: none of its {total} migrations is recorded in {history_table}; its objects were not checked"
        );
        return (
            PhaseState::NotApplied,
            CheckResult::new(CHECK.id, subject, vec![message]),
        );
    }
    let message = format!(
        "phase {phase} partly applied: {applied} of {total} migrations recorded in {history_table}; pending: {}",
        pending.join(", ")
    );
    (
        PhaseState::Partial,
        CheckResult::new(CHECK.id, subject, vec![message]),
    )
}

fn without_history(
    bundle: &Bundle,
    catalog: &Catalog,
    history_table: &str,
) -> (PhaseState, CheckResult) {
    let phase = bundle.phase();
    let objects = &bundle.plan.objects;
    let relations = objects
        .tables
        .iter()
        .chain(&objects.partitioned_tables)
        .chain(&objects.views)
        .chain(&objects.materialized_views)
        .chain(&objects.indexes);
    let any_relation = relations
        .clone()
        .any(|n| catalog.relation(&qualify(n, 0)).is_some());
    let any_function = objects
        .functions
        .iter()
        .any(|n| catalog.has_function(&qualify(n, 0)));
    let promised = relations.count() + objects.functions.len();
    let subject = format!("phase {phase}");
    if promised > 0 && !any_relation && !any_function {
        let message = format!(
            "phase {phase} not applied: there is no history table {history_table} and none of the objects its plan promises exists; its objects were not checked"
        );
        return (
            PhaseState::NotApplied,
            CheckResult::new(CHECK.id, subject, vec![message]),
        );
    }
    let mut result = CheckResult::new(CHECK.id, subject, vec![]);
    result.notes.push(format!(
        "no history table {history_table}: judged by the objects its plan promises"
    ));
    (PhaseState::Applied, result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::{Migration, Objects, Plan};
    use crate::verify::checks::fixtures::{catalog, relation};

    fn bundle(versions: &[u32]) -> Bundle {
        Bundle {
            plan: Plan {
                id: 1,
                name: "p".into(),
                summary: "s".into(),
                depends_on: vec![],
                extensions: vec![],
                rollback: "r.sql".into(),
                objects: Objects {
                    tables: vec!["tags".into()],
                    ..Objects::default()
                },
                verify: vec![],
                rls_probe: vec![],
            },
            migrations: versions
                .iter()
                .map(|&version| Migration {
                    phase: 1,
                    version,
                    name: format!("m{version}"),
                    path: format!("V{version}__m{version}.sql").into(),
                    sql: String::new(),
                    no_transaction: false,
                    sha256: String::new(),
                })
                .collect(),
            rollback_path: "r.sql".into(),
            rollback_sql: String::new(),
        }
    }

    #[test]
    fn states_follow_the_history() {
        let mut catalog = catalog();
        catalog.history = Some(vec![1001, 1002]);
        let (state, result) = check(&bundle(&[1001, 1002]), &catalog, "eventos.schema_history");
        assert_eq!(state, PhaseState::Applied);
        assert!(result.passed());
        let (state, result) = check(&bundle(&[1001, 1002, 1003]), &catalog, "h");
        assert_eq!(state, PhaseState::Partial);
        assert_eq!(
            result.messages().collect::<Vec<_>>(),
            vec!["phase 1 partly applied: 2 of 3 migrations recorded in h; pending: V1003__m1003"]
        );
        catalog.history = Some(vec![]);
        let (state, result) = check(&bundle(&[1001]), &catalog, "h");
        assert_eq!(state, PhaseState::NotApplied);
        assert!(
            result
                .messages()
                .next()
                .unwrap()
                .starts_with("phase 1 not applied")
        );
    }

    #[test]
    fn without_history_the_objects_decide() {
        let (state, _) = check(&bundle(&[1001]), &catalog(), "h");
        assert_eq!(state, PhaseState::NotApplied);
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "tags", 'r'));
        let (state, result) = check(&bundle(&[1001]), &catalog, "h");
        assert_eq!(state, PhaseState::Applied);
        assert!(result.notes[0].contains("no history table h"));
    }
}
