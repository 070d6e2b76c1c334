//! The apply engine against real PostgreSQL: concurrency, kill -9, the advisory lock, timeouts,
//! no-transaction recovery, dry-run, status, down, baseline and backup.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{
    Pg, TestDb, count, eventos_process, fixture, fixture_copy, run_pg_tool, stderr, stdout,
};
use eventos::db::{MIGRATION_LOCK_KEY, PgInstall};

/// `pg_dump --schema-only` of the test database, with the pg_dump matching the server.
fn schema_dump(db: &TestDb) -> String {
    let num: String = db.query_strings("SHOW server_version_num").remove(0);
    let major = num.parse::<u32>().unwrap() / 10000;
    let install = PgInstall::candidates()
        .into_iter()
        .find(|c| c.major() == Some(major) && c.bin_dir.join("pg_dump").is_file())
        .unwrap_or_else(|| {
            panic!("no pg_dump for PostgreSQL {major}; install postgresql-client-{major}")
        });
    let args = ["--schema-only", "--no-comments", "--dbname", db.url()];
    // `\restrict <random key>` lines differ on every run by design; everything else must not.
    run_pg_tool(&install.bin_dir.join("pg_dump"), args)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that no run changed the database: no history table and no compat layer (`why` says
/// which step should have stopped first).
fn assert_untouched(db: &TestDb, why: &str) {
    assert_eq!(
        count(db, "SELECT to_regclass('eventos.schema_history') IS NULL"),
        "t",
        "{why}: no history table"
    );
    assert_eq!(
        count(db, "SELECT to_regnamespace('auth') IS NULL"),
        "t",
        "{why}: not even the compat layer"
    );
}

#[test]
fn eight_concurrent_runs_apply_every_migration_exactly_once() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("slow");
    let children: Vec<_> = (0..8)
        .map(|_| {
            eventos_process(&db, &dir, &["migrate", "up", "--no-verify"])
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut up_to_date = 0;
    for out in &outputs {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        up_to_date += usize::from(text.contains("migrate: up to date"));
    }
    assert_eq!(
        up_to_date, 7,
        "one run applies, the seven waiters find nothing to do"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM eventos.schema_history"),
        "3"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM public.slow_a"), "1");
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        "0"
    );
}

#[test]
fn lock_wait_expires_with_a_message_naming_the_holder() {
    let db = TestDb::new(Pg::Stock);
    let mut holder = db.client();
    holder
        .batch_execute("SET application_name = 'dba-console'")
        .unwrap();
    holder
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .unwrap();
    let pid: i32 = holder
        .query_one("SELECT pg_backend_pid()", &[])
        .unwrap()
        .get(0);
    let started = Instant::now();
    let failed = db
        .eventos(
            &fixture("slow"),
            &["migrate", "up", "--supabase-compat", "--lock-wait", "1s"],
        )
        .assert()
        .code(2);
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = stderr(&failed);
    assert!(err.contains(&format!("pid {pid}")), "{err}");
    assert!(err.contains("dba-console"), "{err}");
    assert!(err.contains("connected since"), "{err}");
    assert_untouched(&db, "the compat layer waits for the lock too");
}

#[test]
fn kill_9_during_a_long_migration_leaves_nothing_half_applied_and_a_rerun_completes() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("slow");
    let mut child = eventos_process(&db, &dir, &["migrate", "up", "--no-verify"])
        .spawn()
        .unwrap();
    let sleeping = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&db, sleeping) == "0" {
        assert!(Instant::now() < deadline, "the migration never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let gone = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'eventos'";
    while count(&db, gone) != "0" {
        assert!(
            Instant::now() < deadline + Duration::from_secs(10),
            "the killed session never ended"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        count(&db, "SELECT to_regclass('public.slow_a') IS NULL"),
        "t"
    );
    // Nothing was recorded either: the rerun applies all three files.
    let rerun = stdout(
        &db.eventos(&dir, &["migrate", "up", "--no-verify"])
            .assert()
            .success(),
    );
    assert!(rerun.contains("applied 3 migrations"), "{rerun}");
    assert_eq!(count(&db, "SELECT count(*) FROM public.slow_a"), "1");
}

#[test]
fn a_failed_concurrent_unique_index_is_rebuilt_on_rerun_after_the_data_is_fixed() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("dupe");
    let failed = db.eventos(&dir, &["migrate", "up"]).assert().code(1);
    let err = stderr(&failed);
    assert!(
        err.contains("V0002__accounts_email_unique.sql:2:1"),
        "{err}"
    );
    assert!(err.contains("23505"), "{err}");
    assert!(
        err.contains("applied before it stay applied: V0001__accounts"),
        "{err}"
    );
    let invalid = "SELECT count(*) FROM pg_index WHERE NOT indisvalid";
    assert_eq!(
        count(&db, invalid),
        "0",
        "the failed build's INVALID index is dropped at once"
    );

    // A run killed mid-build leaves an INVALID index; make one the same way.
    let mut client = db.client();
    let direct = client.batch_execute(
        "CREATE UNIQUE INDEX CONCURRENTLY ux_accounts_email ON public.accounts (email)",
    );
    assert!(direct.is_err());
    assert_eq!(count(&db, invalid), "1");

    client
        .batch_execute("DELETE FROM public.accounts WHERE id = 3")
        .unwrap();
    let rerun = stdout(&db.eventos(&dir, &["migrate", "up"]).assert().success());
    assert!(
        rerun.contains("dropped INVALID index public.ux_accounts_email"),
        "{rerun}"
    );
    assert!(
        rerun.contains("applied phase 0 V0002__accounts_email_unique (no transaction)"),
        "{rerun}"
    );
    assert_eq!(count(&db, invalid), "0");
    assert_eq!(
        count(
            &db,
            "SELECT indisunique FROM pg_index WHERE indexrelid = 'public.ux_accounts_email'::regclass"
        ),
        "t"
    );
    assert!(
        rerun.contains("pass plan-objects phase 0"),
        "post-check ran: {rerun}"
    );
}

#[test]
fn dry_run_prints_the_script_and_leaves_the_schema_identical() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    db.migrate_up(project.path(), &["--phase", "0"]);
    let before = schema_dump(&db);
    let dry = db
        .eventos(project.path(), &["migrate", "up", "--dry-run"])
        .assert()
        .success();
    let script = stdout(&dry);
    assert!(
        script.contains("-- eventos migrate up --dry-run: 1 pending migrations"),
        "{script}"
    );
    assert!(
        script.contains("SET lock_timeout = '5000ms'; SET statement_timeout = '0ms';"),
        "{script}"
    );
    assert!(script.contains("-- phase 1 V1001__tags"), "{script}");
    assert!(script.contains("BEGIN;\n"), "{script}");
    assert!(script.contains("COMMIT;\n"), "{script}");
    assert!(
        !script.contains("V0001__notes"),
        "applied files are not repeated: {script}"
    );
    assert_eq!(schema_dump(&db), before);

    let fresh = TestDb::new(Pg::Stock);
    let before = schema_dump(&fresh);
    let script = stdout(
        &fresh
            .eventos(
                project.path(),
                &["migrate", "up", "--dry-run", "--supabase-compat"],
            )
            .assert()
            .success(),
    );
    assert!(
        script.contains(
            "-- no transaction: each statement commits on its own\nCREATE INDEX CONCURRENTLY"
        ),
        "{script}"
    );
    assert!(
        script.contains("compatibility layer would be installed"),
        "{script}"
    );
    assert_eq!(schema_dump(&fresh), before);
}

/// A copy of the `basic` fixture with phase 0 applied, a new phase-0 file that alters
/// `public.notes`, and a retry backoff of `backoff` (so no test waits for the default 1s).
fn project_with_a_blocked_file(db: &TestDb, backoff: &str) -> tempfile::TempDir {
    let project = fixture_copy("basic");
    db.migrate_up(project.path(), &["--phase", "0"]);
    std::fs::write(
        project.path().join("sql/phase0/V0003__notes_title.sql"),
        "ALTER TABLE public.notes ADD COLUMN title text;\n",
    )
    .unwrap();
    let config = project.path().join("eventos.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[migrate]\nlock_retry_backoff = \"{backoff}\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    project
}

#[test]
fn a_transactional_file_that_hits_lock_timeout_is_retried_with_backoff() {
    let db = TestDb::new(Pg::Stock);
    let project = project_with_a_blocked_file(&db, "100ms");
    let mut blocker = db.client();
    let mut tx = blocker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE public.notes IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let run = eventos_process(
        &db,
        project.path(),
        &["migrate", "up", "--lock-timeout", "200ms", "--no-verify"],
    )
    .spawn()
    .unwrap();
    // Release the table once the first attempt has waited for it longer than lock_timeout:
    // one of the retries (at 100, 200, 400 ms after each failure) then gets it.
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                   AND application_name = 'eventos' AND wait_event_type = 'Lock'";
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&db, waiting) == "0" {
        assert!(
            Instant::now() < deadline,
            "the migration never waited for the table"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    tx.rollback().unwrap();
    let out = run.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("V0003__notes_title: lock_timeout hit; retry 1 in 100 ms"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("lock_timeout=200ms"));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM eventos.schema_history WHERE version = 3"
        ),
        "1"
    );
}

#[test]
fn lock_timeout_gives_up_after_the_retries_with_the_sqlstate() {
    let db = TestDb::new(Pg::Stock);
    let project = project_with_a_blocked_file(&db, "10ms");
    let mut blocker = db.client();
    let mut tx = blocker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE public.notes IN ACCESS EXCLUSIVE MODE")
        .unwrap();
    let failed = db
        .eventos(
            project.path(),
            &["migrate", "up", "--lock-timeout", "100ms"],
        )
        .assert()
        .code(1);
    let err = stderr(&failed);
    assert!(err.contains("55P03"), "{err}");
    assert!(err.contains("V0003__notes_title.sql:1:1"), "{err}");
    assert!(
        stdout(&failed).contains("retry 3 in 40 ms"),
        "{}",
        stdout(&failed)
    );
    tx.rollback().unwrap();
}

#[test]
fn status_exit_code_and_json_follow_pending_migrations() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.eventos(&dir, &["status", "--exit-code"])
        .assert()
        .code(1);
    let json = stdout(
        &db.eventos(&dir, &["status", "--format", "json"])
            .assert()
            .success(),
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["pending"], 3);
    assert_eq!(value["migrations"][0]["name"], "notes");
    assert_eq!(value["migrations"][0]["state"], "pending");
    db.migrate_up(&dir, &[]);
    db.eventos(&dir, &["status", "--exit-code"])
        .assert()
        .success();
    let json = stdout(
        &db.eventos(&dir, &["status", "--format", "json"])
            .assert()
            .success(),
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["pending"], 0);
    assert_eq!(value["migrations"][2]["state"], "applied");
    assert_eq!(value["migrations"][2]["phase"], 1);
}

#[test]
fn down_refuses_while_a_later_phase_is_applied_then_rolls_back_newest_first() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    let refused = db
        .eventos(&dir, &["migrate", "down", "--phase", "0"])
        .assert()
        .code(1);
    assert!(
        stderr(&refused).contains("later phases are applied (V1001__tags)"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        count(&db, "SELECT to_regclass('public.notes') IS NOT NULL"),
        "t"
    );

    let down = stdout(
        &db.eventos(&dir, &["migrate", "down", "--phase", "1"])
            .assert()
            .success(),
    );
    assert!(down.contains("removed 1 history rows of phase 1"), "{down}");
    assert_eq!(count(&db, "SELECT to_regclass('public.tags') IS NULL"), "t");
    let status = stdout(&db.eventos(&dir, &["status"]).assert().success());
    assert!(
        status
            .lines()
            .any(|l| l.contains(" tags ") && l.contains("pending")),
        "{status}"
    );
    db.eventos(&dir, &["migrate", "down", "--phase", "0"])
        .assert()
        .success();
    assert_eq!(
        count(&db, "SELECT count(*) FROM eventos.schema_history"),
        "0"
    );
    let again = stdout(
        &db.eventos(&dir, &["migrate", "down", "--phase", "0"])
            .assert()
            .success(),
    );
    assert!(again.contains("not applied"), "{again}");
}

#[test]
fn baseline_adopts_an_existing_database() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &["--phase", "0"]);
    db.client()
        .batch_execute("DROP TABLE eventos.schema_history")
        .unwrap();
    let baseline = stdout(
        &db.eventos(
            &dir,
            &["migrate", "baseline", "--to", "2", "--supabase-compat"],
        )
        .assert()
        .success(),
    );
    assert!(
        baseline.contains("baseline: 2 migrations recorded up to version 2"),
        "{baseline}"
    );
    let up = stdout(&db.migrate_up(&dir, &[]));
    assert!(up.contains("applied phase 1 V1001__tags"), "{up}");
    assert!(!up.contains("V0001__notes"), "{up}");
    db.eventos(&dir, &["migrate", "baseline", "--to", "77"])
        .assert()
        .code(2);
}

#[test]
fn backup_dumps_before_applying_and_a_failed_dump_changes_nothing() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("slow");
    let out = tempfile::tempdir().unwrap();
    let bad = out.path().join("no/such/folder/dump.sql");
    let failed = db
        .eventos(&dir, &["migrate", "up", "--backup", bad.to_str().unwrap()])
        .assert()
        .code(2);
    assert!(stderr(&failed).contains("pg_dump"), "{}", stderr(&failed));
    assert_eq!(
        count(&db, "SELECT to_regclass('public.slow_a') IS NULL"),
        "t"
    );

    let file = out.path().join("before.sql");
    let ok = db
        .eventos(
            &dir,
            &[
                "migrate",
                "up",
                "--no-verify",
                "--backup",
                file.to_str().unwrap(),
            ],
        )
        .assert()
        .success();
    assert!(stderr(&ok).contains("backup: wrote"), "{}", stderr(&ok));
    let dump = std::fs::read_to_string(&file).unwrap();
    assert!(dump.contains("PostgreSQL database dump"), "{dump}");
    assert!(
        !dump.contains("slow_a"),
        "the dump is taken before applying"
    );
}

#[test]
fn preflight_lint_errors_stop_before_any_change() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    std::fs::write(
        project.path().join("sql/phase1/V1002__bad.sql"),
        "ALTER SYSTEM SET work_mem = '1GB';\n",
    )
    .unwrap();
    let failed = db
        .eventos(project.path(), &["migrate", "up", "--supabase-compat"])
        .assert()
        .code(1);
    let err = stderr(&failed);
    assert!(err.contains("preflight failed"), "{err}");
    assert!(err.contains("V1002__bad.sql"), "{err}");
    assert_untouched(&db, "preflight lint stops before any change");
}

#[test]
fn the_real_phases_0_and_1_go_down_newest_first_and_up_again() {
    let db = TestDb::new(Pg::Stock);
    let root = crate::harness::repo_root();
    db.migrate_up(&root, &["--phase", "1"]);
    db.eventos(&root, &["migrate", "down", "--phase", "0"])
        .assert()
        .code(1);
    db.eventos(&root, &["migrate", "down", "--phase", "1"])
        .assert()
        .success();
    db.eventos(&root, &["migrate", "down", "--phase", "0"])
        .assert()
        .success();
    assert_eq!(
        count(&db, "SELECT count(*) FROM eventos.schema_history"),
        "0"
    );
    let again = stdout(&db.migrate_up(&root, &["--phase", "1"]));
    assert!(again.contains("0 failed"), "post-check passes: {again}");
}

#[test]
fn preflight_refuses_a_bundle_edited_without_rehashing() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    crate::harness::eventos(project.path())
        .arg("hash")
        .assert()
        .success();
    let file = project.path().join("sql/phase1/V1001__tags.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text + "\nCOMMENT ON TABLE public.tags IS 'edited after hashing';\n",
    )
    .unwrap();
    let failed = db
        .eventos(project.path(), &["migrate", "up", "--supabase-compat"])
        .assert()
        .code(1);
    let err = stderr(&failed);
    assert!(err.contains("sum-mismatch"), "{err}");
    assert!(err.contains("preflight failed"), "{err}");
    assert_untouched(&db, "the sum check stops before any change");
    crate::harness::eventos(project.path())
        .arg("hash")
        .assert()
        .success();
    db.migrate_up(project.path(), &[]);
}

/// On a terminal (a pseudo-terminal from util-linux `script`) `migrate up` draws an indicatif bar
/// per phase with position and elapsed time; piped, it prints plain lines only.
#[test]
fn progress_bars_on_a_terminal_plain_lines_when_piped() {
    let dir = fixture("basic");
    let on_tty = TestDb::new(Pg::Stock);
    let command = format!(
        "{} migrate up --supabase-compat --no-verify --database-url '{}'",
        assert_cmd::cargo::cargo_bin("eventos").display(),
        on_tty.url()
    );
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .current_dir(&dir)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .env_remove("DATABASE_URL")
        .env_remove("EVENTOS_CONFIG")
        .output()
        .expect("run `script` (util-linux) to get a pseudo-terminal");
    let terminal = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{terminal}");
    for (phase, files) in [(0, 2), (1, 1)] {
        let bar = terminal
            .lines()
            .flat_map(|l| l.split('\r'))
            .find(|l| l.contains(&format!("phase {phase} ")) && l.contains('█'))
            .unwrap_or_else(|| panic!("no progress bar for phase {phase} in:\n{terminal}"));
        assert!(bar.contains(&format!("/{files}")), "{bar}");
    }
    assert!(
        terminal.contains("applied phase 1 V1001__tags"),
        "{terminal}"
    );

    let piped = TestDb::new(Pg::Stock);
    let assert = piped.migrate_up(&dir, &["--no-verify"]);
    let output = stdout(&assert) + &stderr(&assert);
    assert!(output.contains("applied phase 0 V0001__notes"), "{output}");
    assert!(
        !output.contains('█') && !output.contains('\u{1b}'),
        "{output}"
    );
}
