//! `eventos check`: lint → migrate up → verify, on a throwaway cluster unless a scratch URL is
//! given, then with `--diff URL` a diff of that database against the bundles. Stops at the
//! first failing step.

use anyhow::Result;

use super::{Outcome, emit};
use crate::base::Severity;
use crate::cli::CheckArgs;
use crate::config::Config;
use crate::db::DatabaseRequest;

/// Runs the three steps in order.
pub async fn run(config: &Config, args: CheckArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;

    emit("== lint\n")?;
    let options = crate::lint::LintOptions::from_config(config)?;
    let report = super::lint::lint_paths_or_bundles(config, &[], &options)?;
    super::lint::print_report(&report, crate::cli::LintFormat::Human)?;
    if report.count(Severity::Error) > 0 {
        return Ok(Outcome::Failure);
    }

    emit("== migrate up\n")?;
    let mut db = super::connect(&DatabaseRequest {
        url: args.database_url.clone(),
        supabase_compat: true,
        needs_vector: super::needs_vector(&project, phase),
        profile: super::compat_profile(args.compat),
    })
    .await?;
    // Applies and verifies under the migration lock (the `== verify` step).
    let verified = super::migrate::apply(&mut db, &project, config, phase).await?;
    // The check's cluster is done with; the diff builds a shadow of its own.
    drop(db);
    match &args.diff {
        Some(url) if verified == Outcome::Success => diff_step(&project, config, url).await,
        _ => Ok(verified),
    }
}

/// `== diff`: the production-like database against the bundles its history records.
async fn diff_step(
    project: &crate::bundle::Project,
    config: &Config,
    url: &str,
) -> Result<Outcome> {
    emit("== diff\n")?;
    let request = crate::diff::Request {
        database_url: url,
        phase: None,
        shadow_url: None,
    };
    let report = crate::diff::run(project, config, &request).await?;
    super::diff::print(&report, super::diff::Output::Human)?;
    Ok(Outcome::from_failed(report.diff.drifted()))
}
