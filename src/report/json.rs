//! `--format json`: one JSON document, documented in `docs/lint.md`.
//!
//! `{"schema_version":1,"diagnostics":[{"file","line","column","end_line","end_column","rule","severity","message",
//! "help"}],"summary":{"files","errors","warnings"}}`; positions are 1-based.

use serde_json::json;

use super::position::SourceMap;
use super::{Diagnostic, Severity, SourceFile};

/// Renders the findings and a summary as pretty JSON.
pub fn render_json(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> String {
    let map = SourceMap::new(sources);
    let items: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let p = map.locate(d);
            json!({
                "file": d.file.display().to_string(),
                "line": p.line, "column": p.column, "end_line": p.end_line, "end_column": p.end_column,
                "rule": d.rule, "severity": d.severity.as_str(), "message": d.message, "help": d.help,
            })
        })
        .collect();
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let doc = json!({
        "schema_version": super::JSON_SCHEMA_VERSION,
        "diagnostics": items,
        "summary": {"files": sources.len(), "errors": count(Severity::Error), "warnings": count(Severity::Warning)},
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
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
            file: "a.sql".into(),
            span: 10..22,
            rule: "alter-system",
            severity: Severity::Error,
            message: "m".into(),
            help: None,
        };
        let value: serde_json::Value = serde_json::from_str(&render_json(&[d], &sources)).unwrap();
        assert_eq!(value["diagnostics"][0]["line"], 2);
        assert_eq!(value["diagnostics"][0]["column"], 1);
        assert_eq!(value["diagnostics"][0]["end_column"], 13);
        assert_eq!(value["summary"]["errors"], 1);
        assert_eq!(value["summary"]["files"], 1);
        assert_eq!(value["schema_version"], crate::report::JSON_SCHEMA_VERSION);
    }
}
