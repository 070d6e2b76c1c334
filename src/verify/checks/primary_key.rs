//! `primary-key` — every table in an exposed schema has a primary key.
//!
//! Why: without one, rows cannot be addressed reliably (the API's updates and deletes, logical
//! replication and realtime need it) and duplicates creep in. Partitions are skipped: they inherit
//! the key of their partitioned parent, which is checked instead.
//! Fix: `ALTER TABLE <table> ADD PRIMARY KEY (<columns>);`

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "primary-key",
    level: Severity::Error,
    summary: "every table in an exposed schema (partitions excluded) has a primary key",
    help: "ALTER TABLE <table> ADD PRIMARY KEY (<columns>);",
    doc: include_str!("../../../docs/checks/primary-key.md"),
    splinter: &["no_primary_key"],
    run: Some(check),
};

/// One result per exposed table that is not a partition.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['r', 'p'])
        .filter(|table| table.partition_of.is_none())
        .map(|table| {
            let problem = (!table.has_primary_key())
                .then(|| format!("table {} has no primary key", table.qualified()));
            Examined::relation(table, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn names_tables_without_a_primary_key() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "keyed", 'r'));
        catalog.relations.push(relation("public", "heap", 'r'));
        catalog.relations.push(relation("public", "part", 'r'));
        catalog.relations[1].primary_key.clear();
        catalog.relations[2].primary_key.clear();
        catalog.relations[2].partition_of = Some("public.keyed".into());
        assert_eq!(
            problems(check(&catalog)),
            vec!["public.heap: table public.heap has no primary key"]
        );
    }
}
