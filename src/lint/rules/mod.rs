//! The rule table: every rule's metadata declared once, in one place.

pub mod alter_system;
pub mod syntax_error;

use super::StatementContext;
use crate::report::{Diagnostic, Severity};

/// A statement check: pushes findings for one statement.
pub type CheckFn = fn(&StatementContext<'_>, &Rule, &mut Vec<Diagnostic>);

/// A lint rule: id, default severity, documentation and its check.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, part of the interface (`alter-system`).
    pub id: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// How to fix a finding.
    pub help: &'static str,
    /// The statement check; `None` for findings the engine itself emits.
    pub check: Option<CheckFn>,
}

/// Every rule, in the order they are documented.
pub static RULES: &[Rule] = &[syntax_error::RULE, alter_system::RULE];

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|rule| rule.id == id)
}
