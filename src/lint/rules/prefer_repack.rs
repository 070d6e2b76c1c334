//! `prefer-repack` (error) — `VACUUM FULL` or `CLUSTER` on a live table (or on every table of the
//! database, without a table name) in a migration. squawk: `prefer-repack`.
//!
//! Why: both rewrite the whole table and its indexes under `ACCESS EXCLUSIVE`: every read and
//! write waits, for minutes to hours on a big table, and the rewrite needs the table's size
//! again in free disk.
//! Fix: reclaim space online with the `pg_repack` extension (available on Supabase), or
//! `REPACK (CONCURRENTLY)` on PostgreSQL 19+; outside a migration, in a maintenance window.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{in_released_file, lock_finding};
use crate::lint::locks::{statement_locks, vacuum_is_full};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "prefer-repack",
    severity: Severity::Error,
    summary: "VACUUM FULL or CLUSTER rewriting a live table under ACCESS EXCLUSIVE",
    help: "use pg_repack (or REPACK (CONCURRENTLY) on PostgreSQL 19+) outside the migration",
    doc: include_str!("../../../docs/rules/prefer-repack.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let (what, every_table) = match &ctx.unit.node {
        NodeEnum::VacuumStmt(stmt) if vacuum_is_full(stmt) => ("VACUUM FULL", stmt.rels.is_empty()),
        NodeEnum::ClusterStmt(stmt) => ("CLUSTER", stmt.relation.is_none()),
        _ => return,
    };
    if !ctx.unit.kind.runs_now() || in_released_file(ctx) {
        return;
    }
    if every_table {
        out.push(ctx.diagnostic(
            rule,
            format!(
                "{what} without a table rewrites every table it covers under ACCESS EXCLUSIVE locks (every read and write waits)"
            ),
        ));
        return;
    }
    for lock in statement_locks(&ctx.unit.node, ctx.symbols) {
        let message = format!(
            "{what} rewrites {} and its indexes under an ACCESS EXCLUSIVE lock (every read and write waits)",
            display(&lock.relation)
        );
        out.extend(lock_finding(ctx, rule, &lock.relation, None, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "prefer-repack";

    #[test]
    fn rewrites_of_live_tables_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int);\nCREATE INDEX t_a ON app.t (a);",
            ),
            (
                "V2__r.sql",
                "-- eventos:no-transaction\nVACUUM FULL app.t;\nCLUSTER app.t USING t_a;\nVACUUM (FULL) ;\nVACUUM (FULL true, ANALYZE) app.t;",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            ["V2__r.sql:2", "V2__r.sql:3", "V2__r.sql:4", "V2__r.sql:5"]
        );
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn plain_vacuum_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__r.sql",
                "-- eventos:no-transaction\nCREATE TABLE app.u (a int);\nVACUUM FULL app.u;\nVACUUM (ANALYZE) app.t;\nVACUUM (FULL false) app.t;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
