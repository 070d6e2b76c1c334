//! `rls-enabled` — every table in an exposed schema, partitions included, has row level security
//! enabled.
//!
//! Why: without RLS, anyone holding the public anon key reads and writes every row through the
//! API. Policies on a table with RLS disabled are silently ignored, so the message names them.
//! Fix: `ALTER TABLE <table> ENABLE ROW LEVEL SECURITY;` and add the policies it needs.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-enabled",
    level: Severity::Error,
    summary: "every table in an exposed schema (partitions included) has row level security enabled",
    help: "ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; then add the policies it needs",
    doc: include_str!("../../../docs/checks/rls-enabled.md"),
    splinter: &["rls_disabled_in_public"],
    run: Some(check),
};

/// One result per exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['r', 'p'])
        .map(|table| {
            let problem = (!table.rls).then(|| {
                let policies: Vec<&str> = catalog.policies_on(table).map(|p| p.name.as_str()).collect();
                if policies.is_empty() {
                    format!("table {} has row level security disabled", table.qualified())
                } else {
                    format!(
                        "table {} has row level security disabled, so its policies ({}) are ignored",
                        table.qualified(),
                        policies.join(", ")
                    )
                }
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
    fn names_tables_and_partitions_without_rls_and_their_ignored_policies() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "safe", 'r'));
        catalog.relations.push(relation("public", "open", 'r'));
        catalog.relations.push(relation("public", "log_2026", 'r'));
        catalog.relations.push(relation("auth", "users", 'r'));
        catalog.relations[1].rls = false;
        catalog.relations[2].rls = false;
        catalog.relations[2].partition_of = Some("public.log".into());
        catalog.relations[3].rls = false;
        catalog.policies.push(Policy {
            schema: "public".into(),
            table: "open".into(),
            name: "own".into(),
            ..Policy::default()
        });
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.open: table public.open has row level security disabled, so its policies (own) are ignored",
                "public.log_2026: table public.log_2026 has row level security disabled",
            ]
        );
        assert_eq!(check(&catalog).len(), 3, "auth is not exposed");
    }
}
