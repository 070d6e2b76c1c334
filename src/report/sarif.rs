//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

use serde_json::json;

use super::position::SourceMap;
use super::{Diagnostic, Severity, SourceFile};

/// A rule as SARIF describes it.
#[derive(Debug, Clone, Copy)]
pub struct SarifRule<'a> {
    /// The rule id.
    pub id: &'a str,
    /// One-line description.
    pub summary: &'a str,
    /// Default severity.
    pub severity: Severity,
    /// The full documentation page (markdown).
    pub doc: &'a str,
}

/// Renders a SARIF log with one run of the `eventos` tool.
pub fn render_sarif(
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
    rules: &[SarifRule<'_>],
) -> String {
    let rule_entries: Vec<_> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": {"text": r.summary},
                "help": {"text": r.summary, "markdown": r.doc},
                "defaultConfiguration": {"level": level(r.severity)},
            })
        })
        .collect();
    let map = SourceMap::new(sources);
    let results: Vec<_> = diagnostics
        .iter()
        .map(|d| {
            let p = map.locate(d);
            let text = match &d.help {
                Some(help) => format!("{} (help: {help})", d.message),
                None => d.message.clone(),
            };
            json!({
                "ruleId": d.rule,
                "level": level(d.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&d.file)},
                    "region": {"startLine": p.line, "startColumn": p.column, "endLine": p.end_line, "endColumn": p.end_column},
                }}],
            })
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "eventos", "version": env!("CARGO_PKG_VERSION"), "rules": rule_entries}},
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A relative, forward-slash URI (GitHub resolves it against the repository root).
fn uri(path: &std::path::Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.trim_start_matches("./").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_sarif_2_1_0_log() {
        let sources = vec![SourceFile {
            path: "./sql/a.sql".into(),
            text: "ALTER SYSTEM RESET ALL;".into(),
        }];
        let d = Diagnostic {
            file: "./sql/a.sql".into(),
            span: 0..12,
            rule: "alter-system",
            severity: Severity::Error,
            message: "m".into(),
            help: Some("h".into()),
        };
        let rules = [SarifRule {
            id: "alter-system",
            summary: "s",
            severity: Severity::Error,
            doc: "# alter-system",
        }];
        let log: serde_json::Value =
            serde_json::from_str(&render_sarif(&[d], &sources, &rules)).unwrap();
        assert_eq!(log["version"], "2.1.0");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "alter-system");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "sql/a.sql"
        );
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["endColumn"],
            13
        );
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][0]["id"],
            "alter-system"
        );
    }
}
