//! rustc-style rendering: `error[rule]: message`, ` --> file:line:col`, source line, caret, help.

use std::fmt::Write;

use super::position::SourceMap;
use super::{Diagnostic, Severity, SourceFile, Style};
use crate::text::LineIndex;

/// Renders diagnostics against their source files; a file not in `sources` is shown without a
/// source line.
pub fn render_human(diagnostics: &[Diagnostic], sources: &[SourceFile], style: Style) -> String {
    let map = SourceMap::new(sources);
    let mut out = String::new();
    for diagnostic in diagnostics {
        render_one(&mut out, diagnostic, map.file(&diagnostic.file), style);
    }
    out
}

fn render_one(
    out: &mut String,
    d: &Diagnostic,
    source: Option<(&SourceFile, &LineIndex<'_>)>,
    style: Style,
) {
    let label = match d.severity {
        Severity::Error => style.error(&format!("error[{}]", d.rule)),
        Severity::Warning => style.warning(&format!("warning[{}]", d.rule)),
    };
    let _ = writeln!(out, "{label}: {}", style.bold(&d.message));
    let Some((_, index)) = source else {
        let _ = writeln!(out, "  {} {}", style.accent("-->"), d.file.display());
        write_help(out, d, style);
        return;
    };
    let (line, col) = index.line_col(d.span.start);
    let line_text = index.line_text(line);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(
        out,
        "{pad}{} {}:{line}:{col}",
        style.accent("-->"),
        d.file.display()
    );
    let _ = writeln!(out, "{pad} {}", style.accent("|"));
    let _ = writeln!(
        out,
        "{} {} {line_text}",
        style.accent(&line.to_string()),
        style.accent("|")
    );
    let (end_line, end_col) = index.line_col(d.span.end.max(d.span.start + 1));
    let caret_len = if end_line == line {
        end_col.saturating_sub(col).max(1)
    } else {
        line_text.chars().count().saturating_sub(col - 1).max(1)
    };
    let caret = " ".repeat(col - 1) + &"^".repeat(caret_len);
    let caret = match d.severity {
        Severity::Error => style.error(&caret),
        Severity::Warning => style.warning(&caret),
    };
    let _ = writeln!(out, "{pad} {} {caret}", style.accent("|"));
    write_help(out, d, style);
}

fn write_help(out: &mut String, d: &Diagnostic, style: Style) {
    if let Some(help) = &d.help {
        let _ = writeln!(out, "  {} help: {help}", style.accent("="));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_source_and_caret() {
        let text = "SELECT 1;\n  ALTER SYSTEM SET work_mem = '1GB';\n";
        let start = text.find("ALTER").unwrap();
        let sources = vec![SourceFile {
            path: "x.sql".into(),
            text: text.into(),
        }];
        let d = Diagnostic {
            file: "x.sql".into(),
            span: start..start + 12,
            rule: "alter-system",
            severity: Severity::Error,
            message: "ALTER SYSTEM is not allowed".into(),
            help: Some("set it per role".into()),
        };
        let out = render_human(&[d], &sources, Style::plain());
        assert_eq!(
            out,
            "error[alter-system]: ALTER SYSTEM is not allowed\n \
             --> x.sql:2:3\n  |\n2 |   ALTER SYSTEM SET work_mem = '1GB';\n  |   ^^^^^^^^^^^^\n  \
             = help: set it per role\n\n"
        );
    }
}
