//! The table-level locks a statement takes, and what it does to the rows while it holds them,
//! after PostgreSQL's documented lock table (13.3.1 "Table-Level Locks") and the lock and
//! rewrite notes of `ALTER TABLE`, `CREATE INDEX`, `REINDEX`, `VACUUM`, `CLUSTER` and
//! `REFRESH MATERIALIZED VIEW`. Locks are held until the end of the transaction; when one
//! statement takes several locks on a relation, the strongest counts.
//!
//! Read locks (`ACCESS SHARE`, `ROW SHARE`) of plain queries are not listed: they block only
//! `ACCESS EXCLUSIVE`. The integration test `lint_locks` checks every mode listed here against
//! `pg_locks` of a real server, every rewrite against `pg_class.relfilenode` and every scan
//! against `pg_stat_xact_user_tables`.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableStmt, AlterTableType, ColumnDef, ConstrType, Constraint, DropBehavior,
    DropStmt, Node, ObjectType, RangeVar, ReindexObjectType, RenameStmt,
};

use super::symbols::changes::{Volatility, column_constraints, type_text};
use super::symbols::{QualName, Symbols, display, list_name, range_of, string_list};

/// A table-level lock mode, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// Plain reads.
    AccessShare,
    /// `SELECT … FOR UPDATE/SHARE`.
    RowShare,
    /// `INSERT`, `UPDATE`, `DELETE`, `MERGE`.
    RowExclusive,
    /// `VACUUM`, `ANALYZE`, `CREATE INDEX CONCURRENTLY`, `VALIDATE CONSTRAINT`, some `ALTER TABLE`.
    ShareUpdateExclusive,
    /// `CREATE INDEX`.
    Share,
    /// `CREATE TRIGGER`, `ADD FOREIGN KEY`.
    ShareRowExclusive,
    /// `REFRESH MATERIALIZED VIEW CONCURRENTLY`.
    Exclusive,
    /// Most `ALTER TABLE`, `DROP`, `TRUNCATE`, `REINDEX`, `CLUSTER`, `VACUUM FULL`.
    AccessExclusive,
}

impl LockMode {
    /// The mode as PostgreSQL's documentation spells it.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The mode as `pg_locks.mode` spells it (`AccessExclusiveLock`).
    pub fn pg_locks_name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "AccessShareLock",
            LockMode::RowShare => "RowShareLock",
            LockMode::RowExclusive => "RowExclusiveLock",
            LockMode::ShareUpdateExclusive => "ShareUpdateExclusiveLock",
            LockMode::Share => "ShareLock",
            LockMode::ShareRowExclusive => "ShareRowExclusiveLock",
            LockMode::Exclusive => "ExclusiveLock",
            LockMode::AccessExclusive => "AccessExclusiveLock",
        }
    }

    /// What other sessions cannot do on the relation while it is held.
    pub fn blocks(self) -> &'static str {
        match self {
            LockMode::AccessShare => "only ACCESS EXCLUSIVE",
            LockMode::RowShare => "EXCLUSIVE and ACCESS EXCLUSIVE",
            LockMode::RowExclusive => "index builds and most schema changes",
            LockMode::ShareUpdateExclusive => {
                "schema changes, index builds and VACUUM (reads and writes go on)"
            }
            LockMode::Share => "writes (reads go on)",
            LockMode::ShareRowExclusive => "writes and other schema changes (reads go on)",
            LockMode::Exclusive => "writes and row locks (plain reads go on)",
            LockMode::AccessExclusive => "every read and write",
        }
    }

    /// `LOCK TABLE … IN <mode> MODE`: the parse tree's number (lockdefs.h).
    fn from_lock_stmt(mode: i32) -> LockMode {
        match mode {
            1 => LockMode::AccessShare,
            2 => LockMode::RowShare,
            3 => LockMode::RowExclusive,
            4 => LockMode::ShareUpdateExclusive,
            5 => LockMode::Share,
            6 => LockMode::ShareRowExclusive,
            7 => LockMode::Exclusive,
            _ => LockMode::AccessExclusive,
        }
    }
}

/// What a statement does to the rows of a relation while it holds its lock, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Work {
    /// Only the catalog changes: the lock is held for an instant (once granted).
    Catalog,
    /// Inserts, updates or deletes rows.
    Writes,
    /// Reads every row (to check a constraint, or to vacuum).
    Scan,
    /// Builds an index: reads and sorts every row.
    IndexBuild,
    /// Writes a new copy of the table and its indexes.
    Rewrite,
}

impl Work {
    /// For messages and the lock report.
    pub fn describe(self) -> &'static str {
        match self {
            Work::Catalog => "catalog only",
            Work::Writes => "writes rows",
            Work::Scan => "scans every row",
            Work::IndexBuild => "builds an index over every row",
            Work::Rewrite => "rewrites the table and its indexes",
        }
    }

    /// Whether the lock is held for a time that grows with the table.
    pub fn grows_with_table(self) -> bool {
        self >= Work::Scan
    }
}

/// What kind of object a lock is taken on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A table, partitioned table, view or materialized view.
    Relation,
    /// An index.
    Index,
    /// Every table with a column of this domain.
    DomainUsers,
}

/// One lock a statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// The relation (for [`Target::DomainUsers`]: the domain).
    pub relation: QualName,
    /// What it is.
    pub target: Target,
    /// The strongest mode taken on it.
    pub mode: LockMode,
    /// What is done to its rows under the lock.
    pub work: Work,
    /// Why, in the statement's own words (`ADD COLUMN c with a volatile default`).
    pub because: Vec<String>,
}

/// The locks `node` takes when it runs, with `symbols` as they stand before it.
pub fn statement_locks(node: &NodeEnum, symbols: &Symbols) -> Vec<Lock> {
    let mut out = Locks::default();
    match node {
        NodeEnum::AlterTableStmt(stmt) => alter_table(stmt, symbols, &mut out),
        NodeEnum::IndexStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                let (mode, what) = if stmt.concurrent {
                    (LockMode::ShareUpdateExclusive, "CREATE INDEX CONCURRENTLY")
                } else {
                    (LockMode::Share, "CREATE INDEX")
                };
                out.table(symbols.relation(rel), mode, Work::IndexBuild, what);
            }
        }
        NodeEnum::DropStmt(stmt) => drop(stmt, symbols, &mut out),
        NodeEnum::TruncateStmt(stmt) => {
            let what = if stmt.behavior == DropBehavior::DropCascade as i32 {
                "TRUNCATE … CASCADE (and every table referencing it)"
            } else {
                "TRUNCATE"
            };
            for rel in range_vars(&stmt.relations) {
                out.table(
                    symbols.relation(rel),
                    LockMode::AccessExclusive,
                    Work::Rewrite,
                    what,
                );
            }
        }
        NodeEnum::ReindexStmt(stmt) => reindex(stmt, symbols, &mut out),
        NodeEnum::VacuumStmt(stmt) => vacuum(stmt, symbols, &mut out),
        NodeEnum::ClusterStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                out.table(
                    symbols.relation(rel),
                    LockMode::AccessExclusive,
                    Work::Rewrite,
                    "CLUSTER",
                );
            }
        }
        NodeEnum::RefreshMatViewStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                let (mode, what) = if stmt.concurrent {
                    (
                        LockMode::Exclusive,
                        "REFRESH MATERIALIZED VIEW CONCURRENTLY",
                    )
                } else {
                    (LockMode::AccessExclusive, "REFRESH MATERIALIZED VIEW")
                };
                out.table(symbols.relation(rel), mode, Work::Rewrite, what);
            }
        }
        NodeEnum::LockStmt(stmt) => {
            let mode = LockMode::from_lock_stmt(stmt.mode);
            for rel in range_vars(&stmt.relations) {
                out.table(symbols.relation(rel), mode, Work::Catalog, "LOCK TABLE");
            }
        }
        NodeEnum::CreateTrigStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                out.table(
                    symbols.relation(rel),
                    LockMode::ShareRowExclusive,
                    Work::Catalog,
                    "CREATE TRIGGER",
                );
            }
        }
        NodeEnum::CreatePolicyStmt(stmt) => {
            if let Some(rel) = &stmt.table {
                out.table(
                    symbols.relation(rel),
                    LockMode::AccessExclusive,
                    Work::Catalog,
                    "CREATE POLICY",
                );
            }
        }
        NodeEnum::AlterPolicyStmt(stmt) => {
            if let Some(rel) = &stmt.table {
                out.table(
                    symbols.relation(rel),
                    LockMode::AccessExclusive,
                    Work::Catalog,
                    "ALTER POLICY",
                );
            }
        }
        NodeEnum::CreateStmt(stmt) => create_table(stmt, symbols, &mut out),
        NodeEnum::RenameStmt(stmt) => rename(stmt, symbols, &mut out),
        NodeEnum::AlterObjectSchemaStmt(stmt) if is_relation_type(stmt.object_type) => {
            if let Some(rel) = &stmt.relation {
                out.table(
                    symbols.relation(rel),
                    LockMode::AccessExclusive,
                    Work::Catalog,
                    "SET SCHEMA",
                );
            }
        }
        NodeEnum::CommentStmt(stmt) => comment(stmt, symbols, &mut out),
        NodeEnum::UpdateStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                let what = if stmt.where_clause.is_none() {
                    "UPDATE of every row"
                } else {
                    "UPDATE"
                };
                out.table(
                    symbols.relation(rel),
                    LockMode::RowExclusive,
                    Work::Writes,
                    what,
                );
            }
        }
        NodeEnum::DeleteStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                let what = if stmt.where_clause.is_none() {
                    "DELETE of every row"
                } else {
                    "DELETE"
                };
                out.table(
                    symbols.relation(rel),
                    LockMode::RowExclusive,
                    Work::Writes,
                    what,
                );
            }
        }
        NodeEnum::InsertStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                out.table(
                    symbols.relation(rel),
                    LockMode::RowExclusive,
                    Work::Writes,
                    "INSERT",
                );
            }
        }
        NodeEnum::MergeStmt(stmt) => {
            if let Some(rel) = &stmt.relation {
                out.table(
                    symbols.relation(rel),
                    LockMode::RowExclusive,
                    Work::Writes,
                    "MERGE",
                );
            }
        }
        NodeEnum::AlterDomainStmt(stmt) if stmt.subtype == "C" || stmt.subtype == "V" => {
            if let Some(domain) = list_name(&stmt.type_name) {
                let not_valid = matches!(
                    stmt.def.as_ref().and_then(|d| d.node.as_ref()),
                    Some(NodeEnum::Constraint(c)) if c.skip_validation
                );
                let work = if not_valid { Work::Catalog } else { Work::Scan };
                let what = if stmt.subtype == "V" {
                    "ALTER DOMAIN … VALIDATE CONSTRAINT"
                } else {
                    "ALTER DOMAIN … ADD CONSTRAINT"
                };
                let mode = if stmt.subtype == "V" {
                    LockMode::ShareUpdateExclusive
                } else {
                    LockMode::Share
                };
                out.push(domain, Target::DomainUsers, mode, work, what.to_string());
            }
        }
        _ => {}
    }
    out.0
}

/// Locks collected for one statement, merged per relation.
#[derive(Debug, Default)]
struct Locks(Vec<Lock>);

impl Locks {
    fn table(&mut self, relation: QualName, mode: LockMode, work: Work, what: &str) {
        self.push(relation, Target::Relation, mode, work, what.to_string());
    }

    fn push(
        &mut self,
        relation: QualName,
        target: Target,
        mode: LockMode,
        work: Work,
        what: String,
    ) {
        if let Some(lock) = self
            .0
            .iter_mut()
            .find(|l| l.relation == relation && l.target == target)
        {
            lock.mode = lock.mode.max(mode);
            lock.work = lock.work.max(work);
            if !lock.because.contains(&what) {
                lock.because.push(what);
            }
            return;
        }
        self.0.push(Lock {
            relation,
            target,
            mode,
            work,
            because: vec![what],
        });
    }
}

fn range_vars(nodes: &[Node]) -> impl Iterator<Item = &RangeVar> {
    nodes.iter().filter_map(|n| match n.node.as_ref() {
        Some(NodeEnum::RangeVar(r)) => Some(r),
        _ => None,
    })
}

fn is_relation_type(object_type: i32) -> bool {
    matches!(
        ObjectType::try_from(object_type),
        Ok(ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectForeignTable)
    )
}

fn alter_table(stmt: &AlterTableStmt, symbols: &Symbols, out: &mut Locks) {
    let Some(rel) = &stmt.relation else { return };
    let table = symbols.relation(rel);
    if stmt.objtype == ObjectType::ObjectIndex as i32 {
        for cmd in alter_cmds(stmt) {
            let mode = match AlterTableType::try_from(cmd.subtype) {
                Ok(AlterTableType::AtSetRelOptions | AlterTableType::AtResetRelOptions) => {
                    LockMode::ShareUpdateExclusive
                }
                _ => LockMode::AccessExclusive,
            };
            out.push(
                table.clone(),
                Target::Index,
                mode,
                Work::Catalog,
                "ALTER INDEX".into(),
            );
        }
        return;
    }
    for cmd in alter_cmds(stmt) {
        for (relation, mode, work, what) in subcommand(&table, cmd, symbols) {
            out.table(relation, mode, work, &what);
        }
    }
}

/// The `ALTER TABLE` subcommands of a statement.
pub fn alter_cmds(stmt: &AlterTableStmt) -> impl Iterator<Item = &AlterTableCmd> {
    stmt.cmds.iter().filter_map(|c| match c.node.as_ref() {
        Some(NodeEnum::AlterTableCmd(cmd)) => Some(&**cmd),
        _ => None,
    })
}

type Taken = (QualName, LockMode, Work, String);

/// The locks one `ALTER TABLE` subcommand takes (ALTER TABLE's documentation, per form).
fn subcommand(table: &QualName, cmd: &AlterTableCmd, symbols: &Symbols) -> Vec<Taken> {
    use AlterTableType as At;
    use LockMode::*;
    let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
    let on = |mode, work, what: String| vec![(table.clone(), mode, work, what)];
    let column = &cmd.name;
    let Ok(kind) = At::try_from(cmd.subtype) else {
        return on(AccessExclusive, Work::Catalog, "ALTER TABLE".into());
    };
    match (kind, def) {
        (At::AtAddColumn, Some(NodeEnum::ColumnDef(def))) => add_column(table, def, symbols),
        (At::AtColumnDefault, _) => on(
            AccessExclusive,
            Work::Catalog,
            format!("ALTER COLUMN {column} SET/DROP DEFAULT"),
        ),
        (At::AtDropNotNull, _) => on(
            AccessExclusive,
            Work::Catalog,
            format!("ALTER COLUMN {column} DROP NOT NULL"),
        ),
        (At::AtSetNotNull, _) => {
            let already = symbols
                .column_fact(table, column)
                .is_some_and(|c| c.not_null);
            let proven = symbols.not_null_proven(table, column);
            let work = if already || proven {
                Work::Catalog
            } else {
                Work::Scan
            };
            on(
                AccessExclusive,
                work,
                format!("ALTER COLUMN {column} SET NOT NULL"),
            )
        }
        (At::AtSetExpression, _) => on(
            AccessExclusive,
            Work::Rewrite,
            format!("ALTER COLUMN {column} SET EXPRESSION"),
        ),
        (At::AtSetStatistics | At::AtSetOptions | At::AtResetOptions, _) => on(
            ShareUpdateExclusive,
            Work::Catalog,
            format!("ALTER COLUMN {column} SET STATISTICS/(…)"),
        ),
        (At::AtDropColumn, _) => on(
            AccessExclusive,
            Work::Catalog,
            format!("DROP COLUMN {column}"),
        ),
        (At::AtAddConstraint, Some(NodeEnum::Constraint(c))) => add_constraint(table, c, None),
        (At::AtValidateConstraint, _) => on(
            ShareUpdateExclusive,
            Work::Scan,
            format!("VALIDATE CONSTRAINT {column}"),
        ),
        (At::AtDropConstraint, _) => on(
            AccessExclusive,
            Work::Catalog,
            format!("DROP CONSTRAINT {column}"),
        ),
        (At::AtAlterColumnType, Some(NodeEnum::ColumnDef(def))) => {
            let work = if type_change_rewrites(symbols, table, column, def) {
                Work::Rewrite
            } else {
                Work::Catalog
            };
            on(AccessExclusive, work, format!("ALTER COLUMN {column} TYPE"))
        }
        (At::AtClusterOn | At::AtDropCluster, _) => on(
            ShareUpdateExclusive,
            Work::Catalog,
            "CLUSTER ON / SET WITHOUT CLUSTER".into(),
        ),
        (At::AtSetLogged | At::AtSetUnLogged, _) => {
            on(AccessExclusive, Work::Rewrite, "SET LOGGED/UNLOGGED".into())
        }
        (At::AtSetAccessMethod, _) => {
            on(AccessExclusive, Work::Rewrite, "SET ACCESS METHOD".into())
        }
        (At::AtSetTableSpace, _) => on(AccessExclusive, Work::Rewrite, "SET TABLESPACE".into()),
        (At::AtSetRelOptions | At::AtResetRelOptions, Some(NodeEnum::List(list))) => {
            let mode = if list.items.iter().all(is_light_reloption) {
                ShareUpdateExclusive
            } else {
                AccessExclusive
            };
            on(mode, Work::Catalog, "SET/RESET (storage parameters)".into())
        }
        (
            At::AtEnableTrig
            | At::AtEnableAlwaysTrig
            | At::AtEnableReplicaTrig
            | At::AtDisableTrig
            | At::AtEnableTrigAll
            | At::AtDisableTrigAll
            | At::AtEnableTrigUser
            | At::AtDisableTrigUser,
            _,
        ) => on(
            ShareRowExclusive,
            Work::Catalog,
            "ENABLE/DISABLE TRIGGER".into(),
        ),
        (At::AtAttachPartition, Some(NodeEnum::PartitionCmd(p))) => {
            let mut taken = on(
                ShareUpdateExclusive,
                Work::Catalog,
                "ATTACH PARTITION".into(),
            );
            if let Some(partition) = &p.name {
                taken.push((
                    symbols.relation(partition),
                    AccessExclusive,
                    Work::Scan,
                    "ATTACH PARTITION (checks every row against the bound)".into(),
                ));
            }
            taken
        }
        (At::AtDetachPartition, Some(NodeEnum::PartitionCmd(p))) => {
            let (mode, what) = if p.concurrent {
                (ShareUpdateExclusive, "DETACH PARTITION CONCURRENTLY")
            } else {
                (AccessExclusive, "DETACH PARTITION")
            };
            let mut taken = on(mode, Work::Catalog, what.into());
            if let Some(partition) = &p.name {
                taken.push((
                    symbols.relation(partition),
                    mode,
                    Work::Catalog,
                    what.into(),
                ));
            }
            taken
        }
        (At::AtDetachPartitionFinalize, _) => on(
            ShareUpdateExclusive,
            Work::Catalog,
            "DETACH PARTITION … FINALIZE".into(),
        ),
        (At::AtEnableRowSecurity | At::AtDisableRowSecurity, _) => on(
            AccessExclusive,
            Work::Catalog,
            "ENABLE/DISABLE ROW LEVEL SECURITY".into(),
        ),
        (At::AtForceRowSecurity | At::AtNoForceRowSecurity, _) => on(
            AccessExclusive,
            Work::Catalog,
            "FORCE/NO FORCE ROW LEVEL SECURITY".into(),
        ),
        (At::AtAddIdentity, _) => on(
            AccessExclusive,
            Work::Catalog,
            format!("ALTER COLUMN {column} ADD GENERATED … AS IDENTITY"),
        ),
        (At::AtChangeOwner, _) => on(AccessExclusive, Work::Catalog, "OWNER TO".into()),
        (At::AtReplicaIdentity, _) => on(AccessExclusive, Work::Catalog, "REPLICA IDENTITY".into()),
        _ => on(AccessExclusive, Work::Catalog, "ALTER TABLE".into()),
    }
}

/// Storage parameters PostgreSQL changes under `SHARE UPDATE EXCLUSIVE` (ALTER TABLE, "SET
/// ( storage_parameter … )": fillfactor, the autovacuum and vacuum parameters, toast ones).
fn is_light_reloption(node: &Node) -> bool {
    let Some(NodeEnum::DefElem(d)) = node.node.as_ref() else {
        return false;
    };
    let name = d.defname.as_str();
    let name = name.strip_prefix("toast.").unwrap_or(name);
    name == "fillfactor"
        || name == "parallel_workers"
        || name == "toast_tuple_target"
        || name == "log_autovacuum_min_duration"
        || name.starts_with("autovacuum_")
        || name.starts_with("vacuum_")
        || d.defnamespace == "toast" && name.starts_with("autovacuum_")
}

fn add_column(table: &QualName, def: &ColumnDef, symbols: &Symbols) -> Vec<Taken> {
    let name = &def.colname;
    let mut taken = Vec::new();
    let (work, why) = match column_rewrite(def, symbols) {
        Some(why) => (Work::Rewrite, format!("ADD COLUMN {name} {why}")),
        None if requires_rows_check(def) => (
            Work::Scan,
            format!("ADD COLUMN {name} NOT NULL without a default (checks the table is empty)"),
        ),
        None => (Work::Catalog, format!("ADD COLUMN {name}")),
    };
    taken.push((table.clone(), LockMode::AccessExclusive, work, why));
    for c in column_constraints(def) {
        taken.extend(add_constraint(table, c, Some(name)));
    }
    taken
}

/// Why adding this column rewrites the table, if it does: a volatile default (PostgreSQL 11+
/// stores a non-volatile default in the catalog instead), a stored generated column, an
/// identity or serial column.
pub fn column_rewrite(def: &ColumnDef, symbols: &Symbols) -> Option<String> {
    let type_name = def.type_name.as_ref().map(type_text).unwrap_or_default();
    if matches!(
        type_name.as_str(),
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2"
    ) {
        return Some(format!(
            "of type {type_name} (its nextval() default is volatile)"
        ));
    }
    for c in column_constraints(def) {
        if c.contype == ConstrType::ConstrIdentity as i32 {
            return Some("GENERATED … AS IDENTITY (every row gets a value)".into());
        }
        if c.contype == ConstrType::ConstrGenerated as i32 && c.generated_kind != "v" {
            return Some("GENERATED ALWAYS AS (…) STORED".into());
        }
        if c.contype == ConstrType::ConstrDefault as i32
            && let Some(expr) = c.raw_expr.as_deref()
            && let Some(call) = volatile_call(expr, symbols)
        {
            return Some(format!("with a volatile default ({call})"));
        }
    }
    None
}

/// `NOT NULL` without a default or generation: PostgreSQL must check that no row exists.
fn requires_rows_check(def: &ColumnDef) -> bool {
    let constraints: Vec<&Constraint> = column_constraints(def).collect();
    let not_null = def.is_not_null
        || constraints.iter().any(|c| {
            c.contype == ConstrType::ConstrNotnull as i32
                || c.contype == ConstrType::ConstrPrimary as i32
        });
    let filled = constraints.iter().any(|c| {
        c.contype == ConstrType::ConstrDefault as i32
            || c.contype == ConstrType::ConstrIdentity as i32
            || c.contype == ConstrType::ConstrGenerated as i32
    });
    not_null && !filled
}

/// The locks of `ADD CONSTRAINT` (or a column constraint of `ADD COLUMN`).
fn add_constraint(table: &QualName, c: &Constraint, column: Option<&str>) -> Vec<Taken> {
    use LockMode::*;
    let name = if c.conname.is_empty() {
        String::new()
    } else {
        format!(" {}", c.conname)
    };
    let not_valid = if c.skip_validation { " NOT VALID" } else { "" };
    let on = |mode, work, what: String| vec![(table.clone(), mode, work, what)];
    let Ok(kind) = ConstrType::try_from(c.contype) else {
        return Vec::new();
    };
    match kind {
        ConstrType::ConstrCheck => on(
            AccessExclusive,
            if c.skip_validation {
                Work::Catalog
            } else {
                Work::Scan
            },
            format!("ADD CONSTRAINT{name} CHECK{not_valid}"),
        ),
        ConstrType::ConstrNotnull if column.is_none() => on(
            AccessExclusive,
            if c.skip_validation {
                Work::Catalog
            } else {
                Work::Scan
            },
            format!("ADD CONSTRAINT{name} NOT NULL{not_valid}"),
        ),
        ConstrType::ConstrForeign => {
            let work = if c.skip_validation {
                Work::Catalog
            } else {
                Work::Scan
            };
            let what = format!("ADD CONSTRAINT{name} FOREIGN KEY{not_valid}");
            let mut taken = on(ShareRowExclusive, work, what.clone());
            if let Some(pk) = &c.pktable {
                let referenced = super::symbols::range_name(pk);
                if &referenced != table {
                    taken.push((
                        referenced,
                        ShareRowExclusive,
                        Work::Catalog,
                        format!("{what} (referenced table)"),
                    ));
                }
            }
            taken
        }
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique if !c.indexname.is_empty() => on(
            AccessExclusive,
            Work::Catalog,
            format!(
                "ADD CONSTRAINT{name} {} USING INDEX {}",
                key_kind(kind),
                c.indexname
            ),
        ),
        ConstrType::ConstrPrimary | ConstrType::ConstrUnique | ConstrType::ConstrExclusion => on(
            AccessExclusive,
            Work::IndexBuild,
            format!("ADD CONSTRAINT{name} {}", key_kind(kind)),
        ),
        _ => Vec::new(),
    }
}

fn key_kind(kind: ConstrType) -> &'static str {
    match kind {
        ConstrType::ConstrPrimary => "PRIMARY KEY",
        ConstrType::ConstrUnique => "UNIQUE",
        _ => "EXCLUDE",
    }
}

/// Functions PostgreSQL marks VOLATILE that defaults call (uuid-ossp's and pgcrypto's
/// included); `pg_proc.provolatile` decides in the integration test.
pub const VOLATILE_BUILTINS: &[&str] = &[
    "random",
    "random_normal",
    "clock_timestamp",
    "timeofday",
    "gen_random_uuid",
    "uuidv4",
    "uuidv7",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "gen_random_bytes",
    "gen_salt",
    "nextval",
    "setval",
    "txid_current",
    "pg_current_xact_id",
];

/// The first call in `expr` that is (or may be) volatile, named for messages: a known volatile
/// built-in, a function the files or the live catalog mark volatile, or a schema-qualified
/// function whose volatility eventos cannot see.
pub fn volatile_call(expr: &Node, symbols: &Symbols) -> Option<String> {
    let node = expr.node.as_ref()?;
    node.nodes().into_iter().find_map(|(n, ..)| {
        let pg_query::NodeRef::FuncCall(call) = n else {
            return None;
        };
        let names = string_list(&call.funcname);
        let qualified = names.len() > 1;
        let name = list_name(&call.funcname)?;
        let shown = format!("{}()", names.join("."));
        if VOLATILE_BUILTINS.contains(&name.1.as_str()) {
            return Some(shown);
        }
        match symbols.volatility_of(&name, qualified) {
            Some(Volatility::Volatile) => Some(shown),
            Some(_) => None,
            None if qualified && name.0 != "pg_catalog" => {
                Some(format!("{shown}, whose volatility eventos cannot see"))
            }
            None => None,
        }
    })
}

/// Whether `ALTER COLUMN column TYPE …` rewrites the table: it does unless the old type is
/// known and binary coercible to the new one without a `USING` clause (a longer or unlimited
/// `varchar`, `varchar` → `text`, a wider `numeric` of the same scale, a longer `varbit`).
pub fn type_change_rewrites(
    symbols: &Symbols,
    table: &QualName,
    column: &str,
    def: &ColumnDef,
) -> bool {
    if def.raw_default.is_some() {
        return true;
    }
    let Some(new) = def.type_name.as_ref().map(type_text) else {
        return true;
    };
    match symbols.column_fact(table, column) {
        Some(old) => !binary_coercible(&old.type_name, &new),
        None => true,
    }
}

/// `varchar(20)` → (`varchar`, [20]).
fn split_type(text: &str) -> (&str, Vec<u64>) {
    match text.split_once('(') {
        Some((base, mods)) => (
            base,
            mods.trim_end_matches(')')
                .split(',')
                .filter_map(|m| m.trim().parse().ok())
                .collect(),
        ),
        None => (text, Vec::new()),
    }
}

fn binary_coercible(old: &str, new: &str) -> bool {
    if old == new {
        return true;
    }
    let ((old_base, old_mods), (new_base, new_mods)) = (split_type(old), split_type(new));
    let widens = |o: &[u64], n: &[u64]| match (o.first(), n.first()) {
        (_, None) => true,
        (Some(o), Some(n)) => n >= o,
        (None, Some(_)) => false,
    };
    match (old_base, new_base) {
        ("varchar", "varchar") | ("varbit", "varbit") => widens(&old_mods, &new_mods),
        ("varchar", "text") | ("text", "varchar") => new_mods.is_empty(),
        ("numeric", "numeric") => {
            new_mods.is_empty()
                || (old_mods.len() == new_mods.len()
                    && widens(&old_mods, &new_mods)
                    && old_mods.get(1) == new_mods.get(1))
        }
        ("cidr", "inet") => true,
        _ => false,
    }
}

fn drop(stmt: &DropStmt, symbols: &Symbols, out: &mut Locks) {
    let kind = ObjectType::try_from(stmt.remove_type);
    for object in &stmt.objects {
        let Some(NodeEnum::List(list)) = object.node.as_ref() else {
            continue;
        };
        let names = string_list(&list.items);
        match kind {
            Ok(ObjectType::ObjectIndex) => {
                let (schema, index) = match names.as_slice() {
                    [index] => (None, index.clone()),
                    [.., schema, index] => (Some(schema.as_str()), index.clone()),
                    [] => continue,
                };
                let (mode, what) = if stmt.concurrent {
                    (LockMode::ShareUpdateExclusive, "DROP INDEX CONCURRENTLY")
                } else {
                    (LockMode::AccessExclusive, "DROP INDEX")
                };
                if let Some(table) = symbols.index_table(schema, &index) {
                    out.table(table, mode, Work::Catalog, what);
                }
                let qualified = (schema.unwrap_or("public").into(), index.into());
                out.push(qualified, Target::Index, mode, Work::Catalog, what.into());
            }
            Ok(
                kind @ (ObjectType::ObjectTable
                | ObjectType::ObjectView
                | ObjectType::ObjectMatview),
            ) => {
                if let Some(range) = range_of(&names) {
                    let what = match kind {
                        ObjectType::ObjectTable => "DROP TABLE",
                        ObjectType::ObjectView => "DROP VIEW",
                        _ => "DROP MATERIALIZED VIEW",
                    };
                    out.table(
                        symbols.relation(&range),
                        LockMode::AccessExclusive,
                        Work::Catalog,
                        what,
                    );
                }
            }
            Ok(
                kind @ (ObjectType::ObjectPolicy
                | ObjectType::ObjectTrigger
                | ObjectType::ObjectRule),
            ) => {
                if let Some((_, table)) = names.split_last()
                    && let Some(range) = range_of(table)
                {
                    let what = match kind {
                        ObjectType::ObjectPolicy => "DROP POLICY",
                        ObjectType::ObjectTrigger => "DROP TRIGGER",
                        _ => "DROP RULE",
                    };
                    out.table(
                        symbols.relation(&range),
                        LockMode::AccessExclusive,
                        Work::Catalog,
                        what,
                    );
                }
            }
            _ => {}
        }
    }
}

fn reindex(stmt: &pg_query::protobuf::ReindexStmt, symbols: &Symbols, out: &mut Locks) {
    let concurrent = stmt.params.iter().any(
        |p| matches!(p.node.as_ref(), Some(NodeEnum::DefElem(d)) if d.defname == "concurrently"),
    );
    let Some(rel) = &stmt.relation else { return };
    let what = if concurrent {
        "REINDEX CONCURRENTLY"
    } else {
        "REINDEX"
    };
    let table_mode = if concurrent {
        LockMode::ShareUpdateExclusive
    } else {
        LockMode::Share
    };
    match ReindexObjectType::try_from(stmt.kind) {
        Ok(ReindexObjectType::ReindexObjectIndex) => {
            let schema = (!rel.schemaname.is_empty()).then_some(rel.schemaname.as_str());
            if let Some(table) = symbols.index_table(schema, &rel.relname) {
                out.table(table, table_mode, Work::IndexBuild, what);
            }
            let index = (
                schema.unwrap_or("public").into(),
                rel.relname.as_str().into(),
            );
            let index_mode = if concurrent {
                LockMode::ShareUpdateExclusive
            } else {
                LockMode::AccessExclusive
            };
            out.push(
                index,
                Target::Index,
                index_mode,
                Work::IndexBuild,
                what.into(),
            );
        }
        Ok(ReindexObjectType::ReindexObjectTable) => {
            out.table(symbols.relation(rel), table_mode, Work::IndexBuild, what);
        }
        _ => {}
    }
}

/// `VACUUM FULL`, `VACUUM (FULL)`, `VACUUM (FULL true)`.
pub fn vacuum_is_full(stmt: &pg_query::protobuf::VacuumStmt) -> bool {
    stmt.is_vacuumcmd
        && stmt.options.iter().any(|o| {
            matches!(o.node.as_ref(), Some(NodeEnum::DefElem(d))
                if d.defname == "full" && d.arg.as_ref().is_none_or(|a| !is_false(a)))
        })
}

fn vacuum(stmt: &pg_query::protobuf::VacuumStmt, symbols: &Symbols, out: &mut Locks) {
    let (mode, work, what) = match (stmt.is_vacuumcmd, vacuum_is_full(stmt)) {
        (true, true) => (LockMode::AccessExclusive, Work::Rewrite, "VACUUM FULL"),
        (true, false) => (LockMode::ShareUpdateExclusive, Work::Scan, "VACUUM"),
        (false, _) => (LockMode::ShareUpdateExclusive, Work::Catalog, "ANALYZE"),
    };
    for rel in stmt.rels.iter().filter_map(|r| match r.node.as_ref() {
        Some(NodeEnum::VacuumRelation(v)) => v.relation.as_ref(),
        _ => None,
    }) {
        out.table(symbols.relation(rel), mode, work, what);
    }
}

fn is_false(node: &Node) -> bool {
    use pg_query::protobuf::a_const::Val;
    match node.node.as_ref() {
        Some(NodeEnum::String(s)) => super::symbols::pg_bool(&s.sval) == Some(false),
        Some(NodeEnum::Boolean(b)) => !b.boolval,
        Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
            Some(Val::Ival(i)) => i.ival == 0,
            Some(Val::Boolval(b)) => !b.boolval,
            Some(Val::Sval(s)) => super::symbols::pg_bool(&s.sval) == Some(false),
            _ => false,
        },
        _ => false,
    }
}

fn create_table(stmt: &pg_query::protobuf::CreateStmt, symbols: &Symbols, out: &mut Locks) {
    let Some(rel) = &stmt.relation else { return };
    let table = symbols.relation(rel);
    if let Some(parent) = stmt
        .inh_relations
        .iter()
        .find_map(|n| match n.node.as_ref() {
            Some(NodeEnum::RangeVar(r)) => Some(r),
            _ => None,
        })
        && stmt.partbound.is_some()
    {
        out.table(
            symbols.relation(parent),
            LockMode::AccessExclusive,
            Work::Catalog,
            "CREATE TABLE … PARTITION OF",
        );
    }
    let mut referenced = Vec::new();
    for element in &stmt.table_elts {
        match element.node.as_ref() {
            Some(NodeEnum::ColumnDef(column)) => referenced.extend(
                column_constraints(column)
                    .filter(|c| c.contype == ConstrType::ConstrForeign as i32)
                    .filter_map(|c| c.pktable.as_ref()),
            ),
            Some(NodeEnum::Constraint(c)) if c.contype == ConstrType::ConstrForeign as i32 => {
                referenced.extend(c.pktable.as_ref());
            }
            _ => {}
        }
    }
    for pk in referenced {
        let pk = symbols.relation(pk);
        if pk != table {
            out.table(
                pk,
                LockMode::ShareRowExclusive,
                Work::Catalog,
                "CREATE TABLE … REFERENCES (referenced table)",
            );
        }
    }
}

fn rename(stmt: &RenameStmt, symbols: &Symbols, out: &mut Locks) {
    let Some(rel) = &stmt.relation else { return };
    let what = match ObjectType::try_from(stmt.rename_type) {
        Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview) => {
            "RENAME TO"
        }
        Ok(ObjectType::ObjectColumn) => "RENAME COLUMN",
        Ok(ObjectType::ObjectTabconstraint) => "RENAME CONSTRAINT",
        Ok(ObjectType::ObjectTrigger) => "ALTER TRIGGER … RENAME",
        Ok(ObjectType::ObjectPolicy) => "ALTER POLICY … RENAME",
        Ok(ObjectType::ObjectIndex) => {
            let index = super::symbols::range_name(rel);
            out.push(
                index,
                Target::Index,
                LockMode::ShareUpdateExclusive,
                Work::Catalog,
                "ALTER INDEX … RENAME".into(),
            );
            return;
        }
        _ => return,
    };
    out.table(
        symbols.relation(rel),
        LockMode::AccessExclusive,
        Work::Catalog,
        what,
    );
}

fn comment(stmt: &pg_query::protobuf::CommentStmt, symbols: &Symbols, out: &mut Locks) {
    let Some(NodeEnum::List(list)) = stmt.object.as_ref().and_then(|o| o.node.as_ref()) else {
        return;
    };
    let names = string_list(&list.items);
    let relation = match ObjectType::try_from(stmt.objtype) {
        Ok(ObjectType::ObjectTable | ObjectType::ObjectView | ObjectType::ObjectMatview) => {
            range_of(&names)
        }
        Ok(ObjectType::ObjectColumn) => names.split_last().and_then(|(_, table)| range_of(table)),
        _ => None,
    };
    if let Some(range) = relation {
        out.table(
            symbols.relation(&range),
            LockMode::ShareUpdateExclusive,
            Work::Catalog,
            "COMMENT ON",
        );
    }
}

/// `schema.name`, or the domain's users, for messages.
pub fn describe_target(lock: &Lock) -> String {
    match lock.target {
        Target::Relation => display(&lock.relation),
        Target::Index => format!("index {}", display(&lock.relation)),
        Target::DomainUsers => format!("every table using domain {}", display(&lock.relation)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locks_of(setup: &str, sql: &str) -> Vec<(String, &'static str, Work)> {
        let mut symbols = crate::lint::symbols::tests::symbols_of(setup);
        symbols.start_file();
        let parsed = pg_query::parse(sql, 0).unwrap();
        let node = parsed.protobuf.stmts[0]
            .stmt
            .as_ref()
            .unwrap()
            .node
            .clone()
            .unwrap();
        statement_locks(&node, &symbols)
            .into_iter()
            .map(|l| (describe_target(&l), l.mode.name(), l.work))
            .collect()
    }

    #[test]
    fn the_strongest_lock_and_work_of_a_statement_count() {
        let found = locks_of(
            "CREATE TABLE t (a int, b varchar(10));",
            "ALTER TABLE t ADD COLUMN c int, ALTER COLUMN b TYPE varchar(20), ALTER COLUMN a SET STATISTICS 100, ALTER COLUMN a SET NOT NULL",
        );
        assert_eq!(
            found,
            vec![("public.t".into(), "ACCESS EXCLUSIVE", Work::Scan)]
        );
    }

    #[test]
    fn defaults_rewrite_only_when_volatile() {
        let setup = "CREATE TABLE t (a int); CREATE FUNCTION app.stable_fn() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';";
        let work = |sql: &str| locks_of(setup, sql)[0].2;
        assert_eq!(
            work("ALTER TABLE t ADD COLUMN at timestamptz DEFAULT now()"),
            Work::Catalog
        );
        assert_eq!(
            work("ALTER TABLE t ADD COLUMN id uuid DEFAULT gen_random_uuid()"),
            Work::Rewrite
        );
        assert_eq!(
            work("ALTER TABLE t ADD COLUMN n int DEFAULT app.stable_fn()"),
            Work::Catalog
        );
        assert_eq!(
            work("ALTER TABLE t ADD COLUMN n int DEFAULT app.unknown_fn()"),
            Work::Rewrite
        );
        assert_eq!(work("ALTER TABLE t ADD COLUMN s bigserial"), Work::Rewrite);
        assert_eq!(
            work("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (a * 2) STORED"),
            Work::Rewrite
        );
        assert_eq!(work("ALTER TABLE t ADD COLUMN r int NOT NULL"), Work::Scan);
    }

    #[test]
    fn binary_coercible_type_changes_do_not_rewrite() {
        assert!(binary_coercible("varchar(10)", "varchar(20)"));
        assert!(binary_coercible("varchar(10)", "text"));
        assert!(binary_coercible("numeric(10,2)", "numeric(12,2)"));
        assert!(!binary_coercible("numeric(10,2)", "numeric(12,3)"));
        assert!(!binary_coercible("varchar(20)", "varchar(10)"));
        assert!(!binary_coercible("int4", "int8"));
        assert!(!binary_coercible("text", "varchar(10)"));
    }

    #[test]
    fn foreign_keys_lock_both_tables() {
        let found = locks_of(
            "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE c (p int);",
            "ALTER TABLE c ADD CONSTRAINT c_p FOREIGN KEY (p) REFERENCES p NOT VALID",
        );
        assert_eq!(
            found,
            vec![
                ("public.c".into(), "SHARE ROW EXCLUSIVE", Work::Catalog),
                ("public.p".into(), "SHARE ROW EXCLUSIVE", Work::Catalog)
            ]
        );
    }

    #[test]
    fn dropping_an_index_locks_its_table() {
        let found = locks_of(
            "CREATE TABLE app.t (a int); CREATE INDEX i ON app.t (a);",
            "DROP INDEX app.i",
        );
        assert_eq!(
            found,
            vec![
                ("app.t".into(), "ACCESS EXCLUSIVE", Work::Catalog),
                ("index app.i".into(), "ACCESS EXCLUSIVE", Work::Catalog)
            ]
        );
    }
}
