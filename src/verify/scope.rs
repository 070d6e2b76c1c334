//! Which objects the bundles own: what the plans promise, plus what hangs off it in the catalog
//! (partitions of an owned partitioned table, indexes, policies, constraints and sequences of an
//! owned table). Everything else is pre-existing — a real project's own tables — and is reported
//! in its own section, at most as a warning, unless `--all-objects`.

use std::collections::HashSet;

use super::catalog::{Catalog, qualify};
use super::checks::{Object, ObjectKind};
use crate::bundle::Project;

/// The objects of every plan of the project.
#[derive(Debug, Clone, Default)]
pub struct Ownership {
    relations: HashSet<String>,
    functions: HashSet<String>,
    extensions: HashSet<String>,
}

impl Ownership {
    /// Everything the project's plans promise (all phases: a later phase's table is still ours
    /// when verifying an earlier one).
    pub fn of(project: &Project) -> Ownership {
        let mut owned = Ownership::default();
        for bundle in &project.bundles {
            let objects = &bundle.plan.objects;
            owned.relations.extend(
                objects
                    .tables
                    .iter()
                    .chain(&objects.partitioned_tables)
                    .chain(&objects.views)
                    .chain(&objects.materialized_views)
                    .chain(&objects.indexes)
                    .map(|n| qualify(n, 0)),
            );
            owned
                .functions
                .extend(objects.functions.iter().map(|n| qualify(n, 0)));
            owned
                .extensions
                .extend(bundle.plan.extensions.iter().cloned());
        }
        owned
    }

    /// Whether the bundles own `object`.
    pub fn owns(&self, object: &Object, catalog: &Catalog) -> bool {
        match object.kind {
            ObjectKind::Function => self.functions.contains(&object.name),
            ObjectKind::Extension => self.extensions.contains(&object.name),
            ObjectKind::Database => false,
            ObjectKind::Relation | ObjectKind::Index | ObjectKind::PartOfTable => {
                self.owns_relation(&object.name, catalog)
                    || object
                        .table
                        .as_deref()
                        .is_some_and(|t| self.owns_relation(t, catalog))
            }
        }
    }

    /// Whether the bundles own the relation `name`, or it is a partition of one they own.
    pub fn owns_relation(&self, name: &str, catalog: &Catalog) -> bool {
        let mut current = name.to_string();
        for _ in 0..16 {
            if self.relations.contains(&current) {
                return true;
            }
            match catalog
                .relation(&current)
                .and_then(|r| r.partition_of.clone())
            {
                Some(parent) => current = parent,
                None => return false,
            }
        }
        false
    }

    /// Whether the bundles own the function `schema.name`.
    pub fn owns_function(&self, name: &str) -> bool {
        self.functions.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, relation};

    #[test]
    fn partitions_indexes_and_parts_of_owned_tables_are_owned() {
        let mut owned = Ownership::default();
        owned.relations.insert("public.log".into());
        owned.functions.insert("public.f".into());
        let mut catalog = catalog();
        let mut child = relation("public", "log_2026", 'r');
        child.partition_of = Some("public.log".into());
        catalog.relations = vec![
            relation("public", "log", 'p'),
            child,
            relation("public", "theirs", 'r'),
        ];
        let part = |table: &str| Object::part_of(table.into(), "x");
        assert!(owned.owns(&Object::relation(&catalog.relations[1]), &catalog));
        assert!(owned.owns(&part("public.log_2026"), &catalog));
        assert!(!owned.owns(&part("public.theirs"), &catalog));
        assert!(!owned.owns(&Object::database("slot"), &catalog));
        assert!(owned.owns_function("public.f"));
    }
}
