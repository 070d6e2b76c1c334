//! `partition-of-unpartitioned` — `CREATE TABLE … PARTITION OF p` or `ALTER TABLE p ATTACH
//! PARTITION` where `p` is not known to be partitioned.
//!
//! Known = declared `PARTITION BY` earlier in the bundle set (version order, across phases) or,
//! with `--database-url`, partitioned in the live catalog.
//! Why: PostgreSQL rejects a partition of a plain table; the deploy fails half-way.
//! Fix: declare the parent with `PARTITION BY …` first (a plain table cannot be converted).

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, RangeVar};

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "partition-of-unpartitioned",
    severity: Severity::Error,
    summary: "a partition of a table that is not declared PARTITION BY",
    help: "create the parent with PARTITION BY … earlier in the bundles (a plain table cannot become partitioned)",
    doc: include_str!("../../../docs/rules/partition-of-unpartitioned.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for parent in parents(&ctx.unit.node) {
        let name = ctx.symbols.relation(parent);
        if !ctx.symbols.is_partitioned(&name) {
            let message = format!("{} is not known to be partitioned", display(&name));
            out.push(ctx.diagnostic_at(rule, parent.location, message));
        }
    }
}

/// The parent tables a statement attaches partitions to.
fn parents(node: &NodeEnum) -> Vec<&RangeVar> {
    match node {
        NodeEnum::CreateStmt(stmt) if stmt.partbound.is_some() => stmt
            .inh_relations
            .iter()
            .filter_map(|n| match n.node.as_ref() {
                Some(NodeEnum::RangeVar(r)) => Some(r),
                _ => None,
            })
            .collect(),
        NodeEnum::AlterTableStmt(stmt) => {
            let attaches = stmt.cmds.iter().any(|c| {
                matches!(c.node.as_ref(), Some(NodeEnum::AlterTableCmd(cmd))
                    if cmd.subtype == AlterTableType::AtAttachPartition as i32)
            });
            stmt.relation.iter().filter(|_| attaches).collect()
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, lines};

    #[test]
    fn partition_of_a_plain_or_unknown_table_is_found() {
        let sql = "CREATE TABLE app.logs (id int, at date);\n\
                   CREATE TABLE app.logs_2025 PARTITION OF app.logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n\
                   create table x_1 partition of x for values in (1);\n\
                   ALTER TABLE app.logs ATTACH PARTITION app.other FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');";
        assert_eq!(lines(sql, "partition-of-unpartitioned"), vec![2, 3, 4]);
    }

    #[test]
    fn declared_parents_are_fine_across_files_and_schemas() {
        let files = [
            (
                "V0001.sql",
                "CREATE TABLE app.metrics (id int, at date) PARTITION BY RANGE (at);",
            ),
            (
                "V1001.sql",
                "-- CREATE TABLE t PARTITION OF app.none\nCREATE TABLE app.metrics_2025 PARTITION OF app.metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n\
                 CREATE TABLE app.m26 (id int, at date);\nALTER TABLE app.metrics ATTACH PARTITION app.m26 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
            ),
        ];
        assert!(findings_in(&files, "partition-of-unpartitioned").is_empty());
    }

    #[test]
    fn order_matters_a_later_declaration_does_not_help() {
        let files = [
            (
                "V0001.sql",
                "CREATE TABLE m_1 PARTITION OF m FOR VALUES IN (1);",
            ),
            ("V0002.sql", "CREATE TABLE m (k int) PARTITION BY LIST (k);"),
        ];
        assert_eq!(
            findings_in(&files, "partition-of-unpartitioned"),
            vec!["V0001.sql:1"]
        );
    }
}
