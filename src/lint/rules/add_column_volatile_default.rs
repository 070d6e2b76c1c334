//! `add-column-volatile-default` (error) — `ALTER TABLE … ADD COLUMN` that rewrites a live
//! table: a volatile default (`gen_random_uuid()`, `clock_timestamp()`, `nextval()`, a function
//! the files or the catalog mark `VOLATILE`), a `serial` type, an identity column or a stored
//! generated column. squawk: `adding-field-with-default`.
//!
//! Why: PostgreSQL 11+ stores a non-volatile default in the catalog, but a value that differs
//! per row must be written into every row: the table and its indexes are rewritten under an
//! `ACCESS EXCLUSIVE` lock, blocking every read and write for the whole rewrite.
//! Fix: add the column without the default (or with a constant one), set the default with
//! `ALTER COLUMN … SET DEFAULT`, and backfill existing rows in batches.

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_columns, lock_finding};
use crate::lint::locks::column_rewrite;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "add-column-volatile-default",
    severity: Severity::Error,
    summary: "ADD COLUMN that rewrites a live table (volatile default, serial, identity, stored generated)",
    help: "add the column without the volatile default, then SET DEFAULT and backfill existing rows in batches",
    doc: include_str!("../../../docs/rules/add-column-volatile-default.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, columns)) = added_columns(ctx) else {
        return;
    };
    for column in columns {
        let Some(why) = column_rewrite(column, ctx.symbols) else {
            continue;
        };
        let message = format!(
            "ADD COLUMN {} {why} rewrites {} and its indexes under an ACCESS EXCLUSIVE lock (every read and write waits)",
            column.colname,
            display(&table)
        );
        out.extend(lock_finding(
            ctx,
            rule,
            &table,
            Some(column.location),
            message,
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, released_through, render_rule, render_rule_with};

    const RULE: &str = "add-column-volatile-default";

    #[test]
    fn volatile_defaults_on_live_tables_are_found() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN id uuid DEFAULT gen_random_uuid();\n\
                 ALTER TABLE app.t ADD COLUMN at timestamptz DEFAULT clock_timestamp();\n\
                 ALTER TABLE app.t ADD COLUMN n bigserial;\n\
                 ALTER TABLE app.t ADD COLUMN g int GENERATED ALWAYS AS (a + 1) STORED;\n\
                 ALTER TABLE app.t ADD COLUMN i bigint GENERATED ALWAYS AS IDENTITY;\n\
                 ALTER TABLE app.t ADD COLUMN k int DEFAULT nextval('s');",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            [
                "V2__c.sql:1",
                "V2__c.sql:2",
                "V2__c.sql:3",
                "V2__c.sql:4",
                "V2__c.sql:5",
                "V2__c.sql:6"
            ]
        );
    }

    #[test]
    fn constant_and_stable_defaults_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN at timestamptz DEFAULT now();\n\
                 ALTER TABLE app.t ADD COLUMN s text NOT NULL DEFAULT 'new';\n\
                 CREATE TABLE app.u (a int);\n\
                 ALTER TABLE app.u ADD COLUMN id uuid DEFAULT gen_random_uuid();",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_adds_then_sets_the_default() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN id uuid;\n\
                 ALTER TABLE app.t ALTER COLUMN id SET DEFAULT gen_random_uuid();",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn an_unreleased_earlier_table_is_empty_and_a_released_one_is_live() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            ("V2__u.sql", "CREATE TABLE app.u (a int);"),
            (
                "V3__c.sql",
                "ALTER TABLE app.t ADD COLUMN id uuid DEFAULT gen_random_uuid();\n\
                 ALTER TABLE app.u ADD COLUMN id uuid DEFAULT gen_random_uuid();",
            ),
        ];
        insta::assert_snapshot!(render_rule_with(&released_through("1"), &files, RULE));
        insta::assert_snapshot!("releases_unknown", render_rule(&files, RULE));
    }
}
