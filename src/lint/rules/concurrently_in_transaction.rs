//! `concurrently-in-transaction` — `CREATE/DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`,
//! `DETACH PARTITION … CONCURRENTLY` or `VACUUM` in a file not marked
//! `-- eventos:no-transaction` (or inside a `DO` block, which always runs in a transaction).
//!
//! Why: these commands cannot run inside a transaction block; every file without the directive
//! runs in one, so the deploy fails.
//! Fix: move the statement to its own file whose first comment is `-- eventos:no-transaction`.

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::{UnitContext, UnitKind};
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "concurrently-in-transaction",
    severity: Severity::Error,
    summary: "a command that cannot run in a transaction, in a transactional file",
    help: "move it to its own file starting with `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/concurrently-in-transaction.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let in_transaction = match ctx.unit.kind {
        UnitKind::TopLevel => !ctx.no_transaction,
        UnitKind::DoBlock => true,
        UnitKind::FunctionBody | UnitKind::ProcedureBody => false,
    };
    if in_transaction && let Some(what) = non_transactional(&ctx.unit.node) {
        out.push(ctx.diagnostic(
            rule,
            format!("{what} cannot run inside a transaction block"),
        ));
    }
}

/// Names the command when it cannot run in a transaction.
fn non_transactional(node: &NodeEnum) -> Option<&'static str> {
    match node {
        NodeEnum::IndexStmt(s) if s.concurrent => Some("CREATE INDEX CONCURRENTLY"),
        NodeEnum::DropStmt(s) if s.concurrent => Some("DROP INDEX CONCURRENTLY"),
        NodeEnum::ReindexStmt(s) if s.params.iter().any(is_concurrently_option) => {
            Some("REINDEX CONCURRENTLY")
        }
        NodeEnum::VacuumStmt(s) if s.is_vacuumcmd => Some("VACUUM"),
        NodeEnum::AlterTableStmt(s) if s.cmds.iter().any(is_concurrent_detach) => {
            Some("DETACH PARTITION CONCURRENTLY")
        }
        _ => None,
    }
}

fn is_concurrently_option(node: &pg_query::protobuf::Node) -> bool {
    matches!(node.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently")
}

fn is_concurrent_detach(node: &pg_query::protobuf::Node) -> bool {
    let Some(NodeEnum::AlterTableCmd(cmd)) = node.node.as_ref() else {
        return false;
    };
    cmd.subtype == AlterTableType::AtDetachPartition as i32
        && matches!(cmd.def.as_ref().and_then(|d| d.node.as_ref()), Some(NodeEnum::PartitionCmd(p)) if p.concurrent)
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, lines};

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
}
