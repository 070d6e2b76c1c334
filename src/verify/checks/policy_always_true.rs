//! `policy-always-true` — no write policy for `anon` / `authenticated` (or `public`) is
//! `USING (true)` or `WITH CHECK (true)`.
//!
//! Why: such a policy lets any caller insert, change or delete any row: RLS is on in name only.
//! `SELECT … USING (true)` stays allowed (public read is a legitimate choice).
//! Fix: compare the row's owner with `(SELECT auth.uid())`, or restrict the policy to a role that
//! is meant to write everything.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Policy};
use crate::verify::expr::Expr;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "policy-always-true",
    level: Severity::Error,
    summary: "no INSERT/UPDATE/DELETE/ALL policy for anon or authenticated is USING (true) or WITH CHECK (true)",
    help: "tie the policy to the caller, e.g. USING (owner_id = (SELECT auth.uid())), or drop it",
    doc: include_str!("../../../docs/checks/policy-always-true.md"),
    splinter: &["rls_policy_always_true"],
    run: Some(check),
};

const API_ROLES: &[&str] = &["anon", "authenticated", "public"];

/// One result per write policy on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_policies()
        .filter(|p| p.command != "SELECT")
        .map(|p| Examined::new(p.subject(), Object::policy(p), problem(p)))
        .collect()
}

fn problem(policy: &Policy) -> Option<String> {
    let roles: Vec<&str> = policy
        .roles
        .iter()
        .map(String::as_str)
        .filter(|r| API_ROLES.contains(r))
        .collect();
    if roles.is_empty() || !policy.permissive {
        return None;
    }
    let clauses: Vec<&str> = [("USING", &policy.using), ("WITH CHECK", &policy.with_check)]
        .into_iter()
        .filter(|(_, expr)| expr.as_deref().is_some_and(is_true))
        .map(|(clause, _)| clause)
        .collect();
    (!clauses.is_empty()).then(|| {
        format!(
            "{} policy {} on {}.{} is {} (true) for {}: any caller can write any row",
            policy.command,
            policy.name,
            policy.schema,
            policy.table,
            clauses.join(" and "),
            roles.join(", ")
        )
    })
}

/// A constant true expression (`true`, `1 = 1`, …), judged on PostgreSQL's parse tree.
fn is_true(sql: &str) -> bool {
    Expr::parse(sql).is_some_and(|e| e.is_always_true())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems};

    #[test]
    fn flags_write_policies_that_are_always_true_for_api_roles() {
        let mut catalog = catalog();
        catalog.policies = vec![
            policy("read_all", "SELECT", &["anon"], Some("true"), None),
            policy(
                "insert_any",
                "INSERT",
                &["authenticated"],
                None,
                Some("true"),
            ),
            policy("all_any", "ALL", &["public"], Some("true"), Some("(1 = 1)")),
            policy(
                "own",
                "UPDATE",
                &["authenticated"],
                Some("(owner_id = ( SELECT auth.uid() AS uid))"),
                None,
            ),
            policy("service", "DELETE", &["service_role"], Some("true"), None),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "policy insert_any on public.t: INSERT policy insert_any on public.t is WITH CHECK (true) for authenticated: any caller can write any row",
                "policy all_any on public.t: ALL policy all_any on public.t is USING and WITH CHECK (true) for public: any caller can write any row",
            ]
        );
    }
}
