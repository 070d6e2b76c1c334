//! `concurrently-in-transaction` — a command PostgreSQL refuses inside a transaction block
//! (`CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`, `REINDEX SCHEMA|SYSTEM|DATABASE`,
//! `DETACH PARTITION … CONCURRENTLY`, `VACUUM`, `CREATE|DROP DATABASE|TABLESPACE`, `DISCARD ALL`)
//! where the runner runs it in one: a file the runner wraps, a multi-statement file sent as one
//! query string (golang-migrate, sqlx and diesel without transaction), the file's own
//! `BEGIN … COMMIT`, a `DO` block or a function. Under Flyway, a file mixing such commands with
//! other statements, which Flyway refuses. See [`crate::lint::runner`] for each profile.
//!
//! Why: PostgreSQL refuses these commands inside a transaction block (and inside functions and
//! `DO` blocks), so the deploy fails.
//! Fix: move the statement to its own file the runner runs outside a transaction (for eventos:
//! a file whose first comment is `-- eventos:no-transaction`).

use super::Rule;
use crate::lint::runner::{Cause, Runner, non_transactional};
use crate::lint::{Diagnostic, Severity};
use crate::lint::{TxState, UnitContext, UnitKind};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    summary: "a command that cannot run in a transaction, where the runner runs one",
    help: "move it to its own file starting with `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/concurrently-in-transaction.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some(what) = non_transactional(&ctx.unit.node) else {
        return;
    };
    let runner = ctx.plan.runner;
    let finding = match ctx.unit.kind {
        UnitKind::TopLevel if ctx.plan.flyway_mixed.contains(&ctx.statement_index) => Some((
            format!(
                "Flyway refuses a migration that mixes {what} with transactional statements (unless mixed = true)"
            ),
            runner.opt_out().to_string(),
        )),
        UnitKind::TopLevel => match ctx.transaction {
            TxState::InTransaction(cause) => Some((
                format!(
                    "{what} cannot run inside a transaction block: {}",
                    cause.describe()
                ),
                help(runner, cause),
            )),
            TxState::Autocommit | TxState::Unknown => None,
        },
        UnitKind::DoBlock | UnitKind::FunctionBody | UnitKind::ProcedureBody => Some((
            format!("{what} cannot run inside a DO block, function or procedure"),
            help(runner, Cause::RunnerWraps(runner)),
        )),
    };
    if let Some((message, help)) = finding {
        let mut diagnostic = ctx.diagnostic(rule, message);
        diagnostic.help = Some(help.into());
        out.push(diagnostic);
    }
}

fn help(runner: Runner, cause: Cause) -> String {
    match (runner, cause) {
        (_, Cause::Explicit) => {
            "move it after the COMMIT, outside the file's BEGIN … COMMIT".into()
        }
        (Runner::Eventos, _) => RULE.help.into(),
        (runner, _) => runner.opt_out().into(),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::runner::Runner;
    use crate::lint::tests::{findings_in, lines, lines_with};

    #[test]
    fn every_non_transactional_command_is_found() {
        let sql = "create index concurrently i on t (a);\nDROP INDEX CONCURRENTLY app.i;\nREINDEX INDEX CONCURRENTLY i;\n\
                   ALTER TABLE m DETACH PARTITION m_1 CONCURRENTLY;\nVACUUM t;\n\
                   DO $$ BEGIN EXECUTE 'CREATE INDEX CONCURRENTLY j ON t (b)'; END $$;";
        assert_eq!(
            lines(sql, "concurrently-in-transaction"),
            vec![1, 2, 3, 4, 5, 6]
        );
    }

    #[test]
    fn no_transaction_files_and_plain_commands_are_fine() {
        let files = [
            (
                "a.sql",
                "-- build\n-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nVACUUM (ANALYZE) t;",
            ),
            (
                "b.sql",
                "CREATE INDEX i2 ON t (a); ANALYZE t; REINDEX INDEX i2;\n-- CREATE INDEX CONCURRENTLY x ON t (a)",
            ),
        ];
        assert!(findings_in(&files, "concurrently-in-transaction").is_empty());
    }

    #[test]
    fn each_runner_decides_where_concurrently_may_run() {
        let alone = "CREATE INDEX CONCURRENTLY i ON t (a);";
        let with_others = "CREATE TABLE u (a int);\nCREATE INDEX CONCURRENTLY i ON t (a);";
        let rule = "concurrently-in-transaction";
        assert!(lines_with(Runner::GolangMigrate, alone, rule).is_empty());
        assert_eq!(
            lines_with(Runner::GolangMigrate, with_others, rule),
            vec![2]
        );
        assert!(lines_with(Runner::Supabase, with_others, rule).is_empty());
        assert_eq!(lines_with(Runner::Flyway, with_others, rule), vec![2]);
        assert!(lines_with(Runner::Flyway, alone, rule).is_empty());
        assert_eq!(lines_with(Runner::Sqlx, alone, rule), vec![1]);
        assert!(lines_with(Runner::Sqlx, &format!("-- no-transaction\n{alone}"), rule).is_empty());
        assert!(lines_with(Runner::None, with_others, rule).is_empty());
        let explicit = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;";
        assert_eq!(lines_with(Runner::Supabase, explicit, rule), vec![2]);
    }
}
