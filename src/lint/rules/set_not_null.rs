//! `set-not-null` (error) — `ALTER COLUMN … SET NOT NULL` (or `ADD CONSTRAINT … NOT NULL …`
//! without `NOT VALID`, PostgreSQL 18) on a live table, unless a validated
//! `CHECK (column IS NOT NULL)` already proves it (PostgreSQL 12+ then skips the scan) or the
//! column is already `NOT NULL`. squawk: `adding-not-nullable-field`.
//!
//! Why: PostgreSQL scans every row for NULLs while holding `ACCESS EXCLUSIVE`: every read and
//! write waits for the whole scan.
//! Fix: `ADD CONSTRAINT c_not_null CHECK (c IS NOT NULL) NOT VALID`, backfill, `VALIDATE
//! CONSTRAINT` in a later file (reads and writes go on), then `SET NOT NULL` (instant) and drop
//! the check.

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType};

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::lock_finding;
use crate::lint::locks::alter_cmds;
use crate::lint::symbols::{display, string_list};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "set-not-null",
    severity: Severity::Error,
    summary: "SET NOT NULL on a live table without a validated CHECK (c IS NOT NULL)",
    help: "ADD CONSTRAINT … CHECK (c IS NOT NULL) NOT VALID, VALIDATE it in a later file, then SET NOT NULL",
    doc: include_str!("../../../docs/rules/set-not-null.md"),
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
        let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
        let column = match (AlterTableType::try_from(cmd.subtype), def) {
            (Ok(AlterTableType::AtSetNotNull), _) => cmd.name.clone(),
            (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c)))
                if c.contype == ConstrType::ConstrNotnull as i32 && !c.skip_validation =>
            {
                match string_list(&c.keys).first() {
                    Some(column) => column.clone(),
                    None => continue,
                }
            }
            _ => continue,
        };
        let already = ctx
            .symbols
            .column_fact(&table, &column)
            .is_some_and(|c| c.not_null);
        if already || ctx.symbols.not_null_proven(&table, &column) {
            continue;
        }
        let message = format!(
            "SET NOT NULL on {column} scans every row of {} under an ACCESS EXCLUSIVE lock (every read and write waits); no validated CHECK ({column} IS NOT NULL) proves it",
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, None, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "set-not-null";

    #[test]
    fn unproven_set_not_null_on_live_tables_is_found() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int, b int, c int);"),
            (
                "V2__n.sql",
                "ALTER TABLE app.t ALTER COLUMN a SET NOT NULL;\n\
                 ALTER TABLE app.t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL) NOT VALID;\n\
                 ALTER TABLE app.t ALTER COLUMN b SET NOT NULL;\n\
                 ALTER TABLE app.t ADD CONSTRAINT t_c_not_null NOT NULL c;",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            ["V2__n.sql:1", "V2__n.sql:3", "V2__n.sql:4"]
        );
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn already_not_null_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int NOT NULL);"),
            (
                "V2__n.sql",
                "ALTER TABLE app.t ALTER COLUMN a SET NOT NULL;\n\
                 CREATE TABLE app.u (a int);\nALTER TABLE app.u ALTER COLUMN a SET NOT NULL;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_proves_it_with_a_validated_check_first() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__check.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;",
            ),
            (
                "V3__validate.sql",
                "ALTER TABLE app.t VALIDATE CONSTRAINT a_nn;",
            ),
            (
                "V4__set.sql",
                "ALTER TABLE app.t ALTER COLUMN a SET NOT NULL;\nALTER TABLE app.t DROP CONSTRAINT a_nn;",
            ),
        ];
        let report = crate::lint::tests::lint_files(&files);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }
}
