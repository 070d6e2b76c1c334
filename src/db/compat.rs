//! The Supabase stand-ins eventos installs on a database that has no `auth` schema.
//!
//! - [`CompatProfile::Supabase`] (the default): the faithful profile of [`super::supabase`] —
//!   Supabase's roles, ownership, grants and `auth.users`, installed by a superuser; every
//!   migration then runs as the non-superuser `postgres` ([`assume_migrating_role`]).
//! - [`CompatProfile::Legacy`]: the permissive layer of earlier eventos releases (an `auth`
//!   schema the connecting role owns, applied as that role). Kept as an explicit opt-out only:
//!   it lets migrations pass that Supabase refuses.
//!
//! Either is installed in one transaction under a transaction-level advisory lock, so
//! concurrent eventos processes on one database install it once; roles are created tolerantly
//! because they are cluster-wide. A database that already has an `auth` schema (a real Supabase
//! project) is never touched.

use std::fmt;

use anyhow::{Context, Result, bail};
use tokio_postgres::Client;

use super::supabase::{self, platform::MIGRATING_ROLE};

/// The legacy layer's SQL.
pub const COMPAT_SQL: &str = include_str!("supabase_compat.sql");

const COMPAT_LOCK_KEY: i64 = 0x0065_7663_6f6d_7061;

/// Which stand-in to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CompatProfile {
    /// Supabase's real roles and ownership; migrations run as the non-superuser `postgres`.
    #[default]
    Supabase,
    /// The permissive layer: `auth` owned by the connecting role, applied as that role.
    Legacy,
}

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompatOutcome {
    /// The stand-in was installed now.
    Installed {
        /// Which one.
        profile: CompatProfile,
        /// The server's major version.
        major: u32,
        /// Allow-listed extensions `postgres` still cannot create on this server.
        unemulated: Vec<String>,
    },
    /// An `auth` schema already existed; nothing was changed.
    AuthSchemaPresent,
}

impl fmt::Display for CompatOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompatOutcome::Installed {
                profile: CompatProfile::Legacy,
                ..
            } => write!(
                f,
                "supabase-compat: installed the legacy layer (auth schema, roles anon, authenticated, service_role); --compat legacy lets migrations pass that Supabase refuses"
            ),
            CompatOutcome::Installed {
                profile: CompatProfile::Supabase,
                major,
                unemulated,
            } => {
                write!(
                    f,
                    "supabase-compat: installed the Supabase profile for PostgreSQL {major} (Supabase's roles, auth.users, storage, grants{})",
                    if supabase::emulates_supautils(*major) {
                        ", supautils emulation"
                    } else {
                        "; no supautils, as Supabase's PostgreSQL 15 image"
                    }
                )?;
                if !unemulated.is_empty() && supabase::emulates_supautils(*major) {
                    write!(
                        f,
                        "\nsupabase-compat: note: allow-listed on Supabase but not creatable by postgres here: {} (only a cluster eventos starts emulates the allow-list; use --ephemeral)",
                        unemulated.join(", ")
                    )?;
                }
                Ok(())
            }
            CompatOutcome::AuthSchemaPresent => write!(
                f,
                "supabase-compat: schema auth already exists; left untouched"
            ),
        }
    }
}

/// Installs `profile` unless the database already has an `auth` schema.
///
/// Roles are cluster-wide while advisory locks are per database, so installs into two databases
/// of one cluster can collide on a role row ("tuple concurrently updated", a duplicate role);
/// such a collision is retried a few times.
pub async fn install(client: &Client, profile: CompatProfile) -> Result<CompatOutcome> {
    if profile == CompatProfile::Supabase && !auth_schema_present(client).await? {
        check_can_bootstrap(client).await?;
    }
    let mut attempt = 1;
    loop {
        match try_install(client, profile).await {
            Ok(outcome) => return Ok(outcome),
            Err(err) if attempt < 5 && is_cluster_wide_race(&err) => {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                attempt += 1;
            }
            Err(err) => return Err(err).context("installing the Supabase compatibility layer"),
        }
    }
}

/// Makes this session run as the non-superuser `postgres`, as migrations do on Supabase, when it
/// is connected as a superuser and such a role exists: `SET SESSION AUTHORIZATION postgres`
/// plus `postgres`'s own role settings (search_path …), which a login as `postgres` would get.
/// Returns a line saying so, or `None` when nothing changed.
pub async fn assume_migrating_role(client: &Client) -> Result<Option<String>> {
    let row = client
        .query_one(
            "SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
                    (SELECT NOT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1)",
            &[&MIGRATING_ROLE],
        )
        .await
        .context("reading the session's role")?;
    let connected_as_superuser: bool = row.get(0);
    let migrating_role_is_plain: Option<bool> = row.get(1);
    if !connected_as_superuser || migrating_role_is_plain != Some(true) {
        return Ok(None);
    }
    client
        .batch_execute(&format!("SET SESSION AUTHORIZATION {MIGRATING_ROLE}"))
        .await
        .context("switching the session to role postgres")?;
    client
        .execute(
            "SELECT set_config(split_part(c.entry, '=', 1), substr(c.entry, strpos(c.entry, '=') + 1), false)
             FROM pg_catalog.pg_db_role_setting AS d, unnest(d.setconfig) AS c (entry)
             WHERE d.setrole = $1::text::regrole
               AND d.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
             ORDER BY d.setdatabase",
            &[&MIGRATING_ROLE],
        )
        .await
        .context("applying role postgres's settings")?;
    Ok(Some(format!(
        "supabase-compat: migrations run as role {MIGRATING_ROLE} (NOSUPERUSER), as on Supabase"
    )))
}

/// Whether the database has an `auth` schema (a Supabase project, or a stand-in installed).
pub async fn auth_schema_present(client: &Client) -> Result<bool> {
    Ok(client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth')",
            &[],
        )
        .await?
        .get(0))
}

/// The faithful profile needs a superuser to install it and a role `postgres` that is not one.
async fn check_can_bootstrap(client: &Client) -> Result<()> {
    let row = client
        .query_one(
            "SELECT current_user::text,
                    (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
                    (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = $1)",
            &[&MIGRATING_ROLE],
        )
        .await
        .context("reading the connecting role")?;
    let user: String = row.get(0);
    let is_superuser: bool = row.get(1);
    let postgres_is_superuser: Option<bool> = row.get(2);
    if !is_superuser {
        bail!(
            "installing the Supabase profile needs a superuser, and role {user} is not one\nhelp: connect as a superuser of this server you started, use --ephemeral, or --compat legacy"
        );
    }
    if postgres_is_superuser == Some(true) {
        bail!(
            "role postgres is a superuser on this server, but on Supabase it is not: the Supabase profile applies migrations as a non-superuser postgres\nhelp: use --ephemeral (or `eventos check`), a server initialised with `initdb -U supabase_admin`, or --compat legacy to keep applying as a superuser"
        );
    }
    Ok(())
}

/// A concurrent change of a shared catalog row (roles) by another database's install.
fn is_cluster_wide_race(err: &tokio_postgres::Error) -> bool {
    err.as_db_error().is_some_and(|db| {
        db.message() == "tuple concurrently updated" || db.code().code() == "23505"
    })
}

async fn try_install(
    client: &Client,
    profile: CompatProfile,
) -> Result<CompatOutcome, tokio_postgres::Error> {
    let run = async {
        client.batch_execute("BEGIN").await?;
        client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&COMPAT_LOCK_KEY])
            .await?;
        let present: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth')",
                &[],
            )
            .await?
            .get(0);
        if present {
            client.batch_execute("COMMIT").await?;
            return Ok(CompatOutcome::AuthSchemaPresent);
        }
        let major = server_major(client).await?;
        let mut unemulated = Vec::new();
        match profile {
            CompatProfile::Legacy => client.batch_execute(COMPAT_SQL).await?,
            CompatProfile::Supabase => {
                client.batch_execute(&supabase::cluster_sql(major)).await?;
                supabase::install_database(client, major).await?;
                unemulated = supabase::unemulated_extensions(client).await?;
            }
        }
        client.batch_execute("COMMIT").await?;
        Ok::<_, tokio_postgres::Error>(CompatOutcome::Installed {
            profile,
            major,
            unemulated,
        })
    };
    let result = run.await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}

/// The server's major version, e.g. 18.
pub async fn server_major(client: &Client) -> Result<u32, tokio_postgres::Error> {
    let num: String = client
        .query_one("SHOW server_version_num", &[])
        .await?
        .get(0);
    Ok(num.parse::<u32>().unwrap_or(0) / 10000)
}
