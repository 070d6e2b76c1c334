//! What a user reads from each command, pinned by insta snapshots (`tests/it/snapshots/`):
//! `lint` on a fixed fixture in every format, the `rules` and `checks` tables, `status` and
//! `verify` (human, json, junit) on a database with the `basic` fixture applied. Names that
//! change per run (the test database, durations, timestamps) are replaced before comparing.

use crate::harness::{Pg, TestDb, eventos, fixture, repo_root, stable_snapshots, stdout};

/// `eventos lint` over the `forbidden` fixture (every forbidden command, several warnings).
fn lint(format: &str) -> String {
    let assert = eventos(&repo_root())
        .args(["lint", "tests/fixtures/lint/forbidden", "--format", format])
        .assert()
        .code(1);
    stdout(&assert)
}

#[test]
fn lint_output_in_every_format() {
    for format in ["human", "json", "sarif", "github", "gcc"] {
        insta::assert_snapshot!(format!("lint-{format}"), lint(format));
    }
}

#[test]
fn rules_and_checks_tables() {
    for command in ["rules", "checks"] {
        let assert = eventos(&repo_root()).arg(command).assert().success();
        insta::assert_snapshot!(command, stdout(&assert));
    }
}

#[test]
fn status_and_verify_output_on_the_basic_fixture() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &["--phase", "0"]);
    let _guard = stable_snapshots().bind_to_scope();
    for format in ["human", "json"] {
        let assert = db
            .eventos(&dir, &["status", "--format", format])
            .assert()
            .success();
        insta::assert_snapshot!(format!("status-{format}"), stdout(&assert));
    }
    for format in ["human", "json", "junit"] {
        let assert = db
            .eventos(&dir, &["verify", "--phase", "0", "--format", format])
            .assert();
        let output = assert.get_output();
        insta::assert_snapshot!(
            format!("verify-{format}"),
            format!(
                "exit: {:?}\n{}",
                output.status.code(),
                String::from_utf8_lossy(&output.stdout)
            )
        );
    }
}
