//! What the lock-safety rules need to know beyond the objects themselves: which files are
//! already applied (released), the columns and CHECK / NOT NULL constraints of the tables the
//! files build, functions' volatility, the domains they create, and the current session
//! (`lock_timeout`, `statement_timeout`, transaction boundaries).
//!
//! These facts are recorded after each statement that runs now, like the rest of the symbol
//! table, so a statement rule sees them as they stand before its own statement.

use std::collections::BTreeMap;

use litemap::LiteMap;
use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterTableCmd, AlterTableType, ColumnDef, ConstrType, Constraint, CreateFunctionStmt, Node,
    NullTestType, ObjectType, RenameStmt, TypeName, VariableSetKind, VariableSetStmt,
};

use super::{Name, QualName, Site, Symbols, list_name, string_list};

/// A function's volatility (`pg_proc.provolatile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volatility {
    /// The same result for the same arguments, forever.
    Immutable,
    /// The same result within one statement (`now()`).
    Stable,
    /// May change at every call (`random()`, `nextval()`); the default of `CREATE FUNCTION`.
    Volatile,
}

impl Volatility {
    /// From `pg_proc.provolatile` (`i`, `s`, `v`).
    pub fn from_catalog(code: &str) -> Volatility {
        match code {
            "i" => Volatility::Immutable,
            "s" => Volatility::Stable,
            _ => Volatility::Volatile,
        }
    }
}

/// A column as the files define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFact {
    /// The type, normalised ([`type_text`]): `varchar(20)`, `int4`, `timestamptz`, `text[]`.
    pub type_name: Name,
    /// Declared `NOT NULL` (or part of the primary key).
    pub not_null: bool,
}

/// A CHECK, NOT NULL or FOREIGN KEY constraint the files add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintFact {
    /// The column it proves non-null (`CHECK (c IS NOT NULL)`, `NOT NULL c`), if it does.
    pub proves_not_null: Option<Name>,
    /// A foreign key (its `ADD` takes `SHARE ROW EXCLUSIVE`, not `ACCESS EXCLUSIVE`).
    pub foreign_key: bool,
    /// Whether existing rows have been checked (added without `NOT VALID`, or validated).
    pub validated: bool,
    /// Added `NOT VALID`: in which transaction, at which offset of its file.
    pub not_valid_in: Option<(TxId, usize)>,
}

/// The columns and constraints of a table the files create.
///
/// Sorted vectors, not B-trees: a table has a handful of each, and a B-tree's first node holds
/// room for eleven (about 900 bytes of constraints per table), which made these facts most of
/// the memory of linting a history of thousands of tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableFacts {
    /// Columns by name.
    pub columns: LiteMap<Name, ColumnFact>,
    /// CHECK, NOT NULL and FOREIGN KEY constraints by name.
    pub constraints: LiteMap<Name, ConstraintFact>,
}

impl TableFacts {
    /// Whether a validated constraint proves `column` non-null (PostgreSQL then skips the scan
    /// of `SET NOT NULL`).
    pub fn proves_not_null(&self, column: &str) -> bool {
        self.constraints
            .values()
            .any(|c| c.validated && c.proves_not_null.as_deref() == Some(column))
    }

    /// Gives back the spare room of both maps: a vector grows to four entries at its first
    /// insert, and most tables have fewer constraints than that.
    fn shrink_to_fit(&mut self) {
        self.columns = shrunk(std::mem::take(&mut self.columns));
        self.constraints = shrunk(std::mem::take(&mut self.constraints));
    }
}

/// `map` in a vector of exactly its length.
fn shrunk<K, V>(map: LiteMap<K, V>) -> LiteMap<K, V> {
    let mut entries = map.into_tuple_vec();
    entries.shrink_to_fit();
    LiteMap::from_sorted_store_unchecked(entries)
}

/// One transaction of one file: statements in the same transaction share its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TxId {
    /// The file's position in lint order.
    pub file_index: usize,
    /// Count of transaction-control statements seen before it in the file.
    pub epoch: u32,
}

/// What the current file's session has set and done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Session {
    /// `SET lock_timeout` to a non-zero value.
    pub lock_timeout: bool,
    /// `SET statement_timeout` to a non-zero value.
    pub statement_timeout: bool,
    /// A statement already took a blocking lock on a live table
    /// ([`crate::lint::live::blocking_lock`]).
    pub blocked_before: bool,
    /// Transaction-control statements seen so far.
    epoch: u32,
}

/// The facts of [`Symbols`] the lock-safety rules read (see the module documentation).
#[derive(Debug, Default)]
pub struct Changes {
    /// Per file (lint order): already applied where the files are deployed. `None`: unknown.
    released: Option<Vec<bool>>,
    /// Volatility of the functions the files create, by name (the most volatile overload).
    pub volatility: BTreeMap<QualName, Volatility>,
    /// Domains the files create, and where.
    pub domains: BTreeMap<QualName, Site>,
    /// Facts about tables the files alter but do not create.
    pub outside: BTreeMap<QualName, TableFacts>,
    /// The current file's session.
    pub session: Session,
}

impl Symbols {
    /// Records which files are released (`None`: not known; tables of earlier files are then
    /// assumed to hold data).
    pub fn set_released(&mut self, released: Option<Vec<bool>>) {
        self.changes.released = released;
    }

    /// Whether the file at `file_index` is already applied where the files are deployed.
    pub fn is_released(&self, file_index: usize) -> bool {
        self.changes
            .released
            .as_ref()
            .and_then(|r| r.get(file_index).copied())
            .unwrap_or(false)
    }

    /// Whether eventos knows which files are released.
    pub fn releases_known(&self) -> bool {
        self.changes.released.is_some()
    }

    /// The transaction the next statement of the file at `file_index` runs in.
    pub fn transaction(&self, file_index: usize) -> TxId {
        TxId {
            file_index,
            epoch: self.changes.session.epoch,
        }
    }

    /// What the files say about a table's columns and constraints: those of a table they
    /// create, or what they added to one they do not.
    pub fn table_facts(&self, table: &QualName) -> Option<&TableFacts> {
        match self.tables.get(table) {
            Some(t) => Some(&t.facts),
            None => self.changes.outside.get(table),
        }
    }

    /// A column of `table` as the files define it, else as the live catalog has it.
    pub fn column_fact(&self, table: &QualName, column: &str) -> Option<&ColumnFact> {
        if let Some(fact) = self.table_facts(table).and_then(|f| f.columns.get(column)) {
            return Some(fact);
        }
        if self.tables.contains_key(table) {
            return None;
        }
        self.catalog.as_ref()?.live.columns.get(table)?.get(column)
    }

    /// Whether a validated CHECK or NOT NULL constraint proves `column` of `table` non-null.
    pub fn not_null_proven(&self, table: &QualName, column: &str) -> bool {
        let in_files = self
            .table_facts(table)
            .is_some_and(|f| f.proves_not_null(column));
        let in_catalog = self.catalog.as_ref().is_some_and(|c| {
            c.live
                .not_null_checks
                .contains(&(table.clone(), column.to_string()))
        });
        in_files || in_catalog
    }

    /// The volatility of a function the files create or the live catalog holds (`qualified`:
    /// as written with its schema; otherwise any schema's function of that name).
    pub fn volatility_of(&self, name: &QualName, qualified: bool) -> Option<Volatility> {
        let pick = |map: &BTreeMap<QualName, Volatility>| {
            if qualified {
                map.get(name).copied()
            } else {
                map.iter()
                    .filter(|(k, _)| k.1 == name.1)
                    .map(|(_, v)| *v)
                    .max()
            }
        };
        pick(&self.changes.volatility)
            .or_else(|| self.catalog.as_ref().and_then(|c| pick(&c.live.volatility)))
    }

    /// The table an index belongs to (`name` as written: `[schema.]index`).
    pub fn index_table(&self, schema: Option<&str>, index: &str) -> Option<QualName> {
        let in_schema = |s: &str| {
            self.lookups
                .index_names
                .get(&(Name::from(s), Name::from(index)))
                .cloned()
                .or_else(|| {
                    self.catalog.as_ref().and_then(|c| {
                        c.live
                            .index_tables
                            .get(&(Name::from(s), Name::from(index)))
                            .cloned()
                    })
                })
        };
        match schema {
            Some(schema) => in_schema(schema),
            None => self
                .search_path
                .iter()
                .filter(|s| s.as_str() != "$user")
                .find_map(|s| in_schema(s)),
        }
    }

    /// Whether `node`, about to run, takes a blocking lock on a live table (first time in the
    /// file only: afterwards the answer no longer matters).
    pub(super) fn takes_blocking_lock(&self, node: &NodeEnum, site: &Site) -> bool {
        !self.changes.session.blocked_before
            && crate::lint::live::blocking_lock(self, site.file_index, node).is_some()
    }

    /// Records the facts of one statement that ran (after [`Symbols::apply`]'s own effects).
    pub(super) fn record_changes(&mut self, node: &NodeEnum, site: &Site, blocking: bool) {
        self.changes.session.blocked_before |= blocking;
        match node {
            NodeEnum::CreateStmt(stmt) => {
                let Some(rel) = &stmt.relation else { return };
                let name = self.relation(rel);
                let created_here = self
                    .tables
                    .get(&name)
                    .is_some_and(|t| t.site.order() == site.order());
                if created_here {
                    let facts = create_table_facts(&name.1, &stmt.table_elts);
                    if let Some(table) = self.tables.get_mut(&name) {
                        table.facts = facts;
                    }
                }
            }
            NodeEnum::AlterTableStmt(stmt) => {
                let Some(rel) = &stmt.relation else { return };
                let name = self.relation(rel);
                let tx = (self.transaction(site.file_index), site.span.start);
                let facts = match self.tables.get_mut(&name) {
                    Some(table) => &mut table.facts,
                    None => self.changes.outside.entry(name.clone()).or_default(),
                };
                for cmd in &stmt.cmds {
                    if let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() {
                        alter_facts(facts, &name.1, cmd, tx);
                    }
                }
            }
            NodeEnum::RenameStmt(stmt) => self.rename_fact(stmt),
            NodeEnum::CreateFunctionStmt(stmt) => self.record_volatility(stmt),
            NodeEnum::CreateDomainStmt(stmt) => {
                if let Some(name) = list_name(&stmt.domainname) {
                    self.changes
                        .domains
                        .entry(name)
                        .or_insert_with(|| site.clone());
                }
            }
            NodeEnum::TransactionStmt(_) => self.changes.session.epoch += 1,
            NodeEnum::VariableSetStmt(stmt) => self.record_setting(stmt),
            NodeEnum::SelectStmt(stmt) => {
                if let Some((name, value)) = set_config_call(stmt) {
                    self.record_timeout(&name, Some(&value));
                }
            }
            _ => {}
        }
    }

    /// Starts a new session (a new file).
    pub(super) fn reset_session(&mut self) {
        self.changes.session = Session::default();
    }

    fn rename_fact(&mut self, stmt: &RenameStmt) {
        if stmt.rename_type != ObjectType::ObjectColumn as i32 {
            return;
        }
        let Some(rel) = &stmt.relation else { return };
        let name = self.relation(rel);
        if let Some(table) = self.tables.get_mut(&name)
            && let Some(column) = table.facts.columns.remove(stmt.subname.as_str())
        {
            table
                .facts
                .columns
                .insert(stmt.newname.as_str().into(), column);
        }
    }

    fn record_volatility(&mut self, stmt: &CreateFunctionStmt) {
        let Some(name) = list_name(&stmt.funcname) else {
            return;
        };
        let name = if stmt.funcname.len() == 1 {
            (self.creation_schema().into(), name.1)
        } else {
            name
        };
        let declared = crate::lint::units::def_string(&stmt.options, "volatility").map_or(
            Volatility::Volatile,
            |v| match v.as_str() {
                "immutable" => Volatility::Immutable,
                "stable" => Volatility::Stable,
                _ => Volatility::Volatile,
            },
        );
        let entry = self.changes.volatility.entry(name).or_insert(declared);
        if stmt.replace {
            *entry = declared;
        } else {
            *entry = (*entry).max(declared);
        }
    }

    fn record_setting(&mut self, stmt: &VariableSetStmt) {
        match VariableSetKind::try_from(stmt.kind) {
            Ok(VariableSetKind::VarSetValue) => {
                let value = stmt.args.first().and_then(setting_text);
                self.record_timeout(&stmt.name, value.as_deref());
            }
            Ok(VariableSetKind::VarSetDefault | VariableSetKind::VarReset) => {
                self.record_timeout(&stmt.name, None);
            }
            Ok(VariableSetKind::VarResetAll) => {
                let epoch = self.changes.session.epoch;
                self.changes.session = Session {
                    epoch,
                    ..Session::default()
                };
            }
            _ => {}
        }
    }

    fn record_timeout(&mut self, name: &str, value: Option<&str>) {
        let set = value.is_some_and(|v| !is_zero_duration(v));
        match name.to_ascii_lowercase().as_str() {
            "lock_timeout" => self.changes.session.lock_timeout = set,
            "statement_timeout" => self.changes.session.statement_timeout = set,
            _ => {}
        }
    }
}

/// Columns and constraints of a `CREATE TABLE`'s element list.
fn create_table_facts(table: &str, elements: &[Node]) -> TableFacts {
    let mut facts = TableFacts::default();
    let mut primary: Vec<String> = Vec::new();
    for element in elements {
        match element.node.as_ref() {
            Some(NodeEnum::ColumnDef(column)) => add_column(&mut facts, table, column, None),
            Some(NodeEnum::Constraint(c)) => {
                if c.contype == ConstrType::ConstrPrimary as i32 {
                    primary.extend(string_list(&c.keys));
                }
                add_constraint(&mut facts, table, c, None, None);
            }
            _ => {}
        }
    }
    for column in primary {
        if let Some(fact) = facts.columns.get_mut(column.as_str()) {
            fact.not_null = true;
        }
    }
    facts.shrink_to_fit();
    facts
}

/// Adds a column definition (and its column constraints).
fn add_column(facts: &mut TableFacts, table: &str, column: &ColumnDef, tx: Option<(TxId, usize)>) {
    let not_null = column.is_not_null
        || column_constraints(column).any(|c| {
            c.contype == ConstrType::ConstrNotnull as i32
                || c.contype == ConstrType::ConstrPrimary as i32
        });
    let type_name = column.type_name.as_ref().map(type_text).unwrap_or_default();
    facts.columns.insert(
        column.colname.as_str().into(),
        ColumnFact {
            type_name: type_name.into(),
            not_null,
        },
    );
    for c in column_constraints(column) {
        add_constraint(facts, table, c, Some(&column.colname), tx);
    }
}

/// A column a statement defines or retypes.
#[derive(Debug, Clone, Copy)]
pub struct DefinedColumn<'a> {
    /// The table, as written.
    pub table: &'a pg_query::protobuf::RangeVar,
    /// The column's name.
    pub name: &'a str,
    /// Its (new) type.
    pub type_name: &'a TypeName,
    /// The definition (constraints of `CREATE TABLE` / `ADD COLUMN`).
    pub def: &'a ColumnDef,
    /// Whether the table's `CREATE TABLE … PRIMARY KEY (…)` lists it.
    pub in_table_key: bool,
}

/// The columns `CREATE TABLE`, `ALTER TABLE … ADD COLUMN` and `… ALTER COLUMN … TYPE` define.
pub fn defined_columns(node: &NodeEnum) -> Vec<DefinedColumn<'_>> {
    let mut out = Vec::new();
    match node {
        NodeEnum::CreateStmt(stmt) => {
            let Some(table) = &stmt.relation else {
                return out;
            };
            let keys: Vec<String> = stmt
                .table_elts
                .iter()
                .filter_map(|e| match e.node.as_ref() {
                    Some(NodeEnum::Constraint(c))
                        if c.contype == ConstrType::ConstrPrimary as i32 =>
                    {
                        Some(string_list(&c.keys))
                    }
                    _ => None,
                })
                .flatten()
                .collect();
            for element in &stmt.table_elts {
                if let Some(NodeEnum::ColumnDef(def)) = element.node.as_ref()
                    && let Some(type_name) = &def.type_name
                {
                    out.push(DefinedColumn {
                        table,
                        name: &def.colname,
                        type_name,
                        def,
                        in_table_key: keys.contains(&def.colname),
                    });
                }
            }
        }
        NodeEnum::AlterTableStmt(stmt) => {
            let Some(table) = &stmt.relation else {
                return out;
            };
            for cmd in &stmt.cmds {
                let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                    continue;
                };
                let Some(NodeEnum::ColumnDef(def)) = cmd.def.as_ref().and_then(|d| d.node.as_ref())
                else {
                    continue;
                };
                let name = match AlterTableType::try_from(cmd.subtype) {
                    Ok(AlterTableType::AtAddColumn) => def.colname.as_str(),
                    Ok(AlterTableType::AtAlterColumnType) => cmd.name.as_str(),
                    _ => continue,
                };
                if let Some(type_name) = &def.type_name {
                    out.push(DefinedColumn {
                        table,
                        name,
                        type_name,
                        def,
                        in_table_key: false,
                    });
                }
            }
        }
        _ => {}
    }
    out
}

/// The constraints of a column definition.
pub fn column_constraints(column: &ColumnDef) -> impl Iterator<Item = &Constraint> {
    column
        .constraints
        .iter()
        .filter_map(|c| match c.node.as_ref() {
            Some(NodeEnum::Constraint(c)) => Some(&**c),
            _ => None,
        })
}

/// Records a CHECK, NOT NULL or FOREIGN KEY constraint (unnamed: under PostgreSQL's default
/// name where eventos can compute it: `<table>_<column>_check|not_null`,
/// `<table>_<columns>_fkey`).
fn add_constraint(
    facts: &mut TableFacts,
    table: &str,
    c: &Constraint,
    column: Option<&str>,
    tx: Option<(TxId, usize)>,
) {
    let foreign_key = c.contype == ConstrType::ConstrForeign as i32;
    let proves = if c.contype == ConstrType::ConstrCheck as i32 {
        c.raw_expr.as_deref().and_then(not_null_test_column)
    } else if c.contype == ConstrType::ConstrNotnull as i32 {
        string_list(&c.keys)
            .first()
            .cloned()
            .or_else(|| column.map(str::to_string))
    } else if foreign_key {
        None
    } else {
        return;
    };
    let check = c.contype == ConstrType::ConstrCheck as i32;
    let name = if !c.conname.is_empty() {
        c.conname.clone()
    } else if let Some(column) = &proves {
        let suffix = if check { "check" } else { "not_null" };
        format!("{table}_{column}_{suffix}")
    } else if foreign_key {
        let mut columns = string_list(&c.fk_attrs);
        if columns.is_empty() {
            columns.extend(column.map(str::to_string));
        }
        format!("{table}_{}_fkey", columns.join("_"))
    } else {
        return;
    };
    facts.constraints.insert(
        name.into(),
        ConstraintFact {
            proves_not_null: proves.map(Name::from),
            foreign_key,
            validated: !c.skip_validation,
            not_valid_in: if c.skip_validation { tx } else { None },
        },
    );
}

/// Applies one `ALTER TABLE` subcommand to a table's facts.
fn alter_facts(facts: &mut TableFacts, table: &str, cmd: &AlterTableCmd, tx: (TxId, usize)) {
    let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
    match (AlterTableType::try_from(cmd.subtype), def) {
        (Ok(AlterTableType::AtAddColumn), Some(NodeEnum::ColumnDef(column)))
            if !(cmd.missing_ok && facts.columns.contains_key(column.colname.as_str())) =>
        {
            add_column(facts, table, column, Some(tx));
        }
        (Ok(AlterTableType::AtDropColumn), _) => {
            facts.columns.remove(cmd.name.as_str());
        }
        (Ok(AlterTableType::AtSetNotNull), _) => set_not_null(facts, &cmd.name, true),
        (Ok(AlterTableType::AtDropNotNull), _) => set_not_null(facts, &cmd.name, false),
        (Ok(AlterTableType::AtAlterColumnType), Some(NodeEnum::ColumnDef(column))) => {
            if let (Some(fact), Some(type_name)) = (
                facts.columns.get_mut(cmd.name.as_str()),
                column.type_name.as_ref(),
            ) {
                fact.type_name = type_text(type_name).into();
            }
        }
        (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c))) => {
            if c.contype == ConstrType::ConstrPrimary as i32 {
                for key in string_list(&c.keys) {
                    set_not_null(facts, &key, true);
                }
            }
            add_constraint(facts, table, c, None, Some(tx));
        }
        (Ok(AlterTableType::AtValidateConstraint), _) => {
            if let Some(c) = facts.constraints.get_mut(cmd.name.as_str()) {
                c.validated = true;
            }
        }
        (Ok(AlterTableType::AtDropConstraint), _) => {
            facts.constraints.remove(cmd.name.as_str());
        }
        _ => {}
    }
}

fn set_not_null(facts: &mut TableFacts, column: &str, not_null: bool) {
    if let Some(fact) = facts.columns.get_mut(column) {
        fact.not_null = not_null;
    }
}

/// The column a `CHECK (c IS NOT NULL)` expression proves non-null.
pub fn not_null_test_column(expr: &Node) -> Option<String> {
    let NodeEnum::NullTest(test) = expr.node.as_ref()? else {
        return None;
    };
    if test.nulltesttype != NullTestType::IsNotNull as i32 {
        return None;
    }
    match test.arg.as_ref()?.node.as_ref()? {
        NodeEnum::ColumnRef(column) => match string_list(&column.fields).as_slice() {
            [name] => Some(name.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// A type name normalised the way [`ColumnFact::type_name`] stores it: the last name segment
/// (`pg_catalog.` and aliases resolved by the grammar: `integer` → `int4`), its modifiers and
/// array brackets: `varchar(20)`, `numeric(10,2)`, `text[]`.
pub fn type_text(type_name: &TypeName) -> String {
    let names = string_list(&type_name.names);
    let mut out = names.last().cloned().unwrap_or_default();
    let mods: Vec<String> = type_name
        .typmods
        .iter()
        .filter_map(|m| match m.node.as_ref() {
            Some(NodeEnum::AConst(c)) => match c.val.as_ref() {
                Some(pg_query::protobuf::a_const::Val::Ival(i)) => Some(i.ival.to_string()),
                _ => None,
            },
            Some(NodeEnum::ColumnRef(_)) => None,
            _ => None,
        })
        .collect();
    if !mods.is_empty() {
        out.push('(');
        out.push_str(&mods.join(","));
        out.push(')');
    }
    for _ in &type_name.array_bounds {
        out.push_str("[]");
    }
    out
}

/// The text of a `SET` argument (`'5s'`, `5000`, `DEFAULT`).
fn setting_text(node: &Node) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Sval(s) => Some(s.sval.clone()),
            Val::Ival(i) => Some(i.ival.to_string()),
            Val::Fval(f) => Some(f.fval.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `0`, `'0'`, `'0s'`, `'0ms'`: the setting is off.
fn is_zero_duration(value: &str) -> bool {
    let digits: String = value
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    !digits.is_empty() && digits.parse::<f64>().is_ok_and(|v| v == 0.0)
}

/// `SELECT set_config('<name>', '<value>', …)`: the name and value.
fn set_config_call(stmt: &pg_query::protobuf::SelectStmt) -> Option<(String, String)> {
    let [target] = stmt.target_list.as_slice() else {
        return None;
    };
    let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
        return None;
    };
    let Some(NodeEnum::FuncCall(call)) = target.val.as_ref().and_then(|v| v.node.as_ref()) else {
        return None;
    };
    if string_list(&call.funcname).last().map(String::as_str) != Some("set_config") {
        return None;
    }
    let args: Vec<Option<String>> = call.args.iter().map(setting_text).collect();
    match args.as_slice() {
        [Some(name), Some(value), ..] => Some((name.clone(), value.clone())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::symbols::tests::symbols_of as build;

    fn name(schema: &str, table: &str) -> QualName {
        (schema.into(), table.into())
    }

    #[test]
    fn columns_types_and_not_null_follow_the_statements() {
        let s = build(
            "CREATE TABLE app.t (id integer PRIMARY KEY, code varchar(20), at timestamp with time zone NOT NULL, tags text[]);
             ALTER TABLE app.t ADD COLUMN n numeric(10,2), ALTER COLUMN code TYPE text, ALTER COLUMN at DROP NOT NULL;
             ALTER TABLE app.t RENAME COLUMN code TO label;",
        );
        let facts = &s.tables[&name("app", "t")].facts;
        let column = |c: &str| facts.columns.get(c).cloned();
        assert_eq!(column("id").unwrap().type_name, "int4");
        assert!(column("id").unwrap().not_null);
        assert_eq!(column("label").unwrap().type_name, "text");
        assert!(column("code").is_none());
        assert!(!column("at").unwrap().not_null);
        assert_eq!(column("tags").unwrap().type_name, "text[]");
        assert_eq!(column("n").unwrap().type_name, "numeric(10,2)");
    }

    #[test]
    fn a_created_table_keeps_no_spare_room() {
        let mut s = build("CREATE TABLE t (a int NOT NULL, b int CHECK (b IS NOT NULL));");
        let facts = s.tables.remove(&name("public", "t")).unwrap().facts;
        let columns = facts.columns.into_tuple_vec();
        let constraints = facts.constraints.into_tuple_vec();
        assert_eq!((columns.len(), columns.capacity()), (2, 2));
        assert_eq!((constraints.len(), constraints.capacity()), (2, 2));
    }

    #[test]
    fn a_validated_not_null_check_proves_the_column() {
        let s = build(
            "CREATE TABLE t (a int, b int);
             ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;
             ALTER TABLE t ADD CONSTRAINT b_nn CHECK (b IS NOT NULL) NOT VALID;
             ALTER TABLE t VALIDATE CONSTRAINT a_nn;",
        );
        let facts = &s.tables[&name("public", "t")].facts;
        assert!(facts.proves_not_null("a"));
        assert!(!facts.proves_not_null("b"));
    }

    #[test]
    fn timeouts_are_tracked_per_session() {
        let mut s = build(
            "SET lock_timeout = '2s'; SELECT set_config('statement_timeout', '1min', false);",
        );
        assert!(s.changes.session.lock_timeout && s.changes.session.statement_timeout);
        s.reset_session();
        assert!(!s.changes.session.lock_timeout);
        let s =
            build("SET lock_timeout = 0; SET statement_timeout TO '5s'; RESET statement_timeout;");
        assert!(!s.changes.session.lock_timeout && !s.changes.session.statement_timeout);
    }

    #[test]
    fn function_volatility_defaults_to_volatile() {
        let s = build(
            "CREATE FUNCTION app.a() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';
             CREATE FUNCTION app.b() RETURNS int LANGUAGE sql AS 'SELECT 1';",
        );
        assert_eq!(
            s.changes.volatility[&name("app", "a")],
            Volatility::Immutable
        );
        assert_eq!(
            s.changes.volatility[&name("app", "b")],
            Volatility::Volatile
        );
    }
}
