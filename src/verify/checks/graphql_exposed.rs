//! `graphql-anon-exposed` / `graphql-authenticated-exposed` (warnings) — with `pg_graphql`
//! installed, which tables and views `anon` / `authenticated` can discover through
//! `/graphql/v1` introspection (splinter's `pg_graphql_anon_table_exposed` and
//! `pg_graphql_authenticated_table_exposed`).
//!
//! Why: pg_graphql's schema reflects the caller's privileges: every relation a role may SELECT
//! (any column) is listed with its columns and relationships, even when RLS hides every row.
//! For `anon` that is anyone with the public key. The checks list them so each one is a
//! decision; they run only when the extension is installed. Partitioned parents are not
//! reflected by pg_graphql; their partitions are.
//! Fix: `REVOKE SELECT ON <relation> FROM anon;` (or `authenticated`) for what must not be
//! discoverable, or drop pg_graphql if the project does not use it.

use super::{Check, Examined, Severity};
use crate::verify::catalog::Catalog;

/// `anon`'s view.
pub const ANON: Check = Check {
    id: "graphql-anon-exposed",
    level: Severity::Warning,
    summary: "(pg_graphql installed) relations anon can SELECT are discoverable through /graphql/v1 introspection",
    help: "REVOKE SELECT ON <relation> FROM anon; where it must not be discoverable without signing in",
    doc: include_str!("../../../docs/checks/graphql-anon-exposed.md"),
    splinter: &["pg_graphql_anon_table_exposed"],
    run: Some(anon),
};

/// `authenticated`'s view.
pub const AUTHENTICATED: Check = Check {
    id: "graphql-authenticated-exposed",
    level: Severity::Warning,
    summary: "(pg_graphql installed) relations authenticated can SELECT are discoverable through /graphql/v1 introspection",
    help: "REVOKE SELECT ON <relation> FROM authenticated; where signed-in users must not discover it",
    doc: include_str!("../../../docs/checks/graphql-authenticated-exposed.md"),
    splinter: &["pg_graphql_authenticated_table_exposed"],
    run: Some(authenticated),
};

fn anon(catalog: &Catalog) -> Vec<Examined> {
    examine(catalog, "anon")
}

fn authenticated(catalog: &Catalog) -> Vec<Examined> {
    examine(catalog, "authenticated")
}

fn examine(catalog: &Catalog, role: &str) -> Vec<Examined> {
    if !catalog.has_extension("pg_graphql") {
        return Vec::new();
    }
    catalog
        .user_relations(&['r', 'v', 'm', 'f'])
        .map(|relation| {
            let readable = match role {
                "anon" => relation.access.anon.select,
                _ => relation.access.authenticated.select,
            };
            let problem = readable.then(|| {
                format!(
                    "{} {} is discoverable by {role} through /graphql/v1 introspection (name, columns, relationships)",
                    relation.kind_name(),
                    relation.qualified()
                )
            });
            Examined::relation(relation, problem)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::catalog::Extension;
    use crate::verify::checks::fixtures::{catalog, problems, relation};

    #[test]
    fn lists_readable_relations_only_with_pg_graphql() {
        let mut catalog = catalog();
        let mut events = relation("public", "events", 'r');
        events.access.anon.select = true;
        events.access.authenticated.select = true;
        catalog.relations = vec![events, relation("public", "closed", 'r')];
        assert!(anon(&catalog).is_empty());
        catalog.extensions.push(Extension {
            name: "pg_graphql".into(),
            schema: "graphql".into(),
            ..Extension::default()
        });
        assert_eq!(
            problems(anon(&catalog)),
            vec![
                "public.events: table public.events is discoverable by anon through /graphql/v1 introspection (name, columns, relationships)"
            ]
        );
        assert_eq!(problems(authenticated(&catalog)).len(), 1);
    }
}
