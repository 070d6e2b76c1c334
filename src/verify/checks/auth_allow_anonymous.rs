//! `auth-allow-anonymous` (info) — a table's policies for `authenticated` (or `public`) do not
//! tell anonymous sign-ins apart (splinter's `auth_allow_anonymous_sign_ins`).
//!
//! Why: with Supabase's anonymous sign-ins enabled, an anonymous user gets a real JWT with role
//! `authenticated` and `is_anonymous: true`. A policy written for "signed-in users" then also
//! admits anyone who clicked "continue as guest". Tables whose policies for `authenticated`
//! never read the `is_anonymous` claim are listed, so the owner can confirm that guests may do
//! what members may. Judged on PostgreSQL's parse tree: some policy of the table for
//! `authenticated` reads the JWT key `is_anonymous`.
//! Fix: where guests must not act, add `AND ((SELECT auth.jwt() ->> 'is_anonymous')::boolean IS
//! NOT TRUE)` (or a restrictive policy doing the same).

use std::collections::BTreeMap;

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Policy};
use crate::verify::expr::{Expr, Literal};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "auth-allow-anonymous",
    level: Severity::Info,
    summary: "policies for authenticated say whether anonymous sign-ins (is_anonymous) may act",
    help: "add AND ((SELECT auth.jwt() ->> 'is_anonymous')::boolean IS NOT TRUE) where guests must not act",
    doc: include_str!("../../../docs/checks/auth-allow-anonymous.md"),
    splinter: &["auth_allow_anonymous_sign_ins"],
    run: Some(check),
};

/// One result per exposed table with policies for `authenticated`.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    let mut tables: BTreeMap<String, Vec<&Policy>> = BTreeMap::new();
    for policy in catalog
        .exposed_policies()
        .filter(|p| p.applies_to("authenticated"))
    {
        tables.entry(policy.table_name()).or_default().push(policy);
    }
    tables
        .into_iter()
        .map(|(table, policies)| {
            let checks_anonymous = policies.iter().any(|p| {
                [&p.using, &p.with_check]
                    .into_iter()
                    .flatten()
                    .filter_map(|sql| Expr::parse(sql))
                    .any(|e| e.any(&|x| matches!(x, Expr::Const(Literal::Text(t)) if t == "is_anonymous")))
            });
            let names: Vec<&str> = policies.iter().map(|p| p.name.as_str()).collect();
            let problem = (!checks_anonymous).then(|| {
                format!(
                    "table {table}: policies {} admit anonymous sign-ins as well (none reads is_anonymous)",
                    names.join(", ")
                )
            });
            Examined::new(
                table.clone(),
                Object::part_of(table, "policies"),
                problem,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems};

    #[test]
    fn tables_whose_policies_read_is_anonymous_pass() {
        let mut catalog = catalog();
        let mut guarded = policy(
            "members",
            "SELECT",
            &["authenticated"],
            Some("((( SELECT (auth.jwt() ->> 'is_anonymous'::text)))::boolean IS NOT TRUE)"),
            None,
        );
        guarded.table = "guarded".into();
        catalog.policies = vec![
            policy(
                "own",
                "SELECT",
                &["authenticated"],
                Some("(owner = ( SELECT auth.uid() AS uid))"),
                None,
            ),
            guarded,
            policy("anon_only", "SELECT", &["anon"], Some("true"), None),
        ];
        catalog.policies[2].table = "anon_table".into();
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.t: table public.t: policies own admit anonymous sign-ins as well (none reads is_anonymous)"
            ]
        );
    }
}
