//! `prefer-identity` (warning) — a `serial`/`bigserial`/`smallserial` column. squawk:
//! `prefer-identity`.
//!
//! Why: a serial column is an `int` with a separately owned sequence: permissions, dumps and
//! `ALTER TABLE … RENAME` treat the sequence apart, and nothing stops a client from writing its
//! own ids. SQL-standard identity columns keep the sequence inside the column.
//! Fix: `bigint GENERATED ALWAYS AS IDENTITY` (or `BY DEFAULT` if clients must set ids).

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::changes::{defined_columns, type_text};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "prefer-identity",
    severity: Severity::Warning,
    summary: "serial column instead of an identity column",
    help: "use bigint GENERATED ALWAYS AS IDENTITY",
    doc: include_str!("../../../docs/rules/prefer-identity.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !judged(ctx) {
        return;
    }
    for column in defined_columns(&ctx.unit.node) {
        let type_name = type_text(column.type_name);
        if matches!(
            type_name.as_str(),
            "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
        ) && !ctx
            .symbols
            .is_temporary(&ctx.symbols.relation(column.table))
        {
            out.push(ctx.diagnostic_at(
                rule,
                column.type_name.location,
                format!(
                    "column {} is {type_name}: an integer with a separately owned sequence; identity columns are the standard form",
                    column.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "prefer-identity";

    #[test]
    fn serial_columns_are_found() {
        let sql = "CREATE TABLE app.a (id bigserial PRIMARY KEY);\nALTER TABLE app.a ADD COLUMN n serial;";
        assert_eq!(lines(sql, RULE), [1, 2]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql)], RULE));
    }

    #[test]
    fn identity_columns_are_fine() {
        let sql = "CREATE TABLE app.a (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, serial_no text);";
        assert!(lines(sql, RULE).is_empty());
    }
}
