//! `eventos status`.

use anyhow::Result;

use super::{Outcome, emit};
use crate::cli::StatusArgs;
use crate::config::Config;
use crate::migrate::{StatusRow, compute_status, read_history};

/// Prints every migration with its state.
pub async fn run(config: &Config, args: StatusArgs) -> Result<Outcome> {
    let project = super::load_project(config, None)?;
    let mut db = super::open_database(&project, &args.connection, None).await?;
    let history = read_history(&mut db.client, &config.history_table).await?;
    let rows = compute_status(&project, &history);
    emit(&format!("database: {}\n", db.display_url));
    emit(&render_table(&rows));
    Ok(Outcome::Success)
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
