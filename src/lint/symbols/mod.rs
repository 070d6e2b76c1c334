//! The symbol table: the database the linted files build, with PostgreSQL's own semantics.
//!
//! Statements are applied in lint order (version order across phases) as PostgreSQL would run
//! them, so a statement rule sees the objects that exist when its statement runs and a set rule
//! judges every object **as it stands after the whole set**:
//!
//! - `CREATE … IF NOT EXISTS` on an existing object is a no-op (the object keeps its RLS state,
//!   options, indexes); so is a plain `CREATE` of an existing object (PostgreSQL refuses it).
//! - `CREATE OR REPLACE FUNCTION` replaces the function's attributes (`SECURITY DEFINER`,
//!   `SET …`) with the new statement's; `CREATE OR REPLACE VIEW` replaces the view's options
//!   with its `WITH (…)` list, even an empty one.
//! - `ALTER TABLE … ENABLE/DISABLE ROW LEVEL SECURITY`, `ALTER VIEW … SET/RESET (…)`,
//!   `ALTER FUNCTION … SECURITY DEFINER|INVOKER`, `… SET search_path`, `… RESET …` change the
//!   object; `… RENAME TO`, `… SET SCHEMA` and `ALTER SCHEMA … RENAME` move it (with its indexes,
//!   constraints and policies); `DROP …` removes it (with `CASCADE`, the views built on it).
//! - `DROP POLICY IF EXISTS p` + `CREATE POLICY p` is one policy.
//! - Unqualified names resolve like PostgreSQL's `search_path` (tracked per file from
//!   `SET search_path` and `set_config('search_path', …)`; `public` by default), temporary
//!   tables first. Temporary objects live in `pg_temp`.
//!
//! Each object remembers where it was created and which statement last changed the property a
//! rule judges, so a finding points at the statement that made the final state unsafe. A live
//! catalog, when given, answers for objects the files did not create.

mod apply;
pub mod by_table;
pub mod changes;
mod dynamic;
mod providers;
pub mod reloptions;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use pg_query::NodeEnum;
use pg_query::protobuf::{Node, RangeVar};

pub use by_table::ByTable;
pub use reloptions::pg_bool;

/// A schema-qualified name.
pub type QualName = (Name, Name);

/// A name: held inline up to 24 bytes (nearly every schema, table and column name), so the
/// symbol table's keys and facts cost no allocation of their own.
pub type Name = compact_str::CompactString;

/// The schema of temporary objects.
pub const TEMP_SCHEMA: &str = "pg_temp";

/// Where an object was declared or changed.
#[derive(Debug, Clone)]
pub struct Site {
    /// The file (shared by every site in it).
    pub file: Arc<Path>,
    /// The statement's span.
    pub span: Range<usize>,
    /// The file's position in lint order.
    pub file_index: usize,
}

impl Site {
    /// Position in lint order (file, then offset): later statements compare greater.
    pub fn order(&self) -> (usize, usize) {
        (self.file_index, self.span.start)
    }

    /// The later of two sites.
    pub fn latest<'a>(&'a self, other: Option<&'a Site>) -> &'a Site {
        match other {
            Some(other) if other.order() > self.order() => other,
            _ => self,
        }
    }
}

/// A table (plain, partitioned, a partition, unlogged or temporary).
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Where it was created.
    pub site: Site,
    /// Declared `PARTITION BY`.
    pub partitioned: bool,
    /// `CREATE TEMP TABLE`: session-local, never exposed.
    pub temporary: bool,
    /// Row level security is enabled (final state once the set is applied).
    pub rls_enabled: bool,
    /// The statement that set the current RLS state: the creation, or the last ENABLE/DISABLE.
    pub rls_site: Site,
    /// The last `RENAME`/`SET SCHEMA` that moved the table, if any (boxed: most tables never
    /// move, and a table's facts are kept for the whole run).
    pub moved: Option<Box<Site>>,
    /// Its columns and CHECK / NOT NULL constraints (lock-safety rules).
    pub facts: changes::TableFacts,
}

/// A view or materialized view.
#[derive(Debug, Clone)]
pub struct ViewInfo {
    /// Where it was created.
    pub site: Site,
    /// A materialized view.
    pub materialized: bool,
    /// `security_invoker` is true (final state).
    pub security_invoker: bool,
    /// The statement that set the current `security_invoker` state.
    pub invoker_site: Site,
    /// The last `RENAME`/`SET SCHEMA` that moved the view, if any.
    pub moved: Option<Site>,
    /// The relations its query reads (a `DROP … CASCADE` of one of them drops the view).
    pub depends_on: BTreeSet<QualName>,
}

/// One function or procedure (an overload: name plus input argument types).
#[derive(Debug, Clone)]
pub struct FunctionInfo {
    /// Input argument types, normalised (`int4,text[]`): the overload's identity (inline up to
    /// 24 bytes, like names).
    pub signature: Name,
    /// A procedure rather than a function.
    pub procedure: bool,
    /// `SECURITY DEFINER` (final state).
    pub security_definer: bool,
    /// `SET search_path …` in its configuration (final state).
    pub pins_search_path: bool,
    /// The statement that last made it `SECURITY DEFINER` without a pinned `search_path` (or
    /// created or replaced it).
    pub config_site: Site,
}

impl FunctionInfo {
    /// Runs with its owner's rights under the caller's `search_path`.
    pub fn definer_without_search_path(&self) -> bool {
        self.security_definer && !self.pins_search_path
    }
}

/// An index (explicit, or implied by a primary key or unique constraint).
#[derive(Debug, Clone)]
pub struct IndexInfo {
    /// Its name, when known (`CREATE INDEX name`, `CONSTRAINT name`).
    pub name: Option<Name>,
    /// Plain column names in index order (expressions are empty strings).
    pub columns: Vec<Name>,
    /// Unique (or primary key) and without a predicate.
    pub unique: bool,
}

/// A foreign key's referencing side.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    /// The constraint's name, when given.
    pub name: Option<Name>,
    /// The referencing columns.
    pub columns: Vec<Name>,
    /// Where it was declared.
    pub site: Site,
}

/// A policy.
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    /// The policy's name.
    pub name: Name,
    /// Where it was declared.
    pub site: Site,
}

/// An extension the files create.
#[derive(Debug, Clone)]
pub struct ExtensionInfo {
    /// The schema its objects live in.
    pub schema: String,
}

/// What a live database already holds (read with `--database-url`).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Partitioned tables.
    pub partitioned: BTreeSet<QualName>,
    /// Views and materialized views.
    pub views: BTreeSet<QualName>,
    /// Functions and procedures, by name.
    pub functions: BTreeSet<QualName>,
    /// Tables' sizes, columns and constraints, indexes and function volatility (lock-safety
    /// rules).
    pub live: crate::lint::catalog::LiveCatalog,
}

/// Whether a function can be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionLookup {
    /// Created by the files, built in, provided by an extension the files create, or in the
    /// live catalog.
    Defined,
    /// Nobody provides it.
    Undefined,
    /// Lives in the schema of an extension eventos does not know the contents of: neither
    /// defined nor undefined.
    Unknown,
    /// Lives in a schema the files have not created (so far): undefined only if the files
    /// create objects in that schema somewhere ([`Symbols::schemas_used`]).
    UnknownSchema,
}

/// A trigger's function as it stood when the trigger was created.
#[derive(Debug, Clone)]
pub struct TriggerCall {
    /// The trigger's name.
    pub trigger: String,
    /// The function it executes (unqualified: `public`).
    pub function: QualName,
    /// Whether the function was written with its schema.
    pub qualified: bool,
    /// What the symbol table knew of the function then.
    pub lookup: FunctionLookup,
    /// The `CREATE TRIGGER`.
    pub site: Site,
}

/// The symbol table.
#[derive(Debug, Default)]
pub struct Symbols {
    /// Tables by name; boxed, since a B-tree node has room for eleven entries and a
    /// table's facts are 176 bytes (a node of them 2.5 KB, often a third empty).
    pub tables: BTreeMap<QualName, Box<TableInfo>>,
    /// Views and materialized views by name.
    pub views: BTreeMap<QualName, ViewInfo>,
    /// Functions and procedures by name, each with its overloads.
    pub functions: BTreeMap<QualName, Vec<FunctionInfo>>,
    /// Schemas the files create, and where.
    pub schemas: BTreeMap<String, Site>,
    /// Extensions the files create.
    pub extensions: BTreeMap<String, ExtensionInfo>,
    /// Every index, by table.
    pub indexes: ByTable<IndexInfo>,
    /// Every foreign key, by referencing table.
    pub foreign_keys: ByTable<ForeignKey>,
    /// Every policy, by table.
    pub policies: ByTable<PolicyInfo>,
    /// Every trigger created, with its function as it stood then.
    pub triggers: Vec<TriggerCall>,
    /// Schemas the files create or create objects in (dropped or not).
    pub schemas_used: BTreeSet<String>,
    /// Every `REFRESH MATERIALIZED VIEW CONCURRENTLY`, wherever it runs.
    pub concurrent_refreshes: Vec<(QualName, Site)>,
    /// The live catalog, if connected.
    pub catalog: Option<Catalog>,
    /// Releases, columns, constraints, volatility and session settings (lock-safety rules).
    pub changes: changes::Changes,
    /// The session's `search_path` (schemas in order); reset at every file.
    search_path: Vec<String>,
    /// Name lookups derived from the collections above, so existence checks stay O(log n).
    lookups: Lookups,
}

/// Keys derived from [`Symbols`]' collections, kept in step with them.
#[derive(Debug, Default)]
struct Lookups {
    /// `(schema, name)` of every named index, and its table.
    index_names: BTreeMap<QualName, QualName>,
    /// Every function name, whatever its schema.
    function_names: BTreeMap<Name, usize>,
    /// The views (and materialized views) that read each relation.
    readers: BTreeMap<QualName, BTreeSet<QualName>>,
    /// Whether a temporary relation was ever created (else `pg_temp` is not searched).
    has_temporary: bool,
}

/// The qualified name a `RangeVar` spells (unqualified: `public`; temporary: `pg_temp`),
/// without looking anything up. Rules should prefer [`Symbols::relation`].
pub fn range_name(range: &RangeVar) -> QualName {
    let schema = if !range.schemaname.is_empty() {
        range.schemaname.as_str()
    } else if range.relpersistence == "t" {
        TEMP_SCHEMA
    } else {
        "public"
    };
    (schema.into(), range.relname.as_str().into())
}

pub use crate::sql::string_list;

/// A qualified name from a parse-tree name list (`[schema,] name`); unqualified: `public`.
pub fn list_name(nodes: &[Node]) -> Option<QualName> {
    match string_list(nodes).as_slice() {
        [name] => Some(("public".into(), name.as_str().into())),
        [.., schema, name] => Some((schema.as_str().into(), name.as_str().into())),
        [] => None,
    }
}

/// The `RangeVar` a dotted name list spells (`[schema,] name`), for statements that name
/// relations as lists (`DROP TABLE`, `DROP POLICY … ON`).
pub fn range_of(names: &[String]) -> Option<RangeVar> {
    match names {
        [name] => Some(RangeVar {
            relname: name.clone(),
            ..Default::default()
        }),
        [.., schema, name] => Some(RangeVar {
            schemaname: schema.clone(),
            relname: name.clone(),
            ..Default::default()
        }),
        [] => None,
    }
}

/// `schema.name` for messages.
pub fn display(name: &QualName) -> String {
    format!("{}.{}", name.0, name.1)
}

/// Schemas that exist in every database.
const BUILT_IN_SCHEMAS: &[&str] = &["public", "pg_catalog", "information_schema", TEMP_SCHEMA];

impl Symbols {
    /// An empty table enriched by an optional live catalog.
    pub fn new(catalog: Option<Catalog>) -> Symbols {
        Symbols {
            catalog,
            search_path: default_search_path(),
            ..Symbols::default()
        }
    }

    /// Starts a file: a new session, with the default `search_path`.
    pub fn start_file(&mut self) {
        self.search_path = default_search_path();
        self.reset_session();
    }

    /// The schema an unqualified `CREATE` puts its object in: the first schema of the
    /// `search_path` (`public` when it is empty).
    pub fn creation_schema(&self) -> String {
        self.search_path
            .iter()
            .find(|s| s.as_str() != "$user")
            .cloned()
            .unwrap_or_else(|| "public".into())
    }

    /// The relation a `RangeVar` names when its statement runs: a qualified name as written;
    /// an unqualified one is a temporary table of that name, else the first relation found
    /// along the `search_path`, else (it does not exist yet) the creation schema.
    pub fn relation(&self, range: &RangeVar) -> QualName {
        if !range.schemaname.is_empty() || range.relpersistence == "t" {
            return range_name(range);
        }
        let mut name: QualName = (Name::default(), range.relname.as_str().into());
        let temp = self.lookups.has_temporary.then_some(TEMP_SCHEMA);
        let path = self.search_path.iter().map(String::as_str);
        for schema in temp.into_iter().chain(path).filter(|s| *s != "$user") {
            name.0 = schema.into();
            if self.tables.contains_key(&name) || self.views.contains_key(&name) {
                return name;
            }
        }
        name.0 = self.creation_schema().into();
        name
    }

    /// Whether a table, view or named index called `name` exists (they share a namespace).
    pub fn relation_exists(&self, name: &QualName) -> bool {
        self.tables.contains_key(name)
            || self.views.contains_key(name)
            || self.lookups.index_names.contains_key(name)
    }

    /// Whether `name` is known to be partitioned (the files so far, or the live catalog).
    pub fn is_partitioned(&self, name: &QualName) -> bool {
        self.tables.get(name).is_some_and(|t| t.partitioned)
            || self
                .catalog
                .as_ref()
                .is_some_and(|c| c.partitioned.contains(name))
    }

    /// Whether `name` is a view or materialized view (the files so far, or the live catalog).
    pub fn is_view(&self, name: &QualName) -> bool {
        self.views.contains_key(name)
            || self
                .catalog
                .as_ref()
                .is_some_and(|c| c.views.contains(name))
    }

    /// Whether `name` is a temporary table. Asked for every column of every table the files
    /// create (the column-type rules) and by the lock model, so the table lookup is skipped
    /// while no temporary table exists (most histories).
    pub fn is_temporary(&self, name: &QualName) -> bool {
        name.0 == TEMP_SCHEMA
            || (self.lookups.has_temporary && self.tables.get(name).is_some_and(|t| t.temporary))
    }

    /// Whether a schema exists: built in, created by the files, or (live catalog) holding a
    /// function or relation.
    pub fn schema_known(&self, schema: &str) -> bool {
        BUILT_IN_SCHEMAS.contains(&schema) || self.schemas.contains_key(schema)
    }

    /// Whether the function `name` can be called (`qualified`: as written with a schema;
    /// otherwise any schema's function of that name counts, as the `search_path` may reach it).
    pub fn function(&self, name: &QualName, qualified: bool) -> FunctionLookup {
        let matches =
            |candidate: &QualName| candidate.1 == name.1 && (!qualified || candidate.0 == name.0);
        let in_catalog = self
            .catalog
            .as_ref()
            .is_some_and(|c| c.functions.iter().any(&matches));
        let in_files = if qualified {
            self.functions.contains_key(name)
        } else {
            self.lookups.function_names.contains_key(name.1.as_str())
        };
        if in_files
            || in_catalog
            || self.extension_provides(name, qualified)
            || providers::platform_provides(name, qualified)
        {
            return FunctionLookup::Defined;
        }
        if self.opaque_extension_schema(&name.0, qualified) {
            return FunctionLookup::Unknown;
        }
        let unknown_schema = qualified && !self.schema_known(&name.0);
        if unknown_schema && self.catalog.is_none() {
            return FunctionLookup::UnknownSchema;
        }
        FunctionLookup::Undefined
    }

    /// Whether an extension the files create provides the function.
    fn extension_provides(&self, name: &QualName, qualified: bool) -> bool {
        self.extensions.iter().any(|(extension, info)| {
            (!qualified || info.schema == name.0)
                && providers::extension_functions(extension)
                    .is_some_and(|functions| functions.contains(&name.1.as_str()))
        })
    }

    /// Whether an extension whose contents eventos does not know lives in `schema` (any schema
    /// when the call is unqualified).
    fn opaque_extension_schema(&self, schema: &str, qualified: bool) -> bool {
        self.extensions.iter().any(|(extension, info)| {
            (!qualified || info.schema == schema)
                && providers::extension_functions(extension).is_none()
        })
    }

    /// Whether a unique, predicate-free index covers `table`.
    pub fn has_unique_index(&self, table: &QualName) -> bool {
        self.indexes.of(table).iter().any(|i| i.unique)
    }

    /// Records facts about statements that run later (function bodies) as well as now.
    pub fn record_any(&mut self, node: &NodeEnum, site: &Site) {
        if let NodeEnum::RefreshMatViewStmt(stmt) = node
            && stmt.concurrent
            && let Some(rel) = &stmt.relation
        {
            let name = self.relation(rel);
            self.concurrent_refreshes.push((name, site.clone()));
        }
    }
}

/// `search_path` at the start of a session: `"$user", public`.
fn default_search_path() -> Vec<String> {
    vec!["$user".into(), "public".into()]
}

#[cfg(test)]
pub(crate) mod tests;
