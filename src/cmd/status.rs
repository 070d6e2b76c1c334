//! `eventos status`: the history is read and validated before the compat layer is installed, so
//! a history eventos cannot use changes nothing.

use anyhow::Result;

use super::{Outcome, emit, show_notes};
use crate::cli::{StatusArgs, StatusFormat};
use crate::config::Config;
use crate::migrate::{MigrationState, compute_status, read_history};
use crate::report;

/// Prints every migration with its state; with `--exit-code`, exit 1 unless all are applied.
pub async fn run(config: &Config, args: StatusArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let request = super::database_request(&project, &args.connection, None)?;
    let mut db = super::connect(&request).await?;
    let history = read_history(&db.client, &config.history_table, &project).await?;
    db.install_compat_if_requested().await?;
    show_notes(&mut db);
    let rows = compute_status(&project, &history);
    let allowed = args.out_of_order || config.migrate.out_of_order;
    emit(&match args.format {
        StatusFormat::Human => report::status::human(&db.display_url, &rows, allowed),
        StatusFormat::Json => report::status::json(&db.display_url, &rows, allowed),
    })?;
    let all_applied = rows.iter().all(|r| r.state == MigrationState::Applied);
    Ok(Outcome::from_failed(args.exit_code && !all_applied))
}
