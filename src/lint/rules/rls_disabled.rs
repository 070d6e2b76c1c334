//! `rls-disabled` — a table in an exposed schema whose row level security is off once the whole
//! set has run (partitions included: each partition is reachable on its own). Judged on the
//! final state: a `CREATE TABLE IF NOT EXISTS` of an existing table changes nothing, a later
//! `DISABLE` counts, a table renamed or moved out of the exposed schemas or dropped is not
//! reported, temporary tables are never exposed. The finding sits at the statement that made the
//! table unsafe: its creation, the `DISABLE ROW LEVEL SECURITY`, or the `SET SCHEMA` that moved
//! it into an exposed schema.
//!
//! Why: Supabase exposes every table of the API schemas (default `public`) through PostgREST with
//! the anon key; without RLS anyone can read and write it.
//! Fix: `ALTER TABLE … ENABLE ROW LEVEL SECURITY` (and policies), or move the table to a private
//! schema. Exposed schemas are set with `exposed_schemas` in `eventos.toml`.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{Diagnostic, Severity};
use crate::lint::{LintOptions, Symbols};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "rls-disabled",
    severity: Severity::Error,
    summary: "a table in an exposed schema without row level security after the whole set",
    help: "add ALTER TABLE … ENABLE ROW LEVEL SECURITY (and policies), or create the table in a private schema",
    doc: include_str!("../../../docs/rules/rls-disabled.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, options: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, table) in &symbols.tables {
        if options.is_exposed(&name.0) && !table.temporary && !table.rls_enabled {
            let message = format!(
                "table {} is exposed through the API but row level security is not enabled",
                display(name)
            );
            let site = table.rls_site.latest(table.moved.as_deref());
            out.push(at_site(rule, site, message));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::tests::{findings_in, lines};

    #[test]
    fn exposed_tables_without_rls_are_found_partitions_included() {
        let sql = "CREATE TABLE public.a (id int);\nCREATE TABLE b (id int, at date) PARTITION BY RANGE (at);\n\
                   ALTER TABLE b ENABLE ROW LEVEL SECURITY;\n\
                   CREATE TABLE public.b_2025 PARTITION OF b FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');";
        assert_eq!(lines(sql, "rls-disabled"), vec![1, 4]);
    }

    #[test]
    fn the_final_state_is_judged_at_the_statement_that_made_it_unsafe() {
        let sql = "CREATE TABLE a (id int);\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n\
                   CREATE TABLE IF NOT EXISTS a (id int);\n\
                   CREATE TABLE b (id int);\nALTER TABLE b ENABLE ROW LEVEL SECURITY;\nALTER TABLE b DISABLE ROW LEVEL SECURITY;\n\
                   CREATE TABLE private.c (id int);\nALTER TABLE private.c SET SCHEMA public;\n\
                   CREATE TABLE d (id int);\nALTER TABLE d SET SCHEMA private;\n\
                   CREATE TABLE e (id int);\nDROP TABLE e;\n\
                   CREATE TEMP TABLE f (id int);";
        assert_eq!(lines(sql, "rls-disabled"), vec![6, 8]);
    }

    #[test]
    fn rls_enabled_later_or_private_schemas_are_fine() {
        let files = [
            (
                "V1.sql",
                "CREATE TABLE public.a (id int);\nCREATE TABLE private.s (id int);\n-- ALTER TABLE x ENABLE ROW LEVEL SECURITY",
            ),
            ("V2.sql", "alter table A enable row level security;"),
        ];
        assert!(findings_in(&files, "rls-disabled").is_empty());
    }
}
