//! The faithful Supabase profile: a vanilla PostgreSQL made to refuse what Supabase refuses.
//!
//! Supabase's roles with their attributes, settings and memberships (cluster-wide), and per
//! database the ownership and grants of the database and its schemas, GoTrue's `auth.users`
//! and helpers, storage's tables, default privileges, the publication and PostgREST's event
//! triggers — then every migration runs as the non-superuser `postgres`. On PostgreSQL ≥ 16
//! the profile also stands in for supautils (allow-listed extensions, policy grants, the
//! parameters `postgres` may set, and supautils' settings for eventos' preflight to read).
//! The facts are `../shared/supabase-platform.md`; docs/migrate.md lists what is reproduced and
//! what is not.

pub mod extensions;
pub mod platform;

use std::path::Path;

use tokio_postgres::Client;

use platform::{
    ADMIN_OPTION_MIN_MAJOR, BOOTSTRAP_SUPERUSER, CONFIGURABLE_RESERVED_ROLES, MIGRATING_ROLE,
    POLICY_GRANT_TABLES, PREINSTALLED_EXTENSIONS, PRIVILEGED_EXTENSIONS,
    PRIVILEGED_ROLE_ALLOWED_CONFIGS, PRIVILEGED_ROLE_ALLOWED_PARAMETERS, RESERVED_MEMBERSHIPS,
    RESERVED_ROLES, SUPAUTILS_MIN_MAJOR,
};

const ROLES_SQL: &str = include_str!("roles.sql");
const DATABASE_SQL: &str = include_str!("database.sql");
const EMULATION_SQL: &str = include_str!("supautils_emulation.sql");

/// Whether the profile of PostgreSQL `major` stands in for supautils.
pub fn emulates_supautils(major: u32) -> bool {
    major >= SUPAUTILS_MIN_MAJOR
}

/// The cluster-wide part for PostgreSQL `major`: roles, their settings and memberships, and on
/// ≥ 16 the parameters supautils lets `postgres` set. Idempotent; safe to run concurrently.
pub fn cluster_sql(major: u32) -> String {
    let admin = if major >= ADMIN_OPTION_MIN_MAJOR {
        "WITH ADMIN OPTION"
    } else {
        ""
    };
    let mut sql = ROLES_SQL.replace("{api_admin_option}", admin);
    if emulates_supautils(major) {
        sql.push_str(&parameter_grants_sql());
    }
    sql
}

/// `GRANT SET ON PARAMETER … TO postgres` for each allowed parameter it cannot set yet.
fn parameter_grants_sql() -> String {
    let names: Vec<String> = PRIVILEGED_ROLE_ALLOWED_PARAMETERS
        .iter()
        .map(|p| format!("'{p}'"))
        .collect();
    format!(
        "\nDO $params$\nDECLARE\n  p text;\nBEGIN\n  FOREACH p IN ARRAY ARRAY[{}] LOOP\n    \
         IF NOT has_parameter_privilege('{MIGRATING_ROLE}', p, 'SET') THEN\n      BEGIN\n        \
         EXECUTE format('GRANT SET ON PARAMETER %s TO {MIGRATING_ROLE}', p);\n      \
         EXCEPTION WHEN unique_violation THEN\n        NULL;\n      END;\n    END IF;\n  \
         END LOOP;\nEND\n$params$;\n",
        names.join(", ")
    )
}

/// supautils' settings as Supabase sets them (section 8): readable by every role there, and
/// what eventos' privilege preflight reads.
pub fn supautils_settings() -> Vec<(&'static str, String)> {
    let reserved_roles: Vec<String> = RESERVED_ROLES
        .iter()
        .map(|role| {
            if CONFIGURABLE_RESERVED_ROLES.contains(role) {
                format!("{role}*")
            } else {
                (*role).to_string()
            }
        })
        .collect();
    vec![
        ("supautils.privileged_role", MIGRATING_ROLE.to_string()),
        ("supautils.superuser", BOOTSTRAP_SUPERUSER.to_string()),
        (
            "supautils.privileged_extensions",
            PRIVILEGED_EXTENSIONS.join(","),
        ),
        ("supautils.reserved_roles", reserved_roles.join(",")),
        (
            "supautils.reserved_memberships",
            RESERVED_MEMBERSHIPS.join(","),
        ),
        ("supautils.policy_grants", platform::policy_grants_json()),
        (
            "supautils.privileged_role_allowed_configs",
            PRIVILEGED_ROLE_ALLOWED_CONFIGS.join(","),
        ),
    ]
}

/// Server settings (`-c name=value`) of a throwaway cluster on PostgreSQL `major`: Supabase's
/// server settings, and where supautils is emulated the extension control path (PostgreSQL ≥ 18)
/// and supautils' settings.
pub fn server_settings(
    major: u32,
    control_path: Option<&str>,
    pkglib: Option<&Path>,
) -> Vec<(String, String)> {
    let mut settings = vec![
        ("wal_level".to_string(), "logical".to_string()),
        ("timezone".to_string(), "UTC".to_string()),
    ];
    if pkglib.is_some_and(|dir| dir.join("pg_stat_statements.so").is_file()) {
        settings.push((
            "shared_preload_libraries".into(),
            "pg_stat_statements".into(),
        ));
    }
    if emulates_supautils(major) {
        if let Some(path) = control_path {
            settings.push(("extension_control_path".into(), path.to_string()));
        }
        settings.extend(
            supautils_settings()
                .into_iter()
                .map(|(name, value)| (name.to_string(), value)),
        );
    }
    settings
}

/// Installs the database part into the connected database. The caller is a superuser, holds a
/// transaction, and has run [`cluster_sql`].
pub async fn install_database(client: &Client, major: u32) -> Result<(), tokio_postgres::Error> {
    client.batch_execute(DATABASE_SQL).await?;
    install_preinstalled_extensions(client).await?;
    if emulates_supautils(major) {
        let tables: Vec<String> = POLICY_GRANT_TABLES
            .iter()
            .map(|(schema, table)| format!("'{schema}.{table}'"))
            .collect();
        let array = format!("ARRAY[{}]", tables.join(", "));
        client
            .batch_execute(&EMULATION_SQL.replace("{policy_tables}", &array))
            .await?;
        set_supautils_settings_if_absent(client).await?;
    }
    client.batch_execute("RESET search_path").await
}

/// pgcrypto, uuid-ossp and pg_stat_statements in `extensions`, where the server has them (and,
/// for pg_stat_statements, preloads it). Trusted ones are created by `postgres`, so it owns them
/// and may drop them as on Supabase; the others by the superuser.
async fn install_preinstalled_extensions(client: &Client) -> Result<(), tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT v.name::text, v.trusted
             FROM pg_catalog.pg_available_extensions AS a
             JOIN pg_catalog.pg_available_extension_versions AS v
               ON v.name = a.name AND v.version = a.default_version
             WHERE a.name = ANY($1)
               AND (a.name <> 'pg_stat_statements'
                    OR 'pg_stat_statements' = ANY (string_to_array(
                         replace(current_setting('shared_preload_libraries'), ' ', ''), ',')))",
            &[&PREINSTALLED_EXTENSIONS],
        )
        .await?;
    for row in rows {
        let name: String = row.get(0);
        let trusted: bool = row.get(1);
        let create = format!("CREATE EXTENSION IF NOT EXISTS \"{name}\" WITH SCHEMA extensions");
        if trusted {
            client
                .batch_execute(&format!(
                    "SET LOCAL ROLE {MIGRATING_ROLE}; {create}; RESET ROLE"
                ))
                .await?;
        } else {
            client.batch_execute(&create).await?;
        }
    }
    Ok(())
}

/// On a server eventos did not start, supautils' settings become settings of the database (and
/// of this session), so the preflight reads the same values as on Supabase.
async fn set_supautils_settings_if_absent(client: &Client) -> Result<(), tokio_postgres::Error> {
    let present: Option<String> = client
        .query_one(
            "SELECT nullif(current_setting('supautils.reserved_roles', true), '')",
            &[],
        )
        .await?
        .get(0);
    if present.is_some() {
        return Ok(());
    }
    for (name, value) in supautils_settings() {
        let statement: String = client
            .query_one(
                "SELECT format('ALTER DATABASE %I SET %s = %L', current_database(), $1::text, $2::text),
                        set_config($1::text, $2::text, false)",
                &[&name, &value],
            )
            .await?
            .get(0);
        client.batch_execute(&statement).await?;
    }
    Ok(())
}

/// Allow-listed extensions this server has but `postgres` cannot create (no overlay: not a
/// cluster eventos started).
pub async fn unemulated_extensions(client: &Client) -> Result<Vec<String>, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT a.name::text
             FROM pg_catalog.pg_available_extensions AS a
             JOIN pg_catalog.pg_available_extension_versions AS v
               ON v.name = a.name AND v.version = a.default_version
             WHERE a.name = ANY($1) AND v.superuser AND NOT v.trusted AND a.installed_version IS NULL
             ORDER BY 1",
            &[&PRIVILEGED_EXTENSIONS],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_option_and_supautils_follow_the_major() {
        assert!(cluster_sql(18).contains("'WITH ADMIN OPTION'"));
        assert!(cluster_sql(18).contains("GRANT SET ON PARAMETER"));
        assert!(!cluster_sql(15).contains("'WITH ADMIN OPTION'"));
        assert!(!cluster_sql(15).contains("GRANT SET ON PARAMETER"));
        let settings = server_settings(15, None, None);
        assert!(settings.iter().all(|(k, _)| !k.starts_with("supautils.")));
        let settings = server_settings(18, Some("/x:$system"), None);
        assert!(
            settings
                .iter()
                .any(|(k, v)| k == "extension_control_path" && v == "/x:$system")
        );
        assert!(
            settings
                .iter()
                .any(|(k, _)| k == "supautils.reserved_roles")
        );
        let roles = supautils_settings();
        let reserved = &roles
            .iter()
            .find(|(k, _)| *k == "supautils.reserved_roles")
            .unwrap()
            .1;
        assert!(reserved.contains("anon*") && reserved.contains("supabase_admin,"));
    }
}
