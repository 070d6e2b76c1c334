//! `truncate-cascade` (error) — `TRUNCATE … CASCADE` in a migration. squawk:
//! `ban-truncate-cascade`.
//!
//! Why: `CASCADE` also empties every table with a foreign key to the named ones — and theirs,
//! recursively — without naming them: a migration that means to clear one staging table can
//! wipe production data. It takes `ACCESS EXCLUSIVE` on all of them.
//! Fix: name every table to empty, without `CASCADE` (PostgreSQL then refuses if a referencing
//! table is left out).

use pg_query::NodeEnum;
use pg_query::protobuf::DropBehavior;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::judged;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "truncate-cascade",
    severity: Severity::Error,
    summary: "TRUNCATE … CASCADE empties every referencing table too, unnamed",
    help: "name every table to empty and drop CASCADE",
    doc: include_str!("../../../docs/rules/truncate-cascade.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let NodeEnum::TruncateStmt(stmt) = &ctx.unit.node else {
        return;
    };
    if stmt.behavior == DropBehavior::DropCascade as i32 && judged(ctx) && !ctx.rollback {
        out.push(ctx.diagnostic(
            rule,
            "TRUNCATE … CASCADE also empties every table that references these, recursively, without naming them",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{lines, render_rule};

    const RULE: &str = "truncate-cascade";

    #[test]
    fn cascading_truncate_is_found() {
        let sql = "TRUNCATE app.staging CASCADE;";
        assert_eq!(lines(sql, RULE), [1]);
        insta::assert_snapshot!(render_rule(&[("V1__t.sql", sql)], RULE));
    }

    #[test]
    fn naming_every_table_is_fine() {
        assert!(lines("TRUNCATE app.staging, app.staging_rows RESTRICT;", RULE).is_empty());
    }
}
