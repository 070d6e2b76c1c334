//! psql's part of a script, which the server never sees: meta-commands (`\restrict`, `\connect`,
//! `\set`…) and the data lines of a `COPY … FROM stdin` (pg_dump writes both).
//!
//! psql recognises a backslash outside strings, comments and quoted identifiers as the start of
//! a meta-command, which runs to the end of its line; after a `COPY … FROM stdin` command it
//! reads the following lines as data up to the line `\.`. Found here with PostgreSQL's own
//! scanner (never by looking for backslashes in the text), restarted after each part, where
//! psql's own lexer starts afresh too: a data line holding `O'Brien` opens no string.
//!
//! [`blank`] replaces these parts with spaces, newlines kept, so the rest parses as SQL with every
//! position unchanged; a meta-command that sends the query (`\gexec`) becomes a `;`.

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};

use super::split;

/// What a part of a psql script is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// A meta-command, from its backslash to the end of its line.
    MetaCommand,
    /// A meta-command that sends the query buffer (`\g`, `\gset`, `\gexec`…): it ends the
    /// statement before it, as a `;` would.
    QueryCommand,
    /// The data lines after a `COPY … FROM stdin` command, through the line `\.`.
    CopyData,
}

/// A part of a file that psql handles itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPart {
    /// Meta-command or `COPY` data.
    pub kind: ClientKind,
    /// Its bytes (line ends excluded).
    pub span: Range<usize>,
}

/// The parts of `text` psql handles itself, in order; none in a text without a backslash.
///
/// A `COPY … FROM stdin` without a `\.` line after it has no data: psql would read the rest of
/// the file as data, but a migration tool sends it to the server as SQL, so it is left as SQL.
pub fn client_parts(text: &str) -> Vec<ClientPart> {
    if !text.contains('\\') {
        return Vec::new();
    }
    let mut finder = PartFinder {
        text,
        parts: Vec::new(),
        copy: CopyState::default(),
        no_terminator_from: None,
    };
    // A text the scanner rejects keeps the parts found before the failure: the parse reports it.
    let _ = split::walk_tokens_in_windows(text, WINDOW_BYTES, |t| finder.token(t));
    finder.parts
}

/// `text` with every part replaced by spaces (line ends kept): the SQL the server is sent.
pub fn blank(text: String, parts: &[ClientPart]) -> String {
    if parts.is_empty() {
        return text;
    }
    let mut bytes = text.into_bytes();
    for part in parts {
        super::blank_bytes(&mut bytes[part.span.clone()]);
        if part.kind == ClientKind::QueryCommand {
            bytes[part.span.start] = b';';
        }
    }
    String::from_utf8(bytes).expect("parts start and end at ASCII bytes, so spaces keep UTF-8")
}

/// psql's meta-commands that send the query buffer to the server, ending its statement.
const SENDS_QUERY: &[&str] = &[
    "g",
    "gx",
    "gset",
    "gexec",
    "gdesc",
    "crosstabview",
    "watch",
    "sendpipeline",
];

/// Windows after each part start small: a pg_dump restarts the scanner at every table's data.
const WINDOW_BYTES: usize = 16 * 1024;

/// Where the current statement stands on being a `COPY … FROM stdin`.
#[derive(Debug, Default)]
struct CopyState {
    /// The statement has code (its first token decided whether it is a `COPY`).
    started: bool,
    is_copy: bool,
    parens: i64,
    after_from: bool,
    from_stdin: bool,
}

struct PartFinder<'t> {
    text: &'t str,
    parts: Vec<ClientPart>,
    copy: CopyState,
    /// No `\.` line starts at or after this offset (found by an earlier search).
    no_terminator_from: Option<usize>,
}

impl PartFinder<'_> {
    /// Takes the next token; `Some(at)` when a part ends there and the scanner must start again.
    fn token(&mut self, token: &ScanToken) -> Option<usize> {
        let kind = Token::try_from(token.token).ok();
        let start = token.start as usize;
        match kind {
            Some(Token::SqlComment | Token::CComment) => None,
            Some(Token::Ascii92) => {
                let end = self.line_end(start);
                let name = self.text[start + 1..end]
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default();
                if !SENDS_QUERY.contains(&name) {
                    self.push(ClientKind::MetaCommand, start..end);
                    return Some(end);
                }
                self.push(ClientKind::QueryCommand, start..end);
                Some(self.end_statement(end).unwrap_or(end))
            }
            Some(Token::Ascii59) if self.copy.parens == 0 => self.end_statement(token.end as usize),
            _ => {
                self.copy.code(kind);
                None
            }
        }
    }

    /// Ends the current statement at `at`: a `COPY … FROM stdin`'s data follows (skip to its
    /// end), any other statement is done.
    fn end_statement(&mut self, at: usize) -> Option<usize> {
        let copy = std::mem::take(&mut self.copy);
        if copy.is_copy && copy.from_stdin {
            self.copy_data(at)
        } else {
            None
        }
    }

    /// The data after the `COPY` command ending at `after_command`: from the next line through
    /// the line `\.`; `None` (no data) when no such line follows.
    fn copy_data(&mut self, after_command: usize) -> Option<usize> {
        let data_start = self.text[after_command..]
            .find('\n')
            .map(|n| after_command + n + 1)?;
        let terminator = self.terminator_line(data_start)?;
        let end = self.line_end(terminator);
        self.push(ClientKind::CopyData, data_start..end);
        Some(end)
    }

    /// The start of the first line at or after `from` that is exactly `\.`.
    fn terminator_line(&mut self, from: usize) -> Option<usize> {
        if self.no_terminator_from.is_some_and(|none| none <= from) {
            return None;
        }
        let mut at = from;
        while let Some(found) = self.text[at..].find("\\.") {
            let start = at + found;
            let rest = self.text[start + 2..].split('\n').next().unwrap_or("");
            let at_line_start = start == 0 || self.text.as_bytes()[start - 1] == b'\n';
            if at_line_start && rest.trim_end_matches('\r').is_empty() {
                return Some(start);
            }
            at = start + 2;
        }
        self.no_terminator_from = Some(from);
        None
    }

    /// The end of the line holding `at` (before its `\n`, or the end of the text).
    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map_or(self.text.len(), |n| at + n)
    }

    fn push(&mut self, kind: ClientKind, span: Range<usize>) {
        self.parts.push(ClientPart { kind, span });
    }
}

impl CopyState {
    /// Records a code token of the statement.
    fn code(&mut self, kind: Option<Token>) {
        if !self.started {
            self.started = true;
            self.is_copy = kind == Some(Token::Copy);
        }
        if !self.is_copy {
            return;
        }
        match kind {
            Some(Token::Ascii40) => self.parens += 1,
            Some(Token::Ascii41) => self.parens -= 1,
            Some(Token::Stdin) if self.after_from => self.from_stdin = true,
            _ => {}
        }
        self.after_from = self.parens == 0 && kind == Some(Token::From);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Vec<(ClientKind, &str)> {
        client_parts(text)
            .into_iter()
            .map(|p| (p.kind, &text[p.span]))
            .collect()
    }

    #[test]
    fn meta_commands_run_to_the_end_of_their_line() {
        let text = "\\restrict abc\nSET x = 1;\nSELECT 1 \\gset\n\\echo it's here\nSELECT 2;\n\\unrestrict abc";
        assert_eq!(
            parts(text),
            vec![
                (ClientKind::MetaCommand, "\\restrict abc"),
                (ClientKind::QueryCommand, "\\gset"),
                (ClientKind::MetaCommand, "\\echo it's here"),
                (ClientKind::MetaCommand, "\\unrestrict abc"),
            ]
        );
    }

    #[test]
    fn a_meta_command_that_sends_the_query_ends_its_statement() {
        let text = "SELECT 'CREATE DATABASE app'\nWHERE NOT EXISTS (SELECT 1) \\gexec\r\n\
                    COPY t FROM stdin \\g\nx'y\n\\.\nSELECT 1 \\gset p_\nSELECT :'p_x';";
        assert_eq!(
            parts(text),
            vec![
                (ClientKind::QueryCommand, "\\gexec\r"),
                (ClientKind::QueryCommand, "\\g"),
                (ClientKind::CopyData, "x'y\n\\."),
                (ClientKind::QueryCommand, "\\gset p_"),
            ]
        );
        let blanked = blank(text.to_string(), &client_parts(text));
        assert_eq!(crate::sql::split_spans(&blanked).len(), 4, "{blanked}");
        assert!(blanked.contains("(SELECT 1) ;     \r\n"), "{blanked}");
    }

    #[test]
    fn backslashes_inside_strings_comments_and_bodies_are_sql() {
        for text in [
            "SELECT E'a\\nb', 'c\\d', $$ \\x $$, \"q\\r\"; -- \\connect\n/* \\i f */ SELECT 1;",
            "SELECT U&'d\\0061t' UESCAPE '\\';",
            "SELECT 'unterminated \\",
        ] {
            assert_eq!(parts(text), vec![], "{text}");
        }
    }

    #[test]
    fn copy_data_runs_from_the_next_line_through_its_terminator() {
        let text = "COPY public.t (a, b) FROM stdin;\n1\tO'Brien\n2\t\\N\n\\.\nSELECT 1;\n\
                    COPY t FROM STDIN WITH (FORMAT csv);\n\\.\r\nCOPY (SELECT 1 FROM x) TO STDOUT;\nSELECT 'it''s';";
        assert_eq!(
            parts(text),
            vec![
                (ClientKind::CopyData, "1\tO'Brien\n2\t\\N\n\\."),
                (ClientKind::CopyData, "\\.\r"),
            ]
        );
    }

    #[test]
    fn a_copy_without_a_terminator_line_is_left_as_sql() {
        let text = "COPY t FROM stdin;\nSELECT 'x\\.';\nCOPY u FROM stdin;\nSELECT 2;";
        assert_eq!(parts(text), vec![]);
    }

    #[test]
    fn blanking_keeps_every_offset_and_line() {
        let text = "\\restrict é\nCOPY t FROM stdin;\n1\tü'\n\\.\nSELECT 1;\n".to_string();
        let found = client_parts(&text);
        let blanked = blank(text.clone(), &found);
        assert_eq!(blanked.len(), text.len());
        assert_eq!(blanked.lines().count(), text.lines().count());
        assert_eq!(
            crate::sql::parse_statements(&blanked).unwrap().len(),
            2,
            "{blanked}"
        );
    }

    #[test]
    fn parts_are_found_across_windows() {
        let block = "COPY t FROM stdin;\n1\ta'b\n\\.\n\\connect db\nSELECT 'a,b;c';\n";
        let text = block.repeat(5000);
        let found = client_parts(&text);
        assert_eq!(found.len(), 10_000);
        assert!(crate::sql::parse_statements(&blank(text, &found)).is_ok());
    }
}
