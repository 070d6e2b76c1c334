//! `rls-disabled` — a table in an exposed schema that never gets `ENABLE ROW LEVEL SECURITY` in
//! the bundle set (partitions included: each partition is reachable on its own).
//!
//! Why: Supabase exposes every table of the API schemas (default `public`) through PostgREST with
//! the anon key; without RLS anyone can read and write it.
//! Fix: `ALTER TABLE … ENABLE ROW LEVEL SECURITY` (and policies), or move the table to a private
//! schema. Exposed schemas are set with `exposed_schemas` in `eventos.toml`.

use super::{Rule, at_site};
use crate::lint::symbols::display;
use crate::lint::{LintOptions, Symbols};
use crate::report::{Diagnostic, Severity};

/// The rule's metadata and check.
pub const RULE: Rule = Rule {
    id: "rls-disabled",
    severity: Severity::Error,
    summary: "a table in an exposed schema never gets ENABLE ROW LEVEL SECURITY",
    help: "add ALTER TABLE … ENABLE ROW LEVEL SECURITY (and policies), or create the table in a private schema",
    doc: include_str!("../../../docs/rules/rls-disabled.md"),
    check: None,
    finish: Some(finish),
};

fn finish(symbols: &Symbols, options: &LintOptions, rule: &Rule, out: &mut Vec<Diagnostic>) {
    for (name, table) in &symbols.tables {
        if options.is_exposed(&name.0) && !table.rls_enabled {
            let message = format!(
                "table {} is exposed through the API but RLS is never enabled",
                display(name)
            );
            out.push(at_site(rule, &table.site, message));
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
