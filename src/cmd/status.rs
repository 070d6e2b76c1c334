//! `eventos status`.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::{StatusArgs, StatusFormat};
use crate::config::Config;
use crate::migrate::{MigrationState, StatusRow, compute_status, read_history};

/// Prints every migration with its state; with `--exit-code`, exit 1 unless all are applied.
pub async fn run(config: &Config, args: StatusArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let mut db = super::open_database(&project, &args.connection, None).await?;
    let history = read_history(&mut db.client, &config.history_table).await?;
    let rows = compute_status(&project, &history);
    match args.format {
        StatusFormat::Human => {
            emit(&format!("database: {}\n", db.display_url));
            emit(&render_table(&rows));
        }
        StatusFormat::Json => emit(&(render_json(&db.display_url, &rows) + "\n")),
    }
    let all_applied = rows.iter().all(|r| r.state == MigrationState::Applied);
    Ok(Outcome::from_failed(args.exit_code && !all_applied))
}

/// `{"schema_version": 1, "database": …, "pending": n, "migrations": [{phase, version, name, state, applied_on}]}`.
fn render_json(display_url: &str, rows: &[StatusRow]) -> String {
    let migrations: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "phase": r.phase,
                "version": r.version,
                "name": r.name,
                "state": r.state.as_str(),
                "applied_on": r.applied_on,
            })
        })
        .collect();
    let pending = rows
        .iter()
        .filter(|r| r.state == MigrationState::Pending)
        .count();
    serde_json::json!({ "schema_version": crate::report::JSON_SCHEMA_VERSION, "database": display_url, "pending": pending, "migrations": migrations })
        .to_string()
}

fn render_table(rows: &[StatusRow]) -> String {
    let header = ["PHASE", "VERSION", "NAME", "STATE", "APPLIED_ON"].map(String::from);
    let mut table = vec![header];
    for row in rows {
        table.push([
            row.phase.map_or("-".into(), |p| p.to_string()),
            format!("{:04}", row.version),
            row.name.clone(),
            row.state.as_str().to_string(),
            row.applied_on.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| {
            table
                .iter()
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    table
        .iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            cells.join("  ").trim_end().to_string() + "\n"
        })
        .collect()
}
