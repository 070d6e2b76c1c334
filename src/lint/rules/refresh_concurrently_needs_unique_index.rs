//! `refresh-concurrently-needs-unique-index` — `REFRESH MATERIALIZED VIEW CONCURRENTLY` on a
//! materialized view that has no unique index in the bundle set (top level or in a function).
//!
//! Why: PostgreSQL refuses a concurrent refresh without a unique index on plain columns covering
//! all rows (`cannot refresh materialized view … concurrently`); the refresh job fails every time.
//! Fix: `CREATE UNIQUE INDEX … ON <matview> (<key columns>)` (no `WHERE` clause).

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "refresh-concurrently-needs-unique-index",
    severity: Severity::Error,
    summary: "REFRESH MATERIALIZED VIEW CONCURRENTLY on a matview without a unique index",
    help: "create a unique index (without WHERE) on the materialized view's key columns",
    doc: include_str!("../../../docs/rules/refresh-concurrently-needs-unique-index.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, _: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, site) in &symbols.concurrent_refreshes {
        let known_matview = symbols.views.get(name).is_some_and(|v| v.materialized);
        if known_matview && !symbols.has_unique_index(name) {
            let message = format!(
                "materialized view {} has no unique index; CONCURRENTLY will fail",
                display(name)
            );
            out.push(at_site(rule, site, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::lines;

    #[test]
    fn refresh_without_unique_index_is_found_in_functions_too() {
        let sql = "CREATE MATERIALIZED VIEW app.stats AS SELECT 1 AS id;\nCREATE INDEX ON app.stats (id);\n\
                   CREATE UNIQUE INDEX ON app.stats (id) WHERE id > 0;\n\
                   CREATE FUNCTION app.r() RETURNS void LANGUAGE sql AS $$\n  REFRESH MATERIALIZED VIEW CONCURRENTLY app.stats;\n$$;";
        assert_eq!(
            lines(sql, "refresh-concurrently-needs-unique-index"),
            vec![5]
        );
    }

    #[test]
    fn unique_index_or_plain_refresh_is_fine() {
        let sql = "CREATE MATERIALIZED VIEW s AS SELECT 1 AS id;\nREFRESH MATERIALIZED VIEW s;\n\
                   CREATE FUNCTION r() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN REFRESH MATERIALIZED VIEW CONCURRENTLY public.s; END $f$;\n\
                   CREATE UNIQUE INDEX s_id ON s (id);";
        assert!(lines(sql, "refresh-concurrently-needs-unique-index").is_empty());
    }
}
