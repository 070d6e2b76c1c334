//! `eventos diff`: the live database against what the bundles build, on a shadow database.
//!
//! 1. The target is opened read-only and its migration history read; the shadow gets exactly
//!    the bundle migrations that history records (or, with `--phase N`, every migration of
//!    phases `0..=N`), through the migrate engine ([`shadow::build_shadow`]).
//! 2. Both catalogs are read with the same queries under the same `search_path`, a constant
//!    number of round trips per side ([`snapshot::Snapshot::read`]).
//! 3. Both snapshots are narrowed to the schemas the bundles own ([`scope`]) and compared
//!    ([`compare::compare`]): pure code, so every rule is unit-tested without a database.
//!
//! [`sql::draft`] turns the changes into a draft migration; `report::diff` renders them.

pub mod compare;
pub mod scope;
pub mod shadow;
pub mod snapshot;
pub mod sql;

use std::collections::BTreeSet;

use anyhow::{Context, Result, bail};
use tokio_postgres::Client;

pub use compare::{Attribute, Change, Kind, Sign};
pub use scope::Scope;
pub use snapshot::Snapshot;

use crate::bundle::Project;
use crate::config::Config;
use crate::migrate::{AppliedMigration, MigrationState, compute_status, read_history};

/// What to compare the database with.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The target database (read only).
    pub database_url: &'a str,
    /// Compare with every migration of phases `0..=N` instead of what the history records.
    pub phase: Option<u8>,
    /// A scratch database to build the shadow in, instead of a throwaway cluster.
    pub shadow_url: Option<&'a str>,
}

/// Which bundle migrations the shadow gets, and what the caller should know about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Versions to apply to the shadow.
    pub versions: BTreeSet<u32>,
    /// Facts about the target's history worth reporting (pending files, edited files, …).
    pub notes: Vec<String>,
}

/// The two snapshots and their differences.
#[derive(Debug, Clone)]
pub struct Diff {
    /// Every difference, grouped by object.
    pub changes: Vec<Change>,
    /// The database's side, scoped (the `--sql` draft is built from it).
    pub database: Snapshot,
    /// The bundles' side, scoped.
    pub bundles: Snapshot,
    /// The `search_path` both sides were read under.
    pub search_path: String,
    /// Catalog round trips on the database (probe included).
    pub database_queries: usize,
    /// Catalog round trips on the shadow (probe included).
    pub bundles_queries: usize,
}

impl Diff {
    /// Whether the database differs from the bundles.
    pub fn drifted(&self) -> bool {
        !self.changes.is_empty()
    }

    /// How many changes have `sign`.
    pub fn count(&self, sign: Sign) -> usize {
        self.changes.iter().filter(|c| c.sign == sign).count()
    }
}

/// A finished diff with its context, ready to render.
#[derive(Debug, Clone)]
pub struct Report {
    /// The target, password removed.
    pub database: String,
    /// Where the shadow ran, password removed (`ephemeral` for a throwaway cluster).
    pub shadow: String,
    /// The bundle migrations the shadow holds.
    pub migrations: BTreeSet<u32>,
    /// Notes about the history.
    pub notes: Vec<String>,
    /// The comparison.
    pub diff: Diff,
}

/// Runs a whole diff: open the target read-only, choose the migrations, build the shadow,
/// read and compare both catalogs.
pub async fn run(project: &Project, config: &Config, request: &Request<'_>) -> Result<Report> {
    let target = crate::db::connect(request.database_url).await?;
    target
        .batch_execute("SET default_transaction_read_only = on")
        .await
        .context("making the diff session read-only")?;
    let history = read_history(&target, &config.history_table, project).await?;
    let selection = select(project, &history, request.phase, &config.history_table)?;
    let facts = TargetFacts::read(&target).await?;
    let selected = shadow::select(project, &selection.versions);
    // The target's catalog is read while the shadow is being built.
    let target_probe = snapshot::probe(&target).await.context("the database")?;
    let (early, shadow) = tokio::try_join!(
        read_side(&target, &target_probe, "the database", None),
        shadow::build_shadow(&selected, config, request.shadow_url, &facts),
    )?;
    let diff = compare_with_shadow(
        &target,
        (target_probe, early),
        &shadow.db.client,
        &Scope::new(&config.history_table),
    )
    .await?;
    let mut notes = selection.notes;
    notes.extend(version_note(
        diff.database.server_version,
        diff.bundles.server_version,
    ));
    Ok(Report {
        database: crate::db::redact_url(request.database_url),
        shadow: if shadow.db.is_ephemeral() {
            "ephemeral".into()
        } else {
            shadow.db.display_url.clone()
        },
        migrations: selection.versions,
        notes,
        diff,
    })
}

/// A warning when the two servers' major versions differ: each deparses definitions its own way.
pub fn version_note(database: i32, shadow: i32) -> Option<String> {
    let (database, shadow) = (database / 10000, shadow / 10000);
    (database != shadow).then(|| {
        format!(
            "the database runs PostgreSQL {database} but the shadow {shadow}: definitions deparsed by different major versions (view queries, for one) can differ without a real change; run the shadow on PostgreSQL {database} (EVENTOS_PG_BIN, or --shadow-url)"
        )
    })
}

/// What the shadow needs to know about the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFacts {
    /// One database of one running server: server start time and database oid, so a shadow
    /// that is the target itself can be refused.
    pub identity: String,
    /// The server's major version, which the throwaway shadow should match.
    pub major: u32,
}

impl TargetFacts {
    /// Reads them (one query).
    pub async fn read(client: &Client) -> Result<TargetFacts> {
        let row = client
            .query_one(
                "SELECT pg_catalog.pg_postmaster_start_time()::text || '/' || d.oid::text,
                        pg_catalog.current_setting('server_version_num')::int / 10000
                 FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()",
                &[],
            )
            .await
            .context("identifying the database")?;
        Ok(TargetFacts {
            identity: row.get(0),
            major: row.get::<_, i32>(1) as u32,
        })
    }
}

/// Chooses the shadow's migrations: those the history records (files on disk), or every
/// migration of phases `0..=phase`.
pub fn select(
    project: &Project,
    history: &[AppliedMigration],
    phase: Option<u8>,
    history_table: &str,
) -> Result<Selection> {
    let status = compute_status(project, history);
    let name = |version: u32, name: &str| format!("V{version:04}__{name}");
    let list = |rows: Vec<String>| {
        let shown: Vec<&String> = rows.iter().take(5).collect();
        let more = rows.len().saturating_sub(5);
        let mut text = shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text
    };
    let mut notes = Vec::new();
    let versions: BTreeSet<u32> = match phase {
        Some(max) => project
            .up_to(Some(max))
            .flat_map(|b| &b.migrations)
            .map(|m| m.version)
            .collect(),
        None => {
            if history.is_empty() {
                bail!(
                    "the database has no eventos migration history ({history_table}), so there is nothing to say which bundles it should match\nhelp: pass --phase N to compare it with phases 0..=N, or adopt it first with `eventos migrate baseline --to VERSION`"
                );
            }
            status
                .iter()
                .filter(|r| matches!(r.state, MigrationState::Applied | MigrationState::Changed))
                .map(|r| r.version)
                .collect()
        }
    };
    let rows_in = |state: MigrationState, selected: Option<bool>| -> Vec<String> {
        status
            .iter()
            .filter(|r| r.state == state)
            .filter(|r| selected.is_none_or(|s| versions.contains(&r.version) == s))
            .map(|r| name(r.version, &r.name))
            .collect()
    };
    let changed = rows_in(MigrationState::Changed, None);
    if !changed.is_empty() {
        notes.push(format!(
            "{} applied migration(s) changed on disk since they were applied; the shadow runs the files as they are now: {}",
            changed.len(),
            list(changed)
        ));
    }
    let missing = rows_in(MigrationState::MissingOnDisk, None);
    if !missing.is_empty() {
        notes.push(format!(
            "{} migration(s) recorded in the database's history are not in the bundles, so the shadow lacks them: {}",
            missing.len(),
            list(missing)
        ));
    }
    let pending = rows_in(MigrationState::Pending, Some(false));
    if !pending.is_empty() && phase.is_none() {
        notes.push(format!(
            "{} bundle migration(s) are not applied to the database yet and were left out of the comparison (`eventos migrate up` applies them): {}",
            pending.len(),
            list(pending)
        ));
    }
    let beyond_phase: Vec<String> = status
        .iter()
        .filter(|r| phase.is_some() && r.state != MigrationState::Pending)
        .filter(|r| !versions.contains(&r.version))
        .map(|r| name(r.version, &r.name))
        .collect();
    if !beyond_phase.is_empty() {
        notes.push(format!(
            "the database's history records {} migration(s) beyond --phase; what they created shows as `+`: {}",
            beyond_phase.len(),
            list(beyond_phase)
        ));
    }
    let unapplied_but_compared = rows_in(MigrationState::Pending, Some(true));
    if !unapplied_but_compared.is_empty() && !history.is_empty() {
        notes.push(format!(
            "{} migration(s) of phases up to --phase are not applied to the database; what they create shows as `-`: {}",
            unapplied_but_compared.len(),
            list(unapplied_but_compared)
        ));
    }
    Ok(Selection { versions, notes })
}

/// Reads one side under `search_path` (default: the one its own extensions give).
async fn read_side(
    client: &Client,
    probe: &snapshot::Probe,
    what: &'static str,
    search_path: Option<&str>,
) -> Result<Snapshot> {
    let own = snapshot::canonical_search_path(&[probe]);
    Snapshot::read(client, probe, search_path.unwrap_or(&own))
        .await
        .context(what)
}

/// Reads the shadow and compares it with the target, read `early` under the search path of the
/// target's extensions alone. When the shadow holds extensions in other schemas the canonical
/// path differs and the target is read again under it (so a diff takes 13 queries per side, or
/// 25 on the target when an extension moved).
pub async fn compare_with_shadow(
    target: &Client,
    (target_probe, early): (snapshot::Probe, Snapshot),
    shadow: &Client,
    scope: &Scope,
) -> Result<Diff> {
    let shadow_probe = snapshot::probe(shadow)
        .await
        .context("the shadow database")?;
    let search_path = snapshot::canonical_search_path(&[&target_probe, &shadow_probe]);
    let shadow_read = read_side(
        shadow,
        &shadow_probe,
        "the shadow database",
        Some(&search_path),
    );
    let mut database_queries = 1 + early.queries;
    let (db_snapshot, bundle_snapshot) =
        if search_path == snapshot::canonical_search_path(&[&target_probe]) {
            (early, shadow_read.await?)
        } else {
            let again = read_side(target, &target_probe, "the database", Some(&search_path));
            let (again, shadow) = tokio::try_join!(again, shadow_read)?;
            database_queries += again.queries;
            (again, shadow)
        };
    let bundles_queries = 1 + bundle_snapshot.queries;
    let (db_snapshot, bundle_snapshot) = scope.apply(db_snapshot, bundle_snapshot);
    Ok(Diff {
        changes: compare::compare(&db_snapshot, &bundle_snapshot),
        database: db_snapshot,
        bundles: bundle_snapshot,
        search_path,
        database_queries,
        bundles_queries,
    })
}
