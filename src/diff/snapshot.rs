//! A schema snapshot for `eventos diff`, read in a fixed number of queries whatever the number
//! of objects ([`Snapshot::QUERIES`]), inside one `REPEATABLE READ READ ONLY` transaction so
//! every query sees the same state and nothing can be written.
//!
//! Both sides of a diff are read with the same queries under the same `search_path`
//! ([`canonical_search_path`]): deparsed definitions (`pg_get_indexdef`, `format_type`,
//! `pg_get_expr`, …) qualify names relative to it, so both sides must agree on it. It holds
//! every schema an extension lives in on either side, which keeps an extension's types and
//! operator classes unqualified: moving an extension then changes the extension, not every
//! column typed with it.
//!
//! System schemas and extension members are left out here; which of the remaining objects a
//! diff compares is [`super::scope`]'s business.

use anyhow::{Context, Result};
use tokio_postgres::{Client, Row};

/// A schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: String,
}

/// An installed extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// Its name.
    pub name: String,
    /// The schema holding its objects.
    pub schema: String,
}

/// One privilege held by a role other than the object's owner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grant {
    /// The role, or `PUBLIC`.
    pub grantee: String,
    /// `SELECT`, `INSERT`, …, `EXECUTE`, `USAGE`.
    pub privilege: String,
    /// Held `WITH GRANT OPTION`.
    pub grantable: bool,
}

/// Sequence parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceOptions {
    /// `AS` type.
    pub data_type: String,
    /// `START WITH`.
    pub start: i64,
    /// `INCREMENT BY`.
    pub increment: i64,
    /// `MINVALUE`.
    pub min: i64,
    /// `MAXVALUE`.
    pub max: i64,
    /// `CACHE`.
    pub cache: i64,
    /// `CYCLE`.
    pub cycle: bool,
    /// `OWNED BY` column (`schema.table.column`), if any.
    pub owned_by: Option<String>,
}

/// A user-defined type: enum, domain, composite or range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Type {
    /// Schema name.
    pub schema: String,
    /// Type name.
    pub name: String,
    /// `e` enum, `d` domain, `c` composite, `r` range.
    pub kind: char,
    /// What follows `CREATE TYPE name AS` (`CREATE DOMAIN name AS` for a domain):
    /// `ENUM ('a', 'b')`, `integer NOT NULL CHECK (…)`, `(a integer, b text)`, `RANGE (…)`.
    pub definition: String,
    /// An enum's labels, in order.
    pub labels: Vec<String>,
    /// Owner role.
    pub owner: String,
    /// `COMMENT ON TYPE`.
    pub comment: Option<String>,
}

impl Type {
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        qualified(&self.schema, &self.name)
    }
}

/// A table, partitioned table, view, materialized view, sequence or foreign table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Schema name.
    pub schema: String,
    /// Relation name.
    pub name: String,
    /// `pg_class.relkind`: `r`, `p`, `v`, `m`, `S`, `f`.
    pub kind: char,
    /// Owner role.
    pub owner: String,
    /// `ENABLE ROW LEVEL SECURITY`.
    pub rls: bool,
    /// `FORCE ROW LEVEL SECURITY`.
    pub force_rls: bool,
    /// `UNLOGGED`.
    pub unlogged: bool,
    /// `WITH (…)` options, sorted.
    pub options: Vec<String>,
    /// View or materialized view query.
    pub view_definition: Option<String>,
    /// `PARTITION BY …` of a partitioned table.
    pub partition_key: Option<String>,
    /// The parent (`schema.name`) of a partition.
    pub partition_of: Option<String>,
    /// The partition bound (`DEFAULT`, `FOR VALUES …`).
    pub partition_bound: Option<String>,
    /// Sequence parameters.
    pub sequence: Option<SequenceOptions>,
    /// `COMMENT ON`.
    pub comment: Option<String>,
    /// Privileges of roles other than the owner, sorted.
    pub grants: Vec<Grant>,
}

impl Relation {
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        qualified(&self.schema, &self.name)
    }
}

/// A column of a table or foreign table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Column name.
    pub name: String,
    /// Position (for ordering output and `CREATE TABLE`; not compared).
    pub position: i16,
    /// `format_type` of the column's type.
    pub data_type: String,
    /// `NOT NULL`.
    pub not_null: bool,
    /// `DEFAULT` expression.
    pub default: Option<String>,
    /// `GENERATED ALWAYS AS (expr) STORED` (or `VIRTUAL`) expression.
    pub generated: Option<String>,
    /// `s` stored, `v` virtual (PostgreSQL 18) when generated.
    pub generated_kind: Option<char>,
    /// `ALWAYS` or `BY DEFAULT` for identity columns.
    pub identity: Option<String>,
    /// A collation other than the type's default.
    pub collation: Option<String>,
    /// `COMMENT ON COLUMN`.
    pub comment: Option<String>,
    /// Column privileges of roles other than the owner, sorted.
    pub grants: Vec<Grant>,
}

/// A table constraint (primary key, unique, foreign key, check, exclusion); constraint
/// triggers are [`Trigger`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Constraint name.
    pub name: String,
    /// `p`, `u`, `f`, `c`, `x`.
    pub kind: char,
    /// `pg_get_constraintdef`, e.g. `CHECK (capacity > 0)`.
    pub definition: String,
}

/// An index not backing a constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Schema of the table.
    pub schema: String,
    /// The indexed table or materialized view.
    pub table: String,
    /// Index name.
    pub name: String,
    /// `pg_get_indexdef`.
    pub definition: String,
    /// `indisvalid`.
    pub valid: bool,
}

impl Index {
    /// The definition without the index's name, so that equal definitions compare equal.
    pub fn unnamed_definition(&self) -> String {
        let named = format!(" INDEX {} ON ", quote_ident(&self.name));
        self.definition.replacen(&named, " INDEX ON ", 1)
    }
}

/// A function, procedure, aggregate or window function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Schema name.
    pub schema: String,
    /// Function name.
    pub name: String,
    /// `pg_get_function_identity_arguments`.
    pub arguments: String,
    /// `f`, `p`, `a`, `w`.
    pub kind: char,
    /// `pg_get_function_result` (empty for procedures).
    pub result: String,
    /// Language name.
    pub language: String,
    /// The body: `prosrc`, or the SQL-standard body.
    pub body: String,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `i`, `s`, `v`.
    pub volatility: char,
    /// `STRICT`.
    pub strict: bool,
    /// `LEAKPROOF`.
    pub leakproof: bool,
    /// `s`, `r`, `u`.
    pub parallel: char,
    /// `SET` clauses (`search_path=…`), sorted.
    pub settings: Vec<String>,
    /// Owner role.
    pub owner: String,
    /// `COMMENT ON FUNCTION`.
    pub comment: Option<String>,
    /// Privileges of roles other than the owner (`PUBLIC` included), sorted.
    pub grants: Vec<Grant>,
    /// `pg_get_functiondef` (functions and procedures only).
    pub definition: Option<String>,
}

impl Function {
    /// `schema.name(arguments)`.
    pub fn signature(&self) -> String {
        format!(
            "{}({})",
            qualified(&self.schema, &self.name),
            self.arguments
        )
    }

    /// The `search_path` the function pins, if any.
    pub fn search_path(&self) -> Option<&str> {
        self.settings
            .iter()
            .find_map(|s| s.strip_prefix("search_path="))
    }
}

/// A trigger (not internal, not cloned onto a partition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Trigger name.
    pub name: String,
    /// `pg_get_triggerdef`.
    pub definition: String,
    /// `O` enabled, `D` disabled, `R` replica, `A` always.
    pub enabled: char,
}

/// A row level security policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Policy name.
    pub name: String,
    /// `PERMISSIVE` (else `RESTRICTIVE`).
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// Roles, sorted (`public` for everyone).
    pub roles: Vec<String>,
    /// `USING` expression.
    pub using: Option<String>,
    /// `WITH CHECK` expression.
    pub with_check: Option<String>,
}

/// Everything `eventos diff` compares, as read from one database.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// `server_version_num`, e.g. 180003.
    pub server_version: i32,
    /// Schemas outside the system ones.
    pub schemas: Vec<Schema>,
    /// Installed extensions.
    pub extensions: Vec<Extension>,
    /// User-defined types that are not extension members.
    pub types: Vec<Type>,
    /// Relations that are not extension members.
    pub relations: Vec<Relation>,
    /// Columns of tables and foreign tables.
    pub columns: Vec<Column>,
    /// Table constraints (NOT NULL ones are column attributes).
    pub constraints: Vec<Constraint>,
    /// Indexes that do not back a constraint and are not partitions of an index.
    pub indexes: Vec<Index>,
    /// Functions that are not extension members.
    pub functions: Vec<Function>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    /// Policies.
    pub policies: Vec<Policy>,
    /// Round trips spent reading this snapshot (transaction control included, the probe not).
    pub queries: usize,
}

/// Schemas never read.
const SYSTEM_SCHEMAS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

fn not_extension_member(class: &str, object: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = '{class}'::regclass AND d.objid = {object} AND d.deptype = 'e')"
    )
}

/// Privileges of everyone but the owner in ACL expression `acl`, as `grantee|privilege|grantable`.
fn grants(acl: &str, owner: &str) -> String {
    format!(
        "ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END
                      || '|' || a.privilege_type || '|' || a.is_grantable
               FROM pg_catalog.aclexplode({acl}) a WHERE a.grantee <> {owner} ORDER BY 1)"
    )
}

const PROBE_SQL: &str = "SELECT pg_catalog.current_setting('server_version_num')::int,
            ARRAY(SELECT DISTINCT n.nspname::text FROM pg_catalog.pg_extension x
                  JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
                  WHERE n.nspname <> 'pg_catalog' ORDER BY 1)";

fn schemas_sql() -> String {
    format!(
        "SELECT n.nspname::text, pg_catalog.pg_get_userbyid(n.nspowner)::text
         FROM pg_catalog.pg_namespace n WHERE {SYSTEM_SCHEMAS} AND {member} ORDER BY 1",
        member = not_extension_member("pg_catalog.pg_namespace", "n.oid"),
    )
}

fn types_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.typname::text, t.typtype::text,
                CASE t.typtype
                  WHEN 'e' THEN 'ENUM (' || coalesce((SELECT string_agg(pg_catalog.quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                                                      FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid), '') || ')'
                  WHEN 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
                    || coalesce(' DEFAULT ' || pg_catalog.pg_get_expr(t.typdefaultbin, 0), '')
                    || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
                    || coalesce((SELECT string_agg(' CONSTRAINT ' || pg_catalog.quote_ident(k.conname) || ' ' || pg_catalog.pg_get_constraintdef(k.oid, true), '' ORDER BY k.conname)
                                 FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c'), '')
                  WHEN 'c' THEN '(' || coalesce((SELECT string_agg(pg_catalog.quote_ident(a.attname) || ' ' || pg_catalog.format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
                                                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped), '') || ')'
                  ELSE 'RANGE (SUBTYPE = ' || pg_catalog.format_type(r.rngsubtype, NULL) || ')'
                END,
                ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder),
                pg_catalog.pg_get_userbyid(t.typowner)::text, pg_catalog.obj_description(t.oid, 'pg_type')
         FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
         LEFT JOIN pg_catalog.pg_range r ON r.rngtypid = t.oid
         WHERE {SYSTEM_SCHEMAS} AND {member}
           AND (t.typtype IN ('e', 'd', 'r')
                OR (t.typtype = 'c' AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid) = 'c'))
         ORDER BY 1, 2",
        member = not_extension_member("pg_catalog.pg_type", "t.oid"),
    )
}

const EXTENSIONS_SQL: &str =
    "SELECT x.extname::text, n.nspname::text FROM pg_catalog.pg_extension x
     JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace ORDER BY 1";

fn relations_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text, pg_catalog.pg_get_userbyid(c.relowner)::text,
                c.relrowsecurity, c.relforcerowsecurity, c.relpersistence = 'u',
                ARRAY(SELECT o FROM unnest(c.reloptions) o ORDER BY 1),
                CASE WHEN c.relkind IN ('v', 'm') THEN pg_catalog.pg_get_viewdef(c.oid, true) END,
                CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END,
                (SELECT pn.nspname || '.' || pc.relname FROM pg_catalog.pg_inherits i
                   JOIN pg_catalog.pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace
                  WHERE i.inhrelid = c.oid AND c.relispartition),
                pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                pg_catalog.format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
                s.seqcache, s.seqcycle,
                (SELECT tn.nspname || '.' || t.relname || '.' || a.attname FROM pg_catalog.pg_depend d
                   JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
                   JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                  WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a'
                    AND d.refclassid = 'pg_catalog.pg_class'::regclass LIMIT 1),
                pg_catalog.obj_description(c.oid, 'pg_class'),
                {grants}
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
         WHERE {SYSTEM_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND {member}
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                           AND d.objid = c.oid AND d.deptype = 'i')
         ORDER BY 1, 2",
        grants = grants(
            "coalesce(c.relacl, pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner))",
            "c.relowner"
        ),
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    )
}

fn columns_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, a.attnum, pg_catalog.format_type(a.atttypid, a.atttypmod),
                a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), a.attgenerated::text,
                CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
                CASE WHEN a.attcollation <> t.typcollation THEN
                  (SELECT pg_catalog.quote_ident(cn.nspname) || '.' || pg_catalog.quote_ident(co.collname)
                   FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
                   WHERE co.oid = a.attcollation) END,
                pg_catalog.col_description(c.oid, a.attnum),
                {grants}
         FROM pg_catalog.pg_attribute a
         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE {SYSTEM_SCHEMAS} AND c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
           AND NOT c.relispartition AND {member}
         ORDER BY 1, 2, 4",
        grants = grants("a.attacl", "c.relowner"),
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    )
}

fn constraints_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, k.conname::text, k.contype::text,
                pg_catalog.pg_get_constraintdef(k.oid, true)
         FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE {SYSTEM_SCHEMAS} AND k.contype IN ('p', 'u', 'f', 'c', 'x') AND k.conparentid = 0
           AND k.conislocal AND {member}
         ORDER BY 1, 2, 3",
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    )
}

fn indexes_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.relname::text, c.relname::text, pg_catalog.pg_get_indexdef(x.indexrelid), x.indisvalid
         FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class c ON c.oid = x.indexrelid
         JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
         WHERE {SYSTEM_SCHEMAS} AND NOT c.relispartition AND {member}
           AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid
                           AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))
         ORDER BY 1, 2, 3",
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    )
}

fn functions_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, pg_catalog.pg_get_function_identity_arguments(p.oid), p.prokind::text,
                coalesce(pg_catalog.pg_get_function_result(p.oid), ''), l.lanname::text,
                coalesce(pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc, ''),
                p.prosecdef, p.provolatile::text, p.proisstrict, p.proleakproof, p.proparallel::text,
                ARRAY(SELECT s FROM unnest(p.proconfig) s ORDER BY 1),
                pg_catalog.pg_get_userbyid(p.proowner)::text, pg_catalog.obj_description(p.oid, 'pg_proc'),
                {grants},
                CASE WHEN p.prokind IN ('f', 'p') THEN pg_catalog.pg_get_functiondef(p.oid) END
         FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
         JOIN pg_catalog.pg_language l ON l.oid = p.prolang
         WHERE {SYSTEM_SCHEMAS} AND {member}
         ORDER BY 1, 2, 3",
        grants = grants("coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))", "p.proowner"),
        member = not_extension_member("pg_catalog.pg_proc", "p.oid"),
    )
}

fn triggers_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, t.tgname::text, pg_catalog.pg_get_triggerdef(t.oid), t.tgenabled::text
         FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE {SYSTEM_SCHEMAS} AND NOT t.tgisinternal AND t.tgparentid = 0 AND {member}
         ORDER BY 1, 2, 3",
        member = not_extension_member("pg_catalog.pg_class", "c.oid"),
    )
}

fn policies_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, p.polname::text, p.polpermissive,
                CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                              WHEN 'd' THEN 'DELETE' ELSE 'ALL' END,
                ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END
                      FROM unnest(p.polroles) r ORDER BY 1),
                pg_catalog.pg_get_expr(p.polqual, p.polrelid), pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)
         FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE {SYSTEM_SCHEMAS}
         ORDER BY 1, 2, 3"
    )
}

/// What both sides must know before either is read: the server version and the schemas that
/// hold extensions.
#[derive(Debug, Clone)]
pub struct Probe {
    /// `server_version_num`.
    pub server_version: i32,
    /// Schemas holding at least one extension (other than `pg_catalog`).
    pub extension_schemas: Vec<String>,
}

/// Reads the server version and the extension schemas (one query).
pub async fn probe(client: &Client) -> Result<Probe> {
    let row = client
        .query_one(PROBE_SQL, &[])
        .await
        .context("reading the server version and extension schemas")?;
    Ok(Probe {
        server_version: row.get(0),
        extension_schemas: row.get(1),
    })
}

/// The `search_path` both sides are read under: every schema holding an extension on either
/// side, in name order, as a quoted list (`pg_catalog` is always searched first).
pub fn canonical_search_path(probes: &[&Probe]) -> String {
    let mut schemas: Vec<&String> = probes
        .iter()
        .flat_map(|p| p.extension_schemas.iter())
        .collect();
    schemas.sort();
    schemas.dedup();
    if schemas.is_empty() {
        return "pg_catalog".into();
    }
    schemas
        .iter()
        .map(|s| quote_ident(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs queries and counts the round trips.
struct Counted<'a> {
    client: &'a Client,
    queries: usize,
}

impl Counted<'_> {
    async fn rows(&mut self, what: &str, sql: &str) -> Result<Vec<Row>> {
        self.queries += 1;
        self.client
            .query(sql, &[])
            .await
            .with_context(|| format!("reading {what} from the catalog"))
    }

    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.queries += 1;
        self.client
            .batch_execute(sql)
            .await
            .context("starting a read-only catalog snapshot")
    }
}

impl Snapshot {
    /// How many round trips reading one side takes ([`probe`] included), whatever the size of
    /// the database.
    pub const QUERIES: usize = 13;

    /// Reads the snapshot in one read-only transaction under `search_path`.
    pub async fn read(client: &Client, probe: &Probe, search_path: &str) -> Result<Snapshot> {
        let mut db = Counted { client, queries: 0 };
        db.execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = {search_path}"
        ))
        .await?;
        let result = Self::read_in_transaction(&mut db, probe).await;
        // Read-only: ending it either way changes nothing.
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = db.execute(end).await;
        let mut snapshot = result?;
        ended?;
        snapshot.queries = db.queries;
        Ok(snapshot)
    }

    async fn read_in_transaction(db: &mut Counted<'_>, probe: &Probe) -> Result<Snapshot> {
        let schemas = map(db.rows("schemas", &schemas_sql()).await?, |r| Schema {
            name: r.get(0),
            owner: r.get(1),
        });
        let extensions = map(db.rows("extensions", EXTENSIONS_SQL).await?, |r| {
            Extension {
                name: r.get(0),
                schema: r.get(1),
            }
        });
        let types = map(db.rows("types", &types_sql()).await?, |r| Type {
            schema: r.get(0),
            name: r.get(1),
            kind: first_char(r.get(2)),
            definition: r.get(3),
            labels: r.get(4),
            owner: r.get(5),
            comment: r.get(6),
        });
        let relations = map(db.rows("relations", &relations_sql()).await?, relation);
        let columns = map(db.rows("columns", &columns_sql()).await?, column);
        let constraints = map(db.rows("constraints", &constraints_sql()).await?, |r| {
            Constraint {
                schema: r.get(0),
                table: r.get(1),
                name: r.get(2),
                kind: first_char(r.get(3)),
                definition: r.get(4),
            }
        });
        let indexes = map(db.rows("indexes", &indexes_sql()).await?, |r| Index {
            schema: r.get(0),
            table: r.get(1),
            name: r.get(2),
            definition: r.get(3),
            valid: r.get(4),
        });
        let functions = map(db.rows("functions", &functions_sql()).await?, function);
        let triggers = map(db.rows("triggers", &triggers_sql()).await?, |r| Trigger {
            schema: r.get(0),
            table: r.get(1),
            name: r.get(2),
            definition: r.get(3),
            enabled: first_char(r.get(4)),
        });
        let policies = map(db.rows("policies", &policies_sql()).await?, |r| Policy {
            schema: r.get(0),
            table: r.get(1),
            name: r.get(2),
            permissive: r.get(3),
            command: r.get(4),
            roles: r.get(5),
            using: r.get(6),
            with_check: r.get(7),
        });
        Ok(Snapshot {
            server_version: probe.server_version,
            schemas,
            extensions,
            types,
            relations,
            columns,
            constraints,
            indexes,
            functions,
            triggers,
            policies,
            queries: 0,
        })
    }
}

fn map<T>(rows: Vec<Row>, f: impl Fn(&Row) -> T) -> Vec<T> {
    rows.iter().map(f).collect()
}

fn relation(row: &Row) -> Relation {
    let kind = first_char(row.get(2));
    let sequence = (kind == 'S').then(|| SequenceOptions {
        data_type: row.get(12),
        start: row.get(13),
        increment: row.get(14),
        min: row.get(15),
        max: row.get(16),
        cache: row.get(17),
        cycle: row.get(18),
        owned_by: row.get(19),
    });
    Relation {
        schema: row.get(0),
        name: row.get(1),
        kind,
        owner: row.get(3),
        rls: row.get(4),
        force_rls: row.get(5),
        unlogged: row.get(6),
        options: row.get(7),
        view_definition: row.get(8),
        partition_key: row.get(9),
        partition_of: row.get(10),
        partition_bound: row.get(11),
        sequence,
        comment: row.get(20),
        grants: parse_grants(row.get(21)),
    }
}

fn column(row: &Row) -> Column {
    let expression: Option<String> = row.get(6);
    let generated_kind = first_char(row.get(7));
    let generated = generated_kind != '\0';
    Column {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        position: row.get(3),
        data_type: row.get(4),
        not_null: row.get(5),
        default: if generated { None } else { expression.clone() },
        generated: if generated { expression } else { None },
        generated_kind: generated.then_some(generated_kind),
        identity: row.get(8),
        collation: row.get(9),
        comment: row.get(10),
        grants: parse_grants(row.get(11)),
    }
}

fn function(row: &Row) -> Function {
    Function {
        schema: row.get(0),
        name: row.get(1),
        arguments: row.get(2),
        kind: first_char(row.get(3)),
        result: row.get(4),
        language: row.get(5),
        body: row.get(6),
        security_definer: row.get(7),
        volatility: first_char(row.get(8)),
        strict: row.get(9),
        leakproof: row.get(10),
        parallel: first_char(row.get(11)),
        settings: row.get(12),
        owner: row.get(13),
        comment: row.get(14),
        grants: parse_grants(row.get(15)),
        definition: row.get(16),
    }
}

fn parse_grants(items: Vec<String>) -> Vec<Grant> {
    let mut grants: Vec<Grant> = items
        .iter()
        .filter_map(|item| {
            let mut parts = item.rsplitn(3, '|');
            let grantable = parts.next()? == "true";
            let privilege = parts.next()?.to_string();
            let grantee = parts.next()?.to_string();
            Some(Grant {
                grantee,
                privilege,
                grantable,
            })
        })
        .collect();
    grants.sort();
    grants
}

fn first_char(text: String) -> char {
    text.chars().next().unwrap_or('\0')
}

/// `schema.name` with each part quoted only when it needs to be.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", quote_ident(schema), quote_ident(name))
}

/// Quotes an identifier the way PostgreSQL's `quote_ident` does: only when it is not a plain
/// lowercase name or is a keyword other than an unreserved one.
pub fn quote_ident(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_keyword(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A keyword that must be quoted to be used as an identifier (anything but unreserved).
fn is_keyword(name: &str) -> bool {
    use pg_query::protobuf::KeywordKind;
    let tokens = crate::sql::scan_tokens(name);
    tokens.len() == 1
        && !matches!(
            KeywordKind::try_from(tokens[0].keyword_kind),
            Ok(KeywordKind::NoKeyword | KeywordKind::UnreservedKeyword)
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_like_quote_ident() {
        assert_eq!(quote_ident("events"), "events");
        assert_eq!(quote_ident("timestamp"), "\"timestamp\"");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert_eq!(quote_ident("Events"), "\"Events\"");
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(qualified("public", "order"), "public.\"order\"");
    }

    #[test]
    fn grants_parse_and_sort() {
        let grants = parse_grants(vec![
            "anon|SELECT|false".into(),
            "PUBLIC|EXECUTE|false".into(),
            "a|b|c|INSERT|true".into(),
        ]);
        assert_eq!(grants[0].grantee, "PUBLIC");
        assert_eq!(grants[1].privilege, "SELECT");
        assert_eq!(
            grants[2].grantee, "a|b|c",
            "a role name may hold the separator"
        );
        assert!(grants[2].grantable);
    }

    #[test]
    fn index_definitions_lose_their_name() {
        let index = Index {
            schema: "public".into(),
            table: "events".into(),
            name: "idx_events_slug".into(),
            definition: "CREATE INDEX idx_events_slug ON public.events USING btree (slug)".into(),
            valid: true,
        };
        assert_eq!(
            index.unnamed_definition(),
            "CREATE INDEX ON public.events USING btree (slug)"
        );
    }
}
