//! `migrate up --dry-run`: the exact SQL a run would execute, per file, with its transaction
//! boundaries. Pure text built from the same [`UpPlan`] a real run follows; the database is only
//! read.

use super::UpPlan;
use super::session::timeouts_sql;
use crate::bundle::Migration;
use crate::config::Timeouts;

/// The script the planned `migrate up` would run.
pub fn dry_run_script(plan: &UpPlan<'_>, timeouts: &Timeouts, history_table: &str) -> String {
    let mut out = format!(
        "-- eventos migrate up --dry-run: {} pending migrations\n",
        plan.pending.len()
    );
    out.push_str(&format!("{}\n", timeouts_sql(timeouts)));
    for migration in &plan.pending {
        out.push('\n');
        if plan.out_of_order.contains(&migration.version) {
            out.push_str(
                "-- out of order: older than the newest applied migration (--out-of-order)\n",
            );
        }
        out.push_str(&file_script(migration, history_table));
    }
    out
}

/// One file's script: `BEGIN … COMMIT` around it, or each statement on its own in autocommit.
fn file_script(migration: &Migration, history_table: &str) -> String {
    let header = format!(
        "-- phase {} {} ({})\n",
        migration.phase,
        migration.refinery_name(),
        migration.path.display()
    );
    let record = format!(
        "-- then recorded in {history_table} (version {})\n",
        migration.version
    );
    if !migration.no_transaction {
        let body = migration.sql.trim_end();
        return format!("{header}BEGIN;\n{body}\n{record}COMMIT;\n");
    }
    let mut out = format!("{header}-- no transaction: each statement commits on its own\n");
    for statement in statements_of(&migration.sql) {
        out.push_str(&format!(
            "{};\n",
            statement.trim_end_matches(';').trim_end()
        ));
    }
    out.push_str(&record);
    out
}

/// The statements of a file as written (the whole file when it does not parse).
fn statements_of(sql: &str) -> Vec<&str> {
    match crate::sql::parse_statements(sql) {
        Ok(statements) => statements
            .into_iter()
            .map(|s| &sql[s.span])
            .filter(|s| !s.trim().is_empty())
            .collect(),
        Err(_) => vec![sql.trim()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migration(sql: &str, no_transaction: bool) -> Migration {
        Migration {
            phase: 0,
            version: 1,
            name: "x".into(),
            path: "sql/phase0/V0001__x.sql".into(),
            sql: sql.into(),
            no_transaction,
            sha256: String::new(),
        }
    }

    #[test]
    fn transactional_files_are_wrapped_once() {
        let script = file_script(
            &migration(
                "CREATE TABLE t (id int);\nCREATE TABLE u (id int);\n",
                false,
            ),
            "h",
        );
        assert_eq!(
            script,
            "-- phase 0 V0001__x (sql/phase0/V0001__x.sql)\nBEGIN;\nCREATE TABLE t (id int);\nCREATE TABLE u (id int);\n-- then recorded in h (version 1)\nCOMMIT;\n"
        );
    }

    #[test]
    fn no_transaction_files_list_each_statement() {
        let sql = "-- eventos:no-transaction\nCREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y)\n";
        let script = file_script(&migration(sql, true), "h");
        assert!(!script.contains("BEGIN"), "{script}");
        assert!(
            script.contains(
                "CREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\n"
            ),
            "{script}"
        );
    }
}
