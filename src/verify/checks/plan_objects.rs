//! `plan-objects` — every object a phase's plan promises exists in the live catalog.

use super::CheckResult;
use crate::bundle::Plan;
use crate::verify::catalog::{Catalog, qualify};

/// The check id.
pub const ID: &str = "plan-objects";

/// One result per phase, listing each missing object.
pub fn check(plan: &Plan, catalog: &Catalog) -> Vec<CheckResult> {
    let objects = &plan.objects;
    let mut missing = Vec::new();
    let mut expect =
        |kind: &str, names: &[String], present: &dyn Fn(&str) -> bool, parts: usize| {
            for name in names {
                let qualified = qualify(name, parts);
                if !present(&qualified) {
                    missing.push(format!("missing {kind} {qualified}"));
                }
            }
        };
    expect(
        "table",
        &objects.tables,
        &|n| catalog.has_relation(n, &['r', 'p']),
        0,
    );
    expect(
        "partitioned table",
        &objects.partitioned_tables,
        &|n| catalog.has_relation(n, &['p']),
        0,
    );
    expect(
        "view",
        &objects.views,
        &|n| catalog.has_relation(n, &['v']),
        0,
    );
    expect(
        "materialized view",
        &objects.materialized_views,
        &|n| catalog.has_relation(n, &['m']),
        0,
    );
    expect(
        "index",
        &objects.indexes,
        &|n| catalog.has_relation(n, &['i', 'I']),
        0,
    );
    expect(
        "function",
        &objects.functions,
        &|n| catalog.functions.contains(n),
        0,
    );
    expect(
        "trigger",
        &objects.triggers,
        &|n| catalog.triggers.contains(n),
        1,
    );
    let total = objects.tables.len()
        + objects.partitioned_tables.len()
        + objects.views.len()
        + objects.materialized_views.len()
        + objects.indexes.len()
        + objects.functions.len()
        + objects.triggers.len();
    vec![CheckResult {
        check: ID,
        subject: format!("phase {} ({total} objects)", plan.id),
        failures: missing,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Objects;

    fn plan(objects: Objects) -> Plan {
        Plan {
            id: 0,
            name: "p".into(),
            summary: "s".into(),
            depends_on: vec![],
            extensions: vec![],
            rollback: "r.sql".into(),
            objects,
            verify: vec![],
        }
    }

    #[test]
    fn names_each_missing_object() {
        let mut catalog = Catalog::default();
        catalog.relations.insert(("public.events".into(), 'r'));
        catalog.triggers.insert("public.events.trg".into());
        let objects = Objects {
            tables: vec!["events".into(), "venues".into()],
            triggers: vec!["events.trg".into(), "events.other".into()],
            views: vec!["events".into()],
            ..Objects::default()
        };
        let result = &check(&plan(objects), &catalog)[0];
        assert_eq!(
            result.failures,
            vec![
                "missing table public.venues",
                "missing view public.events",
                "missing trigger public.events.other"
            ]
        );
    }
}
