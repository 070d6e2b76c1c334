//! `sum-mismatch` — a bundle file changed (or was added, removed or reordered) since
//! `eventos hash` last wrote `sql/eventos.sum`.
//!
//! Why: applied migrations must never change; the sum file makes every edit to a shipped file a
//! visible, reviewed step. When `sql/eventos.sum` does not exist the check is skipped.
//! Fix: if the change is intended (the file was never deployed), run `eventos hash` and commit
//! the new `sql/eventos.sum`; otherwise revert the file and write a new migration.

use super::Rule;
use crate::bundle::sum::SumProblem;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata; `eventos lint` emits its findings when linting the project's bundles.
pub const RULE: Rule = Rule {
    id: "sum-mismatch",
    severity: Severity::Error,
    summary: "a bundle file changed without re-running eventos hash",
    help: "revert the change and add a new migration, or run `eventos hash` if the file was never deployed",
    doc: include_str!("../../../docs/rules/sum-mismatch.md"),
    check: None,
    finish: None,
};

/// One finding per problem, at the start of the file concerned.
pub fn diagnostics(problems: &[SumProblem]) -> Vec<Diagnostic> {
    problems
        .iter()
        .map(|p| RULE.finding(&p.path, 0..0, p.message.clone()))
        .collect()
}
