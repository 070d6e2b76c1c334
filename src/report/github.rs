//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), which
//! show as annotations on the pull request.

use std::fmt::Write;

use super::position::SourceMap;
use crate::base::Severity;
use crate::lint::{Diagnostic, SourceFile};

/// One annotation line per finding, written to `out` as it goes.
pub fn write_github(
    out: &mut impl Write,
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
) -> std::fmt::Result {
    let map = SourceMap::new(sources);
    for d in diagnostics {
        let p = map.locate(d);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&d.file.display().to_string()),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            escape_property(&format!("eventos {}", d.rule)),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Escapes a message per the workflow-command rules.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_annotations() {
        let sources = vec![SourceFile {
            path: "a.sql".into(),
            text: "SELECT 1;\nVACUUM t;".into(),
        }];
        let d = Diagnostic {
            file: std::path::Path::new("a.sql").into(),
            span: 10..16,
            rule: "concurrently-in-transaction",
            severity: Severity::Warning,
            message: "50% done, really".into(),
            help: Some("split it".into()),
        };
        let mut out = String::new();
        write_github(&mut out, &[d], &sources).unwrap();
        assert_eq!(
            out,
            "::warning file=a.sql,line=2,col=1,endLine=2,endColumn=7,title=eventos concurrently-in-transaction::50%25 done, really%0Ahelp: split it\n"
        );
    }
}
