//! A snapshot of the catalog objects plans can promise, fetched in a fixed number of queries.

use std::collections::HashSet;

use anyhow::{Context, Result};
use tokio_postgres::Client;

/// Schema-qualified names of live objects, by kind.
#[derive(Debug, Default)]
pub struct Catalog {
    /// `(schema.name, relkind)` of every relation outside the system schemas.
    pub relations: HashSet<(String, char)>,
    /// `schema.name` of every function.
    pub functions: HashSet<String>,
    /// `schema.table.trigger` of every user trigger.
    pub triggers: HashSet<String>,
    /// Installed extensions.
    pub extensions: HashSet<String>,
}

const SYSTEM_SCHEMAS: &str = "('pg_catalog', 'information_schema', 'pg_toast')";

impl Catalog {
    /// Fetches the snapshot (four queries).
    pub async fn fetch(client: &Client) -> Result<Catalog> {
        let relations = client
            .query(
                &format!(
                    "SELECT n.nspname || '.' || c.relname, c.relkind::text FROM pg_class c
                     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN {SYSTEM_SCHEMAS}"
                ),
                &[],
            )
            .await
            .context("reading relations from pg_class")?
            .into_iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1).chars().next().unwrap_or('?')))
            .collect();
        let functions = names(
            client,
            &format!(
                "SELECT n.nspname || '.' || p.proname FROM pg_proc p
                 JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname NOT IN {SYSTEM_SCHEMAS}"
            ),
        )
        .await?;
        let triggers = names(
            client,
            "SELECT n.nspname || '.' || c.relname || '.' || t.tgname FROM pg_trigger t
             JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT t.tgisinternal",
        )
        .await?;
        let extensions = names(client, "SELECT extname::text FROM pg_extension").await?;
        Ok(Catalog {
            relations,
            functions,
            triggers,
            extensions,
        })
    }

    /// Whether `name` (schema-qualified) exists with one of `kinds`.
    pub fn has_relation(&self, name: &str, kinds: &[char]) -> bool {
        kinds
            .iter()
            .any(|k| self.relations.contains(&(name.to_string(), *k)))
    }
}

async fn names(client: &Client, sql: &str) -> Result<HashSet<String>> {
    Ok(client
        .query(sql, &[])
        .await
        .with_context(|| {
            format!(
                "reading the catalog: {}",
                sql.split_whitespace().collect::<Vec<_>>().join(" ")
            )
        })?
        .into_iter()
        .map(|r| r.get::<_, String>(0))
        .collect())
}

/// Qualifies `name` with `public` unless it already names a schema (`<parts>` dots expected
/// in an unqualified name: 0 for objects, 1 for `table.trigger`).
pub fn qualify(name: &str, parts: usize) -> String {
    if name.matches('.').count() > parts {
        name.to_string()
    } else {
        format!("public.{name}")
    }
}
