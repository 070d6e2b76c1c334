//! Phase plans (`plans/phase<N>.toml`): what a phase needs, promises, checks and rolls back.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::BundleError;

/// A phase plan. Unknown keys are rejected.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The phase number; must match the file name.
    pub id: u8,
    /// A short name.
    pub name: String,
    /// One paragraph on what the phase brings.
    pub summary: String,
    /// Phases that must be applied first.
    #[serde(default)]
    pub depends_on: Vec<u8>,
    /// Extensions the phase needs available on the server.
    #[serde(default)]
    pub extensions: Vec<String>,
    /// The rollback script, relative to the SQL folder.
    pub rollback: PathBuf,
    /// Objects the phase promises to create.
    #[serde(default)]
    pub objects: Objects,
    /// Verification queries: zero rows is a pass, each row a failure message.
    #[serde(default)]
    pub verify: Vec<VerifyQuery>,
    /// User-data tables `eventos verify --rls-probe` proves isolate users (optional).
    #[serde(default)]
    pub rls_probe: Vec<RlsProbe>,
}

/// A user-data table for the RLS probe: each user must see only the rows they own.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RlsProbe {
    /// The table (schema `public` unless qualified).
    pub table: String,
    /// The column holding the owning user's id (`auth.users.id`).
    pub owner: String,
    /// SQL inserting one row owned by `{user}` (replaced by the user's id as a `uuid` literal);
    /// default: `INSERT INTO <table> (<owner>) VALUES ({user})`.
    pub seed: Option<String>,
}

/// The objects a phase promises. Names default to schema `public`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Objects {
    /// Ordinary tables (partition children included if listed).
    #[serde(default)]
    pub tables: Vec<String>,
    /// Tables declared `PARTITION BY`.
    #[serde(default)]
    pub partitioned_tables: Vec<String>,
    /// Views.
    #[serde(default)]
    pub views: Vec<String>,
    /// Materialized views.
    #[serde(default)]
    pub materialized_views: Vec<String>,
    /// Functions, by name.
    #[serde(default)]
    pub functions: Vec<String>,
    /// Triggers as `<table>.<trigger>`.
    #[serde(default)]
    pub triggers: Vec<String>,
    /// Indexes, by name.
    #[serde(default)]
    pub indexes: Vec<String>,
}

/// A named verification query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// A short identifier, shown in reports.
    pub name: String,
    /// SQL returning zero rows when all is well; each row is one failure message.
    pub sql: String,
}

impl Plan {
    /// Parses and checks the plan at `path`, which must describe `phase`.
    pub fn load(path: &Path, phase: u8) -> Result<Plan, BundleError> {
        let text = super::read_sql_file(path)?;
        let plan: Plan = toml::from_str(&text).map_err(|err| BundleError::BadPlan {
            path: path.to_path_buf(),
            message: crate::base::describe_toml_error(&text, &err),
        })?;
        if plan.id != phase {
            return Err(BundleError::BadPlan {
                path: path.to_path_buf(),
                message: format!("id = {} but the file is named for phase {phase}", plan.id),
            });
        }
        Ok(plan)
    }
}

/// Finds `phase<N>.toml` files in `plans_dir`, sorted by phase.
pub(super) fn discover(plans_dir: &Path) -> Result<Vec<(u8, PathBuf)>, BundleError> {
    let entries = std::fs::read_dir(plans_dir).map_err(|source| BundleError::Io {
        path: plans_dir.to_path_buf(),
        source,
    })?;
    let mut plans = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let phase = name
            .strip_prefix("phase")
            .and_then(|rest| rest.strip_suffix(".toml"));
        match phase.map(str::parse::<u8>) {
            Some(Ok(phase)) if phase <= 9 => plans.push((phase, entry.path())),
            Some(_) => {
                return Err(BundleError::BadPlan {
                    path: entry.path(),
                    message: "plan files are named phase<0-9>.toml".into(),
                });
            }
            None => {}
        }
    }
    if plans.is_empty() {
        return Err(BundleError::NoPlans {
            path: plans_dir.to_path_buf(),
        });
    }
    plans.sort();
    Ok(plans)
}
