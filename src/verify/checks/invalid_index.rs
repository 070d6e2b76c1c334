//! `invalid-index` — no index on an exposed table is marked invalid (`indisvalid = false`).
//!
//! Why: a failed `CREATE INDEX CONCURRENTLY` leaves an invalid index behind: the planner never
//! uses it, writes still maintain it, and `IF NOT EXISTS` on a rerun silently skips it. An index
//! a concurrent build is working on right now (`pg_stat_progress_create_index`) is not judged.
//! Fix: `DROP INDEX CONCURRENTLY <index>;` then build it again (or `REINDEX INDEX CONCURRENTLY`).

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "invalid-index",
    level: Severity::Error,
    summary: "no index in an exposed schema is invalid (e.g. left by a failed CREATE INDEX CONCURRENTLY)",
    help: "DROP INDEX CONCURRENTLY <index>; then create it again, or REINDEX INDEX CONCURRENTLY <index>;",
    doc: include_str!("../../../docs/checks/invalid-index.md"),
    splinter: &["invalid_index"],
    run: Some(check),
};

/// One result per index on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .indexes
        .iter()
        .filter(|index| catalog.is_exposed(&index.schema) && !index.from_extension)
        .map(|index| {
            let name = format!("{}.{}", index.schema, index.name);
            let problem = (!index.valid && !index.building).then(|| {
                format!(
                    "index {name} on {}.{} is INVALID",
                    index.schema, index.table
                )
            });
            Examined::new(name, Object::index(index), problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Index;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_invalid_indexes() {
        let mut catalog = catalog();
        let index = |name: &str, valid| Index {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            valid,
            ..Index::default()
        };
        let mut building = index("building", false);
        building.building = true;
        catalog.indexes = vec![index("ok", true), index("broken", false), building];
        assert_eq!(
            problems(check(&catalog)),
            vec!["public.broken: index public.broken on public.t is INVALID"]
        );
    }
}
