//! The pg_query wrapper: split a file into statements with byte spans, parse them, locate syntax
//! errors.
//!
//! Everything here uses libpg_query — PostgreSQL's own scanner and grammar — never a home-made
//! lexer, so comments, strings and dollar quotes are always understood the way the server does.

pub mod catalog_free;
mod ffi;
mod plpgsql;
pub mod psql;
mod rows;
mod split;

use std::ops::Range;

pub use crate::text::LineIndex;
pub use ffi::parse;
use pg_query::protobuf::{Node, ScanToken};
pub use plpgsql::{PlpgsqlError, Rejection, parse_plpgsql};
#[cfg(test)]
pub(crate) use rows::{blank_later_rows, with_every_length_blanked};
pub use split::{Piece, pieces, split_spans};

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
    parse_statements_at(text, 0..text.len())
        .map_err(|err| locate_syntax_error(text, &err.to_string()))
}

/// Parses `text[range]` (whole statements) into statements with spans in `text`; their node
/// locations are relative to `range.start`.
///
/// Long texts are parsed with the rows of their `VALUES` lists after the first blanked (same
/// length, same locations; see `rows`): a 100,000-row seed `INSERT` is one row's tree, not 600 MB.
pub fn parse_statements_at(text: &str, range: Range<usize>) -> pg_query::Result<Vec<Statement>> {
    let slice = &text[range.clone()];
    let blanked = rows::worth_blanking(slice.len())
        .then(|| rows::blank_later_rows(slice))
        .flatten();
    let result = parse(blanked.as_deref().unwrap_or(slice))?;
    Ok(result
        .stmts
        .into_iter()
        .map(|raw| {
            let start = range.start + raw.stmt_location.max(0) as usize;
            let end = if raw.stmt_len == 0 {
                range.end
            } else {
                start + raw.stmt_len as usize
            };
            Statement {
                node: raw.stmt.map(|b| *b),
                span: trim_leading_trivia(text, start..end),
            }
        })
        .collect())
}

/// Parses statement by statement (for a file that fails as a whole): every statement that parses,
/// with the file offset its node locations are relative to, and every one that does not.
pub fn parse_each(text: &str) -> (Vec<(Statement, usize)>, Vec<SyntaxError>) {
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for span in split_spans(text) {
        match parse_piece(text, span.clone()) {
            Ok(statements) => parsed.extend(statements.into_iter().map(|s| (s, span.start))),
            Err(err) => errors.push(err),
        }
    }
    (parsed, errors)
}

/// Parses one statement as the scanner split it (`span`, without its `;`) on its own: its
/// statements (node locations relative to `span.start`), or its syntax error.
pub fn parse_piece(text: &str, span: Range<usize>) -> Result<Vec<Statement>, SyntaxError> {
    match parse_statements(&text[span.clone()]) {
        Ok(statements) => Ok(statements
            .into_iter()
            .map(|s| Statement {
                node: s.node,
                span: span.start + s.span.start..span.start + s.span.end,
            })
            .collect()),
        Err(err) => Err(SyntaxError {
            message: err.message,
            offset: span.start + err.offset,
        }),
    }
}

/// Finds which statement fails and, inside it, the first token at which the parser gives up.
fn locate_syntax_error(text: &str, fallback_message: &str) -> SyntaxError {
    for span in split_spans(text) {
        let statement = &text[span.clone()];
        if let Err(err) = parse(statement) {
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
        if let Err(err) = parse(prefix)
            && !err.to_string().contains("at end of input")
        {
            return token.start as usize;
        }
    }
    tokens.last().map_or(0, |t| t.start as usize)
}

/// The scanner's tokens of `text` (comments included); empty when the scanner fails.
///
/// Goes through [`ffi::for_each_token`]: `pg_query::scan_tokens` builds a slice from the null
/// token array of a text without tokens, which aborts debug builds.
pub fn scan_tokens(text: &str) -> Vec<ScanToken> {
    let mut tokens = Vec::new();
    match ffi::for_each_token(text, |token| tokens.push(*token)) {
        Ok(()) => tokens,
        Err(_) => Vec::new(),
    }
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

/// Replaces every byte but line ends (`\n`, `\r`) with a space: text set aside before a parse
/// keeps its length and its lines, so every location after it stays right.
fn blank_bytes(bytes: &mut [u8]) {
    for byte in bytes {
        if !matches!(byte, b'\n' | b'\r') {
            *byte = b' ';
        }
    }
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
    use crate::text::LineIndex;

    #[test]
    fn texts_without_tokens_scan_to_nothing() {
        assert!(scan_tokens("").is_empty());
        assert!(scan_tokens("  \n\t").is_empty());
        assert_eq!(scan_tokens("-- a comment").len(), 1);
        assert!(scan_tokens("select 'unterminated").is_empty());
    }

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
}
