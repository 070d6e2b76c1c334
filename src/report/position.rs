//! Turns a diagnostic's byte span into 1-based `line:column` start and end positions.

use crate::lint::{Diagnostic, SourceFile};
use crate::sql::LineIndex;

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

/// Where `diagnostic` sits in its file; 1:1 when the file is not among `sources`.
pub fn locate(diagnostic: &Diagnostic, sources: &[SourceFile]) -> Position {
    let Some(source) = sources.iter().find(|s| s.path == diagnostic.file) else {
        return Position {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        };
    };
    let index = LineIndex::new(&source.text);
    let (line, column) = index.line_col(diagnostic.span.start);
    let (end_line, end_column) = index.line_col(diagnostic.span.end.max(diagnostic.span.start));
    Position {
        line,
        column,
        end_line,
        end_column,
    }
}
