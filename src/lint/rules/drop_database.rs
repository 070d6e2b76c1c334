//! `drop-database` (error) — `DROP DATABASE` in a migration. squawk: `ban-drop-database`.
//!
//! Why: it destroys every schema and row of a database at once, and a migration is the wrong
//! place for it: it runs wherever the migration runs, production included.
//! Fix: drop databases by hand, outside the migration history.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "drop-database",
    severity: Severity::Error,
    summary: "DROP DATABASE in a migration",
    help: "drop databases by hand, outside the migrations",
    doc: include_str!("../../../docs/rules/drop-database.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::DropdbStmt(stmt) = &ctx.unit.node else {
        return;
    };
    if judged(ctx) && !ctx.rollback {
        out.push(ctx.diagnostic(
            rule,
            format!(
                "DROP DATABASE {} destroys every schema and row in it",
                stmt.dbname
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "drop-database";

    #[test]
    fn drop_database_is_found() {
        let sql = "-- eventos:no-transaction\nDROP DATABASE IF EXISTS analytics;";
        assert_eq!(lines(sql, RULE), [2]);
        insta::assert_snapshot!(render_rule(&[("V1__d.sql", sql)], RULE));
    }

    #[test]
    fn other_drops_are_not_this_rule() {
        assert!(lines("DROP SCHEMA IF EXISTS scratch;", RULE).is_empty());
    }
}
