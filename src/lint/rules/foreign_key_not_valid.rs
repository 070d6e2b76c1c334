//! `foreign-key-not-valid` (error) — a foreign key added to a live table without `NOT VALID`:
//! `ADD CONSTRAINT … FOREIGN KEY` or `ADD COLUMN … REFERENCES`. squawk:
//! `adding-foreign-key-constraint`.
//!
//! Why: PostgreSQL checks every existing row against the referenced table while holding
//! `SHARE ROW EXCLUSIVE` on both tables: writes to either wait for the whole scan.
//! Fix: `ADD CONSTRAINT … FOREIGN KEY … NOT VALID` (instant; new rows are checked), then
//! `VALIDATE CONSTRAINT` in a later migration file, which scans under `SHARE UPDATE EXCLUSIVE`
//! and lets reads and writes go on.

use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_constraints, constraint_label, lock_finding};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "foreign-key-not-valid",
    severity: Severity::Error,
    summary: "FOREIGN KEY added to a live table without NOT VALID",
    help: "add it NOT VALID, then VALIDATE CONSTRAINT in a later migration file",
    doc: include_str!("../../../docs/rules/foreign-key-not-valid.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, added)) = added_constraints(ctx) else {
        return;
    };
    for key in added {
        if key.contype != ConstrType::ConstrForeign as i32 || key.skip_validation {
            continue;
        }
        let referenced = key
            .pktable
            .as_ref()
            .map(|p| display(&ctx.symbols.relation(p)))
            .unwrap_or_default();
        let name = constraint_label(key);
        let message = format!(
            "FOREIGN KEY{name} checks every row of {} against {referenced} while writes to both wait (SHARE ROW EXCLUSIVE)",
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, Some(key.location), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "foreign-key-not-valid";

    #[test]
    fn validating_foreign_keys_on_live_tables_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.p (id int PRIMARY KEY);\nCREATE TABLE app.c (id int, p int);",
            ),
            (
                "V2__fk.sql",
                "ALTER TABLE app.c ADD CONSTRAINT c_p_fkey FOREIGN KEY (p) REFERENCES app.p (id);\n\
                 ALTER TABLE app.c ADD COLUMN q int REFERENCES app.p;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__fk.sql:1", "V2__fk.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn not_valid_and_new_tables_are_fine() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.p (id int PRIMARY KEY);"),
            (
                "V2__fk.sql",
                "CREATE TABLE app.c (id int, p int REFERENCES app.p);\n\
                 ALTER TABLE app.c ADD CONSTRAINT c_p2 FOREIGN KEY (p) REFERENCES app.p;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_is_not_valid_then_validate_in_a_later_file() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.p (id int PRIMARY KEY);\nCREATE TABLE app.c (id int, p int);",
            ),
            (
                "V2__fk.sql",
                "ALTER TABLE app.c ADD CONSTRAINT c_p_fkey FOREIGN KEY (p) REFERENCES app.p NOT VALID;",
            ),
            (
                "V3__validate.sql",
                "ALTER TABLE app.c VALIDATE CONSTRAINT c_p_fkey;",
            ),
        ];
        assert!(findings_in(&files, RULE).is_empty());
        assert!(findings_in(&files, "validate-in-same-transaction").is_empty());
    }
}
