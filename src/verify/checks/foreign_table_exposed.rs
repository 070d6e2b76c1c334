//! `foreign-table-exposed` (warning) — no foreign table in an exposed schema is readable by
//! `anon` or `authenticated` (splinter's `foreign_table_in_api`).
//!
//! Why: foreign tables (postgres_fdw, wrappers) do not support row level security; in an
//! exposed schema, whoever may SELECT reads every row of the remote source.
//! Fix: move it to an unexposed schema, or `REVOKE SELECT ON <foreign table> FROM anon,
//! authenticated;` and expose a security-invoker view or function that filters.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "foreign-table-exposed",
    level: Severity::Warning,
    summary: "no foreign table in an exposed schema is readable by anon or authenticated (no RLS on foreign tables)",
    help: "REVOKE SELECT ON <foreign table> FROM anon, authenticated; or move it to an unexposed schema",
    doc: include_str!("../../../docs/checks/foreign-table-exposed.md"),
    splinter: &["foreign_table_in_api"],
    run: Some(check),
};

/// One result per exposed foreign table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['f'])
        .map(|table| {
            let readers = table.access.readers();
            let problem = (!readers.is_empty()).then(|| {
                format!(
                    "foreign table {} is readable by {} through the API, and foreign tables have no row level security",
                    table.qualified(),
                    readers.join(", ")
                )
            });
            Examined::relation(table, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn names_readable_foreign_tables() {
        let mut catalog = catalog();
        let mut remote = relation("public", "remote", 'f');
        remote.access.anon.select = true;
        catalog.relations = vec![remote, relation("public", "closed", 'f')];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.remote: foreign table public.remote is readable by anon through the API, and foreign tables have no row level security"
            ]
        );
    }
}
