//! rustc-style rendering through annotate-snippets: `error[rule]: message`, ` --> file:line:col`,
//! the source line, a caret underline (aligned after tabs too), `= help: …`.
//!
//! A span that runs over several lines is underlined on its first line only, so a long
//! statement costs one source line, as in squawk.

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};

use super::position::SourceMap;
use crate::base::Severity;
use crate::lint::{Diagnostic, SourceFile};
use crate::text::LineIndex;

/// Renders diagnostics against their source files into `out`, a blank line after each; a file
/// not in `sources` is shown without a source line. Styled: write it through `anstream`.
pub fn write_human(
    out: &mut impl std::fmt::Write,
    diagnostics: &[Diagnostic],
    sources: &[SourceFile],
) -> std::fmt::Result {
    let renderer = Renderer::styled();
    let map = SourceMap::new(sources);
    for diagnostic in diagnostics {
        let source = map.file(&diagnostic.file);
        out.write_str(&renderer.render(&[group(diagnostic, source)]))?;
        out.write_str("\n\n")?;
    }
    Ok(())
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// The report of one diagnostic: title, source line (or just the path) and help.
fn group<'a>(d: &'a Diagnostic, source: Option<(&'a SourceFile, &LineIndex<'a>)>) -> Group<'a> {
    let path = d.file.display().to_string();
    let title = level(d.severity)
        .primary_title(d.message.as_str())
        .id(d.rule);
    let group = match source {
        Some((_, index)) => title.element(first_line_snippet(d, index, path)),
        None => title.element(Origin::path(path)),
    };
    match &d.help {
        Some(help) => group.element(Level::HELP.message(help.as_ref())),
        None => group,
    }
}

/// The span's first line, annotated from the span's start to its end or the line's end.
fn first_line_snippet<'a>(
    d: &Diagnostic,
    index: &LineIndex<'a>,
    path: String,
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let (line, column) = index.line_col(d.span.start);
    let text = index.line_text(line);
    let start = text
        .char_indices()
        .nth(column - 1)
        .map_or(text.len(), |(i, _)| i);
    let end = (start + d.span.end.saturating_sub(d.span.start))
        .min(text.len())
        .max(start);
    Snippet::source(text)
        .line_start(line)
        .path(path)
        .annotation(AnnotationKind::Primary.span(start..end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::strip;

    fn render(text: &str, needle: &str, len: usize, help: Option<&str>) -> String {
        let start = text.find(needle).unwrap();
        let sources = vec![SourceFile {
            path: "x.sql".into(),
            text: text.into(),
        }];
        let d = Diagnostic {
            file: std::path::Path::new("x.sql").into(),
            span: start..start + len,
            rule: "alter-system",
            severity: Severity::Error,
            message: "ALTER SYSTEM is not allowed".into(),
            help: help.map(|h| h.to_string().into()),
        };
        human_text(&[d], &sources)
    }

    fn human_text(diagnostics: &[Diagnostic], sources: &[SourceFile]) -> String {
        let mut out = String::new();
        write_human(&mut out, diagnostics, sources).unwrap();
        strip(&out)
    }

    #[test]
    fn renders_location_source_and_caret() {
        let text = "SELECT 1;\n  ALTER SYSTEM SET work_mem = '1GB';\n";
        insta::assert_snapshot!(render(text, "ALTER", 12, Some("set it per role")));
    }

    #[test]
    fn the_caret_stays_under_its_text_after_tabs_and_wide_characters() {
        let text = "SELECT 'é';\n\t\tALTER SYSTEM SET work_mem = '1GB';\n";
        insta::assert_snapshot!(render(text, "ALTER", 12, None));
    }

    #[test]
    fn a_span_over_several_lines_is_underlined_on_its_first_line() {
        let text = "ALTER SYSTEM\n  SET work_mem = '1GB';\n";
        insta::assert_snapshot!(render(text, "ALTER", text.len() - 1, None));
    }

    #[test]
    fn a_file_without_its_source_shows_the_path() {
        let d = Diagnostic {
            file: std::path::Path::new("sql/eventos.sum").into(),
            span: 0..0,
            rule: "sum-mismatch",
            severity: Severity::Warning,
            message: "the sum file is stale".into(),
            help: Some("run `eventos hash`".into()),
        };
        insta::assert_snapshot!(human_text(&[d], &[]));
    }
}
