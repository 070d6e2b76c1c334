//! `require-concurrent-index` (error) — `CREATE INDEX` without `CONCURRENTLY` on a live table
//! (see [`crate::lint::live`]: a table from a released migration, from outside the files, or —
//! when eventos does not know what is released — from an earlier file). Tables this deploy
//! creates are exempt (they are empty), and so are partitioned parents (PostgreSQL cannot build
//! those concurrently). On a table the live catalog shows small, a warning. squawk:
//! `require-concurrent-index-creation`.
//!
//! Why: a plain `CREATE INDEX` takes a `SHARE` lock: writes to a live table block until the build
//! ends.
//! Fix: `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` in a file marked `-- eventos:no-transaction`.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::lock_finding;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-concurrent-index",
    severity: Severity::Error,
    summary: "CREATE INDEX without CONCURRENTLY on a live table",
    help: "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a file marked `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/require-concurrent-index.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::IndexStmt(index) = &ctx.unit.node else {
        return;
    };
    if index.concurrent || !ctx.unit.kind.runs_now() {
        return;
    }
    let Some(rel) = &index.relation else { return };
    let name = ctx.symbols.relation(rel);
    if ctx.symbols.is_partitioned(&name) {
        return;
    }
    let message = format!(
        "CREATE INDEX on {} blocks writes while it builds over every row (SHARE lock)",
        display(&name)
    );
    out.extend(lock_finding(ctx, rule, &name, None, message));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::findings_in;

    #[test]
    fn plain_index_on_an_earlier_table_is_found() {
        let files = [
            (
                "V1.sql",
                "CREATE TABLE app.t (a int);\nCREATE TABLE app.p (a int) PARTITION BY LIST (a);",
            ),
            (
                "V2.sql",
                "CREATE TABLE app.u (a int);\nCREATE INDEX i ON app.u (a);\ncreate index j on app.t (a);\nCREATE INDEX k ON app.p (a);",
            ),
        ];
        assert_eq!(
            findings_in(&files, "require-concurrent-index"),
            vec!["V2.sql:3"]
        );
    }

    #[test]
    fn tables_of_unreleased_files_are_empty_and_outside_ones_live() {
        let files = [
            ("V1__a.sql", "CREATE TABLE app.a (x int);"),
            ("V2__b.sql", "CREATE TABLE app.b (x int);"),
            (
                "V3__i.sql",
                "CREATE INDEX ia ON app.a (x);\nCREATE INDEX ib ON app.b (x);\nCREATE INDEX ic ON app.c (x);",
            ),
        ];
        let options = crate::lint::tests::released_through("1");
        insta::assert_snapshot!(crate::lint::tests::render_rule_with(
            &options,
            &files,
            "require-concurrent-index"
        ));
    }

    #[test]
    fn concurrent_index_is_fine() {
        let files = [
            ("V1.sql", "CREATE TABLE t (a int);"),
            (
                "V2.sql",
                "-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a); -- CREATE INDEX j ON t (a)",
            ),
        ];
        assert!(findings_in(&files, "require-concurrent-index").is_empty());
    }
}
