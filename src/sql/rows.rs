//! Long `VALUES` lists of plain constants, parsed as one row.
//!
//! A seed migration's `INSERT … VALUES` of 100,000 rows is one statement of 5 MB, and its parse
//! tree (protobuf, then Rust structs) takes over 100 bytes per byte of SQL: 600 MB for that one
//! statement. No rule and no part of the symbol table reads the rows of a `VALUES` list, and rows
//! made only of constants cannot hold a grammar error or anything a rule looks for (no function,
//! no name, no subquery) — except where the grammar takes a single row (`MERGE … INSERT VALUES`,
//! a partition's `FOR VALUES`), which are left alone. Such rows after the first are blanked
//! before parsing: replaced by
//! spaces (newlines kept), so the text keeps its length and every location in the tree stays
//! right; the tree is the one of the same statement with its first row only.

use pg_query::protobuf::Token;

use super::ffi;

/// Statements shorter than this are parsed as written (blanking would not pay for the scan).
pub const MIN_BLANKED_BYTES: usize = 64 * 1024;

/// `text` with the constant rows after the first row of each `VALUES` list blanked; `None` when
/// there are none (or the scanner fails: the parser then reports the text as it is).
pub fn blank_constant_rows(text: &str) -> Option<String> {
    let mut tokens = Vec::new();
    ffi::for_each_token(text, |t| {
        let kind = t.token;
        if kind != Token::SqlComment as i32 && kind != Token::CComment as i32 {
            tokens.push((kind, t.start as usize, t.end as usize));
        }
    })
    .ok()?;
    let mut blanks = Vec::new();
    let mut merge = false;
    let mut i = 0;
    while i < tokens.len() {
        let kind = tokens[i].0;
        if kind == Token::Ascii59 as i32 {
            merge = false;
        } else if kind == Token::Merge as i32 {
            // MERGE's `INSERT VALUES` takes one row: a second one is a syntax error to keep.
            merge = true;
        }
        let partition_bound = i > 0 && tokens[i - 1].0 == Token::For as i32;
        if kind == Token::Values as i32
            && !merge
            && !partition_bound
            && let Some(first_end) = row_end(&tokens, i + 1)
        {
            let rows = constant_rows(&tokens, first_end + 1);
            if rows > first_end + 1 {
                // From the `,` after the first row through the last constant row's `)`.
                blanks.push(tokens[first_end + 1].1..tokens[rows - 1].2);
            }
            i = rows.max(i + 1);
            continue;
        }
        i += 1;
    }
    if blanks.is_empty() {
        return None;
    }
    let mut bytes = text.as_bytes().to_vec();
    for range in blanks {
        for byte in &mut bytes[range] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes outside the blanked ranges' newlines were written, over whole tokens
    // (a multi-byte character lies inside one token, so it is replaced whole).
    String::from_utf8(bytes).ok()
}

/// The index of the `)` closing the row that opens at `tokens[open]`, if a `(` opens there.
fn row_end(tokens: &[(i32, usize, usize)], open: usize) -> Option<usize> {
    if tokens.get(open)?.0 != Token::Ascii40 as i32 {
        return None;
    }
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        if token.0 == Token::Ascii40 as i32 {
            depth += 1;
        } else if token.0 == Token::Ascii41 as i32 {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

/// The index after the last of the rows `, (constant, …)` that start at `tokens[at]` (`at`
/// itself when none does).
fn constant_rows(tokens: &[(i32, usize, usize)], mut at: usize) -> usize {
    while let Some(end) = constant_row(tokens, at) {
        at = end;
    }
    at
}

/// The index after `, (constant, …)` starting at `tokens[at]`, if one does.
fn constant_row(tokens: &[(i32, usize, usize)], at: usize) -> Option<usize> {
    let kind = |i: usize| tokens.get(i).map(|t| t.0);
    if kind(at)? != Token::Ascii44 as i32 || kind(at + 1)? != Token::Ascii40 as i32 {
        return None;
    }
    let mut i = at + 2;
    loop {
        i = constant(tokens, i)?;
        match kind(i)? {
            k if k == Token::Ascii44 as i32 => i += 1,
            k if k == Token::Ascii41 as i32 => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The index after a constant starting at `tokens[at]`: a literal, `NULL`, `TRUE`, `FALSE`,
/// `DEFAULT`, or a number with signs.
fn constant(tokens: &[(i32, usize, usize)], mut at: usize) -> Option<usize> {
    let kind = |i: usize| tokens.get(i).map(|t| t.0);
    while matches!(kind(at)?, k if k == Token::Ascii45 as i32 || k == Token::Ascii43 as i32) {
        at += 1;
        if !matches!(kind(at)?, k if k == Token::Iconst as i32 || k == Token::Fconst as i32
            || k == Token::Ascii45 as i32 || k == Token::Ascii43 as i32)
        {
            return None;
        }
    }
    let literal = [
        Token::Iconst,
        Token::Fconst,
        Token::Sconst,
        Token::Usconst,
        Token::Bconst,
        Token::Xconst,
        Token::NullP,
        Token::TrueP,
        Token::FalseP,
        Token::Default,
    ];
    literal
        .iter()
        .any(|t| *t as i32 == kind(at).unwrap_or(-1))
        .then_some(at + 1)
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
    fn constant_rows_after_the_first_are_blanked_and_the_tree_is_the_one_row_statement() {
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
        ];
        for (text, one_row) in cases {
            let blanked = blank_constant_rows(text).expect(text);
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
    fn rows_that_are_not_plain_constants_or_take_one_row_are_parsed_as_written() {
        for text in [
            // A function, a name, a cast or a typed literal: rules may read them.
            "INSERT INTO t VALUES (1), (now());",
            "INSERT INTO t VALUES (1), (a);",
            "INSERT INTO t VALUES (1), ('1'::int);",
            "INSERT INTO t VALUES (1), (date '2024-01-01');",
            "INSERT INTO t VALUES (1), ((2));",
            "INSERT INTO t VALUES (1), (-'x');",
            // One row only, or none.
            "INSERT INTO t VALUES (1);",
            "INSERT INTO t DEFAULT VALUES;",
            // Where a second row is a syntax error PostgreSQL must report.
            "MERGE INTO t USING s ON t.a = s.a WHEN NOT MATCHED THEN INSERT VALUES (1), (2);",
            "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1), (2);",
        ] {
            assert_eq!(blank_constant_rows(text), None, "{text}");
        }
        // A broken row stops the blanking before it: the error stays where it was.
        let text = "INSERT INTO t VALUES (1), (2), (3 4), (5);";
        let blanked = blank_constant_rows(text).unwrap();
        assert_eq!(blanked, "INSERT INTO t VALUES (1)     , (3 4), (5);");
        assert!(parse(&blanked).is_err() && parse(text).is_err());
    }
}
