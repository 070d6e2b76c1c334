//! `--format gcc`: `file:line:column: severity: message [rule]`, one line per finding, as editors
//! and `errorformat` parsers expect.

use std::fmt::Write;

use super::position::SourceMap;
use crate::lint::{Diagnostic, SourceFile};

/// One line per finding, written to `out` as it goes.
pub fn write_gcc(
    out: &mut impl Write,
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
) -> std::fmt::Result {
    let map = SourceMap::new(sources);
    for d in diagnostics {
        let p = map.locate(d);
        writeln!(
            out,
            "{}:{}:{}: {}: {} [{}]",
            d.file.display(),
            p.line,
            p.column,
            d.severity.as_str(),
            d.message,
            d.rule
        )?;
    }
    Ok(())
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
        let mut out = String::new();
        write_gcc(&mut out, &[d], &sources).unwrap();
        assert_eq!(
            out,
            "a.sql:2:3: warning: TRUNCATE destroys data [destructive-change]\n"
        );
    }
}
