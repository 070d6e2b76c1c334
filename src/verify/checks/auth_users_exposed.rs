//! `auth-users-exposed` — no view or materialized view in an exposed schema that reads
//! `auth.users` is readable by `anon` or `authenticated` (splinter's `auth_users_exposed`).
//!
//! Why: `auth.users` holds every user's e-mail, phone, sign-in history and metadata. A view over
//! it in `public` is an API endpoint; a plain view runs with its owner's rights (bypassing the
//! RLS of `auth.users`) and a materialized view has no RLS at all, so every API user reads every
//! account. The dependency is read from the view's rewrite rule, so any reference counts (joins,
//! subqueries, CTEs).
//! Fix: copy what the application needs into `public.profiles` with a trigger on `auth.users`, or
//! `REVOKE SELECT ON <view> FROM anon, authenticated;`.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "auth-users-exposed",
    level: Severity::Error,
    summary: "no API-readable view or materialized view in an exposed schema reads auth.users",
    help: "REVOKE SELECT ON <view> FROM anon, authenticated; expose a public.profiles table filled by a trigger instead",
    doc: include_str!("../../../docs/checks/auth-users-exposed.md"),
    splinter: &["auth_users_exposed"],
    run: Some(check),
};

/// One result per exposed view or materialized view that reads `auth.users`.
pub fn check(catalog: &Catalog) -> Vec<Examined> {
    catalog
        .exposed_relations(&['v', 'm'])
        .filter(|v| v.reads_auth_users)
        .map(|view| {
            let readers = view.access.readers();
            let problem = (!readers.is_empty()).then(|| {
                format!(
                    "{} {} reads auth.users and is readable by {}: every account's data is exposed through the API",
                    view.kind_name(),
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
    fn names_readable_views_over_auth_users() {
        let mut catalog = catalog();
        let mut members = relation("public", "members", 'v');
        members.reads_auth_users = true;
        members.access.authenticated.select = true;
        let mut closed = relation("public", "closed", 'm');
        closed.reads_auth_users = true;
        let mut other = relation("public", "other", 'v');
        other.access.anon.select = true;
        catalog.relations = vec![members, closed, other];
        assert_eq!(
            problems(check(&catalog)),
            vec![
                "public.members: view public.members reads auth.users and is readable by authenticated: every account's data is exposed through the API"
            ]
        );
    }
}
