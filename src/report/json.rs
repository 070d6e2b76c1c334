//! `--format json`: one JSON document, documented in `docs/lint.md`.
//!
//! `{"schema_version":1,"diagnostics":[{"file","line","column","end_line","end_column","rule","severity","message",
//! "help"}],"summary":{"files","errors","warnings"}}`; positions are 1-based.

use serde::Serialize;

use super::position::SourceMap;
use crate::base::Severity;
use crate::lint::{Diagnostic, SourceFile};

/// The whole document.
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    diagnostics: Vec<Finding<'a>>,
    summary: Summary,
}

/// One diagnostic with 1-based positions.
#[derive(Serialize)]
struct Finding<'a> {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    help: Option<&'a str>,
}

/// How many files were read and what was found.
#[derive(Serialize)]
struct Summary {
    files: usize,
    errors: usize,
    warnings: usize,
}

/// Renders the findings and a summary as pretty JSON.
pub fn render_json(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let map = SourceMap::new(sources);
    let document = Document {
        schema_version: super::JSON_SCHEMA_VERSION,
        diagnostics: diagnostics
            .iter()
            .map(|d| {
                let p = map.locate(d);
                Finding {
                    file: d.file.display().to_string(),
                    line: p.line,
                    column: p.column,
                    end_line: p.end_line,
                    end_column: p.end_column,
                    rule: d.rule,
                    severity: d.severity,
                    message: &d.message,
                    help: d.help.as_deref(),
                }
            })
            .collect(),
        summary: Summary {
            files: sources.len(),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
        },
    };
    super::to_pretty_json(&document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_positions_and_summary() {
        let sources = vec![SourceFile {
            path: "a.sql".into(),
            text: "SELECT 1;\nALTER SYSTEM RESET ALL;".into(),
        }];
        let d = Diagnostic {
            file: std::path::Path::new("a.sql").into(),
            span: 10..22,
            rule: "alter-system",
            severity: Severity::Error,
            message: "m".into(),
            help: None,
        };
        insta::assert_snapshot!(render_json(&[d], &sources));
    }
}
