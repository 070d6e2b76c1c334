//! `add-column-required` (error) — `ALTER TABLE … ADD COLUMN … NOT NULL` without a default on a
//! live table. squawk: `adding-required-field`.
//!
//! Why: PostgreSQL must check that the table has no row (a `NOT NULL` column without a default
//! would be null in every existing row): on a table with data the migration fails, and old
//! application code that does not send the column fails on every insert.
//! Fix: add the column nullable (or with a constant default), backfill, then enforce
//! `NOT NULL` through a validated `CHECK` (see `set-not-null`).

use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_columns, lock_finding};
use crate::lint::symbols::changes::column_constraints;
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "add-column-required",
    severity: Severity::Error,
    summary: "ADD COLUMN … NOT NULL without a default on a live table",
    help: "add the column with a constant DEFAULT (or nullable), backfill, then enforce NOT NULL with a validated CHECK",
    doc: include_str!("../../../docs/rules/add-column-required.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, columns)) = added_columns(ctx) else {
        return;
    };
    for column in columns {
        let kinds: Vec<ConstrType> = column_constraints(column)
            .filter_map(|c| ConstrType::try_from(c.contype).ok())
            .collect();
        let not_null = column.is_not_null
            || kinds
                .iter()
                .any(|k| matches!(k, ConstrType::ConstrNotnull | ConstrType::ConstrPrimary));
        let filled = kinds.iter().any(|k| {
            matches!(
                k,
                ConstrType::ConstrDefault
                    | ConstrType::ConstrIdentity
                    | ConstrType::ConstrGenerated
            )
        });
        if not_null && !filled {
            let message = format!(
                "ADD COLUMN {} NOT NULL without a default fails as soon as {} has a row, and breaks inserts that do not send it",
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
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "add-column-required";

    #[test]
    fn not_null_without_default_on_an_earlier_table_is_found() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN b int NOT NULL;\nALTER TABLE app.t ADD COLUMN c text PRIMARY KEY;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__c.sql:1", "V2__c.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn defaults_identity_nullable_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN b int NOT NULL DEFAULT 0;\n\
                 ALTER TABLE app.t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY NOT NULL;\n\
                 ALTER TABLE app.t ADD COLUMN d int;\n\
                 CREATE TABLE app.u (a int);\nALTER TABLE app.u ADD COLUMN b int NOT NULL;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_adds_with_a_constant_default() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD COLUMN b int DEFAULT 0;\n\
                 ALTER TABLE app.t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL) NOT VALID;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }
}
