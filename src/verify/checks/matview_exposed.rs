//! `matview-exposed` — `anon` and `authenticated` cannot read a materialized view in an exposed
//! schema.
//!
//! Why: materialized views have no row level security; whoever can select from one reads every
//! row, whatever the policies of the tables it was built from.
//! Fix: `REVOKE SELECT ON <matview> FROM anon, authenticated;` and serve it through a function
//! or a `security_invoker` view that filters rows, or move it to an unexposed schema.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "matview-exposed",
    level: Severity::Error,
    summary: "anon and authenticated cannot SELECT from a materialized view in an exposed schema",
    help: "REVOKE SELECT ON <matview> FROM anon, authenticated; or move it to an unexposed schema",
    doc: include_str!("../../../docs/checks/matview-exposed.md"),
    splinter: &["materialized_view_in_api"],
    run: Some(check),
};

/// One result per exposed materialized view.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['m'])
        .map(|view| {
            let readers = view.access.readers();
            let problem = (!readers.is_empty()).then(|| {
                format!(
                    "materialized view {} is readable by {} (materialized views have no RLS)",
                    view.qualified(),
                    readers.join(", ")
                )
            });
            Examined::relation(view, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn names_matviews_api_roles_can_read() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "private", 'm'));
        catalog.relations.push(relation("public", "leaky", 'm'));
        catalog.relations.push(relation("analytics", "hidden", 'm'));
        catalog.relations[1].access.anon.select = true;
        catalog.relations[1].access.authenticated.select = true;
        catalog.relations[2].access.anon.select = true;
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.leaky: materialized view public.leaky is readable by anon, authenticated (materialized views have no RLS)"
            ]
        );
    }
}
