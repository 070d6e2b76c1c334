//! A snapshot of the live catalog, fetched in a fixed number of queries whatever the number of
//! objects ([`Catalog::QUERIES`]); every check is a pure function over it.
//!
//! The snapshot covers every schema but the system ones; [`Catalog::is_exposed`] tells the
//! safety checks which objects the Supabase API can reach. Objects that belong to an extension
//! are marked so that checks leave them alone (they are the extension's business).

use std::collections::HashSet;

use anyhow::{Context, Result};
use tokio_postgres::{Client, Row};

/// A table, partition, view, materialized view or index.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Relation {
    /// Schema name.
    pub schema: String,
    /// Relation name.
    pub name: String,
    /// `pg_class.relkind`: `r` table, `p` partitioned table, `v` view, `m` matview, `i`/`I` index.
    pub kind: char,
    /// Row level security is enabled.
    pub rls: bool,
    /// The parent (`schema.name`) when this is a partition.
    pub partition_of: Option<String>,
    /// A view created `WITH (security_invoker = true)`.
    pub security_invoker: bool,
    /// The table has a primary key.
    pub has_primary_key: bool,
    /// Which of `anon` / `authenticated` may `SELECT` from it.
    pub api_readers: Vec<String>,
    /// Created by an extension.
    pub from_extension: bool,
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
    /// The `USING` expression, deparsed.
    pub using: Option<String>,
    /// The `WITH CHECK` expression, deparsed.
    pub with_check: Option<String>,
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
    /// Indexed column numbers in order (0 for an expression).
    pub columns: Vec<i16>,
    /// `pg_get_indexdef` with the index name removed: equal definitions are duplicates.
    pub definition: String,
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
    /// Cloned from a partitioned parent's constraint (checked on the parent).
    pub inherited: bool,
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

/// How a partitioned table is partitioned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartitionKey {
    /// The partitioned table, `schema.name`.
    pub table: String,
    /// `r` range, `l` list, `h` hash.
    pub strategy: char,
    /// A single `date` / `timestamp` / `timestamptz` column: periods make sense.
    pub time_range: bool,
}

/// An installed extension.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extension {
    /// Extension name.
    pub name: String,
    /// The schema holding its objects.
    pub schema: String,
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
    /// Partitioning of every partitioned table.
    pub partition_keys: Vec<PartitionKey>,
    /// Bounds of every partition.
    pub partitions: Vec<PartitionBound>,
    /// The server's `now()` in Unix seconds.
    pub now: f64,
    /// Round trips spent fetching this snapshot.
    pub queries: usize,
}

const USER_SCHEMAS: &str = "NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'";

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

fn relations_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity,
                (SELECT pn.nspname || '.' || pc.relname FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
                   JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid AND c.relispartition),
                EXISTS (SELECT 1 FROM unnest(c.reloptions) o WHERE o ~* '^security_invoker=(t|true|y|yes|on|1)$'),
                EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p'),
                {readers}, {member}
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname {USER_SCHEMAS} AND c.relkind IN ('r', 'p', 'v', 'm', 'i', 'I', 'f')
         ORDER BY 1, 2",
        readers = api_roles("has_table_privilege", "c.oid", "SELECT"),
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
         WHERE n.nspname {USER_SCHEMAS}
         ORDER BY 1, 2, 3",
        executors = api_roles("has_function_privilege", "p.oid", "EXECUTE"),
        member = extension_member("pg_proc", "p.oid"),
    )
}

const TRIGGERS_SQL: &str =
    "SELECT n.nspname || '.' || c.relname || '.' || t.tgname FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE NOT t.tgisinternal";

const EXTENSIONS_SQL: &str = "SELECT x.extname::text, n.nspname::text FROM pg_extension x
     JOIN pg_namespace n ON n.oid = x.extnamespace ORDER BY 1";

const POLICIES_SQL: &str = "SELECT schemaname::text, tablename::text, policyname::text, cmd::text,
            roles::text[], qual, with_check
     FROM pg_policies ORDER BY 1, 2, 3";

const INDEXES_SQL: &str = "SELECT n.nspname::text, t.relname::text, c.relname::text, x.indisvalid, x.indkey::int2[],
            replace(pg_get_indexdef(x.indexrelid), ' INDEX ' || quote_ident(c.relname) || ' ON ', ' INDEX ON ')
     FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2, 3";

const FOREIGN_KEYS_SQL: &str = "SELECT n.nspname::text, t.relname::text, k.conname::text, k.conkey,
            ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
                  JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.ord),
            rn.nspname || '.' || r.relname, k.conparentid <> 0
     FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_class r ON r.oid = k.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
     WHERE k.contype = 'f' AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2, 3";

const PARTITION_KEYS_SQL: &str = "SELECT n.nspname || '.' || c.relname, pt.partstrat::text,
            pt.partnatts = 1 AND pt.partattrs[0] <> 0 AND a.atttypid IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype)
     FROM pg_partitioned_table pt JOIN pg_class c ON c.oid = pt.partrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
     ORDER BY 1";

/// Partition bounds; time range bounds are converted to Unix seconds by the server (a `CASE`
/// guards the cast), and the server's clock comes along in every row's last column.
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
}

impl Catalog {
    /// How many queries [`Catalog::fetch`] sends, whatever the size of the database.
    pub const QUERIES: usize = 10;

    /// Fetches the snapshot; `exposed_schemas` scopes the safety checks.
    pub async fn fetch(client: &Client, exposed_schemas: &[String]) -> Result<Catalog> {
        let mut db = Counted { client, queries: 0 };
        let relations = db
            .rows("relations", &relations_sql())
            .await?
            .iter()
            .map(relation)
            .collect();
        let functions = db
            .rows("functions", &functions_sql())
            .await?
            .iter()
            .map(function)
            .collect();
        let triggers = db
            .rows("triggers", TRIGGERS_SQL)
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let extensions = db
            .rows("extensions", EXTENSIONS_SQL)
            .await?
            .iter()
            .map(extension)
            .collect();
        let policies = db
            .rows("policies", POLICIES_SQL)
            .await?
            .iter()
            .map(policy)
            .collect();
        let indexes = db
            .rows("indexes", INDEXES_SQL)
            .await?
            .iter()
            .map(index)
            .collect();
        let foreign_keys = db
            .rows("foreign keys", FOREIGN_KEYS_SQL)
            .await?
            .iter()
            .map(foreign_key)
            .collect();
        let partition_keys = db
            .rows("partition keys", PARTITION_KEYS_SQL)
            .await?
            .iter()
            .map(partition_key)
            .collect();
        let partitions = db
            .rows("partitions", PARTITIONS_SQL)
            .await?
            .iter()
            .map(partition_bound)
            .collect();
        let now = db
            .rows("the clock", "SELECT extract(epoch FROM now())::float8")
            .await?[0]
            .get(0);
        Ok(Catalog {
            exposed_schemas: exposed_schemas.to_vec(),
            relations,
            functions,
            triggers,
            extensions,
            policies,
            indexes,
            foreign_keys,
            partition_keys,
            partitions,
            now,
            queries: db.queries,
        })
    }

    /// Whether the API exposes `schema`.
    pub fn is_exposed(&self, schema: &str) -> bool {
        self.exposed_schemas.iter().any(|s| s == schema)
    }

    /// Whether `name` (schema-qualified) exists with one of `kinds`.
    pub fn has_relation(&self, name: &str, kinds: &[char]) -> bool {
        self.relations
            .iter()
            .any(|r| kinds.contains(&r.kind) && r.qualified() == name)
    }

    /// Whether a function `name` (schema-qualified) exists, whatever its arguments.
    pub fn has_function(&self, name: &str) -> bool {
        self.functions
            .iter()
            .any(|f| format!("{}.{}", f.schema, f.name) == name)
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

    /// Exposed functions that do not belong to an extension.
    pub fn exposed_functions(&self) -> impl Iterator<Item = &Function> {
        self.functions
            .iter()
            .filter(|f| !f.from_extension && self.is_exposed(&f.schema))
    }

    /// Policies on `schema.table`.
    pub fn policies_on<'a>(
        &'a self,
        relation: &'a Relation,
    ) -> impl Iterator<Item = &'a Policy> + 'a {
        self.policies
            .iter()
            .filter(|p| p.schema == relation.schema && p.table == relation.name)
    }
}

fn relation(row: &Row) -> Relation {
    Relation {
        schema: row.get(0),
        name: row.get(1),
        kind: first_char(row.get(2)),
        rls: row.get(3),
        partition_of: row.get(4),
        security_invoker: row.get(5),
        has_primary_key: row.get(6),
        api_readers: row.get(7),
        from_extension: row.get(8),
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
    }
}

fn index(row: &Row) -> Index {
    Index {
        schema: row.get(0),
        table: row.get(1),
        name: row.get(2),
        valid: row.get(3),
        columns: row.get(4),
        definition: row.get(5),
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
        inherited: row.get(6),
    }
}

fn partition_key(row: &Row) -> PartitionKey {
    PartitionKey {
        table: row.get(0),
        strategy: first_char(row.get(1)),
        time_range: row.get::<_, Option<bool>>(2).unwrap_or(false),
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
