//! `autovacuum-disabled` (info) — no table of the project has `autovacuum_enabled = false`
//! (splinter's `autovacuum_disabled`).
//!
//! Why: without autovacuum dead rows pile up (bloat, slower scans), statistics go stale (bad
//! plans) and, in the end, transaction-ID wraparound forces an emergency vacuum. It is sometimes
//! right for a bulk-loaded, read-only table that is vacuumed by hand — which is why it is
//! information, to confirm, not an error.
//! Fix: `ALTER TABLE <t> RESET (autovacuum_enabled);`.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "autovacuum-disabled",
    level: Severity::Info,
    summary: "no table has autovacuum_enabled = false",
    help: "ALTER TABLE <t> RESET (autovacuum_enabled);",
    doc: include_str!("../../../docs/checks/autovacuum-disabled.md"),
    splinter: &["autovacuum_disabled"],
    run: Some(check),
};

/// One result per table with autovacuum turned off.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .user_relations(&['r'])
        .filter(|t| t.autovacuum_disabled)
        .map(|table| {
            Examined::relation(
                table,
                Some(format!(
                    "table {} has autovacuum_enabled = false",
                    table.qualified()
                )),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn names_tables_without_autovacuum() {
        let mut catalog = catalog();
        let mut off = relation("public", "bulk", 'r');
        off.autovacuum_disabled = true;
        catalog.relations = vec![off, relation("public", "t", 'r')];
        assert_eq!(
            problems(check(&catalog)),
            vec!["public.bulk: table public.bulk has autovacuum_enabled = false"]
        );
    }
}
