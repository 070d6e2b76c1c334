//! `eventos verify` end to end: the real binary against real PostgreSQL, clean and deliberately
//! broken schemas, every output format, scoping, configuration and the constant number of
//! catalog round trips.

use crate::harness::{Pg, TestDb, fixture, fixture_copy, repo_root, stderr, stdout};

/// Breaks the `basic` fixture's schema once per catalog check the existing fixture can show;
/// each line of [`EXPECTED`] is `(check id, object)` as the human report names it.
const BREAKAGE: &str = r#"
ALTER TABLE public.tags DISABLE ROW LEVEL SECURITY;
CREATE POLICY tags_read ON public.tags FOR SELECT TO authenticated USING (true);
CREATE POLICY notes_insert_any ON public.notes FOR INSERT TO anon WITH CHECK (true);
CREATE VIEW public.note_bodies AS SELECT body FROM public.notes;
CREATE VIEW public.note_ids WITH (security_invoker = yes) AS SELECT id FROM public.notes;
CREATE FUNCTION public.definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
GRANT EXECUTE ON FUNCTION public.definer() TO anon;
CREATE MATERIALIZED VIEW public.note_counts AS SELECT count(*) AS n FROM public.notes;
GRANT SELECT ON public.note_counts TO anon;
CREATE INDEX idx_tags_note_id_again ON public.tags (note_id);
CREATE TABLE public.comments (id int PRIMARY KEY, note_id uuid REFERENCES public.notes (id));
ALTER TABLE public.comments ENABLE ROW LEVEL SECURITY;
CREATE TABLE public.heap (v int);
ALTER TABLE public.heap ENABLE ROW LEVEL SECURITY;
CREATE EXTENSION pg_trgm SCHEMA public;
CREATE TABLE public.readings (id int PRIMARY KEY, v int);
ALTER TABLE public.readings ENABLE ROW LEVEL SECURITY;
INSERT INTO public.readings VALUES (1, 7), (2, 7);
CREATE TABLE public.visits (id bigint, at timestamptz, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
ALTER TABLE public.visits ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  EXECUTE format('CREATE TABLE public.visits_now PARTITION OF public.visits FOR VALUES FROM (%L) TO (%L)',
                 date_trunc('month', now()), date_trunc('month', now()) + interval '1 month');
END $$;
ALTER TABLE public.visits_now ENABLE ROW LEVEL SECURITY;
"#;

/// Failures of [`BREAKAGE`], judged with `--all-objects` (the new tables are no plan's).
const EXPECTED: &[(&str, &str)] = &[
    ("rls-enabled", "public.tags"),
    (
        "policy-always-true",
        "policy notes_insert_any on public.notes",
    ),
    ("view-security-invoker", "public.note_bodies"),
    ("function-search-path", "public.definer()"),
    ("security-definer-exposed", "public.definer()"),
    ("matview-exposed", "public.note_counts"),
    ("duplicate-index", "public.idx_tags_note_id_again"),
    ("fk-indexed", "public.comments.comments_note_id_fkey"),
    ("primary-key", "public.heap"),
    ("extension-in-public", "extension pg_trgm"),
    ("invalid-index", "public.readings_v_key"),
    ("partition-coverage", "public.visits"),
];

fn broken_basic() -> TestDb {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("basic"), &[]);
    let mut client = db.client();
    client.batch_execute(BREAKAGE).expect("break the schema");
    let failed = client
        .batch_execute("CREATE UNIQUE INDEX CONCURRENTLY readings_v_key ON public.readings (v)");
    assert!(
        failed.is_err(),
        "the concurrent build must fail on duplicate values"
    );
    db
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not one JSON document ({e}):\n{text}"))
}

/// The result of `check` on `subject` in a JSON report.
fn result<'a>(report: &'a serde_json::Value, check: &str, subject: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == check && r["subject"] == subject)
        .unwrap_or_else(|| panic!("no {check} result for {subject} in {report:#}"))
}

#[test]
fn clean_apply_passes_and_warns_about_a_table_without_policy() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    let out = stdout(&db.eventos(&dir, &["verify"]).assert().success());
    assert!(
        out.contains("pass phase-applied phase 0 (2 of 2 migrations applied)"),
        "{out}"
    );
    assert!(out.contains("pass rls-enabled (2 objects)"), "{out}");
    assert!(out.contains("pass fk-indexed (2 objects)"), "{out}");
    assert!(out.contains("warn rls-has-policy public.tags"), "{out}");
    assert!(out.contains(", 0 failed, "), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    assert!(
        !out.contains("== pre-existing"),
        "nothing pre-existing has findings:\n{out}"
    );
}

#[test]
fn a_broken_schema_fails_naming_each_object_and_check() {
    let db = broken_basic();
    let out = stdout(
        &db.eventos(&fixture("basic"), &["verify", "--all-objects"])
            .assert()
            .code(1),
    );
    for (check, object) in EXPECTED {
        assert!(
            out.contains(&format!("FAIL {check} {object}\n")),
            "{check} {object} not reported:\n{out}"
        );
    }
    assert!(
        out.contains("its policies (tags_read) are ignored"),
        "{out}"
    );
    assert!(
        out.contains("no DEFAULT partition; no partition for the next period"),
        "{out}"
    );
    assert!(
        out.contains("= help: ALTER VIEW <view> SET (security_invoker = true);"),
        "{out}"
    );
    assert!(!out.contains("FAIL rls-enabled public.notes"), "{out}");
    assert!(
        !out.contains("public.note_ids"),
        "security_invoker = yes counts:\n{out}"
    );
    assert!(
        !out.contains("FAIL duplicate-index public.idx_tags_note_id\n"),
        "the first of two is kept:\n{out}"
    );
    // The plan's own `rls-enabled` query reports tags too: folded into the catalog check's
    // failure, not a second failure.
    assert!(
        out.contains(
            "note: also reported by plan query `phase 0: rls-enabled`: table tags has RLS disabled"
        ),
        "{out}"
    );
    let failed = out.lines().filter(|l| l.starts_with("FAIL")).count();
    assert_eq!(failed, EXPECTED.len(), "{out}");
    let _guard = crate::harness::stable_snapshots().bind_to_scope();
    insta::assert_snapshot!("verify-broken-basic-human", out);
}

#[test]
fn json_and_junit_report_each_check_and_object() {
    let db = broken_basic();
    let dir = fixture("basic");
    let text = stdout(
        &db.eventos(&dir, &["verify", "--all-objects", "--format", "json"])
            .assert()
            .code(1),
    );
    let value = json(&text);
    assert_eq!(value["schema_version"], 1);
    assert_eq!(value["passed"], false);
    assert_eq!(value["failed"], EXPECTED.len());
    for (check, object) in EXPECTED {
        let hit = result(&value, check, object);
        assert_eq!(hit["status"], "fail", "{hit}");
        assert!(hit["help"].is_string(), "{hit}");
    }
    assert_eq!(
        result(&value, "rls-enabled", "public.notes")["status"],
        "pass"
    );
    let results = value["results"].as_array().unwrap();

    let xml = stdout(
        &db.eventos(&dir, &["verify", "--all-objects", "--format", "junit"])
            .assert()
            .code(1),
    );
    assert!(
        xml.contains(&format!(
            "<testsuites name=\"eventos verify\" tests=\"{}\" failures=\"{}\"",
            results.len(),
            EXPECTED.len()
        )),
        "{xml}"
    );
    for (check, object) in EXPECTED {
        let case = format!("<testcase name=\"{object}\" classname=\"eventos.verify.{check}\">");
        let at = xml
            .find(&case)
            .unwrap_or_else(|| panic!("{case} missing from {xml}"));
        let body = &xml[at..at + xml[at..].find("</testcase>").unwrap()];
        assert!(
            body.contains(&format!("type=\"{check}\"")) && body.contains("<failure "),
            "{check} {object} is not a failure: {body}"
        );
    }
    let passed = "<testcase name=\"public.notes\" classname=\"eventos.verify.rls-enabled\">\n        </testcase>";
    assert!(xml.contains(passed), "{xml}");
}

#[test]
fn objects_no_plan_owns_are_pre_existing_warnings_unless_all_objects() {
    let db = broken_basic();
    let dir = fixture("basic");
    let out = stdout(&db.eventos(&dir, &["verify"]).assert().code(1));
    // tags is the plan's (phase 1): still a failure, and so is a second index on it.
    assert!(out.contains("FAIL rls-enabled public.tags"), "{out}");
    let (owned, theirs) = out.split_once("== pre-existing objects").expect(&out);
    assert!(theirs.contains("warn primary-key public.heap"), "{out}");
    assert!(
        theirs.contains("warn view-security-invoker public.note_bodies"),
        "{out}"
    );
    assert!(!owned.contains("public.heap"), "{out}");
    let failures: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        failures,
        vec![
            "FAIL rls-enabled public.tags",
            "FAIL policy-always-true policy notes_insert_any on public.notes",
            "FAIL duplicate-index public.idx_tags_note_id_again",
        ],
        "{out}"
    );
}

#[test]
fn a_real_project_table_without_rls_is_not_a_failure_of_the_plans_and_shows_once() {
    // The issue: a pre-existing table without RLS made `migrate up` exit 1 after applying
    // everything, reported by four phases' plan queries and the catalog check.
    let db = TestDb::new(Pg::Stock);
    db.client()
        .batch_execute("CREATE TABLE public.legacy_orders (id int PRIMARY KEY, note text)")
        .unwrap();
    let root = repo_root();
    let applied = db.migrate_up(&root, &["--phase", "1"]);
    let out = stdout(&applied);
    assert!(out.contains("== verify"), "{out}");
    let out = stdout(
        &db.eventos(&root, &["verify", "--phase", "1"])
            .assert()
            .success(),
    );
    let reported: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("legacy_orders") && !l.starts_with(' '))
        .collect();
    assert_eq!(
        reported,
        vec!["warn rls-enabled public.legacy_orders"],
        "reported once, as a warning:\n{out}"
    );
    let theirs = out.split_once("== pre-existing objects").expect(&out).1;
    assert!(
        theirs.contains("warn rls-enabled public.legacy_orders\n"),
        "{out}"
    );
    assert!(
        theirs.contains("note: also reported by plan query `phase 0: rls-enabled`"),
        "{out}"
    );
    let all = stdout(
        &db.eventos(&root, &["verify", "--phase", "1", "--all-objects"])
            .assert()
            .code(1),
    );
    assert!(
        all.contains("FAIL rls-enabled public.legacy_orders"),
        "{all}"
    );
}

#[test]
fn a_fresh_database_reports_each_phase_not_applied_in_every_format() {
    let db = TestDb::new(Pg::Stock);
    let root = repo_root();
    let out = stdout(
        &db.eventos(&root, &["verify", "--phase", "1", "--supabase-compat"])
            .assert()
            .code(1),
    );
    for phase in 0..=1 {
        assert!(
            out.contains(&format!(
                "FAIL phase-applied phase {phase}\n     phase {phase} not applied"
            )),
            "{out}"
        );
    }
    assert!(
        !out.contains("plan-objects"),
        "objects of unapplied phases are not listed:\n{out}"
    );
    let value = json(&stdout(
        &db.eventos(&root, &["verify", "--phase", "1", "--format", "json"])
            .assert()
            .code(1),
    ));
    assert_eq!(value["phases"][1]["state"], "not applied");
    assert_eq!(value["failed"], 2);
    let xml = stdout(
        &db.eventos(&root, &["verify", "--phase", "1", "--format", "junit"])
            .assert()
            .code(1),
    );
    assert!(
        xml.contains("<testsuite name=\"phase-applied\" tests=\"2\" disabled=\"0\" errors=\"0\" failures=\"2\""),
        "{xml}"
    );
    assert!(xml.trim_end().ends_with("</testsuites>"), "{xml}");
}

#[test]
fn a_phase_not_applied_yet_is_one_failure_and_its_objects_are_not_listed() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &["--phase", "0"]);
    let out = stdout(&db.eventos(&dir, &["verify"]).assert().code(1));
    assert!(out.contains("pass phase-applied phase 0"), "{out}");
    assert!(
        out.contains(
            "phase 1 not applied: none of its 1 migrations is recorded in eventos.schema_history"
        ),
        "{out}"
    );
    assert!(!out.contains("missing table public.tags"), "{out}");
}

#[test]
fn dropped_objects_are_named_and_the_run_completes() {
    let db = TestDb::new(Pg::Stock);
    let root = repo_root();
    db.migrate_up(&root, &["--phase", "1"]);
    db.client()
        .batch_execute(
            "DROP FUNCTION public.verify_audit_log_integrity();
             DROP TABLE public.whatsapp_campaigns;",
        )
        .unwrap();
    let run = db
        .eventos(&root, &["verify", "--phase", "1"])
        .assert()
        .code(1);
    let out = stdout(&run);
    assert!(stderr(&run).is_empty(), "{}", stderr(&run));
    assert!(
        out.contains("missing function public.verify_audit_log_integrity"),
        "{out}"
    );
    assert!(
        out.contains("missing table public.whatsapp_campaigns"),
        "{out}"
    );
    assert!(
        out.contains("verification query `audit-chain-intact` failed to run: 42883: function public.verify_audit_log_integrity() does not exist"),
        "{out}"
    );
    assert!(
        out.contains("pass plan-objects phase 1"),
        "phase 1 still verified:\n{out}"
    );
    assert_eq!(
        out.matches("missing table public.whatsapp_campaigns")
            .count(),
        1,
        "{out}"
    );
    assert!(
        !out.contains("missing table whatsapp_campaigns"),
        "the plan query's row is folded into plan-objects:\n{out}"
    );
    assert!(out.lines().last().unwrap().starts_with("verify: "), "{out}");
    for format in ["json", "junit"] {
        let text = stdout(
            &db.eventos(&root, &["verify", "--phase", "1", "--format", format])
                .assert()
                .code(1),
        );
        assert!(
            text.contains("verify_audit_log_integrity"),
            "{format}: {text}"
        );
        assert!(text.contains("whatsapp_campaigns"), "{format}: {text}");
    }
}

#[test]
fn exposed_schema_flag_moves_the_checks() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute("CREATE SCHEMA api; CREATE TABLE api.open (id int PRIMARY KEY); CREATE TABLE public.also_open (id int PRIMARY KEY);")
        .unwrap();
    let out = stdout(
        &db.eventos(
            &dir,
            &["verify", "--all-objects", "--exposed-schema", "api"],
        )
        .assert()
        .code(1),
    );
    assert!(out.contains("FAIL rls-enabled api.open"), "{out}");
    assert!(
        !out.contains("public.also_open"),
        "public is not exposed now:\n{out}"
    );
    let out = stdout(
        &db.eventos(&dir, &["verify", "--all-objects"])
            .assert()
            .code(1),
    );
    assert!(out.contains("FAIL rls-enabled public.also_open"), "{out}");
    assert!(!out.contains("api.open"), "{out}");
}

#[test]
fn levels_and_exemptions_come_from_eventos_toml() {
    let project = fixture_copy("basic");
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(project.path(), &[]);
    db.client()
        .batch_execute("ALTER TABLE public.tags DISABLE ROW LEVEL SECURITY")
        .unwrap();
    let config = project.path().join("eventos.toml");
    let write = |extra: &str| {
        std::fs::write(
            &config,
            format!("sql_dir = \"sql\"\nplans_dir = \"plans\"\n{extra}"),
        )
        .unwrap()
    };
    write(
        "[verify.checks]\nrls-has-policy = \"off\"\n\n[[verify.exempt]]\ncheck = \"rls-enabled\"\nobject = \"public.tags\"\nreason = \"being migrated\"\n\n[[verify.exempt]]\ncheck = \"plan-query\"\nobject = \"phase 0: *\"\nreason = \"the plan still checks every table\"\n",
    );
    let out = stdout(&db.eventos(project.path(), &["verify"]).assert().success());
    assert!(out.contains("exempt rls-enabled (1 object;"), "{out}");
    assert!(!out.contains("rls-has-policy"), "off:\n{out}");
    let value = json(&stdout(
        &db.eventos(project.path(), &["verify", "--format", "json"])
            .assert()
            .success(),
    ));
    assert_eq!(
        result(&value, "rls-enabled", "public.tags")["exemption"],
        "being migrated"
    );

    // Raised to error: a warning-level finding now fails.
    db.client()
        .batch_execute("ALTER TABLE public.tags ENABLE ROW LEVEL SECURITY")
        .unwrap();
    write(
        "[verify.checks]\nrls-has-policy = \"error\"\n\n[[verify.exempt]]\ncheck = \"rls-enabled\"\nobject = \"public.tags\"\nreason = \"being migrated\"\n",
    );
    let out = stdout(&db.eventos(project.path(), &["verify"]).assert().code(1));
    assert!(out.contains("FAIL rls-has-policy public.tags"), "{out}");
    assert!(
        out.contains("warn exemption-unused rls-enabled on public.tags"),
        "the exemption is stale now:\n{out}"
    );

    // Unknown ids stop everything before any change, with exit 2.
    write("[verify.checks]\nno-such-check = \"off\"\n");
    let err = stderr(
        &db.eventos(project.path(), &["migrate", "up"])
            .assert()
            .code(2),
    );
    assert!(err.contains("unknown check `no-such-check`"), "{err}");
    write("[[verify.exempt]]\ncheck = \"rls-enabled\"\nobject = \"public.tags\"\nreason = \"\"\n");
    let err = stderr(&db.eventos(project.path(), &["verify"]).assert().code(2));
    assert!(err.contains("must not be empty"), "{err}");
}

#[test]
fn checks_lists_and_explains_every_check() {
    let dir = fixture("basic");
    let out = stdout(
        &crate::harness::eventos(&dir)
            .arg("checks")
            .assert()
            .success(),
    );
    for id in [
        "phase-applied",
        "policy-user-metadata",
        "sequence-exposed",
        "rls-write-probe",
    ] {
        assert!(out.lines().any(|l| l.starts_with(id)), "{id}: {out}");
    }
    let page = stdout(
        &crate::harness::eventos(&dir)
            .args(["checks", "sequence-exposed"])
            .assert()
            .success(),
    );
    assert!(page.starts_with("# `sequence-exposed`"), "{page}");
    let err = stderr(
        &crate::harness::eventos(&dir)
            .args(["checks", "nope"])
            .assert()
            .code(2),
    );
    assert!(err.contains("unknown check `nope`"), "{err}");
}

#[test]
fn json_outputs_of_lint_verify_and_status_carry_a_schema_version() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    let lint = json(&stdout(
        &crate::harness::eventos(&dir)
            .args(["lint", "--format", "json"])
            .assert()
            .success(),
    ));
    let verify = json(&stdout(
        &db.eventos(&dir, &["verify", "--format", "json"])
            .assert()
            .success(),
    ));
    let status = json(&stdout(
        &db.eventos(&dir, &["status", "--format", "json"])
            .assert()
            .success(),
    ));
    for value in [lint, verify] {
        assert_eq!(value["schema_version"], 1, "{value}");
    }
    // Version 2: `state` became a token (`out-of-order`, `missing-on-disk`), no longer prose.
    assert_eq!(status["schema_version"], 2, "{status}");
}

#[test]
fn usage_errors_exit_2() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.eventos(&dir, &["verify", "--format", "xml"])
        .assert()
        .code(2);
    db.eventos(&dir, &["verify", "--phase", "7"])
        .assert()
        .code(2);
    crate::harness::eventos(&dir)
        .args([
            "verify",
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
        ])
        .assert()
        .code(2);
}

/// The catalog queries of a report, from `verify --format json`.
fn catalog_queries(db: &TestDb, dir: &std::path::Path) -> (u64, serde_json::Value) {
    let text = stdout(
        &db.eventos(dir, &["verify", "--format", "json"])
            .assert()
            .success(),
    );
    let value = json(&text);
    (value["catalog_queries"].as_u64().unwrap(), value)
}

#[test]
fn catalog_round_trips_do_not_grow_with_1000_tables() {
    let dir = fixture("basic");
    let small = TestDb::new(Pg::Stock);
    small.migrate_up(&dir, &[]);
    let (small_queries, _) = catalog_queries(&small, &dir);

    let large = TestDb::new(Pg::Stock);
    large.migrate_up(&dir, &[]);
    large
        .client()
        .batch_execute(
            "DO $$ BEGIN FOR i IN 1..1000 LOOP
               EXECUTE format('CREATE TABLE public.gen_%s (id int PRIMARY KEY, note_id uuid REFERENCES public.notes (id))', i);
               EXECUTE format('CREATE INDEX ON public.gen_%s (note_id)', i);
               EXECUTE format('ALTER TABLE public.gen_%s ENABLE ROW LEVEL SECURITY', i);
               EXECUTE format('CREATE POLICY own ON public.gen_%s FOR SELECT TO authenticated USING (false)', i);
             END LOOP; END $$;",
        )
        .unwrap();
    let (large_queries, report) = catalog_queries(&large, &dir);
    let results = report["results"].as_array().unwrap();
    let rls = results
        .iter()
        .filter(|r| r["check"] == "rls-enabled")
        .count();
    assert_eq!(rls, 1002, "every generated table was examined");
    assert_eq!(
        large_queries, small_queries,
        "catalog queries grow with the number of tables"
    );
    assert!(
        large_queries as usize <= eventos::verify::catalog::Catalog::QUERIES,
        "{large_queries} catalog queries"
    );
    assert!(large_queries <= 12, "{large_queries} catalog queries");
}

#[test]
fn real_bundles_verify_clean_after_a_phase_0_to_3_apply() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.migrate_up(&root, &[]);
    let out = stdout(&db.eventos(&root, &["verify"]).assert().success());
    assert!(
        out.contains(", 0 failed, 0 warnings, "),
        "every finding fixed or exempted:\n{out}"
    );
    assert!(!out.contains("exemption-unused"), "{out}");
    for phase in 0..=3 {
        assert!(
            out.contains(&format!("pass plan-objects phase {phase} (")),
            "{out}"
        );
    }
}
