//! Where a TOML parse error sits, for `eventos.toml`, the plans and other tools' configuration.

use crate::sql::LineIndex;

/// Renders a TOML error as `line L, column C: message`.
pub fn describe_toml_error(text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let (line, column) = LineIndex::new(text).line_col(span.start);
            format!("line {line}, column {column}: {}", err.message().trim())
        }
        None => err.message().trim().to_string(),
    }
}
