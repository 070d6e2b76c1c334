//! `view-security-invoker` — every view in an exposed schema is created
//! `WITH (security_invoker = true)`.
//!
//! Why: a view runs with its owner's rights by default, so it bypasses the RLS of the tables it
//! reads and hands every row to whoever may select from it.
//! Fix: `ALTER VIEW <view> SET (security_invoker = true);` (PostgreSQL 15+), or revoke the API
//! roles' access to it.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "view-security-invoker",
    level: Severity::Error,
    summary: "every view in an exposed schema runs with security_invoker = true",
    help: "ALTER VIEW <view> SET (security_invoker = true);",
    doc: include_str!("../../../docs/checks/view-security-invoker.md"),
    splinter: &["security_definer_view"],
    run: Some(check),
};

/// One result per exposed view.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['v'])
        .map(|view| {
            let problem = (!view.security_invoker).then(|| {
                format!(
                    "view {} runs with its owner's rights (no security_invoker), bypassing RLS",
                    view.qualified()
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
    fn names_views_without_security_invoker() {
        let mut catalog = catalog();
        catalog.relations.push(relation("public", "good", 'v'));
        catalog.relations.push(relation("public", "bad", 'v'));
        catalog.relations.push(relation("public", "table", 'r'));
        catalog.relations[1].security_invoker = false;
        catalog.relations[2].security_invoker = false;
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.bad: view public.bad runs with its owner's rights (no security_invoker), bypassing RLS"
            ]
        );
    }
}
