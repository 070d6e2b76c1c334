//! Splitting a file into statements with libpg_query's scanner, in one pass over its tokens (two
//! when a `BEGIN ATOMIC` body never ends), without holding the tokens.
//!
//! A statement runs from the end of the previous `;` to just before the next one; pieces holding
//! only whitespace and comments are dropped, and the unterminated last statement is kept. A `;`
//! inside a SQL-standard `BEGIN ATOMIC … END` body does not end the statement (inside the body,
//! `CASE … END` pairs are counted so their `END` does not close it). A body whose `END` never
//! comes is split at every `;` instead, so one broken body cannot swallow the rest of the file.
//! Strings, dollar-quoted bodies and comments are single scanner tokens: never split.
//!
//! The scanner sees the file in windows of about [`WINDOW_BYTES`], each starting just after a
//! `;` or `,` token (where the scanner is back in its initial state, and which no longer token
//! can hold): the tokens up to a window's last `;` or `,` are exactly the whole file's, so only
//! those are kept and the next window starts there. A window that ends inside a string, comment
//! or body fails to scan and is doubled. Memory for tokens is bounded by the window (or the
//! longest run without a `;` or `,`), not by the file.

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};

use super::ffi;

/// The text the scanner sees at once (see the module documentation).
pub(super) const WINDOW_BYTES: usize = 256 * 1024;

/// One statement as the scanner delimits it, with what its tokens say before any parse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// From just after the previous `;` to just before its own (or the end of the text).
    pub span: Range<usize>,
    /// Where a parse of the statement ends: just after its `;`, or the end of the text.
    pub through: usize,
    /// Its first token that is not a comment; `None` when the text could not be scanned.
    pub first: Option<Token>,
    /// Bit `i` is set when the statement holds a token of kind `watch[i]` (see [`pieces`]).
    pub watched: u8,
    /// The grammar surely ends a statement where this one ends, so text may be cut after it
    /// and the two sides parsed apart: its `;` is outside parentheses, and no `BEGIN ATOMIC`
    /// body of the file is left open (which splits every body at its `;`s).
    pub cut: bool,
}

/// The statements of `text`; `watch` (at most 8 token kinds) names the tokens to flag in
/// [`Piece::watched`]. A text the scanner rejects is one piece, flagged with every bit.
pub fn pieces(text: &str, watch: &[Token]) -> Vec<Piece> {
    debug_assert!(watch.len() <= 8);
    match scan_pieces(text, watch, true) {
        Ok(Some(pieces)) => pieces,
        Ok(None) => scan_pieces(text, watch, false)
            .ok()
            .flatten()
            .expect("splitting without BEGIN ATOMIC always ends"),
        Err(_) => vec![Piece {
            span: 0..text.len(),
            through: text.len(),
            first: None,
            watched: u8::MAX,
            cut: false,
        }],
    }
}

/// The statement spans of `text` (see the module documentation).
pub fn split_spans(text: &str) -> Vec<Range<usize>> {
    pieces(text, &[]).into_iter().map(|p| p.span).collect()
}

/// One scan: `None` when `atomic` bodies are still open at the end of the text.
fn scan_pieces(text: &str, watch: &[Token], atomic: bool) -> pg_query::Result<Option<Vec<Piece>>> {
    scan_pieces_in_windows(text, watch, atomic, WINDOW_BYTES)
}

/// [`scan_pieces`] with the scanner seeing `window` bytes at a time.
fn scan_pieces_in_windows(
    text: &str,
    watch: &[Token],
    atomic: bool,
    window: usize,
) -> pg_query::Result<Option<Vec<Piece>>> {
    let mut splitter = Splitter {
        watch,
        atomic,
        pieces: Vec::new(),
        start: 0,
        first: None,
        watched: 0,
        depth: 0,
        parens: 0,
        after_begin: false,
    };
    for_each_token_in_windows(text, window, |token| splitter.token(token))?;
    if splitter.depth > 0 {
        return Ok(None);
    }
    splitter.close(text.len(), text.len());
    Ok(Some(splitter.pieces))
}

/// Calls `visit` on every token of `text` in order, as one scan of the whole text would give
/// them, scanning `window` bytes at a time (see the module documentation).
pub(super) fn for_each_token_in_windows(
    text: &str,
    window: usize,
    mut visit: impl FnMut(&ScanToken),
) -> pg_query::Result<()> {
    walk_tokens_in_windows(text, window, |t| {
        visit(t);
        None
    })
}

/// [`for_each_token_in_windows`], where `visit` may answer `Some(at)` to skip the text up to
/// `at` (past the token it is given): the scanner starts afresh there, in its initial state, as
/// psql's does after a meta-command's line or a `COPY` block's data.
pub(super) fn walk_tokens_in_windows(
    text: &str,
    window: usize,
    mut visit: impl FnMut(&ScanToken) -> Option<usize>,
) -> pg_query::Result<()> {
    // Tokens after which the scanner is back in its initial state and that no longer token can
    // hold: `;`, `,` and `\\` (a character of its own to PostgreSQL's scanner).
    let boundary = |t: &ScanToken| {
        [Token::Ascii59, Token::Ascii44, Token::Ascii92]
            .iter()
            .any(|&b| t.token == b as i32)
    };
    let (mut start, mut size) = (0, window);
    // Where the next window ends instead, just before a token the last window cut short.
    let mut shortened = None;
    let mut tokens = Vec::new();
    while start < text.len() {
        let end = shortened
            .take()
            .unwrap_or_else(|| text.floor_char_boundary(start.saturating_add(size)));
        if end >= text.len() {
            match visit_the_rest(&text[start..], start, &mut visit)? {
                Some(at) => (start, size) = (at.max(start + 1), window),
                None => return Ok(()),
            }
            continue;
        }
        tokens.clear();
        let scanned = ffi::for_each_token_or_failure(&text[start..end], |t| tokens.push(*t));
        match (scanned, tokens.iter().rposition(boundary)) {
            (Ok(()), Some(last)) => {
                let resume = tokens[..=last]
                    .iter()
                    .find_map(|t| visit(&shifted(t, start)));
                start = resume.map_or(start + tokens[last].end as usize, |at| at.max(start + 1));
                size = window;
            }
            // The window ends inside a string, comment or body: end it before that instead.
            (Err(Some(cut)), _) if cut > 0 => shortened = Some(start + cut),
            _ => size = size.saturating_mul(2),
        }
    }
    Ok(())
}

/// Visits the tokens of `rest` (the text from `offset` on) until `visit` answers where to go on
/// from. When `rest` does not scan, the tokens before the one the scanner could not finish are
/// visited (a psql meta-command among them skips its line) and, unless `visit` goes on from one
/// of them, the scanner's error is the answer.
fn visit_the_rest(
    rest: &str,
    offset: usize,
    visit: &mut impl FnMut(&ScanToken) -> Option<usize>,
) -> pg_query::Result<Option<usize>> {
    let mut resume = None;
    let mut until_resume = |t: &ScanToken| {
        if resume.is_none() {
            resume = visit(&shifted(t, offset));
        }
    };
    let Err(error) = ffi::for_each_token(rest, &mut until_resume) else {
        return Ok(resume);
    };
    if let Err(Some(cut)) = ffi::for_each_token_or_failure(rest, |_| {}) {
        ffi::for_each_token(&rest[..cut], &mut until_resume)?;
    }
    resume.map(Some).ok_or(error)
}

/// `token` of a scan of the text from `offset` on, as a scan of the whole text has it.
fn shifted(token: &ScanToken, offset: usize) -> ScanToken {
    ScanToken {
        start: token.start + offset as i32,
        end: token.end + offset as i32,
        ..*token
    }
}

/// The state of one pass over the tokens.
struct Splitter<'w> {
    watch: &'w [Token],
    atomic: bool,
    pieces: Vec<Piece>,
    /// Where the current statement starts.
    start: usize,
    /// Its first code token, once seen (also: whether it has code at all).
    first: Option<Token>,
    watched: u8,
    /// Open `BEGIN ATOMIC` bodies and `CASE`s inside them.
    depth: usize,
    /// Open parentheses (negative after a stray `)`).
    parens: i64,
    /// The previous code token was `BEGIN`.
    after_begin: bool,
}

impl Splitter<'_> {
    fn token(&mut self, token: &ScanToken) {
        let Ok(kind) = Token::try_from(token.token) else {
            self.code(None);
            return;
        };
        match kind {
            Token::SqlComment | Token::CComment => return,
            Token::Atomic if self.atomic && self.after_begin => self.depth += 1,
            Token::Case if self.depth > 0 => self.depth += 1,
            Token::EndP if self.depth > 0 => self.depth -= 1,
            Token::Ascii40 => self.parens += 1,
            Token::Ascii41 => self.parens -= 1,
            Token::Ascii59 if self.depth == 0 => {
                self.close(token.start as usize, token.end as usize);
                self.start = token.end as usize;
                self.after_begin = false;
                return;
            }
            _ => {}
        }
        self.code(Some(kind));
    }

    /// Records a code token of the current statement.
    fn code(&mut self, kind: Option<Token>) {
        if self.first.is_none() {
            // An unknown token kind counts as code; `Token::Nul` stands for it.
            self.first = Some(kind.unwrap_or(Token::Nul));
        }
        if let Some(kind) = kind
            && let Some(bit) = self.watch.iter().position(|&w| w == kind)
        {
            self.watched |= 1 << bit;
        }
        self.after_begin = kind == Some(Token::BeginP);
    }

    /// Ends the current statement at `end` (its parse running through `through`), keeping it
    /// when it holds code.
    fn close(&mut self, end: usize, through: usize) {
        if let Some(first) = self.first.take() {
            self.pieces.push(Piece {
                span: self.start..end,
                through,
                first: Some(first),
                watched: std::mem::take(&mut self.watched),
                cut: self.atomic && self.parens == 0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_carry_their_parse_end_first_token_and_watched_tokens() {
        let text = "-- a\nBEGIN; CREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 1";
        let pieces = pieces(text, &[Token::Concurrently]);
        assert_eq!(pieces.len(), 3);
        assert_eq!(&text[pieces[0].span.clone()], "-- a\nBEGIN");
        assert_eq!(pieces[0].through, pieces[0].span.end + 1);
        assert_eq!(pieces[0].first, Some(Token::BeginP));
        assert_eq!(pieces[1].first, Some(Token::Create));
        assert_eq!((pieces[0].watched, pieces[1].watched), (0, 1));
        assert_eq!(pieces[2].through, text.len());
        assert!(pieces.iter().all(|p| p.cut));
    }

    #[test]
    fn no_cut_inside_parentheses_or_in_a_file_with_an_open_atomic_body() {
        let rule = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2)); SELECT 1;";
        let cuts: Vec<bool> = pieces(rule, &[]).iter().map(|p| p.cut).collect();
        assert_eq!(cuts, vec![false, true, true]);
        let open = "SELECT 1; CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2;";
        assert!(pieces(open, &[]).iter().all(|p| !p.cut));
    }

    #[test]
    fn windowed_scans_give_the_whole_scan_s_tokens_and_errors() {
        let mut texts = vec![
            "SELECT 'a;b'; /* c; d */ SELECT $f$ x; y $f$; -- e; f\nSELECT 1e5; SELECT U&'d\\0061t' UESCAPE '\\'; SELECT 1".to_string(),
            "SELECT 1; SELECT 'unterminated; SELECT 2; SELECT 3;".into(),
            "SELECT 1; /* unterminated; SELECT 2;".into(),
            "SELECT 'é;ü'; SELECT 'ß'; SELECT '€';".repeat(20),
            "INSERT INTO t VALUES (1, 'a,b', $$c,d$$ /* e, f */, \"g,h\", 1e5), -- i, j\n (-2.5e-3, U&'d\\0061t' UESCAPE '\\', x'1F'),(3,'é,ü')".repeat(5),
            "SELECT f(1, 'unterminated, 2), 3".into(),
            "SELECT E'\\\\', 1 \\gset\n\\x\nSELECT 'a\\b', 2; \\echo a,b;c\nSELECT 3".into(),
            "\\restrict k\nCOPY t FROM stdin;\n1\tit's\n\\.\n".into(),
            String::new(),
        ];
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut folders = vec![corpus];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        for text in &texts {
            let mut whole = Vec::new();
            let whole_result = ffi::for_each_token(text, |t| whole.push(*t)).is_ok();
            for window in [1, 7, 64, 1000] {
                let mut windowed = Vec::new();
                let result = for_each_token_in_windows(text, window, |t| windowed.push(*t)).is_ok();
                assert_eq!(result, whole_result, "window {window}: {text}");
                if whole_result {
                    assert_eq!(windowed, whole, "window {window}: {text}");
                }
                let watch = [Token::Concurrently];
                assert_eq!(
                    scan_pieces_in_windows(text, &watch, true, window).ok(),
                    scan_pieces_in_windows(text, &watch, true, usize::MAX).ok(),
                    "window {window}: {text}"
                );
            }
        }
    }

    /// The splitting rules applied to a token list held in full (the engine's earlier splitter).
    fn reference_spans(text: &str) -> Vec<Range<usize>> {
        let Ok(scanned) = pg_query::scan(text) else {
            return std::iter::once(0..text.len()).collect();
        };
        let code: Vec<&ScanToken> = scanned
            .tokens
            .iter()
            .filter(|t| {
                !matches!(
                    Token::try_from(t.token),
                    Ok(Token::SqlComment | Token::CComment)
                )
            })
            .collect();
        let kind = |i: usize| code.get(i).and_then(|t| Token::try_from(t.token).ok());
        let ends = |atomic: bool| {
            let (mut ends, mut depth) = (Vec::new(), 0usize);
            for (i, token) in code.iter().enumerate() {
                match kind(i) {
                    Some(Token::BeginP) if atomic && kind(i + 1) == Some(Token::Atomic) => {
                        depth += 1
                    }
                    Some(Token::Case) if depth > 0 => depth += 1,
                    Some(Token::EndP) if depth > 0 => depth -= 1,
                    Some(Token::Ascii59) if depth == 0 => ends.push(token.start as usize),
                    _ => {}
                }
            }
            (depth == 0).then_some(ends)
        };
        let mut spans = Vec::new();
        let mut start = 0;
        for end in ends(true).or_else(|| ends(false)).unwrap() {
            spans.push(start..end);
            start = end + 1;
        }
        spans.push(start..text.len());
        spans.retain(|s| code.iter().any(|t| s.contains(&(t.start as usize))));
        spans
    }

    #[test]
    fn the_one_pass_splitter_cuts_where_the_token_list_rules_do() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
        let mut texts = vec![
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3;".to_string(),
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN /* c */ ATOMIC SELECT 1; SELECT 2;".to_string(),
            ";;; -- only comments\n/* and */ ;".to_string(),
        ];
        let mut stack = vec![corpus];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        for text in &texts {
            assert_eq!(split_spans(text), reference_spans(text), "{text}");
        }
    }

    #[test]
    fn an_unscannable_text_is_one_piece() {
        let text = "SELECT 1; SELECT 'open";
        assert_eq!(split_spans(text), vec![0..text.len()]);
    }
}
