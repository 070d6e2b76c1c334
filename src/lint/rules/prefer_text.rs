//! `prefer-text` (warning, opt-in) — a `varchar(n)` column. squawk: `prefer-text-field`.
//!
//! Why: the length limit lives in the type: raising it is a catalog change under
//! `ACCESS EXCLUSIVE`, lowering it rewrites the table. A `CHECK (char_length(c) <= n)` can be
//! replaced online (`NOT VALID`, then `VALIDATE`). PostgreSQL stores both the same way.
//! Fix: `text` with a `CHECK` when a limit is needed. Opt-in (`prefer-text = "warning"` in
//! `[rules]`): `varchar(n)` is common and harmless on tables that never change.

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::symbols::changes::{defined_columns, type_text};
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "prefer-text",
    severity: Severity::Warning,
    summary: "varchar(n) column (opt-in)",
    help: "use text with CHECK (char_length(c) <= n), which can change without a rewrite",
    doc: include_str!("../../../docs/rules/prefer-text.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    if !judged(ctx) {
        return;
    }
    for column in defined_columns(&ctx.unit.node) {
        let type_name = type_text(column.type_name);
        if type_name.starts_with("varchar(")
            && !ctx
                .symbols
                .is_temporary(&ctx.symbols.relation(column.table))
        {
            out.push(ctx.diagnostic_at(
                rule,
                column.type_name.location,
                format!(
                    "column {} is {type_name}: its limit can only change under ACCESS EXCLUSIVE (lowering it rewrites the table)",
                    column.name
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::render_rule_with;
    use crate::lint::{LintOptions, Severity};

    const RULE: &str = "prefer-text";

    #[test]
    fn varchar_with_a_limit_is_found_when_enabled() {
        let sql = "CREATE TABLE app.a (name varchar(100), code character varying(3), free varchar, t text);";
        let files = [("V1__t.sql", sql)];
        assert!(crate::lint::tests::findings_in(&files, RULE).is_empty());
        let mut options = LintOptions::default();
        options.levels.insert(RULE.into(), Some(Severity::Warning));
        insta::assert_snapshot!(render_rule_with(&options, &files, RULE));
    }
}
