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
    fn pg_query_parse_protobuf_opts(
        input: *const c_char,
        options: c_int,
    ) -> PgQueryProtobufParseResult;
    fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    fn pg_query_scan_tokens(input: *const c_char) -> PgQueryScanTokensResult;
    fn pg_query_free_scan_tokens_result(result: PgQueryScanTokensResult);
}

/// Parses `text` with PostgreSQL's grammar into its protobuf tree; errors read exactly as
/// `pg_query::parse`'s.
pub fn parse(text: &str) -> pg_query::Result<ParseResult> {
    let input = CString::new(text)?;
    // SAFETY: `input` is NUL-terminated and outlives the call; the result's buffers are read
    // before libpg_query's own free function releases them, exactly once.
    unsafe {
        let result = pg_query_parse_protobuf_opts(input.as_ptr(), 0);
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
