//! `transaction-control` — `BEGIN`/`COMMIT`/`ROLLBACK`/`SAVEPOINT` inside a migration (top level
//! or in a `DO` block).
//!
//! Why: eventos runs each file in one transaction and records it in the history table in that
//! transaction; a `COMMIT` in the file breaks atomicity and the bookkeeping.
//! Fix: delete the statement; use `-- eventos:no-transaction` for files that must not be wrapped.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "transaction-control",
    severity: Severity::Error,
    summary: "BEGIN/COMMIT/ROLLBACK/SAVEPOINT inside a migration",
    help: "remove it: eventos wraps each file in a transaction (or none, with -- eventos:no-transaction)",
    doc: include_str!("../../../docs/rules/transaction-control.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if ctx.unit.kind.runs_now() && matches!(ctx.unit.node, NodeEnum::TransactionStmt(_)) {
        out.push(ctx.diagnostic(rule, "transaction control inside a migration file"));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

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
}
