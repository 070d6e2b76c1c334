//! What a statement needs from the role that runs it, read from its parse tree: CREATE on the
//! schema an object goes into, ownership of the objects it alters, comments on or drops, table
//! privileges, policy rights, extensions, role changes and memberships.
//!
//! Pure and static: the privilege preflight (`migrate::privileges`) checks these needs against
//! the live catalog, and the `supabase-reserved-schema` lint rule against Supabase's platform
//! facts.

use pg_query::NodeEnum;
use pg_query::protobuf::{
    ConstrType, Node, ObjectType, ObjectWithArgs, RangeVar, RenameStmt, RoleSpec, RoleSpecType,
    a_const::Val,
};

/// An object name as written: schema-qualified or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name {
    /// The schema, when written.
    pub schema: Option<String>,
    /// The object's own name.
    pub name: String,
}

impl Name {
    /// `schema.name`, or `name` when unqualified.
    pub fn display(&self) -> String {
        match &self.schema {
            Some(schema) => format!("{schema}.{}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether the name is qualified with `schema`.
    pub fn in_schema(&self, schema: impl Fn(&str) -> bool) -> bool {
        self.schema.as_deref().is_some_and(schema)
    }

    fn from_range(range: &RangeVar) -> Name {
        Name {
            schema: (!range.schemaname.is_empty()).then(|| range.schemaname.clone()),
            name: range.relname.clone(),
        }
    }

    /// From a `[schema,] name` list; longer lists (`db.schema.name`) keep the last two.
    fn from_list(nodes: &[Node]) -> Option<Name> {
        let parts = strings(nodes);
        let (name, rest) = parts.split_last()?;
        Some(Name {
            schema: rest.last().cloned(),
            name: name.clone(),
        })
    }
}

/// Kinds of objects a statement must own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owned {
    /// A table, view, materialized view, sequence, index or foreign table.
    Relation,
    /// A function, procedure or aggregate (by name: any overload).
    Function,
    /// A schema.
    Schema,
    /// A type or domain.
    Type,
}

/// How a statement changes a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleChange {
    /// `CREATE ROLE`.
    Create,
    /// `ALTER ROLE … LOGIN | BYPASSRLS | CONNECTION LIMIT | PASSWORD …`.
    Attributes,
    /// `ALTER ROLE … SET | RESET`.
    Settings,
    /// `ALTER ROLE … RENAME TO`.
    Rename,
    /// `DROP ROLE`.
    Drop,
}

/// One thing a statement needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Need {
    /// CREATE on the schema `object` is created in (unqualified: the first schema of the
    /// search_path).
    CreateIn {
        /// The object created.
        object: Name,
        /// What it is (`table`, `function`, …).
        kind: &'static str,
    },
    /// `CREATE SCHEMA`: CREATE on the database.
    CreateSchema {
        /// The schema.
        name: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// Ownership of an existing object (for a drop, ownership of its schema also does).
    Own {
        /// What kind of object.
        kind: Owned,
        /// Its name.
        object: Name,
        /// Whether the statement drops it.
        drop: bool,
    },
    /// A privilege on an existing table (`TRIGGER` for CREATE TRIGGER, `REFERENCES` for a
    /// foreign key).
    TablePrivilege {
        /// The table.
        table: Name,
        /// The privilege.
        privilege: &'static str,
    },
    /// Dropping or commenting on a trigger: ownership of its table, when the trigger exists.
    Trigger {
        /// The table.
        table: Name,
        /// The trigger.
        trigger: String,
        /// `IF EXISTS` (a missing trigger is then only a notice).
        if_exists: bool,
    },
    /// Managing a policy on a table: ownership, or a supautils policy grant. `policy` is set
    /// for a drop, which needs nothing when the policy does not exist.
    Policy {
        /// The table.
        table: Name,
        /// The dropped policy.
        policy: Option<String>,
    },
    /// Creating an extension.
    Extension {
        /// Its name.
        name: String,
    },
    /// Changing a role.
    Role {
        /// The role.
        role: String,
        /// How.
        change: RoleChange,
        /// The attributes set (`bypassrls`, `isreplication`, `superuser`, `canlogin`, …) by a
        /// CREATE or an attribute change; the parameter of a settings change.
        attributes: Vec<String>,
    },
    /// Granting membership in `role` to `grantee`.
    Membership {
        /// The granted role.
        role: String,
        /// Who receives it.
        grantee: String,
    },
    /// Acting as `role` (`SET ROLE`, `ALTER DEFAULT PRIVILEGES FOR ROLE`, `OWNER TO`).
    ActAs {
        /// The role.
        role: String,
    },
}

/// A need and the statement that has it, e.g. `ALTER TABLE`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Requirement {
    /// The statement's command, for messages.
    pub verb: &'static str,
    /// What it needs.
    pub need: Need,
}

/// Everything `node` needs from the role that runs it.
pub fn requirements(node: &NodeEnum) -> Vec<Requirement> {
    let mut out = Vec::new();
    collect(node, &mut out);
    out
}

/// The trigger `node` creates, as (table, trigger), if it is a `CREATE TRIGGER`.
pub fn created_trigger(node: &NodeEnum) -> Option<(Name, String)> {
    match node {
        NodeEnum::CreateTrigStmt(stmt) => Some((
            Name::from_range(stmt.relation.as_ref()?),
            stmt.trigname.clone(),
        )),
        _ => None,
    }
}

fn push(out: &mut Vec<Requirement>, verb: &'static str, need: Need) {
    out.push(Requirement { verb, need });
}

fn create_in(out: &mut Vec<Requirement>, verb: &'static str, kind: &'static str, object: Name) {
    push(out, verb, Need::CreateIn { object, kind });
}

fn own(out: &mut Vec<Requirement>, verb: &'static str, kind: Owned, object: Name, drop: bool) {
    push(out, verb, Need::Own { kind, object, drop });
}

fn collect(node: &NodeEnum, out: &mut Vec<Requirement>) {
    match node {
        NodeEnum::CreateStmt(stmt) => create_table(stmt, "CREATE TABLE", out),
        NodeEnum::CreateForeignTableStmt(stmt) => {
            if let Some(base) = &stmt.base_stmt {
                create_table(base, "CREATE FOREIGN TABLE", out);
            }
        }
        NodeEnum::ViewStmt(stmt) => {
            if let Some(view) = stmt.view.as_ref().filter(|v| !is_temp(v)) {
                create_in(out, "CREATE VIEW", "view", Name::from_range(view));
            }
        }
        NodeEnum::CreateTableAsStmt(stmt) => {
            if let Some(rel) = stmt.into.as_ref().and_then(|i| i.rel.as_ref())
                && !is_temp(rel)
            {
                let (verb, kind) = if stmt.objtype == ObjectType::ObjectMatview as i32 {
                    ("CREATE MATERIALIZED VIEW", "materialized view")
                } else {
                    ("CREATE TABLE AS", "table")
                };
                create_in(out, verb, kind, Name::from_range(rel));
            }
        }
        NodeEnum::CreateSeqStmt(stmt) => {
            if let Some(seq) = stmt.sequence.as_ref().filter(|s| !is_temp(s)) {
                create_in(out, "CREATE SEQUENCE", "sequence", Name::from_range(seq));
            }
        }
        NodeEnum::CreateFunctionStmt(stmt) => {
            let (verb, kind) = if stmt.is_procedure {
                ("CREATE PROCEDURE", "procedure")
            } else {
                ("CREATE FUNCTION", "function")
            };
            if let Some(name) = Name::from_list(&stmt.funcname) {
                create_in(out, verb, kind, name.clone());
                if stmt.replace {
                    own(out, verb, Owned::Function, name, false);
                }
            }
        }
        NodeEnum::DefineStmt(stmt) => {
            if let Some(name) = Name::from_list(&stmt.defnames) {
                create_in(out, "CREATE", "object", name);
            }
        }
        NodeEnum::CompositeTypeStmt(stmt) => {
            if let Some(var) = &stmt.typevar {
                create_in(out, "CREATE TYPE", "type", Name::from_range(var));
            }
        }
        NodeEnum::CreateEnumStmt(stmt) => type_created(&stmt.type_name, out),
        NodeEnum::CreateRangeStmt(stmt) => type_created(&stmt.type_name, out),
        NodeEnum::CreateDomainStmt(stmt) => {
            if let Some(name) = Name::from_list(&stmt.domainname) {
                create_in(out, "CREATE DOMAIN", "domain", name);
            }
        }
        NodeEnum::IndexStmt(stmt) => {
            if let Some(table) = &stmt.relation {
                own(
                    out,
                    "CREATE INDEX",
                    Owned::Relation,
                    Name::from_range(table),
                    false,
                );
            }
        }
        NodeEnum::CreateTrigStmt(stmt) => {
            // CREATE OR REPLACE of an existing trigger needs no more than creating it.
            if let Some(table) = &stmt.relation {
                push(
                    out,
                    "CREATE TRIGGER",
                    Need::TablePrivilege {
                        table: Name::from_range(table),
                        privilege: "TRIGGER",
                    },
                );
            }
        }
        NodeEnum::RuleStmt(stmt) => {
            if let Some(table) = &stmt.relation {
                own(
                    out,
                    "CREATE RULE",
                    Owned::Relation,
                    Name::from_range(table),
                    false,
                );
            }
        }
        NodeEnum::CreatePolicyStmt(stmt) => policy(&stmt.table, "CREATE POLICY", None, out),
        NodeEnum::AlterPolicyStmt(stmt) => policy(&stmt.table, "ALTER POLICY", None, out),
        NodeEnum::AlterTableStmt(stmt) => {
            if let Some(table) = &stmt.relation {
                own(
                    out,
                    alter_verb(stmt.objtype),
                    Owned::Relation,
                    Name::from_range(table),
                    false,
                );
            }
        }
        NodeEnum::AlterSeqStmt(stmt) => {
            if let Some(seq) = &stmt.sequence {
                own(
                    out,
                    "ALTER SEQUENCE",
                    Owned::Relation,
                    Name::from_range(seq),
                    false,
                );
            }
        }
        NodeEnum::AlterFunctionStmt(stmt) => {
            if let Some(name) = stmt.func.as_ref().and_then(function_name) {
                own(out, "ALTER FUNCTION", Owned::Function, name, false);
            }
        }
        NodeEnum::AlterEnumStmt(stmt) => {
            if let Some(name) = Name::from_list(&stmt.type_name) {
                own(out, "ALTER TYPE", Owned::Type, name, false);
            }
        }
        NodeEnum::AlterDomainStmt(stmt) => {
            if let Some(name) = Name::from_list(&stmt.type_name) {
                own(out, "ALTER DOMAIN", Owned::Type, name, false);
            }
        }
        NodeEnum::AlterObjectSchemaStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.object_type).unwrap_or(ObjectType::Undefined);
            if let Some((owned, name)) =
                target(kind, stmt.relation.as_ref(), stmt.object.as_deref())
            {
                create_in(
                    out,
                    "SET SCHEMA",
                    "object",
                    Name {
                        schema: Some(stmt.newschema.clone()),
                        name: name.name.clone(),
                    },
                );
                own(out, "SET SCHEMA", owned, name, false);
            }
        }
        NodeEnum::AlterOwnerStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.object_type).unwrap_or(ObjectType::Undefined);
            if let Some((owned, name)) =
                target(kind, stmt.relation.as_ref(), stmt.object.as_deref())
            {
                own(out, "OWNER TO", owned, name, false);
            }
            if let Some(role) = stmt.newowner.as_ref().and_then(role_name) {
                push(out, "OWNER TO", Need::ActAs { role });
            }
        }
        NodeEnum::RenameStmt(stmt) => rename(stmt, out),
        NodeEnum::CommentStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.objtype).unwrap_or(ObjectType::Undefined);
            commented(kind, stmt.object.as_deref(), out);
        }
        NodeEnum::DropStmt(stmt) => {
            let kind = ObjectType::try_from(stmt.remove_type).unwrap_or(ObjectType::Undefined);
            for object in &stmt.objects {
                dropped(kind, object, stmt.missing_ok, out);
            }
        }
        NodeEnum::CreateSchemaStmt(stmt) if !stmt.schemaname.is_empty() => push(
            out,
            "CREATE SCHEMA",
            Need::CreateSchema {
                name: stmt.schemaname.clone(),
                if_not_exists: stmt.if_not_exists,
            },
        ),
        NodeEnum::CreateExtensionStmt(stmt) => push(
            out,
            "CREATE EXTENSION",
            Need::Extension {
                name: stmt.extname.clone(),
            },
        ),
        NodeEnum::AlterRoleStmt(stmt) => {
            if let Some(role) = stmt.role.as_ref().and_then(role_name) {
                push(
                    out,
                    "ALTER ROLE",
                    Need::Role {
                        role,
                        change: RoleChange::Attributes,
                        attributes: option_names(&stmt.options),
                    },
                );
            }
        }
        NodeEnum::AlterRoleSetStmt(stmt) => {
            if let Some(role) = stmt.role.as_ref().and_then(role_name) {
                push(
                    out,
                    "ALTER ROLE",
                    Need::Role {
                        role,
                        change: RoleChange::Settings,
                        attributes: stmt.setstmt.iter().map(|set| set.name.clone()).collect(),
                    },
                );
            }
        }
        NodeEnum::DropRoleStmt(stmt) => {
            for role in stmt.roles.iter().filter_map(role_node) {
                push(
                    out,
                    "DROP ROLE",
                    Need::Role {
                        role,
                        change: RoleChange::Drop,
                        attributes: Vec::new(),
                    },
                );
            }
        }
        NodeEnum::CreateRoleStmt(stmt) => {
            push(
                out,
                "CREATE ROLE",
                Need::Role {
                    role: stmt.role.clone(),
                    change: RoleChange::Create,
                    attributes: option_names(&stmt.options),
                },
            );
            for role in option_roles(&stmt.options, "addroleto") {
                push(
                    out,
                    "CREATE ROLE",
                    Need::Membership {
                        role,
                        grantee: stmt.role.clone(),
                    },
                );
            }
        }
        NodeEnum::GrantRoleStmt(stmt) if stmt.is_grant => {
            let grantees: Vec<String> = stmt.grantee_roles.iter().filter_map(role_node).collect();
            for granted in &stmt.granted_roles {
                let Some(NodeEnum::AccessPriv(privilege)) = granted.node.as_ref() else {
                    continue;
                };
                for grantee in &grantees {
                    push(
                        out,
                        "GRANT",
                        Need::Membership {
                            role: privilege.priv_name.clone(),
                            grantee: grantee.clone(),
                        },
                    );
                }
            }
        }
        NodeEnum::AlterDefaultPrivilegesStmt(stmt) => {
            for role in option_roles(&stmt.options, "roles") {
                push(out, "ALTER DEFAULT PRIVILEGES", Need::ActAs { role });
            }
        }
        NodeEnum::VariableSetStmt(stmt) if stmt.name == "role" => {
            if let Some(role) = stmt.args.first().and_then(constant_string) {
                push(out, "SET ROLE", Need::ActAs { role });
            }
        }
        _ => {}
    }
}

fn create_table(
    stmt: &pg_query::protobuf::CreateStmt,
    verb: &'static str,
    out: &mut Vec<Requirement>,
) {
    let Some(table) = stmt.relation.as_ref().filter(|t| !is_temp(t)) else {
        return;
    };
    create_in(out, verb, "table", Name::from_range(table));
    for parent in &stmt.inh_relations {
        if let Some(NodeEnum::RangeVar(parent)) = parent.node.as_ref() {
            own(out, verb, Owned::Relation, Name::from_range(parent), false);
        }
    }
    let column_constraints = stmt.table_elts.iter().flat_map(|e| match e.node.as_ref() {
        Some(NodeEnum::ColumnDef(column)) => column.constraints.as_slice(),
        _ => &[],
    });
    for constraint in column_constraints.chain(&stmt.constraints) {
        if let Some(NodeEnum::Constraint(c)) = constraint.node.as_ref()
            && c.contype == ConstrType::ConstrForeign as i32
            && let Some(referenced) = &c.pktable
        {
            push(
                out,
                verb,
                Need::TablePrivilege {
                    table: Name::from_range(referenced),
                    privilege: "REFERENCES",
                },
            );
        }
    }
}

fn type_created(names: &[Node], out: &mut Vec<Requirement>) {
    if let Some(name) = Name::from_list(names) {
        create_in(out, "CREATE TYPE", "type", name);
    }
}

fn policy(
    table: &Option<RangeVar>,
    verb: &'static str,
    dropped: Option<String>,
    out: &mut Vec<Requirement>,
) {
    if let Some(table) = table {
        push(
            out,
            verb,
            Need::Policy {
                table: Name::from_range(table),
                policy: dropped,
            },
        );
    }
}

fn alter_verb(objtype: i32) -> &'static str {
    match ObjectType::try_from(objtype) {
        Ok(ObjectType::ObjectView) => "ALTER VIEW",
        Ok(ObjectType::ObjectMatview) => "ALTER MATERIALIZED VIEW",
        Ok(ObjectType::ObjectIndex) => "ALTER INDEX",
        Ok(ObjectType::ObjectSequence) => "ALTER SEQUENCE",
        Ok(ObjectType::ObjectForeignTable) => "ALTER FOREIGN TABLE",
        _ => "ALTER TABLE",
    }
}

fn is_relation(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectTable
            | ObjectType::ObjectView
            | ObjectType::ObjectMatview
            | ObjectType::ObjectIndex
            | ObjectType::ObjectSequence
            | ObjectType::ObjectForeignTable
    )
}

fn is_routine(kind: ObjectType) -> bool {
    matches!(
        kind,
        ObjectType::ObjectFunction
            | ObjectType::ObjectProcedure
            | ObjectType::ObjectRoutine
            | ObjectType::ObjectAggregate
    )
}

/// The object of an `ALTER … SET SCHEMA | OWNER TO`: a relation, routine, schema or type.
fn target(
    kind: ObjectType,
    relation: Option<&RangeVar>,
    object: Option<&Node>,
) -> Option<(Owned, Name)> {
    if is_relation(kind) {
        return relation.map(|r| (Owned::Relation, Name::from_range(r)));
    }
    let object = object?.node.as_ref()?;
    match (kind, object) {
        (k, NodeEnum::ObjectWithArgs(f)) if is_routine(k) => {
            Some((Owned::Function, function_name(f)?))
        }
        (ObjectType::ObjectSchema, NodeEnum::String(s)) => {
            Some((Owned::Schema, unqualified(&s.sval)))
        }
        (ObjectType::ObjectType | ObjectType::ObjectDomain, NodeEnum::List(list)) => {
            Some((Owned::Type, Name::from_list(&list.items)?))
        }
        (ObjectType::ObjectType | ObjectType::ObjectDomain, NodeEnum::TypeName(t)) => {
            Some((Owned::Type, Name::from_list(&t.names)?))
        }
        _ => None,
    }
}

fn commented(kind: ObjectType, object: Option<&Node>, out: &mut Vec<Requirement>) {
    let Some(object) = object.and_then(|o| o.node.as_ref()) else {
        return;
    };
    let list = |node: &NodeEnum| match node {
        NodeEnum::List(list) => strings(&list.items),
        _ => Vec::new(),
    };
    match kind {
        k if is_relation(k) => {
            if let NodeEnum::List(l) = object
                && let Some(name) = Name::from_list(&l.items)
            {
                own(out, "COMMENT", Owned::Relation, name, false);
            }
        }
        ObjectType::ObjectColumn
        | ObjectType::ObjectTabconstraint
        | ObjectType::ObjectPolicy
        | ObjectType::ObjectRule => {
            if let Some(table) = table_of(&list(object)) {
                own(out, "COMMENT", Owned::Relation, table, false);
            }
        }
        ObjectType::ObjectTrigger => {
            let parts = list(object);
            if let (Some(table), Some(trigger)) = (table_of(&parts), parts.last()) {
                push(
                    out,
                    "COMMENT",
                    Need::Trigger {
                        table,
                        trigger: trigger.clone(),
                        if_exists: false,
                    },
                );
            }
        }
        _ => {
            if let Some((owned, name)) = target(
                kind,
                None,
                Some(&Node {
                    node: Some(object.clone()),
                }),
            ) {
                own(out, "COMMENT", owned, name, false);
            }
        }
    }
}

fn dropped(kind: ObjectType, object: &Node, missing_ok: bool, out: &mut Vec<Requirement>) {
    let Some(node) = object.node.as_ref() else {
        return;
    };
    let parts = match node {
        NodeEnum::List(list) => strings(&list.items),
        _ => Vec::new(),
    };
    match kind {
        k if is_relation(k) => {
            if let Some(name) = Name::from_list(match node {
                NodeEnum::List(l) => &l.items,
                _ => &[],
            }) {
                own(out, "DROP", Owned::Relation, name, true);
            }
        }
        ObjectType::ObjectTrigger => {
            if let (Some(table), Some(trigger)) = (table_of(&parts), parts.last()) {
                push(
                    out,
                    "DROP TRIGGER",
                    Need::Trigger {
                        table,
                        trigger: trigger.clone(),
                        if_exists: missing_ok,
                    },
                );
            }
        }
        ObjectType::ObjectPolicy => {
            if let (Some(table), Some(name)) = (table_of(&parts), parts.last()) {
                push(
                    out,
                    "DROP POLICY",
                    Need::Policy {
                        table,
                        policy: Some(name.clone()),
                    },
                );
            }
        }
        _ => {
            if let Some((owned, name)) = target(kind, None, Some(object)) {
                own(out, "DROP", owned, name, true);
            }
        }
    }
}

fn rename(stmt: &RenameStmt, out: &mut Vec<Requirement>) {
    let kind = ObjectType::try_from(stmt.rename_type).unwrap_or(ObjectType::Undefined);
    match kind {
        ObjectType::ObjectRole => {
            push(
                out,
                "ALTER ROLE",
                Need::Role {
                    role: stmt.subname.clone(),
                    change: RoleChange::Rename,
                    attributes: Vec::new(),
                },
            );
            push(
                out,
                "ALTER ROLE",
                Need::Role {
                    role: stmt.newname.clone(),
                    change: RoleChange::Create,
                    attributes: Vec::new(),
                },
            );
        }
        ObjectType::ObjectColumn | ObjectType::ObjectTabconstraint | ObjectType::ObjectRule => {
            if let Some(table) = &stmt.relation {
                own(
                    out,
                    "RENAME",
                    Owned::Relation,
                    Name::from_range(table),
                    false,
                );
            }
        }
        ObjectType::ObjectTrigger => {
            if let Some(table) = &stmt.relation {
                push(
                    out,
                    "RENAME",
                    Need::Trigger {
                        table: Name::from_range(table),
                        trigger: stmt.subname.clone(),
                        if_exists: false,
                    },
                );
            }
        }
        ObjectType::ObjectPolicy => policy(&stmt.relation, "RENAME", None, out),
        ObjectType::ObjectSchema => own(
            out,
            "RENAME",
            Owned::Schema,
            unqualified(&stmt.subname),
            false,
        ),
        _ => {
            if let Some((owned, name)) =
                target(kind, stmt.relation.as_ref(), stmt.object.as_deref())
            {
                own(out, "RENAME", owned, name, false);
            }
        }
    }
}

/// The table of a `[schema,] table, member` list (trigger, policy, column, constraint).
fn table_of(parts: &[String]) -> Option<Name> {
    let (_, table) = parts.split_last()?;
    let (name, rest) = table.split_last()?;
    Some(Name {
        schema: rest.last().cloned(),
        name: name.clone(),
    })
}

fn function_name(function: &ObjectWithArgs) -> Option<Name> {
    Name::from_list(&function.objname)
}

fn unqualified(name: &str) -> Name {
    Name {
        schema: None,
        name: name.to_string(),
    }
}

fn is_temp(range: &RangeVar) -> bool {
    range.relpersistence == "t" || range.schemaname == "pg_temp"
}

fn strings(nodes: &[Node]) -> Vec<String> {
    nodes
        .iter()
        .filter_map(|n| match n.node.as_ref() {
            Some(NodeEnum::String(s)) => Some(s.sval.clone()),
            _ => None,
        })
        .collect()
}

/// A named role (not `CURRENT_USER`, `PUBLIC`, …).
fn role_name(spec: &RoleSpec) -> Option<String> {
    (spec.roletype == RoleSpecType::RolespecCstring as i32).then(|| spec.rolename.clone())
}

fn role_node(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::RoleSpec(spec) => role_name(spec),
        _ => None,
    }
}

/// The names of a DefElem option list (`canlogin`, `bypassrls`, …).
fn option_names(options: &[Node]) -> Vec<String> {
    options
        .iter()
        .filter_map(|o| match o.node.as_ref() {
            Some(NodeEnum::DefElem(d)) => Some(d.defname.clone()),
            _ => None,
        })
        .collect()
}

/// The named roles of DefElem option `name` (`IN ROLE …`, `FOR ROLE …`).
fn option_roles(options: &[Node], name: &str) -> Vec<String> {
    options
        .iter()
        .filter_map(|o| match o.node.as_ref() {
            Some(NodeEnum::DefElem(d)) if d.defname == name => d.arg.as_deref(),
            _ => None,
        })
        .flat_map(|arg| match arg.node.as_ref() {
            Some(NodeEnum::List(list)) => list.items.iter().filter_map(role_node).collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn constant_string(node: &Node) -> Option<String> {
    match node.node.as_ref()? {
        NodeEnum::AConst(c) => match c.val.as_ref()? {
            Val::Sval(s) => Some(s.sval.clone()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(sql: &str) -> Vec<Need> {
        let parsed = pg_query::parse(sql, 0).unwrap();
        parsed
            .protobuf
            .stmts
            .iter()
            .flat_map(|s| requirements(s.stmt.as_ref().unwrap().node.as_ref().unwrap()))
            .map(|r| r.need)
            .collect()
    }

    fn name(schema: &str, name: &str) -> Name {
        Name {
            schema: (!schema.is_empty()).then(|| schema.to_string()),
            name: name.to_string(),
        }
    }

    #[test]
    fn creations_need_create_on_their_schema() {
        assert_eq!(
            needs(
                "CREATE TABLE auth.t (id int REFERENCES auth.users (id)); CREATE TEMP TABLE x (a int);"
            ),
            vec![
                Need::CreateIn {
                    object: name("auth", "t"),
                    kind: "table"
                },
                Need::TablePrivilege {
                    table: name("auth", "users"),
                    privilege: "REFERENCES"
                },
            ]
        );
        assert_eq!(
            needs(
                "CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS 'select null'"
            ),
            vec![
                Need::CreateIn {
                    object: name("auth", "uid"),
                    kind: "function"
                },
                Need::Own {
                    kind: Owned::Function,
                    object: name("auth", "uid"),
                    drop: false
                },
            ]
        );
        assert_eq!(
            needs("CREATE VIEW v AS SELECT 1; CREATE TYPE app.mood AS ENUM ('a')"),
            vec![
                Need::CreateIn {
                    object: name("", "v"),
                    kind: "view"
                },
                Need::CreateIn {
                    object: name("app", "mood"),
                    kind: "type"
                },
            ]
        );
    }

    #[test]
    fn alterations_comments_and_drops_need_ownership() {
        let users = || name("auth", "users");
        assert_eq!(
            needs(
                "ALTER TABLE auth.users ADD COLUMN x int; CREATE INDEX ON auth.users (email); COMMENT ON COLUMN auth.users.email IS 'x'"
            ),
            vec![
                Need::Own {
                    kind: Owned::Relation,
                    object: users(),
                    drop: false
                },
                Need::Own {
                    kind: Owned::Relation,
                    object: users(),
                    drop: false
                },
                Need::Own {
                    kind: Owned::Relation,
                    object: users(),
                    drop: false
                },
            ]
        );
        assert_eq!(
            needs(
                "COMMENT ON TRIGGER t ON auth.users IS 'x'; DROP TRIGGER IF EXISTS t ON auth.users; ALTER FUNCTION auth.uid() STABLE; DROP SCHEMA auth"
            ),
            vec![
                Need::Trigger {
                    table: users(),
                    trigger: "t".into(),
                    if_exists: false
                },
                Need::Trigger {
                    table: users(),
                    trigger: "t".into(),
                    if_exists: true
                },
                Need::Own {
                    kind: Owned::Function,
                    object: name("auth", "uid"),
                    drop: false
                },
                Need::Own {
                    kind: Owned::Schema,
                    object: name("", "auth"),
                    drop: true
                },
            ]
        );
        assert_eq!(
            needs(
                "CREATE TRIGGER t AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.f(); CREATE POLICY p ON auth.users USING (true); DROP POLICY IF EXISTS q ON storage.objects"
            ),
            vec![
                Need::TablePrivilege {
                    table: users(),
                    privilege: "TRIGGER"
                },
                Need::Policy {
                    table: users(),
                    policy: None
                },
                Need::Policy {
                    table: name("storage", "objects"),
                    policy: Some("q".into())
                },
            ]
        );
    }

    #[test]
    fn roles_memberships_and_extensions() {
        assert_eq!(
            needs(
                "ALTER ROLE service_role NOBYPASSRLS; ALTER ROLE anon SET statement_timeout = '5s'; ALTER ROLE anon RENAME TO x; DROP ROLE authenticated"
            ),
            vec![
                Need::Role {
                    role: "service_role".into(),
                    change: RoleChange::Attributes,
                    attributes: vec!["bypassrls".into()],
                },
                Need::Role {
                    role: "anon".into(),
                    change: RoleChange::Settings,
                    attributes: vec!["statement_timeout".into()],
                },
                Need::Role {
                    role: "anon".into(),
                    change: RoleChange::Rename,
                    attributes: vec![],
                },
                Need::Role {
                    role: "x".into(),
                    change: RoleChange::Create,
                    attributes: vec![],
                },
                Need::Role {
                    role: "authenticated".into(),
                    change: RoleChange::Drop,
                    attributes: vec![],
                },
            ]
        );
        assert_eq!(
            needs(
                "GRANT authenticator, anon TO app; CREATE ROLE r IN ROLE pg_read_server_files; ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin GRANT SELECT ON TABLES TO anon; SET ROLE supabase_admin; CREATE EXTENSION IF NOT EXISTS vector WITH SCHEMA extensions"
            ),
            vec![
                Need::Membership {
                    role: "authenticator".into(),
                    grantee: "app".into()
                },
                Need::Membership {
                    role: "anon".into(),
                    grantee: "app".into()
                },
                Need::Role {
                    role: "r".into(),
                    change: RoleChange::Create,
                    attributes: vec!["addroleto".into()],
                },
                Need::Membership {
                    role: "pg_read_server_files".into(),
                    grantee: "r".into()
                },
                Need::ActAs {
                    role: "supabase_admin".into()
                },
                Need::ActAs {
                    role: "supabase_admin".into()
                },
                Need::Extension {
                    name: "vector".into()
                },
            ]
        );
        assert!(needs("SELECT 1; INSERT INTO auth.users (id) VALUES (gen_random_uuid()); GRANT SELECT ON auth.users TO anon").is_empty());
    }
}
