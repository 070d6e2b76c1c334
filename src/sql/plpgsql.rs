//! PL/pgSQL parsing through libpg_query's `pg_query_parse_plpgsql`.
//!
//! The `pg_query` crate's wrapper deserialises libpg_query's JSON directly, but libpg_query 18
//! emits invalid JSON for trigger functions (each implicit `TG_*` variable prints as `{}}`), so
//! every trigger function would be unreadable. This module calls the same C function, repairs
//! exactly that defect, then parses the JSON.

use std::ffi::{CStr, CString, c_char, c_int};

use serde_json::Value;

#[repr(C)]
struct PgQueryError {
    message: *mut c_char,
    funcname: *mut c_char,
    filename: *mut c_char,
    lineno: c_int,
    cursorpos: c_int,
    context: *mut c_char,
}

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
    /// PostgreSQL's PL/pgSQL parser rejected the body: a real error in the SQL.
    Syntax(String),
    /// libpg_query's output could not be read (a tool limitation, not the user's fault).
    Unreadable(String),
}

/// Parses a `CREATE FUNCTION … LANGUAGE plpgsql` statement into libpg_query's JSON tree.
pub fn parse_plpgsql(create_function: &str) -> Result<Value, PlpgsqlError> {
    let input =
        CString::new(create_function).map_err(|e| PlpgsqlError::Unreadable(e.to_string()))?;
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the result is
    // read before it is freed exactly once by libpg_query's own free function.
    let raw = unsafe {
        let result = pg_query_parse_plpgsql(input.as_ptr());
        let out = if result.error.is_null() {
            Ok(CStr::from_ptr(result.plpgsql_funcs)
                .to_string_lossy()
                .into_owned())
        } else {
            Err(CStr::from_ptr((*result.error).message)
                .to_string_lossy()
                .into_owned())
        };
        pg_query_free_plpgsql_parse_result(result);
        out
    };
    let json = raw.map_err(PlpgsqlError::Syntax)?;
    serde_json::from_str(&repair(&json)).map_err(|e| PlpgsqlError::Unreadable(e.to_string()))
}

/// `,{}}` can never be valid JSON (after a comma in an array an object closes twice): it is the
/// known empty-datum defect, and becomes `,{}`.
fn repair(json: &str) -> String {
    json.replace(",{}}", ",{}")
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
    fn syntax_errors_are_told_apart() {
        let sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN IF THEN END $$";
        assert!(matches!(parse_plpgsql(sql), Err(PlpgsqlError::Syntax(_))));
    }
}
