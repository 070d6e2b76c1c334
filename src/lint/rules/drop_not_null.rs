//! `drop-not-null` (warning) — `ALTER COLUMN … DROP NOT NULL` on a live table. squawk:
//! `ban-drop-not-null`.
//!
//! Why: application code, generated types (`supabase gen types`) and reports written against
//! the column assume it is never NULL; the first NULL written breaks them. It is a contract
//! change more than a lock problem.
//! Fix: make sure every reader handles NULL (regenerate types) before the migration ships, and
//! say so: `-- eventos:ignore drop-not-null -- <who checked the readers>`.

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::client_finding;
use crate::lint::locks::alter_cmds;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "drop-not-null",
    severity: Severity::Warning,
    summary: "DROP NOT NULL on a live table: readers that assume a value may break",
    help: "check every reader handles NULL, then `-- eventos:ignore drop-not-null -- <reason>`",
    doc: include_str!("../../../docs/rules/drop-not-null.md"),
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
    let table = ctx.symbols.relation(rel);
    for cmd in alter_cmds(stmt) {
        if cmd.subtype != AlterTableType::AtDropNotNull as i32 {
            continue;
        }
        let message = format!(
            "DROP NOT NULL on {}.{} lets NULL reach readers that assume a value",
            display(&table),
            cmd.name
        );
        out.extend(client_finding(ctx, rule, &table, None, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "drop-not-null";

    #[test]
    fn dropping_not_null_on_live_tables_is_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int NOT NULL, b int NOT NULL);",
            ),
            (
                "V2__d.sql",
                "ALTER TABLE app.t ALTER COLUMN a DROP NOT NULL, ALTER COLUMN b DROP NOT NULL;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__d.sql:1", "V2__d.sql:1"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn new_tables_are_fine() {
        let files = [(
            "V1__t.sql",
            "CREATE TABLE app.t (a int NOT NULL);\nALTER TABLE app.t ALTER COLUMN a DROP NOT NULL;",
        )];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
