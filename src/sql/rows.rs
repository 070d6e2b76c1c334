//! Long `VALUES` lists, parsed as their first row.
//!
//! A seed migration's `INSERT … VALUES` of 100,000 rows is one statement of 5 MB, and its parse
//! tree (protobuf, then Rust structs) takes over 100 bytes per byte of SQL: 600 MB for that one
//! statement. No rule and no part of the symbol table reads the rows of a `VALUES` list: the
//! lock model and the rules read an `INSERT`'s target and column list, and the only walkers that
//! look into any expression (a view's relations, a column default's volatility, a policy's
//! `auth.*()` calls) never meet a `VALUES` row — except through a subquery inside one, whose
//! relations a view's dependencies do read. So the rows after the first are blanked before
//! parsing: replaced by spaces (newlines kept), so the text keeps its length and every location
//! in the tree stays right; the tree is the one of the same statement with its first row only.
//!
//! What is kept as written:
//! - a row holding a subquery (`SELECT`, `VALUES`, `WITH`, `TABLE`);
//! - the rows where the grammar takes a single one (`MERGE … INSERT VALUES`, a partition's
//!   `FOR VALUES`): a second row is an error PostgreSQL reports;
//! - rows holding more than constants (a function call, a cast, a name), when the grammar rejects
//!   the statement with them: rows of constants cannot hold a grammar error, other rows can, so
//!   before those are blanked PostgreSQL's parser checks the statement with them still in it
//!   (without building a tree), and when it fails they stay for the parser to report.

use std::ops::Range;

use pg_query::protobuf::{ScanToken, Token};

use super::split;

/// Statements shorter than this are parsed as written (blanking would not pay for the scan).
const MIN_BLANKED_BYTES: usize = 64 * 1024;

#[cfg(test)]
thread_local! {
    /// Set by tests on their thread: texts of every length are blanked.
    static BLANK_EVERY_LENGTH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether a text of `len` bytes is blanked before it is parsed.
pub fn worth_blanking(len: usize) -> bool {
    #[cfg(test)]
    if BLANK_EVERY_LENGTH.get() {
        return true;
    }
    len >= MIN_BLANKED_BYTES
}

/// Runs `f` with texts of every length blanked on this thread (tests: whatever lint finds in
/// files this short must not change when their rows are blanked).
#[cfg(test)]
pub fn with_every_length_blanked<T>(f: impl FnOnce() -> T) -> T {
    BLANK_EVERY_LENGTH.set(true);
    let out = f();
    BLANK_EVERY_LENGTH.set(false);
    out
}

/// A row after the first of a `VALUES` list that can be blanked (or several in a row of the same
/// kind): from the `,` before it through its `)`.
#[derive(Debug, PartialEq, Eq)]
struct LaterRows {
    bytes: Range<usize>,
    /// Only constants: literals, `NULL`, `TRUE`, `FALSE`, `DEFAULT`, numbers with signs.
    constants: bool,
}

/// `text` with the rows after the first of each `VALUES` list blanked (see the module doc);
/// `None` when there are none (or the scanner fails: the parser then reports the text as it is).
pub fn blank_later_rows(text: &str) -> Option<String> {
    let rows = later_rows(text)?;
    let mut bytes = text.as_bytes().to_vec();
    blank(&mut bytes, rows.iter().filter(|row| row.constants));
    let mut blanked = rows.iter().any(|row| row.constants);
    if rows.iter().any(|row| !row.constants) && grammar_accepts(&bytes) {
        blank(&mut bytes, rows.iter().filter(|row| !row.constants));
        blanked = true;
    }
    // Only ASCII bytes outside the blanked ranges' newlines were written, over whole tokens
    // (a multi-byte character lies inside one token, so it is replaced whole).
    blanked.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// Whether PostgreSQL's grammar accepts `bytes` (checked without building a tree).
fn grammar_accepts(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| pg_query::split_with_parser(text).is_ok())
}

/// Blanks every byte of `rows` ([`super::blank_bytes`]).
fn blank<'a>(bytes: &mut [u8], rows: impl Iterator<Item = &'a LaterRows>) {
    for row in rows {
        super::blank_bytes(&mut bytes[row.bytes.clone()]);
    }
}

/// The rows after the first of every `VALUES` list of `text` that may be blanked, in order, runs
/// of one kind merged; `None` when the scanner fails. One pass over the tokens, scanned a window
/// at a time, so a 7 MB statement's million tokens are never held at once.
fn later_rows(text: &str) -> Option<Vec<LaterRows>> {
    let mut finder = RowFinder::default();
    split::for_each_token_in_windows(text, split::WINDOW_BYTES, |t| finder.token(t)).ok()?;
    Some(finder.rows)
}

/// Where the pass over the tokens is.
#[derive(Default, Clone, Copy)]
enum State {
    /// Not in a `VALUES` list.
    #[default]
    Outside,
    /// Just after `VALUES`: its first row opens here, if it has rows.
    ListStart,
    /// In the first row, this deep in parentheses.
    FirstRow { depth: usize },
    /// After a row: a `,` goes on with the list.
    AfterRow,
    /// After that `,` (at this offset): a `(` opens the next row.
    Comma { start: usize },
    /// In a later row.
    Row(RowInProgress),
}

/// A later row being read.
#[derive(Clone, Copy)]
struct RowInProgress {
    /// Where its `,` starts.
    start: usize,
    /// How deep in parentheses the pass is (1: the row's own).
    depth: usize,
    /// It holds a subquery.
    subquery: bool,
    constants: Constants,
}

/// How a later row reads so far as `(constant, …)`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Constants {
    /// A constant comes next (after `(` or `,`).
    Expected,
    /// After a sign: a number or another sign comes next.
    Signed,
    /// After a constant: `,` or the row's `)` comes next.
    After,
    /// Something else was met.
    No,
}

impl Constants {
    /// The reading after one more token (of the row's outermost parentheses).
    fn next(self, kind: i32) -> Self {
        let is = |t: Token| kind == t as i32;
        let sign = is(Token::Ascii45) || is(Token::Ascii43);
        let number = is(Token::Iconst) || is(Token::Fconst);
        let literal = number
            || [
                Token::Sconst,
                Token::Usconst,
                Token::Bconst,
                Token::Xconst,
                Token::NullP,
                Token::TrueP,
                Token::FalseP,
                Token::Default,
            ]
            .iter()
            .any(|t| is(*t));
        match self {
            Self::Expected if sign => Self::Signed,
            Self::Expected if literal => Self::After,
            Self::Signed if sign => Self::Signed,
            Self::Signed if number => Self::After,
            Self::After if is(Token::Ascii44) => Self::Expected,
            _ => Self::No,
        }
    }
}

/// The pass over the tokens that finds the later rows of `VALUES` lists.
#[derive(Default)]
struct RowFinder {
    state: State,
    /// In a `MERGE`, whose `INSERT VALUES` takes one row (a second one is an error to keep).
    merge: bool,
    /// The previous token was `FOR` (a partition's `FOR VALUES` takes one row too).
    after_for: bool,
    /// The previous row was collected (a next one of its kind extends it).
    previous_collected: bool,
    rows: Vec<LaterRows>,
}

impl RowFinder {
    /// Takes the next token of the text.
    fn token(&mut self, token: &ScanToken) {
        let kind = token.token;
        if kind == Token::SqlComment as i32 || kind == Token::CComment as i32 {
            return;
        }
        let (open, close) = (kind == Token::Ascii40 as i32, kind == Token::Ascii41 as i32);
        self.state = match self.state {
            State::ListStart if open => State::FirstRow { depth: 1 },
            State::FirstRow { depth } if close && depth == 1 => State::AfterRow,
            State::FirstRow { depth } => State::FirstRow {
                depth: depth + usize::from(open) - usize::from(close),
            },
            State::AfterRow if kind == Token::Ascii44 as i32 => State::Comma {
                start: token.start as usize,
            },
            State::Comma { start } if open => State::Row(RowInProgress {
                start,
                depth: 1,
                subquery: false,
                constants: Constants::Expected,
            }),
            State::Row(row) => self.in_row(row, kind, token.end as usize),
            State::Outside | State::ListStart | State::AfterRow | State::Comma { .. } => {
                self.previous_collected = false;
                self.outside(kind)
            }
        };
        self.after_for = kind == Token::For as i32;
    }

    /// A token outside any `VALUES` row.
    fn outside(&mut self, kind: i32) -> State {
        if kind == Token::Ascii59 as i32 {
            self.merge = false;
        } else if kind == Token::Merge as i32 {
            self.merge = true;
        }
        if kind == Token::Values as i32 && !self.merge && !self.after_for {
            State::ListStart
        } else {
            State::Outside
        }
    }

    /// A token of kind `kind`, ending at `end`, inside a later row.
    fn in_row(&mut self, row: RowInProgress, kind: i32, end: usize) -> State {
        let (open, close) = (kind == Token::Ascii40 as i32, kind == Token::Ascii41 as i32);
        if close && row.depth == 1 {
            let constants = row.constants == Constants::After;
            self.collect(row.subquery, row.start..end, constants);
            return State::AfterRow;
        }
        State::Row(RowInProgress {
            depth: row.depth + usize::from(open) - usize::from(close),
            subquery: row.subquery || opens_subquery(kind),
            constants: if row.depth == 1 {
                row.constants.next(kind)
            } else {
                Constants::No
            },
            ..row
        })
    }

    /// Records a finished later row, unless it holds a subquery.
    fn collect(&mut self, subquery: bool, bytes: Range<usize>, constants: bool) {
        if subquery {
            self.previous_collected = false;
            return;
        }
        match self.rows.last_mut() {
            Some(last) if self.previous_collected && last.constants == constants => {
                last.bytes.end = bytes.end;
            }
            _ => self.rows.push(LaterRows { bytes, constants }),
        }
        self.previous_collected = true;
    }
}

/// Whether a token of this kind can start a subquery inside an expression.
fn opens_subquery(kind: i32) -> bool {
    [Token::Select, Token::Values, Token::With, Token::Table]
        .iter()
        .any(|t| *t as i32 == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse;

    /// Every `location: N` in a tree's debug form.
    fn locations(tree: &pg_query::protobuf::ParseResult) -> Vec<u64> {
        let text = format!("{tree:?}");
        let mut found: Vec<u64> = text
            .split("location: ")
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                digits.parse().ok()
            })
            .collect();
        found.sort_unstable();
        found
    }

    #[test]
    fn rows_after_the_first_are_blanked_and_the_tree_is_the_one_row_statement() {
        let cases = [
            (
                "INSERT INTO t (a, b) VALUES (1, 'x'),\n (-2, E'y\\n'), (+3.5, NULL), (DEFAULT, TRUE)\n ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING a;",
                "INSERT INTO t (a, b) VALUES (1, 'x') ON CONFLICT (a) DO UPDATE SET b = excluded.b RETURNING a;",
            ),
            (
                "insert into s.t values (now(), 'é☃𝄞' /* c */), (1, $$a;b$$) -- tail\n, (X'1F', B'101');",
                "insert into s.t values (now(), 'é☃𝄞');",
            ),
            (
                "SELECT * FROM (VALUES (1), (2), (3)) AS v (x); VALUES (1, 2), (3, 4);",
                "SELECT * FROM (VALUES (1)) AS v (x); VALUES (1, 2);",
            ),
            // Functions, names, casts, typed literals, nested parentheses: the grammar accepts
            // the statement with them, and no rule reads a row.
            (
                "INSERT INTO t VALUES (1, now()), (2, now() - interval '1 day'),\n (a, '1'::int),\n (date '2024-01-01', ((2))), (-'x', public.f(3, g())), (4, 5);",
                "INSERT INTO t VALUES (1, now());",
            ),
            // A row with a subquery stays (a view's dependencies read its relations).
            (
                "INSERT INTO t VALUES (1), ((SELECT max(a) FROM s)), (now()), (3);",
                "INSERT INTO t VALUES (1), ((SELECT max(a) FROM s));",
            ),
        ];
        for (text, one_row) in cases {
            let blanked = blank_later_rows(text).expect(text);
            assert_eq!(blanked.len(), text.len(), "{text}");
            let newlines = |s: &str| s.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
            assert_eq!(newlines(&blanked), newlines(text), "{text}");
            let (original, blanked) = (parse(text).unwrap(), parse(&blanked).unwrap());
            let expected = parse(one_row).unwrap();
            assert_eq!(
                pg_query::deparse(&blanked, Default::default()).unwrap(),
                pg_query::deparse(&expected, Default::default()).unwrap(),
                "{text}"
            );
            let spans = |r: &pg_query::protobuf::ParseResult| {
                r.stmts
                    .iter()
                    .map(|s| (s.stmt_location, s.stmt_len))
                    .collect::<Vec<_>>()
            };
            assert_eq!(spans(&blanked), spans(&original), "{text}");
            let all = locations(&original);
            for location in locations(&blanked) {
                assert!(all.contains(&location), "{text}: location {location} moved");
            }
        }
    }

    #[test]
    fn a_list_longer_than_the_scanner_s_window_is_blanked_whole() {
        let rows: Vec<String> = (0..40_000)
            .map(|i| match i % 3 {
                0 => format!("({i}, now(), 'a,b')"),
                1 => format!("({i}, 'x', $$c,d$$)"),
                _ => format!("(-{i}, NULL, /* e, f */ 'g')"),
            })
            .collect();
        let text = format!("INSERT INTO t VALUES {};", rows.join(",\n"));
        assert!(text.len() > 2 * split::WINDOW_BYTES);
        let blanked = blank_later_rows(&text).unwrap();
        assert_eq!(blanked.len(), text.len());
        let deparsed = |sql: &str| pg_query::deparse(&parse(sql).unwrap(), Default::default());
        assert_eq!(
            deparsed(&blanked).unwrap(),
            deparsed("INSERT INTO t VALUES (0, now(), 'a,b');").unwrap()
        );
    }

    #[test]
    fn rows_with_subqueries_or_where_one_row_is_taken_are_parsed_as_written() {
        for text in [
            // Subqueries: their relations are read.
            "INSERT INTO t VALUES (1), ((SELECT 2));",
            "INSERT INTO t VALUES (1), (EXISTS (VALUES (2)));",
            "INSERT INTO t VALUES (1), (ARRAY(TABLE s));",
            "INSERT INTO t VALUES (1), ((WITH w AS (SELECT 1) SELECT * FROM w));",
            // One row only, or none.
            "INSERT INTO t VALUES (1);",
            "INSERT INTO t DEFAULT VALUES;",
            // Where a second row is a syntax error PostgreSQL must report.
            "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT VALUES (1), (2);",
            "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT VALUES (now()), (2);",
            "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1), (2);",
        ] {
            assert_eq!(blank_later_rows(text), None, "{text}");
        }
    }

    #[test]
    fn rows_beyond_constants_stay_when_the_grammar_rejects_the_statement() {
        // The error is in a row holding more than constants: those rows stay (constant rows
        // cannot hold one), so the parser reports it where it is, with the same message.
        for (text, kept) in [
            (
                "INSERT INTO t VALUES (1), (2), (3 4), (5), (now());",
                "INSERT INTO t VALUES (1)     , (3 4)     , (now());",
            ),
            (
                "INSERT INTO t VALUES (1), (now()), (f(,)), (2);",
                "INSERT INTO t VALUES (1), (now()), (f(,))     ;",
            ),
        ] {
            let blanked = blank_later_rows(text).unwrap();
            assert_eq!(blanked, kept);
            assert_eq!(
                parse(&blanked).unwrap_err().to_string(),
                parse(text).unwrap_err().to_string()
            );
        }
        // Elsewhere in the statement, too.
        let text = "INSERT INTO t VALUES (1), (now()) RETURNING;";
        assert_eq!(blank_later_rows(text), None);
        assert!(parse(text).is_err());
    }
}
