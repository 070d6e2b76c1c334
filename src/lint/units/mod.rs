//! Lint units: every statement a migration would execute, including those hidden inside
//! `DO` blocks, PL/pgSQL and SQL function bodies and constant `EXECUTE '…'` strings.
//!
//! Bodies are re-parsed with libpg_query (`parse_plpgsql` for PL/pgSQL, `parse` for SQL); no text
//! is matched by hand. Embedded statements keep exact file positions when the body text can be
//! found in the statement's string token, else they point at the enclosing statement.
//!
//! PL/pgSQL is compiled the way PostgreSQL does at `CREATE FUNCTION`, but without a catalog
//! ([`plpgsql`]): what only a catalog could resolve is never reported, what PostgreSQL rejects is
//! reported at its own line, and the SQL statements of a body that cannot be compiled are still
//! found ([`recovery`]).

mod copies;
pub mod dynamic;
mod plpgsql;
mod recovery;

use std::ops::Range;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, Token};

use crate::sql::{Statement, scan_tokens};

/// How deep bodies inside bodies are followed.
const MAX_DEPTH: usize = 4;

/// Where a unit comes from, which decides when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// A top-level statement of the file.
    TopLevel,
    /// Inside a `DO` block: runs during the migration.
    DoBlock,
    /// Inside a function body (or a string it executes): runs when called.
    FunctionBody,
    /// Inside a procedure body: runs on `CALL`, where transaction control is allowed.
    ProcedureBody,
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
    /// A template of a `DO` block's `EXECUTE format(…)` ([`dynamic`]), with what the block
    /// tells of the objects it stands for: the statement names [`dynamic::DYNAMIC_NAME`] where
    /// the migration only knows its objects when it runs. Only the symbol table applies it.
    pub dynamic: Option<dynamic::Block>,
}

/// A body PostgreSQL rejects when the function is created (`check_function_bodies` is on by
/// default) or the `DO` block runs: a statement in it does not parse or does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    /// Where: the offending token or statement when its position is known, else the enclosing
    /// statement.
    pub span: Range<usize>,
    /// The parser's message.
    pub message: String,
}

/// A top-level statement and everything embedded in it.
#[derive(Debug, Default)]
pub struct Expansion {
    /// The statement itself first, then embedded statements.
    pub units: Vec<Unit>,
    /// Bodies PostgreSQL rejects.
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
        dynamic: None,
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
            let kind = if stmt.is_procedure {
                UnitKind::ProcedureBody
            } else {
                UnitKind::FunctionBody
            };
            if let Some(body) = stmt.sql_body.as_ref() {
                for node in statement_nodes(body) {
                    out.units.push(Unit {
                        node,
                        kind,
                        ..unit.clone()
                    });
                }
            }
            let Some(body) = function_body(&stmt.options) else {
                return;
            };
            let ctx = Body::within(text, offset, &body, unit, kind);
            match language(&stmt.options).as_str() {
                "plpgsql" => plpgsql::function(&ctx, stmt, text, depth, out),
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
            plpgsql::do_block(&ctx, depth, out);
        }
        _ => {}
    }
}

/// The lowercase `LANGUAGE` of a routine (`sql` when absent, as PostgreSQL assumes for a
/// `BEGIN ATOMIC` body and otherwise refuses).
fn language(options: &[Node]) -> String {
    def_string(options, "language")
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// A function or DO body being searched for statements.
struct Body<'a> {
    /// The body's text (the string constant's value).
    text: &'a str,
    /// File offset of the body's first character, when exactly known.
    offset: Option<usize>,
    /// The enclosing statement's span, the fallback position.
    span: Range<usize>,
    /// What the body's statements are.
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

    /// The file offset of the first `needle` at or after 1-based `line` (else anywhere in the
    /// body), when the body's position is known.
    fn offset_of(&self, needle: &str, line: Option<usize>) -> Option<usize> {
        let from = line
            .and_then(|l| recovery::line_start(self.text, l))
            .unwrap_or(0);
        let at = self.text[from..]
            .find(needle)
            .map(|i| from + i)
            .or_else(|| self.text.find(needle))?;
        Some(self.offset? + at)
    }

    /// The file span of a body-relative range, or the enclosing statement.
    fn file_span(&self, range: Range<usize>) -> Range<usize> {
        self.offset
            .map_or(self.span.clone(), |o| o + range.start..o + range.end)
    }
}

/// Parses `sql` (found at file offset `offset`) and pushes its statements and their bodies; a
/// statement that does not parse is an error of the body.
fn sql_text(body: &Body<'_>, sql: &str, offset: Option<usize>, depth: usize, out: &mut Expansion) {
    match crate::sql::parse(sql) {
        Ok(parsed) => push_parsed(body, sql, parsed, offset, depth, out),
        Err(err) => unparsable(body, sql, offset, &err.to_string(), out),
    }
}

/// Pushes the statements of `parsed` (the parse of `sql`, found at file offset `offset`).
fn push_parsed(
    body: &Body<'_>,
    sql: &str,
    parsed: pg_query::protobuf::ParseResult,
    offset: Option<usize>,
    depth: usize,
    out: &mut Expansion,
) {
    for raw in parsed.stmts {
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
            dynamic: None,
        };
        let inner = &sql[start.min(sql.len())..end.min(sql.len())];
        embedded(&unit, inner, offset.map(|o| o + start), depth + 1, out);
        out.units.push(unit);
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
    let statement = sql.len() - sql.trim_start().len()..sql.trim_end().len();
    let token = crate::sql::parse_statements(sql)
        .err()
        .map(|err| err.offset..recovery::token_end(sql, err.offset));
    let span = offset.map_or(body.span.clone(), |o| {
        let range = token.unwrap_or(statement);
        o + range.start..o + range.end
    });
    copies::push(body, sql, offset, out);
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
pub fn function_body(options: &[Node]) -> Option<String> {
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
        let sql = "DO $$ BEGIN EXECUTE 'ALTER SYSTEM ' || 'RESET ALL'; EXECUTE format('DROP TABLE %I', 'x'); EXECUTE sql_text; END $$;";
        let statements = parse_statements(sql).unwrap();
        let units = units_of(sql, statements[0].clone(), 0).units;
        assert_eq!(units.len(), 3, "{units:?}");
        assert!(matches!(units[1].node, NodeEnum::AlterSystemStmt(_)));
        assert!(matches!(units[2].node, NodeEnum::DropStmt(_)));
        assert!(units.iter().all(|u| u.dynamic.is_none()));
    }
}
