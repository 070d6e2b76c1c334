//! `--format gcc`: `file:line:column: severity: message [rule]`, one line per finding, as editors
//! and `errorformat` parsers expect.

use super::position::SourceMap;
use crate::lint::{Diagnostic, SourceFile};

/// One line per finding.
pub fn render_gcc(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> String {
    let map = SourceMap::new(sources);
    diagnostics
        .iter()
        .map(|d| {
            let p = map.locate(d);
            format!(
                "{}:{}:{}: {}: {} [{}]\n",
                d.file.display(),
                p.line,
                p.column,
                d.severity.as_str(),
                d.message,
                d.rule
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::Severity;

    #[test]
    fn renders_one_line_per_finding() {
        let sources = vec![SourceFile {
            path: "a.sql".into(),
            text: "\n  TRUNCATE t;".into(),
        }];
        let d = Diagnostic {
            file: std::path::Path::new("a.sql").into(),
            span: 3..13,
            rule: "destructive-change",
            severity: Severity::Warning,
            message: "TRUNCATE destroys data".into(),
            help: None,
        };
        assert_eq!(
            render_gcc(&[d], &sources),
            "a.sql:2:3: warning: TRUNCATE destroys data [destructive-change]\n"
        );
    }
}
