//! `change-column-type` (error) — `ALTER COLUMN … TYPE` that rewrites a live table. A change
//! PostgreSQL makes without a rewrite is not reported: the old type is known (from the files or
//! the live catalog) and binary coercible to the new one, without `USING` — a longer or
//! unlimited `varchar`, `varchar` ↔ `text`, a wider `numeric` of the same scale, a longer
//! `varbit`, `cidr` → `inet`. squawk: `changing-column-type`.
//!
//! Why: the table and its indexes are rewritten under `ACCESS EXCLUSIVE`: every read and write
//! waits; clients that read the old type may also break.
//! Fix: add a column of the new type, backfill it in batches, switch the application, then drop
//! the old column (expand and contract).

use pg_query::NodeEnum;
use pg_query::protobuf::AlterTableType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::lock_finding;
use crate::lint::locks::{alter_cmds, type_change_rewrites};
use crate::lint::symbols::changes::type_text;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "change-column-type",
    severity: Severity::Error,
    summary: "ALTER COLUMN … TYPE that rewrites a live table",
    help: "add a column of the new type, backfill it in batches, switch readers, then drop the old one",
    doc: include_str!("../../../docs/rules/change-column-type.md"),
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
        if cmd.subtype != AlterTableType::AtAlterColumnType as i32 {
            continue;
        }
        let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_ref().and_then(|d| d.node.as_ref()) else {
            continue;
        };
        if !type_change_rewrites(ctx.symbols, &table, &cmd.name, def) {
            continue;
        }
        let new = def.type_name.as_ref().map(type_text).unwrap_or_default();
        let old = match ctx.symbols.column_fact(&table, &cmd.name) {
            Some(old) => format!("from {} ", old.type_name),
            None => String::new(),
        };
        let message = format!(
            "ALTER COLUMN {} TYPE {old}to {new} rewrites {} and its indexes under an ACCESS EXCLUSIVE lock (every read and write waits)",
            cmd.name,
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, Some(def.location), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "change-column-type";

    #[test]
    fn rewriting_type_changes_on_live_tables_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int, b varchar(20), c numeric(10,2));",
            ),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ALTER COLUMN a TYPE bigint;\n\
                 ALTER TABLE app.t ALTER COLUMN b TYPE varchar(10);\n\
                 ALTER TABLE app.t ALTER COLUMN c TYPE numeric(12,3);\n\
                 ALTER TABLE app.t ALTER COLUMN b TYPE text USING upper(b);\n\
                 ALTER TABLE app.other ALTER COLUMN x TYPE text;",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            [
                "V2__c.sql:1",
                "V2__c.sql:2",
                "V2__c.sql:3",
                "V2__c.sql:4",
                "V2__c.sql:5"
            ]
        );
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn binary_coercible_changes_and_new_tables_are_fine() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (b varchar(20), c numeric(10,2));",
            ),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ALTER COLUMN b TYPE varchar(40);\n\
                 ALTER TABLE app.t ALTER COLUMN b TYPE text;\n\
                 ALTER TABLE app.t ALTER COLUMN c TYPE numeric(14,2);\n\
                 CREATE TABLE app.u (a int);\nALTER TABLE app.u ALTER COLUMN a TYPE bigint;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_adds_a_new_column() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN a_big bigint;\n\
                 UPDATE app.t SET a_big = a WHERE a_big IS NULL AND a < 1000;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
