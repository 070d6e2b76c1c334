//! `require-timeout` (warning) — the first statement of a file that takes a blocking lock on a
//! live table (`SHARE UPDATE EXCLUSIVE` or stronger) without `SET lock_timeout` before it — and,
//! for locks that block writes, without `SET statement_timeout`. Only for runner profiles whose
//! tool sets neither (Supabase CLI, golang-migrate, sqlx, diesel, Flyway): eventos's own runner
//! sets both for every file (`[migrate]` in `eventos.toml`). squawk: `require-timeout-settings`.
//!
//! Why: a DDL statement waiting for a lock (behind one long query) makes every later query on
//! the table wait behind it: without `lock_timeout` a migration can stall production for as
//! long as the slowest transaction runs.
//! Fix: `SET lock_timeout = '5s';` (and `SET statement_timeout = '…';`) at the top of the file,
//! and retry a migration that times out.

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{blocking_lock, in_released_file};
use crate::lint::locks::LockMode;
use crate::lint::runner::Runner;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-timeout",
    severity: Severity::Warning,
    summary: "blocking DDL without SET lock_timeout / statement_timeout (runners that set neither)",
    help: "start the file with SET lock_timeout = '5s'; (and SET statement_timeout), and retry on timeout",
    doc: include_str!("../../../docs/rules/require-timeout.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if matches!(ctx.plan.runner, Runner::Eventos | Runner::None)
        || !ctx.unit.kind.runs_now()
        || ctx.symbols.changes.session.blocked_before
        || in_released_file(ctx)
    {
        return;
    }
    let Some(lock) = blocking_lock(ctx.symbols, ctx.file_index, &ctx.unit.node) else {
        return;
    };
    let session = ctx.symbols.changes.session;
    let mut missing = Vec::new();
    if !session.lock_timeout {
        missing.push("lock_timeout");
    }
    if lock.mode >= LockMode::Share && !session.statement_timeout {
        missing.push("statement_timeout");
    }
    if missing.is_empty() {
        return;
    }
    out.push(ctx.diagnostic(
        rule,
        format!(
            "{} takes {} on {} with no {} set: while it waits, every query on the table queues behind it ({} sets none)",
            lock.because.join(", "),
            lock.mode.name(),
            display(&lock.relation),
            missing.join(" or "),
            ctx.plan.runner.id()
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::lint::runner::Runner;
    use crate::lint::tests::lines_with;

    const RULE: &str = "require-timeout";

    #[test]
    fn the_first_blocking_statement_without_timeouts_is_found() {
        let sql = "CREATE TABLE IF NOT EXISTS app.new_t (a int);\nALTER TABLE app.new_t ADD COLUMN b int;\nALTER TABLE app.t ADD COLUMN b int;\nALTER TABLE app.t ADD COLUMN c int;";
        assert_eq!(lines_with(Runner::Supabase, sql, RULE), [3]);
        assert_eq!(lines_with(Runner::GolangMigrate, sql, RULE), [3]);
        assert!(lines_with(Runner::Eventos, sql, RULE).is_empty());
        assert!(lines_with(Runner::None, sql, RULE).is_empty());
    }

    #[test]
    fn timeouts_set_first_are_fine() {
        let sql = "SET lock_timeout = '5s';\nSET statement_timeout = '1min';\nALTER TABLE app.t ADD COLUMN b int;";
        assert!(lines_with(Runner::Supabase, sql, RULE).is_empty());
        let concurrent = "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY i ON app.t (a);";
        assert!(lines_with(Runner::Supabase, concurrent, RULE).is_empty());
    }

    #[test]
    fn the_message_names_what_is_missing() {
        let files = [(
            "20240101000000_add.sql",
            "SET lock_timeout = '5s';\nALTER TABLE app.t ADD COLUMN b int;",
        )];
        let options = crate::lint::LintOptions {
            runner: Runner::Supabase,
            ..Default::default()
        };
        insta::assert_snapshot!(crate::lint::tests::render_rule_with(&options, &files, RULE));
    }
}
