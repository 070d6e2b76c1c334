//! `rls-write-probe` (with `--rls-probe`) — proves on the live database that no signed-in user
//! can write another user's rows, and that `anon` cannot write at all, on every table the API
//! can write to.
//!
//! In one transaction that is always rolled back, two synthetic users A and B get one row each
//! in every API-writable table with row level security: through the plan's `[[rls_probe]]` seed
//! when the table has one, else synthesised from the table's columns (parent rows first). The
//! *intent* of the policies is read from their `USING` clauses: the table's ownership columns
//! are those the policies compare with the caller (`owner_id = auth.uid()`, `event_id IN
//! (SELECT my_events())`, a correlated `EXISTS` on a parent, a helper function's argument). A's
//! row is A's: its ownership columns hold A's values (A's id, A's event…). Then, exactly as
//! PostgREST sends requests (role and `request.jwt.claims` for the transaction), each in a
//! rolled-back savepoint, B tries to:
//!
//! - INSERT a copy of A's row, so its ownership columns and parents are A's (without and with
//!   `RETURNING`);
//! - UPDATE and DELETE A's row;
//! - UPDATE its own row so an ownership column points at A's value, leaving it A's;
//! - UPDATE its own row into a state the INSERT policies refuse (values taken from the INSERT
//!   policies' and CHECK constraints' literals, enum labels and booleans);
//!
//! and `anon` tries to INSERT, UPDATE and DELETE. Each write that succeeds where the intent says
//! it must not is a failure naming table, actor, operation and column. See
//! docs/checks/rls-write-probe.md for what it can and cannot infer.

use std::collections::{BTreeSet, HashMap};

use anyhow::{Context, Result};
use serde_json::Value;
use tokio_postgres::Client;

use super::session::{self, Actor, Attempt, quote_ident, quote_qualified, refusal};
use crate::bundle::{Project, RlsProbe};
use crate::verify::catalog::{Catalog, Policy, Relation, qualify};
use crate::verify::checks::{CheckResult, Severity, rls_probe_setup, rls_write_probe};
use crate::verify::expr::{Expr, Literal, OpKind, SubKind};

/// Deepest chain of parent rows synthesised for one row.
const MAX_DEPTH: usize = 4;
/// Most candidate values tried per column for the UPDATE-versus-INSERT comparison.
const MAX_CANDIDATES: usize = 6;

/// A column, as the probe needs it.
#[derive(Debug, Clone)]
struct ColumnInfo {
    name: String,
    type_name: String,
    category: String,
    not_null: bool,
    has_default: bool,
    generated: bool,
    identity: bool,
    enum_labels: Vec<String>,
    insert: [bool; 2],
    update: [bool; 2],
    default_is_auth_uid: bool,
}

/// A table's columns and constraints.
#[derive(Debug, Clone, Default)]
struct TableInfo {
    columns: Vec<ColumnInfo>,
    unique: Vec<Vec<String>>,
    checks: Vec<String>,
}

impl TableInfo {
    fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One synthetic row, as `to_jsonb` of the table row.
#[derive(Debug, Clone)]
struct Row {
    json: Value,
}

/// One result per API-writable table with row level security; rolls everything back.
pub async fn run(
    client: &Client,
    project: &Project,
    catalog: &Catalog,
) -> Result<Vec<CheckResult>> {
    let targets: Vec<&Relation> = catalog
        .exposed_relations(&['r', 'p'])
        .filter(|t| t.partition_of.is_none() && t.rls)
        .filter(|t| t.access.authenticated.writes() || t.access.anon.writes())
        .collect();
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    client
        .batch_execute("BEGIN; SET LOCAL statement_timeout = '30s'")
        .await
        .context("rls write probe: starting its transaction")?;
    let outcome = probe_all(client, project, catalog, &targets).await;
    let rollback = client
        .batch_execute("ROLLBACK")
        .await
        .context("rls write probe: rolling back");
    let results = outcome?;
    rollback?;
    Ok(results)
}

struct Probe<'a> {
    client: &'a Client,
    catalog: &'a Catalog,
    declared: HashMap<String, &'a RlsProbe>,
    info: HashMap<String, TableInfo>,
    users: [Actor; 2],
    ids: [String; 2],
    rows: HashMap<(String, usize), std::result::Result<Row, String>>,
}

async fn probe_all(
    client: &Client,
    project: &Project,
    catalog: &Catalog,
    targets: &[&Relation],
) -> Result<Vec<CheckResult>> {
    let ids = match session::create_users(client, catalog, 2).await? {
        Ok(ids) => ids,
        Err(message) => {
            return Ok(vec![CheckResult::new(
                rls_probe_setup::CHECK.id,
                "auth.users",
                vec![message],
            )]);
        }
    };
    let ids = [ids[0].clone(), ids[1].clone()];
    let users = [
        Actor::User {
            label: "user A".into(),
            id: ids[0].clone(),
        },
        Actor::User {
            label: "user B".into(),
            id: ids[1].clone(),
        },
    ];
    let declared: HashMap<String, &RlsProbe> = project
        .bundles
        .iter()
        .flat_map(|b| b.plan.rls_probe.iter())
        .map(|p| (qualify(&p.table, 0), p))
        .collect();
    let mut wanted: Vec<String> = targets.iter().map(|t| t.qualified()).collect();
    for fk in &catalog.foreign_keys {
        if !wanted.contains(&fk.references) && !fk.references.starts_with("auth.") {
            wanted.push(fk.references.clone());
        }
    }
    let info = table_info(client, &wanted).await?;
    let mut probe = Probe {
        client,
        catalog,
        declared,
        info,
        users,
        ids,
        rows: HashMap::new(),
    };
    let mut results = Vec::with_capacity(targets.len());
    for table in targets {
        results.push(probe.table(table).await?);
    }
    Ok(results)
}

/// Columns and constraints of `tables`, in two queries.
async fn table_info(client: &Client, tables: &[String]) -> Result<HashMap<String, TableInfo>> {
    let names: Vec<&str> = tables.iter().map(String::as_str).collect();
    let columns = client
        .query(
            "SELECT n.nspname || '.' || c.relname, a.attname::text, format_type(a.atttypid, a.atttypmod),
                    t.typcategory::text, a.attnotnull, a.atthasdef, a.attgenerated <> '', a.attidentity <> '',
                    CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) ELSE '{}'::text[] END,
                    has_column_privilege('authenticated', c.oid, a.attnum, 'INSERT'), has_column_privilege('anon', c.oid, a.attnum, 'INSERT'),
                    has_column_privilege('authenticated', c.oid, a.attnum, 'UPDATE'), has_column_privilege('anon', c.oid, a.attnum, 'UPDATE'),
                    coalesce(pg_get_expr(d.adbin, d.adrelid) ~ 'auth\\.uid\\(\\)', false)
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_type t ON t.oid = a.atttypid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE (n.nspname || '.' || c.relname) = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY 1, a.attnum",
            &[&names],
        )
        .await
        .context("rls write probe: reading columns")?;
    let constraints = client
        .query(
            "SELECT n.nspname || '.' || c.relname, 'c', '{}'::text[], pg_get_constraintdef(k.oid)
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname || '.' || c.relname) = ANY($1) AND k.contype = 'c'
             UNION ALL
             SELECT n.nspname || '.' || c.relname, 'u',
                    ARRAY(SELECT a.attname::text FROM pg_attribute a
                          WHERE a.attrelid = x.indrelid AND a.attnum > 0
                            AND (a.attnum = ANY (x.indkey::int2[])
                                 OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid
                                              AND d.refobjid = x.indrelid AND d.refobjsubid = a.attnum))), ''
             FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE (n.nspname || '.' || c.relname) = ANY($1) AND x.indisunique",
            &[&names],
        )
        .await
        .context("rls write probe: reading constraints")?;
    let mut info: HashMap<String, TableInfo> = HashMap::new();
    for row in &columns {
        info.entry(row.get(0))
            .or_default()
            .columns
            .push(ColumnInfo {
                name: row.get(1),
                type_name: row.get(2),
                category: row.get(3),
                not_null: row.get(4),
                has_default: row.get(5),
                generated: row.get(6),
                identity: row.get(7),
                enum_labels: row.get(8),
                insert: [row.get(9), row.get(10)],
                update: [row.get(11), row.get(12)],
                default_is_auth_uid: row.get(13),
            });
    }
    for row in &constraints {
        let entry = info.entry(row.get(0)).or_default();
        match row.get::<_, &str>(1) {
            "c" => entry.checks.push(row.get(3)),
            _ => entry.unique.push(row.get(2)),
        }
    }
    Ok(info)
}

impl Probe<'_> {
    /// Probes one table.
    async fn table(&mut self, table: &Relation) -> Result<CheckResult> {
        let name = table.qualified();
        let mut result = CheckResult::new(rls_write_probe::CHECK.id, &name, vec![]);
        let policies: Vec<&Policy> = self.catalog.policies_on(table).collect();
        let mut owners = ownership_columns(&table.name, &policies);
        if let Some(declared) = self.declared.get(&name)
            && !owners.contains(&declared.owner)
        {
            owners.insert(declared.owner.clone());
        }
        let rows = [self.row(&name, 0, 0).await?, self.row(&name, 1, 0).await?];
        let (a, b) = match (&rows[0], &rows[1]) {
            (Ok(a), Ok(b)) => (a.clone(), b.clone()),
            (Err(message), _) | (_, Err(message)) => {
                result.findings.push(crate::verify::checks::Finding {
                    level: Severity::Warning,
                    message: format!(
                        "not probed: the probe could not create its synthetic rows ({message}); give the table a [[rls_probe]] seed"
                    ),
                });
                return Ok(result);
            }
        };
        let writable = table.access.authenticated.writes();
        if table.primary_key.is_empty() {
            result
                .notes
                .push("no primary key: UPDATE and DELETE of single rows were not probed".into());
        }
        let owners: Vec<String> = owners
            .into_iter()
            .filter(|c| a.json.get(c) != b.json.get(c))
            .collect();
        if writable && owners.is_empty() {
            result.notes.push(
                "no policy ties rows to a user (no ownership column found in USING): cross-user writes were not probed".into(),
            );
        }
        if writable && !owners.is_empty() {
            self.cross_user(table, &owners, &a, &b, &policies, &mut result)
                .await?;
        }
        self.anon(table, &a, &owners, &mut result).await?;
        Ok(result)
    }

    /// B against A's rows, and B's own row re-pointed or moved.
    async fn cross_user(
        &mut self,
        table: &Relation,
        owners: &[String],
        a: &Row,
        b: &Row,
        policies: &[&Policy],
        result: &mut CheckResult,
    ) -> Result<()> {
        let user_b = self.users[1].clone();
        let name = table.qualified();
        let info = self.info.get(&name).cloned().unwrap_or_default();
        let columns = owners.join(", ");
        // INSERT a row owned by A: a copy of A's row (its ownership columns and parent rows are
        // A's), fresh in its unique columns.
        let owned_by_a = a.json.clone();
        result
            .tried
            .push(format!("user B: INSERT a row whose {columns} is user A's"));
        let plain = self
            .insert_copy(table, &info, &user_b, &owned_by_a, false)
            .await?;
        let returning = self
            .insert_copy(table, &info, &user_b, &owned_by_a, true)
            .await?;
        if let Attempt::Failed(message) = &plain
            && !plain.passed_policies()
        {
            result.notes.push(format!(
                "user B's INSERT of a row owned by user A was stopped before the policies could be judged ({message})"
            ));
        }
        if plain.passed_policies() || returning.passed_policies() {
            let how = match (plain.passed_policies(), returning.passed_policies()) {
                (true, true) => "without and with RETURNING",
                (true, false) => "without RETURNING (return=minimal)",
                _ => "with RETURNING only",
            };
            result.findings.push(error(format!(
                "authenticated user B can INSERT into {name} a row whose {columns} is user A's ({how}){}",
                constraint_note(&plain)
            )));
        }
        if table.primary_key.is_empty() {
            return Ok(());
        }
        // UPDATE and DELETE A's row.
        if table.access.authenticated.update
            && let Some(column) = self.updatable(table, &info, 0, owners)
        {
            let sql = format!(
                "UPDATE {} SET {c} = {c} WHERE {}",
                quote_qualified(&name),
                key_condition(table, 1),
                c = quote_ident(&column)
            );
            result.tried.push(format!(
                "user B: UPDATE user A's row (SET {column} = {column})"
            ));
            let attempt = session::attempt(self.client, &user_b, "PATCH", &sql, &[&a.json]).await?;
            if attempt.wrote() {
                result.findings.push(error(format!(
                    "authenticated user B can UPDATE user A's row of {name} (SET {column} = {column})"
                )));
            }
        }
        if table.access.authenticated.delete {
            let sql = format!(
                "DELETE FROM {} WHERE {}",
                quote_qualified(&name),
                key_condition(table, 1)
            );
            result.tried.push("user B: DELETE user A's row".into());
            if session::attempt(self.client, &user_b, "DELETE", &sql, &[&a.json])
                .await?
                .wrote()
            {
                result.findings.push(error(format!(
                    "authenticated user B can DELETE user A's row of {name}"
                )));
            }
        }
        if !table.access.authenticated.update {
            return Ok(());
        }
        // Re-point B's own row at A.
        for column in owners {
            if !info.column(column).is_some_and(|c| c.update[0]) {
                continue;
            }
            let mut target = b.json.clone();
            target[column.as_str()] = a.json[column.as_str()].clone();
            result.tried.push(format!(
                "user B: UPDATE {column} of its own row to user A's value"
            ));
            if self.repoints(table, column, &target, b).await? {
                result.findings.push(error(format!(
                    "authenticated user B can UPDATE {column} of its own row of {name} to user A's value: the row moves to A and B can no longer change it"
                )));
            }
        }
        // UPDATE into a state the INSERT policies refuse.
        self.update_beyond_insert(table, &info, owners, b, policies, result)
            .await
    }

    /// Whether B's row, updated to `target`, is written and then no longer B's to update.
    async fn repoints(
        &self,
        table: &Relation,
        column: &str,
        target: &Value,
        b: &Row,
    ) -> Result<bool> {
        let client = self.client;
        let name = quote_qualified(&table.qualified());
        let user_b = &self.users[1];
        session::savepoint(client, "eventos_repoint").await?;
        let set = format!(
            "UPDATE {name} SET {c} = (SELECT r.{c} FROM jsonb_populate_record(NULL::{name}, $2::jsonb) AS r) WHERE {}",
            key_condition(table, 1),
            c = quote_ident(column)
        );
        let moved = match session::act_as(client, user_b, "PATCH").await {
            Ok(()) => client.execute(set.as_str(), &[&b.json, target]).await,
            Err(err) => Err(err),
        };
        let moved = match moved {
            Ok(n) => n > 0,
            Err(err) => {
                refusal(err, "a re-pointing update")?;
                false
            }
        };
        let mut kept = true;
        if moved {
            let touch = format!(
                "UPDATE {name} SET {c} = {c} WHERE {}",
                key_condition(table, 1),
                c = quote_ident(column)
            );
            kept = match client.execute(touch.as_str(), &[target]).await {
                Ok(n) => n > 0,
                Err(err) => {
                    refusal(err, "a follow-up update")?;
                    false
                }
            };
        }
        session::rollback_to(client, "eventos_repoint").await?;
        Ok(moved && !kept)
    }

    /// B moves its own row into a state INSERT refuses: UPDATE succeeds, inserting a copy of the
    /// result is refused by row level security, while a copy of the original row is accepted.
    async fn update_beyond_insert(
        &self,
        table: &Relation,
        info: &TableInfo,
        owners: &[String],
        b: &Row,
        policies: &[&Policy],
        result: &mut CheckResult,
    ) -> Result<()> {
        let candidates = state_candidates(&table.name, info, owners, policies, &b.json);
        if candidates.is_empty() {
            return Ok(());
        }
        let user_b = self.users[1].clone();
        let baseline = self
            .insert_copy(table, info, &user_b, &b.json, false)
            .await?;
        if !baseline.passed_policies() {
            result.notes.push(format!(
                "UPDATE-versus-INSERT not compared: the INSERT policies refuse even a copy of user B's own row ({})",
                describe(&baseline)
            ));
            return Ok(());
        }
        let client = self.client;
        let name = quote_qualified(&table.qualified());
        result.tried.push(format!(
            "user B: UPDATE its own row to {} state(s) and INSERT a copy: {}",
            candidates.len(),
            candidates
                .iter()
                .map(|(c, v)| format!("{c} = {}", show(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        for (column, value) in candidates {
            let mut target = b.json.clone();
            target[column.as_str()] = value.clone();
            session::savepoint(client, "eventos_state").await?;
            let set = format!(
                "UPDATE {name} SET {c} = (SELECT r.{c} FROM jsonb_populate_record(NULL::{name}, $2::jsonb) AS r) WHERE {}",
                key_condition(table, 1),
                c = quote_ident(&column)
            );
            let updated = match session::act_as(client, &user_b, "PATCH").await {
                Ok(()) => client.execute(set.as_str(), &[&b.json, &target]).await,
                Err(err) => Err(err),
            };
            let updated = match updated {
                Ok(n) => n > 0,
                Err(err) => {
                    refusal(err, "a state update")?;
                    false
                }
            };
            let mut refused = false;
            if updated {
                client
                    .batch_execute("SELECT set_config('role', 'none', true)")
                    .await
                    .context("rls write probe: resetting the role")?;
                let read = format!(
                    "SELECT to_jsonb(t) FROM {name} AS t WHERE {}",
                    key_condition(table, 1)
                );
                if let Ok(row) = client.query_one(read.as_str(), &[&b.json]).await {
                    let moved: Value = row.get(0);
                    let copy = self
                        .insert_copy(table, info, &user_b, &moved, false)
                        .await?;
                    refused =
                        matches!(&copy, Attempt::Denied(m) if m.contains("row-level security"));
                }
            }
            session::rollback_to(client, "eventos_state").await?;
            if refused {
                result.findings.push(error(format!(
                    "authenticated user B can UPDATE {column} of its own row of {} to {}, a state the INSERT policies refuse",
                    table.qualified(),
                    show(&value)
                )));
                break;
            }
        }
        Ok(())
    }

    /// anon's INSERT, UPDATE and DELETE.
    async fn anon(
        &mut self,
        table: &Relation,
        a: &Row,
        owners: &[String],
        result: &mut CheckResult,
    ) -> Result<()> {
        let name = table.qualified();
        let info = self.info.get(&name).cloned().unwrap_or_default();
        let anon = Actor::Anon;
        let mut wrote = Vec::new();
        let granted: Vec<&str> = [
            ("INSERT", table.access.anon.insert),
            ("UPDATE", table.access.anon.update),
            ("DELETE", table.access.anon.delete),
        ]
        .into_iter()
        .filter(|(_, held)| *held)
        .map(|(what, _)| what)
        .collect();
        if !granted.is_empty() {
            result.tried.push(format!("anon: {}", granted.join(", ")));
        }
        if table.access.anon.insert {
            let attempt = self
                .insert_copy(table, &info, &anon, &a.json, false)
                .await?;
            if attempt.passed_policies() {
                wrote.push(format!("INSERT into {name}{}", constraint_note(&attempt)));
            }
        }
        if !table.primary_key.is_empty() {
            if table.access.anon.update
                && let Some(column) = self.updatable(table, &info, 1, owners)
            {
                let sql = format!(
                    "UPDATE {} SET {c} = {c} WHERE {}",
                    quote_qualified(&name),
                    key_condition(table, 1),
                    c = quote_ident(&column)
                );
                if session::attempt(self.client, &anon, "PATCH", &sql, &[&a.json])
                    .await?
                    .wrote()
                {
                    wrote.push(format!(
                        "UPDATE user A's row of {name} (SET {column} = {column})"
                    ));
                }
            }
            if table.access.anon.delete {
                let sql = format!(
                    "DELETE FROM {} WHERE {}",
                    quote_qualified(&name),
                    key_condition(table, 1)
                );
                if session::attempt(self.client, &anon, "DELETE", &sql, &[&a.json])
                    .await?
                    .wrote()
                {
                    wrote.push(format!("DELETE user A's row of {name}"));
                }
            }
        }
        for what in wrote {
            result.findings.push(error(format!("anon can {what}")));
        }
        Ok(())
    }

    /// A column `role` (0 authenticated, 1 anon) may update, preferring one that is not an
    /// ownership column or part of the key.
    fn updatable(
        &self,
        table: &Relation,
        info: &TableInfo,
        role: usize,
        owners: &[String],
    ) -> Option<String> {
        let candidates: Vec<&ColumnInfo> = info
            .columns
            .iter()
            .filter(|c| c.update[role] && !c.generated && !c.identity)
            .collect();
        let plain =
            |c: &&&ColumnInfo| !owners.contains(&c.name) && !table.primary_key.contains(&c.name);
        candidates
            .iter()
            .find(plain)
            .or_else(|| candidates.iter().find(|c| !owners.contains(&c.name)))
            .or_else(|| candidates.first())
            .map(|c| c.name.clone())
    }

    /// INSERTs a copy of `json` as `actor`: columns the role may insert, generated and identity
    /// columns left out, unique columns made fresh.
    async fn insert_copy(
        &self,
        table: &Relation,
        info: &TableInfo,
        actor: &Actor,
        json: &Value,
        returning: bool,
    ) -> Result<Attempt> {
        let role = usize::from(matches!(actor, Actor::Anon));
        let privileges = if role == 0 {
            table.access.authenticated
        } else {
            table.access.anon
        };
        if !privileges.insert {
            return Ok(Attempt::Denied(format!(
                "42501: {} holds no INSERT privilege",
                actor.role()
            )));
        }
        let name = quote_qualified(&table.qualified());
        // A user's copy keeps whose row it is (ownership and foreign keys); anon's only its
        // foreign keys.
        let owners = match actor {
            Actor::User { .. } => ownership_columns(
                &table.name,
                &self.catalog.policies_on(table).collect::<Vec<_>>(),
            ),
            Actor::Anon => BTreeSet::new(),
        };
        let keep: BTreeSet<String> = self
            .catalog
            .foreign_keys
            .iter()
            .filter(|fk| fk.schema == table.schema && fk.table == table.name)
            .flat_map(|fk| fk.column_names.iter().cloned())
            .chain(owners)
            .collect();
        let fresh = fresh_columns(info, &keep);
        let mut columns = Vec::new();
        let mut values = Vec::new();
        for column in info
            .columns
            .iter()
            .filter(|c| c.insert[role] && !c.generated && !c.identity)
        {
            let quoted = quote_ident(&column.name);
            if fresh.contains(&column.name) {
                if column.has_default {
                    continue;
                }
                match fresh_value(column, &format!("r.{quoted}")) {
                    Some(value) => values.push(value),
                    None => continue,
                }
            } else if json.get(&column.name).is_none_or(Value::is_null) && column.has_default {
                continue;
            } else {
                values.push(format!("r.{quoted}"));
            }
            columns.push(quoted);
        }
        let returning = if returning { " RETURNING *" } else { "" };
        if columns.is_empty() {
            let sql = format!("INSERT INTO {name} DEFAULT VALUES{returning}");
            return session::attempt(self.client, actor, "POST", &sql, &[]).await;
        }
        let sql = format!(
            "INSERT INTO {name} ({}) SELECT {} FROM jsonb_populate_record(NULL::{name}, $1::jsonb) AS r{returning}",
            columns.join(", "),
            values.join(", "),
        );
        session::attempt(self.client, actor, "POST", &sql, &[json]).await
    }

    /// The synthetic row of `table` for user `n` (0 = A, 1 = B): seeded once, then remembered.
    async fn row(
        &mut self,
        table: &str,
        n: usize,
        depth: usize,
    ) -> Result<std::result::Result<Row, String>> {
        if let Some(row) = self.rows.get(&(table.to_string(), n)) {
            return Ok(row.clone());
        }
        let made = match self.declared.get(table).copied() {
            Some(probe) => self.seeded(probe, table, n).await?,
            None if depth < MAX_DEPTH => Box::pin(self.synthesised(table, n, depth)).await?,
            None => Err(format!("parent rows nest deeper than {MAX_DEPTH} tables")),
        };
        self.rows.insert((table.to_string(), n), made.clone());
        Ok(made)
    }

    /// Runs the plan's seed for user `n` (unless a row owned by them exists) and returns it.
    async fn seeded(
        &self,
        probe: &RlsProbe,
        table: &str,
        n: usize,
    ) -> Result<std::result::Result<Row, String>> {
        let quoted = quote_qualified(table);
        let owner = quote_ident(&probe.owner);
        let user = &self.ids[n];
        let find =
            format!("SELECT to_jsonb(t) FROM {quoted} AS t WHERE {owner}::text = $1 LIMIT 1");
        match session::read_opt(self.client, &find, &[user]).await? {
            Ok(Some(row)) => return Ok(Ok(Row { json: row.get(0) })),
            Ok(None) => {}
            Err(message) => return Ok(Err(format!("reading {table}: {message}"))),
        }
        let seed = probe
            .seed
            .clone()
            .unwrap_or_else(|| format!("INSERT INTO {quoted} ({owner}) VALUES ({{user}})"))
            .replace("{user}", &format!("'{user}'::uuid"));
        session::savepoint(self.client, "eventos_seed").await?;
        session::claims_only(self.client, &self.users[n]).await?;
        if let Err(err) = self.client.batch_execute(&seed).await {
            let message = refusal(err, "seeding")?;
            session::rollback_to(self.client, "eventos_seed").await?;
            return Ok(Err(format!(
                "the seed of [[rls_probe]] {table} failed: {message}"
            )));
        }
        session::release(self.client, "eventos_seed").await?;
        Ok(
            match session::read_opt(self.client, &find, &[user]).await? {
                Ok(Some(row)) => Ok(Row { json: row.get(0) }),
                Ok(None) => Err(format!(
                    "the seed of {table} left no row with {owner} = the user's id"
                )),
                Err(message) => Err(format!("reading {table}: {message}")),
            },
        )
    }

    /// Builds a row of `table` for user `n` from its columns: the user's id in ownership and
    /// `auth.users` columns, the user's parent rows in foreign keys, typed placeholders elsewhere.
    async fn synthesised(
        &mut self,
        table: &str,
        n: usize,
        depth: usize,
    ) -> Result<std::result::Result<Row, String>> {
        let Some(info) = self.info.get(table).cloned() else {
            return Ok(Err(format!("{table} is not readable by the probe")));
        };
        let Some(relation) = self.catalog.relation(table).cloned() else {
            return Ok(Err(format!("{table} does not exist")));
        };
        let policies: Vec<Policy> = self.catalog.policies_on(&relation).cloned().collect();
        let owners = ownership_columns(&relation.name, &policies.iter().collect::<Vec<_>>());
        let keys: Vec<_> = self
            .catalog
            .foreign_keys
            .iter()
            .filter(|fk| fk.table_name() == table && !fk.inherited)
            .cloned()
            .collect();
        let user = self.ids[n].clone();
        let mut columns = Vec::new();
        let mut values = Vec::new();
        let mut params: Vec<String> = Vec::new();
        for column in info.columns.iter().filter(|c| !c.generated && !c.identity) {
            let key = keys.iter().find(|k| k.column_names.contains(&column.name));
            let is_user = key.is_some_and(|k| k.references == "auth.users")
                || column.default_is_auth_uid
                || (owners.contains(&column.name) && key.is_none() && column.type_name == "uuid");
            let value = if is_user {
                params.push(user.clone());
                Some(format!("${}::text::{}", params.len(), column.type_name))
            } else if let Some(key) = key {
                let parent = key.references.clone();
                let position = key
                    .column_names
                    .iter()
                    .position(|c| c == &column.name)
                    .unwrap_or(0);
                let referenced = key
                    .referenced_columns
                    .get(position)
                    .cloned()
                    .unwrap_or_default();
                match self.row(&parent, n, depth + 1).await? {
                    Ok(row) => match row.json.get(&referenced) {
                        Some(Value::Null) | None => None,
                        Some(value) => {
                            params.push(json_text(value));
                            Some(format!("${}::text::{}", params.len(), column.type_name))
                        }
                    },
                    Err(message) if column.not_null && !column.has_default => {
                        return Ok(Err(format!(
                            "no parent row in {parent} for {}: {message}",
                            column.name
                        )));
                    }
                    Err(_) => None,
                }
            } else if column.has_default || !column.not_null {
                None
            } else {
                match placeholder(column, &info) {
                    Some(value) => Some(value),
                    None => {
                        return Ok(Err(format!(
                            "no placeholder for the NOT NULL column {} of type {}",
                            column.name, column.type_name
                        )));
                    }
                }
            };
            if let Some(value) = value {
                columns.push(quote_ident(&column.name));
                values.push(value);
            }
        }
        let quoted = quote_qualified(table);
        let sql = format!(
            "INSERT INTO {quoted} ({}) VALUES ({}) RETURNING to_jsonb({quoted}.*)",
            columns.join(", "),
            values.join(", ")
        );
        let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
            .iter()
            .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
            .collect();
        session::savepoint(self.client, "eventos_synth").await?;
        session::claims_only(self.client, &self.users[n]).await?;
        match self.client.query_one(sql.as_str(), &params).await {
            Ok(row) => {
                session::release(self.client, "eventos_synth").await?;
                Ok(Ok(Row { json: row.get(0) }))
            }
            Err(err) => {
                let message = refusal(err, "synthesising a row")?;
                session::rollback_to(self.client, "eventos_synth").await?;
                Ok(Err(format!(
                    "synthesising a row of {table} failed: {message}"
                )))
            }
        }
    }
}

fn error(message: String) -> crate::verify::checks::Finding {
    crate::verify::checks::Finding {
        level: Severity::Error,
        message,
    }
}

fn constraint_note(attempt: &Attempt) -> String {
    match attempt {
        Attempt::Failed(message) => format!(
            "; the policies accepted it, only a unique constraint stopped this copy ({message})"
        ),
        _ => String::new(),
    }
}

fn describe(attempt: &Attempt) -> String {
    match attempt {
        Attempt::Rows(n) => format!("{n} row(s)"),
        Attempt::Denied(m) | Attempt::Failed(m) => m.clone(),
    }
}

/// `"k1" = (SELECT r."k1" FROM jsonb_populate_record(NULL::t, $n)) AND …`: the row whose key is
/// in the JSON parameter `$n`.
fn key_condition(table: &Relation, param: usize) -> String {
    let name = quote_qualified(&table.qualified());
    table
        .primary_key
        .iter()
        .map(|k| {
            let k = quote_ident(k);
            format!("{k} = (SELECT r.{k} FROM jsonb_populate_record(NULL::{name}, ${param}::jsonb) AS r)")
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Columns whose value must change for a copy to be insertable: one per unique constraint (the
/// first that has a default, else the first text, uuid or number column), never one of `keep`
/// (ownership and foreign key columns: changing them would change whose row it is). A unique
/// constraint made only of `keep` columns gets none: the copy then collides, which still shows
/// that the policies accepted it.
fn fresh_columns(info: &TableInfo, keep: &BTreeSet<String>) -> BTreeSet<String> {
    let mut fresh = BTreeSet::new();
    for set in &info.unique {
        let columns: Vec<&ColumnInfo> = set
            .iter()
            .filter(|c| !keep.contains(*c))
            .filter_map(|c| info.column(c))
            .collect();
        let pick = columns
            .iter()
            .find(|c| c.has_default)
            .or_else(|| {
                columns
                    .iter()
                    .find(|c| matches!(c.category.as_str(), "S" | "U"))
            })
            .or_else(|| columns.iter().find(|c| c.category == "N"));
        if let Some(column) = pick {
            fresh.insert(column.name.clone());
        }
    }
    fresh
}

/// A new value for a unique column, built from the copied one (`source`).
fn fresh_value(column: &ColumnInfo, source: &str) -> Option<String> {
    let suffix = "substr(md5(random()::text), 1, 8)";
    match (column.category.as_str(), column.type_name.as_str()) {
        (_, "uuid") => Some("gen_random_uuid()".into()),
        ("S", _) => Some(format!(
            "({suffix} || '-' || {source})::{}",
            column.type_name
        )),
        ("N", _) => Some(format!(
            "({source} + 1 + floor(random() * 1000000))::{}",
            column.type_name
        )),
        _ => None,
    }
}

/// A placeholder for a NOT NULL column without default, by type (a CHECK constraint's first
/// literal for text columns restricted to a list).
fn placeholder(column: &ColumnInfo, info: &TableInfo) -> Option<String> {
    if let Some(label) = column.enum_labels.first() {
        return Some(format!("{}::{}", quote_literal(label), column.type_name));
    }
    if let Some(literal) = check_literals(info, &column.name).into_iter().next() {
        return Some(format!("{}::{}", quote_literal(&literal), column.type_name));
    }
    let unique = info.unique.iter().any(|u| u.contains(&column.name));
    let value = match (column.category.as_str(), column.type_name.as_str()) {
        (_, "uuid") => "gen_random_uuid()".to_string(),
        (_, "jsonb") | (_, "json") => "'{}'".to_string(),
        ("S", _) if unique => "'eventos-probe-' || substr(md5(random()::text), 1, 12)".to_string(),
        ("S", _) => "'eventos-probe'".to_string(),
        ("N", _) => "1".to_string(),
        ("B", _) => "false".to_string(),
        ("D", _) => "now() + interval '30 days'".to_string(),
        ("A", _) => "'{}'".to_string(),
        ("I", _) => "'127.0.0.1'".to_string(),
        _ => return None,
    };
    Some(format!("({value})::{}", column.type_name))
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The text of a JSON value as PostgreSQL's input functions read it.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::Null => "NULL".into(),
        Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

/// String literals a CHECK constraint compares `column` with (`c IN ('a', 'b')`,
/// `c = ANY (ARRAY['a', 'b'])`).
fn check_literals(info: &TableInfo, column: &str) -> Vec<String> {
    let mut out = Vec::new();
    for definition in &info.checks {
        let Some(expr) = definition
            .strip_prefix("CHECK ")
            .and_then(|e| Expr::parse(e.trim_end_matches(" NOT VALID")))
        else {
            continue;
        };
        collect_literals(&expr, "", column, &mut out);
    }
    out
}

/// Literals compared with `column` anywhere in `expr`.
fn collect_literals(expr: &Expr, table: &str, column: &str, out: &mut Vec<String>) {
    expr.walk(&mut |e| {
        if let Expr::Op {
            left: Some(l),
            right: Some(r),
            ..
        } = e
        {
            for (side, other) in [(l, r), (r, l)] {
                if side.own_column(table) == Some(column) {
                    literals_of(other, out);
                }
            }
        }
    });
}

fn literals_of(expr: &Expr, out: &mut Vec<String>) {
    match expr.uncast() {
        Expr::Const(Literal::Null) => {}
        Expr::Const(literal) => {
            let text = literal.text();
            if !out.contains(&text) {
                out.push(text);
            }
        }
        Expr::List(items) => items.iter().for_each(|i| literals_of(i, out)),
        Expr::Other(items) => items.iter().for_each(|i| literals_of(i, out)),
        _ => {}
    }
}

/// Values to move B's row to, per column the INSERT policies constrain (ownership columns
/// excluded): literals of the INSERT policies and CHECK constraints, enum labels, both booleans,
/// NULL when allowed, and a value unlike any literal for text and numbers.
fn state_candidates(
    table: &str,
    info: &TableInfo,
    owners: &[String],
    policies: &[&Policy],
    current: &Value,
) -> Vec<(String, Value)> {
    let inserts: Vec<Expr> = policies
        .iter()
        .filter(|p| p.applies_to("authenticated") && p.governs("INSERT"))
        .filter_map(|p| p.with_check.as_deref().or(p.using.as_deref()))
        .filter_map(Expr::parse)
        .collect();
    let mut constrained: Vec<String> = Vec::new();
    for expr in &inserts {
        expr.walk(&mut |e| {
            if let Some(c) = e.own_column(table)
                && !owners.iter().any(|o| o == c)
                && !constrained.iter().any(|x| x == c)
            {
                constrained.push(c.to_string());
            }
        });
    }
    let mut out = Vec::new();
    for name in constrained {
        let Some(column) = info.column(&name).filter(|c| c.update[0] && !c.generated) else {
            continue;
        };
        let mut literals = Vec::new();
        for expr in &inserts {
            collect_literals(expr, table, &name, &mut literals);
        }
        literals.extend(check_literals(info, &name));
        literals.extend(column.enum_labels.iter().cloned());
        let mut values: Vec<Value> = literals.iter().map(|l| Value::String(l.clone())).collect();
        match column.category.as_str() {
            "B" => values.extend([Value::Bool(true), Value::Bool(false)]),
            "S" if column.enum_labels.is_empty() => {
                values.push(Value::String("eventos-probe-other".into()))
            }
            "N" => values.extend([Value::String("0".into()), Value::String("-1".into())]),
            _ => {}
        }
        if !column.not_null {
            values.push(Value::Null);
        }
        let now = current.get(&name).cloned().unwrap_or(Value::Null);
        let mut tried = 0;
        for value in values {
            if same(&value, &now) || out.iter().any(|(c, v)| c == &name && v == &value) {
                continue;
            }
            out.push((name.clone(), value));
            tried += 1;
            if tried == MAX_CANDIDATES {
                break;
            }
        }
    }
    out
}

fn same(a: &Value, b: &Value) -> bool {
    a == b || json_text(a) == json_text(b)
}

/// The columns of `table` the policies' USING clauses tie to the caller (WITH CHECK clauses
/// when no USING does): compared with an auth value, a helper function or a subquery, tested
/// with `IN (SELECT …)`, referenced from a correlated subquery, or passed to a helper function.
fn ownership_columns(table: &str, policies: &[&Policy]) -> BTreeSet<String> {
    let relevant: Vec<&&Policy> = policies
        .iter()
        .filter(|p| p.permissive && p.applies_to("authenticated"))
        .collect();
    let parse = |sql: Option<&String>| sql.and_then(|s| Expr::parse(s));
    let mut found = BTreeSet::new();
    for policy in &relevant {
        if let Some(expr) = parse(policy.using.as_ref()) {
            tie_columns(table, &expr, &mut found);
        }
    }
    if found.is_empty() {
        for policy in &relevant {
            if let Some(expr) = parse(policy.with_check.as_ref()) {
                tie_columns(table, &expr, &mut found);
            }
        }
    }
    found
}

/// Whether `expr` depends on who is asking: it reads the JWT, calls a non-catalog function or
/// runs a subquery.
fn caller_dependent(expr: &Expr) -> bool {
    expr.any(&|e| {
        e.is_auth_call()
            || matches!(e, Expr::Sub { .. })
            || matches!(e, Expr::Func { name, .. } if name.len() > 1 && name[0] != "pg_catalog")
    })
}

fn tie_columns(table: &str, expr: &Expr, found: &mut BTreeSet<String>) {
    expr.walk(&mut |e| match e {
        Expr::Op {
            kind: OpKind::Plain | OpKind::Any | OpKind::In,
            left: Some(l),
            right: Some(r),
            ..
        } => {
            for (side, other) in [(l, r), (r, l)] {
                if let Some(column) = side.own_column(table)
                    && caller_dependent(other)
                {
                    found.insert(column.to_string());
                }
            }
        }
        Expr::Sub { kind, test, query } => {
            if let (SubKind::Any | SubKind::All, Some(test)) = (kind, test)
                && let Some(column) = test.own_column(table)
            {
                found.insert(column.to_string());
            }
            for filter in &query.filter {
                filter.walk(&mut |x| {
                    if let Expr::Column(parts) = x
                        && parts.len() == 2
                        && parts[0] == table
                    {
                        found.insert(parts[1].clone());
                    }
                });
            }
        }
        Expr::Func { name, args }
            if name.len() > 1 && name[0] != "pg_catalog" && name[0] != "auth" =>
        {
            for arg in args {
                if let Some(column) = arg.own_column(table) {
                    found.insert(column.to_string());
                }
            }
        }
        _ => {}
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::checks::fixtures::policy;

    #[test]
    fn ownership_comes_from_the_using_clauses() {
        let own = policy(
            "own",
            "SELECT",
            &["authenticated"],
            Some("(author_id = ( SELECT auth.uid() AS uid))"),
            None,
        );
        let members = policy(
            "members",
            "SELECT",
            &["authenticated"],
            Some(
                "(EXISTS ( SELECT 1 FROM public.members m WHERE ((m.event_id = notes.event_id) AND (m.user_id = ( SELECT auth.uid() AS uid)))))",
            ),
            None,
        );
        let organizer = policy(
            "org",
            "ALL",
            &["authenticated"],
            Some("(venue_id IN ( SELECT public.my_venues() AS my_venues))"),
            None,
        );
        let helper = policy(
            "helper",
            "UPDATE",
            &["authenticated"],
            Some("public.can_edit(board_id)"),
            None,
        );
        let public = policy(
            "public",
            "SELECT",
            &["anon"],
            Some("(status = 'published'::text)"),
            None,
        );
        let found = ownership_columns("notes", &[&own, &members, &organizer, &helper, &public]);
        assert_eq!(
            found.into_iter().collect::<Vec<_>>(),
            vec!["author_id", "board_id", "event_id", "venue_id"]
        );
    }

    #[test]
    fn insert_literals_become_candidate_states() {
        let info = TableInfo {
            columns: vec![ColumnInfo {
                name: "status".into(),
                type_name: "text".into(),
                category: "S".into(),
                not_null: true,
                has_default: true,
                generated: false,
                identity: false,
                enum_labels: vec![],
                insert: [true, false],
                update: [true, false],
                default_is_auth_uid: false,
            }],
            unique: vec![],
            checks: vec!["CHECK ((status = ANY (ARRAY['draft'::text, 'published'::text, 'archived'::text])))".into()],
        };
        let insert = policy(
            "ins",
            "INSERT",
            &["authenticated"],
            None,
            Some("((author_id = ( SELECT auth.uid() AS uid)) AND (status = 'draft'::text))"),
        );
        let current = serde_json::json!({"status": "draft", "author_id": "x"});
        let candidates =
            state_candidates("notes", &info, &["author_id".into()], &[&insert], &current);
        let values: Vec<String> = candidates.iter().map(|(_, v)| json_text(v)).collect();
        assert_eq!(values, vec!["published", "archived", "eventos-probe-other"]);
    }
}
