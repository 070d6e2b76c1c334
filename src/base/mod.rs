//! Neutral values every layer shares: severities and configured levels, durations, the name of
//! the tool that applies a folder's migrations, and where a TOML error sits.
//!
//! This module depends on no other module of the crate but the SQL wrapper's line index, so
//! `config`, the engines and the renderers can all use it without importing each other.

mod duration;
mod runner;
mod severity;
mod toml_error;

pub use duration::{format_millis, parse_duration};
pub use runner::Runner;
pub use severity::{LevelSetting, Severity};
pub use toml_error::describe_toml_error;
