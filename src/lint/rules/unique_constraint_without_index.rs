//! `unique-constraint-without-index` (error) — `ADD CONSTRAINT … UNIQUE` (or `EXCLUDE`, or an
//! added column's `UNIQUE`) on a live table, building its index inside `ALTER TABLE`. squawk:
//! `disallowed-unique-constraint`.
//!
//! Why: the index is built while `ALTER TABLE` holds `ACCESS EXCLUSIVE`: every read and write
//! waits for the whole build.
//! Fix: `CREATE UNIQUE INDEX CONCURRENTLY` in a `-- eventos:no-transaction` file, then
//! `ADD CONSTRAINT … UNIQUE USING INDEX …` in a later file (an instant catalog change).
//! `EXCLUDE` constraints have no `USING INDEX` form: add them while the table is new.

use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_constraints, constraint_label, lock_finding};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "unique-constraint-without-index",
    severity: Severity::Error,
    summary: "UNIQUE / EXCLUDE constraint that builds its index under ACCESS EXCLUSIVE on a live table",
    help: "CREATE UNIQUE INDEX CONCURRENTLY first (own no-transaction file), then ADD CONSTRAINT … UNIQUE USING INDEX",
    doc: include_str!("../../../docs/rules/unique-constraint-without-index.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, added)) = added_constraints(ctx) else {
        return;
    };
    for c in added {
        let kind = if c.contype == ConstrType::ConstrUnique as i32 && c.indexname.is_empty() {
            "UNIQUE"
        } else if c.contype == ConstrType::ConstrExclusion as i32 {
            "EXCLUDE"
        } else {
            continue;
        };
        let name = constraint_label(c);
        let message = format!(
            "{kind}{name} builds its index over every row of {} under an ACCESS EXCLUSIVE lock (every read and write waits)",
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, Some(c.location), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "unique-constraint-without-index";

    #[test]
    fn index_building_constraints_on_live_tables_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int, b int, r tstzrange);",
            ),
            (
                "V2__u.sql",
                "ALTER TABLE app.t ADD CONSTRAINT t_a_key UNIQUE (a);\n\
                 ALTER TABLE app.t ADD COLUMN c int UNIQUE;\n\
                 ALTER TABLE app.t ADD CONSTRAINT t_r_excl EXCLUDE USING gist (r WITH &&);",
            ),
        ];
        assert_eq!(
            findings_in(&files, RULE),
            ["V2__u.sql:1", "V2__u.sql:2", "V2__u.sql:3"]
        );
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn new_tables_are_fine() {
        let files = [(
            "V1__t.sql",
            "CREATE TABLE app.t (a int);\nALTER TABLE app.t ADD CONSTRAINT t_a_key UNIQUE (a);",
        )];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_builds_concurrently_then_uses_the_index() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int);"),
            (
                "V2__index.sql",
                "-- eventos:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_idx ON app.t (a);",
            ),
            (
                "V3__key.sql",
                "ALTER TABLE app.t ADD CONSTRAINT t_a_key UNIQUE USING INDEX t_a_idx;",
            ),
        ];
        let report = crate::lint::tests::lint_files(&files);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }
}
