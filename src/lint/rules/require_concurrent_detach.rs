//! `require-concurrent-detach` (warning) — `ALTER TABLE … DETACH PARTITION` without
//! `CONCURRENTLY` on a live partitioned table. squawk: `require-concurrent-partition-detach`.
//!
//! Why: a plain detach takes `ACCESS EXCLUSIVE` on the parent and the partition: every query on
//! the partitioned table queues behind it while it waits for running ones. (eventos sets
//! `lock_timeout`, which bounds that wait: hence a warning.)
//! Fix: `ALTER TABLE … DETACH PARTITION … CONCURRENTLY` (PostgreSQL 14+), alone in a
//! `-- eventos:no-transaction` file; it cannot run in a transaction block.

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::lock_finding;
use crate::lint::locks::alter_cmds;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-concurrent-detach",
    severity: Severity::Warning,
    summary: "DETACH PARTITION without CONCURRENTLY on a live partitioned table",
    help: "use DETACH PARTITION … CONCURRENTLY alone in a file marked `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/require-concurrent-detach.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::AlterTableStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let (Some(rel), true) = (&stmt.relation, ctx.unit.kind.runs_now()) else {
        return;
    };
    let parent = ctx.symbols.relation(rel);
    for cmd in alter_cmds(stmt) {
        if cmd.subtype != AlterTableType::AtDetachPartition as i32 {
            continue;
        }
        let Some(NodeEnum::PartitionCmd(partition)) =
            cmd.def.as_ref().and_then(|d| d.node.as_ref())
        else {
            continue;
        };
        if partition.concurrent {
            continue;
        }
        let name = partition
            .name
            .as_ref()
            .map(|p| display(&ctx.symbols.relation(p)))
            .unwrap_or_default();
        let message = format!(
            "DETACH PARTITION {name} takes ACCESS EXCLUSIVE locks on {} and the partition: every query on them queues behind it while it waits",
            display(&parent)
        );
        out.extend(lock_finding(ctx, rule, &parent, None, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "require-concurrent-detach";

    #[test]
    fn plain_detach_on_a_live_parent_is_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.m (at date) PARTITION BY RANGE (at);\n\
                 CREATE TABLE app.m_2024 PARTITION OF app.m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
            ),
            (
                "V2__d.sql",
                "ALTER TABLE app.m DETACH PARTITION app.m_2024;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__d.sql:1"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn concurrent_detach_and_new_parents_are_fine() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.m (at date) PARTITION BY RANGE (at);\n\
                 CREATE TABLE app.m_2024 PARTITION OF app.m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n\
                 ALTER TABLE app.m DETACH PARTITION app.m_2024;",
            ),
            (
                "V2__d.sql",
                "-- eventos:no-transaction\nALTER TABLE app.m DETACH PARTITION app.m_2025 CONCURRENTLY;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
