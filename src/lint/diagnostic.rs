//! The linter's findings as plain data: a rule id, a severity, a message and a byte span of a
//! source file. Turning spans into `line:col` and text is the renderers' job (`report`).

use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::base::Severity;

/// A SQL file as read from disk, shared by the linter and the renderers.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path as the user should see it.
    pub path: PathBuf,
    /// The file's text (BOM stripped).
    pub text: String,
}

/// `message` without the spare room `format!` leaves (up to its length again): findings are
/// kept until the end of the run, 16,000 of them on a history of 14,000 migrations.
pub fn snug_message(mut message: String) -> String {
    message.shrink_to_fit();
    message
}

/// A finding at a byte span of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file at fault.
    pub file: Arc<Path>,
    /// Byte span in that file.
    pub span: Range<usize>,
    /// The rule id, e.g. `alter-system`.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it: most findings share their rule's text, so it is borrowed, not copied.
    pub help: Option<Cow<'static, str>>,
}
