//! What a diff compares: the objects of the schemas the bundles own, not the platform's.
//!
//! Left out of both sides before comparing:
//! - Supabase's platform schemas ([`PLATFORM_SCHEMAS`]: `auth`, `storage`, `realtime`, …),
//!   except the triggers and policies on their tables, which projects create themselves
//!   (Supabase ships none on them);
//! - relations, functions and types owned by a platform role (`supabase_admin`, `supabase_*`), such as
//!   the event-trigger functions Supabase keeps in `extensions`;
//! - the migration history table (and its schema's entry when it is qualified);
//! - range and list partitions: maintenance jobs (`create_upcoming_partitions`, pg_partman)
//!   create them over time, so they differ between any two databases; the partitioned parent
//!   and its `DEFAULT` partition are compared;
//! - `MAINTAIN` privileges when either server predates PostgreSQL 17, which has none.
//!
//! Extensions the platform installs by default ([`PLATFORM_EXTENSIONS`]) are compared only when
//! the bundles install them too.

use std::collections::HashSet;

use super::snapshot::{Grant, Snapshot};

/// Schemas Supabase owns and manages (see `supabase-platform.md` §3).
pub const PLATFORM_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "supabase_functions",
    "supabase_migrations",
    "cron",
    "net",
    "pgbouncer",
    "_analytics",
    "pgtle",
];

/// Extensions a Supabase project has before any migration runs.
pub const PLATFORM_EXTENSIONS: &[&str] = &[
    "plpgsql",
    "pgcrypto",
    "uuid-ossp",
    "pg_stat_statements",
    "pg_graphql",
    "supabase_vault",
    "pgsodium",
    "pgjwt",
];

/// The first PostgreSQL with the `MAINTAIN` privilege.
const MAINTAIN_SINCE: i32 = 170000;

/// Whether `role` is one of Supabase's own roles.
pub fn is_platform_role(role: &str) -> bool {
    role == "supabase_admin" || role.starts_with("supabase_")
}

/// Whether `schema` is one of Supabase's platform schemas.
pub fn is_platform_schema(schema: &str) -> bool {
    PLATFORM_SCHEMAS.contains(&schema)
}

/// Scoping rules that depend on the project: where the history table lives.
#[derive(Debug, Clone)]
pub struct Scope {
    history_schema: String,
    history_table: String,
    history_qualified: bool,
}

impl Scope {
    /// The scope for a project whose history table is `history_table` (`schema.table` or `table`).
    pub fn new(history_table: &str) -> Scope {
        let (schema, table, qualified) = match history_table.split_once('.') {
            Some((schema, table)) => (schema, table, true),
            None => ("public", history_table, false),
        };
        Scope {
            history_schema: schema.to_string(),
            history_table: table.to_string(),
            history_qualified: qualified,
        }
    }

    /// Both sides, narrowed to what is compared and normalised for the older server.
    pub fn apply(&self, database: Snapshot, bundles: Snapshot) -> (Snapshot, Snapshot) {
        let oldest = database.server_version.min(bundles.server_version);
        let narrow = |snapshot: Snapshot| {
            let mut snapshot = self.narrow(snapshot);
            if oldest < MAINTAIN_SINCE {
                drop_maintain(&mut snapshot);
            }
            snapshot
        };
        (narrow(database), narrow(bundles))
    }

    fn is_history(&self, schema: &str, name: &str) -> bool {
        schema == self.history_schema && name == self.history_table
    }

    fn narrow(&self, mut s: Snapshot) -> Snapshot {
        let history_schema = |name: &str| self.history_qualified && name == self.history_schema;
        s.schemas
            .retain(|schema| !(is_platform_schema(&schema.name) || history_schema(&schema.name)));
        s.relations.retain(|r| {
            let transient_partition = r.partition_of.is_some()
                && r.partition_bound.as_deref().is_some_and(|b| b != "DEFAULT");
            !is_platform_schema(&r.schema)
                && !is_platform_role(&r.owner)
                && !transient_partition
                && !self.is_history(&r.schema, &r.name)
        });
        let kept: HashSet<(String, String)> = s
            .relations
            .iter()
            .map(|r| (r.schema.clone(), r.name.clone()))
            .collect();
        let on_kept =
            |schema: &String, table: &String| kept.contains(&(schema.clone(), table.clone()));
        let on_kept_or_platform =
            |schema: &String, table: &String| on_kept(schema, table) || is_platform_schema(schema);
        s.columns.retain(|c| on_kept(&c.schema, &c.table));
        s.constraints.retain(|c| on_kept(&c.schema, &c.table));
        s.indexes.retain(|i| on_kept(&i.schema, &i.table));
        s.triggers
            .retain(|t| on_kept_or_platform(&t.schema, &t.table));
        s.policies
            .retain(|p| on_kept_or_platform(&p.schema, &p.table));
        s.functions
            .retain(|f| !is_platform_schema(&f.schema) && !is_platform_role(&f.owner));
        s.types
            .retain(|t| !is_platform_schema(&t.schema) && !is_platform_role(&t.owner));
        s
    }
}

fn drop_maintain(snapshot: &mut Snapshot) {
    let strip = |grants: &mut Vec<Grant>| grants.retain(|g| g.privilege != "MAINTAIN");
    snapshot
        .relations
        .iter_mut()
        .for_each(|r| strip(&mut r.grants));
    snapshot
        .columns
        .iter_mut()
        .for_each(|c| strip(&mut c.grants));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::snapshot::Relation;

    fn relation(schema: &str, name: &str, owner: &str) -> Relation {
        Relation {
            schema: schema.into(),
            name: name.into(),
            kind: 'r',
            owner: owner.into(),
            rls: false,
            force_rls: false,
            unlogged: false,
            options: vec![],
            view_definition: None,
            partition_key: None,
            partition_of: None,
            partition_bound: None,
            sequence: None,
            comment: None,
            grants: vec![],
        }
    }

    #[test]
    fn platform_history_and_transient_partitions_are_left_out() {
        let mut partition = relation("public", "logs_p2026_01", "postgres");
        partition.partition_of = Some("public.logs".into());
        partition.partition_bound = Some("FOR VALUES FROM ('2026-01-01') TO ('2026-02-01')".into());
        let mut default = partition.clone();
        default.name = "logs_default".into();
        default.partition_bound = Some("DEFAULT".into());
        let snapshot = Snapshot {
            relations: vec![
                relation("auth", "users", "supabase_auth_admin"),
                relation("extensions", "x", "supabase_admin"),
                relation("eventos", "schema_history", "postgres"),
                relation("public", "events", "postgres"),
                partition,
                default,
            ],
            server_version: 180000,
            ..Snapshot::default()
        };
        let (narrowed, _) = Scope::new("eventos.schema_history").apply(snapshot.clone(), snapshot);
        let names: Vec<String> = narrowed.relations.iter().map(|r| r.qualified()).collect();
        assert_eq!(names, vec!["public.events", "public.logs_default"]);
    }

    #[test]
    fn maintain_is_dropped_when_one_side_predates_17() {
        let mut table = relation("public", "events", "postgres");
        table.grants = vec![
            Grant {
                grantee: "anon".into(),
                privilege: "MAINTAIN".into(),
                grantable: false,
            },
            Grant {
                grantee: "anon".into(),
                privilege: "SELECT".into(),
                grantable: false,
            },
        ];
        let new = Snapshot {
            relations: vec![table],
            server_version: 180003,
            ..Snapshot::default()
        };
        let old = Snapshot {
            server_version: 150018,
            ..new.clone()
        };
        let (a, b) = Scope::new("eventos.schema_history").apply(new.clone(), old);
        assert_eq!(a.relations[0].grants.len(), 1);
        assert_eq!(b.relations[0].grants.len(), 1);
        let (c, _) = Scope::new("eventos.schema_history").apply(new.clone(), new);
        assert_eq!(c.relations[0].grants.len(), 2);
    }
}
