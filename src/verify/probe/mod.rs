//! `rls-probe` — proves, on the live database, that each user-data table a plan names in
//! `[[rls_probe]]` shows a signed-in user only their own rows and shows `anon` nothing; and
//! ([`write`]) that no synthetic user can write another's rows.
//!
//! Everything happens in one transaction that is always rolled back: two synthetic users are
//! added to `auth.users` (with the columns GoTrue fills, so triggers such as Supabase's
//! `on_auth_user_created` work), one row per user is seeded in each table as the connecting role
//! unless a trigger already made it, then each query runs as PostgREST runs it — role
//! `authenticated` with the user's JWT claims, or `anon` — each in a savepoint, so one failing
//! table does not hide the others. Only the synthetic rows are judged, so rows already in the
//! table (public by design or not) do not count. When the probe itself cannot insert (its users,
//! a seed), the message says so and blames no policy.

pub mod session;
pub mod write;

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::catalog::{Catalog, qualify};
use super::checks::{CheckResult, rls_probe, rls_probe_setup};
use crate::bundle::{Project, RlsProbe};
use session::{Actor, is_denied, quote_ident, quote_qualified, refusal};

/// One result per probed table of phases `0..=max_phase`; rolls everything back.
pub async fn run(
    client: &Client,
    project: &Project,
    max_phase: Option<u8>,
    catalog: &Catalog,
) -> Result<Vec<CheckResult>> {
    let probes: Vec<&RlsProbe> = project
        .up_to(max_phase)
        .flat_map(|b| b.plan.rls_probe.iter())
        .collect();
    if probes.is_empty() {
        let message = "no plan declares [[rls_probe]] tables, so nothing was proven about reads; see docs/checks/rls-probe.md";
        return Ok(vec![CheckResult::new(
            rls_probe::CHECK.id,
            "plans",
            vec![message.into()],
        )]);
    }
    client
        .batch_execute("BEGIN; SET LOCAL statement_timeout = '30s'")
        .await
        .context("rls probe: starting its transaction")?;
    let outcome = probe_all(client, catalog, &probes).await;
    let rollback = client
        .batch_execute("ROLLBACK")
        .await
        .context("rls probe: rolling back");
    let results = outcome?;
    rollback?;
    Ok(results)
}

async fn probe_all(
    client: &Client,
    catalog: &Catalog,
    probes: &[&RlsProbe],
) -> Result<Vec<CheckResult>> {
    let users = match session::create_users(client, catalog, 2).await? {
        Ok(users) => users,
        Err(message) => {
            return Ok(vec![CheckResult::new(
                rls_probe_setup::CHECK.id,
                "auth.users",
                vec![message],
            )]);
        }
    };
    let mut results = Vec::with_capacity(probes.len());
    for probe in probes {
        let table = qualify(&probe.table, 0);
        results.push(match probe_table(client, probe, &table, &users).await? {
            Ok(failures) => CheckResult::new(rls_probe::CHECK.id, &table, failures),
            Err(setup) => CheckResult::new(rls_probe_setup::CHECK.id, &table, vec![setup]),
        });
    }
    Ok(results)
}

/// Failure messages for one table, or why the probe could not set it up.
async fn probe_table(
    client: &Client,
    probe: &RlsProbe,
    table: &str,
    users: &[String],
) -> Result<std::result::Result<Vec<String>, String>> {
    let quoted = quote_qualified(table);
    let owner = quote_ident(&probe.owner);
    for (n, user) in users.iter().enumerate() {
        if let Err(message) = seed(client, probe, &quoted, &owner, user).await? {
            return Ok(Err(format!(
                "the probe could not seed a row owned by synthetic user {} ({message}); nothing was proven about the policies — give this table a `seed` in its plan's [[rls_probe]]",
                n + 1
            )));
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
        let actor = Actor::User {
            label: format!("synthetic user {}", n + 1),
            id: user.clone(),
        };
        match counts(client, &actor, &sql).await? {
            Ok((0, _)) => failures.push(format!(
                "synthetic user {} cannot see their own row (it exists: the SELECT policies hide it)",
                n + 1
            )),
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
    match counts(client, &Actor::Anon, &anon_sql).await? {
        Ok((0, _)) => {}
        Ok((seen, _)) => failures.push(format!("anon sees {seen} of the synthetic users' row(s)")),
        Err(message) if is_denied(&message) => {}
        Err(message) => failures.push(format!("anon's query failed: {message}")),
    }
    Ok(Ok(failures))
}

/// Makes sure a row owned by `user` exists: a trigger may already have made it (a profile
/// created by `on_auth_user_created`); otherwise the seed runs, and must leave one.
async fn seed(
    client: &Client,
    probe: &RlsProbe,
    quoted: &str,
    owner: &str,
    user: &str,
) -> Result<std::result::Result<(), String>> {
    let owned = format!("SELECT count(*) FROM {quoted} WHERE {owner}::text = $1");
    match owned_rows(client, &owned, user).await? {
        Ok(0) => {}
        Ok(_) => return Ok(Ok(())),
        Err(message) => return Ok(Err(message)),
    }
    let sql = seed_sql(probe, quoted, owner).replace("{user}", &format!("'{user}'::uuid"));
    session::savepoint(client, "eventos_seed").await?;
    if let Err(err) = client.batch_execute(&sql).await {
        let message = refusal(err, "seeding")?;
        session::rollback_to(client, "eventos_seed").await?;
        return Ok(Err(message));
    }
    session::release(client, "eventos_seed").await?;
    Ok(match owned_rows(client, &owned, user).await? {
        Ok(0) => Err(format!(
            "the seed ran but left no row with {owner} = the user's id"
        )),
        Ok(_) => Ok(()),
        Err(message) => Err(message),
    })
}

/// How many rows of the table `sql` counts for `user`; a refusal is `Ok(Err(message))`.
async fn owned_rows(
    client: &Client,
    sql: &str,
    user: &str,
) -> Result<std::result::Result<i64, String>> {
    Ok(session::read_opt(client, sql, &[&user])
        .await?
        .map(|row| row.map_or(0, |r| r.get(0))))
}

fn seed_sql(probe: &RlsProbe, quoted_table: &str, owner: &str) -> String {
    probe
        .seed
        .clone()
        .unwrap_or_else(|| format!("INSERT INTO {quoted_table} ({owner}) VALUES ({{user}})"))
}

/// Runs a two-count query as `actor` in a savepoint; a refusal is `Ok(Err(message))`.
async fn counts(
    client: &Client,
    actor: &Actor,
    sql: &str,
) -> Result<std::result::Result<(i64, i64), String>> {
    session::savepoint(client, "eventos_probe").await?;
    let outcome = match session::act_as(client, actor, "GET").await {
        Ok(()) => client.query_one(sql, &[]).await,
        Err(err) => Err(err),
    };
    let result = match outcome {
        Ok(row) => Ok((row.get(0), row.get(1))),
        Err(err) => Err(refusal(err, "a probe read")?),
    };
    session::rollback_to(client, "eventos_probe").await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

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
