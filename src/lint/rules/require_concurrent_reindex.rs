//! `require-concurrent-reindex` (error) — `REINDEX` without `CONCURRENTLY` on a live table (or a
//! whole schema or database). squawk: `require-concurrent-reindex`.
//!
//! Why: `REINDEX` locks out writes to the table (`SHARE`) and takes `ACCESS EXCLUSIVE` on each
//! index it rebuilds, blocking the reads that use it, for the whole rebuild.
//! Fix: `REINDEX … CONCURRENTLY` (PostgreSQL 12+) in a `-- eventos:no-transaction` file.

use pg_query::NodeEnum;
use pg_query::protobuf::ReindexObjectType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{in_released_file, lock_finding};
use crate::lint::locks::{Target, statement_locks};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-concurrent-reindex",
    severity: Severity::Error,
    summary: "REINDEX without CONCURRENTLY on a live table",
    help: "use REINDEX … CONCURRENTLY in a file marked `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/require-concurrent-reindex.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::ReindexStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let concurrent = stmt.params.iter().any(
        |p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"),
    );
    if concurrent || !ctx.unit.kind.runs_now() || in_released_file(ctx) {
        return;
    }
    if stmt.kind >= ReindexObjectType::ReindexObjectSchema as i32 {
        out.push(ctx.diagnostic(
            rule,
            "REINDEX of a whole schema or database rebuilds every index while blocking writes to each table and reads through each index",
        ));
        return;
    }
    let locks = statement_locks(&ctx.unit.node, ctx.symbols);
    match locks.iter().find(|l| l.target == Target::Relation) {
        Some(table) => {
            let message = format!(
                "REINDEX blocks writes to {} (SHARE) and reads through each index it rebuilds (ACCESS EXCLUSIVE) until the rebuild ends",
                display(&table.relation)
            );
            out.extend(lock_finding(ctx, rule, &table.relation, None, message));
        }
        None => out.push(ctx.diagnostic(
            rule,
            "REINDEX blocks writes to the index's table (SHARE) and reads through the index (ACCESS EXCLUSIVE) until the rebuild ends",
        )),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "require-concurrent-reindex";

    #[test]
    fn plain_reindex_on_live_tables_is_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int);\nCREATE INDEX t_a ON app.t (a);",
            ),
            (
                "V2__r.sql",
                "REINDEX INDEX app.t_a;\nREINDEX TABLE app.t;\n-- eventos:ignore concurrently-in-transaction -- test\nREINDEX SCHEMA app;",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            ["V2__r.sql:1", "V2__r.sql:2", "V2__r.sql:4"]
        );
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn concurrent_reindex_and_new_tables_are_fine() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int);\nCREATE INDEX t_a ON app.t (a);\nREINDEX TABLE app.t;",
            ),
            (
                "V2__r.sql",
                "-- eventos:no-transaction\nREINDEX INDEX CONCURRENTLY app.t_a;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
