//! The shadow database: the bundles applied to a database of their own, to compare a target
//! with. [`build_shadow`] is the one place that decides what the shadow runs on.
//!
//! Without `--shadow-url` it is a throwaway cluster with the Supabase compatibility layer; with
//! it, the given scratch database (the compat layer is installed there when it has no `auth`
//! schema, as `check --database-url` does). The selected migrations are applied through the
//! migrate engine under the migration lock, exactly as `migrate up` would apply them; a shadow
//! that already holds some of them (a reused `--shadow-url`) gets only the missing ones.

use std::collections::BTreeSet;

use anyhow::{Result, bail};

use super::TargetFacts;
use crate::bundle::Project;
use crate::config::{Config, RetryPolicy};
use crate::db::{CompatProfile, Database, DatabaseRequest, MigrationLock, PgInstall};
use crate::migrate::{Refusal, UpOptions, UpOutcome, migrate_up, plan_up, read_history};

/// A shadow database with the selected migrations applied; dropping it removes a throwaway
/// cluster.
pub struct Shadow {
    /// The database (and its cluster, if throwaway).
    pub db: Database,
    /// How many migrations this run applied to it.
    pub applied: usize,
}

/// The project restricted to the migrations whose versions are in `versions`.
pub fn select(project: &Project, versions: &BTreeSet<u32>) -> Project {
    let mut selected = project.clone();
    for bundle in &mut selected.bundles {
        bundle.migrations.retain(|m| versions.contains(&m.version));
    }
    selected
}

/// Starts (or connects to) the shadow and applies `project`'s migrations to it. A shadow that
/// turns out to be the target itself is refused before anything is changed.
pub async fn build_shadow(
    project: &Project,
    config: &Config,
    shadow_url: Option<&str>,
    target: &TargetFacts,
) -> Result<Shadow> {
    let needs_vector = project
        .bundles
        .iter()
        .any(|b| !b.migrations.is_empty() && b.plan.extensions.iter().any(|e| e == "vector"));
    let mut db = Database::connect(&DatabaseRequest {
        url: shadow_url.map(str::to_string),
        supabase_compat: true,
        needs_vector: needs_vector || vector_build_matches(target.major).await,
        profile: CompatProfile::Supabase,
    })
    .await?;
    if TargetFacts::read(&db.client).await?.identity == target.identity {
        bail!(
            "--shadow-url names the database being compared ({}); the shadow gets the bundles applied, so it must be a scratch database of its own",
            db.display_url
        );
    }
    let outcome = db
        .with_lock(
            config.migrate.lock_wait,
            &mut |_| {},
            async |db: &mut Database, lock: &MigrationLock| apply(db, lock, project, config).await,
        )
        .await?;
    let applied = match outcome {
        UpOutcome::Done(applied) => applied.len(),
        UpOutcome::Failed { failure, .. } => bail!(
            "the bundles do not apply to the shadow database: {failure}\nhelp: run `eventos check` to see the failure on a throwaway cluster"
        ),
    };
    Ok(Shadow { db, applied })
}

/// Whether the PostgreSQL build with pgvector is the one of the target's major version while the
/// default pick is not (a PostgreSQL 18 target of phases 0–1 on a machine whose first
/// PostgreSQL is 15): the throwaway shadow should deparse definitions as the target does.
async fn vector_build_matches(target_major: u32) -> bool {
    let major_of = async |needs_vector| PgInstall::find(needs_vector).await.ok()?.major();
    major_of(false).await != Some(target_major) && major_of(true).await == Some(target_major)
}

async fn apply(
    db: &mut Database,
    lock: &MigrationLock,
    project: &Project,
    config: &Config,
) -> Result<UpOutcome> {
    let history = read_history(&db.client, &config.history_table, project).await?;
    // The shadow gets every selected file in version order, whatever order the target took.
    let plan = match plan_up(project, history, None, true) {
        Ok(plan) => plan,
        Err(Refusal::Diverged(rows) | Refusal::OutOfOrder { files: rows, .. }) => {
            let names: Vec<String> = rows
                .iter()
                .map(|r| format!("V{:04}__{} ({})", r.version, r.name, r.state.as_str()))
                .collect();
            bail!(
                "the shadow database's migration history disagrees with the bundles: {}\nhelp: give --shadow-url an empty scratch database",
                names.join(", ")
            );
        }
    };
    db.install_compat_if_requested().await?;
    let options = UpOptions {
        history_table: config.history_table.clone(),
        timeouts: config.migrate.timeouts,
        retry: RetryPolicy::NONE,
    };
    migrate_up(&mut db.client, lock, project, &plan, &options, &mut |_| {}).await
}
