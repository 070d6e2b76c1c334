//! `eventos verify`: flags → [`verify::Options`] → [`verify::run`] → rendered report.

use anyhow::Result;
use tokio_postgres::Client;

use super::{Outcome, emit};
use crate::bundle::Project;
use crate::cli::{VerifyArgs, VerifyFormat};
use crate::config::Config;
use crate::report;
use crate::verify;

/// Verifies the live database against the plans and the catalog checks.
pub async fn run(config: &Config, args: VerifyArgs) -> Result<Outcome> {
    let phase = args.phases.phase;
    let project = super::load_project(config, phase)?;
    let mut options = options(config, phase, args.exposed_schemas, args.all_objects)?;
    options.rls_probe = args.rls_probe;
    let db = super::open_database(&project, &args.connection, phase).await?;
    run_checks(&db.client, &project, &options, args.format).await
}

/// The verification options for `phase`: exposed schemas from the flags, else the configuration;
/// levels and exemptions from `[verify]`.
fn options(
    config: &Config,
    phase: Option<u8>,
    exposed: Vec<String>,
    all_objects: bool,
) -> Result<verify::Options> {
    let exposed_schemas = if exposed.is_empty() {
        config.exposed_schemas.clone()
    } else {
        exposed
    };
    Ok(verify::Options {
        max_phase: phase,
        exposed_schemas,
        rls_probe: false,
        history_table: config.history_table.clone(),
        settings: verify::Settings::from_config(&config.verify)?.with_all_objects(all_objects),
    })
}

/// The `== verify` step of `migrate up` and `check`: every check of phases up to `phase`, with the
/// configured exposed schemas, printed for humans.
pub(super) async fn post_check(
    client: &Client,
    project: &Project,
    config: &Config,
    phase: Option<u8>,
) -> Result<Outcome> {
    let options = options(config, phase, Vec::new(), false)?;
    emit("== verify\n")?;
    run_checks(client, project, &options, VerifyFormat::Human).await
}

/// Runs and prints the checks; failure when any check failed.
async fn run_checks(
    client: &Client,
    project: &Project,
    options: &verify::Options,
    format: VerifyFormat,
) -> Result<Outcome> {
    let report = verify::run(client, project, options).await?;
    emit(&match format {
        VerifyFormat::Human => report::verify::human(&report),
        VerifyFormat::Json => report::verify::json(&report),
        VerifyFormat::Junit => report::verify::junit(&report),
    })?;
    Ok(Outcome::from_failed(!report.passed()))
}
