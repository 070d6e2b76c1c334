//! `multiple-permissive-policies` (warning) — no table has two or more permissive policies for
//! the same role and command (splinter's `multiple_permissive_policies`).
//!
//! Why: PostgreSQL evaluates every permissive policy that applies and ORs them, for every row:
//! two policies cost two evaluations per row, and the combined rule is easy to misread (the
//! loosest one wins). One policy per role and command with an explicit `OR` says the same and
//! plans better. `FOR ALL` counts for each of SELECT, INSERT, UPDATE and DELETE; `TO public`
//! counts for `anon` and `authenticated`; other roles count as named.
//! Fix: merge them: `CREATE POLICY … USING ((<a>) OR (<b>))`, then drop the others.

use std::collections::BTreeMap;

use super::{Check, Examined, Object, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "multiple-permissive-policies",
    level: Severity::Warning,
    summary: "no table has several permissive policies for one role and command (each is evaluated per row)",
    help: "merge them into one policy per role and command: USING ((<a>) OR (<b>))",
    doc: include_str!("../../../docs/checks/multiple-permissive-policies.md"),
    splinter: &["multiple_permissive_policies"],
    run: Some(check),
};

const COMMANDS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE"];

/// One result per (table, role, command) that has at least one permissive policy, on exposed
/// tables.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    let mut groups: BTreeMap<(String, String, &str), Vec<&str>> = BTreeMap::new();
    for policy in catalog.exposed_policies().filter(|p| p.permissive) {
        let roles: Vec<String> = policy
            .roles
            .iter()
            .flat_map(|r| match r.as_str() {
                "public" => vec!["anon".to_string(), "authenticated".to_string()],
                other => vec![other.to_string()],
            })
            .collect();
        for role in roles {
            for command in COMMANDS.iter().filter(|c| policy.governs(c)) {
                groups
                    .entry((policy.table_name(), role.clone(), command))
                    .or_default()
                    .push(&policy.name);
            }
        }
    }
    groups
        .into_iter()
        .map(|((table, role, command), mut names)| {
            names.sort();
            names.dedup();
            let subject = format!("{table} {role} {command}");
            let problem = (names.len() > 1).then(|| {
                format!(
                    "table {table} has {} permissive {command} policies for {role}: {}",
                    names.len(),
                    names.join(", ")
                )
            });
            Examined::new(
                subject,
                Object::part_of(table, &format!("{role}.{command}")),
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
    fn counts_per_role_and_command_with_all_and_public_expanded() {
        let mut catalog = catalog();
        catalog.policies = vec![
            policy(
                "read_public",
                "SELECT",
                &["anon", "authenticated"],
                Some("(status = 'published'::text)"),
                None,
            ),
            policy(
                "own",
                "ALL",
                &["authenticated"],
                Some("(owner = auth.uid())"),
                None,
            ),
            policy("everyone", "INSERT", &["public"], None, Some("false")),
        ];
        let mut restrictive = policy("guard", "SELECT", &["anon"], Some("true"), None);
        restrictive.permissive = false;
        catalog.policies.push(restrictive);
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.t authenticated INSERT: table public.t has 2 permissive INSERT policies for authenticated: everyone, own",
                "public.t authenticated SELECT: table public.t has 2 permissive SELECT policies for authenticated: own, read_public",
            ]
        );
    }
}
