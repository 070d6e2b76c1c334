//! `prefer-robust-stmts` (warning) — in a file that runs statement by statement outside a
//! transaction (an eventos `-- eventos:no-transaction` file, a Supabase file with
//! `-- pg-delta: transaction=false`, a Flyway non-transactional file…) and has several
//! statements, a statement that fails when run twice: `CREATE TABLE|INDEX|SCHEMA|SEQUENCE|
//! EXTENSION` without `IF NOT EXISTS`, `DROP …`, `DROP COLUMN`, `DROP CONSTRAINT` without
//! `IF EXISTS`, `ADD COLUMN` without `IF NOT EXISTS`. squawk: `prefer-robust-stmts`.
//!
//! Why: when such a file fails halfway, the statements before the failure stay applied; the
//! rerun then fails on the first of them instead of completing the file.
//! Fix: write each statement so a rerun skips what is done (`IF NOT EXISTS`, `IF EXISTS`).
//! Note that `CREATE INDEX CONCURRENTLY IF NOT EXISTS` skips an INVALID index a failed build
//! left behind (eventos's runner drops those before the rerun).

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::live::judged;
use crate::lint::locks::alter_cmds;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{TxState, UnitContext, UnitKind};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "prefer-robust-stmts",
    severity: Severity::Warning,
    summary: "statement that fails on rerun, in a file run outside a transaction",
    help: "add IF NOT EXISTS / IF EXISTS so a rerun after a partial failure completes the file",
    doc: include_str!("../../../docs/rules/prefer-robust-stmts.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if ctx.unit.kind != UnitKind::TopLevel
        || ctx.transaction != TxState::Autocommit
        || ctx.plan.states.len() < 2
        || !judged(ctx)
    {
        return;
    }
    if let Some(what) = fragile(&ctx.unit.node) {
        out.push(ctx.diagnostic(
            rule,
            format!(
                "{what} fails when the file is rerun after a partial failure (this file runs outside a transaction)"
            ),
        ));
    }
}

/// What makes the statement fail on a second run, if anything.
fn fragile(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::CreateStmt(s) if !s.if_not_exists => Some("CREATE TABLE without IF NOT EXISTS"),
        NodeEnum::IndexStmt(s) if !s.if_not_exists => Some("CREATE INDEX without IF NOT EXISTS"),
        NodeEnum::CreateSchemaStmt(s) if !s.if_not_exists => {
            Some("CREATE SCHEMA without IF NOT EXISTS")
        }
        NodeEnum::CreateSeqStmt(s) if !s.if_not_exists => {
            Some("CREATE SEQUENCE without IF NOT EXISTS")
        }
        NodeEnum::CreateExtensionStmt(s) if !s.if_not_exists => {
            Some("CREATE EXTENSION without IF NOT EXISTS")
        }
        NodeEnum::DropStmt(s) if !s.missing_ok => Some("DROP without IF EXISTS"),
        NodeEnum::AlterTableStmt(s) => {
            alter_cmds(s).find_map(|cmd| match AlterTableType::try_from(cmd.subtype) {
                Ok(AlterTableType::AtAddColumn) if !cmd.missing_ok => {
                    Some("ADD COLUMN without IF NOT EXISTS")
                }
                Ok(AlterTableType::AtDropColumn) if !cmd.missing_ok => {
                    Some("DROP COLUMN without IF EXISTS")
                }
                Ok(AlterTableType::AtDropConstraint) if !cmd.missing_ok => {
                    Some("DROP CONSTRAINT without IF EXISTS")
                }
                _ => None,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "prefer-robust-stmts";

    #[test]
    fn fragile_statements_in_no_transaction_files_are_found() {
        let sql = "-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY i ON app.t (a);\nDROP INDEX CONCURRENTLY app.j;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS k ON app.t (b);";
        assert_eq!(lines(sql, RULE), [2, 3]);
        insta::assert_snapshot!(render_rule(&[("V1__i.sql", sql)], RULE));
    }

    #[test]
    fn transactional_files_and_single_statements_are_fine() {
        assert!(
            lines(
                "CREATE TABLE app.t (a int);\nCREATE INDEX i ON app.t (a);",
                RULE
            )
            .is_empty()
        );
        assert!(
            lines(
                "-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY i ON app.t (a);",
                RULE
            )
            .is_empty()
        );
    }
}
