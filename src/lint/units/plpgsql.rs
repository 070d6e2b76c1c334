//! PL/pgSQL bodies (functions, procedures, `DO` blocks): compiled the way PostgreSQL compiles
//! them, without a catalog, then walked for the SQL statements they run.
//!
//! 1. The body is compiled as written. Most bodies compile: done.
//! 2. If not, it is compiled again with catalog-dependent type references neutralised
//!    ([`crate::sql::catalog_free`]): a body that only failed for lack of a catalog compiles now.
//! 3. A body that still fails is judged by the message: an error that needs a catalog to decide
//!    (an unknown type, an unsupported lookup) is not reported — PostgreSQL would resolve it;
//!    anything else is what PostgreSQL itself raises at `CREATE FUNCTION`, reported at its
//!    token. Either way the statements of the body are still found by [`super::recovery`].

use pg_query::protobuf::CreateFunctionStmt;
use serde_json::Value;

use super::dynamic::{self, Executed};
use super::{Body, BodyError, Expansion, UnitKind, recovery, sql_text};
use crate::sql::catalog_free::{neutral_body, neutral_function};
use crate::sql::{PlpgsqlError, Rejection, parse_plpgsql};

/// Compiler messages that only a catalog can decide: never reported.
const NEEDS_CATALOG: &[&str] = &[
    "Not implemented",
    "does not exist",
    "cache lookup failed",
    "pseudo-type",
    "cannot accept type",
    "cannot return type",
    "is only a shell",
    "VARIADIC parameter",
    "could not find array type",
    "could not determine",
    // libpg_query reports anything the compiler printed (a NOTICE) as an error.
    "NOTICE:",
    "WARNING:",
];

/// A `CREATE FUNCTION|PROCEDURE … LANGUAGE plpgsql` whose statement text is `statement`.
pub(super) fn function(
    body: &Body<'_>,
    stmt: &CreateFunctionStmt,
    statement: &str,
    depth: usize,
    out: &mut Expansion,
) {
    compile(
        body,
        statement,
        || neutral_function(stmt, body.text),
        depth,
        out,
    );
}

/// A `DO` block.
pub(super) fn do_block(body: &Body<'_>, depth: usize, out: &mut Expansion) {
    compile(
        body,
        &do_as_function(body.text),
        || Some(do_as_function(&neutral_body(body.text))),
        depth,
        out,
    );
}

/// Steps 1–3 of the module documentation.
fn compile(
    body: &Body<'_>,
    source: &str,
    neutral: impl FnOnce() -> Option<String>,
    depth: usize,
    out: &mut Expansion,
) {
    let first = match parse_plpgsql(source) {
        Ok(json) => return walk(body, &json, depth, out),
        Err(PlpgsqlError::Rejected(rejection)) => rejection,
        Err(PlpgsqlError::Unreadable(_)) => return recovery::statements(body, depth, out),
    };
    match neutral().map(|text| parse_plpgsql(&text)) {
        Some(Ok(json)) => walk(body, &json, depth, out),
        Some(Err(PlpgsqlError::Rejected(rejection))) => judge(body, &rejection, depth, out),
        Some(Err(PlpgsqlError::Unreadable(_))) => recovery::statements(body, depth, out),
        None => judge(body, &first, depth, out),
    }
}

/// Reports a rejection PostgreSQL would also make; then finds the body's statements anyway.
fn judge(body: &Body<'_>, rejection: &Rejection, depth: usize, out: &mut Expansion) {
    if !needs_catalog(&rejection.message) {
        let span = recovery::locate(body.text, rejection)
            .map_or(body.span.clone(), |range| body.file_span(range));
        out.errors.push(BodyError {
            span,
            message: format!("PL/pgSQL body: {}", rejection.message),
        });
    }
    recovery::statements(body, depth, out);
}

/// Whether only a catalog could decide this compiler message.
fn needs_catalog(message: &str) -> bool {
    NEEDS_CATALOG.iter().any(|m| message.contains(m))
}

/// Walks a PL/pgSQL parse tree (JSON) for SQL statements, dynamic EXECUTEs and COMMIT/ROLLBACK.
fn walk(body: &Body<'_>, json: &Value, depth: usize, out: &mut Expansion) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                let line = value["lineno"].as_u64().map(|n| n as usize);
                match key.as_str() {
                    "PLpgSQL_stmt_execsql" => {
                        if let Some(query) = expr_query(&value["sqlstmt"]) {
                            sql_text(body, query, body.offset_of(query, line), depth, out);
                        }
                    }
                    "PLpgSQL_stmt_dynexecute" => {
                        if let Some(expr) = expr_query(&value["query"]) {
                            dynamic_execute(body, expr, line, depth, out);
                        }
                    }
                    "PLpgSQL_stmt_commit" | "PLpgSQL_stmt_rollback" => {
                        transaction_end(body, key.ends_with("commit"), line, depth, out);
                    }
                    _ => {}
                }
                walk(body, value, depth, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| walk(body, v, depth, out)),
        _ => {}
    }
}

/// An `EXECUTE expr`: the statement it runs when its text is constant; in a `DO` block, also
/// the template of one whose names vary ([`dynamic`]), for the symbol table.
fn dynamic_execute(
    body: &Body<'_>,
    expr: &str,
    line: Option<usize>,
    depth: usize,
    out: &mut Expansion,
) {
    let at = body.offset_of(expr, line).map(|o| o..o + expr.len());
    let inner = Body {
        span: at.unwrap_or(body.span.clone()),
        offset: None,
        ..*body
    };
    match dynamic::executed(expr) {
        Some(Executed::Constant(sql)) => sql_text(&inner, &sql, None, depth, out),
        Some(Executed::Template(sql)) if body.kind == UnitKind::DoBlock => {
            let mut template = Expansion::default();
            sql_text(&inner, &sql, None, depth, &mut template);
            let block = dynamic::Block::of(body.text);
            out.units.extend(template.units.into_iter().map(|mut unit| {
                unit.dynamic = Some(block.clone());
                unit
            }));
        }
        _ => {}
    }
}

/// A `COMMIT` or `ROLLBACK` of the body, as a unit at its own keyword (found on its line).
fn transaction_end(
    body: &Body<'_>,
    commit: bool,
    line: Option<usize>,
    depth: usize,
    out: &mut Expansion,
) {
    let word = if commit { "COMMIT" } else { "ROLLBACK" };
    let at = line
        .and_then(|l| recovery::keyword_on_line(body.text, l, word))
        .map(|range| body.file_span(range));
    let inner = Body {
        span: at.unwrap_or(body.span.clone()),
        offset: None,
        ..*body
    };
    sql_text(&inner, word, None, depth, out);
}

fn expr_query(value: &Value) -> Option<&str> {
    value["PLpgSQL_expr"]["query"].as_str()
}

/// Wraps a DO body in a function definition, the form `parse_plpgsql` accepts.
fn do_as_function(body: &str) -> String {
    let mut tag = String::from("$eventos$");
    while body.contains(&tag) {
        tag.insert(1, 'x');
    }
    format!(
        "CREATE FUNCTION pg_temp.eventos_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_messages_are_told_from_real_errors() {
        assert!(needs_catalog(
            "Not implemented (LookupExplicitNamespace only supports pg_catalog and public)"
        ));
        assert!(needs_catalog("type \"billing.invoice\" does not exist"));
        assert!(!needs_catalog("syntax error at or near \"THEN\""));
        assert!(!needs_catalog("\"x\" is not a known variable"));
        assert!(!needs_catalog("mismatched parentheses at or near \";\""));
    }
}
