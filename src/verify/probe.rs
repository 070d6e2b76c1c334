//! `rls-probe` — proves, on the live database, that each user-data table a plan names in
//! `[[rls_probe]]` shows a signed-in user only their own rows and shows `anon` nothing.
//!
//! Everything happens in one transaction that is always rolled back: two synthetic users are
//! added to `auth.users`, one row per user is seeded in each table (as the connecting role), then
//! each query runs under `SET LOCAL ROLE authenticated` with that user's JWT claims, and once as
//! `anon`. Each probe runs in a savepoint, so one failing table does not hide the others. Only the
//! synthetic rows are judged, so rows already in the table (public by design or not) do not count.

use anyhow::{Context, Result};
use tokio_postgres::Client;
use tokio_postgres::error::SqlState;

use super::catalog::qualify;
use super::checks::{Check, CheckResult, Level};
use crate::bundle::{Project, RlsProbe};

/// The check's metadata.
pub const CHECK: Check = Check {
    id: "rls-probe",
    level: Level::Error,
    summary: "(--rls-probe) each [[rls_probe]] table shows a signed-in user only their own rows, and anon none",
    help: "tighten the table's SELECT policies to the owner, e.g. USING (owner_id = (SELECT auth.uid()))",
    run: None,
};

/// One result per probed table of phases `0..=max_phase`; rolls everything back.
pub async fn run(
    client: &Client,
    project: &Project,
    max_phase: Option<u8>,
) -> Result<Vec<CheckResult>> {
    let probes: Vec<&RlsProbe> = project
        .up_to(max_phase)
        .flat_map(|b| b.plan.rls_probe.iter())
        .collect();
    if probes.is_empty() {
        let message = "no plan declares [[rls_probe]] tables, so nothing was proven; see docs/checks/rls-probe.md";
        return Ok(vec![CheckResult::new(
            CHECK.id,
            "plans",
            vec![message.into()],
        )]);
    }
    client
        .batch_execute("BEGIN")
        .await
        .context("rls probe: starting its transaction")?;
    let outcome = probe_all(client, &probes).await;
    let rollback = client
        .batch_execute("ROLLBACK")
        .await
        .context("rls probe: rolling back");
    let results = outcome?;
    rollback?;
    Ok(results)
}

async fn probe_all(client: &Client, probes: &[&RlsProbe]) -> Result<Vec<CheckResult>> {
    let users: Vec<String> = client
        .query("INSERT INTO auth.users (id) SELECT gen_random_uuid() FROM generate_series(1, 2) RETURNING id::text", &[])
        .await
        .context("rls probe: creating two synthetic users in auth.users")?
        .iter()
        .map(|row| row.get(0))
        .collect();
    let mut results = Vec::with_capacity(probes.len());
    for probe in probes {
        let table = qualify(&probe.table, 0);
        results.push(CheckResult::new(
            CHECK.id,
            &table,
            probe_table(client, probe, &table, &users).await?,
        ));
    }
    Ok(results)
}

/// Failure messages for one table.
async fn probe_table(
    client: &Client,
    probe: &RlsProbe,
    table: &str,
    users: &[String],
) -> Result<Vec<String>> {
    let quoted = quote_qualified(table);
    let owner = quote_ident(&probe.owner);
    for user in users {
        let seed = seed_sql(probe, &quoted, &owner).replace("{user}", &format!("'{user}'::uuid"));
        if let Err(message) = guarded(client, None, &seed).await? {
            return Ok(vec![format!(
                "cannot seed a row owned by a synthetic user ({message}); give this table a `seed` in its plan's [[rls_probe]]"
            )]);
        }
    }
    let mut failures = Vec::new();
    let synthetic = |ids: &[&String]| {
        let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
        format!("{owner}::text IN ({})", list.join(", "))
    };
    for (n, user) in users.iter().enumerate() {
        let others: Vec<&String> = users.iter().filter(|u| *u != user).collect();
        let sql = format!(
            "SELECT count(*) FILTER (WHERE {owner}::text = '{user}'), count(*) FILTER (WHERE {}) FROM {quoted}",
            synthetic(&others)
        );
        match guarded(client, Some(("authenticated", Some(user))), &sql).await? {
            Ok((0, _)) => {
                failures.push(format!("synthetic user {} cannot see their own row", n + 1))
            }
            Ok((_, leaked)) if leaked > 0 => failures.push(format!(
                "synthetic user {} sees {leaked} row(s) of the other synthetic user",
                n + 1
            )),
            Ok(_) => {}
            Err(message) => failures.push(format!(
                "synthetic user {} cannot read the table: {message}",
                n + 1
            )),
        }
    }
    let everyone: Vec<&String> = users.iter().collect();
    let anon_sql = format!(
        "SELECT count(*) FILTER (WHERE {}), 0::bigint FROM {quoted}",
        synthetic(&everyone)
    );
    match guarded(client, Some(("anon", None)), &anon_sql).await? {
        Ok((0, _)) => {}
        Ok((seen, _)) => failures.push(format!("anon sees {seen} of the synthetic users' row(s)")),
        Err(message) if message.starts_with(SqlState::INSUFFICIENT_PRIVILEGE.code()) => {}
        Err(message) => failures.push(format!("anon's query failed: {message}")),
    }
    Ok(failures)
}

fn seed_sql(probe: &RlsProbe, quoted_table: &str, owner: &str) -> String {
    probe
        .seed
        .clone()
        .unwrap_or_else(|| format!("INSERT INTO {quoted_table} ({owner}) VALUES ({{user}})"))
}

/// Runs `sql` in a savepoint, optionally as `(role, user id)`; a database error becomes
/// `Ok(Err(message))` (permission denied included), a lost connection an `Err`. Returns the query's first two
/// `bigint` columns (zeros for a statement without rows, such as a seed).
async fn guarded(
    client: &Client,
    who: Option<(&str, Option<&String>)>,
    sql: &str,
) -> Result<Result<(i64, i64), String>> {
    client
        .batch_execute("SAVEPOINT eventos_probe")
        .await
        .context("rls probe: savepoint")?;
    let outcome = as_role(client, who, sql).await;
    match outcome {
        Ok(counts) => {
            client
                .batch_execute("RESET ROLE; RELEASE SAVEPOINT eventos_probe")
                .await
                .context("rls probe: release")?;
            Ok(Ok(counts))
        }
        Err(err) => {
            let Some(db) = err.as_db_error() else {
                return Err(err).context("rls probe");
            };
            let message = format!("{}: {}", db.code().code(), db.message());
            client
                .batch_execute("ROLLBACK TO SAVEPOINT eventos_probe")
                .await
                .context("rls probe: rollback to savepoint")?;
            Ok(Err(message))
        }
    }
}

async fn as_role(
    client: &Client,
    who: Option<(&str, Option<&String>)>,
    sql: &str,
) -> Result<(i64, i64), tokio_postgres::Error> {
    if let Some((role, user)) = who {
        let claims = match user {
            Some(id) => format!(r#"{{"sub":"{id}","role":"{role}"}}"#),
            None => format!(r#"{{"role":"{role}"}}"#),
        };
        client
            .execute(
                "SELECT set_config('request.jwt.claims', $1, true)",
                &[&claims],
            )
            .await?;
        client
            .batch_execute(&format!("SET LOCAL ROLE {}", quote_ident(role)))
            .await?;
    }
    if who.is_none() {
        client.batch_execute(sql).await?;
        return Ok((0, 0));
    }
    let row = client.query_one(sql, &[]).await?;
    Ok((row.get(0), row.get(1)))
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_qualified(name: &str) -> String {
    name.split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".")
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
    }

    #[test]
    fn default_seed_inserts_only_the_owner() {
        let probe = RlsProbe {
            table: "notes".into(),
            owner: "author_id".into(),
            seed: None,
        };
        assert_eq!(
            seed_sql(&probe, "\"public\".\"notes\"", "\"author_id\""),
            "INSERT INTO \"public\".\"notes\" (\"author_id\") VALUES ({user})"
        );
    }
}
