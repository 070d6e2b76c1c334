//! Everything the user reads, in one place: lint diagnostics in every format, verification and
//! diff reports, the migration messages, status and maintenance tables, the rule and check
//! tables, styling and the writing itself.
//!
//! Engines return plain data (byte spans, ids, outcomes); only this module turns spans into
//! `line:col`, words outcomes and styles text. Renderers return strings; [`output`] writes them.

mod gcc;
mod github;
mod human;
mod json;
mod position;
mod sarif;
mod style;

pub mod diff;
pub mod lint;
pub mod maintain;
pub mod migrate;
pub mod output;
pub mod status;
pub mod table;
pub mod tables;
pub mod verify;

pub use gcc::write_gcc;
pub use github::write_github;
pub use human::write_human;
pub use json::render_json;
pub use position::{Position, SourceMap};
pub use sarif::render_sarif;
pub use style::{accent, bold, error, ok, strip, warning};

/// The `schema_version` of the `lint` and `verify` JSON documents (`status` has its own,
/// [`status::STATUS_SCHEMA_VERSION`]); bumped when a field changes meaning or disappears (new
/// fields do not bump it).
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// Text meant for one of the two streams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Out {
    /// A result: stdout.
    Stdout(String),
    /// A refusal or failure: stderr.
    Stderr(String),
}

/// `value` as pretty JSON with a final newline.
fn to_pretty_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("report documents always serialise") + "\n"
}
