//! `table-bloat` (info) — no table of 20 MiB or more takes far more pages than its live rows
//! need (splinter's `table_bloat`).
//!
//! Why: after heavy updates and deletes a table keeps its dead space; scans read it all. The
//! estimate is the server's: rows (`reltuples`) × average row width from `pg_stats` plus tuple
//! overhead, divided by the usable page size, against `relpages`. A table is listed when it is at
//! least 20 MiB, wastes at least 20 MiB and holds more than twice the pages it needs (splinter
//! lists only ratios above 70×; a demanding DBA wants to hear about 2×). Tables without
//! statistics (never analysed) are not judged.
//! Fix: tune autovacuum for the table; reclaim space with `VACUUM FULL` (takes an exclusive lock)
//! or, online, `pg_repack`.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "table-bloat",
    level: Severity::Info,
    summary: "no table of 20 MiB or more uses over twice the pages its live rows need",
    help: "tune autovacuum for it; reclaim space with pg_repack (online) or VACUUM FULL (exclusive lock)",
    doc: include_str!("../../../docs/checks/table-bloat.md"),
    splinter: &["table_bloat"],
    run: Some(check),
};

const PAGE: f64 = 8192.0;
const MIN_WASTE: f64 = 20.0 * 1024.0 * 1024.0;

/// One result per user table large enough to be estimated.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .user_relations(&['r'])
        .filter_map(|table| table.bloat.map(|b| (table, b)))
        .filter(|(_, (_, expected))| *expected > 0.0)
        .map(|(table, (pages, expected))| {
            let pages = pages as f64;
            let waste = (pages - expected) * PAGE;
            let problem = (pages > 2.0 * expected && waste >= MIN_WASTE).then(|| {
                format!(
                    "table {} takes {:.0} MiB for about {:.0} MiB of live rows ({:.1}× the pages it needs)",
                    table.qualified(),
                    pages * PAGE / 1_048_576.0,
                    expected * PAGE / 1_048_576.0,
                    pages / expected
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
    fn flags_tables_over_twice_their_needed_pages() {
        let mut catalog = catalog();
        let mut bloated = relation("public", "events", 'r');
        bloated.bloat = Some((10_000, 1_000.0));
        let mut fine = relation("public", "orders", 'r');
        fine.bloat = Some((3_000, 2_000.0));
        catalog.relations = vec![bloated, fine, relation("public", "small", 'r')];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.events: table public.events takes 78 MiB for about 8 MiB of live rows (10.0× the pages it needs)"
            ]
        );
    }
}
