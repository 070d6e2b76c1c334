//! Lint units: every statement a migration would execute, including those hidden inside
//! `DO` blocks, PL/pgSQL and SQL function bodies and constant `EXECUTE '…'` strings.
//!
//! Bodies are re-parsed with libpg_query (`parse_plpgsql` for PL/pgSQL, `parse` for SQL); no text
//! is matched by hand. Embedded statements keep exact file positions when the body text can be
//! found in the statement's string token, else they point at the enclosing statement.

use std::ops::Range;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, Token, a_const::Val};
use serde_json::Value;

use crate::sql::{PlpgsqlError, Statement, scan_tokens};

/// How deep bodies inside bodies are followed.
const MAX_DEPTH: usize = 4;

/// Where a unit comes from, which decides when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A top-level statement of the file.
    TopLevel,
    /// Inside a `DO` block: runs during the migration.
    DoBlock,
    /// Inside a function or procedure body (or a string it executes): runs when called.
    FunctionBody,
}

impl UnitKind {
    /// Whether the statement runs while the migration is applied.
    pub fn runs_now(self) -> bool {
        matches!(self, UnitKind::TopLevel | UnitKind::DoBlock)
    }
}

/// One statement to lint.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The parsed statement.
    pub node: NodeEnum,
    /// Its byte span in the file.
    pub span: Range<usize>,
    /// File offset of the text its node locations are relative to, when exactly known.
    pub base: Option<usize>,
    /// Where it comes from.
    pub kind: UnitKind,
}

/// A statement embedded in a body that does not parse (PostgreSQL rejects the function when it
/// is created, since `check_function_bodies` is on by default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    /// Where: the statement when its position is known, else the enclosing statement.
    pub span: Range<usize>,
    /// The parser's message.
    pub message: String,
}

/// A top-level statement and everything embedded in it.
#[derive(Debug, Default)]
pub struct Expansion {
    /// The statement itself first, then embedded statements.
    pub units: Vec<Unit>,
    /// Embedded statements that do not parse.
    pub errors: Vec<BodyError>,
}

/// A top-level statement followed by every statement embedded in it. `base` is the file offset
/// the statement's parse-tree locations are relative to (0 when the whole file was parsed).
pub fn units_of(file_text: &str, statement: Statement, base: usize) -> Expansion {
    let mut out = Expansion::default();
    let Some(node) = statement.node.and_then(|n| n.node) else {
        return out;
    };
    let top = Unit {
        node,
        span: statement.span.clone(),
        base: Some(base),
        kind: UnitKind::TopLevel,
    };
    let text = &file_text[statement.span.clone()];
    embedded(&top, text, Some(statement.span.start), 0, &mut out);
    out.units.insert(0, top);
    out
}

/// Pushes the statements embedded in `unit`, whose own text is `text` at file offset `offset`.
fn embedded(unit: &Unit, text: &str, offset: Option<usize>, depth: usize, out: &mut Expansion) {
    if depth >= MAX_DEPTH {
        return;
    }
    match &unit.node {
        NodeEnum::CreateFunctionStmt(stmt) => {
            let language = def_string(&stmt.options, "language")
                .unwrap_or_default()
                .to_ascii_lowercase();
            if let Some(body) = stmt.sql_body.as_ref() {
                for node in statement_nodes(body) {
                    out.units.push(Unit {
                        node,
                        kind: UnitKind::FunctionBody,
                        ..unit.clone()
                    });
                }
            }
            let Some(body) = function_body(&stmt.options) else {
                return;
            };
            let ctx = Body::within(text, offset, &body, unit, UnitKind::FunctionBody);
            match language.as_str() {
                "plpgsql" => plpgsql_body(&ctx, text, depth, out),
                "sql" => sql_text(&ctx, &body, ctx.offset, depth, out),
                _ => {}
            }
        }
        NodeEnum::DoStmt(stmt) => {
            let language = def_string(&stmt.args, "language").unwrap_or_else(|| "plpgsql".into());
            let Some(body) = def_string(&stmt.args, "as") else {
                return;
            };
            if !language.eq_ignore_ascii_case("plpgsql") {
                return;
            }
            let ctx = Body::within(text, offset, &body, unit, UnitKind::DoBlock);
            plpgsql_body(&ctx, &do_as_function(&body), depth, out);
        }
        _ => {}
    }
}

/// A function or DO body being searched for statements.
struct Body<'a> {
    text: &'a str,
    offset: Option<usize>,
    span: Range<usize>,
    kind: UnitKind,
}

impl<'a> Body<'a> {
    /// The body `body` of `unit`, whose statement text `statement` starts at file offset
    /// `statement_offset` (when known); its own offset is found from the statement's string token.
    fn within(
        statement: &str,
        statement_offset: Option<usize>,
        body: &'a str,
        unit: &Unit,
        kind: UnitKind,
    ) -> Body<'a> {
        let offset = statement_offset
            .zip(body_offset_in(statement, body))
            .map(|(a, b)| a + b);
        Body {
            text: body,
            offset,
            span: unit.span.clone(),
            kind,
        }
    }

    /// The file offset of `needle` inside the body, when the body's position is known.
    fn offset_of(&self, needle: &str) -> Option<usize> {
        Some(self.offset? + self.text.find(needle)?)
    }
}

/// Parses `sql` (found at file offset `offset`) and pushes its statements and their bodies.
fn sql_text(body: &Body<'_>, sql: &str, offset: Option<usize>, depth: usize, out: &mut Expansion) {
    let parsed = match pg_query::parse(sql, 0) {
        Ok(parsed) => parsed,
        Err(err) => return unparsable(body, sql, offset, &err.to_string(), out),
    };
    for raw in parsed.protobuf.stmts {
        let Some(node) = raw.stmt.and_then(|n| n.node) else {
            continue;
        };
        let start = raw.stmt_location.max(0) as usize;
        let end = if raw.stmt_len == 0 {
            sql.len()
        } else {
            start + raw.stmt_len as usize
        };
        let span = offset.map_or(body.span.clone(), |o| o + start..o + end);
        let unit = Unit {
            node,
            span,
            base: offset,
            kind: body.kind,
        };
        let inner = &sql[start.min(sql.len())..end.min(sql.len())];
        embedded(&unit, inner, offset.map(|o| o + start), depth + 1, out);
        out.units.push(unit);
    }
}

/// Walks a PL/pgSQL parse tree (JSON) for SQL statements, dynamic EXECUTEs and COMMIT/ROLLBACK.
fn plpgsql(body: &Body<'_>, json: &Value, depth: usize, out: &mut Expansion) {
    match json {
        Value::Object(map) => {
            for (key, value) in map {
                match key.as_str() {
                    "PLpgSQL_stmt_execsql" => {
                        if let Some(query) = expr_query(&value["sqlstmt"]) {
                            sql_text(body, query, body.offset_of(query), depth, out);
                        }
                    }
                    "PLpgSQL_stmt_dynexecute" => {
                        if let Some(expr) = expr_query(&value["query"])
                            && let Some(sql) = constant_string(expr)
                        {
                            let at = body.offset_of(expr).map(|o| o..o + expr.len());
                            let inner = Body {
                                span: at.unwrap_or(body.span.clone()),
                                offset: None,
                                ..*body
                            };
                            sql_text(&inner, &sql, None, depth, out);
                        }
                    }
                    "PLpgSQL_stmt_commit" | "PLpgSQL_stmt_rollback" => {
                        let word = if key.ends_with("commit") {
                            "COMMIT"
                        } else {
                            "ROLLBACK"
                        };
                        sql_text(body, word, None, depth, out);
                    }
                    _ => {}
                }
                plpgsql(body, value, depth, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| plpgsql(body, v, depth, out)),
        _ => {}
    }
}

fn expr_query(value: &Value) -> Option<&str> {
    value["PLpgSQL_expr"]["query"].as_str()
}

/// Parses a PL/pgSQL function (or wrapped DO block) and walks it; a parse failure is reported.
fn plpgsql_body(body: &Body<'_>, create_function: &str, depth: usize, out: &mut Expansion) {
    match crate::sql::parse_plpgsql(create_function) {
        Ok(json) => plpgsql(body, &json, depth, out),
        Err(PlpgsqlError::Syntax(message)) => {
            push_copies(body, body.text, body.offset, out);
            out.errors.push(BodyError {
                span: body.span.clone(),
                message: format!("PL/pgSQL body: {message}"),
            });
        }
        Err(PlpgsqlError::Unreadable(_)) => {}
    }
}

/// Records a body statement that does not parse; a `COPY … TO/FROM '<file>'` in it is still
/// recognised from its scanner tokens, so the forbidden command is named even when broken.
fn unparsable(
    body: &Body<'_>,
    sql: &str,
    offset: Option<usize>,
    message: &str,
    out: &mut Expansion,
) {
    let span = offset.map_or(body.span.clone(), |o| {
        o + sql.len() - sql.trim_start().len()..o + sql.trim_end().len()
    });
    push_copies(body, sql, offset, out);
    out.errors.push(BodyError {
        span,
        message: clean_message(message),
    });
}

fn clean_message(message: &str) -> String {
    let message = message.trim();
    message
        .strip_prefix("Invalid statement: ")
        .unwrap_or(message)
        .to_string()
}

/// Pushes a unit for every `COPY` keyword in text that did not parse.
fn push_copies(body: &Body<'_>, text: &str, offset: Option<usize>, out: &mut Expansion) {
    for (span, node) in copies_in(text) {
        let span = offset.map_or(body.span.clone(), |o| o + span.start..o + span.end);
        out.units.push(Unit {
            node,
            span,
            base: None,
            kind: body.kind,
        });
    }
}

/// Every `COPY` statement in `text` by its tokens (`COPY … TO|FROM [PROGRAM] '<literal>'` at
/// parenthesis depth 0, up to `;`), each re-parsed as a minimal `COPY` carrying the literal.
/// The scanner tells keywords from strings and comments, so a quoted "COPY" is not one.
fn copies_in(text: &str) -> Vec<(Range<usize>, NodeEnum)> {
    let tokens: Vec<_> = scan_tokens(text)
        .into_iter()
        .filter(|t| {
            !matches!(
                Token::try_from(t.token),
                Ok(Token::SqlComment | Token::CComment)
            )
        })
        .collect();
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if Token::try_from(token.token) != Ok(Token::Copy) {
            continue;
        }
        let rest = &tokens[i..];
        let len = rest
            .iter()
            .position(|t| Token::try_from(t.token) == Ok(Token::Ascii59))
            .unwrap_or(rest.len());
        let statement = &rest[..len];
        if let Some(node) = copy_shape(text, statement) {
            let end = statement.last().map_or(token.end, |t| t.end);
            out.push((token.start as usize..end as usize, node));
        }
    }
    out
}

fn copy_shape(text: &str, tokens: &[pg_query::protobuf::ScanToken]) -> Option<NodeEnum> {
    let kind = |i: usize| tokens.get(i).and_then(|t| Token::try_from(t.token).ok());
    let mut depth = 0i32;
    for (i, token) in tokens.iter().enumerate() {
        match Token::try_from(token.token) {
            Ok(Token::Ascii40) => depth += 1,
            Ok(Token::Ascii41) => depth -= 1,
            Ok(direction @ (Token::To | Token::From)) if depth == 0 => {
                let program = kind(i + 1) == Some(Token::Program);
                let literal = tokens.get(i + 1 + usize::from(program))?;
                if Token::try_from(literal.token) != Ok(Token::Sconst) {
                    return None;
                }
                let word = if direction == Token::To { "TO" } else { "FROM" };
                let program = if program { "PROGRAM " } else { "" };
                let literal = &text[literal.start as usize..literal.end as usize];
                let synthetic = format!("COPY eventos_unparsed {word} {program}{literal}");
                let parsed = pg_query::parse(&synthetic, 0).ok()?;
                return parsed.protobuf.stmts.into_iter().next()?.stmt?.node;
            }
            _ => {}
        }
    }
    None
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

/// The value of an expression made only of string constants (and `||`), e.g. `'COPY t TO ''/x'''`.
pub fn constant_string(expr: &str) -> Option<String> {
    let parsed = pg_query::parse(&format!("SELECT {expr}"), 0).ok()?;
    let stmt = parsed
        .protobuf
        .stmts
        .first()?
        .stmt
        .as_ref()?
        .node
        .as_ref()?;
    let NodeEnum::SelectStmt(select) = stmt else {
        return None;
    };
    let [target] = select.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
        return None;
    };
    fold_constant(target.val.as_deref()?)
}

fn fold_constant(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match &c.val {
            Some(Val::Sval(s)) => Some(s.sval.clone()),
            _ => None,
        },
        NodeEnum::AExpr(e) if crate::lint::symbols::string_list(&e.name) == ["||"] => {
            Some(fold_constant(e.lexpr.as_deref()?)? + &fold_constant(e.rexpr.as_deref()?)?)
        }
        _ => None,
    }
}

/// The statements of a `BEGIN ATOMIC … END` (or `RETURN …`) SQL body.
fn statement_nodes(node: &Node) -> Vec<NodeEnum> {
    match node.node.as_ref() {
        Some(NodeEnum::List(list)) => list.items.iter().flat_map(statement_nodes).collect(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// The string value of option `name` in a DefElem list.
pub fn def_string(options: &[Node], name: &str) -> Option<String> {
    options.iter().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == name => match d.arg.as_ref()?.node.as_ref()? {
            NodeEnum::String(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// The body of `AS '…'` (the first string; C functions have two).
fn function_body(options: &[Node]) -> Option<String> {
    options.iter().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == "as" => match d.arg.as_ref()?.node.as_ref()? {
            NodeEnum::List(list) => match list.items.first()?.node.as_ref()? {
                NodeEnum::String(s) => Some(s.sval.clone()),
                _ => None,
            },
            NodeEnum::String(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    })
}

/// Offset, inside `statement`, of the first character of the string constant whose value is `body`.
fn body_offset_in(statement: &str, body: &str) -> Option<usize> {
    scan_tokens(statement).iter().find_map(|token| {
        if Token::try_from(token.token) != Ok(Token::Sconst) {
            return None;
        }
        let raw = &statement[token.start as usize..token.end as usize];
        let open = string_opening(raw)?;
        let inner = raw.get(open..raw.len().checked_sub(closing_len(raw, open))?)?;
        let value_matches =
            inner == body || (raw.starts_with('\'') && inner.replace("''", "'") == body);
        value_matches.then_some(token.start as usize + open)
    })
}

/// Length of a string constant's opening delimiter (`'`, `E'`, `$tag$`).
fn string_opening(raw: &str) -> Option<usize> {
    if let Some(rest) = raw.strip_prefix('$') {
        rest.find('$').map(|n| n + 2)
    } else if raw.starts_with('\'') {
        Some(1)
    } else {
        raw.find('\'').map(|n| n + 1)
    }
}

fn closing_len(raw: &str, open: usize) -> usize {
    if raw.starts_with('$') { open } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_statements;

    fn kinds_and_texts(sql: &str) -> Vec<(UnitKind, String)> {
        let statements = parse_statements(sql).unwrap();
        statements
            .iter()
            .flat_map(|s| units_of(sql, s.clone(), 0).units)
            .map(|u| (u.kind, sql[u.span.clone()].to_string()))
            .collect()
    }

    #[test]
    fn finds_statements_in_do_blocks_with_exact_spans() {
        let sql = "DO $x$ BEGIN\n  ALTER SYSTEM SET work_mem = '1GB';\nEND $x$;";
        let units = kinds_and_texts(sql);
        assert_eq!(
            units[1],
            (
                UnitKind::DoBlock,
                "ALTER SYSTEM SET work_mem = '1GB'".into()
            ),
            "{units:?}"
        );
    }

    #[test]
    fn finds_statements_in_plpgsql_and_sql_functions() {
        let sql = "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $body$\nBEGIN\n  COPY t TO '/backups/t.csv';\nEND $body$;\n\
                   CREATE FUNCTION g() RETURNS void LANGUAGE sql AS 'TRUNCATE t';";
        let units = kinds_and_texts(sql);
        assert!(
            units.contains(&(UnitKind::FunctionBody, "COPY t TO '/backups/t.csv'".into())),
            "{units:?}"
        );
        assert!(
            units.contains(&(UnitKind::FunctionBody, "TRUNCATE t".into())),
            "{units:?}"
        );
    }

    #[test]
    fn follows_constant_execute_strings_only() {
        let sql = "DO $$ BEGIN EXECUTE 'ALTER SYSTEM ' || 'RESET ALL'; EXECUTE format('DROP TABLE %I', 'x'); END $$;";
        let statements = parse_statements(sql).unwrap();
        let units = units_of(sql, statements[0].clone(), 0).units;
        assert_eq!(units.len(), 2, "{units:?}");
        assert!(matches!(units[1].node, NodeEnum::AlterSystemStmt(_)));
    }

    #[test]
    fn constant_strings_are_folded() {
        assert_eq!(constant_string("'a''b' || 'c'").as_deref(), Some("a'bc"));
        assert_eq!(constant_string("'a' || x"), None);
    }
}
