//! `rename-column` (error) — `ALTER TABLE … RENAME COLUMN` on a live table or view. squawk:
//! `renaming-column`.
//!
//! Why: the application version running during and after the deploy — and every PostgREST /
//! supabase-js query — still names the old column: those queries fail the moment the rename
//! commits. The rename also takes `ACCESS EXCLUSIVE`.
//! Fix: expand and contract: add the new column, write both (trigger or application), backfill,
//! move readers, then drop the old column in a later release. Or keep the old name for clients
//! through a view.

use pg_query::NodeEnum;
use pg_query::protobuf::ObjectType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::client_finding;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "rename-column",
    severity: Severity::Error,
    summary: "RENAME COLUMN on a live table: running clients still use the old name",
    help: "add the new column, backfill and dual-write, move clients, drop the old column in a later release",
    doc: include_str!("../../../docs/rules/rename-column.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::RenameStmt(stmt) = &ctx.unit.node else {
        return;
    };
    let (Some(rel), true) = (&stmt.relation, ctx.unit.kind.runs_now()) else {
        return;
    };
    if stmt.rename_type != ObjectType::ObjectColumn as i32 {
        return;
    }
    let table = ctx.symbols.relation(rel);
    let message = format!(
        "RENAME COLUMN {} TO {} breaks every running client that reads or writes {}.{}",
        stmt.subname,
        stmt.newname,
        display(&table),
        stmt.subname
    );
    out.extend(client_finding(ctx, rule, &table, None, message));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "rename-column";

    #[test]
    fn renames_on_live_tables_are_found() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__r.sql",
                "ALTER TABLE app.t RENAME COLUMN a TO b;\nALTER TABLE app.elsewhere RENAME x TO y;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__r.sql:1", "V2__r.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn renames_on_new_tables_are_fine() {
        let files = [(
            "V1__t.sql",
            "CREATE TABLE app.t (a int);\nALTER TABLE app.t RENAME COLUMN a TO b;",
        )];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_adds_the_new_column() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            ("V2__r.sql", "ALTER TABLE app.t ADD COLUMN b int;"),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
