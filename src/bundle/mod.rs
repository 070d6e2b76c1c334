//! Bundles: the versioned SQL migrations of each phase and the phase plans, loaded from disk.
//!
//! This module owns every rule about what may sit in `sql/` and `plans/`; callers get either a
//! consistent [`Project`] or a [`BundleError`] naming the file and how to fix it.

mod error;
mod migration;
mod plan;

use std::path::{Path, PathBuf};

pub use error::BundleError;
pub use migration::{Migration, has_no_transaction_directive, read_sql_file};
pub mod new;
pub mod sum;
pub use plan::{Objects, Plan, RlsProbe, VerifyQuery};

use crate::config::Config;

/// One phase: its plan, its migrations in version order and its rollback script.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The phase's plan (`plans/phase<N>.toml`).
    pub plan: Plan,
    /// The phase's migrations, sorted by version.
    pub migrations: Vec<Migration>,
    /// The rollback script's path.
    pub rollback_path: PathBuf,
    /// The rollback script's SQL.
    pub rollback_sql: String,
}

impl Bundle {
    /// The phase number.
    pub fn phase(&self) -> u8 {
        self.plan.id
    }
}

/// Every phase of the project, in phase order.
#[derive(Debug, Clone)]
pub struct Project {
    /// The bundles, sorted by phase.
    pub bundles: Vec<Bundle>,
}

impl Project {
    /// Loads every plan in `config.plans_dir` and the matching folders under `config.sql_dir`.
    pub fn load(config: &Config) -> Result<Project, BundleError> {
        let plan_paths = plan::discover(&config.plans_dir)?;
        let mut bundles = Vec::with_capacity(plan_paths.len());
        for (phase, plan_path) in plan_paths {
            let plan = Plan::load(&plan_path, phase)?;
            let migrations = migration::load_phase(&config.sql_dir, phase)?;
            let rollback_path = config.sql_dir.join(&plan.rollback);
            if !rollback_path.is_file() {
                return Err(BundleError::MissingFile {
                    plan: plan_path,
                    key: "rollback",
                    path: rollback_path,
                });
            }
            let rollback_sql = read_sql_file(&rollback_path)?;
            bundles.push(Bundle {
                plan,
                migrations,
                rollback_path,
                rollback_sql,
            });
        }
        check_sql_dir_has_no_orphans(&config.sql_dir, &bundles)?;
        check_dependencies(&bundles, &config.plans_dir)?;
        check_unique_versions(&bundles)?;
        Ok(Project { bundles })
    }

    /// The bundles of phases `0..=max` (all when `max` is `None`).
    pub fn up_to(&self, max: Option<u8>) -> impl Iterator<Item = &Bundle> {
        self.bundles
            .iter()
            .filter(move |b| max.is_none_or(|m| b.phase() <= m))
    }

    /// Every migration of every phase, in version order.
    pub fn migrations(&self) -> impl Iterator<Item = &Migration> {
        self.bundles.iter().flat_map(|b| b.migrations.iter())
    }

    /// Fails with a usage error when `max` names a phase the project does not have.
    pub fn check_phase(&self, max: Option<u8>) -> Result<(), BundleError> {
        match max {
            Some(phase) if !self.bundles.iter().any(|b| b.phase() == phase) => {
                Err(BundleError::UnknownPhase {
                    phase,
                    known: self.bundles.iter().map(Bundle::phase).collect(),
                })
            }
            _ => Ok(()),
        }
    }

    /// Extensions required by phases `0..=max`, deduplicated, with the phase that first needs each.
    pub fn required_extensions(&self, max: Option<u8>) -> Vec<(String, u8)> {
        let mut out: Vec<(String, u8)> = Vec::new();
        for bundle in self.up_to(max) {
            for ext in &bundle.plan.extensions {
                if !out.iter().any(|(name, _)| name == ext) {
                    out.push((ext.clone(), bundle.phase()));
                }
            }
        }
        out
    }
}

/// A `phase<N>` folder under `sql/` with no plan would be silently ignored: refuse it.
fn check_sql_dir_has_no_orphans(sql_dir: &Path, bundles: &[Bundle]) -> Result<(), BundleError> {
    let entries = std::fs::read_dir(sql_dir).map_err(|source| BundleError::Io {
        path: sql_dir.to_path_buf(),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(phase) = name
            .strip_prefix("phase")
            .and_then(|n| n.parse::<u8>().ok())
            && !bundles.iter().any(|b| b.phase() == phase)
        {
            return Err(BundleError::OrphanPhaseDir {
                path: entry.path(),
                phase,
            });
        }
    }
    Ok(())
}

fn check_dependencies(bundles: &[Bundle], plans_dir: &Path) -> Result<(), BundleError> {
    for bundle in bundles {
        for &dep in &bundle.plan.depends_on {
            if dep >= bundle.phase() || !bundles.iter().any(|b| b.phase() == dep) {
                return Err(BundleError::BadDependency {
                    plan: plans_dir.join(format!("phase{}.toml", bundle.phase())),
                    dependency: dep,
                });
            }
        }
    }
    Ok(())
}

fn check_unique_versions(bundles: &[Bundle]) -> Result<(), BundleError> {
    let mut seen: Vec<&Migration> = bundles.iter().flat_map(|b| &b.migrations).collect();
    seen.sort_by_key(|m| m.version);
    for pair in seen.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(BundleError::DuplicateVersion {
                version: pair[0].version,
                first: pair[0].path.clone(),
                second: pair[1].path.clone(),
            });
        }
    }
    Ok(())
}
