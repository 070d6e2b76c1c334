//! The privilege preflight: before anything changes, does the connecting role hold every
//! privilege the pending migrations of the selected phases need?
//!
//! Every statement that runs during the migration (top level and `DO` blocks) is read for its
//! needs ([`crate::lint::needs`]) and each need is checked against the live catalog, as the role itself:
//! CREATE on the schemas objects are created in, ownership of the existing objects that are
//! altered, commented on or dropped, table privileges for triggers and foreign keys, policy
//! rights (ownership or supautils' `policy_grants`), extensions (installed, allow-listed by
//! supautils, or trusted with CREATE on the database) and supautils' reserved roles and
//! memberships. supautils' settings are read from the server (any role can read them on
//! Supabase). Objects created earlier in the same run count as owned. Needs that cannot be
//! decided statically (dynamic SQL, function bodies, objects that do not exist yet) are left to
//! PostgreSQL, which reports them at the file and line when the migration runs.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;

use anyhow::{Context, Result};
use tokio_postgres::Client;

use crate::bundle::{Migration, Project};
use crate::db::BackupScope;
use crate::lint::needs::{
    Name, Need, Owned, Requirement, RoleChange, created_trigger, requirements,
};
use crate::lint::units::units_of;
use crate::sql::{LineIndex, parse_statements};

/// A privilege the role lacks, at the statement that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegeProblem {
    /// The migration file.
    pub file: PathBuf,
    /// 1-based line of the statement.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The statement's command, e.g. `ALTER TABLE`.
    pub verb: &'static str,
    /// The object it needs a privilege on, e.g. `auth.users`.
    pub object: String,
    /// What is missing, e.g. `role postgres is not the owner of table auth.users (owner:
    /// supabase_auth_admin)`.
    pub missing: String,
}

impl fmt::Display for PrivilegeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {} {}: {}",
            self.file.display(),
            self.line,
            self.column,
            self.verb,
            self.object,
            self.missing
        )
    }
}

/// What the preflight found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivilegeReport {
    /// The role the migrations run as.
    pub role: String,
    /// Every missing privilege, in file order.
    pub problems: Vec<PrivilegeProblem>,
}

/// Checks the pending migrations of phases `0..=max_phase` against the role's privileges.
pub async fn check_privileges(
    client: &mut Client,
    pending: &[&Migration],
    history_table: &str,
) -> Result<PrivilegeReport> {
    let facts = RoleFacts::read(client).await?;
    let mut checker = Checker {
        client,
        facts,
        run: CreatedInRun::default(),
        search_path_moved: false,
        answers: HashMap::new(),
    };
    let mut problems = Vec::new();
    if !checker.facts.superuser
        && let Some(first) = pending.first()
    {
        if let Some(missing) = checker.history_problem(history_table).await? {
            problems.push(PrivilegeProblem {
                file: first.path.clone(),
                line: 1,
                column: 1,
                verb: "recording",
                object: format!("in the history table {history_table}"),
                missing: format!("role {} {missing}", checker.facts.role),
            });
        }
        for migration in pending {
            checker.check_file(migration, &mut problems).await?;
        }
    }
    Ok(PrivilegeReport {
        role: checker.facts.role,
        problems,
    })
}

/// What `--backup` dumps: every schema the bundles create objects in (unqualified names land in
/// `public`, as on Supabase), the history table's schema, and the extensions the plans list or
/// the files create.
pub fn backup_scope(project: &Project, history_table: &str) -> BackupScope {
    let mut schemas = vec![
        history_table
            .split_once('.')
            .map_or("public", |(schema, _)| schema)
            .to_string(),
    ];
    let mut extensions: Vec<String> = project
        .required_extensions(None)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for migration in project.migrations() {
        let Ok(statements) = parse_statements(&migration.sql) else {
            continue;
        };
        for statement in statements {
            for unit in units_of(&migration.sql, statement, 0).units {
                for requirement in requirements(&unit.node) {
                    match requirement.need {
                        Need::CreateIn { object, .. } => {
                            schemas.push(object.schema.unwrap_or_else(|| "public".into()));
                        }
                        Need::CreateSchema { name, .. } => schemas.push(name),
                        Need::Extension { name } => extensions.push(name),
                        _ => {}
                    }
                }
            }
        }
    }
    for list in [&mut schemas, &mut extensions] {
        list.sort();
        list.dedup();
    }
    schemas.retain(|s| s != "pg_temp");
    BackupScope {
        schemas,
        extensions,
    }
}

/// What the preflight knows about the session's role and the server.
#[derive(Debug)]
struct RoleFacts {
    role: String,
    superuser: bool,
    /// The role's CREATEROLE, REPLICATION and BYPASSRLS attributes.
    createrole: bool,
    replication: bool,
    bypassrls: bool,
    /// The server's major version (role rules changed in 16).
    major: u32,
    /// The schema unqualified objects are created in.
    creation_schema: Option<String>,
    database_create: bool,
    database: String,
    /// supautils.privileged_extensions.
    allow_listed: Vec<String>,
    /// supautils.reserved_roles, with whether `*` lets `postgres` still SET them.
    reserved_roles: Vec<(String, bool)>,
    /// supautils.reserved_memberships.
    reserved_memberships: Vec<String>,
    /// Tables supautils.policy_grants grants this role, as `schema.table`.
    policy_grants: Vec<String>,
    /// supautils.privileged_role_allowed_configs, when this role is supautils.privileged_role.
    allowed_configs: Vec<String>,
}

impl RoleFacts {
    async fn read(client: &Client) -> Result<RoleFacts> {
        let row = client
            .query_one(
                "SELECT current_user::text,
                        (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user),
                        (current_schemas(false))[1]::text,
                        has_database_privilege(current_database(), 'CREATE'),
                        current_database()::text,
                        coalesce(current_setting('supautils.privileged_extensions', true), ''),
                        coalesce(current_setting('supautils.reserved_roles', true), ''),
                        coalesce(current_setting('supautils.reserved_memberships', true), ''),
                        coalesce(current_setting('supautils.policy_grants', true), ''),
                        r.rolcreaterole, r.rolreplication, r.rolbypassrls,
                        current_setting('server_version_num')::int / 10000,
                        CASE WHEN current_setting('supautils.privileged_role', true) = current_user
                             THEN coalesce(current_setting('supautils.privileged_role_allowed_configs', true), '')
                             ELSE '' END
                 FROM pg_catalog.pg_roles AS r WHERE r.rolname = current_user",
                &[],
            )
            .await
            .context("reading the role's privileges for the preflight")?;
        let role: String = row.get(0);
        let grants: String = row.get(8);
        let policy_grants = serde_json::from_str::<serde_json::Value>(&grants)
            .ok()
            .and_then(|v| v.get(&role).cloned())
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect();
        let major: i32 = row.get(12);
        Ok(RoleFacts {
            superuser: row.get(1),
            createrole: row.get(9),
            replication: row.get(10),
            bypassrls: row.get(11),
            major: u32::try_from(major).unwrap_or(0),
            creation_schema: row.get(2),
            database_create: row.get(3),
            database: row.get(4),
            allow_listed: split_list(row.get(5)),
            reserved_roles: split_list(row.get(6))
                .into_iter()
                .map(|r| match r.strip_suffix('*') {
                    Some(name) => (name.to_string(), true),
                    None => (r, false),
                })
                .collect(),
            reserved_memberships: split_list(row.get(7)),
            policy_grants,
            allowed_configs: split_list(row.get(13)),
            role,
        })
    }

    /// Whether supautils lets this role set `parameter` on any role (`pgrst.*` covers
    /// `pgrst.db_schemas`).
    fn may_set_through_supautils(&self, parameter: &str) -> bool {
        self.allowed_configs
            .iter()
            .any(|allowed| match allowed.strip_suffix('*') {
                Some(prefix) => parameter.starts_with(prefix),
                None => allowed == parameter,
            })
    }

    /// `Some(configurable)` when `role` is reserved by supautils.
    fn reserved(&self, role: &str) -> Option<bool> {
        self.reserved_roles
            .iter()
            .find(|(name, _)| name == role)
            .map(|(_, configurable)| *configurable)
    }
}

/// A supautils list setting: comma-separated identifiers.
fn split_list(text: String) -> Vec<String> {
    text.split(',')
        .map(|s| s.trim().trim_matches('"').to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Objects the run creates before a statement (the role owns them by then).
#[derive(Debug, Default)]
struct CreatedInRun {
    objects: HashSet<(String, String)>,
    schemas: HashSet<String>,
    triggers: HashSet<((String, String), String)>,
    roles: HashSet<String>,
    extensions: HashSet<String>,
}

struct Checker<'c> {
    client: &'c Client,
    facts: RoleFacts,
    run: CreatedInRun,
    /// A file set search_path: unqualified names no longer resolve as the preflight sees them.
    search_path_moved: bool,
    /// Catalog answers by need: `Some(missing)` when refused.
    answers: HashMap<Need, Option<String>>,
}

impl Checker<'_> {
    async fn check_file(
        &mut self,
        migration: &Migration,
        problems: &mut Vec<PrivilegeProblem>,
    ) -> Result<()> {
        // A file that does not parse is the lint's and the server's to report.
        let Ok(statements) = parse_statements(&migration.sql) else {
            return Ok(());
        };
        let lines = LineIndex::new(&migration.sql);
        for statement in statements {
            for unit in units_of(&migration.sql, statement, 0).units {
                if !unit.kind.runs_now() {
                    continue;
                }
                for requirement in requirements(&unit.node) {
                    if let Some(missing) = self.check(&requirement).await? {
                        let (line, column) = lines.line_col(unit.span.start);
                        problems.push(PrivilegeProblem {
                            file: migration.path.clone(),
                            line,
                            column,
                            verb: requirement.verb,
                            object: object_of(&requirement.need),
                            missing: format!("role {} {missing}", self.facts.role),
                        });
                    }
                }
                self.record(&unit.node);
                if matches!(&unit.node, pg_query::NodeEnum::VariableSetStmt(set) if set.name == "search_path")
                {
                    self.search_path_moved = true;
                }
            }
        }
        Ok(())
    }

    /// refinery creates the history table (and eventos its schema) and inserts a row per file.
    async fn history_problem(&self, history_table: &str) -> Result<Option<String>> {
        let (schema, _) = history_table
            .split_once('.')
            .unwrap_or(("public", history_table));
        let row = self
            .client
            .query_one(
                "SELECT to_regnamespace($1) IS NOT NULL,
                        CASE WHEN to_regnamespace($1) IS NOT NULL THEN has_schema_privilege($1, 'CREATE') END,
                        CASE WHEN to_regclass($2) IS NOT NULL THEN has_table_privilege($2, 'INSERT') END",
                &[&schema, &history_table],
            )
            .await
            .context("checking the history table's privileges")?;
        let schema_exists: bool = row.get(0);
        let schema_create: Option<bool> = row.get(1);
        let table_insert: Option<bool> = row.get(2);
        Ok(match (schema_exists, schema_create, table_insert) {
            (false, _, _) if !self.facts.database_create => Some(format!(
                "has no CREATE privilege on database {} to create schema {schema}",
                self.facts.database
            )),
            (true, _, Some(false)) => Some(format!("has no INSERT privilege on {history_table}")),
            (true, Some(false), None) => Some(format!(
                "has no CREATE privilege on schema {schema} to create the table"
            )),
            _ => None,
        })
    }

    /// Remembers what `node` creates.
    fn record(&mut self, node: &pg_query::NodeEnum) {
        for requirement in requirements(node) {
            match requirement.need {
                Need::CreateIn { object, .. } => {
                    let key = self.key(&object);
                    self.run.objects.insert(key);
                }
                Need::CreateSchema { name, .. } => {
                    self.run.schemas.insert(name);
                }
                Need::Role {
                    role,
                    change: RoleChange::Create,
                    ..
                } => {
                    self.run.roles.insert(role);
                }
                Need::Extension { name } => {
                    self.run.extensions.insert(name);
                }
                _ => {}
            }
        }
        if let Some((table, trigger)) = created_trigger(node) {
            let key = self.key(&table);
            self.run.triggers.insert((key, trigger));
        }
    }

    /// (schema, name) with an unqualified name placed where it would be created.
    fn key(&self, name: &Name) -> (String, String) {
        let schema = name
            .schema
            .clone()
            .or_else(|| self.facts.creation_schema.clone())
            .unwrap_or_default();
        (schema, name.name.clone())
    }

    fn created(&self, name: &Name) -> bool {
        self.run.objects.contains(&self.key(name))
            || name
                .schema
                .as_ref()
                .is_some_and(|s| self.run.schemas.contains(s))
    }

    /// `Some(what is missing)` when the role cannot do what `requirement` needs.
    async fn check(&mut self, requirement: &Requirement) -> Result<Option<String>> {
        let need = &requirement.need;
        if self.search_path_moved && names_unqualified(need) {
            return Ok(None);
        }
        if let Some(answer) = self.static_answer(need) {
            return Ok(answer);
        }
        if let Need::Trigger { table, trigger, .. } = need {
            // Depends on the triggers this run created so far: never cached.
            let created_now = self
                .run
                .triggers
                .contains(&(self.key(table), trigger.clone()));
            return self.trigger_problem(table, trigger, created_now).await;
        }
        if let Some(answer) = self.answers.get(need) {
            return Ok(answer.clone());
        }
        let answer = self.ask_catalog(need).await?;
        self.answers.insert(need.clone(), answer.clone());
        Ok(answer)
    }

    /// Answers that need no catalog query: objects of this run, supautils' role rules.
    fn static_answer(&self, need: &Need) -> Option<Option<String>> {
        let facts = &self.facts;
        match need {
            Need::CreateIn { object, .. } => {
                let schema = object.schema.as_ref().or(facts.creation_schema.as_ref())?;
                self.run.schemas.contains(schema).then_some(None)
            }
            Need::CreateSchema { .. } => Some(
                (!facts.database_create)
                    .then(|| format!("has no CREATE privilege on database {}", facts.database)),
            ),
            Need::Own { object, .. }
            | Need::TablePrivilege { table: object, .. }
            | Need::Policy { table: object, .. }
            | Need::Trigger { table: object, .. } => self.created(object).then_some(None),
            Need::Extension { name } => self
                .run
                .extensions
                .contains(name)
                .then_some(None)
                .or_else(|| facts.allow_listed.contains(name).then_some(None)),
            Need::Role { role, change, .. } => self.reserved_role_change(role, *change),
            Need::Membership { role, grantee } => {
                if facts.reserved_memberships.contains(role) {
                    return Some(Some(format!(
                        "may not grant it: \"{role}\" role memberships are reserved, only superusers can grant them (supautils)"
                    )));
                }
                if let Some(false) = facts.reserved(grantee) {
                    return Some(Some(reserved_role(grantee)));
                }
                self.run.roles.contains(role).then_some(None)
            }
            Need::ActAs { role } => self.run.roles.contains(role).then_some(None),
        }
    }

    /// supautils' verdict on changing `role`, or `None` when the catalog must decide.
    fn reserved_role_change(&self, role: &str, change: RoleChange) -> Option<Option<String>> {
        if self.run.roles.contains(role) && change != RoleChange::Create {
            return Some(None);
        }
        match (self.facts.reserved(role), change) {
            (None, _) | (Some(true), RoleChange::Settings) => None,
            (Some(_), _) => Some(Some(reserved_role(role))),
        }
    }

    /// PostgreSQL's own rules for altering, renaming or dropping an existing role as a
    /// non-superuser (they changed in 16: from CREATEROLE alone to CREATEROLE plus the ADMIN
    /// option on the role).
    async fn role_problem(
        &self,
        role: &str,
        change: RoleChange,
        attributes: &[String],
    ) -> Result<Option<String>> {
        let Some((target_is_superuser, admin)) = self.role_facts(role).await? else {
            return Ok(None);
        };
        let facts = &self.facts;
        if target_is_superuser {
            return Ok(Some(format!(
                "may not change it: role {role} is a superuser, which only a superuser may change"
            )));
        }
        if change == RoleChange::Settings
            && !attributes.is_empty()
            && attributes
                .iter()
                .all(|p| facts.may_set_through_supautils(p))
        {
            return Ok(None);
        }
        let own = role == facts.role;
        let own_password_only = attributes
            .iter()
            .all(|a| matches!(a.as_str(), "password" | "validUntil"));
        if own
            && (change == RoleChange::Settings
                || (change == RoleChange::Attributes && own_password_only))
        {
            return Ok(None);
        }
        if !facts.createrole {
            return Ok(Some(format!(
                "may not change role {role}: it has no CREATEROLE attribute"
            )));
        }
        if facts.major >= 16 && !admin {
            return Ok(Some(format!(
                "may not change role {role}: it has no ADMIN OPTION on it, which PostgreSQL {} requires",
                facts.major
            )));
        }
        Ok(attributes
            .iter()
            .find_map(|attribute| self.attribute_problem(attribute, "change")))
    }

    /// Setting SUPERUSER, REPLICATION or BYPASSRLS: superusers only before 16; from 16 on, roles
    /// that have the attribute themselves (SUPERUSER still superusers only).
    fn attribute_problem(&self, attribute: &str, action: &str) -> Option<String> {
        let facts = &self.facts;
        let (name, held) = match attribute {
            "superuser" => ("SUPERUSER", false),
            "isreplication" => ("REPLICATION", facts.major >= 16 && facts.replication),
            "bypassrls" => ("BYPASSRLS", facts.major >= 16 && facts.bypassrls),
            _ => return None,
        };
        (!held).then(|| {
            format!(
                "may not {action} the {name} attribute: only a superuser may on PostgreSQL {}",
                facts.major
            )
        })
    }

    /// `CREATE ROLE`: CREATEROLE, and the privileged attributes it asks for.
    fn create_role_problem(&self, attributes: &[String]) -> Option<String> {
        if !self.facts.createrole {
            return Some("may not create roles: it has no CREATEROLE attribute".into());
        }
        attributes
            .iter()
            .find_map(|attribute| self.attribute_problem(attribute, "grant"))
    }

    /// Granting membership in `role`: CREATEROLE (before 16) or the ADMIN option (from 16).
    async fn membership_problem(&self, role: &str) -> Result<Option<String>> {
        let Some((target_is_superuser, admin)) = self.role_facts(role).await? else {
            return Ok(None);
        };
        let facts = &self.facts;
        Ok(if target_is_superuser {
            Some(format!(
                "may not grant role {role}: it is a superuser role, which only a superuser may grant"
            ))
        } else if facts.major >= 16 && !admin {
            Some(format!(
                "may not grant role {role}: it has no ADMIN OPTION on it, which PostgreSQL {} requires",
                facts.major
            ))
        } else if facts.major < 16 && !admin && !facts.createrole {
            Some(format!(
                "may not grant role {role}: it has neither CREATEROLE nor the ADMIN OPTION on it"
            ))
        } else {
            None
        })
    }

    /// (superuser, whether this role holds the ADMIN option on it) of an existing role.
    async fn role_facts(&self, role: &str) -> Result<Option<(bool, bool)>> {
        let admin = if self.facts.major >= 16 {
            "pg_has_role(r.oid, 'USAGE WITH ADMIN OPTION')"
        } else {
            "EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members AS m
                     WHERE m.roleid = r.oid AND m.member = current_user::regrole AND m.admin_option)"
        };
        let row = self
            .client
            .query_opt(
                &format!(
                    "SELECT r.rolsuper, {admin} FROM pg_catalog.pg_roles AS r WHERE r.rolname = $1"
                ),
                &[&role],
            )
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1))))
    }

    async fn ask_catalog(&self, need: &Need) -> Result<Option<String>> {
        let client = self.client;
        let row = match need {
            Need::CreateIn { object, .. } => {
                let Some(schema) = object.schema.as_ref().or(self.facts.creation_schema.as_ref())
                else {
                    return Ok(None);
                };
                let row = client
                    .query_opt(
                        "SELECT has_schema_privilege(n.oid, 'CREATE'), n.nspowner::regrole::text
                         FROM pg_catalog.pg_namespace AS n WHERE n.nspname = $1",
                        &[schema],
                    )
                    .await?;
                return Ok(row.and_then(|r| {
                    let allowed: bool = r.get(0);
                    let owner: String = r.get(1);
                    (!allowed).then(|| {
                        format!(
                            "has no CREATE privilege on schema {schema} (owner: {owner})",
                        )
                    })
                }));
            }
            Need::Own { kind, object, drop } => {
                let row = self.owner_of(*kind, object).await?;
                return Ok(row.and_then(|(owner, owned, schema_owned, noun)| {
                    let allowed = owned || (*drop && schema_owned);
                    (!allowed).then(|| not_owner(&noun, object, Some(&owner)))
                }));
            }
            Need::TablePrivilege { table, privilege } => client
                .query_opt(
                    "SELECT has_table_privilege(c.oid, $2), c.relowner::regrole::text
                     FROM pg_catalog.pg_class AS c WHERE c.oid = to_regclass($1)",
                    &[&regclass_text(table), privilege],
                )
                .await?
                .map(|r| {
                    let allowed: bool = r.get(0);
                    (!allowed).then(|| {
                        format!("has no {privilege} privilege on table {}", table.display())
                    })
                }),
            Need::Policy { table, policy } => client
                .query_opt(
                    "SELECT pg_has_role(c.relowner, 'USAGE'), c.relowner::regrole::text,
                            n.nspname || '.' || c.relname,
                            $2::text IS NULL OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy AS p
                                                        WHERE p.polrelid = c.oid AND p.polname = $2)
                     FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                     WHERE c.oid = to_regclass($1)",
                    &[&regclass_text(table), policy],
                )
                .await?
                .map(|r| {
                    let owned: bool = r.get(0);
                    let owner: String = r.get(1);
                    let qualified: String = r.get(2);
                    let exists: bool = r.get(3);
                    let granted = self.facts.policy_grants.contains(&qualified);
                    (exists && !owned && !granted).then(|| {
                        format!(
                            "{}, and no supautils policy grant covers it",
                            not_owner("table", table, Some(&owner))
                        )
                    })
                }),
            Need::Extension { name } => self.extension_problem(name).await?,
            Need::ActAs { role } => client
                .query_opt(
                    "SELECT pg_has_role(r.oid, 'MEMBER') FROM pg_catalog.pg_roles AS r WHERE r.rolname = $1",
                    &[role],
                )
                .await?
                .map(|r| {
                    let member: bool = r.get(0);
                    (!member).then(|| format!("is not a member of role {role}"))
                }),
            Need::Role {
                role,
                change: RoleChange::Create,
                attributes,
            } => {
                // An existing role fails with "already exists", not for want of a privilege.
                let exists = self.role_facts(role).await?.is_some();
                (!exists).then(|| self.create_role_problem(attributes))
            }
            Need::Role {
                role,
                change,
                attributes,
            } => Some(self.role_problem(role, *change, attributes).await?),
            Need::Membership { role, .. } => Some(self.membership_problem(role).await?),
            Need::CreateSchema { .. } | Need::Trigger { .. } => None,
        };
        Ok(row.flatten())
    }

    /// Dropping, renaming or commenting on a trigger that exists (in the catalog, or created
    /// earlier in this run) needs ownership of its table.
    async fn trigger_problem(
        &self,
        table: &Name,
        trigger: &str,
        created_now: bool,
    ) -> Result<Option<String>> {
        let row = self
            .client
            .query_opt(
                "SELECT pg_has_role(c.relowner, 'USAGE'), c.relowner::regrole::text,
                        EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS t
                                WHERE t.tgrelid = c.oid AND t.tgname = $2 AND NOT t.tgisinternal)
                 FROM pg_catalog.pg_class AS c WHERE c.oid = to_regclass($1)",
                &[&regclass_text(table), &trigger],
            )
            .await?;
        Ok(row.and_then(|r| {
            let owned: bool = r.get(0);
            let owner: String = r.get(1);
            let exists: bool = r.get(2);
            ((exists || created_now) && !owned).then(|| not_owner("table", table, Some(&owner)))
        }))
    }

    /// (owner, whether the role has its privileges, whether it owns the schema, what the object
    /// is), if it exists.
    async fn owner_of(
        &self,
        kind: Owned,
        object: &Name,
    ) -> Result<Option<(String, bool, bool, String)>> {
        let sql = match kind {
            Owned::Relation => {
                "SELECT c.relowner::regrole::text, pg_has_role(c.relowner, 'USAGE'), pg_has_role(n.nspowner, 'USAGE'),
                        CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                       WHEN 'S' THEN 'sequence' WHEN 'i' THEN 'index' WHEN 'I' THEN 'index'
                                       WHEN 'f' THEN 'foreign table' ELSE 'table' END
                 FROM pg_catalog.pg_class AS c JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
                 WHERE c.oid = to_regclass($1) AND $2::text IS NOT NULL"
            }
            Owned::Type => {
                "SELECT t.typowner::regrole::text, pg_has_role(t.typowner, 'USAGE'), pg_has_role(n.nspowner, 'USAGE'), 'type'
                 FROM pg_catalog.pg_type AS t JOIN pg_catalog.pg_namespace AS n ON n.oid = t.typnamespace
                 WHERE t.oid = to_regtype($1) AND $2::text IS NOT NULL"
            }
            Owned::Schema => {
                "SELECT n.nspowner::regrole::text, pg_has_role(n.nspowner, 'USAGE'), false, 'schema'
                 FROM pg_catalog.pg_namespace AS n WHERE n.nspname = $2 AND $1::text IS NOT NULL"
            }
            Owned::Function => {
                "SELECT min(p.proowner::regrole::text), bool_or(pg_has_role(p.proowner, 'USAGE')),
                        bool_or(pg_has_role(n.nspowner, 'USAGE')), 'function'
                 FROM pg_catalog.pg_proc AS p JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
                 WHERE p.proname = $2
                   AND (n.oid = to_regnamespace(split_part($1, '.', 1))
                        OR (strpos($1, '.') = 0 AND pg_function_is_visible(p.oid)))
                 HAVING count(*) > 0"
            }
        };
        let qualified = regclass_text(object);
        let row = self
            .client
            .query_opt(sql, &[&qualified, &object.name])
            .await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))))
    }

    /// Whether the role may create extension `name`: installed, superuser, or trusted (or not
    /// superuser-only) with CREATE on the database. Unknown extensions are left to the server.
    async fn extension_problem(&self, name: &str) -> Result<Option<Option<String>>> {
        let row = self
            .client
            .query_opt(
                "SELECT a.installed_version IS NOT NULL, v.trusted OR NOT v.superuser
                 FROM pg_catalog.pg_available_extensions AS a
                 JOIN pg_catalog.pg_available_extension_versions AS v
                   ON v.name = a.name AND v.version = a.default_version
                 WHERE a.name = $1",
                &[&name],
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let installed: bool = row.get(0);
        let trusted: bool = row.get(1);
        Ok(Some(
            if installed || (trusted && self.facts.database_create) {
                None
            } else if trusted {
                Some(format!(
                    "has no CREATE privilege on database {}, which the trusted extension {name} needs",
                    self.facts.database
                ))
            } else {
                Some(format!(
                    "may not create extension {name}: it is neither trusted nor allow-listed by supautils, so only a superuser may"
                ))
            },
        ))
    }
}

fn not_owner(noun: &str, object: &Name, owner: Option<&str>) -> String {
    match owner {
        Some(owner) => format!(
            "is not the owner of {noun} {} (owner: {owner})",
            object.display()
        ),
        None => format!("is not the owner of {noun} {}", object.display()),
    }
}

fn reserved_role(role: &str) -> String {
    format!(
        "may not change it: \"{role}\" is a reserved role, only superusers can modify it (supautils)"
    )
}

/// Whether the need names an object without its schema.
fn names_unqualified(need: &Need) -> bool {
    match need {
        Need::CreateIn { object, .. }
        | Need::Own {
            kind: Owned::Relation | Owned::Function | Owned::Type,
            object,
            ..
        }
        | Need::TablePrivilege { table: object, .. }
        | Need::Policy { table: object, .. }
        | Need::Trigger { table: object, .. } => object.schema.is_none(),
        _ => false,
    }
}

/// The object a need is about, for messages.
fn object_of(need: &Need) -> String {
    match need {
        Need::CreateIn { object, .. }
        | Need::Own { object, .. }
        | Need::TablePrivilege { table: object, .. }
        | Need::Policy { table: object, .. } => object.display(),
        Need::Trigger { table, trigger, .. } => format!("{trigger} ON {}", table.display()),
        Need::CreateSchema { name, .. } => name.clone(),
        Need::Extension { name } => name.clone(),
        Need::Role { role, .. } | Need::ActAs { role } => role.clone(),
        Need::Membership { role, grantee } => format!("{role} TO {grantee}"),
    }
}

/// The name as `to_regclass` reads it: identifiers quoted, schema first when written.
fn regclass_text(name: &Name) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    match &name.schema {
        Some(schema) => format!("{}.{}", quote(schema), quote(&name.name)),
        None => quote(&name.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_for_regclass_and_lists_split() {
        let name = Name {
            schema: Some("auth".into()),
            name: "Users".into(),
        };
        assert_eq!(regclass_text(&name), "\"auth\".\"Users\"");
        assert_eq!(
            split_list("anon*, \"uuid-ossp\",vector".into()),
            vec!["anon*", "uuid-ossp", "vector"]
        );
    }
}
