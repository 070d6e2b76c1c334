//! The pg_query wrapper: split a file into statements with byte spans, locate syntax errors,
//! and turn byte offsets into 1-based line/column positions.
//!
//! Everything here uses libpg_query — PostgreSQL's own scanner and grammar — never a home-made
//! lexer, so comments, strings and dollar quotes are always understood the way the server does.

pub mod catalog_free;
mod plpgsql;

use std::ops::Range;

use pg_query::protobuf::{Node, ScanToken};
pub use plpgsql::{PlpgsqlError, Rejection, parse_plpgsql};

/// One top-level statement of a file.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The parsed tree (`None` for an empty statement).
    pub node: Option<Node>,
    /// Byte span in the file, leading whitespace and comments excluded.
    pub span: Range<usize>,
}

/// A syntax error with the byte offset of the offending token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The parser's message, e.g. `syntax error at or near "TABEL"`.
    pub message: String,
    /// Byte offset of the token the parser stopped at.
    pub offset: usize,
}

/// Parses a whole file into statements, or reports the first syntax error with its position.
pub fn parse_statements(text: &str) -> Result<Vec<Statement>, SyntaxError> {
    match pg_query::parse(text, 0) {
        Ok(result) => Ok(result
            .protobuf
            .stmts
            .into_iter()
            .map(|raw| {
                let start = raw.stmt_location.max(0) as usize;
                let end = if raw.stmt_len == 0 {
                    text.len()
                } else {
                    start + raw.stmt_len as usize
                };
                Statement {
                    node: raw.stmt.map(|b| *b),
                    span: trim_leading_trivia(text, start..end),
                }
            })
            .collect()),
        Err(err) => Err(locate_syntax_error(text, &err.to_string())),
    }
}

/// Parses statement by statement (for a file that fails as a whole): every statement that parses,
/// with the file offset its node locations are relative to, and every one that does not.
pub fn parse_each(text: &str) -> (Vec<(Statement, usize)>, Vec<SyntaxError>) {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for span in split_spans(text) {
        let piece = &text[span.clone()];
        match parse_statements(piece) {
            Ok(statements) => parsed.extend(statements.into_iter().map(|s| {
                let shifted = span.start + s.span.start..span.start + s.span.end;
                (
                    Statement {
                        node: s.node,
                        span: shifted,
                    },
                    span.start,
                )
            })),
            Err(err) => errors.push(SyntaxError {
                message: err.message,
                offset: span.start + err.offset,
            }),
        }
    }
    (parsed, errors)
}

/// Splits `text` into statement spans with the scanner (valid even when the grammar fails).
///
/// A span runs from the end of the previous `;` to just before the next one; spans holding only
/// whitespace and comments are dropped, and the unterminated last statement is kept. A `;`
/// inside a SQL-standard `BEGIN ATOMIC … END` body does not end the statement (inside the body,
/// `CASE … END` pairs are counted so their `END` does not close it). A body whose `END` never
/// comes is split at every `;` instead, so one broken body cannot swallow the rest of the file.
/// Strings, dollar-quoted bodies and comments are single scanner tokens: never split.
pub fn split_spans(text: &str) -> Vec<Range<usize>> {
    let Ok(scanned) = pg_query::scan(text) else {
        return std::iter::once(0..text.len()).collect();
    };
    let tokens: Vec<&ScanToken> = scanned.tokens.iter().filter(|t| !is_comment(t)).collect();
    let ends = statement_ends(&tokens, true).unwrap_or_else(|| {
        statement_ends(&tokens, false).expect("splitting without BEGIN ATOMIC always ends")
    });
    let mut spans = Vec::with_capacity(ends.len() + 1);
    let mut start = 0;
    for end in ends {
        spans.push(start..end);
        start = end + 1;
    }
    spans.push(start..text.len());
    spans.retain(|span| has_code(&tokens, span));
    spans
}

/// Byte offsets of the `;` tokens that end statements; `None` when a `BEGIN ATOMIC` body is
/// still open at the end of the text (only possible with `atomic`).
fn statement_ends(tokens: &[&ScanToken], atomic: bool) -> Option<Vec<usize>> {
    use pg_query::protobuf::Token;
    let kind = |i: usize| tokens.get(i).and_then(|t| Token::try_from(t.token).ok());
    let mut ends = Vec::new();
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match kind(i) {
            Some(Token::BeginP) if atomic && kind(i + 1) == Some(Token::Atomic) => depth += 1,
            Some(Token::Case) if depth > 0 => depth += 1,
            Some(Token::EndP) if depth > 0 => depth -= 1,
            Some(Token::Ascii59) if depth == 0 => ends.push(token.start as usize),
            _ => {}
        }
    }
    (depth == 0).then_some(ends)
}

/// Whether a span holds at least one token that is not a comment.
fn has_code(tokens: &[&ScanToken], span: &Range<usize>) -> bool {
    tokens
        .iter()
        .any(|t| span.contains(&(t.start as usize)) && !is_comment(t))
}

/// Finds which statement fails and, inside it, the first token at which the parser gives up.
fn locate_syntax_error(text: &str, fallback_message: &str) -> SyntaxError {
    for span in split_spans(text) {
        let statement = &text[span.clone()];
        if let Err(err) = pg_query::parse(statement, 0) {
            let message = strip_error_prefix(&err.to_string());
            let offset = span.start + failing_token_offset(statement);
            return SyntaxError { message, offset };
        }
    }
    SyntaxError {
        message: strip_error_prefix(fallback_message),
        offset: 0,
    }
}

/// Parses ever longer token prefixes of a failing statement: the first prefix whose error is not
/// "at end of input" ends at the offending token.
fn failing_token_offset(statement: &str) -> usize {
    let tokens = scan_tokens(statement);
    for token in &tokens {
        let prefix = &statement[..token.end as usize];
        if let Err(err) = pg_query::parse(prefix, 0)
            && !err.to_string().contains("at end of input")
        {
            return token.start as usize;
        }
    }
    tokens.last().map_or(0, |t| t.start as usize)
}

/// The scanner's tokens of `text` (comments included); empty when the scanner fails.
pub fn scan_tokens(text: &str) -> Vec<ScanToken> {
    pg_query::scan(text).map(|r| r.tokens).unwrap_or_default()
}

/// The scanner's tokens of `text` without comments; empty when the scanner fails.
pub fn code_tokens(text: &str) -> Vec<ScanToken> {
    let mut tokens = scan_tokens(text);
    tokens.retain(|t| !is_comment(t));
    tokens
}

fn strip_error_prefix(message: &str) -> String {
    let message = message.trim();
    let message = message
        .strip_prefix("Invalid statement: ")
        .unwrap_or(message);
    message
        .trim_start_matches("Error parsing query: ")
        .to_string()
}

/// Moves a span's start past whitespace and comments, so positions point at the keyword.
/// Without a leading comment only whitespace is skipped; with one, the scanner decides.
fn trim_leading_trivia(text: &str, span: Range<usize>) -> Range<usize> {
    let slice = &text[span.clone()];
    let trimmed = slice.trim_start_matches(is_sql_whitespace);
    if !(trimmed.starts_with("--") || trimmed.starts_with("/*")) {
        return span.start + slice.len() - trimmed.len()..span.end;
    }
    let first_real = scan_tokens(slice).into_iter().find(|t| !is_comment(t));
    match first_real {
        Some(token) => span.start + token.start as usize..span.end,
        None => span,
    }
}

/// PostgreSQL's whitespace characters (scan.l: space, tab, newline, carriage return, form feed,
/// vertical tab).
fn is_sql_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c' | '\x0b')
}

fn is_comment(token: &ScanToken) -> bool {
    use pg_query::protobuf::Token;
    matches!(
        Token::try_from(token.token),
        Ok(Token::SqlComment | Token::CComment)
    )
}

/// Maps byte offsets of one text to 1-based line and column (columns count characters).
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex { text, line_starts }
    }

    /// 1-based (line, column) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line + 1, column)
    }

    /// The text of 1-based line `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &'a str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }
}

/// The string values of a list of `String` nodes (a qualified name in the parse tree).
pub fn string_list(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(pg_query::NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_carry_spans_without_leading_comments() {
        let text = "-- header\nSELECT 1;\n\n/* c */ CREATE TABLE t (a int);";
        let statements = parse_statements(text).unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(&text[statements[0].span.clone()], "SELECT 1");
        assert!(text[statements[1].span.clone()].starts_with("CREATE TABLE"));
    }

    #[test]
    fn syntax_errors_point_at_the_offending_token() {
        let text = "SELECT 1;\nCREATE TABEL t (a int);\n";
        let err = parse_statements(text).unwrap_err();
        let (line, col) = LineIndex::new(text).line_col(err.offset);
        assert_eq!((line, col), (2, 8), "{err:?}");
        assert!(err.message.contains("TABEL"), "{}", err.message);
    }

    #[test]
    fn syntax_error_at_end_of_input_points_at_the_last_token() {
        let text = "SELECT 1;\nSELECT (1 + ;";
        let err = parse_statements(text).unwrap_err();
        assert_eq!(LineIndex::new(text).line_col(err.offset).0, 2);
    }

    fn pieces(text: &str) -> Vec<&str> {
        split_spans(text)
            .into_iter()
            .map(|s| text[s].trim())
            .collect()
    }

    #[test]
    fn begin_atomic_bodies_and_dollar_quotes_are_one_statement() {
        let text = "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC\n  SELECT CASE WHEN true THEN 1 END;\n  SELECT 2;\nEND;\n\
                    DO $$ BEGIN PERFORM 1; END $$;\nBEGIN;\nSELECT 3";
        let parts = pieces(text);
        assert_eq!(parts.len(), 4, "{parts:?}");
        assert!(parts[0].ends_with("SELECT 2;\nEND"), "{parts:?}");
        assert_eq!(parts[2], "BEGIN");
        assert_eq!(parts[3], "SELECT 3");
    }

    #[test]
    fn an_unclosed_atomic_body_does_not_swallow_the_file() {
        let parts = pieces(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nCREATE TABLE t (a int);",
        );
        assert_eq!(parts.len(), 2, "{parts:?}");
    }

    #[test]
    fn comment_only_pieces_and_invalid_tokens_are_handled() {
        assert_eq!(
            pieces("SELECT 1; -- done\n; asdf; /* x */"),
            vec!["SELECT 1", "asdf"]
        );
    }

    #[test]
    fn line_index_counts_characters_and_crlf() {
        let text = "ab\r\nçd\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(0), (1, 1));
        assert_eq!(index.line_col(4), (2, 1));
        assert_eq!(index.line_col(6), (2, 2));
        assert_eq!(index.line_text(1), "ab");
        assert_eq!(index.line_text(3), "x");
    }
}
