//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`).

use serde::Serialize;

use super::position::SourceMap;
use crate::base::Severity;
use crate::lint::{Diagnostic, Rule, SourceFile};

/// A SARIF log with one run of the `eventos` tool.
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<RuleEntry<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleEntry<'a> {
    id: &'a str,
    short_description: Text<'a>,
    help: Help<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    level: &'static str,
    message: OwnedText,
    locations: [Location; 1],
}

#[derive(Serialize)]
struct OwnedText {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// Renders a SARIF log of `diagnostics`, describing every rule of `rules`.
pub fn render_sarif(diagnostics: &[Diagnostic], sources: &[SourceFile], rules: &[Rule]) -> String {
    let rules = rules
        .iter()
        .map(|r| RuleEntry {
            id: r.id,
            short_description: Text { text: r.summary },
            help: Help {
                text: r.summary,
                markdown: r.doc,
            },
            default_configuration: Configuration {
                level: level(r.severity),
            },
        })
        .collect();
    let map = SourceMap::new(sources);
    let results = diagnostics.iter().map(|d| result(d, &map)).collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "eventos",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    super::to_pretty_json(&log)
}

fn result<'a>(d: &'a Diagnostic, map: &SourceMap<'_>) -> SarifResult<'a> {
    let p = map.locate(d);
    let text = match &d.help {
        Some(help) => format!("{} (help: {help})", d.message),
        None => d.message.clone(),
    };
    SarifResult {
        rule_id: d.rule,
        level: level(d.severity),
        message: OwnedText { text },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri(&d.file) },
                region: Region {
                    start_line: p.line,
                    start_column: p.column,
                    end_line: p.end_line,
                    end_column: p.end_column,
                },
            },
        }],
    }
}

/// SARIF's word for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
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
            file: std::path::Path::new("./sql/a.sql").into(),
            span: 0..12,
            rule: "alter-system",
            severity: Severity::Error,
            message: "m".into(),
            help: Some("h".into()),
        };
        let rules = [Rule {
            id: "alter-system",
            severity: Severity::Error,
            summary: "s",
            help: "h",
            doc: "# alter-system",
            check: None,
            finish: None,
        }];
        insta::assert_snapshot!(
            render_sarif(&[d], &sources, &rules).replace(env!("CARGO_PKG_VERSION"), "[version]")
        );
    }
}
