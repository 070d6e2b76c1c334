//! Reads what a live database already holds (`eventos lint --database-url`): partitioned tables,
//! views and functions, so rules do not flag objects created outside the bundles; and, for the
//! lock-safety rules, every table's size (`pg_class.reltuples`, its size on disk), columns,
//! validated NOT NULL checks, indexes and functions' volatility.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use pg_query::NodeEnum;
use tokio_postgres::Client;

use super::symbols::changes::{ColumnFact, Volatility, not_null_test_column, type_text};
use super::symbols::{Catalog, Name, QualName};

const PARTITIONED: &str = "SELECT n.nspname::text, c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'p'";
const VIEWS: &str = "SELECT n.nspname::text, c.relname::text FROM pg_class c \
     JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm')";
const FUNCTIONS: &str = "SELECT DISTINCT n.nspname::text, p.proname::text FROM pg_proc p \
     JOIN pg_namespace n ON n.oid = p.pronamespace";

/// Schemas whose tables migrations never change.
const SYSTEM_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Every table's estimated rows and bytes on disk; a partitioned table counts its leaf
/// partitions. `reltuples` is -1 for a table never vacuumed or analyzed (PostgreSQL 14+).
fn sizes_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, \
           CASE WHEN c.relkind = 'p' THEN \
             (SELECT coalesce(sum(greatest(l.reltuples, 0)), 0)::float8 \
                FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf) \
           ELSE c.reltuples::float8 END, \
           CASE WHEN c.relkind = 'p' THEN \
             (SELECT coalesce(sum(pg_relation_size(t.relid)), 0)::int8 \
                FROM pg_partition_tree(c.oid) t WHERE t.isleaf) \
           ELSE pg_relation_size(c.oid) END \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p', 'm') AND {SYSTEM_SCHEMAS}"
    )
}

fn columns_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, \
           format_type(a.atttypid, a.atttypmod), a.attnotnull \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND {SYSTEM_SCHEMAS}"
    )
}

fn checks_query() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, pg_get_expr(co.conbin, co.conrelid) \
         FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE co.contype = 'c' AND co.convalidated AND {SYSTEM_SCHEMAS}"
    )
}

fn indexes_query() -> String {
    format!(
        "SELECT n.nspname::text, i.relname::text, c.relname::text \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE {SYSTEM_SCHEMAS}"
    )
}

const VOLATILITY: &str = "SELECT n.nspname::text, p.proname::text, max(p.provolatile::text) \
     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace GROUP BY 1, 2";

/// How big a live table is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TableSize {
    /// `pg_class.reltuples` (summed over leaf partitions); `None` when never analyzed.
    pub rows: Option<f64>,
    /// Bytes of its main fork on disk (`pg_relation_size`).
    pub bytes: i64,
}

impl TableSize {
    /// Whether the table is known to hold fewer than `threshold` rows.
    pub fn smaller_than(&self, threshold: u64) -> bool {
        match self.rows {
            Some(rows) => rows < threshold as f64,
            None => self.bytes == 0,
        }
    }

    /// `~1,000,000 rows, 35 MB` for messages.
    pub fn describe(&self) -> String {
        let bytes = human_bytes(self.bytes);
        match self.rows {
            Some(rows) => format!("~{} rows, {bytes}", thousands(rows.round() as u64)),
            None if self.bytes == 0 => "empty, never analyzed".to_string(),
            None => format!("{bytes}, rows unknown (never analyzed)"),
        }
    }
}

/// The lock-safety facts of a live database.
#[derive(Debug, Clone, Default)]
pub struct LiveCatalog {
    /// Tables (and materialized views) with their size.
    pub tables: BTreeMap<QualName, TableSize>,
    /// Columns of tables.
    pub columns: BTreeMap<QualName, BTreeMap<String, ColumnFact>>,
    /// `(table, column)` proven non-null by a validated `CHECK (column IS NOT NULL)`.
    pub not_null_checks: BTreeSet<(QualName, String)>,
    /// Indexes (schema, name) → their table.
    pub index_tables: BTreeMap<QualName, QualName>,
    /// Functions' volatility by name (the most volatile overload).
    pub volatility: BTreeMap<QualName, Volatility>,
}

/// Loads the catalog facts the linter uses.
pub async fn load(client: &Client) -> Result<Catalog> {
    Ok(Catalog {
        partitioned: names(client, PARTITIONED).await?,
        views: names(client, VIEWS).await?,
        functions: names(client, FUNCTIONS).await?,
        live: load_live(client).await?,
    })
}

async fn names(client: &Client, sql: &str) -> Result<BTreeSet<QualName>> {
    let rows = query(client, sql).await?;
    Ok(rows
        .iter()
        .map(|row| (name_at(row, 0), name_at(row, 1)))
        .collect())
}

async fn query(client: &Client, sql: &str) -> Result<Vec<tokio_postgres::Row>> {
    client
        .query(sql, &[])
        .await
        .context("reading the live catalog for lint")
}

async fn load_live(client: &Client) -> Result<LiveCatalog> {
    let mut live = LiveCatalog::default();
    for row in query(client, &sizes_query()).await? {
        let rows: f64 = row.get(2);
        let size = TableSize {
            rows: (rows >= 0.0).then_some(rows),
            bytes: row.get(3),
        };
        live.tables
            .insert((name_at(&row, 0), name_at(&row, 1)), size);
    }
    for row in query(client, &columns_query()).await? {
        let formatted: String = row.get(3);
        let column = ColumnFact {
            type_name: catalog_type(&formatted).unwrap_or(formatted).into(),
            not_null: row.get(4),
        };
        live.columns
            .entry((name_at(&row, 0), name_at(&row, 1)))
            .or_default()
            .insert(row.get(2), column);
    }
    for row in query(client, &checks_query()).await? {
        let expr: String = row.get(2);
        if let Some(column) = not_null_check(&expr) {
            live.not_null_checks
                .insert(((name_at(&row, 0), name_at(&row, 1)), column));
        }
    }
    for row in query(client, &indexes_query()).await? {
        let schema: String = row.get(0);
        live.index_tables.insert(
            (schema.as_str().into(), name_at(&row, 1)),
            (schema.into(), name_at(&row, 2)),
        );
    }
    for row in query(client, VOLATILITY).await? {
        let code: String = row.get(2);
        live.volatility.insert(
            (name_at(&row, 0), name_at(&row, 1)),
            Volatility::from_catalog(&code),
        );
    }
    Ok(live)
}

/// A `format_type` result normalised like the files' types (parsed by PostgreSQL's grammar).
fn catalog_type(formatted: &str) -> Option<String> {
    let parsed = crate::sql::parse(&format!("SELECT NULL::{formatted}")).ok()?;
    parsed
        .nodes()
        .into_iter()
        .find_map(|(node, ..)| match node {
            pg_query::NodeRef::TypeCast(cast) => cast.type_name.as_ref().map(type_text),
            _ => None,
        })
}

/// The column a check expression (`pg_get_expr` text) proves non-null, if it is `c IS NOT NULL`.
fn not_null_check(expr: &str) -> Option<String> {
    let parsed = crate::sql::parse(&format!("SELECT 1 WHERE {expr}")).ok()?;
    let statement = parsed.stmts.first()?.stmt.as_ref()?.node.as_ref()?;
    let NodeEnum::SelectStmt(select) = statement else {
        return None;
    };
    not_null_test_column(select.where_clause.as_deref()?)
}

/// `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `35 MB`, `8 kB`, `1.2 GB` (powers of 1024, as `pg_size_pretty`).
fn human_bytes(bytes: i64) -> String {
    let units = ["bytes", "kB", "MB", "GB", "TB"];
    let mut value = bytes.max(0) as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 || value >= 10.0 {
        format!("{value:.0} {}", units[unit])
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// Column `i` of a catalog row, as a name.
fn name_at(row: &tokio_postgres::Row, i: usize) -> Name {
    row.get::<_, &str>(i).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_types_normalise_like_the_files() {
        assert_eq!(
            catalog_type("character varying(20)").unwrap(),
            "varchar(20)"
        );
        assert_eq!(catalog_type("integer").unwrap(), "int4");
        assert_eq!(
            catalog_type("timestamp with time zone").unwrap(),
            "timestamptz"
        );
        assert_eq!(catalog_type("numeric(10,2)").unwrap(), "numeric(10,2)");
        assert_eq!(catalog_type("text[]").unwrap(), "text[]");
    }

    #[test]
    fn not_null_checks_are_read_from_their_expression() {
        assert_eq!(not_null_check("(status IS NOT NULL)").unwrap(), "status");
        assert!(not_null_check("(status IS NULL)").is_none());
        assert!(not_null_check("((a IS NOT NULL) AND (b > 0))").is_none());
    }

    #[test]
    fn sizes_read_like_pg_size_pretty() {
        let size = TableSize {
            rows: Some(1_000_000.0),
            bytes: 36_249_600,
        };
        assert_eq!(size.describe(), "~1,000,000 rows, 35 MB");
        assert!(!size.smaller_than(10_000));
        let small = TableSize {
            rows: None,
            bytes: 0,
        };
        assert!(small.smaller_than(10_000));
        assert_eq!(human_bytes(8192), "8.0 kB");
    }
}
