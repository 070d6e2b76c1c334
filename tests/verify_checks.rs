//! `eventos verify` end to end: the real binary against real PostgreSQL, clean and deliberately
//! broken schemas, every output format, and the constant number of catalog round trips.

mod common;

use common::{Pg, TestDb, fixture, repo_root, stdout};

/// Breaks the `basic` fixture's schema once per catalog check; each line is `(check id, object)`
/// as the human report names it.
const BREAKAGE: &str = r#"
ALTER TABLE public.tags DISABLE ROW LEVEL SECURITY;
CREATE POLICY tags_read ON public.tags FOR SELECT TO authenticated USING (true);
CREATE POLICY notes_insert_any ON public.notes FOR INSERT TO anon WITH CHECK (true);
CREATE VIEW public.note_bodies AS SELECT body FROM public.notes;
CREATE VIEW public.note_ids WITH (security_invoker = yes) AS SELECT id FROM public.notes;
CREATE FUNCTION public.definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';
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

const EXPECTED: &[(&str, &str)] = &[
    ("plan-query", "phase 0: rls-enabled"),
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

#[test]
fn clean_apply_passes_and_warns_about_a_table_without_policy() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    let out = stdout(&db.eventos(&dir, &["verify"]).assert().success());
    assert!(out.contains("pass rls-enabled (2 objects)"), "{out}");
    assert!(out.contains("pass fk-indexed (2 objects)"), "{out}");
    assert!(out.contains("warn rls-has-policy public.tags"), "{out}");
    assert!(out.contains(", 0 failed, 1 warnings"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
}

#[test]
fn a_broken_schema_fails_naming_each_object_and_check() {
    let db = broken_basic();
    let out = stdout(&db.eventos(&fixture("basic"), &["verify"]).assert().code(1));
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
    let failed = out.lines().filter(|l| l.starts_with("FAIL")).count();
    assert_eq!(failed, EXPECTED.len(), "{out}");
}

#[test]
fn json_and_junit_report_each_check_and_object() {
    let db = broken_basic();
    let dir = fixture("basic");
    let json = stdout(
        &db.eventos(&dir, &["verify", "--format", "json"])
            .assert()
            .code(1),
    );
    let value: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(value["passed"], false);
    assert_eq!(value["failed"], EXPECTED.len());
    let results = value["results"].as_array().unwrap();
    for (check, object) in EXPECTED {
        let hit = results
            .iter()
            .find(|r| r["check"] == *check && r["subject"] == *object);
        let hit = hit.unwrap_or_else(|| panic!("{check} {object} missing from {json}"));
        assert_eq!(hit["status"], "fail", "{hit}");
        assert!(hit["help"].is_string(), "{hit}");
    }
    assert!(results.iter().any(|r| r["check"] == "rls-enabled"
        && r["subject"] == "public.notes"
        && r["status"] == "pass"));

    let xml = stdout(
        &db.eventos(&dir, &["verify", "--format", "junit"])
            .assert()
            .code(1),
    );
    assert!(
        xml.contains(&format!(
            "<testsuites name=\"eventos verify\" tests=\"{}\" failures=\"{}\">",
            results.len(),
            EXPECTED.len()
        )),
        "{xml}"
    );
    for (check, object) in EXPECTED {
        let case = format!(
            "<testcase classname=\"eventos.verify.{check}\" name=\"{object}\">\n      <failure type=\"{check}\""
        );
        assert!(xml.contains(&case), "{case} missing from {xml}");
    }
    assert!(
        xml.contains("<testcase classname=\"eventos.verify.rls-enabled\" name=\"public.notes\"/>"),
        "{xml}"
    );
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
        &db.eventos(&dir, &["verify", "--exposed-schema", "api"])
            .assert()
            .code(1),
    );
    assert!(out.contains("FAIL rls-enabled api.open"), "{out}");
    assert!(
        !out.contains("public.also_open"),
        "public is not exposed now:\n{out}"
    );
    let out = stdout(&db.eventos(&dir, &["verify"]).assert().code(1));
    assert!(out.contains("FAIL rls-enabled public.also_open"), "{out}");
    assert!(!out.contains("api.open"), "{out}");
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
    common::eventos(&dir)
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
    let json = stdout(
        &db.eventos(dir, &["verify", "--format", "json"])
            .assert()
            .success(),
    );
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
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
    assert_eq!(
        large_queries as usize,
        eventos::verify::catalog::Catalog::QUERIES
    );
    assert!(large_queries <= 10, "{large_queries} catalog queries");
}

#[test]
fn real_bundles_verify_clean_after_a_phase_0_to_3_apply() {
    let db = TestDb::new(Pg::Vector);
    let root = repo_root();
    db.migrate_up(&root, &[]);
    let out = stdout(&db.eventos(&root, &["verify"]).assert().success());
    assert!(out.contains(", 0 failed"), "{out}");
    for phase in 0..=3 {
        assert!(
            out.contains(&format!("pass plan-objects phase {phase} (")),
            "{out}"
        );
    }
}
