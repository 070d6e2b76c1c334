//! The bundle-aware symbol table: what the files linted so far have created, in order.
//!
//! Built statement by statement (version order across phases) so a rule sees exactly the objects
//! that exist when its statement runs; set-level rules read the final table. A live catalog, when
//! given, answers for objects the bundles did not create.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::PathBuf;

use pg_query::NodeEnum;
use pg_query::protobuf::{AlterTableType, ConstrType, Node, ObjectType, RangeVar};

/// A schema-qualified name; unqualified names resolve to `public`.
pub type QualName = (String, String);

/// Where an object was declared.
#[derive(Debug, Clone)]
pub struct Site {
    /// The file.
    pub file: PathBuf,
    /// The declaring statement's span.
    pub span: Range<usize>,
    /// The file's position in lint order.
    pub file_index: usize,
}

/// A table (plain, partitioned or a partition).
#[derive(Debug, Clone)]
pub struct TableInfo {
    /// Where it was created.
    pub site: Site,
    /// Declared `PARTITION BY`.
    pub partitioned: bool,
    /// Whether RLS was enabled at some point in the bundle set.
    pub rls_enabled: bool,
}

/// A view or materialized view.
#[derive(Debug, Clone)]
pub struct ViewInfo {
    /// Where it was created.
    pub site: Site,
    /// A materialized view.
    pub materialized: bool,
    /// `security_invoker = true` set at creation or later.
    pub security_invoker: bool,
}

/// An index (explicit, or implied by a primary key or unique constraint).
#[derive(Debug, Clone)]
pub struct IndexInfo {
    /// The indexed relation.
    pub table: QualName,
    /// Plain column names in index order (expressions are empty strings).
    pub columns: Vec<String>,
    /// Unique (or primary key) and without a predicate.
    pub unique: bool,
}

/// A foreign key's referencing side.
#[derive(Debug, Clone)]
pub struct ForeignKey {
    /// The referencing table.
    pub table: QualName,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// Where it was declared.
    pub site: Site,
}

/// A policy.
#[derive(Debug, Clone)]
pub struct PolicyInfo {
    /// The table it protects.
    pub table: QualName,
    /// The policy's name.
    pub name: String,
    /// Where it was declared.
    pub site: Site,
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
}

/// The symbol table.
#[derive(Debug, Default)]
pub struct Symbols {
    /// Tables by name.
    pub tables: BTreeMap<QualName, TableInfo>,
    /// Views and materialized views by name.
    pub views: BTreeMap<QualName, ViewInfo>,
    /// Functions defined by the bundles.
    pub functions: BTreeSet<QualName>,
    /// Every index.
    pub indexes: Vec<IndexInfo>,
    /// Every foreign key.
    pub foreign_keys: Vec<ForeignKey>,
    /// Every policy.
    pub policies: Vec<PolicyInfo>,
    /// Every `REFRESH MATERIALIZED VIEW CONCURRENTLY`, wherever it runs.
    pub concurrent_refreshes: Vec<(QualName, Site)>,
    /// The live catalog, if connected.
    pub catalog: Option<Catalog>,
}

/// The qualified name of a `RangeVar`.
pub fn range_name(range: &RangeVar) -> QualName {
    let schema = if range.schemaname.is_empty() {
        "public"
    } else {
        &range.schemaname
    };
    (schema.to_string(), range.relname.clone())
}

/// The string values of a list of `String` nodes (a qualified name in the parse tree).
pub fn string_list(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// A qualified name from a parse-tree name list (`[schema,] name`).
pub fn list_name(nodes: &[Node]) -> Option<QualName> {
    match string_list(nodes).as_slice() {
        [name] => Some(("public".into(), name.clone())),
        [.., schema, name] => Some((schema.clone(), name.clone())),
        [] => None,
    }
}

/// `schema.name` for messages.
pub fn display(name: &QualName) -> String {
    format!("{}.{}", name.0, name.1)
}

impl Symbols {
    /// An empty table enriched by an optional live catalog.
    pub fn new(catalog: Option<Catalog>) -> Symbols {
        Symbols {
            catalog,
            ..Symbols::default()
        }
    }

    /// Whether `name` is known to be partitioned (bundles so far, or the live catalog).
    pub fn is_partitioned(&self, name: &QualName) -> bool {
        self.tables.get(name).is_some_and(|t| t.partitioned)
            || self
                .catalog
                .as_ref()
                .is_some_and(|c| c.partitioned.contains(name))
    }

    /// Whether `name` is a view or materialized view (bundles so far, or the live catalog).
    pub fn is_view(&self, name: &QualName) -> bool {
        self.views.contains_key(name)
            || self
                .catalog
                .as_ref()
                .is_some_and(|c| c.views.contains(name))
    }

    /// Whether a function called `name` exists; unqualified calls match any schema.
    pub fn has_function(&self, name: &QualName, qualified: bool) -> bool {
        let matches = |set: &BTreeSet<QualName>| {
            if qualified {
                set.contains(name)
            } else {
                set.iter().any(|f| f.1 == name.1)
            }
        };
        matches(&self.functions) || self.catalog.as_ref().is_some_and(|c| matches(&c.functions))
    }

    /// Whether a unique, predicate-free index covers `table`.
    pub fn has_unique_index(&self, table: &QualName) -> bool {
        self.indexes.iter().any(|i| &i.table == table && i.unique)
    }

    /// Records facts about statements that run later (function bodies) as well as now.
    pub fn record_any(&mut self, node: &NodeEnum, site: &Site) {
        if let NodeEnum::RefreshMatViewStmt(stmt) = node
            && stmt.concurrent
            && let Some(rel) = &stmt.relation
        {
            self.concurrent_refreshes
                .push((range_name(rel), site.clone()));
        }
    }

    /// Records what one executed statement creates or changes.
    pub fn apply(&mut self, node: &NodeEnum, site: &Site) {
        match node {
            NodeEnum::CreateStmt(stmt) => self.apply_create_table(stmt, site),
            NodeEnum::ViewStmt(stmt) => {
                if let Some(view) = &stmt.view {
                    let security_invoker = options_set_true(&stmt.options, "security_invoker");
                    let info = ViewInfo {
                        site: site.clone(),
                        materialized: false,
                        security_invoker,
                    };
                    self.views.insert(range_name(view), info);
                }
            }
            NodeEnum::CreateTableAsStmt(stmt) => {
                let into = stmt.into.as_ref().and_then(|i| i.rel.as_ref());
                if let Some(rel) = into {
                    let materialized = stmt.objtype == ObjectType::ObjectMatview as i32;
                    if materialized {
                        let info = ViewInfo {
                            site: site.clone(),
                            materialized,
                            security_invoker: false,
                        };
                        self.views.insert(range_name(rel), info);
                    } else {
                        self.add_table(range_name(rel), site, false);
                    }
                }
            }
            NodeEnum::CreateFunctionStmt(stmt) => {
                if let Some(name) = list_name(&stmt.funcname) {
                    self.functions.insert(name);
                }
            }
            NodeEnum::IndexStmt(stmt) => {
                if let Some(rel) = &stmt.relation {
                    let columns = index_columns(&stmt.index_params);
                    let unique = (stmt.unique || stmt.primary) && stmt.where_clause.is_none();
                    self.indexes.push(IndexInfo {
                        table: range_name(rel),
                        columns,
                        unique,
                    });
                }
            }
            NodeEnum::AlterTableStmt(stmt) => self.apply_alter_table(stmt, site),
            NodeEnum::CreatePolicyStmt(stmt) => {
                if let Some(table) = &stmt.table {
                    let name = stmt.policy_name.clone();
                    self.policies.push(PolicyInfo {
                        table: range_name(table),
                        name,
                        site: site.clone(),
                    });
                }
            }
            NodeEnum::DropStmt(stmt) => self.apply_drop(stmt),
            _ => {}
        }
    }

    fn add_table(&mut self, name: QualName, site: &Site, partitioned: bool) {
        let info = TableInfo {
            site: site.clone(),
            partitioned,
            rls_enabled: false,
        };
        self.tables.insert(name, info);
    }

    fn apply_create_table(&mut self, stmt: &pg_query::protobuf::CreateStmt, site: &Site) {
        let Some(rel) = &stmt.relation else { return };
        let table = range_name(rel);
        self.add_table(table.clone(), site, stmt.partspec.is_some());
        for element in &stmt.table_elts {
            match element.node.as_ref() {
                Some(NodeEnum::ColumnDef(column)) => {
                    for constraint in &column.constraints {
                        if let Some(NodeEnum::Constraint(c)) = constraint.node.as_ref() {
                            self.apply_constraint(&table, c, Some(&column.colname), site);
                        }
                    }
                }
                Some(NodeEnum::Constraint(c)) => self.apply_constraint(&table, c, None, site),
                _ => {}
            }
        }
    }

    fn apply_constraint(
        &mut self,
        table: &QualName,
        c: &pg_query::protobuf::Constraint,
        column: Option<&str>,
        site: &Site,
    ) {
        let own_columns = |keys: &[Node]| match column {
            Some(col) if keys.is_empty() => vec![col.to_string()],
            _ => string_list(keys),
        };
        if c.contype == ConstrType::ConstrPrimary as i32
            || c.contype == ConstrType::ConstrUnique as i32
        {
            let columns = own_columns(&c.keys);
            self.indexes.push(IndexInfo {
                table: table.clone(),
                columns,
                unique: true,
            });
        } else if c.contype == ConstrType::ConstrForeign as i32 {
            let columns = own_columns(&c.fk_attrs);
            self.foreign_keys.push(ForeignKey {
                table: table.clone(),
                columns,
                site: site.clone(),
            });
        }
    }

    fn apply_alter_table(&mut self, stmt: &pg_query::protobuf::AlterTableStmt, site: &Site) {
        let Some(rel) = &stmt.relation else { return };
        let name = range_name(rel);
        for cmd in &stmt.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                continue;
            };
            let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
            match (AlterTableType::try_from(cmd.subtype), def) {
                (Ok(AlterTableType::AtEnableRowSecurity), _) => {
                    if let Some(table) = self.tables.get_mut(&name) {
                        table.rls_enabled = true;
                    }
                }
                (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c))) => {
                    self.apply_constraint(&name, c, None, site);
                }
                (Ok(AlterTableType::AtSetRelOptions), Some(NodeEnum::List(list))) => {
                    if let Some(view) = self.views.get_mut(&name)
                        && options_set_true(&list.items, "security_invoker")
                    {
                        view.security_invoker = true;
                    }
                }
                _ => {}
            }
        }
    }

    fn apply_drop(&mut self, stmt: &pg_query::protobuf::DropStmt) {
        for object in &stmt.objects {
            let Some(NodeEnum::List(list)) = object.node.as_ref() else {
                continue;
            };
            let Some(name) = list_name(&list.items) else {
                continue;
            };
            match ObjectType::try_from(stmt.remove_type) {
                Ok(ObjectType::ObjectTable) => {
                    self.tables.remove(&name);
                }
                Ok(ObjectType::ObjectView | ObjectType::ObjectMatview) => {
                    self.views.remove(&name);
                }
                _ => {}
            }
        }
    }
}

/// Plain column names of index elements (expressions give empty names).
fn index_columns(params: &[Node]) -> Vec<String> {
    params
        .iter()
        .map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => e.name.clone(),
            _ => String::new(),
        })
        .collect()
}

/// Whether a `WITH (…)` option list sets `name` to true (`name`, `name = true|on|1`).
pub fn options_set_true(options: &[Node], name: &str) -> bool {
    options.iter().any(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname.eq_ignore_ascii_case(name) => {
            d.arg.as_ref().is_none_or(|arg| def_value_is_true(arg))
        }
        _ => false,
    })
}

fn def_value_is_true(arg: &Node) -> bool {
    use pg_query::protobuf::a_const::Val;
    let text = match arg.node.as_ref() {
        Some(NodeEnum::String(s)) => s.sval.to_ascii_lowercase(),
        Some(NodeEnum::Boolean(b)) => return b.boolval,
        Some(NodeEnum::Integer(i)) => return i.ival != 0,
        Some(NodeEnum::AConst(c)) => match &c.val {
            Some(Val::Sval(s)) => s.sval.to_ascii_lowercase(),
            Some(Val::Boolval(b)) => return b.boolval,
            Some(Val::Ival(i)) => return i.ival != 0,
            _ => return false,
        },
        _ => return false,
    };
    matches!(text.as_str(), "true" | "on" | "1" | "yes" | "t")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbols_of(sql: &str) -> Symbols {
        let mut symbols = Symbols::default();
        let site = Site {
            file: "t.sql".into(),
            span: 0..0,
            file_index: 0,
        };
        for raw in pg_query::parse(sql, 0).unwrap().protobuf.stmts {
            symbols.apply(raw.stmt.unwrap().node.as_ref().unwrap(), &site);
        }
        symbols
    }

    #[test]
    fn records_tables_partitions_rls_and_indexes() {
        let s = symbols_of(
            "CREATE TABLE app.m (id int, at date) PARTITION BY RANGE (at);
             CREATE TABLE t (id int PRIMARY KEY, m int REFERENCES app.m);
             ALTER TABLE public.t ENABLE ROW LEVEL SECURITY;
             CREATE UNIQUE INDEX ON t (m);",
        );
        assert!(s.is_partitioned(&("app".into(), "m".into())));
        assert!(!s.is_partitioned(&("public".into(), "t".into())));
        assert!(s.tables[&("public".into(), "t".into())].rls_enabled);
        assert_eq!(s.indexes.len(), 2);
        assert_eq!(s.foreign_keys[0].columns, vec!["m"]);
    }

    #[test]
    fn views_record_security_invoker_from_create_or_alter() {
        let s = symbols_of(
            "CREATE VIEW a WITH (security_invoker = true) AS SELECT 1;
             CREATE VIEW b AS SELECT 1; CREATE VIEW c AS SELECT 1;
             ALTER VIEW c SET (security_invoker = on);",
        );
        let invoker = |n: &str| s.views[&("public".to_string(), n.to_string())].security_invoker;
        assert!(invoker("a") && !invoker("b") && invoker("c"));
    }
}
