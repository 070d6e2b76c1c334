//! `unused-index` (info) — no index on an exposed table has never been scanned since statistics
//! were last reset (splinter's `unused_index`).
//!
//! Why: every index costs write time, disk and cache; one the planner never uses is pure cost.
//! Indexes that enforce a constraint (primary key, unique, exclusion) are skipped — they work
//! without being scanned. The scan count comes from `pg_stat_all_indexes`, so on a fresh database
//! (or right after a stats reset, a restore or a failover) every index is "unused": judge this
//! check on a database that has served its normal workload for a while.
//! Fix: after confirming with the workload's owner, `DROP INDEX CONCURRENTLY <index>;`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "unused-index",
    level: Severity::Info,
    summary: "no non-constraint index on an exposed table has zero scans since the statistics reset",
    help: "confirm against a representative workload, then DROP INDEX CONCURRENTLY <index>;",
    doc: include_str!("../../../docs/checks/unused-index.md"),
    splinter: &["unused_index"],
    run: Some(check),
};

/// One result per non-constraint index on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .indexes
        .iter()
        .filter(|i| catalog.is_exposed(&i.schema) && !i.from_extension && !i.enforces_constraint)
        .map(|index| {
            let problem = (index.scans == Some(0)).then(|| {
                format!(
                    "index {} on {} has never been scanned since statistics were reset",
                    index.qualified(),
                    index.table_name()
                )
            });
            Examined::new(index.qualified(), Object::index(index), problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Index;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn never_scanned_indexes_are_listed_except_constraints() {
        let mut catalog = catalog();
        let index = |name: &str, scans: Option<i64>, constraint: bool| Index {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            valid: true,
            enforces_constraint: constraint,
            scans,
            ..Index::default()
        };
        catalog.indexes = vec![
            index("used", Some(3), false),
            index("idle", Some(0), false),
            index("t_pkey", Some(0), true),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.idle: index public.idle on public.t has never been scanned since statistics were reset"
            ]
        );
    }
}
