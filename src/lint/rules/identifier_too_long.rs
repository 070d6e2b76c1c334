//! `identifier-too-long` (warning) — a name the migration gives an object (table, column,
//! constraint, index, view, function, trigger, policy, schema, type, sequence) longer than 63
//! bytes. squawk: `identifier-too-long`.
//!
//! Why: PostgreSQL truncates identifiers to 63 bytes (`NAMEDATALEN - 1`) with only a NOTICE: the
//! object gets another name than the one written, two long names sharing their first 63 bytes
//! collide, and tools comparing names (ORMs, `supabase gen types`, diff tools) disagree.
//! Fix: a shorter name.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::string_list;
use crate::lint::{Diagnostic, Severity};

/// PostgreSQL's `NAMEDATALEN - 1`.
const MAX_IDENTIFIER_BYTES: usize = 63;

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "identifier-too-long",
    severity: Severity::Warning,
    summary: "a new name longer than 63 bytes (PostgreSQL truncates it)",
    help: "use a name of at most 63 bytes",
    doc: include_str!("../../../docs/rules/identifier-too-long.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !judged(ctx) {
        return;
    }
    let names = defined_names(&ctx.unit.node);
    // A truncated name is the first 63 bytes cut at a character boundary: at least 60 bytes.
    // Without such a name the statement has no long identifier to find (and no token scan).
    if !names.iter().any(|n| n.len() > MAX_IDENTIFIER_BYTES - 4) {
        return;
    }
    // PostgreSQL's scanner truncates identifiers before the parser sees them, so the parse
    // tree holds the kept name: the written one is among the statement's tokens.
    let text = &ctx.file.text[ctx.unit.span.clone()];
    for written in long_identifiers(text) {
        let kept = truncate(&written);
        if names.contains(&kept) {
            out.push(ctx.diagnostic(
                rule,
                format!(
                    "identifier \"{written}\" is {} bytes: PostgreSQL names the object \"{kept}\"",
                    written.len()
                ),
            ));
        }
    }
}

/// Identifiers in `text` longer than 63 bytes, as written (quoted ones unquoted, unquoted ones
/// folded to lower case), in order.
fn long_identifiers(text: &str) -> Vec<String> {
    crate::sql::code_tokens(text)
        .iter()
        .filter(|t| t.token == pg_query::protobuf::Token::Ident as i32)
        .filter_map(|t| text.get(t.start as usize..t.end as usize))
        .map(
            |raw| match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                Some(quoted) => quoted.replace("\"\"", "\""),
                None => raw.to_lowercase(),
            },
        )
        .filter(|name| name.len() > MAX_IDENTIFIER_BYTES)
        .collect()
}

/// The first 63 bytes of `name`, cut at a character boundary (as PostgreSQL's `pg_mbcliplen`).
fn truncate(name: &str) -> String {
    let mut end = MAX_IDENTIFIER_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

/// The names a statement gives new objects.
fn defined_names(node: &NodeEnum) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |n: &str| {
        if !n.is_empty() {
            names.push(n.to_string());
        }
    };
    match node {
        NodeEnum::CreateStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                push(&rel.relname);
            }
            for element in &stmt.table_elts {
                match element.node.as_ref() {
                    Some(NodeEnum::ColumnDef(c)) => {
                        push(&c.colname);
                        for constraint in &c.constraints {
                            if let Some(NodeEnum::Constraint(k)) = constraint.node.as_ref() {
                                push(&k.conname);
                            }
                        }
                    }
                    Some(NodeEnum::Constraint(k)) => push(&k.conname),
                    _ => {}
                }
            }
        }
        NodeEnum::AlterTableStmt(stmt) => {
            for cmd in &stmt.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    continue;
                };
                match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
                    Some(NodeEnum::ColumnDef(c)) if !c.colname.is_empty() => push(&c.colname),
                    Some(NodeEnum::Constraint(k)) => push(&k.conname),
                    _ => {}
                }
            }
        }
        NodeEnum::IndexStmt(stmt) => push(&stmt.idxname),
        NodeEnum::ViewStmt(stmt) => {
            if let Some(view) = &stmt.view {
                push(&view.relname);
            }
        }
        NodeEnum::CreateTableAsStmt(stmt) => {
            if let Some(rel) = stmt.into.as_ref().and_then(|i| i.rel.as_ref()) {
                push(&rel.relname);
            }
        }
        NodeEnum::CreateFunctionStmt(stmt) => {
            if let Some(name) = string_list(&stmt.funcname).last() {
                push(name);
            }
        }
        NodeEnum::CreateTrigStmt(stmt) => push(&stmt.trigname),
        NodeEnum::CreatePolicyStmt(stmt) => push(&stmt.policy_name),
        NodeEnum::CreateSchemaStmt(stmt) => push(&stmt.schemaname),
        NodeEnum::CreateSeqStmt(stmt) => {
            if let Some(seq) = &stmt.sequence {
                push(&seq.relname);
            }
        }
        NodeEnum::CreateEnumStmt(stmt) => {
            if let Some(name) = string_list(&stmt.type_name).last() {
                push(name);
            }
        }
        NodeEnum::CreateDomainStmt(stmt) => {
            if let Some(name) = string_list(&stmt.domainname).last() {
                push(name);
            }
        }
        NodeEnum::RenameStmt(stmt) => push(&stmt.newname),
        _ => {}
    }
    names
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "identifier-too-long";

    #[test]
    fn long_new_names_are_found() {
        let long = "a".repeat(64);
        let sql = format!(
            "CREATE TABLE app.{long} (id int);\nCREATE TABLE app.t (\"{long}\" int, CONSTRAINT {long}_c CHECK (true));\nCREATE INDEX {long} ON app.t (id);\nALTER TABLE app.t RENAME TO {long};"
        );
        assert_eq!(lines(&sql, RULE), [1, 2, 2, 3, 4]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql.as_str())], RULE));
    }

    #[test]
    fn names_cut_inside_a_character_are_found() {
        // 60 bytes and a 4-byte character: PostgreSQL keeps the first 60 bytes.
        let name = format!("{}\u{1F600}", "c".repeat(60));
        let sql = format!(
            "CREATE TABLE app.\"{name}\" (id int);\nCREATE TABLE app.\"{name}x\" (id int);"
        );
        assert_eq!(lines(&sql, RULE), [1, 2]);
    }

    #[test]
    fn names_of_63_bytes_are_fine() {
        let name = "b".repeat(63);
        assert!(lines(&format!("CREATE TABLE app.{name} (id int);"), RULE).is_empty());
    }
}
