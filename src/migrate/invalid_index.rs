//! Recovering from a failed `CREATE INDEX CONCURRENTLY`.
//!
//! A concurrent build that fails (duplicate key, cancel, `kill -9`) leaves an INVALID index
//! behind; a rerun with `IF NOT EXISTS` would then silently keep the broken index. Before each
//! concurrent index statement (and right after one fails) eventos drops an INVALID index of that
//! name, concurrently, so the rerun rebuilds it.

use pg_query::NodeEnum;
use tokio_postgres::Client;

use crate::sql::Statement;

/// The index a `CREATE INDEX CONCURRENTLY` statement builds: schema (if written) and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcurrentIndex {
    /// The schema, `None` when unqualified (the index lands in its table's schema).
    pub schema: Option<String>,
    /// The index name.
    pub name: String,
}

/// The concurrent index `statement` builds, if it is a named `CREATE INDEX CONCURRENTLY`.
pub fn concurrent_index(statement: &Statement) -> Option<ConcurrentIndex> {
    let node = statement.node.as_ref()?.node.as_ref()?;
    let NodeEnum::IndexStmt(index) = node else {
        return None;
    };
    if !index.concurrent || index.idxname.is_empty() {
        return None;
    }
    let schema = index
        .relation
        .as_ref()
        .map(|r| r.schemaname.clone())
        .filter(|s| !s.is_empty());
    Some(ConcurrentIndex {
        schema,
        name: index.idxname.clone(),
    })
}

/// Drops an INVALID index named like `index`; returns its qualified name when one was dropped.
pub async fn drop_if_invalid(
    client: &Client,
    index: &ConcurrentIndex,
) -> Result<Option<String>, tokio_postgres::Error> {
    let row = client
        .query_opt(
            "SELECT format('%I.%I', n.nspname, c.relname)
             FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE NOT i.indisvalid AND c.relname = $1
               AND ($2::text IS NULL AND n.nspname = ANY (current_schemas(false)) OR n.nspname = $2)
             LIMIT 1",
            &[&index.name, &index.schema],
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let qualified: String = row.get(0);
    client
        .batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {qualified}"))
        .await?;
    Ok(Some(qualified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_statements;

    fn index_of(sql: &str) -> Option<ConcurrentIndex> {
        concurrent_index(&parse_statements(sql).unwrap()[0])
    }

    #[test]
    fn finds_the_name_and_schema_of_concurrent_builds_only() {
        assert_eq!(
            index_of("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux_a ON app.t (a)"),
            Some(ConcurrentIndex {
                schema: Some("app".into()),
                name: "ux_a".into()
            })
        );
        assert_eq!(
            index_of("CREATE INDEX CONCURRENTLY ix_b ON t (b)"),
            Some(ConcurrentIndex {
                schema: None,
                name: "ix_b".into()
            })
        );
        assert_eq!(index_of("CREATE INDEX ix_c ON t (c)"), None);
        assert_eq!(index_of("CREATE INDEX CONCURRENTLY ON t (c)"), None);
        assert_eq!(index_of("SELECT 1"), None);
    }
}
