//! `invalid-ignore` — an `eventos:ignore` / `eventos:ignore-file` directive that names an unknown
//! rule, names none, or gives no reason.
//!
//! Why: a suppression must say what it silences and why, or reviewers cannot judge it; a typo in
//! a rule id would silently suppress nothing.
//! Fix: `-- eventos:ignore <rule>[, <rule>] -- <reason>` with ids from `eventos rules`.

use std::ops::Range;

use super::Rule;
use crate::lint::{Diagnostic, Severity, SourceFile};

/// The rule's metadata; the suppression parser emits its findings.
pub const RULE: Rule = Rule {
    id: "invalid-ignore",
    severity: Severity::Error,
    summary: "an ignore directive with an unknown rule or no reason",
    help: "write `-- eventos:ignore <rule>[, <rule>] -- <reason>`; `eventos rules` lists the ids",
    doc: include_str!("../../../docs/rules/invalid-ignore.md"),
    check: None,
    finish: None,
};

/// A finding at the directive's comment.
pub fn diagnostic(source: &SourceFile, span: Range<usize>, message: String) -> Diagnostic {
    RULE.finding(&source.path, span, message)
}
