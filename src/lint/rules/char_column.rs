//! `char-column` (warning) — a `char(n)` / `character(n)` column. squawk: `ban-char-field`.
//!
//! Why: `char(n)` pads values with spaces to `n` characters, strips them again in comparisons
//! and casts, and is no faster than `text`: a source of subtle bugs (`'a' || ' '`, length
//! checks, client libraries that keep the padding).
//! Fix: `text` (with a `CHECK` for a fixed length) or `varchar(n)`.

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::changes::{defined_columns, type_text};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "char-column",
    severity: Severity::Warning,
    summary: "char(n) column (blank-padded)",
    help: "use text (with a CHECK for a fixed length)",
    doc: include_str!("../../../docs/rules/char-column.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !judged(ctx) {
        return;
    }
    for column in defined_columns(&ctx.unit.node) {
        let type_name = type_text(column.type_name);
        if type_name.split(['(', '[']).next() == Some("bpchar")
            && !ctx
                .symbols
                .is_temporary(&ctx.symbols.relation(column.table))
        {
            out.push(ctx.diagnostic_at(
                rule,
                column.type_name.location,
                format!(
                    "column {} is {}: values are blank-padded to its length",
                    column.name,
                    type_name.replace("bpchar", "char")
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "char-column";

    #[test]
    fn char_columns_are_found() {
        let sql = "CREATE TABLE app.a (code char(3), flag character);";
        assert_eq!(lines(sql, RULE), [1, 1]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql)], RULE));
    }

    #[test]
    fn text_varchar_and_the_internal_char_type_are_fine() {
        let sql = "CREATE TABLE app.a (code text, name varchar(3), kind \"char\");";
        assert!(lines(sql, RULE).is_empty());
    }
}
