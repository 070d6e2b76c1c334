//! `duplicate-index` — no two indexes on a table in an exposed schema have the same definition.
//!
//! Why: a duplicate costs write time, disk and cache and never helps a query. Definitions are
//! compared as PostgreSQL prints them (`pg_get_indexdef`) with the name removed: same columns,
//! opclasses, method, predicate and uniqueness. The first by name is kept, the others are named.
//! Fix: `DROP INDEX CONCURRENTLY <duplicate>;` (keep the one a constraint owns).

use std::collections::BTreeMap;

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Index};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "duplicate-index",
    level: Severity::Error,
    summary: "no two indexes on a table in an exposed schema have the same definition",
    help: "DROP INDEX CONCURRENTLY <duplicate>; keep the one a constraint owns",
    doc: include_str!("../../../docs/checks/duplicate-index.md"),
    splinter: &["duplicate_index"],
    run: Some(check),
};

/// One result per index on an exposed table; duplicates of an earlier index fail.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    let mut first_by_definition: BTreeMap<&str, &Index> = BTreeMap::new();
    catalog
        .indexes
        .iter()
        .filter(|index| catalog.is_exposed(&index.schema) && !index.from_extension)
        .map(|index| {
            let name = format!("{}.{}", index.schema, index.name);
            let problem = match first_by_definition.get(index.definition.as_str()) {
                Some(first) => Some(format!(
                    "index {name} duplicates {}.{} on {}.{}",
                    first.schema, first.name, index.schema, index.table
                )),
                None => {
                    first_by_definition.insert(&index.definition, index);
                    None
                }
            };
            Examined::new(name, Object::index(index), problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems};

    #[test]
    fn names_the_later_of_two_identical_indexes() {
        let mut catalog = catalog();
        let index = |name: &str, definition: &str| Index {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            valid: true,
            definition: definition.into(),
            ..Index::default()
        };
        catalog.indexes = vec![
            index("a", "CREATE INDEX ON public.t USING btree (x)"),
            index("b", "CREATE INDEX ON public.t USING btree (x, y)"),
            index("c", "CREATE INDEX ON public.t USING btree (x)"),
            index("d", "CREATE UNIQUE INDEX ON public.t USING btree (x)"),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec!["public.c: index public.c duplicates public.a on public.t"]
        );
    }
}
