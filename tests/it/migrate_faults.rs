//! The apply engine under the faults a DBA meets on day two, against real PostgreSQL: files
//! added to an earlier phase after later ones were applied, history rows refinery cannot parse,
//! a diverged history with the compat layer requested, concurrent `up` and `down`, waiting for
//! the lock, failures without a server position, and line endings changed by a checkout.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::harness::{Pg, TestDb, count, eventos_process, fixture, fixture_copy, stderr, stdout};
use eventos::db::MIGRATION_LOCK_KEY;

fn write(project: &Path, relative: &str, text: &str) {
    std::fs::write(project.join(relative), text).unwrap();
}

/// Asserts the process did not panic (exit 101) and exited with `code`.
#[track_caller]
fn assert_exit(assert: &assert_cmd::assert::Assert, code: i32, what: &str) {
    let out = assert.get_output();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(out.status.code(), Some(code), "{what}: {err}");
}

// ---- item 1: out-of-order files -------------------------------------------------------------

#[test]
fn a_file_added_to_an_earlier_phase_is_refused_alike_by_status_dry_run_and_up_then_applied_with_out_of_order()
 {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    db.migrate_up(dir, &[]);
    write(
        dir,
        "sql/phase0/V0003__late_notes_title.sql",
        "ALTER TABLE public.notes ADD COLUMN title text;\n",
    );

    let status = db.eventos(dir, &["status"]).assert().success();
    let text = stdout(&status);
    assert!(
        text.lines()
            .any(|l| l.contains("late_notes_title") && l.contains("pending, out of order")),
        "{text}"
    );
    assert!(
        text.contains("migrate up refuses them unless --out-of-order"),
        "{text}"
    );
    db.eventos(dir, &["status", "--exit-code"]).assert().code(1);
    let json: serde_json::Value = serde_json::from_str(&stdout(
        &db.eventos(dir, &["status", "--format", "json"])
            .assert()
            .success(),
    ))
    .unwrap();
    assert_eq!(json["out_of_order"], 1);
    assert_eq!(json["pending"], 1);
    assert_eq!(json["out_of_order_allowed"], false);

    let dry = db.eventos(dir, &["migrate", "up", "--dry-run"]).assert();
    assert_exit(&dry, 1, "dry-run refuses like up");
    assert!(
        stderr(&dry).contains("older than the newest applied one (V1001__tags)"),
        "{}",
        stderr(&dry)
    );
    assert!(!stdout(&dry).contains("ALTER TABLE"), "{}", stdout(&dry));

    let up = db.eventos(dir, &["migrate", "up"]).assert();
    assert_exit(&up, 1, "up refuses before any change");
    let err = stderr(&up);
    assert!(err.contains("V0003__late_notes_title (phase 0)"), "{err}");
    assert!(err.contains("--out-of-order"), "{err}");
    assert!(err.contains("migrate baseline --to 3"), "{err}");
    assert_eq!(
        count(&db, "SELECT count(*) FROM eventos.schema_history"),
        "3"
    );

    let dry = db
        .eventos(dir, &["migrate", "up", "--dry-run", "--out-of-order"])
        .assert()
        .success();
    let script = stdout(&dry);
    assert!(
        script.contains("-- out of order: older than the newest applied migration"),
        "{script}"
    );
    assert!(
        script.contains("ALTER TABLE public.notes ADD COLUMN title text"),
        "{script}"
    );

    let up = stdout(&db.migrate_up(dir, &["--out-of-order"]));
    assert!(
        up.contains("applied phase 0 V0003__late_notes_title"),
        "{up}"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'title'"
        ),
        "1"
    );
    db.eventos(dir, &["status", "--exit-code"])
        .assert()
        .success();

    // The same through the configuration file.
    write(
        dir,
        "sql/phase0/V0004__late_notes_pinned.sql",
        "ALTER TABLE public.notes ADD COLUMN pinned boolean NOT NULL DEFAULT false;\n",
    );
    let config = std::fs::read_to_string(dir.join("eventos.toml")).unwrap();
    write(
        dir,
        "eventos.toml",
        &format!("{config}\n[migrate]\nout_of_order = true\n"),
    );
    let status = stdout(&db.eventos(dir, &["status"]).assert().success());
    assert!(status.contains("out-of-order allowed"), "{status}");
    let up = stdout(&db.migrate_up(dir, &[]));
    assert!(
        up.contains("applied phase 0 V0004__late_notes_pinned"),
        "{up}"
    );
}

#[test]
fn a_deleted_middle_history_row_is_out_of_order_and_baseline_records_it_again() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute("DELETE FROM eventos.schema_history WHERE version = 2")
        .unwrap();
    let up = db.eventos(&dir, &["migrate", "up"]).assert();
    assert_exit(&up, 1, "a deleted row is an out-of-order file");
    assert!(
        stderr(&up).contains("V0002__notes_indexes (phase 0)"),
        "{}",
        stderr(&up)
    );
    let baseline = stdout(
        &db.eventos(&dir, &["migrate", "baseline", "--to", "2"])
            .assert()
            .success(),
    );
    assert!(
        baseline.contains("recorded V0002__notes_indexes as applied"),
        "{baseline}"
    );
    db.eventos(&dir, &["status", "--exit-code"])
        .assert()
        .success();
    let again = stdout(&db.eventos(&dir, &["migrate", "up"]).assert().success());
    assert!(again.contains("up to date"), "{again}");
}

// ---- item 2: history rows refinery cannot parse ---------------------------------------------

#[test]
fn informative_history_oddities_are_tolerated() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute(
            "UPDATE eventos.schema_history SET applied_on = now() WHERE version = 1;
             UPDATE eventos.schema_history SET applied_on = NULL WHERE version = 2;",
        )
        .unwrap();
    let status = db.eventos(&dir, &["status", "--exit-code"]).assert();
    assert_exit(&status, 0, "status tolerates applied_on");
    let json = stdout(
        &db.eventos(&dir, &["status", "--format", "json"])
            .assert()
            .success(),
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["migrations"][1]["applied_on"],
        serde_json::Value::Null
    );
    assert!(
        value["migrations"][0]["applied_on"]
            .as_str()
            .unwrap()
            .contains(' '),
        "now() as stored: {json}"
    );
    let up = db.eventos(&dir, &["migrate", "up"]).assert();
    assert_exit(&up, 0, "up tolerates applied_on");
    db.eventos(&dir, &["migrate", "down", "--phase", "1"])
        .assert()
        .success();
    let up = stdout(&db.migrate_up(&dir, &[]));
    assert!(up.contains("applied phase 1 V1001__tags"), "{up}");
}

#[test]
fn unusable_history_rows_are_named_with_a_repair_by_every_command_and_never_panic() {
    for (what, corrupt) in [
        (
            "a non-numeric checksum",
            "UPDATE eventos.schema_history SET checksum = 'not-a-number' WHERE version = 1001",
        ),
        (
            "a NULL checksum",
            "UPDATE eventos.schema_history SET checksum = NULL WHERE version = 1001",
        ),
        (
            "a NULL name",
            "UPDATE eventos.schema_history SET name = NULL WHERE version = 1001",
        ),
    ] {
        let db = TestDb::new(Pg::Stock);
        let dir = fixture("basic");
        db.migrate_up(&dir, &[]);
        let before = count(
            &db,
            "SELECT md5(string_agg(t::text, ',' ORDER BY version)) FROM eventos.schema_history t",
        );
        db.client().batch_execute(corrupt).unwrap();
        let corrupted = count(
            &db,
            "SELECT md5(string_agg(t::text, ',' ORDER BY version)) FROM eventos.schema_history t",
        );
        let mut repair = None;
        for args in [
            &["status"][..],
            &["status", "--format", "json"],
            &["migrate", "up"],
            &["migrate", "up", "--dry-run"],
            &["migrate", "down", "--phase", "1"],
            &["migrate", "baseline", "--to", "1001"],
        ] {
            let run = db.eventos(&dir, args).assert();
            assert_exit(&run, 2, &format!("{what}: {args:?}"));
            let err = stderr(&run);
            assert!(err.contains("version 1001"), "{what}: {args:?}: {err}");
            assert!(
                err.contains("repair: UPDATE eventos.schema_history SET"),
                "{what}: {err}"
            );
            repair = err
                .lines()
                .find_map(|l| l.trim().strip_prefix("repair: "))
                .map(|sql| sql.split("  --").next().unwrap().to_string());
            assert_eq!(
                count(
                    &db,
                    "SELECT md5(string_agg(t::text, ',' ORDER BY version)) FROM eventos.schema_history t"
                ),
                corrupted,
                "{what}: {args:?} changed nothing"
            );
        }
        db.client().batch_execute(&repair.unwrap()).unwrap();
        assert_eq!(
            count(
                &db,
                "SELECT md5(string_agg(t::text, ',' ORDER BY version)) FROM eventos.schema_history t"
            ),
            before,
            "{what}: the printed repair restores the row"
        );
        db.eventos(&dir, &["status", "--exit-code"])
            .assert()
            .success();
    }
}

// ---- item 8: preflight before the compat layer ----------------------------------------------

#[test]
fn a_refused_history_stops_before_the_compat_layer_and_the_backup() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    let out = tempfile::tempdir().unwrap();
    let dump = out.path().join("before.sql");
    // A history written by an earlier run whose V0001 has since been edited.
    db.client()
        .batch_execute(
            "CREATE SCHEMA eventos;
             CREATE TABLE eventos.schema_history (version int4 PRIMARY KEY, name varchar(255),
                                                  applied_on varchar(255), checksum varchar(255));
             INSERT INTO eventos.schema_history VALUES (1, 'notes', '2026-01-01T00:00:00Z', '1');",
        )
        .unwrap();
    let untouched = |why: &str| {
        assert_eq!(
            count(
                &db,
                "SELECT to_regnamespace('auth') IS NULL AND to_regnamespace('extensions') IS NULL"
            ),
            "t",
            "{why}: no compat layer"
        );
        assert!(!dump.exists(), "{why}: no backup");
    };
    let refused = db
        .eventos(
            &dir,
            &[
                "migrate",
                "up",
                "--supabase-compat",
                "--backup",
                dump.to_str().unwrap(),
            ],
        )
        .assert();
    assert_exit(&refused, 1, "diverged");
    assert!(
        stderr(&refused).contains("V0001__notes: changed since applied"),
        "{}",
        stderr(&refused)
    );
    untouched("diverged history");

    db.client()
        .batch_execute("UPDATE eventos.schema_history SET checksum = 'x'")
        .unwrap();
    for args in [
        &["migrate", "up", "--supabase-compat"][..],
        &["status", "--supabase-compat"],
    ] {
        let run = db.eventos(&dir, args).assert();
        assert_exit(&run, 2, "unusable history row");
        untouched(&format!("{args:?} with an unusable row"));
    }
}

// ---- item 6: the post-check runs under the lock; up and down mix ----------------------------

#[test]
fn the_post_check_runs_under_the_migration_lock_so_a_down_waits_for_it() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    let plan = std::fs::read_to_string(dir.join("plans/phase1.toml")).unwrap();
    write(
        dir,
        "plans/phase1.toml",
        &format!(
            "{plan}\n[[verify]]\nname = \"slow-check\"\nsql = \"SELECT 'never' FROM pg_sleep(3) WHERE random() < 0\"\n"
        ),
    );
    let up = eventos_process(&db, dir, &["migrate", "up", "--supabase-compat"])
        .spawn()
        .unwrap();
    let checking = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(3)%' AND pid <> pg_backend_pid()";
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(&db, checking) == "0" {
        assert!(Instant::now() < deadline, "the post-check never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let holder = count(
        &db,
        &format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database() AND a.query LIKE '%pg_sleep(3)%'
               AND ((l.classid::bigint << 32) | l.objid::bigint) = {MIGRATION_LOCK_KEY}"
        ),
    );
    assert_eq!(
        holder, "1",
        "the session running the post-check holds the migration lock"
    );
    let down = eventos_process(
        &db,
        dir,
        &["migrate", "down", "--phase", "1", "--lock-wait", "30s"],
    )
    .spawn()
    .unwrap();
    let up = up.wait_with_output().unwrap();
    assert!(
        up.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    let down = down.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&down.stderr);
    assert!(down.status.success(), "{err}");
    assert!(err.contains("waiting for the migration lock"), "{err}");
}

#[test]
fn four_ups_and_four_downs_at_once_all_end_cleanly() {
    let db = TestDb::new(Pg::Vector);
    let root = crate::harness::repo_root();
    db.migrate_up(&root, &[]);
    let newest = (0..=9u8)
        .rev()
        .find(|n| root.join(format!("plans/phase{n}.toml")).exists())
        .expect("the repository has plans")
        .to_string();
    for round in 0..2 {
        let children: Vec<_> = (0..8)
            .map(|i| {
                let args: &[&str] = if i % 2 == 0 {
                    &["migrate", "up", "--supabase-compat"]
                } else {
                    &["migrate", "down", "--phase", &newest]
                };
                eventos_process(&db, &root, args).spawn().unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            let text = String::from_utf8_lossy(&out.stdout);
            let clean = out.status.success()
                || (out.status.code() == Some(2) && err.contains("holds the migration lock"));
            assert!(
                clean,
                "round {round}: exit {:?}\n{text}\n{err}",
                out.status.code()
            );
            assert!(
                !text.contains("fail ") && !err.contains("panicked"),
                "round {round}: {text}\n{err}"
            );
        }
    }
}

// ---- item 9: saying what happens -------------------------------------------------------------

#[test]
fn a_run_waiting_for_the_lock_says_who_holds_it_then_proceeds() {
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
    let run = eventos_process(
        &db,
        &fixture("basic"),
        &["migrate", "up", "--supabase-compat", "--lock-wait", "30s"],
    )
    .spawn()
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    holder
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .unwrap();
    let out = run.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "waiting for the migration lock, held by pid {pid} (application_name 'dba-console'"
        )),
        "{err}"
    );
    assert!(err.contains("up to 30s"), "{err}");
    assert!(err.contains("got the migration lock after"), "{err}");
}

#[test]
fn a_failed_file_says_what_stays_applied_transactional_or_not() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    db.migrate_up(dir, &["--phase", "0"]);
    write(
        dir,
        "sql/phase0/V0003__three_indexes.sql",
        "-- eventos:no-transaction\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notes_body ON public.notes (body);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notes_created ON public.notes (created_at);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_notes_nope ON public.notes (no_such_column);\n",
    );
    let failed = db.eventos(dir, &["migrate", "up"]).assert();
    assert_exit(&failed, 1, "no-transaction failure");
    let err = stderr(&failed);
    assert!(err.contains("V0003__three_indexes.sql:4:"), "{err}");
    assert!(err.contains("statement 3 of 3 failed"), "{err}");
    assert!(
        err.contains("statements 1–2 were committed and stay"),
        "{err}"
    );
    assert!(!err.contains("was rolled back"), "{err}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_indexes WHERE indexname IN ('ix_notes_body', 'ix_notes_created')"
        ),
        "2",
        "what the message says stays, stays"
    );

    std::fs::remove_file(dir.join("sql/phase0/V0003__three_indexes.sql")).unwrap();
    write(
        dir,
        "sql/phase0/V0003__two_columns.sql",
        "ALTER TABLE public.notes ADD COLUMN a int;\nALTER TABLE public.notes ADD COLUMN a int;\nALTER TABLE public.notes ADD COLUMN b int;\n",
    );
    let failed = db.eventos(dir, &["migrate", "up"]).assert();
    assert_exit(&failed, 1, "transactional failure");
    let err = stderr(&failed);
    assert!(err.contains("statement 2 of 3 failed"), "{err}");
    assert!(
        err.contains("ran in one transaction, which was rolled back: nothing of it remains"),
        "{err}"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'notes' AND column_name = 'a'"
        ),
        "0"
    );
}

#[test]
fn line_endings_and_a_bom_are_not_a_change_of_an_applied_file() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    crate::harness::eventos(dir).arg("hash").assert().success();
    db.migrate_up(dir, &[]);
    for file in [
        "sql/phase0/V0001__notes.sql",
        "sql/phase1/V1001__tags.sql",
        "sql/rollback/phase1.sql",
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let converted = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        write(dir, file, &converted);
    }
    let status = db.eventos(dir, &["status", "--exit-code"]).assert();
    assert_exit(&status, 0, "CRLF and BOM are not changes");
    crate::harness::eventos(dir).arg("lint").assert().success();
    let up = stdout(&db.migrate_up(dir, &[]));
    assert!(up.contains("up to date"), "{up}");

    // Any other byte is a change.
    let file = dir.join("sql/phase0/V0001__notes.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replacen("-- A tiny", "--  A tiny", 1)).unwrap();
    let status = stdout(&db.eventos(dir, &["status"]).assert().success());
    assert!(
        status
            .lines()
            .any(|l| l.contains("notes ") && l.contains("changed since applied")),
        "{status}"
    );
}

// ---- item 10: errors without a server position point at their statement ---------------------

/// Runs `migrate up` of phase 0 plus `file` (V0003) and returns stderr of the failure.
fn failure_of(db: &TestDb, file: &str, extra: &[&str]) -> String {
    let project = fixture_copy("basic");
    let dir = project.path();
    db.migrate_up(dir, &["--phase", "0"]);
    write(dir, "sql/phase0/V0003__fails.sql", file);
    let mut args = vec!["migrate", "up", "--phase", "0", "--no-verify"];
    args.extend_from_slice(extra);
    let failed = db.eventos(dir, &args).assert();
    assert_exit(&failed, 1, file);
    stderr(&failed)
}

#[test]
fn errors_without_a_position_point_at_the_statement_that_failed() {
    const HEADER: &str = "-- A file whose failing statement is not on line 1.\n-- Second comment.\n\nCREATE TABLE public.pos (id int PRIMARY KEY);\nALTER TABLE public.pos ENABLE ROW LEVEL SECURITY;\n";
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE eventos_test_nopriv NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$",
        )
        .unwrap();
    let cases: Vec<(&str, String, &[&str], &str)> = vec![
        (
            "duplicate key",
            format!(
                "{HEADER}INSERT INTO public.pos VALUES (1);\n  INSERT INTO public.pos VALUES (1);\n"
            ),
            &[],
            "V0003__fails.sql:7:3: duplicate key value violates unique constraint \"pos_pkey\" (SQLSTATE 23505)",
        ),
        (
            "division by zero",
            format!("{HEADER}SELECT 1;\nSELECT 1 / 0;\n"),
            &[],
            "V0003__fails.sql:7:1: division by zero (SQLSTATE 22012)",
        ),
        (
            "statement timeout",
            format!("{HEADER}SELECT 1;\n    SELECT pg_sleep(5);\n"),
            &["--statement-timeout", "200ms"],
            "V0003__fails.sql:7:5: canceling statement due to statement timeout (SQLSTATE 57014)",
        ),
        (
            "permission denied",
            format!(
                "{HEADER}SET LOCAL ROLE eventos_test_nopriv;\nSELECT count(*) FROM public.pos;\n"
            ),
            &[],
            "V0003__fails.sql:7:1: permission denied for table pos (SQLSTATE 42501)",
        ),
    ];
    for (what, file, extra, expected) in cases {
        let err = failure_of(&db, &file, extra);
        assert!(err.contains(expected), "{what}: {err}");
        assert!(err.contains("statement 4 of 4 failed"), "{what}: {err}");
        // The source line is shown with a caret under the column.
        let source = file.lines().nth(6).unwrap();
        assert!(err.contains(&format!("7 | {source}")), "{what}: {err}");
        db.client()
            .batch_execute("DROP TABLE IF EXISTS public.pos")
            .unwrap();
    }
}

#[test]
fn a_lock_timeout_points_at_the_statement_that_waited() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    db.migrate_up(dir, &["--phase", "0"]);
    write(
        dir,
        "sql/phase0/V0003__notes_title.sql",
        "-- Needs the notes table briefly.\nSELECT 1;\nALTER TABLE public.notes ADD COLUMN title text;\n",
    );
    let mut blocker = db.client();
    let mut tx = blocker.transaction().unwrap();
    tx.batch_execute("LOCK TABLE public.notes IN ACCESS SHARE MODE")
        .unwrap();
    let started = Instant::now();
    let failed = db
        .eventos(
            dir,
            &["migrate", "up", "--phase", "0", "--lock-timeout", "100ms"],
        )
        .assert();
    assert_exit(&failed, 1, "lock timeout");
    let err = stderr(&failed);
    assert!(
        err.contains(
            "V0003__notes_title.sql:3:1: canceling statement due to lock timeout (SQLSTATE 55P03)"
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    tx.rollback().unwrap();
}

#[test]
fn no_transaction_and_rollback_failures_point_at_their_statement() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("dupe");
    let dir = project.path();
    write(
        dir,
        "sql/phase0/V0002__accounts_email_unique.sql",
        "-- eventos:no-transaction\n-- Fails on the duplicate address.\nSELECT 1;\n\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ux_accounts_email\n  ON public.accounts (email);\n",
    );
    let failed = db.eventos(dir, &["migrate", "up"]).assert();
    assert_exit(&failed, 1, "no-transaction duplicate");
    let err = stderr(&failed);
    assert!(
        err.contains("V0002__accounts_email_unique.sql:5:1: could not create unique index"),
        "{err}"
    );
    assert!(err.contains("statement 2 of 2 failed"), "{err}");

    write(
        dir,
        "sql/phase0/V0002__accounts_email_unique.sql",
        "-- eventos:no-transaction\nSELECT 1;\n",
    );
    db.eventos(dir, &["migrate", "up", "--no-verify"])
        .assert()
        .success();
    write(
        dir,
        "sql/rollback/phase0.sql",
        "-- Undo phase 0.\n\nDROP TABLE IF EXISTS public.accounts;\nSELECT 1 / 0;\n",
    );
    let failed = db
        .eventos(dir, &["migrate", "down", "--phase", "0"])
        .assert();
    assert_exit(&failed, 1, "rollback failure");
    let err = stderr(&failed);
    assert!(
        err.contains("rollback/phase0.sql:4:1: division by zero (SQLSTATE 22012)"),
        "{err}"
    );
    assert_eq!(
        count(&db, "SELECT to_regclass('public.accounts') IS NOT NULL"),
        "t",
        "the rollback script's transaction was rolled back"
    );
}

#[test]
fn a_deferred_constraint_failing_at_commit_rolls_the_file_back() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    let dir = project.path();
    db.migrate_up(dir, &["--phase", "0"]);
    write(
        dir,
        "sql/phase0/V0003__deferred.sql",
        "CREATE TABLE public.parent (id int PRIMARY KEY);\n\
         ALTER TABLE public.parent ENABLE ROW LEVEL SECURITY;\n\
         CREATE TABLE public.child (parent_id int REFERENCES public.parent DEFERRABLE INITIALLY DEFERRED);\n\
         ALTER TABLE public.child ENABLE ROW LEVEL SECURITY;\n\
         INSERT INTO public.child VALUES (1);\n",
    );
    let failed = db
        .eventos(dir, &["migrate", "up", "--phase", "0", "--no-verify"])
        .assert();
    assert_exit(&failed, 1, "deferred constraint");
    let err = stderr(&failed);
    assert!(err.contains("V0003__deferred.sql:"), "{err}");
    assert!(err.contains("23503"), "{err}");
    assert!(err.contains("nothing of it remains"), "{err}");
    assert_eq!(
        count(&db, "SELECT to_regclass('public.parent') IS NULL"),
        "t"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM eventos.schema_history WHERE version = 3"
        ),
        "0"
    );
    // The session is usable afterwards: the next file applies in the same run.
    write(
        dir,
        "sql/phase0/V0003__deferred.sql",
        "CREATE TABLE public.parent (id int PRIMARY KEY);\nALTER TABLE public.parent ENABLE ROW LEVEL SECURITY;\n",
    );
    write(
        dir,
        "sql/phase0/V0004__after.sql",
        "COMMENT ON TABLE public.parent IS 'after';\n",
    );
    let ok = stdout(
        &db.eventos(dir, &["migrate", "up", "--phase", "0", "--no-verify"])
            .assert()
            .success(),
    );
    assert!(ok.contains("applied 2 migrations"), "{ok}");
}
