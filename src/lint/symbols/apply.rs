//! What each statement does to the symbol table (see the module documentation of
//! [`super`] for the semantics).

use pg_query::NodeEnum;
use pg_query::protobuf::{
    AlterFunctionStmt, AlterObjectSchemaStmt, AlterTableStmt, AlterTableType, ConstrType,
    Constraint, CreateExtensionStmt, CreateFunctionStmt, CreateSchemaStmt, CreateStmt, DropStmt,
    FunctionParameterMode, IndexStmt, Node, ObjectType, ObjectWithArgs, RangeVar, RenameStmt,
    TypeName, VariableSetKind, VariableSetStmt, ViewStmt,
};

use super::reloptions::{bool_option, options_name};
use super::{
    ExtensionInfo, ForeignKey, FunctionInfo, IndexInfo, Name, PolicyInfo, QualName, Site, Symbols,
    TEMP_SCHEMA, TableInfo, ViewInfo, providers, range_name, string_list,
};

/// The view option rules judge.
pub(super) const SECURITY_INVOKER: &str = "security_invoker";

impl Symbols {
    /// Applies one statement that runs now (top level or in a `DO` block).
    pub fn apply(&mut self, node: &NodeEnum, site: &Site) {
        let blocking = self.takes_blocking_lock(node, site);
        self.apply_objects(node, site);
        self.record_changes(node, site, blocking);
    }

    /// The statement's effect on objects.
    fn apply_objects(&mut self, node: &NodeEnum, site: &Site) {
        match node {
            NodeEnum::CreateStmt(stmt) => self.create_table(stmt, site),
            NodeEnum::CreateTableAsStmt(stmt) => {
                let Some(rel) = stmt.into.as_ref().and_then(|i| i.rel.as_ref()) else {
                    return;
                };
                let name = self.new_relation(rel);
                if self.relation_exists(&name) {
                    return;
                }
                if stmt.objtype == ObjectType::ObjectMatview as i32 {
                    let depends_on = self.read_relations(stmt.query.as_deref());
                    self.use_schema(&name.0);
                    self.insert_view(name, new_view(site, true, false, depends_on));
                } else {
                    self.add_table(name, site, false, rel.relpersistence == "t");
                }
            }
            NodeEnum::SelectStmt(stmt) => {
                if let Some(rel) = stmt.into_clause.as_ref().and_then(|i| i.rel.as_ref()) {
                    let name = self.new_relation(rel);
                    if !self.relation_exists(&name) {
                        self.add_table(name, site, false, rel.relpersistence == "t");
                    }
                } else {
                    self.set_config(stmt);
                }
            }
            NodeEnum::ViewStmt(stmt) => self.create_view(stmt, site),
            NodeEnum::CreateFunctionStmt(stmt) => self.create_function(stmt, site),
            NodeEnum::AlterFunctionStmt(stmt) => self.alter_function(stmt, site),
            NodeEnum::IndexStmt(stmt) => self.create_index(stmt),
            NodeEnum::AlterTableStmt(stmt) => self.alter_table(stmt, site),
            NodeEnum::CreatePolicyStmt(stmt) => {
                let Some(table) = &stmt.table else { return };
                let table = self.relation(table);
                let exists = self
                    .policies
                    .of(&table)
                    .iter()
                    .any(|p| p.name == stmt.policy_name);
                if !exists {
                    let policy = PolicyInfo {
                        name: stmt.policy_name.as_str().into(),
                        site: site.clone(),
                    };
                    self.policies.push(&table, policy);
                }
            }
            NodeEnum::CreateSchemaStmt(stmt) => self.create_schema(stmt, site),
            NodeEnum::CreateExtensionStmt(stmt) => self.create_extension(stmt),
            NodeEnum::RenameStmt(stmt) => self.rename(stmt, site),
            NodeEnum::AlterObjectSchemaStmt(stmt) => self.set_schema(stmt, site),
            NodeEnum::DropStmt(stmt) => self.drop(stmt),
            NodeEnum::VariableSetStmt(stmt) => self.set_variable(stmt),
            NodeEnum::CreateTrigStmt(stmt) => self.create_trigger(stmt, site),
            _ => {}
        }
    }

    /// The name a `CREATE` gives a relation: as written, `pg_temp` when temporary, else in the
    /// creation schema.
    fn new_relation(&self, rel: &RangeVar) -> QualName {
        if rel.schemaname.is_empty() && rel.relpersistence != "t" {
            (self.creation_schema().into(), rel.relname.as_str().into())
        } else {
            range_name(rel)
        }
    }

    /// Records that the files put objects in `schema`.
    fn use_schema(&mut self, schema: &str) {
        if !self.schemas_used.contains(schema) {
            self.schemas_used.insert(schema.to_string());
        }
    }

    fn create_trigger(&mut self, stmt: &pg_query::protobuf::CreateTrigStmt, site: &Site) {
        let Some(function) = super::list_name(&stmt.funcname) else {
            return;
        };
        let qualified = stmt.funcname.len() > 1;
        let lookup = self.function(&function, qualified);
        self.triggers.push(super::TriggerCall {
            trigger: stmt.trigname.clone(),
            function,
            qualified,
            lookup,
            site: site.clone(),
        });
    }

    fn add_table(&mut self, name: QualName, site: &Site, partitioned: bool, temporary: bool) {
        self.use_schema(&name.0);
        self.lookups.has_temporary |= temporary || name.0 == TEMP_SCHEMA;
        let info = TableInfo {
            site: site.clone(),
            partitioned,
            temporary: temporary || name.0 == TEMP_SCHEMA,
            rls_enabled: false,
            rls_site: site.clone(),
            moved: None,
            facts: Default::default(),
        };
        self.tables.insert(name, Box::new(info));
    }

    fn create_table(&mut self, stmt: &CreateStmt, site: &Site) {
        let Some(rel) = &stmt.relation else { return };
        let table = self.new_relation(rel);
        if self.relation_exists(&table) {
            return;
        }
        let temporary = rel.relpersistence == "t";
        self.add_table(table.clone(), site, stmt.partspec.is_some(), temporary);
        for element in &stmt.table_elts {
            match element.node.as_ref() {
                Some(NodeEnum::ColumnDef(column)) => {
                    for constraint in &column.constraints {
                        if let Some(NodeEnum::Constraint(c)) = constraint.node.as_ref() {
                            self.add_constraint(&table, c, Some(&column.colname), site);
                        }
                    }
                }
                Some(NodeEnum::Constraint(c)) => self.add_constraint(&table, c, None, site),
                _ => {}
            }
        }
    }

    fn add_constraint(
        &mut self,
        table: &QualName,
        c: &Constraint,
        column: Option<&str>,
        site: &Site,
    ) {
        let own_columns = |keys: &[Node]| match column {
            Some(col) if keys.is_empty() => vec![Name::from(col)],
            _ => names_of(keys),
        };
        let name = (!c.conname.is_empty()).then(|| Name::from(c.conname.as_str()));
        if c.contype == ConstrType::ConstrPrimary as i32
            || c.contype == ConstrType::ConstrUnique as i32
        {
            let name =
                name.or_else(|| (!c.indexname.is_empty()).then(|| c.indexname.as_str().into()));
            let index = IndexInfo {
                name,
                columns: own_columns(&c.keys),
                unique: true,
            };
            self.add_index(table, index);
        } else if c.contype == ConstrType::ConstrForeign as i32 {
            let fk = ForeignKey {
                name,
                columns: own_columns(&c.fk_attrs),
                site: site.clone(),
            };
            self.foreign_keys.push(table, fk);
        }
    }

    fn create_view(&mut self, stmt: &ViewStmt, site: &Site) {
        let Some(rel) = &stmt.view else { return };
        let name = if stmt.replace {
            let existing = self.relation(rel);
            if self.views.contains_key(&existing) {
                existing
            } else {
                self.new_relation(rel)
            }
        } else {
            self.new_relation(rel)
        };
        let exists = self.views.contains_key(&name);
        if (exists && !stmt.replace) || (!exists && self.relation_exists(&name)) {
            return;
        }
        let invoker = bool_option(&stmt.options, SECURITY_INVOKER) == Some(true);
        let depends_on = self.read_relations(stmt.query.as_deref());
        let moved = self.views.get(&name).and_then(|v| v.moved.clone());
        let created = self.views.get(&name).map(|v| v.site.clone());
        self.use_schema(&name.0);
        self.lookups.has_temporary |= name.0 == TEMP_SCHEMA;
        let mut view = new_view(site, false, invoker, depends_on);
        view.site = created.unwrap_or_else(|| site.clone());
        view.moved = moved;
        self.insert_view(name, view);
    }

    /// Adds (or replaces) view `name`, recording it as a reader of the relations it reads.
    fn insert_view(&mut self, name: QualName, view: ViewInfo) {
        self.remove_view(&name);
        for relation in &view.depends_on {
            let readers = self.lookups.readers.entry(relation.clone()).or_default();
            readers.insert(name.clone());
        }
        self.views.insert(name, view);
    }

    /// Removes view `name`, and it from the readers of the relations it reads.
    fn remove_view(&mut self, name: &QualName) -> Option<ViewInfo> {
        let view = self.views.remove(name)?;
        for relation in &view.depends_on {
            if let Some(readers) = self.lookups.readers.get_mut(relation) {
                readers.remove(name);
                if readers.is_empty() {
                    self.lookups.readers.remove(relation);
                }
            }
        }
        Some(view)
    }

    /// The relations a query reads (for `DROP … CASCADE`).
    fn read_relations(&self, query: Option<&Node>) -> std::collections::BTreeSet<QualName> {
        let Some(node) = query.and_then(|q| q.node.as_ref()) else {
            return Default::default();
        };
        node.nodes()
            .into_iter()
            .filter_map(|(n, ..)| match n {
                pg_query::NodeRef::RangeVar(r) => Some(self.relation(r)),
                _ => None,
            })
            .collect()
    }

    fn create_function(&mut self, stmt: &CreateFunctionStmt, site: &Site) {
        let Some((schema, name)) = self.function_name(&stmt.funcname, false) else {
            return;
        };
        let signature = signature_of_parameters(&stmt.parameters);
        let info = FunctionInfo {
            signature: signature.as_str().into(),
            procedure: stmt.is_procedure,
            security_definer: security_definer(&stmt.options).unwrap_or(false),
            pins_search_path: stmt.options.iter().any(sets_search_path),
            config_site: site.clone(),
        };
        self.use_schema(&schema);
        let overloads = self.function_entry((schema, name));
        match overloads.iter_mut().find(|f| f.signature == signature) {
            Some(existing) if stmt.replace => *existing = info,
            Some(_) => {}
            None => {
                // Most functions have one overload: no room for four.
                overloads.reserve_exact(1);
                overloads.push(info);
            }
        }
    }

    fn alter_function(&mut self, stmt: &AlterFunctionStmt, site: &Site) {
        let Some(func) = &stmt.func else { return };
        let Some(function) = self.function_mut(func) else {
            return;
        };
        alter_overload(function, &stmt.actions, site);
    }

    /// The schema and name of a routine name list: qualified as written; unqualified, the
    /// first schema on the path holding such a routine (`existing`), else the creation schema.
    pub(super) fn function_name(&self, names: &[Node], existing: bool) -> Option<QualName> {
        match string_list(names).as_slice() {
            [name] => {
                let found = existing
                    .then(|| {
                        self.search_path
                            .iter()
                            .find(|s| {
                                self.functions
                                    .contains_key(&((*s).as_str().into(), name.as_str().into()))
                            })
                            .cloned()
                    })
                    .flatten();
                Some((
                    found.unwrap_or_else(|| self.creation_schema()).into(),
                    name.as_str().into(),
                ))
            }
            [.., schema, name] => Some((schema.as_str().into(), name.as_str().into())),
            [] => None,
        }
    }

    /// The overload an `ObjectWithArgs` designates (without arguments: the only overload).
    fn function_mut(&mut self, func: &ObjectWithArgs) -> Option<&mut FunctionInfo> {
        let name = self.function_name(&func.objname, true)?;
        let overloads = self.functions.get_mut(&name)?;
        if func.args_unspecified {
            return match overloads.as_mut_slice() {
                [only] => Some(only),
                _ => None,
            };
        }
        let signature = signature_of_types(&func.objargs);
        overloads.iter_mut().find(|f| f.signature == signature)
    }

    fn create_index(&mut self, stmt: &IndexStmt) {
        let Some(rel) = &stmt.relation else { return };
        let table = self.relation(rel);
        let name = (!stmt.idxname.is_empty()).then(|| Name::from(stmt.idxname.as_str()));
        if let Some(name) = &name
            && self.relation_exists(&(table.0.clone(), name.clone()))
        {
            return;
        }
        let index = IndexInfo {
            name,
            columns: index_columns(&stmt.index_params),
            unique: (stmt.unique || stmt.primary) && stmt.where_clause.is_none(),
        };
        self.add_index(&table, index);
    }

    fn add_index(&mut self, table: &QualName, index: IndexInfo) {
        if let Some(name) = &index.name {
            let key = (table.0.clone(), name.clone());
            self.lookups.index_names.insert(key, table.clone());
        }
        self.indexes.push(table, index);
    }

    /// Runs `edit` on the indexes of `table`, keeping the index-name lookup in step.
    fn edit_indexes(&mut self, table: &QualName, edit: impl FnOnce(&mut Vec<IndexInfo>)) {
        self.forget_index_names(table);
        self.indexes.edit(table, edit);
        self.learn_index_names(table);
    }

    /// Adds the names of `table`'s indexes to the index-name lookup.
    fn learn_index_names(&mut self, table: &QualName) {
        for index in self.indexes.of(table) {
            if let Some(name) = &index.name {
                let key = (table.0.clone(), name.clone());
                self.lookups.index_names.insert(key, table.clone());
            }
        }
    }

    /// Removes the names of `table`'s indexes from the index-name lookup.
    fn forget_index_names(&mut self, table: &QualName) {
        for index in self.indexes.of(table) {
            if let Some(name) = &index.name {
                self.lookups
                    .index_names
                    .remove(&(table.0.clone(), name.clone()));
            }
        }
    }

    /// The overloads of function `name`, created empty if it has none (its name counted in the
    /// lookup of names across schemas).
    fn function_entry(&mut self, name: QualName) -> &mut Vec<FunctionInfo> {
        if !self.functions.contains_key(&name) {
            *self
                .lookups
                .function_names
                .entry(name.1.clone())
                .or_default() += 1;
        }
        self.functions.entry(name).or_default()
    }

    /// The names of the functions in `schema`.
    fn functions_in(&self, schema: &str) -> Vec<QualName> {
        self.functions
            .keys()
            .filter(|n| n.0 == schema)
            .cloned()
            .collect()
    }

    /// Removes function `name` with all its overloads, keeping the lookup of names in step.
    fn remove_function(&mut self, name: &QualName) -> Option<Vec<FunctionInfo>> {
        let overloads = self.functions.remove(name)?;
        if let Some(count) = self.lookups.function_names.get_mut(name.1.as_str()) {
            *count -= 1;
            if *count == 0 {
                self.lookups.function_names.remove(name.1.as_str());
            }
        }
        Some(overloads)
    }

    pub(super) fn alter_table(&mut self, stmt: &AlterTableStmt, site: &Site) {
        let Some(rel) = &stmt.relation else { return };
        let name = self.relation(rel);
        for cmd in &stmt.cmds {
            let Some(NodeEnum::AlterTableCmd(cmd)) = cmd.node.as_ref() else {
                continue;
            };
            let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
            match (AlterTableType::try_from(cmd.subtype), def) {
                (Ok(AlterTableType::AtEnableRowSecurity), _) => self.set_rls(&name, true, site),
                (Ok(AlterTableType::AtDisableRowSecurity), _) => self.set_rls(&name, false, site),
                (Ok(AlterTableType::AtAddConstraint), Some(NodeEnum::Constraint(c)))
                    if self.tables.contains_key(&name) =>
                {
                    self.add_constraint(&name, c, None, site);
                }
                (Ok(AlterTableType::AtAddColumn), Some(NodeEnum::ColumnDef(column)))
                    if self.tables.contains_key(&name) =>
                {
                    for constraint in &column.constraints {
                        if let Some(NodeEnum::Constraint(c)) = constraint.node.as_ref() {
                            self.add_constraint(&name, c, Some(&column.colname), site);
                        }
                    }
                }
                (Ok(AlterTableType::AtDropConstraint), _) => {
                    self.drop_constraint(&name, &cmd.name);
                }
                (Ok(AlterTableType::AtDropColumn), _) => {
                    self.drop_column(&name, &cmd.name);
                }
                (Ok(AlterTableType::AtSetRelOptions), Some(NodeEnum::List(list))) => {
                    if let Some(invoker) = bool_option(&list.items, SECURITY_INVOKER) {
                        self.set_invoker(&name, invoker, site);
                    }
                }
                (Ok(AlterTableType::AtResetRelOptions), Some(NodeEnum::List(list)))
                    if options_name(&list.items, SECURITY_INVOKER) =>
                {
                    self.set_invoker(&name, false, site);
                }
                _ => {}
            }
        }
    }

    fn set_rls(&mut self, table: &QualName, enabled: bool, site: &Site) {
        if let Some(table) = self.tables.get_mut(table)
            && table.rls_enabled != enabled
        {
            table.rls_enabled = enabled;
            table.rls_site = site.clone();
        }
    }

    fn set_invoker(&mut self, view: &QualName, invoker: bool, site: &Site) {
        if let Some(view) = self.views.get_mut(view)
            && view.security_invoker != invoker
        {
            view.security_invoker = invoker;
            view.invoker_site = site.clone();
        }
    }

    fn drop_constraint(&mut self, table: &QualName, constraint: &str) {
        let named = |name: &Option<Name>| name.as_deref() == Some(constraint);
        self.foreign_keys
            .edit(table, |fks| fks.retain(|fk| !named(&fk.name)));
        self.edit_indexes(table, |indexes| indexes.retain(|i| !named(&i.name)));
    }

    fn drop_column(&mut self, table: &QualName, column: &str) {
        let uses = |columns: &[Name]| columns.iter().any(|c| c == column);
        self.foreign_keys
            .edit(table, |fks| fks.retain(|fk| !uses(&fk.columns)));
        self.edit_indexes(table, |indexes| indexes.retain(|i| !uses(&i.columns)));
    }

    fn create_schema(&mut self, stmt: &CreateSchemaStmt, site: &Site) {
        let name = if stmt.schemaname.is_empty() {
            match stmt.authrole.as_ref() {
                Some(role) if !role.rolename.is_empty() => role.rolename.clone(),
                _ => return,
            }
        } else {
            stmt.schemaname.clone()
        };
        if self.schemas.contains_key(&name) {
            return;
        }
        self.schemas.insert(name.clone(), site.clone());
        self.use_schema(&name);
        let saved = std::mem::replace(&mut self.search_path, vec![name]);
        for element in &stmt.schema_elts {
            if let Some(node) = element.node.as_ref() {
                self.apply(node, site);
            }
        }
        self.search_path = saved;
    }

    fn create_extension(&mut self, stmt: &CreateExtensionStmt) {
        if self.extensions.contains_key(&stmt.extname) {
            return;
        }
        let requested = stmt.options.iter().find_map(|o| match o.node.as_ref() {
            Some(NodeEnum::DefElem(d)) if d.defname == "schema" => {
                match d.arg.as_ref()?.node.as_ref()? {
                    NodeEnum::String(s) => Some(s.sval.clone()),
                    _ => None,
                }
            }
            _ => None,
        });
        let schema = providers::fixed_schema(&stmt.extname)
            .map(str::to_string)
            .or(requested)
            .unwrap_or_else(|| self.creation_schema());
        self.extensions
            .insert(stmt.extname.clone(), ExtensionInfo { schema });
    }

    fn rename(&mut self, stmt: &RenameStmt, site: &Site) {
        match ObjectType::try_from(stmt.rename_type) {
            Ok(kind) if is_relation(kind) => {
                let Some(rel) = &stmt.relation else { return };
                let from = self.relation(rel);
                let to = (from.0.clone(), stmt.newname.as_str().into());
                self.move_relation(&from, to, site);
            }
            Ok(ObjectType::ObjectIndex) => {
                let Some(rel) = &stmt.relation else { return };
                let from = self.relation(rel);
                let Some(table) = self.lookups.index_names.get(&from).cloned() else {
                    return;
                };
                self.edit_indexes(&table, |indexes| {
                    for index in indexes {
                        if index.name.as_deref() == Some(from.1.as_str()) {
                            index.name = Some(stmt.newname.as_str().into());
                        }
                    }
                });
            }
            Ok(ObjectType::ObjectPolicy) => {
                let Some(rel) = &stmt.relation else { return };
                let table = self.relation(rel);
                self.policies.edit(&table, |policies| {
                    if let Some(policy) = policies.iter_mut().find(|p| p.name == stmt.subname) {
                        policy.name = stmt.newname.as_str().into();
                    }
                });
            }
            Ok(ObjectType::ObjectTabconstraint) => {
                let Some(rel) = &stmt.relation else { return };
                let table = self.relation(rel);
                let rename = |name: &mut Option<Name>| {
                    if name.as_deref() == Some(stmt.subname.as_str()) {
                        *name = Some(stmt.newname.as_str().into());
                    }
                };
                self.foreign_keys.edit(&table, |fks| {
                    fks.iter_mut().for_each(|fk| rename(&mut fk.name))
                });
                self.edit_indexes(&table, |indexes| {
                    indexes.iter_mut().for_each(|i| rename(&mut i.name));
                });
            }
            Ok(ObjectType::ObjectColumn) => {
                let Some(rel) = &stmt.relation else { return };
                let table = self.relation(rel);
                let rename = |columns: &mut Vec<Name>| {
                    for column in columns.iter_mut().filter(|c| **c == stmt.subname) {
                        *column = stmt.newname.as_str().into();
                    }
                };
                self.foreign_keys.edit(&table, |fks| {
                    fks.iter_mut().for_each(|fk| rename(&mut fk.columns))
                });
                self.indexes.edit(&table, |indexes| {
                    indexes.iter_mut().for_each(|i| rename(&mut i.columns));
                });
            }
            Ok(ObjectType::ObjectSchema) => self.rename_schema(&stmt.subname, &stmt.newname, site),
            Ok(kind) if is_routine(kind) => {
                if let Some(func) = routine_of(stmt.object.as_deref()) {
                    self.move_function(func, None, &stmt.newname);
                }
            }
            _ => {}
        }
    }

    fn set_schema(&mut self, stmt: &AlterObjectSchemaStmt, site: &Site) {
        match ObjectType::try_from(stmt.object_type) {
            Ok(kind) if is_relation(kind) => {
                let Some(rel) = &stmt.relation else { return };
                let from = self.relation(rel);
                let to = (stmt.newschema.as_str().into(), from.1.clone());
                self.move_relation(&from, to, site);
            }
            Ok(kind) if is_routine(kind) => {
                let Some(func) = routine_of(stmt.object.as_deref()) else {
                    return;
                };
                let Some(name) = self.function_name(&func.objname, true) else {
                    return;
                };
                self.move_function(func, Some(&stmt.newschema), &name.1);
            }
            Ok(ObjectType::ObjectExtension) => {
                if let Some(NodeEnum::String(name)) =
                    stmt.object.as_ref().and_then(|o| o.node.as_ref())
                    && let Some(extension) = self.extensions.get_mut(&name.sval)
                {
                    extension.schema = stmt.newschema.clone();
                }
            }
            _ => {}
        }
    }

    /// Moves a table or view (and what hangs off it) to a new name.
    fn move_relation(&mut self, from: &QualName, to: QualName, site: &Site) {
        if from == &to || self.relation_exists(&to) {
            return;
        }
        self.use_schema(&to.0);
        if let Some(mut table) = self.tables.remove(from) {
            table.moved = Some(Box::new(site.clone()));
            self.tables.insert(to.clone(), table);
        } else if let Some(mut view) = self.remove_view(from) {
            view.moved = Some(site.clone());
            self.insert_view(to.clone(), view);
        } else {
            return;
        }
        self.retarget(from, &to);
    }

    /// Points indexes, foreign keys, policies and view dependencies at a moved relation.
    fn retarget(&mut self, from: &QualName, to: &QualName) {
        self.forget_index_names(from);
        self.indexes.move_table(from, to);
        self.learn_index_names(to);
        self.foreign_keys.move_table(from, to);
        self.policies.move_table(from, to);
        let readers = self.lookups.readers.remove(from).unwrap_or_default();
        for reader in &readers {
            if let Some(view) = self.views.get_mut(reader) {
                view.depends_on.remove(from);
                view.depends_on.insert(to.clone());
            }
        }
        if !readers.is_empty() {
            self.lookups
                .readers
                .entry(to.clone())
                .or_default()
                .extend(readers);
        }
    }

    fn rename_schema(&mut self, from: &str, to: &str, site: &Site) {
        if let Some(created) = self.schemas.remove(from) {
            self.schemas.insert(to.to_string(), created);
        }
        let moved = |names: Vec<QualName>| -> Vec<(QualName, QualName)> {
            names
                .into_iter()
                .map(|n| {
                    let target = (to.into(), n.1.clone());
                    (n, target)
                })
                .collect()
        };
        let relations: Vec<QualName> = self
            .tables
            .keys()
            .chain(self.views.keys())
            .filter(|n| n.0 == from)
            .cloned()
            .collect();
        for (old, new) in moved(relations) {
            self.move_relation(&old, new, site);
        }
        for (old, new) in moved(self.functions_in(from)) {
            if let Some(overloads) = self.remove_function(&old) {
                *self.function_entry(new) = overloads;
            }
        }
        for extension in self.extensions.values_mut().filter(|e| e.schema == from) {
            extension.schema = to.to_string();
        }
    }

    /// Moves one overload to `schema` (or its own) under `name`.
    fn move_function(&mut self, func: &ObjectWithArgs, schema: Option<&str>, name: &str) {
        let Some(from) = self.function_name(&func.objname, true) else {
            return;
        };
        let signature = match self.function_mut(func) {
            Some(f) => f.signature.clone(),
            None => return,
        };
        let Some(overloads) = self.functions.get_mut(&from) else {
            return;
        };
        let Some(i) = overloads.iter().position(|f| f.signature == signature) else {
            return;
        };
        let function = overloads.remove(i);
        if overloads.is_empty() {
            self.remove_function(&from);
        }
        let to = (schema.unwrap_or(&from.0).into(), name.into());
        self.function_entry(to).push(function);
    }

    fn drop(&mut self, stmt: &DropStmt) {
        let cascade = stmt.behavior == pg_query::protobuf::DropBehavior::DropCascade as i32;
        let kind = ObjectType::try_from(stmt.remove_type);
        for object in &stmt.objects {
            match (kind, object.node.as_ref()) {
                (Ok(kind), Some(NodeEnum::List(list))) if is_relation(kind) => {
                    if let Some(name) = self.existing_relation(&list.items) {
                        self.drop_relation(&name, cascade);
                    }
                }
                (Ok(ObjectType::ObjectIndex), Some(NodeEnum::List(list))) => {
                    if let Some(name) = self.existing_relation(&list.items)
                        && let Some(table) = self.lookups.index_names.get(&name).cloned()
                    {
                        self.edit_indexes(&table, |indexes| {
                            indexes.retain(|i| i.name.as_deref() != Some(name.1.as_str()));
                        });
                    }
                }
                (Ok(ObjectType::ObjectPolicy), Some(NodeEnum::List(list))) => {
                    let names = string_list(&list.items);
                    if let Some((policy, table)) = names.split_last()
                        && let Some(table) = self.existing_relation_names(table)
                    {
                        self.policies
                            .edit(&table, |policies| policies.retain(|p| p.name != policy));
                    }
                }
                (Ok(kind), Some(NodeEnum::ObjectWithArgs(func))) if is_routine(kind) => {
                    self.drop_function(func);
                }
                (Ok(ObjectType::ObjectSchema), Some(NodeEnum::String(schema))) => {
                    self.drop_schema(&schema.sval, cascade);
                }
                (Ok(ObjectType::ObjectExtension), Some(NodeEnum::String(extension))) => {
                    self.extensions.remove(&extension.sval);
                }
                _ => {}
            }
        }
    }

    /// The relation a dropped or altered name list designates (resolved like a `RangeVar`).
    fn existing_relation(&self, names: &[Node]) -> Option<QualName> {
        self.existing_relation_names(&string_list(names))
    }

    fn existing_relation_names(&self, names: &[String]) -> Option<QualName> {
        let range = super::range_of(names)?;
        if names.len() == 1 {
            // An index is found in the schemas of the path too.
            let index_schema = std::iter::once(TEMP_SCHEMA)
                .chain(self.search_path.iter().map(String::as_str))
                .find(|schema| {
                    let key = ((*schema).into(), names[0].as_str().into());
                    self.lookups.index_names.contains_key(&key)
                });
            if let Some(schema) = index_schema
                && !self
                    .tables
                    .contains_key(&(schema.into(), names[0].as_str().into()))
            {
                return Some((schema.into(), names[0].as_str().into()));
            }
        }
        Some(self.relation(&range))
    }

    /// Drops a table or view with its indexes, foreign keys and policies; with `cascade`, the
    /// views that read it too.
    fn drop_relation(&mut self, name: &QualName, cascade: bool) {
        let dependents: Vec<QualName> = self
            .lookups
            .readers
            .get(name)
            .map(|readers| readers.iter().cloned().collect())
            .unwrap_or_default();
        if !dependents.is_empty() && !cascade {
            return;
        }
        if self.tables.remove(name).is_none() && self.remove_view(name).is_none() {
            return;
        }
        self.forget_index_names(name);
        self.indexes.remove(name);
        self.foreign_keys.remove(name);
        self.policies.remove(name);
        for dependent in dependents {
            self.drop_relation(&dependent, true);
        }
    }

    fn drop_function(&mut self, func: &ObjectWithArgs) {
        let Some(name) = self.function_name(&func.objname, true) else {
            return;
        };
        let Some(overloads) = self.functions.get_mut(&name) else {
            return;
        };
        if func.args_unspecified {
            if overloads.len() == 1 {
                self.remove_function(&name);
            }
            return;
        }
        let signature = signature_of_types(&func.objargs);
        overloads.retain(|f| f.signature != signature);
        if overloads.is_empty() {
            self.remove_function(&name);
        }
    }

    /// `DROP SCHEMA`: refused by PostgreSQL while the schema holds objects, unless `CASCADE`.
    fn drop_schema(&mut self, schema: &str, cascade: bool) {
        let relations: Vec<QualName> = self
            .tables
            .keys()
            .chain(self.views.keys())
            .filter(|n| n.0 == schema)
            .cloned()
            .collect();
        let holds_functions = self.functions.keys().any(|n| n.0 == schema);
        if !cascade && (!relations.is_empty() || holds_functions) {
            return;
        }
        for relation in relations {
            self.drop_relation(&relation, true);
        }
        for function in self.functions_in(schema) {
            self.remove_function(&function);
        }
        self.extensions.retain(|_, e| e.schema != schema);
        self.schemas.remove(schema);
    }

    /// `SET search_path …`, `RESET search_path`.
    fn set_variable(&mut self, stmt: &VariableSetStmt) {
        if !is_search_path(stmt) {
            if stmt.kind == VariableSetKind::VarResetAll as i32 {
                self.search_path = super::default_search_path();
            }
            return;
        }
        match VariableSetKind::try_from(stmt.kind) {
            Ok(VariableSetKind::VarSetValue) => {
                self.search_path = stmt.args.iter().filter_map(constant_text).collect();
            }
            Ok(VariableSetKind::VarSetDefault | VariableSetKind::VarReset) => {
                self.search_path = super::default_search_path();
            }
            _ => {}
        }
    }

    /// `SELECT [pg_catalog.]set_config('search_path', '<list>', …)` (pg_dump's form).
    fn set_config(&mut self, stmt: &pg_query::protobuf::SelectStmt) {
        let [target] = stmt.target_list.as_slice() else {
            return;
        };
        let Some(NodeEnum::ResTarget(target)) = target.node.as_ref() else {
            return;
        };
        let Some(NodeEnum::FuncCall(call)) = target.val.as_ref().and_then(|v| v.node.as_ref())
        else {
            return;
        };
        if string_list(&call.funcname).last().map(String::as_str) != Some("set_config") {
            return;
        }
        let args: Vec<Option<String>> = call.args.iter().map(constant_text).collect();
        if let [Some(name), Some(value), ..] = args.as_slice()
            && name == "search_path"
        {
            self.search_path = value
                .split(',')
                .map(|s| s.trim().trim_matches('"').to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
}

/// Functions, procedures and routines.
fn is_routine(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectFunction | ObjectType::ObjectProcedure | ObjectType::ObjectRoutine
    )
}

/// The routine an `ALTER … RENAME|SET SCHEMA` names.
fn routine_of(object: Option<&Node>) -> Option<&ObjectWithArgs> {
    match object?.node.as_ref()? {
        NodeEnum::ObjectWithArgs(func) => Some(func),
        _ => None,
    }
}

/// Object types that live in the relation namespace (`ALTER TABLE` reaches them all).
fn is_relation(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectForeignTable
    )
}

fn new_view(
    site: &Site,
    materialized: bool,
    security_invoker: bool,
    depends_on: std::collections::BTreeSet<QualName>,
) -> ViewInfo {
    ViewInfo {
        site: site.clone(),
        materialized,
        security_invoker,
        invoker_site: site.clone(),
        moved: None,
        depends_on,
    }
}

/// `SECURITY DEFINER` (`Some(true)`) or `SECURITY INVOKER` (`Some(false)`) in routine options.
pub(super) fn security_definer(options: &[Node]) -> Option<bool> {
    options.iter().rev().find_map(|o| match o.node.as_ref() {
        Some(NodeEnum::DefElem(d)) if d.defname == "security" => {
            match d.arg.as_ref()?.node.as_ref()? {
                NodeEnum::Boolean(b) => Some(b.boolval),
                _ => None,
            }
        }
        _ => None,
    })
}

/// The `SET …`/`RESET …` of a routine option.
fn set_action(option: &Node) -> Option<&VariableSetStmt> {
    match option.node.as_ref()? {
        NodeEnum::DefElem(d) if d.defname == "set" => match d.arg.as_ref()?.node.as_ref()? {
            NodeEnum::VariableSetStmt(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a routine option pins `search_path` (`SET search_path = …` / `FROM CURRENT`).
pub(super) fn sets_search_path(option: &Node) -> bool {
    set_action(option).is_some_and(|set| {
        is_search_path(set)
            && matches!(
                VariableSetKind::try_from(set.kind),
                Ok(VariableSetKind::VarSetValue | VariableSetKind::VarSetCurrent)
            )
    })
}

fn is_search_path(set: &VariableSetStmt) -> bool {
    set.name.eq_ignore_ascii_case("search_path")
}

fn constant_text(node: &Node) -> Option<String> {
    use pg_query::protobuf::a_const::Val;
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        NodeEnum::String(s) => Some(s.sval.clone()),
        _ => None,
    }
}

/// The overload identity of a `CREATE FUNCTION` parameter list: its input types.
fn signature_of_parameters(parameters: &[Node]) -> String {
    let inputs: Vec<&TypeName> = parameters
        .iter()
        .filter_map(|p| match p.node.as_ref() {
            Some(NodeEnum::FunctionParameter(p))
                if !matches!(
                    FunctionParameterMode::try_from(p.mode),
                    Ok(FunctionParameterMode::FuncParamOut | FunctionParameterMode::FuncParamTable)
                ) =>
            {
                p.arg_type.as_ref()
            }
            _ => None,
        })
        .collect();
    inputs
        .into_iter()
        .map(type_key)
        .collect::<Vec<_>>()
        .join(",")
}

/// The overload identity of an `ObjectWithArgs` argument list.
pub(super) fn signature_of_types(types: &[Node]) -> String {
    types
        .iter()
        .filter_map(|t| match t.node.as_ref() {
            Some(NodeEnum::TypeName(t)) => Some(type_key(t)),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A type name normalised for comparing signatures (`pg_catalog.` and `public.` dropped).
fn type_key(t: &TypeName) -> String {
    let names = string_list(&t.names);
    let names: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .skip_while(|n| matches!(*n, "pg_catalog" | "public") && names.len() > 1)
        .collect();
    let arrays = "[]".repeat(t.array_bounds.len());
    let pct = if t.pct_type { "%type" } else { "" };
    format!("{}{pct}{arrays}", names.join(".")).to_ascii_lowercase()
}

/// Plain column names of index elements (expressions give empty names).
fn index_columns(params: &[Node]) -> Vec<Name> {
    params
        .iter()
        .map(|p| match p.node.as_ref() {
            Some(NodeEnum::IndexElem(e)) => e.name.as_str().into(),
            _ => Name::default(),
        })
        .collect()
}

/// The strings of a parse-tree name list, as names.
fn names_of(nodes: &[Node]) -> Vec<Name> {
    string_list(nodes).into_iter().map(Name::from).collect()
}

/// Applies the actions of an `ALTER FUNCTION` (`SECURITY DEFINER|INVOKER`, `SET|RESET
/// search_path`, `RESET ALL`) to one overload.
pub(super) fn alter_overload(function: &mut FunctionInfo, actions: &[Node], site: &Site) {
    let was_unsafe = function.definer_without_search_path();
    if let Some(definer) = security_definer(actions) {
        function.security_definer = definer;
    }
    for action in actions {
        if let Some(set) = set_action(action) {
            let resets = set.kind == VariableSetKind::VarResetAll as i32
                || (set.kind == VariableSetKind::VarReset as i32 && is_search_path(set));
            if resets {
                function.pins_search_path = false;
            } else if is_search_path(set) {
                function.pins_search_path = true;
            }
        }
    }
    if function.definer_without_search_path() && !was_unsafe {
        function.config_site = site.clone();
    }
}
