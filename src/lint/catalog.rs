//! Reads what a live database already holds (`eventos lint --database-url`): partitioned tables,
//! views and functions, so rules do not flag objects created outside the bundles.

use anyhow::{Context, Result};
use tokio_postgres::Client;

use super::symbols::{Catalog, QualName};

const PARTITIONED: &str = "SELECT n.nspname::text, c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p'";
const VIEWS: &str = "SELECT n.nspname::text, c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')";
const FUNCTIONS: &str = "SELECT DISTINCT n.nspname::text, p.proname::text FROM pg_proc p \
     JOIN pg_namespace n ON n.oid = p.pronamespace";

/// Loads the catalog facts the linter uses.
pub async fn load(client: &Client) -> Result<Catalog> {
    Ok(Catalog {
        partitioned: names(client, PARTITIONED).await?,
        views: names(client, VIEWS).await?,
        functions: names(client, FUNCTIONS).await?,
    })
}

async fn names(client: &Client, sql: &str) -> Result<std::collections::BTreeSet<QualName>> {
    let rows = client
        .query(sql, &[])
        .await
        .context("reading the live catalog for lint")?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}
