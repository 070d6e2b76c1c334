//! `rls-has-policy` (warning) — every table with row level security enabled has at least one
//! policy.
//!
//! Why: RLS without a policy denies every API role every row. That is safe, and right for tables
//! only the service role touches, but more often a policy was forgotten, so it is reported as a
//! warning. Partitions are skipped: queries through the parent use the parent's policies.
//! Fix: `CREATE POLICY … ON <table> …`, or leave it deny-all on purpose.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-has-policy",
    level: Severity::Warning,
    summary: "every table with row level security enabled has at least one policy",
    help: "CREATE POLICY … ON <table> …; without one, only the service role can reach its rows",
    doc: include_str!("../../../docs/checks/rls-has-policy.md"),
    splinter: &["rls_enabled_no_policy"],
    run: Some(check),
};

/// One result per exposed table with RLS enabled (partitions excluded).
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['r', 'p'])
        .filter(|table| table.rls && table.partition_of.is_none())
        .map(|table| {
            let problem = (catalog.policies_on(table).next().is_none()).then(|| {
                format!(
                    "table {} has row level security enabled but no policy: API roles see no rows",
                    table.qualified()
                )
            });
            Examined::relation(table, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Policy;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn names_tables_without_policies_and_skips_partitions() {
        let mut catalog = catalog();
        catalog
            .relations
            .push(relation("public", "with_policy", 'r'));
        catalog.relations.push(relation("public", "bare", 'r'));
        catalog.relations.push(relation("public", "part", 'r'));
        catalog.relations[2].partition_of = Some("public.with_policy".into());
        catalog.policies.push(Policy {
            schema: "public".into(),
            table: "with_policy".into(),
            name: "p".into(),
            ..Policy::default()
        });
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.bare: table public.bare has row level security enabled but no policy: API roles see no rows"
            ]
        );
        assert_eq!(check(&catalog).len(), 2);
    }
}
