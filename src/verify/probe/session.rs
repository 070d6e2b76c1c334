//! What the probes share: synthetic users in `auth.users`, PostgREST-like requests (role and JWT
//! claims set for the transaction, exactly as PostgREST does before running a request's SQL),
//! savepoints, and how a refused statement is told apart from a lost connection.

use anyhow::{Context, Result};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

use crate::verify::catalog::Catalog;

/// Who sends a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in synthetic user: role `authenticated`, claims with `sub` = `id`.
    User {
        /// How messages call them (`user A`, `synthetic user 1`).
        label: String,
        /// Their `auth.users.id`.
        id: String,
    },
    /// The anon key: role `anon`, no `sub`.
    Anon,
}

impl Actor {
    /// The database role PostgREST switches to.
    pub fn role(&self) -> &'static str {
        match self {
            Actor::User { .. } => "authenticated",
            Actor::Anon => "anon",
        }
    }

    /// How messages name the actor.
    pub fn label(&self) -> String {
        match self {
            Actor::User { label, .. } => format!("authenticated {label}"),
            Actor::Anon => "anon".into(),
        }
    }

    /// The JWT claims GoTrue would issue, as PostgREST passes them in `request.jwt.claims`.
    pub fn claims(&self) -> String {
        match self {
            Actor::User { id, .. } => serde_json::json!({
                "aud": "authenticated",
                "role": "authenticated",
                "sub": id,
                "email": probe_email(id),
                "phone": "",
                "app_metadata": {"provider": "email", "providers": ["email"]},
                "user_metadata": {},
                "aal": "aal1",
                "is_anonymous": false,
                "iss": "eventos-probe",
                "iat": 1_700_000_000,
                "exp": 4_102_444_800u64,
            })
            .to_string(),
            Actor::Anon => serde_json::json!({
                "role": "anon",
                "iss": "eventos-probe",
                "iat": 1_700_000_000,
                "exp": 4_102_444_800u64,
            })
            .to_string(),
        }
    }
}

/// The e-mail address of synthetic user `id`.
pub fn probe_email(id: &str) -> String {
    format!("eventos-probe-{id}@probe.invalid")
}

/// A database refusal (`SQLSTATE: message`) or a lost connection (`Err`).
pub fn refusal(err: tokio_postgres::Error, what: &str) -> Result<String> {
    match err.as_db_error() {
        Some(db) => Ok(format!("{}: {}", db.code().code(), db.message())),
        None => Err(anyhow::Error::new(err).context(format!("rls probe: {what}"))),
    }
}

/// Whether a refusal is PostgreSQL's permission or row level security refusal.
pub fn is_denied(message: &str) -> bool {
    message.starts_with(SqlState::INSUFFICIENT_PRIVILEGE.code())
}

/// Whether a refusal is an integrity constraint (class 23): PostgreSQL checks row level security
/// before constraints, so the policies accepted the row.
pub fn is_constraint(message: &str) -> bool {
    message.starts_with("23")
}

/// Opens a savepoint.
pub async fn savepoint(client: &Client, name: &str) -> Result<()> {
    client
        .batch_execute(&format!("SAVEPOINT {name}"))
        .await
        .context("rls probe: savepoint")
}

/// Rolls back to a savepoint (and so back to the connecting role and its settings).
pub async fn rollback_to(client: &Client, name: &str) -> Result<()> {
    client
        .batch_execute(&format!("ROLLBACK TO SAVEPOINT {name}"))
        .await
        .context("rls probe: rollback to savepoint")
}

/// Releases a savepoint, back as the connecting role.
pub async fn release(client: &Client, name: &str) -> Result<()> {
    client
        .batch_execute(&format!(
            "RESET ROLE; SELECT set_config('request.jwt.claims', '', true); RELEASE SAVEPOINT {name}"
        ))
        .await
        .context("rls probe: release savepoint")
}

/// Sets the role, claims and request method for the rest of the (sub)transaction, as PostgREST
/// does for each request.
pub async fn act_as(
    client: &Client,
    actor: &Actor,
    method: &str,
) -> std::result::Result<(), tokio_postgres::Error> {
    client.batch_execute(&request_settings(actor, method)).await
}

/// Sets only the claims (seeding as the connecting role while `auth.uid()` is the user).
pub async fn claims_only(client: &Client, actor: &Actor) -> Result<()> {
    client
        .execute(
            "SELECT set_config('request.jwt.claims', $1, true)",
            &[&actor.claims()],
        )
        .await
        .map(|_| ())
        .context("rls probe: setting the seed's claims")
}

/// Runs a read as the connecting role in a savepoint, so a refused query leaves the probe's
/// transaction usable; a refusal is `Ok(Err(message))`.
pub async fn read_opt(
    client: &Client,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<std::result::Result<Option<tokio_postgres::Row>, String>> {
    savepoint(client, "eventos_read").await?;
    match client.query_opt(sql, params).await {
        Ok(row) => {
            release(client, "eventos_read").await?;
            Ok(Ok(row))
        }
        Err(err) => {
            let message = refusal(err, "a probe read")?;
            rollback_to(client, "eventos_read").await?;
            Ok(Err(message))
        }
    }
}

/// The outcome of one write sent as an actor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// It ran and touched this many rows.
    Rows(u64),
    /// PostgreSQL refused it: permission or row level security (42501).
    Denied(String),
    /// Another error stopped it (a constraint, a trigger).
    Failed(String),
}

impl Attempt {
    /// It changed at least one row.
    pub fn wrote(&self) -> bool {
        matches!(self, Attempt::Rows(n) if *n > 0)
    }

    /// The policies let it through (it wrote, or only a unique constraint stopped it).
    pub fn passed_policies(&self) -> bool {
        match self {
            Attempt::Rows(n) => *n > 0,
            Attempt::Failed(message) => message.starts_with(SqlState::UNIQUE_VIOLATION.code()),
            Attempt::Denied(_) => false,
        }
    }
}

/// Runs `sql` as `actor` in a savepoint that is always rolled back. Opening the savepoint and
/// setting the request travel in one simple-protocol batch; if setting the role failed, the
/// subtransaction is aborted and the statement cannot run as the connecting role.
pub async fn attempt(
    client: &Client,
    actor: &Actor,
    method: &str,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Attempt> {
    client
        .batch_execute(&format!(
            "SAVEPOINT eventos_attempt; {}",
            request_settings(actor, method)
        ))
        .await
        .context("rls probe: savepoint and request settings")?;
    let outcome = client.execute(sql, params).await;
    rollback_to(client, "eventos_attempt").await?;
    Ok(match outcome {
        Ok(rows) => Attempt::Rows(rows),
        Err(err) => {
            let message = refusal(err, "a probe write")?;
            if is_denied(&message) {
                Attempt::Denied(message)
            } else {
                Attempt::Failed(message)
            }
        }
    })
}

/// The `set_config` calls PostgREST makes for a request, as one statement with literals.
fn request_settings(actor: &Actor, method: &str) -> String {
    let literal = |text: &str| format!("'{}'", text.replace('\'', "''"));
    format!(
        "SELECT set_config('role', {}, true), set_config('request.jwt.claims', {}, true), \
         set_config('request.method', {}, true), set_config('request.path', '/rest/v1/probe', true), \
         set_config('request.headers', '{{}}', true)",
        literal(actor.role()),
        literal(&actor.claims()),
        literal(method)
    )
}

/// Inserts `count` synthetic users into `auth.users` with the columns GoTrue fills for an e-mail
/// sign-up (only those the table has), so triggers such as Supabase's `on_auth_user_created`
/// see a realistic row. `Ok(Err(message))` when the insert is refused — a trigger failing, most
/// often — with the triggers named.
pub async fn create_users(
    client: &Client,
    catalog: &Catalog,
    count: usize,
) -> Result<std::result::Result<Vec<String>, String>> {
    let columns: Vec<String> = client
        .query(
            "SELECT a.attname::text FROM pg_catalog.pg_attribute a
             WHERE a.attrelid = to_regclass('auth.users') AND a.attnum > 0 AND NOT a.attisdropped
               AND a.attgenerated = ''",
            &[],
        )
        .await
        .context("rls probe: reading the columns of auth.users")?
        .iter()
        .map(|r| r.get(0))
        .collect();
    if columns.is_empty() {
        return Ok(Err(
            "there is no auth.users table (a Supabase database, or --supabase-compat, provides one)"
                .into(),
        ));
    }
    let wanted: &[(&str, &str)] = &[
        ("id", "u.id"),
        (
            "instance_id",
            "'00000000-0000-0000-0000-000000000000'::uuid",
        ),
        ("aud", "'authenticated'"),
        ("role", "'authenticated'"),
        ("email", "'eventos-probe-' || u.id || '@probe.invalid'"),
        ("encrypted_password", "''"),
        ("email_confirmed_at", "now()"),
        (
            "raw_app_meta_data",
            "'{\"provider\": \"email\", \"providers\": [\"email\"]}'::jsonb",
        ),
        (
            "raw_user_meta_data",
            "jsonb_build_object('full_name', 'eventos probe ' || u.n, 'name', 'eventos probe ' || u.n)",
        ),
        ("created_at", "now()"),
        ("updated_at", "now()"),
        ("is_sso_user", "false"),
        ("is_anonymous", "false"),
    ];
    let (names, values): (Vec<&str>, Vec<&str>) = wanted
        .iter()
        .filter(|(c, _)| columns.iter().any(|x| x == c))
        .map(|(c, v)| (*c, *v))
        .unzip();
    let sql = format!(
        "INSERT INTO auth.users ({}) SELECT {} FROM (SELECT gen_random_uuid() AS id, n FROM generate_series(1, {count}) AS n) AS u RETURNING id::text",
        names.join(", "),
        values.join(", ")
    );
    savepoint(client, "eventos_users").await?;
    match client.query(sql.as_str(), &[]).await {
        Ok(rows) => {
            release(client, "eventos_users").await?;
            Ok(Ok(rows.iter().map(|r| r.get(0)).collect()))
        }
        Err(err) => {
            let message = refusal(err, "creating synthetic users")?;
            rollback_to(client, "eventos_users").await?;
            let triggers = if catalog.auth_user_triggers.is_empty() {
                String::new()
            } else {
                format!(
                    "; triggers on auth.users: {}",
                    catalog.auth_user_triggers.join(", ")
                )
            };
            Ok(Err(format!(
                "the probe could not create its synthetic users in auth.users ({message}){triggers}; nothing was proven about the policies — fix what refused the insert"
            )))
        }
    }
}

/// `"name"` with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `"schema"."name"` from `schema.name`.
pub fn quote_qualified(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, rest)) => format!("{}.{}", quote_ident(schema), quote_ident(rest)),
        None => quote_ident(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(
            quote_qualified("public.odd\"name"),
            "\"public\".\"odd\"\"name\""
        );
        assert_eq!(quote_qualified("public.a.b"), "\"public\".\"a.b\"");
    }

    #[test]
    fn claims_look_like_gotrue_and_anon_has_no_subject() {
        let user = Actor::User {
            label: "user B".into(),
            id: "00000000-0000-0000-0000-00000000000b".into(),
        };
        let claims: serde_json::Value = serde_json::from_str(&user.claims()).unwrap();
        assert_eq!(claims["sub"], "00000000-0000-0000-0000-00000000000b");
        assert_eq!(claims["role"], "authenticated");
        assert_eq!(claims["is_anonymous"], false);
        let anon: serde_json::Value = serde_json::from_str(&Actor::Anon.claims()).unwrap();
        assert!(anon.get("sub").is_none());
        assert_eq!(Actor::Anon.role(), "anon");
    }

    #[test]
    fn refusals_are_classified() {
        assert!(Attempt::Failed("23505: duplicate key".into()).passed_policies());
        assert!(!Attempt::Failed("23503: foreign key".into()).passed_policies());
        assert!(!Attempt::Denied("42501: new row violates".into()).passed_policies());
        assert!(Attempt::Rows(1).wrote() && !Attempt::Rows(0).wrote());
        assert!(is_constraint("23514: check") && is_denied("42501: permission denied"));
    }
}
