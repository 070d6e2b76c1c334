//! Turns a diagnostic's byte span into 1-based `line:column` start and end positions.
//!
//! A renderer builds one [`SourceMap`] per report: each file is found by path in O(1) and its
//! line index is built once, the first time a finding in it is placed — so placing F findings
//! over N files costs O(F + the text of the files that have findings), never O(F × N).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::Path;

use crate::lint::{Diagnostic, SourceFile};
use crate::text::LineIndex;

/// 1-based start and end (inclusive end column of the last character) of a diagnostic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// Start line.
    pub line: usize,
    /// Start column (characters).
    pub column: usize,
    /// End line.
    pub end_line: usize,
    /// End column (exclusive, characters).
    pub end_column: usize,
}

/// The files of a report, by path, each with its line index built at most once.
#[derive(Debug)]
pub struct SourceMap<'a> {
    sources: &'a [SourceFile],
    by_path: HashMap<&'a Path, usize>,
    lines: Vec<OnceCell<LineIndex<'a>>>,
}

impl<'a> SourceMap<'a> {
    /// Indexes `sources` by path (the first file wins when a path repeats).
    pub fn new(sources: &'a [SourceFile]) -> Self {
        let mut by_path = HashMap::with_capacity(sources.len());
        for (id, source) in sources.iter().enumerate() {
            by_path.entry(source.path.as_path()).or_insert(id);
        }
        SourceMap {
            sources,
            by_path,
            lines: (0..sources.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    /// The file at `path` and its line index, when it is among the sources.
    pub fn file(&self, path: &Path) -> Option<(&'a SourceFile, &LineIndex<'a>)> {
        let id = *self.by_path.get(path)?;
        let source = &self.sources[id];
        Some((
            source,
            self.lines[id].get_or_init(|| LineIndex::new(&source.text)),
        ))
    }

    /// Where `diagnostic` sits in its file; 1:1 when the file is not among the sources.
    pub fn locate(&self, diagnostic: &Diagnostic) -> Position {
        let Some((_, index)) = self.file(&diagnostic.file) else {
            return Position {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
            };
        };
        let (line, column) = index.line_col(diagnostic.span.start);
        let (end_line, end_column) = index.line_col(diagnostic.span.end.max(diagnostic.span.start));
        Position {
            line,
            column,
            end_line,
            end_column,
        }
    }
}
