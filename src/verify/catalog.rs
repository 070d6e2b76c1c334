//! A snapshot of the live catalog, fetched in a fixed number of queries whatever the number of
//! objects (at most [`Catalog::QUERIES`]); every check is a pure function over it.
//!
//! The queries run pipelined inside one `REPEATABLE READ READ ONLY` transaction (one consistent
//! snapshot, nothing written) with `search_path = pg_catalog`, so every name the server deparses
//! (policy expressions, index definitions, argument types) comes back schema-qualified. The
//! snapshot covers every schema but the system ones; [`Catalog::is_exposed`] tells the safety
//! checks which objects the Supabase API can reach. Objects that belong to an extension are
//! marked so that checks leave them alone (they are the extension's business).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use anyhow::{Context, Result};
use tokio_postgres::{Client, Row};

/// The privileges `anon` and `authenticated` hold on a relation (any column counts).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    /// `anon`'s privileges.
    pub anon: Privileges,
    /// `authenticated`'s privileges.
    pub authenticated: Privileges,
}

/// SELECT / INSERT / UPDATE / DELETE held by one role (table-wide or on some column).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Privileges {
    /// `SELECT` on the table or on some column.
    pub select: bool,
    /// `INSERT` on the table or on some column.
    pub insert: bool,
    /// `UPDATE` on the table or on some column.
    pub update: bool,
    /// `DELETE` on the table.
    pub delete: bool,
}

impl Privileges {
    /// Any of INSERT, UPDATE, DELETE.
    pub fn writes(&self) -> bool {
        self.insert || self.update || self.delete
    }
}

impl Access {
    /// The API roles that may `SELECT`, in order (`anon`, `authenticated`).
    pub fn readers(&self) -> Vec<&'static str> {
        [("anon", self.anon), ("authenticated", self.authenticated)]
            .into_iter()
            .filter(|(_, p)| p.select)
            .map(|(r, _)| r)
            .collect()
    }

    fn from_entries(entries: &[String]) -> Access {
        let mut access = Access::default();
        for entry in entries {
            let Some((role, privilege)) = entry.split_once(':') else {
                continue;
            };
            let target = match role {
                "anon" => &mut access.anon,
                "authenticated" => &mut access.authenticated,
                _ => continue,
            };
            match privilege {
                "SELECT" => target.select = true,
                "INSERT" => target.insert = true,
                "UPDATE" => target.update = true,
                "DELETE" => target.delete = true,
                _ => {}
            }
        }
        access
    }
}

/// A table, partition, view, materialized view, foreign table, index or sequence.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Relation {
    /// Schema name.
    pub schema: String,
    /// Relation name.
    pub name: String,
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `v` view, `m` matview, `f` foreign
    /// table, `i`/`I` index, `S` sequence.
    pub kind: char,
    /// Row level security is enabled.
    pub rls: bool,
    /// The parent (`schema.name`) when this is a partition.
    pub partition_of: Option<String>,
    /// A view created `WITH (security_invoker = true)`.
    pub security_invoker: bool,
    /// Primary key columns in key order (empty: no primary key).
    pub primary_key: Vec<String>,
    /// What `anon` and `authenticated` may do with it.
    pub access: Access,
    /// Created by an extension.
    pub from_extension: bool,
    /// `autovacuum_enabled = false` among its storage parameters.
    pub autovacuum_disabled: bool,
    /// Names of its user triggers.
    pub triggers: Vec<String>,
    /// A view or materialized view whose definition reads `auth.users`.
    pub reads_auth_users: bool,
    /// Partitioning strategy of a partitioned table: `r` range, `l` list, `h` hash.
    pub partition_strategy: Option<char>,
    /// Partitioned on a single `date` / `timestamp` / `timestamptz` column.
    pub time_range: bool,
    /// Pages on disk and the pages its live rows need, for tables of 20 MiB or more.
    pub bloat: Option<(i64, f64)>,
}

impl Relation {
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// An ordinary or partitioned table (partitions included).
    pub fn is_table(&self) -> bool {
        matches!(self.kind, 'r' | 'p')
    }

    /// The table has a primary key.
    pub fn has_primary_key(&self) -> bool {
        !self.primary_key.is_empty()
    }

    /// What the relation is, in words.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            'r' => "table",
            'p' => "partitioned table",
            'v' => "view",
            'm' => "materialized view",
            'f' => "foreign table",
            'S' => "sequence",
            _ => "index",
        }
    }
}

/// A function or procedure.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Function {
    /// Schema name.
    pub schema: String,
    /// Function name.
    pub name: String,
    /// Identity arguments, e.g. `event_id uuid`.
    pub arguments: String,
    /// `SECURITY DEFINER`.
    pub security_definer: bool,
    /// `SET search_path = …` is part of the definition.
    pub pins_search_path: bool,
    /// Returns `trigger` / `event_trigger` (cannot be called through the API).
    pub is_trigger: bool,
    /// Which of `anon` / `authenticated` may execute it.
    pub api_executors: Vec<String>,
    /// Created by an extension.
    pub from_extension: bool,
}

impl Function {
    /// `schema.name(arguments)`.
    pub fn signature(&self) -> String {
        format!("{}.{}({})", self.schema, self.name, self.arguments)
    }

    /// `schema.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

/// A row level security policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Policy {
    /// Schema of the table.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Policy name.
    pub name: String,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE` or `DELETE`.
    pub command: String,
    /// Role names (`public` for everyone).
    pub roles: Vec<String>,
    /// The `USING` expression, deparsed with every name schema-qualified.
    pub using: Option<String>,
    /// The `WITH CHECK` expression, deparsed likewise.
    pub with_check: Option<String>,
    /// `PERMISSIVE` (else `RESTRICTIVE`).
    pub permissive: bool,
}

impl Policy {
    /// `schema.table`.
    pub fn table_name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }

    /// How reports name it: `policy <name> on <schema>.<table>`.
    pub fn subject(&self) -> String {
        format!("policy {} on {}", self.name, self.table_name())
    }

    /// Whether it applies to `role` (directly or through `public`).
    pub fn applies_to(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role || r == "public")
    }

    /// Whether it governs `command` (`ALL` governs every command).
    pub fn governs(&self, command: &str) -> bool {
        self.command == command || self.command == "ALL"
    }
}

/// An index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Index {
    /// Schema name.
    pub schema: String,
    /// The indexed table.
    pub table: String,
    /// Index name.
    pub name: String,
    /// `indisvalid`.
    pub valid: bool,
    /// A `CREATE INDEX` / `REINDEX` is building it right now (`pg_stat_progress_create_index`).
    pub building: bool,
    /// Backs a primary key, unique or exclusion constraint, or is a unique index.
    pub enforces_constraint: bool,
    /// Indexed column numbers in order (0 for an expression).
    pub columns: Vec<i16>,
    /// `pg_get_indexdef` with the index name removed: equal definitions are duplicates.
    pub definition: String,
    /// Index scans since statistics were reset (`None`: no statistics).
    pub scans: Option<i64>,
    /// Created by an extension.
    pub from_extension: bool,
}

impl Index {
    /// `schema.name` of the index.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// `schema.table` of the indexed table.
    pub fn table_name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

/// A foreign key constraint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ForeignKey {
    /// Schema of the referencing table.
    pub schema: String,
    /// The referencing table.
    pub table: String,
    /// Constraint name.
    pub name: String,
    /// Referencing column numbers.
    pub columns: Vec<i16>,
    /// Referencing column names, for messages.
    pub column_names: Vec<String>,
    /// The referenced table, `schema.name`.
    pub references: String,
    /// Referenced column names.
    pub referenced_columns: Vec<String>,
    /// The key references an `auth` table through a unique constraint that is not its primary key.
    pub references_auth_unique: bool,
    /// Cloned from a partitioned parent's constraint (checked on the parent).
    pub inherited: bool,
}

impl ForeignKey {
    /// `schema.table` of the referencing table.
    pub fn table_name(&self) -> String {
        format!("{}.{}", self.schema, self.table)
    }
}

/// One partition's bound, as the partition coverage check needs it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionBound {
    /// The partitioned parent, `schema.name`.
    pub parent: String,
    /// The partition, `schema.name`.
    pub partition: String,
    /// `DEFAULT` partition.
    pub is_default: bool,
    /// Lower bound in Unix seconds, for single-column time range keys.
    pub from: Option<f64>,
    /// Upper bound (exclusive) in Unix seconds, for single-column time range keys.
    pub to: Option<f64>,
}

/// An installed extension.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extension {
    /// Extension name.
    pub name: String,
    /// The schema holding its objects.
    pub schema: String,
    /// Installed version.
    pub version: String,
    /// The version `CREATE EXTENSION` would install today (`None`: not available any more).
    pub default_version: Option<String>,
}

/// A column of a table, view, materialized view or foreign table outside the platform schemas.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Column {
    /// Schema of the relation.
    pub schema: String,
    /// The relation.
    pub table: String,
    /// Column name.
    pub name: String,
    /// `format_type` of its type.
    pub type_name: String,
    /// Its type is a `reg*` type that `pg_upgrade` cannot carry over.
    pub unsupported_reg_type: bool,
    /// Which of `anon` / `authenticated` may `SELECT` the column.
    pub api_readers: Vec<String>,
}

/// A sequence and who may use it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sequence {
    /// Schema name.
    pub schema: String,
    /// Sequence name.
    pub name: String,
    /// The column it belongs to (`schema.table.column`), for serial and identity columns.
    pub owned_by: Option<String>,
    /// Backs an identity column (nextval needs no privilege then).
    pub identity: bool,
    /// `role:PRIVILEGE` entries of `anon` / `authenticated` (USAGE, SELECT, UPDATE).
    pub api_privileges: Vec<String>,
    /// API roles that may INSERT into a column whose default calls `nextval` of this sequence.
    pub needed_by: Vec<String>,
    /// Created by an extension.
    pub from_extension: bool,
}

impl Sequence {
    /// `schema.name`.
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }

    /// Whether `role` holds `privilege` on it.
    pub fn held(&self, role: &str, privilege: &str) -> bool {
        self.api_privileges
            .iter()
            .any(|e| e.split_once(':') == Some((role, privilege)))
    }

    /// The owning table (`schema.table`), if the sequence belongs to a column.
    pub fn table(&self) -> Option<String> {
        let owned = self.owned_by.as_deref()?;
        owned.rsplit_once('.').map(|(table, _)| table.to_string())
    }
}

/// A replication slot.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct ReplicationSlot {
    /// Slot name.
    pub name: String,
    /// A consumer is connected.
    pub active: bool,
    /// `reserved`, `extended`, `unreserved` or `lost` (`None` before PostgreSQL 13).
    pub wal_status: Option<String>,
}

/// A storage bucket marked public.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bucket {
    /// `storage.buckets.id`.
    pub id: String,
    /// `storage.buckets.name`.
    pub name: String,
}

/// Everything the checks look at.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Schemas the API exposes; safety checks look only there.
    pub exposed_schemas: Vec<String>,
    /// Relations outside the system schemas.
    pub relations: Vec<Relation>,
    /// Functions outside the system schemas.
    pub functions: Vec<Function>,
    /// `schema.table.trigger` of every user trigger.
    pub triggers: HashSet<String>,
    /// Installed extensions.
    pub extensions: Vec<Extension>,
    /// Row level security policies.
    pub policies: Vec<Policy>,
    /// Indexes outside the system schemas.
    pub indexes: Vec<Index>,
    /// Foreign keys outside the system schemas.
    pub foreign_keys: Vec<ForeignKey>,
    /// Bounds of every partition.
    pub partitions: Vec<PartitionBound>,
    /// Columns of relations outside the system and platform schemas.
    pub columns: Vec<Column>,
    /// Sequences outside the system schemas.
    pub sequences: Vec<Sequence>,
    /// Replication slots of the server.
    pub replication_slots: Vec<ReplicationSlot>,
    /// Public storage buckets (empty without Supabase Storage).
    pub public_buckets: Vec<Bucket>,
    /// Versions recorded in the migration history table (`None`: the table does not exist).
    pub history: Option<Vec<u32>>,
    /// `trigger → function` of the user triggers on `auth.users`.
    pub auth_user_triggers: Vec<String>,
    /// `pgrst.db_schemas`, when the server sets it (Supabase does).
    pub api_schemas_setting: Option<String>,
    /// The server's `now()` in Unix seconds.
    pub now: f64,
    /// Round trips spent fetching this snapshot.
    pub queries: usize,
    /// Lookup maps, built on first use (checks and probes look objects up by name): the
    /// snapshot is not to be changed after that.
    lookup: OnceLock<Lookup>,
}

/// Positions in the snapshot's vectors, by name.
#[derive(Debug, Clone, Default)]
struct Lookup {
    relations: HashMap<String, usize>,
    functions: HashSet<String>,
    policies: HashMap<String, Vec<usize>>,
    columns: HashMap<String, Vec<usize>>,
    indexes: HashMap<String, Vec<usize>>,
}

/// Schemas of the platform (Supabase services, extensions, eventos's history): never judged as
/// the project's own objects.
pub const PLATFORM_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "realtime",
    "_realtime",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "supabase_functions",
    "supabase_migrations",
    "cron",
    "net",
    "extensions",
    "pgbouncer",
    "pgtle",
    "pgmq",
    "_analytics",
    "eventos",
];

const USER_SCHEMAS: &str = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'";

/// `anon` / `authenticated` roles holding privilege `$priv` on object `$obj` via `$fn`.
fn api_roles(function: &str, object: &str, privilege: &str) -> String {
    format!(
        "ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.rolname IN ('anon', 'authenticated') \
         AND {function}(r.oid, {object}, '{privilege}') ORDER BY 1)"
    )
}

fn extension_member(class: &str, object: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '{class}'::regclass AND d.objid = {object} AND d.deptype = 'e')"
    )
}

fn platform_schemas_sql() -> String {
    PLATFORM_SCHEMAS
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

const TIME_TYPES: &str = "('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)";

fn relations_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity,
                (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),
                coalesce(EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o ~* '^security_invoker=(t|true|y|yes|on|1)$'), false),
                ARRAY(SELECT a.attname::text FROM pg_constraint k CROSS JOIN LATERAL unnest(k.conkey) WITH ORDINALITY AS u(num, ord)
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.num
                      WHERE k.conrelid = c.oid AND k.contype = 'p' ORDER BY u.ord),
                CASE WHEN c.relkind IN ('r', 'p', 'v', 'm', 'f') THEN
                  ARRAY(SELECT r.rolname || ':' || p.priv FROM pg_roles r CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE')) AS p(priv)
                        WHERE r.rolname IN ('anon', 'authenticated')
                          AND CASE WHEN p.priv = 'DELETE' THEN has_table_privilege(r.oid, c.oid, 'DELETE')
                                   ELSE has_any_column_privilege(r.oid, c.oid, p.priv) END)
                  ELSE '{{}}'::text[] END,
                {member},
                coalesce(EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o ~* '^autovacuum_enabled=(f|false|n|no|off|0)$'), false),
                ARRAY(SELECT t.tgname::text FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal ORDER BY 1),
                c.relkind IN ('v', 'm') AND EXISTS (
                  SELECT 1 FROM pg_rewrite w JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
                  WHERE w.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass AND d.refobjid = to_regclass('auth.users')),
                pt.partstrat::text,
                coalesce(pt.partnatts = 1 AND pt.partattrs[0] <> 0 AND pa.atttypid IN {TIME_TYPES}, false),
                c.relpages::int8,
                CASE WHEN c.relkind = 'r' AND c.relpages >= 2560 THEN
                  ceil(c.reltuples * (coalesce((SELECT sum((1 - s.null_frac) * s.avg_width) FROM pg_stats s
                                                 WHERE s.schemaname = n.nspname AND s.tablename = c.relname), 0) + 28)
                       / (current_setting('block_size')::float8 - 24))::float8 END
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
         LEFT JOIN pg_attribute pa ON pa.attrelid = pt.partrelid AND pa.attnum = pt.partattrs[0]
         WHERE n.nspname {USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I', 'f', 'S')
         ORDER BY 1, 2",
        member = extension_member("pg_class", "c.oid"),
    )
}

fn functions_sql() -> String {
    format!(
        "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), p.prosecdef,
                coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) s WHERE s LIKE 'search\\_path=%'), false),
                p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype),
                {executors}, {member}
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname {USER_SCHEMAS} AND p.prokind IN ('f', 'p')
         ORDER BY 1, 2, 3",
        executors = api_roles("has_function_privilege", "p.oid", "EXECUTE"),
        member = extension_member("pg_proc", "p.oid"),
    )
}

const EXTENSIONS_SQL: &str = "SELECT x.extname::text, n.nspname::text, x.extversion::text,
            (SELECT a.default_version::text FROM pg_available_extensions a WHERE a.name = x.extname)
     FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace ORDER BY 1";

const POLICIES_SQL: &str = "SELECT schemaname::text, tablename::text, policyname::text, cmd::text,
            roles::text[], qual, with_check, permissive = 'PERMISSIVE'
     FROM pg_policies ORDER BY 1, 2, 3";

fn indexes_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.relname::text, c.relname::text, x.indisvalid,
                EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = x.indexrelid),
                x.indisunique OR x.indisprimary OR EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')),
                x.indkey::int2[],
                replace(pg_get_indexdef(x.indexrelid), ' INDEX ' || quote_ident(c.relname) || ' ON ', ' INDEX ON '),
                s.idx_scan, {member}
         FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = x.indexrelid
         WHERE n.nspname {USER_SCHEMAS} ORDER BY 1, 2, 3",
        member = extension_member("pg_class", "c.oid"),
    )
}

fn foreign_keys_sql() -> String {
    format!(
        "SELECT n.nspname::text, t.relname::text, k.conname::text, k.conkey,
                ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                      JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.ord),
                rn.nspname || '.' || r.relname,
                ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
                      JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.ord),
                coalesce(rn.nspname = 'auth' AND ri.indisunique AND NOT ri.indisprimary, false),
                k.conparentid <> 0
         FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
         LEFT JOIN pg_index ri ON ri.indexrelid = k.conindid
         WHERE k.contype = 'f' AND n.nspname {USER_SCHEMAS} ORDER BY 1, 2, 3"
    )
}

/// Partition bounds; time range bounds are converted to Unix seconds by the server (a `CASE`
/// guards the cast).
const PARTITIONS_SQL: &str = "WITH b AS (
       SELECT pn.nspname || '.' || p.relname AS parent, n.nspname || '.' || c.relname AS partition,
              pg_get_expr(c.relpartbound, c.oid) AS bound,
              pt.partstrat = 'r' AND pt.partnatts = 1 AND a.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) AS timed
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid AND c.relispartition
       JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace pn ON pn.oid = p.relnamespace JOIN pg_partitioned_table pt ON pt.partrelid = p.oid
       LEFT JOIN pg_attribute a ON a.attrelid = p.oid AND a.attnum = pt.partattrs[0])
     SELECT parent, partition, bound = 'DEFAULT',
            CASE WHEN timed THEN extract(epoch FROM (substring(bound FROM '^FOR VALUES FROM \\(''([^'']+)''\\)'))::timestamptz)::float8 END,
            CASE WHEN timed THEN extract(epoch FROM (substring(bound FROM ' TO \\(''([^'']+)''\\)$'))::timestamptz)::float8 END
     FROM b ORDER BY 1, 2";

fn columns_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod),
                ty.typnamespace = 'pg_catalog'::regnamespace
                  AND ty.typname IN ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure'),
                ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.rolname IN ('anon', 'authenticated')
                        AND has_column_privilege(r.oid, c.oid, a.attnum, 'SELECT') ORDER BY 1)
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_type ty ON ty.oid = a.atttypid
         WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
           AND n.nspname {USER_SCHEMAS} AND n.nspname NOT IN ({platform})
         ORDER BY 1, 2, a.attnum",
        platform = platform_schemas_sql(),
    )
}

fn sequences_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text,
                (SELECT tn.nspname || '.' || t.relname || '.' || a.attname FROM pg_depend d
                   JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                   JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass
                   AND d.deptype IN ('a', 'i') LIMIT 1),
                EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i'),
                ARRAY(SELECT r.rolname || ':' || p.priv FROM pg_roles r CROSS JOIN (VALUES ('USAGE'), ('SELECT'), ('UPDATE')) AS p(priv)
                      WHERE r.rolname IN ('anon', 'authenticated') AND has_sequence_privilege(r.oid, c.oid, p.priv)),
                ARRAY(SELECT DISTINCT r.rolname::text FROM pg_depend d JOIN pg_attrdef ad ON ad.oid = d.objid
                        CROSS JOIN pg_roles r
                      WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass AND d.refobjid = c.oid
                        AND r.rolname IN ('anon', 'authenticated') AND has_column_privilege(r.oid, ad.adrelid, ad.adnum, 'INSERT')),
                {member}
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind = 'S' AND n.nspname {USER_SCHEMAS}
         ORDER BY 1, 2",
        member = extension_member("pg_class", "c.oid"),
    )
}

/// One row of server facts; `$1` is the history table's name. The history table and
/// `storage.buckets` are read only when they exist and the connecting role may read them.
const SERVER_SQL: &str = "SELECT extract(epoch FROM now())::float8,
            current_setting('pgrst.db_schemas', true),
            coalesce(has_table_privilege(to_regclass($1), 'SELECT'), false),
            coalesce(has_table_privilege(to_regclass('storage.buckets'), 'SELECT')
                     AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = to_regclass('storage.buckets')
                                 AND a.attname = 'public' AND NOT a.attisdropped), false),
            coalesce((SELECT json_agg(json_build_object('name', s.slot_name, 'active', s.active, 'wal_status', s.wal_status))::text
                      FROM pg_replication_slots s), '[]'),
            ARRAY(SELECT t.tgname || ' → ' || t.tgfoid::regprocedure::text FROM pg_trigger t
                  WHERE t.tgrelid = to_regclass('auth.users') AND NOT t.tgisinternal ORDER BY 1)";

const BUCKETS_SQL: &str =
    "SELECT b.id::text, b.name::text FROM storage.buckets b WHERE b.public ORDER BY 1";

impl Catalog {
    /// The most queries [`Catalog::fetch`] sends, whatever the size of the database: ten
    /// always, the history table and Supabase Storage's buckets when they exist.
    pub const QUERIES: usize = 12;

    /// Fetches the snapshot; `exposed_schemas` scopes the safety checks, `history_table` is
    /// refinery's table (read when it exists).
    pub async fn fetch(
        client: &Client,
        exposed_schemas: &[String],
        history_table: &str,
    ) -> Result<Catalog> {
        client
            .batch_execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL search_path = pg_catalog",
            )
            .await
            .context("reading the catalog: starting a read-only transaction")?;
        let fetched = Self::fetch_in_transaction(client, exposed_schemas, history_table).await;
        let end = if fetched.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = client
            .batch_execute(end)
            .await
            .context("reading the catalog: ending its transaction");
        let catalog = fetched?;
        ended?;
        Ok(catalog)
    }

    async fn fetch_in_transaction(
        client: &Client,
        exposed_schemas: &[String],
        history_table: &str,
    ) -> Result<Catalog> {
        let rows = |what: &'static str, sql: String| async move {
            client
                .query(sql.as_str(), &[])
                .await
                .with_context(|| format!("reading {what} from the catalog"))
        };
        let server = async {
            client
                .query_one(SERVER_SQL, &[&history_table])
                .await
                .context("reading server facts from the catalog")
        };
        let (relations, functions, extensions, policies, indexes, foreign_keys) = tokio::try_join!(
            rows("relations", relations_sql()),
            rows("functions", functions_sql()),
            rows("extensions", EXTENSIONS_SQL.to_string()),
            rows("policies", POLICIES_SQL.to_string()),
            rows("indexes", indexes_sql()),
            rows("foreign keys", foreign_keys_sql()),
        )?;
        let (partitions, columns, sequences, server) = tokio::try_join!(
            rows("partitions", PARTITIONS_SQL.to_string()),
            rows("columns", columns_sql()),
            rows("sequences", sequences_sql()),
            server,
        )?;
        let mut queries = 10;
        let history_exists: bool = server.get(2);
        let buckets_exist: bool = server.get(3);
        let history = if history_exists {
            queries += 1;
            let sql = format!("SELECT version::int8 FROM {history_table}");
            let versions = client
                .query(sql.as_str(), &[])
                .await
                .with_context(|| format!("reading the migration history table {history_table}"))?;
            Some(versions.iter().map(|r| r.get::<_, i64>(0) as u32).collect())
        } else {
            None
        };
        let public_buckets = if buckets_exist {
            queries += 1;
            client
                .query(BUCKETS_SQL, &[])
                .await
                .context("reading storage.buckets")?
                .iter()
                .map(|r| Bucket {
                    id: r.get(0),
                    name: r.get(1),
                })
                .collect()
        } else {
            Vec::new()
        };
        let relations: Vec<Relation> = relations.iter().map(relation).collect();
        let triggers = relations
            .iter()
            .flat_map(|r| {
                r.triggers
                    .iter()
                    .map(move |t| format!("{}.{t}", r.qualified()))
            })
            .collect();
        let slots: String = server.get(4);
        Ok(Catalog {
            exposed_schemas: exposed_schemas.to_vec(),
            relations,
            functions: functions.iter().map(function).collect(),
            triggers,
            extensions: extensions.iter().map(extension).collect(),
            policies: policies.iter().map(policy).collect(),
            indexes: indexes.iter().map(index).collect(),
            foreign_keys: foreign_keys.iter().map(foreign_key).collect(),
            partitions: partitions.iter().map(partition_bound).collect(),
            columns: columns.iter().map(column).collect(),
            sequences: sequences.iter().map(sequence).collect(),
            replication_slots: serde_json::from_str(&slots)
                .context("reading pg_replication_slots")?,
            public_buckets,
            history,
            auth_user_triggers: server.get(5),
            api_schemas_setting: server.get(1),
            now: server.get(0),
            queries,
            lookup: OnceLock::new(),
        })
    }

    fn lookup(&self) -> &Lookup {
        self.lookup.get_or_init(|| {
            let mut lookup = Lookup::default();
            for (i, r) in self.relations.iter().enumerate() {
                lookup.relations.insert(r.qualified(), i);
            }
            lookup.functions = self.functions.iter().map(Function::qualified).collect();
            for (i, p) in self.policies.iter().enumerate() {
                lookup.policies.entry(p.table_name()).or_default().push(i);
            }
            for (i, c) in self.columns.iter().enumerate() {
                lookup
                    .columns
                    .entry(format!("{}.{}", c.schema, c.table))
                    .or_default()
                    .push(i);
            }
            for (i, x) in self.indexes.iter().enumerate() {
                lookup.indexes.entry(x.table_name()).or_default().push(i);
            }
            lookup
        })
    }

    /// Whether the API exposes `schema`.
    pub fn is_exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.iter().any(|s| s == schema)
    }

    /// Whether `schema` belongs to the platform ([`PLATFORM_SCHEMAS`]).
    pub fn is_platform(schema: &str) -> bool {
        PLATFORM_SCHEMAS.contains(&schema)
    }

    /// Whether `name` (schema-qualified) exists with one of `kinds`.
    pub fn has_relation(&self, name: &str, kinds: &[char]) -> bool {
        self.relation(name).is_some_and(|r| kinds.contains(&r.kind))
    }

    /// The relation `schema.name`, if it exists.
    pub fn relation(&self, name: &str) -> Option<&Relation> {
        self.lookup()
            .relations
            .get(name)
            .map(|&i| &self.relations[i])
    }

    /// Whether a function `name` (schema-qualified) exists, whatever its arguments.
    pub fn has_function(&self, name: &str) -> bool {
        self.lookup().functions.contains(name)
    }

    /// Columns of the relation `schema.table`, in column order.
    pub fn columns_of<'a>(&'a self, table: &str) -> impl Iterator<Item = &'a Column> + 'a {
        self.lookup()
            .columns
            .get(table)
            .into_iter()
            .flatten()
            .map(|&i| &self.columns[i])
    }

    /// Indexes of the table `schema.table`.
    pub fn indexes_of<'a>(&'a self, table: &str) -> impl Iterator<Item = &'a Index> + 'a {
        self.lookup()
            .indexes
            .get(table)
            .into_iter()
            .flatten()
            .map(|&i| &self.indexes[i])
    }

    /// Whether extension `name` is installed.
    pub fn has_extension(&self, name: &str) -> bool {
        self.extensions.iter().any(|x| x.name == name)
    }

    /// Exposed relations of `kinds` that do not belong to an extension.
    pub fn exposed_relations<'a>(
        &'a self,
        kinds: &'a [char],
    ) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.iter().filter(move |r| {
            kinds.contains(&r.kind) && !r.from_extension && self.is_exposed(&r.schema)
        })
    }

    /// Relations of `kinds` in the project's own schemas (not system, not platform), not
    /// belonging to an extension.
    pub fn user_relations<'a>(
        &'a self,
        kinds: &'a [char],
    ) -> impl Iterator<Item = &'a Relation> + 'a {
        self.relations.iter().filter(move |r| {
            kinds.contains(&r.kind) && !r.from_extension && !Self::is_platform(&r.schema)
        })
    }

    /// Exposed functions that do not belong to an extension.
    pub fn exposed_functions(&self) -> impl Iterator<Item = &Function> {
        self.functions
            .iter()
            .filter(|f| !f.from_extension && self.is_exposed(&f.schema))
    }

    /// Policies on `relation`.
    pub fn policies_on<'a>(
        &'a self,
        relation: &'a Relation,
    ) -> impl Iterator<Item = &'a Policy> + 'a {
        self.lookup()
            .policies
            .get(&relation.qualified())
            .into_iter()
            .flatten()
            .map(|&i| &self.policies[i])
    }

    /// Policies on exposed tables.
    pub fn exposed_policies(&self) -> impl Iterator<Item = &Policy> {
        self.policies.iter().filter(|p| self.is_exposed(&p.schema))
    }
}

fn relation(row: &Row) -> Relation {
    let pages: i64 = row.get(14);
    let expected: Option<f64> = row.get(15);
    Relation {
        schema: row.get(0),
        name: row.get(1),
        kind: first_char(row.get(2)),
        rls: row.get(3),
        partition_of: row.get(4),
        security_invoker: row.get(5),
        primary_key: row.get(6),
        access: Access::from_entries(&row.get::<_, Vec<String>>(7)),
        from_extension: row.get(8),
        autovacuum_disabled: row.get(9),
        triggers: row.get(10),
        reads_auth_users: row.get(11),
        partition_strategy: row.get::<_, Option<String>>(12).map(first_char),
        time_range: row.get(13),
        bloat: expected.map(|e| (pages, e)),
    }
}

fn function(row: &Row) -> Function {
    Function {
        schema: row.get(0),
        name: row.get(1),
        arguments: row.get(2),
        security_definer: row.get(3),
        pins_search_path: row.get(4),
        is_trigger: row.get(5),
        api_executors: row.get(6),
        from_extension: row.get(7),
    }
}

fn extension(row: &Row) -> Extension {
    Extension {
        name: row.get(0),
        schema: row.get(1),
        version: row.get(2),
        default_version: row.get(3),
    }
}

fn policy(row: &Row) -> Policy {
    Policy {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        command: row.get(3),
        roles: row.get(4),
        using: row.get(5),
        with_check: row.get(6),
        permissive: row.get(7),
    }
}

fn index(row: &Row) -> Index {
    Index {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        valid: row.get(3),
        building: row.get(4),
        enforces_constraint: row.get(5),
        columns: row.get(6),
        definition: row.get(7),
        scans: row.get(8),
        from_extension: row.get(9),
    }
}

fn foreign_key(row: &Row) -> ForeignKey {
    ForeignKey {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        columns: row.get(3),
        column_names: row.get(4),
        references: row.get(5),
        referenced_columns: row.get(6),
        references_auth_unique: row.get(7),
        inherited: row.get(8),
    }
}

fn partition_bound(row: &Row) -> PartitionBound {
    PartitionBound {
        parent: row.get(0),
        partition: row.get(1),
        is_default: row.get(2),
        from: row.get(3),
        to: row.get(4),
    }
}

fn column(row: &Row) -> Column {
    Column {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        type_name: row.get(3),
        unsupported_reg_type: row.get(4),
        api_readers: row.get(5),
    }
}

fn sequence(row: &Row) -> Sequence {
    Sequence {
        schema: row.get(0),
        name: row.get(1),
        owned_by: row.get(2),
        identity: row.get(3),
        api_privileges: row.get(4),
        needed_by: row.get(5),
        from_extension: row.get(6),
    }
}

fn first_char(text: String) -> char {
    text.chars().next().unwrap_or('?')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_entries_become_privileges() {
        let access = Access::from_entries(&[
            "anon:SELECT".into(),
            "authenticated:SELECT".into(),
            "authenticated:DELETE".into(),
            "junk".into(),
        ]);
        assert!(access.anon.select && !access.anon.writes());
        assert!(access.authenticated.delete && !access.authenticated.insert);
        assert_eq!(access.readers(), vec!["anon", "authenticated"]);
    }

    #[test]
    fn sequences_name_their_table() {
        let sequence = Sequence {
            owned_by: Some("public.audit_log.id".into()),
            api_privileges: vec!["anon:UPDATE".into()],
            ..Sequence::default()
        };
        assert_eq!(sequence.table().as_deref(), Some("public.audit_log"));
        assert!(sequence.held("anon", "UPDATE") && !sequence.held("anon", "USAGE"));
    }
}
