//! The one diagnostic type every linter rule and loader emits.

use std::ops::Range;
use std::path::PathBuf;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Reported, does not fail the run unless warnings are denied.
    Warning,
    /// Fails the run.
    Error,
}

impl Severity {
    /// The lowercase word used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A SQL file as read from disk, shared by the linter and the renderers.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as the user should see it.
    pub path: PathBuf,
    /// The file's text (BOM stripped).
    pub text: String,
}

/// A finding at a byte span of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file at fault.
    pub file: PathBuf,
    /// Byte span in that file.
    pub span: Range<usize>,
    /// The rule id, e.g. `alter-system`.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
}
