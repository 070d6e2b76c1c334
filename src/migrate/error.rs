//! Turning a PostgreSQL error inside a migration into `file:line:col`, SQLSTATE, detail and hint.
//!
//! eventos knows which statement of a file failed (see `driver`), so an error without a position
//! (duplicate key, timeouts, division by zero, permission denied) still points at it.

use std::fmt;
use std::path::PathBuf;

use tokio_postgres::error::{DbError, ErrorPosition};

use crate::text::LineIndex;

/// A migration that failed: where, and what PostgreSQL said.
#[derive(Debug, Clone)]
pub struct FailedMigration {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the error (of the statement start when PostgreSQL gave no position).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// SQLSTATE, when the server answered.
    pub code: Option<String>,
    /// The server's (or driver's) message.
    pub message: String,
    /// DETAIL, if any.
    pub detail: Option<String>,
    /// HINT, if any.
    pub hint: Option<String>,
    /// CONTEXT (e.g. the PL/pgSQL line), if any.
    pub context: Option<String>,
    /// Which statement of the file failed, when known.
    pub statement: Option<StatementNumber>,
    /// The source line at `line`.
    pub source_line: String,
}

/// The failed statement's 1-based number among the file's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatementNumber {
    /// 1-based number of the statement that failed.
    pub number: usize,
    /// How many statements the file has.
    pub of: usize,
}

impl FailedMigration {
    /// Notes which statement failed (1-based `number` of `of`).
    pub fn at_statement(mut self, number: usize, of: usize) -> FailedMigration {
        self.statement = Some(StatementNumber { number, of });
        self
    }
}

impl fmt::Display for FailedMigration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file.display(), self.line, self.column)?;
        match &self.code {
            Some(code) => write!(f, "{} (SQLSTATE {code})", self.message)?,
            None => write!(f, "{}", self.message)?,
        }
        if !self.source_line.trim().is_empty() {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let indent: String = self
                .source_line
                .chars()
                .take(self.column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n {pad} |\n {gutter} | {}\n {pad} | {indent}^",
                self.source_line
            )?;
        }
        if let Some(context) = &self.context {
            write!(f, "\ncontext: {}", context.replace('\n', "\n  "))?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "\ndetail: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

/// Finds the `tokio_postgres::Error` in an error's source chain.
fn find_pg_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a tokio_postgres::Error> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(pg) = e.downcast_ref::<tokio_postgres::Error>() {
            return Some(pg);
        }
        current = e.source();
    }
    None
}

/// Builds a [`FailedMigration`] for an error raised while running `sql` (which starts at byte
/// `base_offset` of `file_text`).
pub fn locate_db_error(
    file: PathBuf,
    file_text: &str,
    sql: &str,
    base_offset: usize,
    err: &(dyn std::error::Error + 'static),
) -> FailedMigration {
    let db: Option<&DbError> = find_pg_error(err).and_then(|pg| pg.as_db_error());
    let byte_in_sql = db.and_then(|d| match d.position() {
        Some(ErrorPosition::Original(pos)) => Some(char_to_byte(sql, *pos as usize)),
        _ => None,
    });
    let offset = base_offset + byte_in_sql.unwrap_or(0);
    let index = LineIndex::new(file_text);
    let (line, column) = index.line_col(offset);
    FailedMigration {
        file,
        line,
        column,
        code: db.map(|d| d.code().code().to_string()),
        message: db
            .map(|d| d.message().to_string())
            .unwrap_or_else(|| error_chain(err)),
        detail: db.and_then(|d| d.detail().map(str::to_string)),
        hint: db.and_then(|d| d.hint().map(str::to_string)),
        context: db.and_then(|d| d.where_().map(str::to_string)),
        statement: None,
        source_line: index.line_text(line).to_string(),
    }
}

/// PostgreSQL positions are 1-based character counts.
fn char_to_byte(text: &str, position: usize) -> usize {
    text.char_indices()
        .nth(position.saturating_sub(1))
        .map_or(text.len(), |(i, _)| i)
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut current = err.source();
    while let Some(e) = current {
        parts.push(e.to_string());
        current = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::char_to_byte;

    #[test]
    fn positions_are_characters_not_bytes() {
        assert_eq!(char_to_byte("abc", 1), 0);
        assert_eq!(char_to_byte("éa", 2), 2);
        assert_eq!(char_to_byte("ab", 9), 2);
    }
}
