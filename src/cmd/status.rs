//! `eventos status`: the history is read and validated before the compat layer is installed, so
//! a history eventos cannot use changes nothing.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::{StatusArgs, StatusFormat};
use crate::config::Config;
use crate::db::Database;
use crate::migrate::{MigrationState, StatusRow, compute_status, read_history};

/// Prints every migration with its state; with `--exit-code`, exit 1 unless all are applied.
pub async fn run(config: &Config, args: StatusArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let request = super::database_request(&project, &args.connection, None)?;
    let db = Database::connect(&request).await?;
    let history = read_history(&db.client, &config.history_table, &project).await?;
    db.install_compat_if_requested().await?;
    let rows = compute_status(&project, &history);
    let allowed = args.out_of_order || config.migrate.out_of_order;
    match args.format {
        StatusFormat::Human => {
            emit(&format!("database: {}\n", db.display_url));
            emit(&render_table(&rows));
            emit(&out_of_order_note(&rows, allowed));
        }
        StatusFormat::Json => emit(&(render_json(&db.display_url, &rows, allowed) + "\n")),
    }
    let all_applied = rows.iter().all(|r| r.state == MigrationState::Applied);
    Ok(Outcome::from_failed(args.exit_code && !all_applied))
}

/// What `migrate up` will do with out-of-order files (empty when there are none).
fn out_of_order_note(rows: &[StatusRow], allowed: bool) -> String {
    let count = rows
        .iter()
        .filter(|r| r.state == MigrationState::OutOfOrder)
        .count();
    match (count, allowed) {
        (0, _) => String::new(),
        (n, true) => format!(
            "note: {n} pending migration(s) older than the newest applied one; migrate up applies them (out-of-order allowed)\n"
        ),
        (n, false) => format!(
            "note: {n} pending migration(s) older than the newest applied one; migrate up refuses them unless --out-of-order (see docs/migrate.md)\n"
        ),
    }
}

/// `{"schema_version": 1, "database": …, "pending": n, "out_of_order": n, "out_of_order_allowed": b,
/// "migrations": [{phase, version, name, state, applied_on}]}`; `pending` counts out-of-order
/// files too.
fn render_json(display_url: &str, rows: &[StatusRow], out_of_order_allowed: bool) -> String {
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
    let pending = rows.iter().filter(|r| r.is_pending()).count();
    let out_of_order = rows
        .iter()
        .filter(|r| r.state == MigrationState::OutOfOrder)
        .count();
    serde_json::json!({
        "schema_version": crate::report::JSON_SCHEMA_VERSION,
        "database": display_url,
        "pending": pending,
        "out_of_order": out_of_order,
        "out_of_order_allowed": out_of_order_allowed,
        "migrations": migrations,
    })
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
