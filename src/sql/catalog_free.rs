//! Catalog-free PL/pgSQL: rewrites a function so libpg_query's PL/pgSQL compiler, which has no
//! catalog, accepts every type PostgreSQL would resolve from its own.
//!
//! libpg_query compiles PL/pgSQL against a fake catalog: it knows the built-in types, maps any
//! other name in `public` (or unqualified) to `record`, and fails on everything else — a schema
//! other than `pg_catalog`/`public` (`billing.invoice`), `%TYPE` in a signature, an array of a
//! user-defined type (`_record` is a pseudo-type), and fields of `%ROWTYPE` variables. None of
//! these is an error for PostgreSQL when the types exist. The rewrite keeps every name, mode,
//! statement and line of the body and only replaces such type references:
//!
//! | written | compiled as | why it is neutral |
//! |---|---|---|
//! | `schema.type` (not `pg_catalog`/`public`) | `type` (→ `record`) | a record accepts any field and value |
//! | `t%ROWTYPE` | `record` | field assignment `r.total := 0` resolves at run time |
//! | `type[]`, `type ARRAY` | `text[]` | element assignment is checked at run time |
//! | `t.col%TYPE` in a signature | `record` | libpg_query cannot look the column up |
//! | `VARIADIC p type[]` | `p text[]` | libpg_query cannot resolve a variadic element type |
//!
//! Compile errors that remain after the rewrite are the ones PostgreSQL also raises at
//! `CREATE FUNCTION` (with `check_function_bodies = on`): syntax, unknown variables, misuse of
//! `RETURN`, loop variables — none of them depends on the catalog.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    CreateFunctionStmt, FunctionParameterMode, Node, ScanToken, Token, TypeName,
};

/// Schemas libpg_query's fake catalog can look names up in.
const CATALOG_FREE_SCHEMAS: &[&str] = &["pg_catalog", "public"];

/// `stmt` (a PL/pgSQL `CREATE FUNCTION` whose body is `body`) with its signature and body
/// rewritten; `None` when it cannot be rendered back to SQL.
pub fn neutral_function(stmt: &CreateFunctionStmt, body: &str) -> Option<String> {
    let mut stmt = stmt.clone();
    for parameter in &mut stmt.parameters {
        if let Some(NodeEnum::FunctionParameter(p)) = parameter.node.as_mut() {
            if p.mode == FunctionParameterMode::FuncParamVariadic as i32 {
                p.mode = FunctionParameterMode::FuncParamIn as i32;
            }
            if let Some(t) = p.arg_type.as_mut() {
                neutral_type(t);
            }
        }
    }
    if let Some(t) = stmt.return_type.as_mut() {
        neutral_type(t);
    }
    let neutral = neutral_body(body);
    for option in &mut stmt.options {
        if let Some(NodeEnum::DefElem(d)) = option.node.as_mut()
            && d.defname == "as"
        {
            d.arg = Some(Box::new(string_list(&neutral)));
        }
    }
    stmt.sql_body = None;
    NodeEnum::CreateFunctionStmt(Box::new(stmt))
        .deparse(Default::default())
        .ok()
}

/// A body whose `DECLARE` sections' types are rewritten; same length in lines as `body`.
pub fn neutral_body(body: &str) -> String {
    let tokens = super::code_tokens(body);
    let mut edits = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if kind(&tokens[i]) == Some(Token::Declare) {
            i = declarations(body, &tokens, i + 1, &mut edits);
        } else {
            i += 1;
        }
    }
    let mut out = body.to_string();
    for (range, replacement) in edits.into_iter().rev() {
        let newlines = "\n".repeat(body[range.clone()].matches('\n').count());
        out.replace_range(range, &format!("{replacement}{newlines}"));
    }
    out
}

/// Rewrites the declarations from token `start` up to the section's `BEGIN`; returns the index
/// of that `BEGIN`.
fn declarations(
    body: &str,
    tokens: &[ScanToken],
    start: usize,
    edits: &mut Vec<(std::ops::Range<usize>, &'static str)>,
) -> usize {
    let mut i = start;
    while i < tokens.len() && kind(&tokens[i]) != Some(Token::BeginP) {
        let end = declaration_end(tokens, i);
        if let Some(edit) = declaration_edit(body, &tokens[i..end]) {
            edits.push(edit);
        }
        i = end + 1;
    }
    i
}

/// Index of the `;` ending the declaration that starts at `start` (or of the section's `BEGIN`).
fn declaration_end(tokens: &[ScanToken], start: usize) -> usize {
    let mut depth = 0i32;
    for (offset, token) in tokens[start..].iter().enumerate() {
        match kind(token) {
            Some(Token::Ascii40 | Token::Ascii91) => depth += 1,
            Some(Token::Ascii41 | Token::Ascii93) => depth -= 1,
            Some(Token::Ascii59) if depth <= 0 => return start + offset,
            Some(Token::BeginP) if depth <= 0 => return start + offset,
            _ => {}
        }
    }
    tokens.len()
}

/// The rewrite of one `name [CONSTANT] type [COLLATE …] [NOT NULL] [:= …]` declaration, if its
/// type needs one. Cursor and alias declarations are left alone.
fn declaration_edit(
    body: &str,
    decl: &[ScanToken],
) -> Option<(std::ops::Range<usize>, &'static str)> {
    let text = |t: &ScanToken| &body[t.start as usize..t.end as usize];
    let mut j = 1;
    if decl
        .get(j)
        .is_some_and(|t| text(t).eq_ignore_ascii_case("constant"))
    {
        j += 1;
    }
    let first = decl.get(j)?;
    let word = text(first).to_ascii_lowercase();
    if matches!(word.as_str(), "alias" | "cursor" | "scroll" | "no") {
        return None;
    }
    let type_end = decl[j..]
        .iter()
        .position(|t| {
            matches!(
                kind(t),
                Some(
                    Token::Collate
                        | Token::Not
                        | Token::Default
                        | Token::ColonEquals
                        | Token::Ascii61
                )
            )
        })
        .map_or(decl.len(), |p| j + p);
    let type_tokens = &decl[j..type_end];
    let last = type_tokens.last()?;
    let whole = first.start as usize..last.end as usize;
    let percent = type_tokens
        .iter()
        .position(|t| kind(t) == Some(Token::Ascii37));
    if let Some(p) = percent {
        let rowtype = type_tokens
            .get(p + 1)
            .is_some_and(|t| text(t).eq_ignore_ascii_case("rowtype"));
        return rowtype.then_some((whole, "record"));
    }
    if type_tokens
        .iter()
        .any(|t| matches!(kind(t), Some(Token::Ascii91 | Token::Array)))
    {
        return Some((whole, "text[]"));
    }
    let qualified = type_tokens.len() >= 3 && kind(&type_tokens[1]) == Some(Token::Ascii46);
    let plain_name = type_tokens
        .get(3)
        .is_none_or(|t| kind(t) == Some(Token::Ascii40));
    if qualified && plain_name && !CATALOG_FREE_SCHEMAS.contains(&identifier(text(first)).as_str())
    {
        return Some((first.start as usize..type_tokens[2].start as usize, ""));
    }
    None
}

/// Rewrites a signature type in place (see the module table).
fn neutral_type(t: &mut TypeName) {
    if t.pct_type {
        t.pct_type = false;
        t.names = vec![string_node("record")];
        t.typmods.clear();
        t.array_bounds.clear();
    } else if !t.array_bounds.is_empty() {
        t.names = vec![string_node("text")];
        t.typmods.clear();
    } else if let [.., schema, name] = t.names.as_slice()
        && let Some(NodeEnum::String(s)) = schema.node.as_ref()
        && !CATALOG_FREE_SCHEMAS.contains(&s.sval.as_str())
    {
        t.names = vec![name.clone()];
    }
}

/// An identifier as PostgreSQL folds it: quoted names verbatim, others lowercased.
fn identifier(raw: &str) -> String {
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => raw.to_ascii_lowercase(),
    }
}

fn kind(token: &ScanToken) -> Option<Token> {
    Token::try_from(token.token).ok()
}

fn string_node(value: &str) -> Node {
    Node {
        node: Some(NodeEnum::String(pg_query::protobuf::String {
            sval: value.to_string(),
        })),
    }
}

fn string_list(value: &str) -> Node {
    Node {
        node: Some(NodeEnum::List(pg_query::protobuf::List {
            items: vec![string_node(value)],
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_plpgsql;

    fn function(sql: &str) -> (CreateFunctionStmt, String) {
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0].stmt.as_ref().unwrap().node.clone();
        let Some(NodeEnum::CreateFunctionStmt(stmt)) = node else {
            panic!("not a function")
        };
        let body = stmt
            .options
            .iter()
            .find_map(|o| match o.node.as_ref() {
                Some(NodeEnum::DefElem(d)) if d.defname == "as" => {
                    match d.arg.as_ref()?.node.as_ref()? {
                        NodeEnum::List(l) => match l.items.first()?.node.as_ref()? {
                            NodeEnum::String(s) => Some(s.sval.clone()),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            })
            .unwrap();
        (*stmt, body)
    }

    /// The rewritten function compiles although the original does not.
    fn compiles_only_when_neutral(sql: &str) {
        assert!(parse_plpgsql(sql).is_err(), "already compiles: {sql}");
        let (stmt, body) = function(sql);
        let neutral = neutral_function(&stmt, &body).unwrap();
        assert!(parse_plpgsql(&neutral).is_ok(), "{neutral}");
    }

    #[test]
    fn types_from_other_schemas_arrays_and_rowtypes_compile() {
        for sql in [
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE r billing.invoice; BEGIN r.total := 0; END $$",
            "CREATE FUNCTION f(x billing.invoice[], y public.item[]) RETURNS billing.invoice LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
            "CREATE FUNCTION f() RETURNS SETOF billing.invoice LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY SELECT * FROM billing.invoice; END $$",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE r public.t%ROWTYPE; BEGIN r.total := 0; END $$",
            "CREATE FUNCTION f(v t.col%TYPE) RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE a app.tag[] := '{}'; e extensions.vector(3); BEGIN a[1] := NULL; END $$",
            "CREATE FUNCTION f(VARIADIC tags app.tag[]) RETURNS app.tag[] LANGUAGE plpgsql AS $$ BEGIN RETURN tags; END $$",
        ] {
            compiles_only_when_neutral(sql);
        }
    }

    #[test]
    fn real_errors_survive_the_rewrite() {
        for sql in [
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE r billing.invoice; BEGIN undeclared := 0; END $$",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ DECLARE n int; BEGIN n := (SELECT 1; END $$",
        ] {
            let (stmt, body) = function(sql);
            let neutral = neutral_function(&stmt, &body).unwrap();
            assert!(parse_plpgsql(&neutral).is_err(), "{neutral}");
        }
    }

    #[test]
    fn the_body_keeps_its_lines_and_leaves_cursors_alone() {
        let body = "\nDECLARE\n  r billing.\n    invoice;\n  c CURSOR FOR SELECT billing.x();\n  k CONSTANT int := 1;\nBEGIN\nEND";
        let neutral = neutral_body(body);
        assert_eq!(neutral.lines().count(), body.lines().count(), "{neutral}");
        assert!(!neutral.contains("billing.\n"), "{neutral}");
        assert!(neutral.contains("invoice;"), "{neutral}");
        assert!(neutral.contains("SELECT billing.x()"), "{neutral}");
    }
}
