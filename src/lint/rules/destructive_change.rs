//! `destructive-change` (warning) — `DROP TABLE`, `DROP SCHEMA`, `DROP COLUMN`, `TRUNCATE` or any
//! `… CASCADE` drop in a forward migration. Rollback scripts (a `rollback/` folder) are exempt.
//!
//! Why: data is gone once the file runs; `CASCADE` silently takes dependent objects with it.
//! Fix: make the change additive (deprecate, then drop in a later release after a backup), or
//! suppress with `-- eventos:ignore destructive-change -- <reason>` when it is intended.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, DropBehavior, ObjectType};

use super::Rule;
use crate::lint::{UnitContext, UnitKind};
use crate::report::{Diagnostic, Severity};

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
    if let Some(what) = destruction(&ctx.unit.node) {
        out.push(ctx.diagnostic(rule, format!("{what} destroys data in a forward migration")));
    }
}

/// Names what a statement destroys, if anything.
fn destruction(node: &NodeEnum) -> Option<&'static str> {
    let cascade = DropBehavior::DropCascade as i32;
    match node {
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectTable as i32 => {
            Some("DROP TABLE")
        }
        NodeEnum::DropStmt(s) if s.remove_type == ObjectType::ObjectSchema as i32 => {
            Some("DROP SCHEMA")
        }
        NodeEnum::DropStmt(s) if s.behavior == cascade => Some("DROP … CASCADE"),
        NodeEnum::TruncateStmt(_) => Some("TRUNCATE"),
        NodeEnum::AlterTableStmt(s) => s.cmds.iter().find_map(|c| match c.node.as_ref() {
            Some(NodeEnum::AlterTableCmd(cmd))
                if cmd.subtype == AlterTableType::AtDropColumn as i32 =>
            {
                Some("DROP COLUMN")
            }
            Some(NodeEnum::AlterTableCmd(cmd)) if cmd.behavior == cascade => Some("… CASCADE"),
            _ => None,
        }),
        _ => None,
    }
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
