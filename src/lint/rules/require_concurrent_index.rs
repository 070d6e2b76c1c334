//! `require-concurrent-index` (warning) — `CREATE INDEX` without `CONCURRENTLY` on a table created
//! in an earlier file. Tables created in the same file are exempt (they are empty), and so are
//! partitioned parents (PostgreSQL cannot build those concurrently).
//!
//! Why: a plain `CREATE INDEX` takes a `SHARE` lock: writes to a live table block until the build
//! ends.
//! Fix: `CREATE INDEX CONCURRENTLY IF NOT EXISTS …` in a file marked `-- eventos:no-transaction`.

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{UnitContext, UnitKind};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "require-concurrent-index",
    severity: Severity::Warning,
    summary: "CREATE INDEX without CONCURRENTLY on a table from an earlier file",
    help: "use CREATE INDEX CONCURRENTLY IF NOT EXISTS in a file marked `-- eventos:no-transaction`",
    doc: include_str!("../../../docs/rules/require-concurrent-index.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::IndexStmt(index) = &ctx.unit.node else {
        return;
    };
    if index.concurrent || ctx.unit.kind != UnitKind::TopLevel {
        return;
    }
    let Some(rel) = &index.relation else { return };
    let name = ctx.symbols.relation(rel);
    let Some(table) = ctx.symbols.tables.get(&name) else {
        return;
    };
    if table.site.file_index < ctx.file_index && !table.partitioned && !table.temporary {
        let message = format!(
            "CREATE INDEX on existing table {} blocks writes while it builds",
            display(&name)
        );
        out.push(ctx.diagnostic(rule, message));
    }
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
