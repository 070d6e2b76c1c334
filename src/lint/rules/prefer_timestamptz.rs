//! `prefer-timestamptz` (warning) — a `timestamp` (without time zone) column. squawk:
//! `prefer-timestamptz`.
//!
//! Why: `timestamp` stores wall-clock time with no zone: the same value means different instants
//! for clients in different zones (Supabase's API returns it without offset), and `now()` is
//! converted with the session's `TimeZone`. Changing the type later rewrites the table.
//! Fix: `timestamptz` (`timestamp with time zone`): an instant, shown in the client's zone.

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::changes::{defined_columns, type_text};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "prefer-timestamptz",
    severity: Severity::Warning,
    summary: "timestamp without time zone column",
    help: "use timestamptz (timestamp with time zone)",
    doc: include_str!("../../../docs/rules/prefer-timestamptz.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !judged(ctx) {
        return;
    }
    for column in defined_columns(&ctx.unit.node) {
        let type_name = type_text(column.type_name);
        let base = type_name.split(['(', '[']).next().unwrap_or_default();
        if base == "timestamp"
            && !ctx
                .symbols
                .is_temporary(&ctx.symbols.relation(column.table))
        {
            out.push(ctx.diagnostic_at(
                rule,
                column.type_name.location,
                format!(
                    "column {} is timestamp without time zone: its values name no instant",
                    column.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "prefer-timestamptz";

    #[test]
    fn timestamp_columns_are_found() {
        let sql = "CREATE TABLE app.a (at timestamp, b timestamp(3) without time zone, c timestamp[]);\n\
                   ALTER TABLE app.a ALTER COLUMN at TYPE timestamp;";
        assert_eq!(lines(sql, RULE), [1, 1, 1, 2]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql)], RULE));
    }

    #[test]
    fn timestamptz_is_fine() {
        let sql = "CREATE TABLE app.a (at timestamptz, b timestamp with time zone, d date);";
        assert!(lines(sql, RULE).is_empty());
    }
}
