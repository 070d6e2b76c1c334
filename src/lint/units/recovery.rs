//! Bodies that could not be compiled: their SQL statements are still found, and a compile error
//! is placed at its own token rather than at the function header.
//!
//! A body is cut into pieces at every `;` (scanner tokens, so strings, comments and nested
//! dollar quotes are never cut). In each piece, every SQL command keyword outside parentheses is
//! a candidate start (`IF x THEN DROP TABLE t` → `DROP TABLE t`); the first candidate that parses
//! to the end of the piece is the piece's statement. Pieces without one may still carry a
//! `COPY … TO '<file>'`, recognised from its tokens.

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};

use super::{Body, Expansion, copies, push_parsed};
use crate::sql::Rejection;

/// Keywords that start a SQL command inside PL/pgSQL.
const COMMANDS: &[Token] = &[
    Token::Alter,
    Token::Analyze,
    Token::Call,
    Token::Cluster,
    Token::Comment,
    Token::Commit,
    Token::Copy,
    Token::Create,
    Token::DeleteP,
    Token::Discard,
    Token::Do,
    Token::Drop,
    Token::Grant,
    Token::ImportP,
    Token::Insert,
    Token::LockP,
    Token::Merge,
    Token::Notify,
    Token::Refresh,
    Token::Reindex,
    Token::Reset,
    Token::Revoke,
    Token::Rollback,
    Token::Security,
    Token::Select,
    Token::Set,
    Token::Truncate,
    Token::Update,
    Token::Vacuum,
    Token::With,
];

/// One `;`-separated piece of a body.
struct Piece {
    /// Body-relative range, the terminating `;` excluded.
    range: Range<usize>,
    /// Its tokens, comments left out.
    tokens: Vec<ScanToken>,
}

/// Cuts `text` at every `;`.
fn pieces(text: &str) -> Vec<Piece> {
    let Ok(scanned) = pg_query::scan(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut current = Piece {
        range: 0..0,
        tokens: Vec::new(),
    };
    for token in scanned.tokens {
        match kind(&token) {
            Some(Token::SqlComment | Token::CComment) => {}
            Some(Token::Ascii59) => {
                current.range.end = token.start as usize;
                let next = Piece {
                    range: token.end as usize..token.end as usize,
                    tokens: Vec::new(),
                };
                out.push(std::mem::replace(&mut current, next));
            }
            _ => current.tokens.push(token),
        }
    }
    current.range.end = text.len();
    out.push(current);
    out.retain(|p| !p.tokens.is_empty());
    out
}

/// Pushes every statement of a body that could not be compiled (no finding of its own).
pub(super) fn statements(body: &Body<'_>, depth: usize, out: &mut Expansion) {
    for piece in pieces(body.text) {
        let end = piece.range.end;
        let parsed = candidates(&piece).find_map(|start| {
            let sql = &body.text[start..end];
            crate::sql::parse(sql)
                .ok()
                .filter(|p| !p.stmts.is_empty())
                .map(|parsed| (start, sql, parsed))
        });
        match parsed {
            Some((start, sql, parsed)) => {
                let offset = body.offset.map(|o| o + start);
                push_parsed(body, sql, parsed, offset, depth, out);
            }
            None => {
                let start = piece.range.start;
                copies::push(
                    body,
                    &body.text[start..end],
                    body.offset.map(|o| o + start),
                    out,
                );
            }
        }
    }
}

/// Body offsets of the command keywords of a piece outside parentheses.
fn candidates(piece: &Piece) -> impl Iterator<Item = usize> + '_ {
    let mut depth = 0i32;
    piece.tokens.iter().filter_map(move |token| {
        match kind(token) {
            Some(Token::Ascii40 | Token::Ascii91) => depth += 1,
            Some(Token::Ascii41 | Token::Ascii93) => depth -= 1,
            Some(k) if depth == 0 && COMMANDS.contains(&k) => return Some(token.start as usize),
            _ => {}
        }
        None
    })
}

/// Where in the body a compile error is (body-relative), searched from the line the compiler
/// was near (the line of the last statement it finished, so a lower bound):
///
/// 1. for a parenthesis or end-of-input error, the statement whose parentheses do not balance;
/// 2. for a syntax error, the SQL statement that does not parse, at its offending token;
/// 3. the token the message names (`at or near "X"`, `"x" is not a known variable`);
/// 4. the first token on that line.
pub(super) fn locate(text: &str, rejection: &Rejection) -> Option<Range<usize>> {
    let pieces = pieces(text);
    let from = line_start(text, rejection.near_line.unwrap_or(1)).unwrap_or(0);
    let message = &rejection.message;
    let unbalanced = message.contains("parenthes") || message.contains("end of");
    if unbalanced && let Some(piece) = pieces.iter().find(|p| !balanced(p)) {
        return piece.tokens.first().map(span);
    }
    if message.starts_with("syntax error")
        && let Some(at) = pieces
            .iter()
            .filter(|p| p.range.end >= from)
            .find_map(|p| failing_sql(text, p))
    {
        return Some(at);
    }
    if let Some(word) = named_token(message) {
        let found = pieces
            .iter()
            .flat_map(|p| p.tokens.iter())
            .filter(|t| t.start as usize >= from)
            .find(|t| identifier(&text[t.start as usize..t.end as usize]) == word)
            .map(span)
            .or_else(|| word_after(text, from, &word));
        if found.is_some() {
            return found;
        }
    }
    pieces
        .iter()
        .flat_map(|p| p.tokens.iter())
        .find(|t| t.start as usize >= from)
        .map(span)
}

/// The offending token of a piece none of whose SQL command candidates parses (judged by the
/// last candidate, the innermost statement).
fn failing_sql(text: &str, piece: &Piece) -> Option<Range<usize>> {
    let starts: Vec<usize> = candidates(piece).collect();
    let end = piece.range.end;
    if starts
        .iter()
        .any(|&s| crate::sql::parse(&text[s..end]).is_ok())
    {
        return None;
    }
    let start = *starts.last()?;
    let err = crate::sql::parse_statements(&text[start..end]).err()?;
    let at = start + err.offset;
    Some(at..token_end(text, at))
}

/// End of the token starting at `at` (up to the next whitespace or `;`).
pub(super) fn token_end(text: &str, at: usize) -> usize {
    text[at..]
        .find(|c: char| c.is_whitespace() || c == ';')
        .map_or(text.len(), |n| at + n.max(1))
}

/// The token a compiler message is about: `at or near "X"`, or `"X" is not a known variable`
/// (its first dotted part), normalised like an identifier.
fn named_token(message: &str) -> Option<String> {
    let quoted = |rest: &str| {
        rest.strip_prefix('"')?
            .split('"')
            .next()
            .map(str::to_string)
    };
    let word = if let Some(i) = message.find("at or near ") {
        quoted(&message[i + "at or near ".len()..])?
    } else if message.contains("is not a known variable") {
        let name = quoted(message)?;
        name.split('.').next()?.to_string()
    } else {
        return None;
    };
    Some(identifier(&word))
}

/// A token the scanner does not produce alone (e.g. `;`): the first occurrence from `from`.
fn word_after(text: &str, from: usize, word: &str) -> Option<Range<usize>> {
    let at = from + text[from..].find(word)?;
    Some(at..at + word.len())
}

/// Body range of `word` (a keyword, any case) on 1-based PL/pgSQL line `line`.
pub(super) fn keyword_on_line(text: &str, line: usize, word: &str) -> Option<Range<usize>> {
    let start = line_start(text, line)?;
    let end = text[start..].find('\n').map_or(text.len(), |n| start + n);
    let tokens = pg_query::scan(&text[start..end]).ok()?.tokens;
    tokens
        .iter()
        .find(|t| text[start + t.start as usize..start + t.end as usize].eq_ignore_ascii_case(word))
        .map(|t| start + t.start as usize..start + t.end as usize)
}

/// Body offset of the start of 1-based `line` (PostgreSQL's PL/pgSQL count: line 1 starts at
/// the body's first character).
pub(super) fn line_start(text: &str, line: usize) -> Option<usize> {
    if line <= 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}

fn balanced(piece: &Piece) -> bool {
    let count = |k: Token| piece.tokens.iter().filter(|t| kind(t) == Some(k)).count();
    count(Token::Ascii40) == count(Token::Ascii41)
}

fn identifier(raw: &str) -> String {
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(quoted) => quoted.to_string(),
        None => raw.to_ascii_lowercase(),
    }
}

fn span(token: &ScanToken) -> Range<usize> {
    token.start as usize..token.end as usize
}

fn kind(token: &ScanToken) -> Option<Token> {
    Token::try_from(token.token).ok()
}
