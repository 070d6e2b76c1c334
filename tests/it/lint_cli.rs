//! `eventos lint`, `eventos rules` and `eventos hash` end to end: the real binary on fixture
//! folders, every output format, exit codes, the sum file, and live-catalog enrichment against a
//! real PostgreSQL.

use std::path::Path;

use crate::harness::{Pg, TestDb, eventos, fixture_copy, repo_root, stdout};

/// `eventos lint <args>` from the repository root.
fn lint(args: &[&str]) -> assert_cmd::assert::Assert {
    eventos(&repo_root()).arg("lint").args(args).assert()
}

/// `file:line:col rule` for every finding, from the gcc format.
fn findings(out: &str) -> Vec<String> {
    out.lines()
        .map(|line| {
            let (location, rest) = line.split_once(": ").unwrap();
            let file = Path::new(location.split(':').next().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let position = location.split_once(':').unwrap().1;
            let rule = rest.rsplit_once('[').unwrap().1.trim_end_matches(']');
            format!("{file}:{position} {rule}")
        })
        .collect()
}

#[test]
fn forbidden_fixture_reports_every_rule_at_its_position_and_exits_1() {
    let out = stdout(&lint(&["tests/fixtures/lint/forbidden", "--format", "gcc"]).code(1));
    assert_eq!(
        findings(&out),
        vec![
            "001_seed_snippets.sql:2:1 alter-system",
            "001_seed_snippets.sql:5:1 rls-disabled",
            "001_seed_snippets.sql:5:49 partition-of-unpartitioned",
            "001_seed_snippets.sql:10:3 copy-to-file",
            "001_seed_snippets.sql:13:1 view-bypasses-rls",
            "001_seed_snippets.sql:15:31 policy-on-view",
            "002_more.sql:2:1 refresh-concurrently-needs-unique-index",
            "002_more.sql:3:1 undefined-function",
            "002_more.sql:5:21 copy-from-file",
            "002_more.sql:6:1 security-definer-search-path",
            "002_more.sql:8:1 concurrently-in-transaction",
            "002_more.sql:9:1 transaction-control",
            "002_more.sql:10:1 rls-disabled",
        ]
    );
}

#[test]
fn human_format_is_rustc_style_without_colour() {
    let out = stdout(&lint(&["tests/fixtures/lint/forbidden/001_seed_snippets.sql"]).code(1));
    assert!(
        out.contains("error[alter-system]: ALTER SYSTEM changes server-wide settings"),
        "{out}"
    );
    assert!(
        out.contains("--> tests/fixtures/lint/forbidden/001_seed_snippets.sql:2:1"),
        "{out}"
    );
    assert!(
        out.contains("2 | ALTER SYSTEM SET max_connections = 200;"),
        "{out}"
    );
    assert!(
        out.contains("  | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^"),
        "{out}"
    );
    assert!(out.contains("= help: use ALTER ROLE"), "{out}");
    assert!(
        out.contains("security_barrier does not make a view respect RLS"),
        "{out}"
    );
    assert!(
        !out.contains('\u{1b}'),
        "NO_COLOR output must not contain escape codes"
    );
}

#[test]
fn legitimate_uses_comments_and_strings_are_clean() {
    let out = stdout(&lint(&["tests/fixtures/lint/clean"]).success());
    assert!(out.contains("lint: 1 files, 0 errors, 0 warnings"), "{out}");
}

#[test]
fn warnings_fail_only_with_deny_warnings_and_ignores_need_a_reason() {
    let out = stdout(&lint(&["tests/fixtures/lint/warnings", "--format", "gcc"]).success());
    assert_eq!(
        findings(&out),
        vec![
            "002_changes.sql:1:51 prefer-timestamptz",
            "002_changes.sql:2:1 destructive-change"
        ]
    );
    lint(&["tests/fixtures/lint/warnings", "--deny-warnings"]).code(1);
}

#[test]
fn json_output_has_the_documented_shape() {
    let out = stdout(&lint(&["tests/fixtures/lint/warnings", "--format", "json"]).success());
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &doc["diagnostics"][0];
    for key in [
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "rule",
        "severity",
        "message",
        "help",
    ] {
        assert!(first.get(key).is_some(), "missing {key}: {first}");
    }
    assert_eq!(first["rule"], "prefer-timestamptz");
    assert_eq!(first["severity"], "warning");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(1), Some(51))
    );
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["warnings"], 2);
    assert_eq!(doc["summary"]["errors"], 0);
}

#[test]
fn sarif_and_github_outputs_name_every_finding() {
    let out = stdout(&lint(&["tests/fixtures/lint/forbidden", "--format", "sarif"]).code(1));
    let log: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 13);
    let region = &results[0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        (region["startLine"].as_u64(), region["startColumn"].as_u64()),
        (Some(2), Some(1))
    );

    let out = stdout(&lint(&["tests/fixtures/lint/forbidden", "--format", "github"]).code(1));
    assert_eq!(out.lines().count(), 13);
    assert!(
        out.starts_with(
            "::error file=tests/fixtures/lint/forbidden/001_seed_snippets.sql,line=2,col=1,"
        ),
        "{out}"
    );
}

#[test]
fn folders_are_linted_in_file_name_order_like_supabase_migrations() {
    lint(&["tests/fixtures/lint/supabase/migrations"]).success();
    let dir = tempfile::tempdir().unwrap();
    let src = repo_root().join("tests/fixtures/lint/supabase/migrations");
    std::fs::copy(
        src.join("20250101000000_parent.sql"),
        dir.path().join("2_parent.sql"),
    )
    .unwrap();
    std::fs::copy(
        src.join("20250102000000_child.sql"),
        dir.path().join("1_child.sql"),
    )
    .unwrap();
    let out = stdout(
        &eventos(dir.path())
            .args(["lint", ".", "--format", "gcc"])
            .assert()
            .code(1),
    );
    assert_eq!(
        findings(&out),
        vec!["1_child.sql:1:48 partition-of-unpartitioned"]
    );
}

#[test]
fn usage_errors_exit_2() {
    lint(&["tests/fixtures/lint/no-such-folder"]).code(2);
    lint(&["--format", "xml"]).code(2);
    let project = fixture_copy("basic");
    std::fs::write(
        project.path().join("eventos.toml"),
        "[rules]\nno-such-rule = \"off\"\n",
    )
    .unwrap();
    let err = eventos(project.path())
        .arg("lint")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&err).contains("unknown rule `no-such-rule`"));
}

#[test]
fn rule_levels_come_from_eventos_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("eventos.toml"),
        "[rules]\nalter-system = \"warning\"\ntransaction-control = \"off\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.sql"),
        "ALTER SYSTEM RESET ALL;\nBEGIN;\n",
    )
    .unwrap();
    let out = stdout(
        &eventos(dir.path())
            .args(["lint", "a.sql", "--format", "gcc"])
            .assert()
            .success(),
    );
    assert_eq!(
        out,
        "a.sql:1:1: warning: ALTER SYSTEM changes server-wide settings and is not allowed [alter-system]\n"
    );
}

#[test]
fn the_basic_bundle_fixture_stays_clean() {
    let project = fixture_copy("basic");
    let out = stdout(&eventos(project.path()).arg("lint").assert().success());
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
}

#[test]
fn rules_lists_every_rule_and_explains_one() {
    let out = stdout(&eventos(&repo_root()).arg("rules").assert().success());
    for id in [
        "alter-system",
        "copy-to-file",
        "view-bypasses-rls",
        "unindexed-foreign-key",
        "sum-mismatch",
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(id)),
            "{id} missing:\n{out}"
        );
    }
    let page = stdout(
        &eventos(&repo_root())
            .args(["rules", "view-bypasses-rls"])
            .assert()
            .success(),
    );
    assert!(
        page.contains("## Why") && page.contains("## Fix") && page.contains("## Example"),
        "{page}"
    );
    assert!(
        page.contains("`security_barrier` does not make a view respect RLS"),
        "{page}"
    );
    eventos(&repo_root())
        .args(["rules", "nope"])
        .assert()
        .code(2);
}

#[test]
fn hash_writes_the_sum_file_and_lint_reports_changed_files() {
    let project = fixture_copy("basic");
    let dir = project.path();
    let out = stdout(&eventos(dir).arg("lint").assert().success());
    assert!(out.contains("0 errors"), "no sum file: no finding\n{out}");

    let out = stdout(&eventos(dir).arg("hash").assert().success());
    assert!(out.contains("eventos.sum (5 files)"), "{out}");
    let sum = std::fs::read_to_string(dir.join("sql/eventos.sum")).unwrap();
    assert!(
        sum.lines()
            .any(|l| l.starts_with("phase0/V0001__notes.sql sha256:")),
        "{sum}"
    );
    eventos(dir).arg("lint").assert().success();

    let file = dir.join("sql/phase0/V0002__notes_indexes.sql");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text + "\n-- edited after shipping\n").unwrap();
    let out = stdout(
        &eventos(dir)
            .args(["lint", "--format", "gcc"])
            .assert()
            .code(1),
    );
    assert!(
        out.contains("V0002__notes_indexes.sql:1:1: error: phase0/V0002__notes_indexes.sql changed since `eventos hash` recorded it [sum-mismatch]"),
        "{out}"
    );
    eventos(dir).arg("hash").assert().success();
    eventos(dir).arg("lint").assert().success();
}

#[test]
fn database_url_adds_the_live_catalog() {
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute(
            "CREATE SCHEMA private;
             CREATE TABLE private.live_metrics (at date NOT NULL) PARTITION BY RANGE (at);
             CREATE FUNCTION private.live_touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE VIEW private.live_view AS SELECT 1 AS id;",
        )
        .unwrap();
    let path = "tests/fixtures/lint/live";
    let offline = stdout(&lint(&[path, "--format", "gcc"]).code(1));
    assert_eq!(
        findings(&offline),
        vec![
            "001_uses_live_objects.sql:1:53 partition-of-unpartitioned",
            "001_uses_live_objects.sql:4:1 undefined-function"
        ]
    );
    let online = stdout(
        &db.eventos(&repo_root(), &["lint", path, "--format", "gcc"])
            .assert()
            .code(1),
    );
    assert_eq!(
        findings(&online),
        vec!["001_uses_live_objects.sql:5:33 policy-on-view"]
    );
}

#[test]
fn a_folder_without_migrations_is_an_error_not_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "no SQL here").unwrap();
    let assert = eventos(dir.path()).args(["lint", "."]).assert().code(2);
    let err = crate::harness::stderr(&assert);
    assert!(err.contains("no migration files found"), "{err}");
}

#[test]
fn files_over_the_size_limit_are_skipped_in_folders_and_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("0001_init.sql"), "SELECT 1;\n").unwrap();
    let statement = "CREATE TABLE private.t (id int);\n";
    let big = statement.repeat(2 * 1024 * 1024 / statement.len());
    std::fs::write(dir.path().join("0002_baseline.sql"), big).unwrap();
    let assert = eventos(dir.path())
        .args(["lint", ".", "--max-file-mib", "1"])
        .assert()
        .success();
    let err = crate::harness::stderr(&assert);
    assert!(
        err.contains("skipped ./0002_baseline.sql: 2.0 MiB, over the 1.0 MiB limit"),
        "{err}"
    );
    assert!(
        stdout(&assert).contains("lint: 1 files"),
        "{}",
        stdout(&assert)
    );
    let assert = eventos(dir.path())
        .args(["lint", "0002_baseline.sql", "--max-file-mib", "1"])
        .assert()
        .code(2);
    let err = crate::harness::stderr(&assert);
    assert!(
        err.contains("0002_baseline.sql: larger than the 1.0 MiB limit"),
        "{err}"
    );
    assert!(err.contains("help: raise it with --max-file-mib"), "{err}");
    eventos(dir.path())
        .args(["lint", "0002_baseline.sql", "--max-file-mib", "3"])
        .assert()
        .success();
}

#[test]
fn special_files_are_skipped_in_folders_and_refused_by_name_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("0001_init.sql"),
        "CREATE TABLE private.t (id int);\n",
    )
    .unwrap();
    let fifo = dir.path().join("0002_pipe.sql");
    let path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o644) }, 0);
    let timeout = std::time::Duration::from_secs(20);
    let assert = eventos(dir.path())
        .args(["lint", "."])
        .timeout(timeout)
        .assert()
        .success();
    assert!(
        crate::harness::stderr(&assert).contains("skipped ./0002_pipe.sql: a FIFO"),
        "{}",
        crate::harness::stderr(&assert)
    );
    assert!(
        stdout(&assert).contains("lint: 1 files"),
        "{}",
        stdout(&assert)
    );
    for named in [fifo.to_str().unwrap(), "/dev/zero"] {
        let assert = eventos(dir.path())
            .args(["lint", named])
            .timeout(timeout)
            .assert()
            .code(2);
        assert!(
            crate::harness::stderr(&assert).contains("not a regular file"),
            "{}",
            crate::harness::stderr(&assert)
        );
    }
}

#[test]
fn a_supabase_project_sets_runner_and_exposed_schemas_shown_in_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("supabase/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    std::fs::write(
        dir.path().join("supabase/config.toml"),
        "[api]\nschemas = [\"public\", \"api\"]\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("20240101000000_api.sql"),
        "CREATE SCHEMA api;\nCREATE TABLE api.items (id int);\nCREATE TABLE private.audit (id int);\n\
         CREATE TABLE api.jobs (id int);\nCREATE INDEX CONCURRENTLY jobs_id ON api.jobs (id);\nALTER TABLE api.jobs ENABLE ROW LEVEL SECURITY;\n",
    )
    .unwrap();
    let assert = eventos(dir.path())
        .args(["lint", "supabase/migrations"])
        .assert()
        .code(1);
    let out = stdout(&assert);
    assert!(
        out.contains("error[rls-disabled]: table api.items"),
        "{out}"
    );
    assert!(
        !out.contains("concurrently-in-transaction"),
        "the CLI runs it alone: {out}"
    );
    assert!(
        out.contains("; runner: supabase (detected from supabase/config.toml)"),
        "{out}"
    );
    assert!(
        out.contains("; exposed schemas: public, api (supabase/config.toml [api] schemas)"),
        "{out}"
    );
}

#[test]
fn runner_comes_from_the_flag_then_eventos_toml_then_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("001_batch.sql"),
        "BEGIN;\nCREATE TABLE private.t (id int);\nCOMMIT;\n",
    )
    .unwrap();
    let findings_with = |extra: &[&str]| {
        let mut args = vec!["lint", "001_batch.sql", "--format", "gcc"];
        args.extend_from_slice(extra);
        let assert = eventos(dir.path()).args(&args).assert();
        findings(&stdout(&assert))
    };
    assert_eq!(
        findings_with(&[]),
        vec![
            "001_batch.sql:1:1 transaction-control",
            "001_batch.sql:3:1 transaction-control"
        ]
    );
    assert!(findings_with(&["--runner", "golang-migrate"]).is_empty());
    std::fs::write(dir.path().join("eventos.toml"), "runner = \"none\"\n").unwrap();
    assert!(findings_with(&[]).is_empty());
    assert_eq!(findings_with(&["--runner", "sqlx"]).len(), 2);
    eventos(dir.path())
        .args(["lint", ".", "--runner", "liquibase"])
        .assert()
        .code(2);
}

#[test]
fn the_name_lint_says_postgresql_keeps_is_the_one_postgresql_keeps() {
    // Long names of several shapes: plain, quoted with a doubled quote, and cut inside a 2- and
    // a 4-byte character. PostgreSQL decides what it keeps; lint must say the same.
    let names = [
        "a".repeat(70),
        format!("\"{}\"\"q{}\"", "B".repeat(40), "c".repeat(30)),
        format!("\"{}é{}\"", "d".repeat(62), "e".repeat(5)),
        format!("\"{}\u{1F600}x\"", "f".repeat(60)),
    ];
    let sql: String = names
        .iter()
        .map(|name| format!("CREATE TABLE private.{name} (id int);\n"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("V1__long.sql"),
        format!("CREATE SCHEMA private;\n{sql}"),
    )
    .unwrap();
    let out = stdout(
        &eventos(dir.path())
            .args(["lint", ".", "--format", "json"])
            .assert()
            .code(0),
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut said: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "identifier-too-long")
        .map(|d| {
            let message = d["message"].as_str().unwrap();
            let kept = message.rsplit_once("names the object \"").unwrap().1;
            kept.strip_suffix('"').unwrap().to_string()
        })
        .collect();
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute(&format!("CREATE SCHEMA private;\n{sql}"))
        .unwrap();
    let mut kept = db
        .query_strings("SELECT relname FROM pg_class WHERE relnamespace = 'private'::regnamespace");
    said.sort();
    kept.sort();
    assert_eq!(said.len(), names.len(), "{out}");
    assert_eq!(said, kept);
}

#[test]
fn a_file_that_cannot_be_read_midway_is_a_usage_error_naming_it() {
    // Files are read as the pipeline reaches them: a bad one after good ones still stops the
    // run with exit 2 and nothing on stdout, as if it had been read first.
    let dir = tempfile::tempdir().unwrap();
    for i in (1..=40).filter(|&i| i != 20) {
        let text = format!("CREATE TABLE private.t{i} (id bigint PRIMARY KEY);\n");
        std::fs::write(dir.path().join(format!("{i:04}_ok.sql")), text).unwrap();
    }
    std::fs::write(
        dir.path().join("0020_latin1.sql"),
        b"SELECT 1;\nSELECT 'caf\xe9';\n",
    )
    .unwrap();
    let assert = eventos(dir.path())
        .args(["lint", ".", "--format", "gcc"])
        .assert()
        .code(2);
    let stderr = crate::harness::stderr(&assert);
    assert!(
        stderr.contains("0020_latin1.sql:2: not valid UTF-8")
            && stderr.contains("save the file as UTF-8"),
        "{stderr}"
    );
    assert_eq!(stdout(&assert), "");
}
