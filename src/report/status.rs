//! `eventos status`: the migrations table for people, one JSON document for machines.

use serde::Serialize;

use super::table::aligned;
use crate::migrate::{MigrationState, StatusRow};

/// The `schema_version` of the status document: 2 since `state` is a kebab-case token
/// (`out-of-order`, `missing-on-disk`) instead of the table's words.
pub const STATUS_SCHEMA_VERSION: u32 = 2;

/// The database line, the table, and a note on out-of-order files.
pub fn human(display_url: &str, rows: &[StatusRow], out_of_order_allowed: bool) -> String {
    let mut out = format!("database: {display_url}\n");
    out.push_str(&table(rows));
    out.push_str(&out_of_order_note(rows, out_of_order_allowed));
    out
}

fn table(rows: &[StatusRow]) -> String {
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
    aligned(&table)
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

/// The status document (documented in docs/migrate.md).
#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    database: &'a str,
    pending: usize,
    out_of_order: usize,
    out_of_order_allowed: bool,
    migrations: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    phase: Option<u8>,
    version: u32,
    name: &'a str,
    state: MigrationState,
    applied_on: Option<&'a str>,
}

/// `{"schema_version": 2, "database", "pending", "out_of_order", "out_of_order_allowed",
/// "migrations": [{phase, version, name, state, applied_on}]}`; `pending` counts out-of-order
/// files too.
pub fn json(display_url: &str, rows: &[StatusRow], out_of_order_allowed: bool) -> String {
    let document = Document {
        schema_version: STATUS_SCHEMA_VERSION,
        database: display_url,
        pending: rows.iter().filter(|r| r.is_pending()).count(),
        out_of_order: rows
            .iter()
            .filter(|r| r.state == MigrationState::OutOfOrder)
            .count(),
        out_of_order_allowed,
        migrations: rows
            .iter()
            .map(|r| Entry {
                phase: r.phase,
                version: r.version,
                name: &r.name,
                state: r.state,
                applied_on: r.applied_on.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string(&document).expect("the status document serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<StatusRow> {
        let row = |phase, version, name: &str, state, applied_on: Option<&str>| StatusRow {
            phase,
            version,
            name: name.into(),
            state,
            applied_on: applied_on.map(Into::into),
        };
        vec![
            row(
                Some(0),
                1,
                "notes",
                MigrationState::Applied,
                Some("2026-01-02 03:04:05"),
            ),
            row(
                Some(0),
                2,
                "tags",
                MigrationState::Changed,
                Some("2026-01-02 03:04:06"),
            ),
            row(Some(0), 3, "late", MigrationState::OutOfOrder, None),
            row(
                Some(1),
                1001,
                "events",
                MigrationState::Applied,
                Some("2026-01-03 00:00:00"),
            ),
            row(Some(1), 1002, "venues", MigrationState::Pending, None),
            row(
                None,
                1003,
                "gone",
                MigrationState::MissingOnDisk,
                Some("2026-01-04 00:00:00"),
            ),
        ]
    }

    #[test]
    fn the_table_aligns_every_state_and_notes_out_of_order_files() {
        insta::assert_snapshot!(human(
            "postgres://postgres:***@localhost/app",
            &rows(),
            false
        ));
    }

    #[test]
    fn the_json_states_are_tokens_not_prose() {
        insta::assert_snapshot!(json("postgres://postgres:***@localhost/app", &rows(), true));
    }
}
