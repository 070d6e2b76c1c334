//! The shipped EventOS bundles, end to end: lint clean, `eventos check` green on PostgreSQL 18 with
//! pgvector (all phases), and Phases 0–1 on the stock server (PostgreSQL 15 on CI).

use crate::harness::{Pg, TestDb, eventos, repo_root, stdout};

#[test]
fn shipped_bundles_have_no_lint_errors() {
    let out = eventos(&repo_root()).arg("lint").assert().success();
    assert!(stdout(&out).contains(" 0 errors"), "{}", stdout(&out));
}

#[test]
fn check_passes_on_all_phases_with_pgvector() {
    let out = eventos(&repo_root()).arg("check").assert().success();
    let text = stdout(&out);
    let steps: Vec<usize> = ["== lint", "== migrate up", "== verify"]
        .iter()
        .map(|s| text.find(s).unwrap())
        .collect();
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{text}");
    assert!(text.contains("applied phase 3 "), "{text}");
    assert!(text.contains(", 0 failed"), "{text}");
}

#[test]
fn phases_0_and_1_apply_and_verify_on_the_stock_server() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&repo_root(), &["--phase", "1"]);
    db.eventos(&repo_root(), &["verify", "--phase", "1"])
        .assert()
        .success();
    assert_eq!(
        db.query_strings("SELECT count(*) FROM pg_extension WHERE extname = 'vector'"),
        vec!["0"]
    );
}

#[test]
fn all_phases_apply_on_pgvector_then_a_second_run_is_a_noop() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &[]);
    db.eventos(&repo_root(), &["verify"]).assert().success();
    let again = stdout(&db.migrate_up(&repo_root(), &[]));
    assert!(again.contains("up to date"), "{again}");
}
