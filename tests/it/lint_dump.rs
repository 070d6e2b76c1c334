//! `eventos lint` on what pg_dump writes: a psql script, with `\restrict` / `\unrestrict` lines
//! and the data of every table as `COPY … FROM stdin` blocks. PostgreSQL's own tools are the
//! judges: psql restores the dump (so it is a valid psql script) while the server refuses it
//! sent as SQL (so a migration tool cannot run it), and eventos must lint the SQL in it, name
//! psql's part at its lines and never read the data as SQL.

use crate::harness::{Pg, TestDb, eventos, newest_program, run_pg_tool};
use std::path::Path;

/// Rows that a scanner reading `COPY` data as SQL trips over: quotes, comment and dollar-quote
/// openers, semicolons, backslashes, a line `\.` inside a value, tabs, newlines, non-ASCII.
const SCHEMA: &str = r#"
CREATE SCHEMA app;
CREATE TABLE app.venues (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE app.sessions (
  id bigint PRIMARY KEY,
  venue_id bigint NOT NULL REFERENCES app.venues (id),
  title text
);
INSERT INTO app.venues VALUES
  (1, 'O''Brien''s hall; -- /* $$ unclosed'),
  (2, E'tab\tand\\backslash\nnewline é; \\.');
INSERT INTO app.sessions VALUES (1, 1, E'\\.'), (2, 2, NULL), (3, 1, $$'$$);
"#;

/// Dumps a database holding [`SCHEMA`] with the newest pg_dump installed.
fn dump_of_schema() -> String {
    let db = TestDb::new(Pg::Newest);
    db.client().batch_execute(SCHEMA).unwrap();
    run_pg_tool(
        &newest_program("pg_dump"),
        ["--dbname", db.url(), "--no-owner"],
    )
}

/// `eventos lint <file> --format gcc <extra>`: exit code and `line rule` of every finding.
fn lint(file: &Path, extra: &[&str]) -> (i32, Vec<String>) {
    let out = eventos(file.parent().unwrap())
        .arg("lint")
        .arg(file)
        .args(["--format", "gcc"])
        .args(extra)
        .output()
        .unwrap();
    let findings = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let line_number = line.split(':').nth(1).unwrap().to_string();
            let rule = line.rsplit_once('[').unwrap().1.trim_end_matches(']');
            format!("{line_number} {rule}")
        })
        .collect();
    (out.status.code().unwrap(), findings)
}

/// 1-based numbers of the lines of `text` that `pick` selects.
fn lines_where(text: &str, pick: impl Fn(&str, Option<&str>) -> bool) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter(|&i| pick(lines[i], i.checked_sub(1).map(|p| lines[p])))
        .map(|i| i + 1)
        .collect()
}

#[test]
fn a_pg_dump_is_linted_as_sql_with_psql_s_part_named_at_its_lines() {
    let dump = dump_of_schema();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dump.sql");
    std::fs::write(&file, &dump).unwrap();

    // psql restores it: a valid psql script, data included.
    let restored = TestDb::new(Pg::Newest);
    let psql_args = [
        "-X",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
        "--dbname",
        restored.url(),
        "-f",
    ];
    let psql_args = psql_args.into_iter().chain([file.to_str().unwrap()]);
    run_pg_tool(&newest_program("psql"), psql_args);
    let titles = restored.query_strings("SELECT title FROM app.sessions ORDER BY id");
    assert_eq!(titles, vec!["\\.", "NULL", "'"]);
    // The server refuses it as SQL, which is how every migration tool but psql sends a file.
    let refused = TestDb::new(Pg::Newest).client().batch_execute(&dump);
    assert!(refused.is_err(), "the server accepted a psql script as SQL");

    let meta = lines_where(&dump, |line, _| line.starts_with('\\') && line != "\\.");
    let data = lines_where(&dump, |_, previous| {
        previous.is_some_and(|p| p.starts_with("COPY ") && p.ends_with(" FROM stdin;"))
    });
    assert_eq!(
        meta.len(),
        2,
        "pg_dump writes \\restrict and \\unrestrict:\n{dump}"
    );
    assert_eq!(data.len(), 2, "one COPY block per table:\n{dump}");
    let foreign_key = lines_where(&dump, |line, _| line.contains("FOREIGN KEY"))[0] - 1;
    let mut expected: Vec<String> = meta
        .iter()
        .chain(&data)
        .map(|line| format!("{line} psql-only"))
        .collect();
    expected.push(format!("{foreign_key} unindexed-foreign-key"));
    expected.sort_by_key(|f| f.split(' ').next().unwrap().parse::<usize>().unwrap());

    // Sent by a migration tool, psql's part is an error at each of its lines, and the SQL after
    // the data (the foreign key pg_dump adds last) is still linted.
    assert_eq!(lint(&file, &[]), (1, expected.clone()));
    // As the psql script it is: only the SQL's own findings.
    let sql_only: Vec<String> = expected
        .into_iter()
        .filter(|f| !f.ends_with("psql-only"))
        .collect();
    assert_eq!(lint(&file, &["--runner", "none"]), (0, sql_only));
}

#[test]
fn a_custom_format_archive_is_refused_with_the_command_that_gives_its_sql() {
    let db = TestDb::new(Pg::Newest);
    db.client().batch_execute(SCHEMA).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("backup.dump");
    let args = ["--format", "custom", "--dbname", db.url(), "--file"];
    run_pg_tool(
        &newest_program("pg_dump"),
        args.into_iter().chain([archive.to_str().unwrap()]),
    );
    let out = eventos(dir.path())
        .arg("lint")
        .arg(&archive)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("backup.dump: a pg_dump archive (custom format), not SQL")
            && stderr.contains("pg_restore --file=dump.sql"),
        "{stderr}"
    );
}
