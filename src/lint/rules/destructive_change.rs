//! `destructive-change` (warning) — `DROP TABLE`, `DROP SCHEMA`, `DROP COLUMN`, `TRUNCATE` or any
//! `… CASCADE` drop in a forward migration. Rollback scripts (a `rollback/` folder) are exempt,
//! and so are temporary tables (session-local scratch data). A `CASCADE` that drops only
//! dependent objects (a constraint's dependent foreign keys, a function's triggers) is reported
//! for what it drops, not as data loss.
//!
//! Why: data is gone once the file runs; `CASCADE` silently takes dependent objects with it.
//! Fix: make the change additive (deprecate, then drop in a later release after a backup), or
//! suppress with `-- eventos:ignore destructive-change -- <reason>` when it is intended.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, DropBehavior, ObjectType};

use super::Rule;
use crate::lint::symbols::{range_of, string_list};
use crate::lint::{Diagnostic, Severity};
use crate::lint::{Symbols, UnitContext, UnitKind};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "destructive-change",
    severity: Severity::Warning,
    summary: "DROP TABLE/SCHEMA/COLUMN, TRUNCATE or CASCADE in a forward migration",
    help: "prefer an additive change; if intended, add `-- eventos:ignore destructive-change -- <reason>`",
    doc: include_str!("../../../docs/rules/destructive-change.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if ctx.rollback || ctx.unit.kind != UnitKind::TopLevel {
        return;
    }
    if let Some(message) = destruction(&ctx.unit.node, ctx.symbols) {
        out.push(ctx.diagnostic(rule, message));
    }
}

/// What a statement destroys, if anything.
fn destruction(node: &NodeEnum, symbols: &Symbols) -> Option<String> {
    let cascade = DropBehavior::DropCascade as i32;
    let data = |what: &str| Some(format!("{what} destroys data in a forward migration"));
    match node {
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => {
            let permanent = s.objects.iter().any(|o| match o.node.as_ref() {
                Some(NodeEnum::List(list)) => !is_temporary(&list.items, symbols),
                _ => true,
            });
            if permanent { data("DROP TABLE") } else { None }
        }
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectSchema as i32 => {
            data("DROP SCHEMA")
        }
        NodeEnum::DropStmt(s) if s.behavior == cascade => Some(
            "DROP … CASCADE also drops every object that depends on it (for a type or domain, \
             the columns that use it)"
                .into(),
        ),
        NodeEnum::TruncateStmt(t) => {
            let permanent = t.relations.iter().any(|r| match r.node.as_ref() {
                Some(NodeEnum::RangeVar(r)) => !symbols.is_temporary(&symbols.relation(r)),
                _ => true,
            });
            if permanent { data("TRUNCATE") } else { None }
        }
        NodeEnum::AlterTableStmt(s) => {
            let temporary = s
                .relation
                .as_ref()
                .is_some_and(|r| symbols.is_temporary(&symbols.relation(r)));
            if temporary {
                return None;
            }
            s.cmds.iter().find_map(|c| match c.node.as_ref() {
                Some(NodeEnum::AlterTableCmd(cmd))
                    if cmd.subtype == AlterTableType::AtDropColumn as i32 =>
                {
                    data("DROP COLUMN")
                }
                Some(NodeEnum::AlterTableCmd(cmd))
                    if cmd.subtype == AlterTableType::AtDropConstraint as i32
                        && cmd.behavior == cascade =>
                {
                    Some(format!(
                        "DROP CONSTRAINT {} CASCADE also drops the constraints that depend on it \
                         (foreign keys referencing its key) without naming them",
                        cmd.name
                    ))
                }
                Some(NodeEnum::AlterTableCmd(cmd)) if cmd.behavior == cascade => {
                    Some("… CASCADE also drops every object that depends on it".into())
                }
                _ => None,
            })
        }
        _ => None,
    }
}

/// Whether a dropped table name designates a temporary table.
fn is_temporary(names: &[pg_query::protobuf::Node], symbols: &Symbols) -> bool {
    range_of(&string_list(names))
        .is_some_and(|range| symbols.is_temporary(&symbols.relation(&range)))
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, lines};

    #[test]
    fn destructive_statements_are_found() {
        let sql = "DROP TABLE IF EXISTS app.t;\ndrop schema old cascade;\nALTER TABLE t DROP COLUMN c;\nTRUNCATE t;\n\
                   DROP FUNCTION f() CASCADE;\nALTER TABLE t DROP CONSTRAINT k CASCADE;";
        assert_eq!(lines(sql, "destructive-change"), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn temporary_tables_are_scratch_data() {
        let sql = "CREATE TEMP TABLE staging (id int);\nTRUNCATE staging;\nALTER TABLE staging DROP COLUMN id;\n\
                   DROP TABLE staging;\nDROP TABLE IF EXISTS pg_temp.other;";
        assert!(lines(sql, "destructive-change").is_empty());
    }

    #[test]
    fn cascade_on_a_constraint_does_not_claim_data_loss() {
        let report = crate::lint::tests::lint_files(&[(
            "t.sql",
            "ALTER TABLE t DROP CONSTRAINT t_pkey CASCADE;",
        )]);
        let message = &report.diagnostics[0].message;
        assert!(
            message.contains("foreign keys") && !message.contains("destroys data"),
            "{message}"
        );
    }

    #[test]
    fn additive_statements_fk_cascade_and_rollbacks_are_fine() {
        let files = [
            (
                "V1.sql",
                "CREATE TABLE t (a int REFERENCES u ON DELETE CASCADE);\nDROP TRIGGER IF EXISTS x ON t;\nDROP POLICY p ON t;\nSELECT 'DROP TABLE t';",
            ),
            ("rollback/phase0.sql", "DROP TABLE t CASCADE;"),
        ];
        assert!(findings_in(&files, "destructive-change").is_empty());
    }
}
