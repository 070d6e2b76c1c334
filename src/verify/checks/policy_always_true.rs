//! `policy-always-true` — no write policy for `anon` / `authenticated` (or `public`) is
//! `USING (true)` or `WITH CHECK (true)`.
//!
//! Why: such a policy lets any caller insert, change or delete any row: RLS is on in name only.
//! `SELECT … USING (true)` stays allowed (public read is a legitimate choice).
//! Fix: compare the row's owner with `(SELECT auth.uid())`, or restrict the policy to a role that
//! is meant to write everything.

use super::{Check, Examined, Level};
use crate::verify::catalog::{Catalog, Policy};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "policy-always-true",
    level: Level::Error,
    summary: "no INSERT/UPDATE/DELETE/ALL policy for anon or authenticated is USING (true) or WITH CHECK (true)",
    help: "tie the policy to the caller, e.g. USING (owner_id = (SELECT auth.uid())), or drop it",
    run: Some(check),
};

const API_ROLES: &[&str] = &["anon", "authenticated", "public"];

/// One result per write policy on an exposed table.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .policies
        .iter()
        .filter(|p| catalog.is_exposed(&p.schema) && p.command != "SELECT")
        .map(|p| Examined::new(subject(p), problem(p)))
        .collect()
}

fn subject(policy: &Policy) -> String {
    format!(
        "policy {} on {}.{}",
        policy.name, policy.schema, policy.table
    )
}

fn problem(policy: &Policy) -> Option<String> {
    let roles: Vec<&str> = policy
        .roles
        .iter()
        .map(String::as_str)
        .filter(|r| API_ROLES.contains(r))
        .collect();
    if roles.is_empty() {
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

fn is_true(expr: &str) -> bool {
    expr.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .trim()
        .eq_ignore_ascii_case("true")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::{catalog, problems};

    fn policy(
        name: &str,
        command: &str,
        roles: &[&str],
        using: Option<&str>,
        with_check: Option<&str>,
    ) -> Policy {
        Policy {
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            command: command.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            using: using.map(Into::into),
            with_check: with_check.map(Into::into),
        }
    }

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
            policy("all_any", "ALL", &["public"], Some("true"), Some("(true)")),
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
