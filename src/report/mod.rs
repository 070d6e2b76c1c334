//! Everything the user reads: diagnostics and their renderers, check results, plain tables.
//!
//! Engines produce plain data (byte spans, ids, messages); only this module turns spans into
//! `line:col`, decides on colour and writes text.

mod diagnostic;
mod gcc;
mod github;
mod human;
mod json;
mod position;
mod sarif;
mod style;

pub use diagnostic::{Diagnostic, Severity, SourceFile};
pub use gcc::render_gcc;
pub use github::render_github;
pub use human::render_human;
pub use json::render_json;
pub use position::{Position, SourceMap};
pub use sarif::{SarifRule, render_sarif};
pub use style::Style;

/// The `schema_version` of every JSON document eventos prints (`lint`, `verify`, `status`);
/// bumped when a field changes meaning or disappears (new fields do not bump it).
pub const JSON_SCHEMA_VERSION: u32 = 1;
