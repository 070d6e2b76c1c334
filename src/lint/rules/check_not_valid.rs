//! `check-not-valid` (error) — a `CHECK` constraint added to a live table without `NOT VALID`
//! (`ADD CONSTRAINT … CHECK (…)`, or a `CHECK` on an added column). squawk:
//! `constraint-missing-not-valid` (its other half is `validate-in-same-transaction`).
//!
//! Why: PostgreSQL checks every existing row while holding the `ACCESS EXCLUSIVE` lock of
//! `ALTER TABLE`: every read and write waits for the whole scan.
//! Fix: `ADD CONSTRAINT … CHECK (…) NOT VALID` (instant; new rows are checked), then
//! `VALIDATE CONSTRAINT` in a later migration file (a scan under `SHARE UPDATE EXCLUSIVE`,
//! reads and writes go on).

use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_constraints, constraint_label, lock_finding};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "check-not-valid",
    severity: Severity::Error,
    summary: "CHECK constraint added to a live table without NOT VALID",
    help: "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration file",
    doc: include_str!("../../../docs/rules/check-not-valid.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, added)) = added_constraints(ctx) else {
        return;
    };
    for c in added {
        if c.contype != ConstrType::ConstrCheck as i32 || c.skip_validation {
            continue;
        }
        let name = constraint_label(c);
        let message = format!(
            "CHECK{name} checks every row of {} under an ACCESS EXCLUSIVE lock (every read and write waits)",
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, Some(c.location), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "check-not-valid";

    #[test]
    fn validating_checks_on_live_tables_are_found() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_positive CHECK (a > 0);\n\
                 ALTER TABLE app.t ADD COLUMN b int DEFAULT 0 CHECK (b >= 0);",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__c.sql:1", "V2__c.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn not_valid_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID;\n\
                 CREATE TABLE app.u (a int);\nALTER TABLE app.u ADD CONSTRAINT u_a CHECK (a > 0);",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_validates_in_a_later_file() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__c.sql",
                "ALTER TABLE app.t ADD CONSTRAINT a_positive CHECK (a > 0) NOT VALID;",
            ),
            (
                "V3__v.sql",
                "ALTER TABLE app.t VALIDATE CONSTRAINT a_positive;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
        assert!(findings_in(&files, "validate-in-same-transaction").is_empty());
    }
}
