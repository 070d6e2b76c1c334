//! `plan-objects` — every object a phase's plan promises exists in the live catalog.
//!
//! Why: a plan is the contract of a phase; a missing table, view, function, trigger, index or
//! extension means a migration did not land (or was undone by hand).
//! Fix: run `eventos migrate up`, or correct the plan's `[objects]` when it promises too much.

use super::{Check, CheckResult, Severity};
use crate::bundle::Plan;
use crate::verify::catalog::{Catalog, qualify};

/// The check id.
pub const ID: &str = "plan-objects";

/// The check's metadata.
pub const CHECK: Check = Check {
    id: ID,
    level: Severity::Error,
    summary: "every object a plan promises (tables, views, functions, triggers, indexes, extensions…) exists",
    help: "run `eventos migrate up`, or fix the plan's [objects] list",
    doc: include_str!("../../../docs/checks/plan-objects.md"),
    splinter: &[],
    run: None,
};

/// One result per phase, listing each missing object.
pub fn check(plan: &Plan, catalog: &Catalog) -> Vec<CheckResult> {
    let missing = missing(plan, catalog)
        .into_iter()
        .map(|(kind, name)| format!("missing {kind} {name}"))
        .collect();
    vec![CheckResult::new(ID, subject(plan), missing)]
}

/// `phase N (M objects)`, the subject of a plan's result.
pub fn subject(plan: &Plan) -> String {
    let objects = &plan.objects;
    let total = plan.extensions.len()
        + objects.tables.len()
        + objects.partitioned_tables.len()
        + objects.views.len()
        + objects.materialized_views.len()
        + objects.indexes.len()
        + objects.functions.len()
        + objects.triggers.len();
    format!("phase {} ({total} objects)", plan.id)
}

/// Every promised object that is missing, as `(kind, qualified name)`.
pub fn missing(plan: &Plan, catalog: &Catalog) -> Vec<(&'static str, String)> {
    let objects = &plan.objects;
    let mut missing = Vec::new();
    let mut expect =
        |kind: &'static str, names: &[String], present: &dyn Fn(&str) -> bool, parts: usize| {
            for name in names {
                let qualified = qualify(name, parts);
                if !present(&qualified) {
                    missing.push((kind, qualified));
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
        &|n| catalog.has_function(n),
        0,
    );
    expect(
        "trigger",
        &objects.triggers,
        &|n| catalog.triggers.contains(n),
        1,
    );
    for extension in &plan.extensions {
        if !catalog.extensions.iter().any(|x| &x.name == extension) {
            missing.push(("extension", extension.clone()));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Objects;
    use crate::verify::catalog::{Extension, Function};
    use crate::verify::checks::fixtures::{catalog, relation};

    fn plan(objects: Objects) -> Plan {
        Plan {
            id: 0,
            name: "p".into(),
            summary: "s".into(),
            depends_on: vec![],
            extensions: vec!["vector".into(), "pg_trgm".into()],
            rollback: "r.sql".into(),
            objects,
            verify: vec![],
            rls_probe: vec![],
        }
    }

    #[test]
    fn names_each_missing_object() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "events", 'r'));
        catalog.triggers.insert("public.events.trg".into());
        catalog.functions.push(Function {
            schema: "public".into(),
            name: "slugify".into(),
            ..Function::default()
        });
        catalog.extensions.push(Extension {
            name: "vector".into(),
            schema: "extensions".into(),
            ..Extension::default()
        });
        let objects = Objects {
            tables: vec!["events".into(), "venues".into()],
            triggers: vec!["events.trg".into(), "events.other".into()],
            views: vec!["events".into()],
            functions: vec!["slugify".into(), "missing_fn".into()],
            ..Objects::default()
        };
        let result = &check(&plan(objects), &catalog)[0];
        assert_eq!(
            result.messages().collect::<Vec<_>>(),
            vec![
                "missing table public.venues",
                "missing view public.events",
                "missing function public.missing_fn",
                "missing trigger public.events.other",
                "missing extension pg_trgm",
            ]
        );
    }
}
