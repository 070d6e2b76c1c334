//! Direct calls into libpg_query (the C library the `pg_query` crate builds and links) where the
//! crate's wrappers do work lint throws away:
//!
//! - [`parse`]: `pg_query::parse` also walks every tree it returns to collect table, function
//!   and filter-column names into hash sets (`ParseResult::new`); on a 2 MB schema file that walk
//!   costs three times the parse itself. This returns the decoded protobuf tree only.
//! - [`for_each_token`]: `pg_query::scan` serialises every token to protobuf and
//!   `pg_query::scan_tokens` copies them into a `Vec`; this visits libpg_query's own token array,
//!   so splitting a 24 MB file holds no second copy of its tokens.
//!
//! The structures mirror `pg_query.h` of the libpg_query version the pinned `pg_query` crate
//! ships; `tests` compare both paths on the same input.

use std::ffi::{CStr, CString, c_char, c_int};

use pg_query::protobuf::{ParseResult, ScanToken};
use prost::Message;

/// libpg_query's error (`PgQueryError`).
#[repr(C)]
pub(super) struct PgQueryError {
    pub(super) message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    pub(super) cursorpos: c_int,
    pub(super) context: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobuf {
    len: usize,
    data: *mut c_char,
}

#[repr(C)]
struct PgQueryProtobufParseResult {
    parse_tree: PgQueryProtobuf,
    stderr_buffer: *mut c_char,
    error: *mut PgQueryError,
}

/// One token of `pg_query_scan_tokens` (the same fields as the protobuf `ScanToken`).
#[repr(C)]
#[derive(Clone, Copy)]
struct PgQueryScanToken {
    start: c_int,
    end: c_int,
    token: c_int,
    keyword_kind: c_int,
}

#[repr(C)]
struct PgQueryScanTokensResult {
    tokens: *mut PgQueryScanToken,
    n_tokens: c_int,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    /// `src/sql/tree_writer.c`: libpg_query's parse, serialised without upb.
    fn eventos_parse_protobuf(input: *const c_char, options: c_int) -> PgQueryProtobufParseResult;
    #[cfg(test)]
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    fn pg_query_scan_tokens(input: *const c_char) -> PgQueryScanTokensResult;
    fn pg_query_free_scan_tokens_result(result: PgQueryScanTokensResult);
}

/// Parses `text` with PostgreSQL's grammar into its protobuf tree; errors read exactly as
/// `pg_query::parse`'s. The tree is serialised by `tree_writer.c`, not by upb (see there).
pub fn parse(text: &str) -> pg_query::Result<ParseResult> {
    parse_with(eventos_parse_protobuf, text)
}

/// A libpg_query entry point with `pg_query_parse_protobuf_opts`'s signature and result.
type ParseToProtobuf = unsafe extern "C" fn(*const c_char, c_int) -> PgQueryProtobufParseResult;

fn parse_with(parser: ParseToProtobuf, text: &str) -> pg_query::Result<ParseResult> {
    let input = CString::new(text)?;
    // SAFETY: `input` is NUL-terminated and outlives the call; the result's buffers are read
    // before libpg_query's own free function releases them, exactly once.
    unsafe {
        let result = parser(input.as_ptr(), 0);
        let out = if result.error.is_null() {
            let data = std::slice::from_raw_parts(
                result.parse_tree.data as *const u8,
                result.parse_tree.len,
            );
            ParseResult::decode(data).map_err(pg_query::Error::Decode)
        } else {
            let message = CStr::from_ptr((*result.error).message).to_string_lossy();
            Err(pg_query::Error::Parse(message.into_owned()))
        };
        pg_query_free_protobuf_parse_result(result);
        out
    }
}

/// Calls `visit` on every token of `text` in order (comments included), as `pg_query::scan`
/// would return them; an error when the scanner fails (e.g. an unterminated string).
pub fn for_each_token(text: &str, visit: impl FnMut(&ScanToken)) -> pg_query::Result<()> {
    scan(text, visit)?.map_err(|(message, _)| pg_query::Error::Scan(message))
}

/// [`for_each_token`], where a failed scan gives the byte offset of the token the scanner could
/// not finish (an unterminated string, comment or body starts there), when it says one.
pub fn for_each_token_or_failure(
    text: &str,
    visit: impl FnMut(&ScanToken),
) -> Result<(), Option<usize>> {
    let Ok(scanned) = scan(text, visit) else {
        return Err(None);
    };
    scanned.map_err(|(_, cursor)| {
        // PostgreSQL's error cursor counts characters from 1.
        let char_index = usize::try_from(cursor).ok()?.checked_sub(1)?;
        text.char_indices().nth(char_index).map(|(at, _)| at)
    })
}

/// One scan of `text`: its tokens to `visit`, or the scanner's message and error cursor (an
/// outer error for a text holding a NUL byte).
fn scan(
    text: &str,
    mut visit: impl FnMut(&ScanToken),
) -> pg_query::Result<Result<(), (String, c_int)>> {
    let input = CString::new(text)?;
    // SAFETY: as in `parse`; the token array has `n_tokens` elements until it is freed.
    unsafe {
        let result = pg_query_scan_tokens(input.as_ptr());
        let out = if result.error.is_null() {
            let tokens = if result.n_tokens > 0 {
                std::slice::from_raw_parts(result.tokens, result.n_tokens as usize)
            } else {
                &[]
            };
            for token in tokens {
                visit(&ScanToken {
                    start: token.start,
                    end: token.end,
                    token: token.token,
                    keyword_kind: token.keyword_kind,
                });
            }
            Ok(())
        } else {
            let error = &*result.error;
            let message = CStr::from_ptr(error.message).to_string_lossy();
            Err((message.into_owned(), error.cursorpos))
        };
        pg_query_free_scan_tokens_result(result);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn parse_gives_the_crate_s_tree_and_errors() {
        for sql in [
            "CREATE TABLE t (a int PRIMARY KEY); SELECT 1 + 2 FROM t WHERE a = 'é';",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;",
            "",
        ] {
            assert_eq!(
                parse(sql).unwrap(),
                pg_query::parse(sql, 0).unwrap().protobuf
            );
        }
        for sql in ["CREATE TABEL t (a int);", "SELECT '\0';", "SELECT (1 +"] {
            assert_eq!(
                parse(sql).unwrap_err().to_string(),
                pg_query::parse(sql, 0).unwrap_err().to_string()
            );
        }
    }

    /// `parse` (tree_writer.c) and libpg_query's upb serialiser on `text`: the same tree, or
    /// the same error — except for a tree upb writes but prost cannot read back (nested too
    /// deeply), which the tree writer refuses with libpg_query's message for deep trees.
    fn assert_same_as_upb(text: &str, origin: &str) {
        let ours = parse(text);
        match (ours, parse_with(pg_query_parse_protobuf_opts, text)) {
            (Ok(ours), Ok(upb)) => assert!(ours == upb, "{origin}: the trees differ"),
            (ours, Err(pg_query::Error::Decode(_))) => assert_eq!(
                ours.map_err(|e| e.to_string()).unwrap_err(),
                "Invalid statement: parse tree is nested too deeply to serialize to protobuf",
                "{origin}"
            ),
            (ours, upb) => assert_eq!(
                ours.map(|_| ()).map_err(|e| e.to_string()),
                upb.map(|_| ()).map_err(|e| e.to_string()),
                "{origin}"
            ),
        }
    }

    #[test]
    fn the_tree_writer_gives_upb_s_tree_on_every_sql_file_of_the_repository() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["sql", "tests/corpus", "tests/fixtures"] {
            sql_files(&root.join(dir), &mut files);
        }
        assert!(files.len() > 100, "{} files", files.len());
        let mut statements = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let origin = file.display().to_string();
            assert_same_as_upb(&text, &origin);
            // Statement by statement too: a file with one bad statement still compares the rest.
            for piece in crate::sql::pieces(&text, &[]) {
                assert_same_as_upb(&text[piece.span.clone()], &origin);
                statements += 1;
            }
        }
        assert!(statements > 1_500, "{statements} statements");
    }

    #[test]
    fn the_tree_writer_gives_upb_s_tree_on_every_kind_of_field() {
        let deep_parens = format!("SELECT {}1{}", "(".repeat(5_000), ")".repeat(5_000));
        let long_union = vec!["SELECT 1"; 3_000].join(" UNION ALL ");
        for sql in [
            // negative, large and zero integers; floats; NULL, booleans, bit strings
            "SELECT -1, 2147483647, -2147483648, 0, 1.5e300, -0.0, NULL, TRUE, FALSE, B'1010', X'ff'",
            // char fields (relpersistence, constraint actions), enums, empty strings, quoting
            "CREATE TEMP TABLE t (a int REFERENCES u ON DELETE CASCADE ON UPDATE SET NULL, b text DEFAULT '')",
            "CREATE UNLOGGED TABLE \"Ünïcode\" (\"\" int)",
            "ALTER TABLE ONLY s.t ALTER COLUMN a SET STATISTICS -1, ADD CONSTRAINT c CHECK (a > 0) NOT VALID",
            "CREATE FUNCTION f(a int DEFAULT 1, VARIADIC b int[]) RETURNS SETOF record LANGUAGE plpgsql AS $$ BEGIN END $$",
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION SELECT n + 1 FROM r WHERE n < 9) SELECT * FROM r",
            "SELECT a FROM t WINDOW w AS (PARTITION BY b ORDER BY c ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)",
            "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a WHEN NOT MATCHED THEN INSERT VALUES (s.id)",
            "CREATE POLICY p ON t FOR SELECT TO authenticated USING ((SELECT auth.uid()) = user_id)",
            "GRANT SELECT (a, b) ON t TO anon WITH GRANT OPTION; REVOKE ALL ON SCHEMA s FROM PUBLIC CASCADE",
            "SELECT $1::int[], ARRAY[[1,2],[3,4]], ROW(1, 'a'), a[1:2], (x).y, 'a' COLLATE \"C\"",
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t USING gin (a jsonb_path_ops) INCLUDE (b) WHERE c",
            "COPY t (a) FROM STDIN WITH (FORMAT csv, NULL '')",
            "",
            ";;",
            // errors: grammar, a NUL byte, and trees deeper than the stack or protobuf allows
            "CREATE TABEL t (a int)",
            "SELECT '\0'",
            &deep_parens,
            &long_union,
        ] {
            assert_same_as_upb(sql, sql.get(..60).unwrap_or(sql));
        }
        // Around the decoder's depth limit: every depth parses alike or fails alike.
        let mut depths_that_parse = 0;
        for depth in 80..110 {
            let sql = vec!["SELECT 1"; depth].join(" UNION ");
            assert_same_as_upb(&sql, &format!("{depth} unions"));
            depths_that_parse += usize::from(parse(&sql).is_ok());
        }
        assert!((1..30).contains(&depths_that_parse), "{depths_that_parse}");
    }

    fn sql_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sql_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                out.push(path);
            }
        }
    }

    #[test]
    fn tokens_are_the_crate_s_tokens() {
        for sql in [
            "SELECT 1; -- c\n/* d */ CREATE TABLE \"x\" (a text DEFAULT $$y$$);",
            "",
        ] {
            let mut tokens = Vec::new();
            for_each_token(sql, |t| tokens.push(*t)).unwrap();
            assert_eq!(tokens, pg_query::scan(sql).unwrap().tokens);
        }
        for sql in ["SELECT 'unterminated", "SELECT '\0'"] {
            assert_eq!(
                for_each_token(sql, |_| {}).is_err(),
                pg_query::scan(sql).is_err()
            );
        }
    }

    #[test]
    fn a_failed_scan_points_at_the_token_it_could_not_finish() {
        for (sql, at) in [
            ("SELECT 'é', 'abc", Some(13)),
            ("SELECT 1, /* é unterminated", Some(10)),
            ("SELECT $b$ x", Some(7)),
            ("SELECT \"é", Some(7)),
            ("SELECT '\0'", None),
        ] {
            assert_eq!(for_each_token_or_failure(sql, |_| {}), Err(at), "{sql}");
        }
        assert_eq!(for_each_token_or_failure("SELECT 'é', 1", |_| {}), Ok(()));
    }
}
