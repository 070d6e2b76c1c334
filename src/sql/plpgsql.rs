//! PL/pgSQL parsing through libpg_query's `pg_query_parse_plpgsql`.
//!
//! The `pg_query` crate's wrapper deserialises libpg_query's JSON directly, but libpg_query 18
//! emits invalid JSON for trigger functions (each implicit `TG_*` variable prints as `{}}`), so
//! every trigger and event-trigger function would be unreadable. This module calls the same C
//! function, repairs exactly that defect, then parses the JSON. A rejection keeps the compiler's
//! "near line N" context, so callers can place it in the body.

use std::ffi::{CStr, CString, c_char};

use serde_json::Value;

use super::ffi::PgQueryError;

#[repr(C)]
struct PgQueryPlpgsqlParseResult {
    plpgsql_funcs: *mut c_char,
    error: *mut PgQueryError,
}

unsafe extern "C" {
    fn pg_query_parse_plpgsql(input: *const c_char) -> PgQueryPlpgsqlParseResult;
    fn pg_query_free_plpgsql_parse_result(result: PgQueryPlpgsqlParseResult);
}

/// Why a PL/pgSQL function could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlpgsqlError {
    /// The PL/pgSQL compiler (run without a catalog) rejected the body; callers decide whether
    /// PostgreSQL, with its catalog, would too.
    Rejected(Rejection),
    /// libpg_query's output could not be read (a tool limitation, not the user's fault).
    Unreadable(String),
}

/// A PL/pgSQL compiler error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The compiler's message, e.g. `syntax error at or near "THEN"`.
    pub message: String,
    /// The body line (1-based, PostgreSQL's count) the compiler was near, from its context.
    pub near_line: Option<usize>,
}

/// Parses a `CREATE FUNCTION … LANGUAGE plpgsql` statement into libpg_query's JSON tree.
pub fn parse_plpgsql(create_function: &str) -> Result<Value, PlpgsqlError> {
    let input =
        CString::new(create_function).map_err(|e| PlpgsqlError::Unreadable(e.to_string()))?;
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the result is
    // read before it is freed exactly once by libpg_query's own free function.
    let parsed = unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let out = if result.error.is_null() {
            Ok(read_json(CStr::from_ptr(result.plpgsql_funcs).to_bytes()))
        } else {
            let error = &*result.error;
            let context = if error.context.is_null() {
                String::new()
            } else {
                CStr::from_ptr(error.context).to_string_lossy().into_owned()
            };
            Err(Rejection {
                message: CStr::from_ptr(error.message).to_string_lossy().into_owned(),
                near_line: near_line(&context),
            })
        };
        pg_query_free_plpgsql_parse_result(result);
        out
    };
    parsed
        .map_err(PlpgsqlError::Rejected)?
        .map_err(|e| PlpgsqlError::Unreadable(e.to_string()))
}

/// libpg_query's JSON read in place, copied only when it needs [`repair`] (or is not UTF-8).
fn read_json(json: &[u8]) -> serde_json::Result<Value> {
    match std::str::from_utf8(json) {
        Ok(text) if !needs_repair(text) => serde_json::from_str(text),
        _ => serde_json::from_str(&repair(&String::from_utf8_lossy(json))),
    }
}

/// Whether `json` may hold the empty-datum defect: `{}}` anywhere (a superset of the `,{}}` and
/// `[{}}` that [`repair`] mends).
fn needs_repair(json: &str) -> bool {
    memchr::memmem::find(json.as_bytes(), b"{}}").is_some()
}

/// The line of `compilation of PL/pgSQL function "f" near line N`.
fn near_line(context: &str) -> Option<usize> {
    let rest = &context[context.find("near line ")? + "near line ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `,{}}` and `[{}}` can never be valid JSON (an array element closes twice): it is the known
/// empty-datum defect, and becomes `,{}` / `[{}`.
fn repair(json: &str) -> String {
    json.replace(",{}}", ",{}").replace("[{}}", "[{}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigger_functions_are_readable() {
        let sql = "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.a := now(); RETURN NEW; END $$";
        let json = parse_plpgsql(sql).unwrap();
        assert!(json.to_string().contains("PLpgSQL_stmt_assign"), "{json}");
    }

    #[test]
    fn event_trigger_functions_are_readable() {
        let sql = "CREATE FUNCTION f() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE '%', tg_event; END $$";
        assert!(parse_plpgsql(sql).is_ok());
    }

    #[test]
    fn rejections_carry_the_line_the_compiler_was_near() {
        let sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\n  IF THEN END IF;\nEND $$";
        let Err(PlpgsqlError::Rejected(rejection)) = parse_plpgsql(sql) else {
            panic!("expected a rejection");
        };
        assert!(rejection.message.contains("THEN"), "{rejection:?}");
        assert_eq!(rejection.near_line, Some(3));
    }
}
