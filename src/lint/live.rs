//! Whether a table holds data when a statement runs, and how lock-safety findings follow from
//! it. The lock-safety rules share this so they agree:
//!
//! - a statement in a **released** file is history: it already ran, nothing is reported;
//! - a table the files create in this file, or in an earlier file that is not released yet,
//!   is **new**: empty until this deploy, so locking it is harmless and nothing is reported;
//!   temporary tables are new too;
//! - every other table is **live**: with `--database-url` its size comes from the catalog, and
//!   a table with fewer rows than `small_table_rows` gets a warning instead of an error;
//!   without it the finding keeps the rule's severity.
//!
//! With `--database-url`, the catalog decides first: a table it holds is live (with its size)
//! even if an unreleased file creates it `IF NOT EXISTS`; a table the files create that it
//! does not hold is new.

use super::UnitContext;
use super::catalog::TableSize;
use super::rules::Rule;
use pg_query::NodeEnum;

use super::locks::{Lock, LockMode, Target, statement_locks};
use super::symbols::{QualName, Site, Symbols, display};
use crate::lint::{Diagnostic, Severity};

/// Default of `small_table_rows`: below this many rows a lock-safety finding is a warning.
pub const DEFAULT_SMALL_TABLE_ROWS: u64 = 10_000;

/// Why a table holds data.
#[derive(Debug, Clone, PartialEq)]
pub enum Live {
    /// The live catalog holds it.
    InCatalog(TableSize),
    /// A released migration created it.
    Released(String),
    /// An earlier migration created it and eventos does not know what is released.
    Earlier(String),
    /// The files never create it: it exists already.
    Outside,
}

/// A table as a statement finds it.
#[derive(Debug, Clone, PartialEq)]
pub enum TableState {
    /// Empty until this deploy (created by this file or an unreleased one, or temporary).
    New,
    /// Holds data.
    Live(Live),
}

/// The state of `table` when the statement of `ctx` runs.
pub fn table_state(ctx: &UnitContext<'_>, table: &QualName) -> TableState {
    state_in(ctx.symbols, ctx.file_index, table)
}

/// The state of `table` for a statement of the file at `file_index`, with `symbols` as they
/// stand before it.
pub fn state_in(symbols: &Symbols, file_index: usize, table: &QualName) -> TableState {
    if symbols.is_temporary(table) {
        return TableState::New;
    }
    if let Some(catalog) = &symbols.catalog {
        if let Some(size) = catalog.live.tables.get(table) {
            return TableState::Live(Live::InCatalog(*size));
        }
        if symbols.tables.contains_key(table) || symbols.views.contains_key(table) {
            return TableState::New;
        }
        return TableState::Live(Live::Outside);
    }
    let site = symbols
        .tables
        .get(table)
        .map(|t| &t.site)
        .or_else(|| symbols.views.get(table).map(|v| &v.site));
    created_in(symbols, file_index, site)
}

/// The state of an object the files created at `site` (`None`: they did not), from the
/// releases alone.
pub fn created_state(ctx: &UnitContext<'_>, site: Option<&Site>) -> TableState {
    created_in(ctx.symbols, ctx.file_index, site)
}

fn created_in(symbols: &Symbols, file_index: usize, site: Option<&Site>) -> TableState {
    let Some(site) = site else {
        return TableState::Live(Live::Outside);
    };
    let path = site.file.display().to_string();
    if symbols.is_released(site.file_index) {
        TableState::Live(Live::Released(path))
    } else if site.file_index == file_index || symbols.releases_known() {
        TableState::New
    } else {
        TableState::Live(Live::Earlier(path))
    }
}

/// The first lock of at least `SHARE UPDATE EXCLUSIVE` that `node` takes on a live relation:
/// the statements that can queue behind other sessions' locks and block them in turn.
pub fn blocking_lock(symbols: &Symbols, file_index: usize, node: &NodeEnum) -> Option<Lock> {
    statement_locks(node, symbols).into_iter().find(|lock| {
        lock.target == Target::Relation
            && lock.mode >= LockMode::ShareUpdateExclusive
            && matches!(
                state_in(symbols, file_index, &lock.relation),
                TableState::Live(_)
            )
    })
}

impl Live {
    /// Why the table holds data, for messages (`public.orders holds ~1,000,000 rows, 35 MB`).
    pub fn describe(&self, table: &QualName) -> String {
        let table = display(table);
        match self {
            Live::InCatalog(size) => format!("{table} holds {} (live catalog)", size.describe()),
            Live::Released(file) => {
                format!("{table} holds production data (created by released migration {file})")
            }
            Live::Earlier(file) => format!(
                "{table} is assumed to hold data (created by earlier migration {file}; set released_through in eventos.toml if that is not applied yet)"
            ),
            Live::Outside => format!(
                "{table} already exists outside these files (--database-url tells its size)"
            ),
        }
    }

    /// The live catalog's size, when known.
    pub fn size(&self) -> Option<&TableSize> {
        match self {
            Live::InCatalog(size) => Some(size),
            _ => None,
        }
    }
}

/// A lock-safety finding about `table`, or nothing when the statement is history or the table
/// is new. The message gets the table's state appended; a table the live catalog shows
/// smaller than `small_table_rows` turns an error into a warning.
pub fn lock_finding(
    ctx: &UnitContext<'_>,
    rule: &Rule,
    table: &QualName,
    location: Option<i32>,
    message: String,
) -> Option<Diagnostic> {
    let (mut diagnostic, live) = finding(ctx, rule, table, location, message)?;
    if live
        .size()
        .is_some_and(|s| s.smaller_than(ctx.options.small_table_rows))
    {
        diagnostic.severity = Severity::Warning;
    }
    Some(diagnostic)
}

/// A finding about a change that breaks clients of a live `table` (whatever its size), or
/// nothing when the statement is history or the table is new.
pub fn client_finding(
    ctx: &UnitContext<'_>,
    rule: &Rule,
    table: &QualName,
    location: Option<i32>,
    message: String,
) -> Option<Diagnostic> {
    finding(ctx, rule, table, location, message).map(|(d, _)| d)
}

fn finding(
    ctx: &UnitContext<'_>,
    rule: &Rule,
    table: &QualName,
    location: Option<i32>,
    message: String,
) -> Option<(Diagnostic, Live)> {
    let live = live_table(ctx, table)?;
    let mut diagnostic = match location {
        Some(location) => ctx.diagnostic_at(rule, location, message),
        None => ctx.diagnostic(rule, message),
    };
    diagnostic.message = format!("{}: {}", diagnostic.message, live.describe(table));
    Some((diagnostic, live))
}

/// Why `table` holds data when the statement of `ctx` runs; `None` when the statement is
/// history (a released file) or the table is new.
pub fn live_table(ctx: &UnitContext<'_>, table: &QualName) -> Option<Live> {
    if in_released_file(ctx) {
        return None;
    }
    match table_state(ctx, table) {
        TableState::New => None,
        TableState::Live(live) => Some(live),
    }
}

/// Whether the statement of `ctx` belongs to a released (already applied) file.
pub fn in_released_file(ctx: &UnitContext<'_>) -> bool {
    ctx.symbols.is_released(ctx.file_index)
}

/// Whether a rule about how the schema is written judges the statement of `ctx`: it runs
/// during the migration and its file is not history.
pub fn judged(ctx: &UnitContext<'_>) -> bool {
    ctx.unit.kind.runs_now() && !in_released_file(ctx)
}

/// The table an `ALTER TABLE` unit that runs now changes, and every constraint it adds in
/// order (`ADD CONSTRAINT …` and the constraints of each `ADD COLUMN`); `None` for any other
/// unit.
pub fn added_constraints<'a>(
    ctx: &UnitContext<'a>,
) -> Option<(QualName, Vec<&'a pg_query::protobuf::Constraint>)> {
    use pg_query::protobuf::AlterTableType;
    let NodeEnum::AlterTableStmt(stmt) = &ctx.unit.node else {
        return None;
    };
    let (Some(rel), true) = (&stmt.relation, ctx.unit.kind.runs_now()) else {
        return None;
    };
    let mut added = Vec::new();
    for cmd in super::locks::alter_cmds(stmt) {
        match (
            AlterTableType::try_from(cmd.subtype),
            cmd.def.as_ref().and_then(|d| d.node.as_ref()),
        ) {
            (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c))) => {
                added.push(&**c)
            }
            (Ok(AlterTableType::AtAddColumn), Some(NodeEnum::ColumnDef(column))) => {
                added.extend(super::symbols::changes::column_constraints(column));
            }
            _ => {}
        }
    }
    Some((ctx.symbols.relation(rel), added))
}

/// ` name` for a named constraint, nothing for an unnamed one (as messages print it).
pub fn constraint_label(constraint: &pg_query::protobuf::Constraint) -> String {
    if constraint.conname.is_empty() {
        String::new()
    } else {
        format!(" {}", constraint.conname)
    }
}

/// The table an `ALTER TABLE` unit that runs now changes, and the columns its `ADD COLUMN`s
/// define, in order; `None` for any other unit.
pub fn added_columns<'a>(
    ctx: &UnitContext<'a>,
) -> Option<(QualName, Vec<&'a pg_query::protobuf::ColumnDef>)> {
    use pg_query::protobuf::AlterTableType;
    let NodeEnum::AlterTableStmt(stmt) = &ctx.unit.node else {
        return None;
    };
    let (Some(rel), true) = (&stmt.relation, ctx.unit.kind.runs_now()) else {
        return None;
    };
    let columns = super::locks::alter_cmds(stmt)
        .filter(|cmd| cmd.subtype == AlterTableType::AtAddColumn as i32)
        .filter_map(|cmd| match cmd.def.as_ref().and_then(|d| d.node.as_ref()) {
            Some(NodeEnum::ColumnDef(column)) => Some(&**column),
            _ => None,
        })
        .collect();
    Some((ctx.symbols.relation(rel), columns))
}
