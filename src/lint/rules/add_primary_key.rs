//! `add-primary-key` (error) — `ADD PRIMARY KEY` (or an added column's `PRIMARY KEY`) on a live
//! table without `USING INDEX`. squawk: `adding-serial-primary-key-field` (now
//! `adding-primary-key-constraint`).
//!
//! Why: `ALTER TABLE` builds the primary key's unique index over every row while holding
//! `ACCESS EXCLUSIVE` — and first checks every key column for NULLs: every read and write waits.
//! Fix: make the key columns `NOT NULL` safely (see `set-not-null`), `CREATE UNIQUE INDEX
//! CONCURRENTLY` in a `-- eventos:no-transaction` file, then `ADD CONSTRAINT … PRIMARY KEY USING
//! INDEX …` in a later file.

use pg_query::protobuf::ConstrType;

use super::Rule;
use crate::lint::UnitContext;
use crate::lint::live::{added_constraints, lock_finding};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "add-primary-key",
    severity: Severity::Error,
    summary: "PRIMARY KEY added to a live table without USING INDEX",
    help: "CREATE UNIQUE INDEX CONCURRENTLY first (own no-transaction file), then ADD CONSTRAINT … PRIMARY KEY USING INDEX",
    doc: include_str!("../../../docs/rules/add-primary-key.md"),
    check: Some(check),
    finish: None,
};

fn check(ctx: &UnitContext<'_>, rule: &Rule, out: &mut Vec<Diagnostic>) {
    let Some((table, added)) = added_constraints(ctx) else {
        return;
    };
    for c in added {
        if c.contype != ConstrType::ConstrPrimary as i32 || !c.indexname.is_empty() {
            continue;
        }
        let message = format!(
            "PRIMARY KEY builds its unique index over every row of {} under an ACCESS EXCLUSIVE lock (every read and write waits)",
            display(&table)
        );
        out.extend(lock_finding(ctx, rule, &table, Some(c.location), message));
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, render_rule};

    const RULE: &str = "add-primary-key";

    #[test]
    fn primary_keys_built_inside_alter_table_are_found() {
        let files = [
            (
                "V1__t.sql",
                "CREATE TABLE app.t (a int NOT NULL);\nCREATE TABLE app.u (a int);",
            ),
            (
                "V2__pk.sql",
                "ALTER TABLE app.t ADD PRIMARY KEY (a);\nALTER TABLE app.u ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;",
            ),
        ];
        assert_eq!(findings_in(&files, RULE), ["V2__pk.sql:1", "V2__pk.sql:2"]);
        insta::assert_snapshot!(render_rule(&files, RULE));
    }

    #[test]
    fn new_tables_are_fine() {
        let files = [(
            "V1__t.sql",
            "CREATE TABLE app.t (a int NOT NULL);\nALTER TABLE app.t ADD PRIMARY KEY (a);",
        )];
        assert!(findings_in(&files, RULE).is_empty());
    }

    #[test]
    fn the_safe_pattern_builds_concurrently_then_uses_the_index() {
        let files = [
            ("V1__t.sql", "CREATE TABLE app.t (a int NOT NULL);"),
            (
                "V2__index.sql",
                "-- eventos:no-transaction\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_pkey_idx ON app.t (a);",
            ),
            (
                "V3__pk.sql",
                "ALTER TABLE app.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_pkey_idx;",
            ),
        ];
        let report = crate::lint::tests::lint_files(&files);
        assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    }
}
