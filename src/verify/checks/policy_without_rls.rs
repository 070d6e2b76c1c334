//! `policy-without-rls` (info) — a table outside the exposed schemas has policies but row level
//! security disabled, so the policies do nothing (splinter's `policy_exists_rls_disabled`).
//!
//! Why: policies are only enforced once RLS is enabled; a table with policies and RLS off looks
//! protected and is not. In an exposed schema the same finding is an error of `rls-enabled`
//! (reported there, once); elsewhere the API cannot reach the table, so it is information.
//! Fix: `ALTER TABLE <table> ENABLE ROW LEVEL SECURITY;`, or drop the dead policies.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "policy-without-rls",
    level: Severity::Info,
    summary: "no table outside the exposed schemas has policies while row level security is disabled",
    help: "ALTER TABLE <table> ENABLE ROW LEVEL SECURITY; or drop its policies",
    doc: include_str!("../../../docs/checks/policy-without-rls.md"),
    splinter: &["policy_exists_rls_disabled"],
    run: Some(check),
};

/// One result per unexposed user table that has policies.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .user_relations(&['r', 'p'])
        .filter(|t| !catalog.is_exposed(&t.schema))
        .filter_map(|table| {
            let policies: Vec<&str> = catalog.policies_on(table).map(|p| p.name.as_str()).collect();
            (!policies.is_empty()).then(|| {
                let problem = (!table.rls).then(|| {
                    format!(
                        "table {} has policies ({}) but row level security is disabled: they are not enforced",
                        table.qualified(),
                        policies.join(", ")
                    )
                });
                Examined::relation(table, problem)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems, relation};

    #[test]
    fn names_unexposed_tables_whose_policies_are_not_enforced() {
        let mut catalog = catalog();
        let mut off = relation("app", "t", 'r');
        off.rls = false;
        let mut public_off = relation("public", "t", 'r');
        public_off.rls = false;
        catalog.relations = vec![off, public_off, relation("app", "u", 'r')];
        let mut on_app = policy("p", "SELECT", &["authenticated"], Some("true"), None);
        on_app.schema = "app".into();
        catalog.policies = vec![on_app, policy("q", "SELECT", &["anon"], Some("true"), None)];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "app.t: table app.t has policies (p) but row level security is disabled: they are not enforced"
            ]
        );
    }
}
