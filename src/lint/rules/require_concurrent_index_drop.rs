//! `require-concurrent-index-drop` (warning) — `DROP INDEX` without `CONCURRENTLY` on an index of
//! a live table. squawk: `require-concurrent-index-deletion`.
//!
//! Why: a plain `DROP INDEX` takes `ACCESS EXCLUSIVE` on the table. The drop itself is quick,
//! but while it waits for running queries to finish, every new read and write queues behind it.
//! (eventos sets `lock_timeout`, which bounds that wait: hence a warning.)
//! Fix: `DROP INDEX CONCURRENTLY IF EXISTS …` alone in a `-- eventos:no-transaction` file.

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::lock_finding;
use crate::lint::locks::{Target, statement_locks};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-concurrent-index-drop",
    severity: Severity::Warning,
    summary: "DROP INDEX without CONCURRENTLY on a live table",
    help: "use DROP INDEX CONCURRENTLY IF EXISTS in a file marked `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/require-concurrent-index-drop.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::DropStmt(stmt) = &ctx.unit.node else {
        return;
    };
    if stmt.remove_type != ObjectType::ObjectIndex as i32
        || stmt.concurrent
        || !ctx.unit.kind.runs_now()
    {
        return;
    }
    let locks = statement_locks(&ctx.unit.node, ctx.symbols);
    for index in locks.iter().filter(|l| l.target == Target::Index) {
        let table = locks
            .iter()
            .find(|l| l.target == Target::Relation)
            .map(|l| l.relation.clone());
        let message = |on: &str| {
            format!(
                "DROP INDEX {} takes an ACCESS EXCLUSIVE lock on {on}: reads and writes queue behind it while it waits",
                display(&index.relation)
            )
        };
        match table {
            Some(table) => {
                out.extend(lock_finding(
                    ctx,
                    rule,
                    &table,
                    None,
                    message(&display(&table)),
                ));
            }
            None if !crate::lint::live::in_released_file(ctx) => {
                out.push(ctx.diagnostic(rule, message("its table")));
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "require-concurrent-index-drop";

    #[test]
    fn plain_drops_on_live_tables_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int);\nCREATE INDEX t_a ON app.t (a);",
            ),
            (
                "V2__d.sql",
                "DROP INDEX app.t_a;\nDROP INDEX IF EXISTS app.elsewhere;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__d.sql:1", "V2__d.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn concurrent_drops_and_new_tables_are_fine() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int);\nCREATE INDEX t_a ON app.t (a);\nDROP INDEX app.t_a;",
            ),
            (
                "V2__d.sql",
                "-- eventos:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS app.t_b;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
