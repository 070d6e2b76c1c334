//! `policy-null-auth-disjunct` — no permissive read policy (`SELECT` / `ALL`) for the API roles
//! has a top-level `OR` branch that is true when the caller's JWT value is NULL, e.g.
//! `auth.uid() IS NULL OR owner_id = auth.uid()` (splinter's `rls_policy_null_auth_disjunct`).
//!
//! Why: for a request without a signed-in user (`anon`, or `authenticated` without `sub`)
//! `auth.uid()` is NULL, the branch is true and the policy admits every row. It is almost always
//! inverted logic (`IS NOT NULL AND …` was meant). Judged on PostgreSQL's parse tree: the
//! branch is `<auth value> IS NULL` or `NOT (<auth value> IS NOT NULL)` where the value is
//! `auth.uid()`, `auth.jwt()`, `auth.role()` or `current_setting('request.jwt…', true)`, wrapped
//! in `(SELECT …)`, casts or `->>` or not. An error when the policy reaches `anon` (directly or
//! through `public`) — anyone with the public key reads every row — a warning otherwise.
//! Fix: replace the disjunct with an explicit condition, e.g.
//! `USING ((SELECT auth.uid()) IS NOT NULL AND owner_id = (SELECT auth.uid()))`.

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::{Catalog, Policy};
use crate::verify::expr::Expr;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "policy-null-auth-disjunct",
    level: Severity::Error,
    summary: "no read policy admits every row when auth.uid() / auth.jwt() is NULL (… IS NULL OR …)",
    help: "drop the `auth.uid() IS NULL OR` branch; use `(SELECT auth.uid()) IS NOT NULL AND …` if a signed-in user is required",
    doc: include_str!("../../../docs/checks/policy-null-auth-disjunct.md"),
    splinter: &["rls_policy_null_auth_disjunct"],
    run: Some(check),
};

/// One result per permissive read policy of the API roles on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_policies()
        .filter(|p| p.permissive && (p.command == "SELECT" || p.command == "ALL"))
        .filter(|p| p.applies_to("anon") || p.applies_to("authenticated"))
        .map(|p| {
            let mut examined = Examined::new(p.subject(), Object::policy(p), None);
            if let Some(branch) = p.using.as_deref().and_then(null_branch) {
                let message = format!(
                    "{} policy {} on {} is true for every row when the caller has no JWT subject: its branch `{branch}` holds for {}",
                    p.command,
                    p.name,
                    p.table_name(),
                    if p.applies_to("anon") { "anon" } else { "an authenticated request without sub" }
                );
                if p.applies_to("anon") {
                    examined.problem = Some(message);
                } else {
                    examined.warning = Some(message);
                }
            }
            examined
        })
        .collect()
}

/// The offending branch of `using`, described.
fn null_branch(using: &str) -> Option<&'static str> {
    let expr = Expr::parse(using)?;
    let disjuncts = expr.disjuncts();
    if disjuncts.len() < 2 {
        return None;
    }
    disjuncts.into_iter().find_map(|d| match d {
        Expr::NullTest { arg, is_null: true } if arg.is_nullable_auth_value() => Some("… IS NULL"),
        Expr::Not(inner) => match &**inner {
            Expr::NullTest {
                arg,
                is_null: false,
            } if arg.is_nullable_auth_value() => Some("NOT (… IS NOT NULL)"),
            _ => None,
        },
        _ => None,
    })
}

/// Whether `policy` would be flagged (used by tests and the probe's messages).
pub fn is_flagged(policy: &Policy) -> bool {
    policy.using.as_deref().and_then(null_branch).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, policy, problems};

    #[test]
    fn flags_null_auth_branches_at_the_top_level_only() {
        let mut catalog = catalog();
        catalog.policies = vec![
            policy(
                "open",
                "SELECT",
                &["anon", "authenticated"],
                Some("((auth.uid() IS NULL) OR (owner_id = auth.uid()))"),
                None,
            ),
            policy(
                "inverted",
                "ALL",
                &["authenticated"],
                Some(
                    "((NOT (( SELECT auth.uid() AS uid) IS NOT NULL)) OR (owner_id = ( SELECT auth.uid() AS uid)))",
                ),
                None,
            ),
            policy(
                "gated",
                "SELECT",
                &["public"],
                Some("((auth.uid() IS NOT NULL) AND ((auth.uid() IS NULL) OR (x = 1)))"),
                None,
            ),
            policy(
                "strict_setting",
                "SELECT",
                &["anon"],
                Some("((current_setting('request.jwt.claims'::text) IS NULL) OR (x = 1))"),
                None,
            ),
            policy(
                "write",
                "UPDATE",
                &["anon"],
                Some("((auth.uid() IS NULL) OR (x = 1))"),
                None,
            ),
        ];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "policy open on public.t: SELECT policy open on public.t is true for every row when the caller has no JWT subject: its branch `… IS NULL` holds for anon",
                "policy inverted on public.t: (warning) ALL policy inverted on public.t is true for every row when the caller has no JWT subject: its branch `NOT (… IS NOT NULL)` holds for an authenticated request without sub",
            ]
        );
    }
}
