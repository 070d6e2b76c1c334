//! `enum-value-ordering` (warning) — `ALTER TYPE … ADD VALUE` without `BEFORE`/`AFTER`. squawk:
//! `require-enum-value-ordering`.
//!
//! Why: an enum's values sort in declaration order (`ORDER BY status`, `status < 'shipped'`);
//! a value added without a position goes last, which is rarely where it belongs in a state
//! machine — and the order cannot be changed afterwards without recreating the type.
//! Fix: say where it goes: `ADD VALUE 'refunded' AFTER 'paid'` (or `AFTER` the current last
//! value when last is meant).

use pg_query::NodeEnum;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::{display, list_name};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "enum-value-ordering",
    severity: Severity::Warning,
    summary: "ALTER TYPE … ADD VALUE without BEFORE or AFTER",
    help: "say where the value goes: ADD VALUE 'x' AFTER 'y' (values sort in declaration order)",
    doc: include_str!("../../../docs/rules/enum-value-ordering.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::AlterEnumStmt(stmt) = &ctx.unit.node else {
        return;
    };
    if stmt.new_val.is_empty() || !stmt.old_val.is_empty() || !stmt.new_val_neighbor.is_empty() {
        return;
    }
    if !judged(ctx) {
        return;
    }
    let name = list_name(&stmt.type_name)
        .map(|n| display(&n))
        .unwrap_or_default();
    out.push(ctx.diagnostic(
        rule,
        format!(
            "ADD VALUE '{}' to {name} without BEFORE/AFTER sorts it after every existing value",
            stmt.new_val
        ),
    ));
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "enum-value-ordering";

    #[test]
    fn unpositioned_values_are_found() {
        let sql = "ALTER TYPE app.status ADD VALUE 'refunded';\nALTER TYPE app.status ADD VALUE IF NOT EXISTS 'void';";
        assert_eq!(lines(sql, RULE), [1, 2]);
        insta::assert_snapshot!(render_rule(&[("V1__e.sql", sql)], RULE));
    }

    #[test]
    fn positioned_values_and_renames_are_fine() {
        let sql = "ALTER TYPE app.status ADD VALUE 'refunded' AFTER 'paid';\n\
                   ALTER TYPE app.status ADD VALUE 'draft' BEFORE 'open';\n\
                   ALTER TYPE app.status RENAME VALUE 'void' TO 'voided';";
        assert!(lines(sql, RULE).is_empty());
    }
}
