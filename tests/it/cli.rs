//! The walking skeleton end to end: the real binary against real throwaway PostgreSQL.

use crate::harness::{Pg, TestDb, eventos, fixture, fixture_copy, stderr, stdout};
use predicates::prelude::*;

#[test]
fn migrate_up_then_status_then_verify_then_noop() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    let up = db.migrate_up(&dir, &[]);
    let out = stdout(&up);
    assert!(out.contains("applied phase 0 V0001__notes"), "{out}");
    assert!(
        out.contains("applied phase 0 V0002__notes_indexes (no transaction)"),
        "{out}"
    );
    assert!(out.contains("applied phase 1 V1001__tags"), "{out}");

    let status = stdout(&db.eventos(&dir, &["status"]).assert().success());
    for name in ["notes", "notes_indexes", "tags"] {
        let line = status
            .lines()
            .find(|l| l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| panic!("{status}"));
        assert!(line.contains("applied"), "{line}");
    }
    assert!(!status.contains("pending"), "{status}");

    let verify = stdout(&db.eventos(&dir, &["verify"]).assert().success());
    assert!(verify.contains("pass plan-objects phase 0"), "{verify}");
    assert!(verify.contains("0 failed"), "{verify}");

    let again = stdout(&db.migrate_up(&dir, &[]));
    assert!(again.contains("up to date"), "{again}");
    let rows = db.query_strings("SELECT count(*) FROM eventos.schema_history");
    assert_eq!(rows, vec!["3"]);
}

#[test]
fn phase_flag_limits_what_is_applied_and_status_shows_pending() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &["--phase", "0"]);
    assert_eq!(
        db.query_strings("SELECT to_regclass('public.tags') IS NULL"),
        vec!["t"]
    );
    let status = stdout(&db.eventos(&dir, &["status"]).assert().success());
    let tags = status.lines().find(|l| l.contains(" tags ")).unwrap();
    assert!(tags.contains("pending"), "{status}");
    db.eventos(&dir, &["verify", "--phase", "0"])
        .assert()
        .success();
    db.eventos(&dir, &["verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("phase 1 not applied"));
}

#[test]
fn a_failing_migration_names_the_file_and_leaves_no_trace() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    std::fs::write(
        project.path().join("sql/phase1/V1002__broken.sql"),
        "CREATE TABLE public.half_done (id int PRIMARY KEY);\nALTER TABLE public.half_done ENABLE ROW LEVEL SECURITY;\nINSERT INTO public.no_such_table VALUES (1);\n",
    )
    .unwrap();
    let failed = db
        .eventos(project.path(), &["migrate", "up", "--supabase-compat"])
        .assert()
        .code(1);
    let err = stderr(&failed);
    assert!(err.contains("V1002__broken.sql:3:13"), "{err}");
    assert!(err.contains("42P01"), "{err}");
    assert_eq!(
        db.query_strings("SELECT to_regclass('public.half_done') IS NULL"),
        vec!["t"]
    );
    assert_eq!(
        db.query_strings("SELECT count(*) FROM eventos.schema_history WHERE version = 1002"),
        vec!["0"]
    );
    assert_eq!(
        db.query_strings("SELECT count(*) FROM eventos.schema_history"),
        vec!["3"]
    );
}

#[test]
fn an_edited_applied_migration_is_reported_and_refused() {
    let db = TestDb::new(Pg::Stock);
    let project = fixture_copy("basic");
    db.migrate_up(project.path(), &[]);
    let file = project.path().join("sql/phase1/V1001__tags.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text + "\nCOMMENT ON TABLE public.tags IS 'edited';\n",
    )
    .unwrap();
    let status = stdout(&db.eventos(project.path(), &["status"]).assert().success());
    assert!(status.contains("changed since applied"), "{status}");
    db.eventos(project.path(), &["migrate", "up"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "V1001__tags: changed since applied",
        ));
}

#[test]
fn lint_reports_alter_system_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tune.sql");
    std::fs::write(
        &file,
        "SELECT 1;\n-- ALTER SYSTEM in a comment is fine\nalter system set work_mem = '1GB';\n",
    )
    .unwrap();
    eventos(dir.path())
        .args(["lint", "tune.sql"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[alter-system]"))
        .stdout(predicate::str::contains("tune.sql:3:1"));
}

#[test]
fn lint_reports_syntax_errors_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.sql"),
        "SELECT 1;\nCREATE TABEL t (a int);\n",
    )
    .unwrap();
    eventos(dir.path())
        .args(["lint", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[syntax-error]"))
        .stdout(predicate::str::contains("bad.sql:2:8"));
}

#[test]
fn lint_of_clean_bundles_exits_zero() {
    eventos(&fixture("basic"))
        .arg("lint")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 errors"));
}

/// `eventos lint` on a copy of the `basic` fixture with one more migration file at `relative`:
/// a usage error (exit 2) whose message says `expected`.
fn lint_with_added_file(relative: &str, expected: &str) -> assert_cmd::assert::Assert {
    let project = fixture_copy("basic");
    std::fs::write(project.path().join(relative), "SELECT 1;").unwrap();
    eventos(project.path())
        .arg("lint")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(expected))
}

#[test]
fn bad_file_names_are_usage_errors() {
    lint_with_added_file(
        "sql/phase0/add_column.sql",
        "add_column.sql: not a migration file name",
    )
    .stderr(predicate::str::contains("help:"));
}

#[test]
fn versions_outside_the_phase_range_are_usage_errors() {
    lint_with_added_file(
        "sql/phase0/V1005__misplaced.sql",
        "V1005__misplaced.sql: version 1005 is outside phase 0's range",
    );
}

#[test]
fn unknown_plan_keys_are_usage_errors_with_line() {
    let project = fixture_copy("basic");
    let plan = project.path().join("plans/phase1.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, text + "rollbak = \"x.sql\"\n").unwrap();
    eventos(project.path())
        .arg("lint")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("phase1.toml: line 10"))
        .stderr(predicate::str::contains("rollbak"));
}

#[test]
fn a_plan_naming_a_missing_rollback_is_a_usage_error() {
    let project = fixture_copy("basic");
    std::fs::remove_file(project.path().join("sql/rollback/phase1.sql")).unwrap();
    eventos(project.path())
        .arg("lint")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`rollback` names"))
        .stderr(predicate::str::contains("rollback/phase1.sql"));
}

#[test]
fn missing_database_is_a_usage_error() {
    eventos(&fixture("basic"))
        .args(["status"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no database given"));
}

#[test]
fn passwords_are_never_printed() {
    let db = TestDb::new(Pg::Stock);
    let url = db
        .url()
        .replace("supabase_admin@", "supabase_admin:hunter2@");
    let out = eventos(&fixture("basic"))
        .args(["status", "--supabase-compat", "--database-url", &url])
        .assert()
        .success();
    let all = stdout(&out) + &stderr(&out);
    assert!(!all.contains("hunter2"), "{all}");
    assert!(all.contains("supabase_admin:***@"), "{all}");
    let refused = eventos(&fixture("basic"))
        .args([
            "status",
            "--database-url",
            "postgres://postgres:hunter2@127.0.0.1:1/x",
        ])
        .assert()
        .code(2);
    assert!(
        !stderr(&refused).contains("hunter2"),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn check_runs_lint_apply_verify_on_a_throwaway_cluster() {
    let out = eventos(&fixture("basic")).arg("check").assert().success();
    let text = stdout(&out);
    let lint = text.find("== lint").unwrap();
    let up = text.find("== migrate up").unwrap();
    let verify = text.find("== verify").unwrap();
    assert!(lint < up && up < verify, "{text}");
    let err = stderr(&out);
    assert!(err.contains("ephemeral: "), "{err}");
    let dir = err.split_whitespace().find(|w| w.contains("eventos-pg-"));
    assert!(
        dir.is_none(),
        "the cluster folder is not named in output: {err}"
    );
}

#[test]
fn check_fails_when_lint_fails_and_touches_no_database() {
    let project = fixture_copy("basic");
    std::fs::write(
        project.path().join("sql/phase1/V1002__tune.sql"),
        "ALTER SYSTEM SET work_mem = '1GB';\n",
    )
    .unwrap();
    let out = eventos(project.path()).arg("check").assert().code(1);
    assert!(!stdout(&out).contains("== migrate up"), "{}", stdout(&out));
}

#[test]
fn supabase_compat_never_touches_an_existing_auth_schema() {
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute("CREATE SCHEMA auth; CREATE TABLE auth.users (id uuid PRIMARY KEY);")
        .unwrap();
    db.eventos(&fixture("basic"), &["status", "--supabase-compat"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already exists; left untouched"));
    assert_eq!(
        db.query_strings("SELECT count(*) FROM pg_proc WHERE pronamespace = 'auth'::regnamespace"),
        vec!["0"]
    );
}

#[test]
fn supabase_compat_auth_functions_read_jwt_claims() {
    let db = TestDb::new(Pg::Stock);
    db.eventos(&fixture("basic"), &["status", "--supabase-compat"])
        .assert()
        .success();
    let rows = db.query_strings(
        "SELECT set_config('request.jwt.claims', '{\"sub\":\"6f1c1f3e-2b43-4c55-9d7e-1f2a3b4c5d6e\",\"role\":\"authenticated\"}', false);
         SELECT auth.uid()::text || ' ' || auth.role() || ' ' || (auth.jwt() ->> 'role')",
    );
    assert_eq!(
        rows.last().unwrap(),
        "6f1c1f3e-2b43-4c55-9d7e-1f2a3b4c5d6e authenticated authenticated"
    );
}

#[test]
fn concurrent_compat_installs_on_one_database_succeed() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("eventos"))
                .current_dir(&dir)
                .args([
                    "migrate",
                    "up",
                    "--supabase-compat",
                    "--database-url",
                    db.url(),
                ])
                .env_remove("DATABASE_URL")
                .output()
        })
        .collect();
    for child in children {
        let out = child.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        db.query_strings("SELECT count(*) FROM eventos.schema_history"),
        vec!["3"]
    );
}

#[test]
fn completions_are_generated() {
    eventos(&fixture("basic"))
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("eventos"));
}

/// Starts `eventos migrate up --ephemeral` on a project whose last migration sleeps, and returns
/// the child and the throwaway server's port once it is applying.
fn start_slow_ephemeral_run(project: &std::path::Path) -> (std::process::Child, u16) {
    use std::io::{BufRead, BufReader};
    std::fs::write(
        project.join("sql/phase1/V1002__slow.sql"),
        "SELECT pg_sleep(60);\n",
    )
    .unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("eventos"))
        .current_dir(project)
        .args(["migrate", "up", "--ephemeral"])
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    let line = stderr
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.starts_with("ephemeral: "))
        .expect("ephemeral line");
    // Keep draining stderr so eventos never writes to a closed pipe.
    std::thread::spawn(move || stderr.for_each(drop));
    let port: u16 = line
        .split("127.0.0.1:")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    stdout
        .by_ref()
        .map(Result::unwrap)
        .find(|l| l.contains("V1001__tags"))
        .expect("tags applied before the slow file");
    std::thread::spawn(move || stdout.for_each(drop));
    (child, port)
}

fn server_gone(port: u16) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    false
}

#[test]
fn ctrl_c_stops_and_removes_the_throwaway_cluster() {
    let project = fixture_copy("basic");
    let (mut child, port) = start_slow_ephemeral_run(project.path());
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        server_gone(port),
        "the throwaway server on port {port} survived Ctrl-C"
    );
}

#[test]
fn the_throwaway_server_dies_with_eventos_even_on_kill_9() {
    let project = fixture_copy("basic");
    let (mut child, port) = start_slow_ephemeral_run(project.path());
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        server_gone(port),
        "the throwaway server on port {port} survived kill -9 of eventos"
    );
}

#[test]
fn compat_installs_on_many_databases_at_once_succeed() {
    let dbs: Vec<TestDb> = (0..8).map(|_| TestDb::new(Pg::Stock)).collect();
    let children: Vec<_> = dbs
        .iter()
        .map(|db| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("eventos"))
                .current_dir(fixture("basic"))
                .args(["status", "--supabase-compat", "--database-url", db.url()])
                .env_remove("DATABASE_URL")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for db in &dbs {
        assert_eq!(
            db.query_strings(
                "SELECT count(*) FROM pg_proc WHERE pronamespace = 'auth'::regnamespace"
            ),
            vec!["4"]
        );
    }
}

/// `eventos <args>` from the repository root with stdout a pipe nobody reads any more.
fn run_into_closed_pipe(args: &[&str]) -> std::process::Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("eventos"));
    cmd.current_dir(crate::harness::repo_root())
        .env_remove("DATABASE_URL")
        .env_remove("EVENTOS_CONFIG")
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(writer);
    cmd.output().expect("eventos runs")
}

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    // lint with findings writes its report into a pipe whose reader is gone (`| head -0`):
    // no panic, no "Broken pipe" error, and the run still ends (0: the reader chose to stop).
    for args in [
        &["lint", "tests/fixtures/lint/forbidden", "--format", "gcc"][..],
        &["rules"][..],
    ] {
        let output = run_into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("broken pipe"),
            "{args:?}: {stderr}"
        );
    }
}

/// A folder with one file of `n` `ALTER SYSTEM` statements: `n` findings.
fn many_findings(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..n)
        .map(|i| format!("alter system set work_mem = '{}kB';\n", 64 + i))
        .collect();
    std::fs::write(dir.path().join("many.sql"), text).unwrap();
    dir
}

#[test]
fn a_report_longer_than_one_write_arrives_whole_and_in_order() {
    // 3,000 findings make a report of several chunks in every streamed format.
    let dir = many_findings(3000);
    let folder = dir.path().to_str().unwrap();
    for format in ["gcc", "human", "github"] {
        let output = eventos(dir.path())
            .args(["lint", folder, "--format", format])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(
            stdout.len() > 3 * 64 * 1024,
            "{format}: {} bytes",
            stdout.len()
        );
        let lines: Vec<usize> = stdout
            .lines()
            .filter_map(|line| match format {
                // Workflow commands escape the `:` of a path; the line is a property.
                "github" => line.split(",line=").nth(1),
                _ => line.split("many.sql:").nth(1),
            })
            .filter_map(|rest| rest.split([':', ',']).next()?.parse().ok())
            .collect();
        let expected: Vec<usize> = (1..=3000).collect();
        assert_eq!(
            lines, expected,
            "{format}: every finding once, in file order"
        );
        if format == "human" {
            let summary = stdout.lines().last().unwrap_or_default();
            assert!(summary.contains("3000 errors"), "{summary}");
        }
    }
    // The same report into a pipe nobody reads: the run stops writing and ends quietly.
    let output = run_into_closed_pipe(&["lint", folder, "--format", "human"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_malformed_env_file_is_a_warning_naming_its_line_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "GREETING=hello\nPGPASSWORD hunter2-not-key-value\nLATER=1\n",
    )
    .unwrap();
    let assert = eventos(dir.path()).arg("rules").assert().success();
    let stderr = stderr(&assert);
    assert!(
        stderr.contains(".env: line 2 is not KEY=VALUE"),
        "the warning names the file and line: {stderr}"
    );
    assert!(
        !stderr.contains("hunter2"),
        "the line is never echoed: {stderr}"
    );
}
