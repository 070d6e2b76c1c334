//! `validate-in-same-transaction` (error) — `VALIDATE CONSTRAINT` in the transaction that added
//! the constraint `NOT VALID`, on a live table. With eventos (and most runners) a file is one
//! transaction, so this is "in the same file". squawk: `constraint-missing-not-valid`.
//!
//! Why: locks are held until the transaction ends. The `ADD … NOT VALID` took `ACCESS EXCLUSIVE`
//! (`SHARE ROW EXCLUSIVE` for a foreign key), so `VALIDATE`'s full scan runs while reads and
//! writes (writes, for a foreign key) wait — exactly what `NOT VALID` was meant to avoid.
//! Fix: move the `VALIDATE CONSTRAINT` to a later migration file (its own transaction).

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::live::lock_finding;
use crate::lint::locks::alter_cmds;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{TxState, UnitContext};
use crate::sql::LineIndex;

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "validate-in-same-transaction",
    severity: Severity::Error,
    summary: "VALIDATE CONSTRAINT in the transaction that added it NOT VALID, on a live table",
    help: "move VALIDATE CONSTRAINT to a later migration file, so it runs in its own transaction",
    doc: include_str!("../../../docs/rules/validate-in-same-transaction.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::AlterTableStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let in_transaction = matches!(ctx.transaction, TxState::InTransaction(_));
    let (Some(rel), true, true) = (&stmt.relation, ctx.unit.kind.runs_now(), in_transaction) else {
        return;
    };
    let table = ctx.symbols.relation(rel);
    let Some(facts) = ctx.symbols.table_facts(&table) else {
        return;
    };
    let now = ctx.symbols.transaction(ctx.file_index);
    for cmd in alter_cmds(stmt) {
        if cmd.subtype != AlterTableType::AtValidateConstraint as i32 {
            continue;
        }
        let Some(fact) = facts.constraints.get(cmd.name.as_str()) else {
            continue;
        };
        let Some((added_in, offset)) = fact.not_valid_in else {
            continue;
        };
        if added_in != now {
            continue;
        }
        let (line, _) = LineIndex::new(&ctx.file.text).line_col(offset);
        let lock = if fact.foreign_key {
            "SHARE ROW EXCLUSIVE lock (writes wait)"
        } else {
            "ACCESS EXCLUSIVE lock (every read and write waits)"
        };
        let message = format!(
            "VALIDATE CONSTRAINT {} runs in the transaction that added it NOT VALID (line {line}): its scan of {} runs under that statement's {lock}",
            cmd.name,
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, None, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::runner::Runner;
    use crate::lint::tests::{findings_in, lines_with, render_rule};

    const RULE: &str = "validate-in-same-transaction";

    #[test]
    fn validate_in_the_adding_file_is_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.p (id int PRIMARY KEY);\nCREATE TABLE app.t (a int, p int);",
            ),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID;\n\
                 ALTER TABLE app.t ADD CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES app.p NOT VALID;\n\
                 ALTER TABLE app.t VALIDATE CONSTRAINT a_positive;\n\
                 ALTER TABLE app.t VALIDATE CONSTRAINT t_p_fkey;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__c.sql:3", "V2__c.sql:4"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn separate_transactions_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID;",
            ),
            (
                "V3__v.sql",
                "ALTER TABLE app.t VALIDATE CONSTRAINT a_positive;\n\
                 CREATE TABLE app.u (a int);\n\
                 ALTER TABLE app.u ADD CONSTRAINT u_a CHECK (a > 0) NOT VALID;\n\
                 ALTER TABLE app.u VALIDATE CONSTRAINT u_a;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn a_commit_between_separates_them_where_the_runner_allows_it() {
        let sql = "BEGIN;\nALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\nCOMMIT;\n\
                   ALTER TABLE t VALIDATE CONSTRAINT c;\n\
                   BEGIN;\nALTER TABLE t ADD CONSTRAINT d CHECK (a > 1) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT d;\nCOMMIT;";
        assert_eq!(lines_with(Runner::Supabase, sql, RULE), [7]);
        assert_eq!(
            lines_with(
                Runner::Eventos,
                &sql.replace("COMMIT;", "").replace("BEGIN;", ""),
                RULE
            ),
            [4, 7]
        );
    }
}
