//! Supabase's platform facts as data, from `../shared/supabase-platform.md` (supabase/postgres
//! image with supautils v3.4.0): the roles and their attributes, the schemas the migrating role
//! `postgres` may not touch, supautils' allow-listed extensions, reserved roles and memberships,
//! and the tables whose policies `postgres` may manage. One list each, used by the faithful
//! profile, the `supabase-reserved-schema` lint rule and the privilege preflight.

/// The role migrations run as on Supabase.
pub const MIGRATING_ROLE: &str = "postgres";

/// The bootstrap superuser of a Supabase database (supautils' `superuser`).
pub const BOOTSTRAP_SUPERUSER: &str = "supabase_admin";

/// Schemas Supabase's services own: `postgres` may not create or alter objects in them.
pub const RESERVED_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "supabase_functions",
    "cron",
    "net",
    "pgbouncer",
];

/// supautils `reserved_roles`: `postgres` may not alter, rename, drop or create them.
pub const RESERVED_ROLES: &[&str] = &[
    "supabase_admin",
    "supabase_auth_admin",
    "supabase_storage_admin",
    "supabase_read_only_user",
    "supabase_replication_admin",
    "dashboard_user",
    "pgbouncer",
    "service_role",
    "authenticator",
    "authenticated",
    "anon",
];

/// The reserved roles marked `*`: `postgres` may still `ALTER ROLE … SET` them and grant roles
/// to them.
pub const CONFIGURABLE_RESERVED_ROLES: &[&str] =
    &["service_role", "authenticator", "authenticated", "anon"];

/// supautils `reserved_memberships`: roles whose membership only a superuser may grant.
pub const RESERVED_MEMBERSHIPS: &[&str] = &[
    "pg_read_server_files",
    "pg_write_server_files",
    "pg_execute_server_program",
    "authenticator",
];

/// supautils `policy_grants` of `postgres`: tables it may manage policies on without owning them.
pub const POLICY_GRANT_TABLES: &[(&str, &str)] = &[
    ("auth", "audit_log_entries"),
    ("auth", "identities"),
    ("auth", "refresh_tokens"),
    ("auth", "sessions"),
    ("auth", "users"),
    ("realtime", "messages"),
    ("storage", "buckets"),
    ("storage", "migrations"),
    ("storage", "objects"),
    ("storage", "s3_multipart_uploads"),
    ("storage", "s3_multipart_uploads_parts"),
];

/// supautils `privileged_extensions`: created (and altered, dropped) as the superuser on behalf
/// of `postgres`, into any schema.
pub const PRIVILEGED_EXTENSIONS: &[&str] = &[
    "address_standardizer",
    "address_standardizer_data_us",
    "autoinc",
    "bloom",
    "btree_gin",
    "btree_gist",
    "citext",
    "cube",
    "dblink",
    "dict_int",
    "dict_xsyn",
    "earthdistance",
    "fuzzystrmatch",
    "hstore",
    "http",
    "hypopg",
    "index_advisor",
    "insert_username",
    "intarray",
    "isn",
    "ltree",
    "moddatetime",
    "orioledb",
    "pg_cron",
    "pg_graphql",
    "pg_hashids",
    "pg_jsonschema",
    "pg_net",
    "pg_partman",
    "pg_prewarm",
    "pg_repack",
    "pg_stat_monitor",
    "pg_stat_statements",
    "pg_tle",
    "pg_trgm",
    "pg_walinspect",
    "pgaudit",
    "pgcrypto",
    "pgjwt",
    "pgmq",
    "pgroonga",
    "pgroonga_database",
    "pgrouting",
    "pgrowlocks",
    "pgsodium",
    "pgstattuple",
    "pgtap",
    "plcoffee",
    "pljava",
    "plls",
    "plpgsql",
    "plpgsql_check",
    "plv8",
    "postgis",
    "postgis_raster",
    "postgis_sfcgal",
    "postgis_tiger_geocoder",
    "postgis_topology",
    "postgres_fdw",
    "refint",
    "rum",
    "seg",
    "sslinfo",
    "supabase_vault",
    "supautils",
    "tablefunc",
    "tcn",
    "timescaledb",
    "tsm_system_rows",
    "tsm_system_time",
    "unaccent",
    "uuid-ossp",
    "vector",
    "wrappers",
];

/// supautils `privileged_role_allowed_configs`: parameters `postgres` may set (`SET`, and
/// `ALTER ROLE … SET` on roles it could otherwise not change) through supautils.
pub const PRIVILEGED_ROLE_ALLOWED_CONFIGS: &[&str] = &[
    "auto_explain.log_min_duration",
    "auto_explain.log_nested_statements",
    "log_lock_waits",
    "log_min_messages",
    "pg_net.batch_size",
    "pg_net.ttl",
    "pgaudit.*",
    "pgrst.*",
    "plan_filter.*",
    "safeupdate.enabled",
    "session_replication_role",
    "track_io_timing",
];

/// The allowed configs that are real server parameters (the others are placeholders of
/// modules anyone may set).
pub const PRIVILEGED_ROLE_ALLOWED_PARAMETERS: &[&str] = &[
    "log_lock_waits",
    "log_min_messages",
    "session_replication_role",
    "track_io_timing",
];

/// Extensions a Supabase database has in schema `extensions` from the start.
pub const PREINSTALLED_EXTENSIONS: &[&str] = &["pgcrypto", "uuid-ossp", "pg_stat_statements"];

/// The first PostgreSQL major the faithful profile pairs with supautils (section 9's first
/// column, measured on 18; hosted Supabase runs supautils from 16 on); older majors follow the
/// image without it (its PG15 column).
pub const SUPAUTILS_MIN_MAJOR: u32 = 16;

/// The first major where `postgres` holds the API roles WITH ADMIN OPTION (Supabase's PG ≥ 16
/// migration; CREATEROLE needs it there to alter or grant them).
pub const ADMIN_OPTION_MIN_MAJOR: u32 = 16;

/// Whether `schema` belongs to Supabase's services.
pub fn is_reserved_schema(schema: &str) -> bool {
    RESERVED_SCHEMAS.contains(&schema)
}

/// Whether `role` is reserved by supautils.
pub fn is_reserved_role(role: &str) -> bool {
    RESERVED_ROLES.contains(&role)
}

/// Whether `postgres` may still `ALTER ROLE … SET` `role` and grant roles to it.
pub fn is_configurable_reserved_role(role: &str) -> bool {
    CONFIGURABLE_RESERVED_ROLES.contains(&role)
}

/// Whether membership in `role` is reserved to superusers.
pub fn is_reserved_membership(role: &str) -> bool {
    RESERVED_MEMBERSHIPS.contains(&role)
}

/// Whether `postgres` may manage policies on `schema.table`.
pub fn has_policy_grant(schema: &str, table: &str) -> bool {
    POLICY_GRANT_TABLES.contains(&(schema, table))
}

/// supautils' `policy_grants` setting value: `{"postgres": ["auth.users", …]}`.
pub fn policy_grants_json() -> String {
    let tables: Vec<String> = POLICY_GRANT_TABLES
        .iter()
        .map(|(schema, table)| format!("\"{schema}.{table}\""))
        .collect();
    format!("{{\"{MIGRATING_ROLE}\": [{}]}}", tables.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configurable_roles_are_reserved_and_lists_have_no_duplicates() {
        assert!(
            CONFIGURABLE_RESERVED_ROLES
                .iter()
                .all(|r| is_reserved_role(r))
        );
        for list in [
            RESERVED_SCHEMAS,
            RESERVED_ROLES,
            RESERVED_MEMBERSHIPS,
            PRIVILEGED_EXTENSIONS,
        ] {
            let mut sorted = list.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), list.len());
        }
        assert!(policy_grants_json().starts_with("{\"postgres\": [\"auth.audit_log_entries\""));
    }
}
