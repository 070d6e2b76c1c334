//! Fuzz target: the lint entry point must never panic, whatever the bytes — two files so the
//! symbol table carries state across files, a rollback path, and a no-transaction directive.
#![no_main]

use eventos::lint::{LintOptions, lint_sources};
use eventos::report::{SourceFile, render_human, render_json, render_sarif, Style};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (first, second) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let sources = vec![
        SourceFile { path: "V0001__a.sql".into(), text: first.to_string() },
        SourceFile { path: "rollback/phase0.sql".into(), text: format!("-- eventos:no-transaction\n{second}") },
    ];
    let report = lint_sources(sources, &LintOptions::default());
    let _ = render_human(&report.diagnostics, &report.sources, Style::plain());
    let _ = render_json(&report.diagnostics, &report.sources);
    let _ = render_sarif(&report.diagnostics, &report.sources, &[]);
});
