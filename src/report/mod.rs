//! Everything the user reads: diagnostics and their renderers, check results, plain tables.
//!
//! Engines produce plain data (byte spans, ids, messages); only this module turns spans into
//! `line:col`, decides on colour and writes text.

mod diagnostic;
mod human;
mod style;

pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use human::render_human;
pub use style::Style;
