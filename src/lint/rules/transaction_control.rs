//! `transaction-control` — `BEGIN`/`COMMIT`/`ROLLBACK`/`SAVEPOINT` where the runner cannot take
//! it (see [`crate::lint::runner`] for each profile):
//!
//! - at the top level of a file the runner wraps in its own transaction (eventos, sqlx,
//!   diesel, Flyway by default; eventos also in its `no-transaction` files);
//! - a `BEGIN` the file never commits, where the runner does not wrap the file
//!   (golang-migrate, the Supabase CLI with authored transactions, …);
//! - `COMMIT`/`ROLLBACK` inside a `DO` block whose statement runs inside a transaction block
//!   (legal, PostgreSQL 11+, when the `DO` runs alone in autocommit, e.g. in a
//!   `-- eventos:no-transaction` file);
//! - `COMMIT`/`ROLLBACK` inside a function (only procedures may end transactions).
//!
//! Each finding sits at the offending statement itself, once.
//!
//! Why: a `COMMIT` inside the runner's transaction ends it early: the statements before it land
//! even if a later one fails, and the runner's bookkeeping is no longer atomic with the file.
//! Inside a transaction block, a `DO` block or function cannot end it (`invalid transaction
//! termination`): the deploy fails.
//! Fix: delete the statement and let the runner handle transactions, or run the file outside a
//! transaction the way the runner allows.

use pg_query::NodeEnum;
use pg_query::protobuf::TransactionStmtKind;

use super::Rule;
use crate::lint::runner::Runner;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{TxState, UnitContext, UnitKind};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "transaction-control",
    severity: Severity::Error,
    summary: "BEGIN/COMMIT/ROLLBACK/SAVEPOINT where the runner cannot take it",
    help: "remove it: eventos wraps each file in a transaction (or none, with -- eventos:no-transaction)",
    doc: include_str!("../../../docs/rules/transaction-control.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::TransactionStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let ends = matches!(
        TransactionStmtKind::try_from(stmt.kind),
        Ok(TransactionStmtKind::TransStmtCommit | TransactionStmtKind::TransStmtRollback)
    );
    let runner = ctx.plan.runner;
    let finding = match ctx.unit.kind {
        UnitKind::TopLevel if runner == Runner::Eventos || ctx.plan.wrapped => Some((
            match runner {
                Runner::Eventos => "transaction control inside a migration file".to_string(),
                _ => format!(
                    "transaction control inside a migration file: {}",
                    crate::lint::runner::Cause::RunnerWraps(runner).describe()
                ),
            },
            wrapped_help(runner),
        )),
        UnitKind::TopLevel if ctx.plan.unclosed_begin == Some(ctx.statement_index) => Some((
            "this transaction is never committed: the file ends inside it".to_string(),
            "end the file's transaction with COMMIT".to_string(),
        )),
        UnitKind::DoBlock if ends => match ctx.transaction {
            TxState::InTransaction(cause) => Some((
                format!(
                    "COMMIT/ROLLBACK inside a DO block fails when the DO runs in a transaction block ({})",
                    cause.describe()
                ),
                format!(
                    "a DO block may end transactions only when it runs alone in autocommit: {}",
                    runner.opt_out()
                ),
            )),
            TxState::Autocommit | TxState::Unknown => None,
        },
        UnitKind::FunctionBody if ends => Some((
            "a function cannot COMMIT or ROLLBACK: it fails with invalid transaction termination when called".to_string(),
            "make it a procedure (CREATE PROCEDURE … ; CALL it outside a transaction block)".to_string(),
        )),
        _ => None,
    };
    if let Some((message, help)) = finding {
        let mut diagnostic = ctx.diagnostic(rule, message);
        diagnostic.help = Some(help.into());
        out.push(diagnostic);
    }
}

/// How to fix transaction control in a file the runner wraps.
fn wrapped_help(runner: Runner) -> String {
    match runner {
        Runner::Eventos => RULE.help.to_string(),
        other => format!(
            "remove it and let {} commit the file; if it must run outside a transaction: {}",
            other.id(),
            other.opt_out()
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::runner::Runner;
    use crate::lint::tests::{lines, lines_with};

    #[test]
    fn transaction_statements_are_found() {
        let sql = "BEGIN;\nCREATE TABLE t (a int);\nsavepoint s;\nCOMMIT;\nDO $$ BEGIN COMMIT; END $$;\nstart transaction;";
        assert_eq!(lines(sql, "transaction-control"), vec![1, 3, 4, 5, 6]);
    }

    #[test]
    fn plpgsql_blocks_and_procedures_are_fine() {
        let sql = "DO $$ BEGIN PERFORM 1; END $$;\n-- COMMIT;\nSELECT 'BEGIN';\n\
                   CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;";
        assert!(lines(sql, "transaction-control").is_empty());
    }

    #[test]
    fn commit_in_a_do_block_is_legal_outside_a_transaction_and_found_at_its_line_inside() {
        let body = "DO $$\nBEGIN\n  INSERT INTO t VALUES (1);\n  COMMIT;\n  INSERT INTO t VALUES (2);\n  ROLLBACK;\nEND $$;";
        let no_tx = format!("-- eventos:no-transaction\n{body}");
        assert!(lines(&no_tx, "transaction-control").is_empty());
        assert_eq!(lines(body, "transaction-control"), vec![4, 6]);
    }

    #[test]
    fn a_function_cannot_commit() {
        let sql =
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  COMMIT;\nEND $$;";
        assert_eq!(lines(sql, "transaction-control"), vec![3]);
    }

    #[test]
    fn golang_migrate_files_own_their_transactions() {
        let sql = "BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\nBEGIN;\nCREATE TABLE u (a int);";
        assert_eq!(
            lines_with(Runner::GolangMigrate, sql, "transaction-control"),
            vec![4]
        );
        assert_eq!(
            lines_with(Runner::Sqlx, sql, "transaction-control"),
            vec![1, 3, 4]
        );
        assert!(lines_with(Runner::None, sql, "transaction-control").is_empty());
    }
}
