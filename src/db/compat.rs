//! The Supabase compatibility layer: `auth` schema, `auth.uid()`/`jwt()`/`role()`, API roles.
//!
//! Installed in one transaction under a transaction-level advisory lock, so concurrent eventos
//! processes on one database install it once; roles are created tolerantly because they are
//! cluster-wide. A database that already has an `auth` schema (a real Supabase project) is never
//! touched.

use std::fmt;

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// The layer's SQL.
pub const COMPAT_SQL: &str = include_str!("supabase_compat.sql");

const COMPAT_LOCK_KEY: i64 = 0x0065_7663_6f6d_7061;

/// What `install` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompatOutcome {
    /// The layer was installed now.
    Installed,
    /// An `auth` schema already existed; nothing was changed.
    AuthSchemaPresent,
}

impl fmt::Display for CompatOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompatOutcome::Installed => write!(
                f,
                "supabase-compat: installed auth schema and roles anon, authenticated, service_role"
            ),
            CompatOutcome::AuthSchemaPresent => write!(
                f,
                "supabase-compat: schema auth already exists; left untouched"
            ),
        }
    }
}

/// Installs the layer unless the database already has an `auth` schema.
///
/// Roles are cluster-wide while advisory locks are per database, so installs into two databases
/// of one cluster can collide on a role row ("tuple concurrently updated", a duplicate role);
/// such a collision is retried a few times.
pub async fn install(client: &Client) -> Result<CompatOutcome> {
    let mut attempt = 1;
    loop {
        match try_install(client).await {
            Ok(outcome) => return Ok(outcome),
            Err(err) if attempt < 5 && is_cluster_wide_race(&err) => {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await;
                attempt += 1;
            }
            Err(err) => return Err(err).context("installing the Supabase compatibility layer"),
        }
    }
}

/// A concurrent change of a shared catalog row (roles) by another database's install.
fn is_cluster_wide_race(err: &tokio_postgres::Error) -> bool {
    err.as_db_error().is_some_and(|db| {
        db.message() == "tuple concurrently updated" || db.code().code() == "23505"
    })
}

async fn try_install(client: &Client) -> Result<CompatOutcome, tokio_postgres::Error> {
    let run = async {
        client.batch_execute("BEGIN").await?;
        client
            .execute("SELECT pg_advisory_xact_lock($1)", &[&COMPAT_LOCK_KEY])
            .await?;
        let present: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'auth')",
                &[],
            )
            .await?
            .get(0);
        if present {
            client.batch_execute("COMMIT").await?;
            return Ok(CompatOutcome::AuthSchemaPresent);
        }
        client.batch_execute(COMPAT_SQL).await?;
        client.batch_execute("COMMIT").await?;
        Ok::<_, tokio_postgres::Error>(CompatOutcome::Installed)
    };
    let result = run.await;
    if result.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    result
}
