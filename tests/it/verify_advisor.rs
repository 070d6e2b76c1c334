//! Supabase advisor (splinter) parity against real PostgreSQL: one deliberately bad object per
//! check that eventos added for a splinter lint, each caught and named at its level. The checks
//! that need what the test servers do not have — `pg_graphql`, a replication slot past its WAL
//! limit — are covered by their unit tests over hand-built catalogs.

use crate::harness::{Pg, TestDb, fixture};

/// One bad object per check, on top of the `basic` fixture.
const BAD_OBJECTS: &str = r#"
-- policy-null-auth-disjunct: anon reads every note
CREATE POLICY notes_open_read ON public.notes FOR SELECT TO anon, authenticated
  USING (auth.uid() IS NULL OR author_id = auth.uid());
-- policy-user-metadata: users edit their own user_metadata
CREATE POLICY notes_admin ON public.notes FOR DELETE TO authenticated
  USING ((auth.jwt() -> 'user_metadata' ->> 'role') = 'admin');
-- auth-rls-initplan: bare auth.uid(), per row
CREATE POLICY tags_own ON public.tags FOR SELECT TO authenticated
  USING (note_id IN (SELECT n.id FROM public.notes n WHERE n.author_id = auth.uid()));
-- multiple-permissive-policies: a second SELECT policy for authenticated on tags
CREATE POLICY tags_public ON public.tags FOR SELECT TO authenticated USING (tag <> '');
-- function-search-path (warning): an invoker function without SET search_path
CREATE FUNCTION public.tag_count() RETURNS bigint LANGUAGE sql STABLE AS 'SELECT count(*) FROM public.tags';
-- security-definer-authenticated: callable by every signed-in user
CREATE FUNCTION public.all_note_ids() RETURNS SETOF uuid LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = '' AS 'SELECT id FROM public.notes';
REVOKE EXECUTE ON FUNCTION public.all_note_ids() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.all_note_ids() TO authenticated;
-- auth-users-exposed: a view over auth.users readable by authenticated
CREATE VIEW public.member_emails WITH (security_invoker = true) AS SELECT id, email FROM auth.users;
GRANT SELECT ON public.member_emails TO authenticated;
-- foreign-table-exposed
CREATE FOREIGN DATA WRAPPER eventos_test_fdw;
CREATE SERVER eventos_test_server FOREIGN DATA WRAPPER eventos_test_fdw;
CREATE FOREIGN TABLE public.remote_notes (id int) SERVER eventos_test_server;
GRANT SELECT ON public.remote_notes TO anon;
-- sensitive-columns-exposed: RLS on, yet every row is public
CREATE TABLE public.integrations (id int PRIMARY KEY, label text, api_key text);
ALTER TABLE public.integrations ENABLE ROW LEVEL SECURITY;
CREATE POLICY integrations_read ON public.integrations FOR SELECT TO anon USING (true);
GRANT SELECT ON public.integrations TO anon;
-- sequence-exposed: setval for signed-in users
CREATE TABLE public.counters (id bigserial PRIMARY KEY);
ALTER TABLE public.counters ENABLE ROW LEVEL SECURITY;
GRANT UPDATE ON SEQUENCE public.counters_id_seq TO authenticated;
-- fkey-to-auth-unique: a key on auth.users (email)
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'auth.users'::regclass AND contype = 'u'
                 AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attname = 'email')]) THEN
    ALTER TABLE auth.users ADD CONSTRAINT eventos_test_email_key UNIQUE (email);
  END IF;
END $$;
CREATE TABLE public.invites (id int PRIMARY KEY, email text);
DO $$ BEGIN
  EXECUTE format('ALTER TABLE public.invites ALTER COLUMN email TYPE %s',
                 (SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attname = 'email'));
END $$;
ALTER TABLE public.invites ADD CONSTRAINT invites_email_fkey FOREIGN KEY (email) REFERENCES auth.users (email);
CREATE INDEX idx_invites_email ON public.invites (email);
ALTER TABLE public.invites ENABLE ROW LEVEL SECURITY;
-- unsupported-reg-types
CREATE TABLE public.jobs (id int PRIMARY KEY, handler regprocedure);
ALTER TABLE public.jobs ENABLE ROW LEVEL SECURITY;
-- insecure-queue-exposed (with pgmq_public exposed)
CREATE SCHEMA pgmq;
CREATE TABLE pgmq.q_jobs (msg_id bigint PRIMARY KEY, message jsonb);
GRANT USAGE ON SCHEMA pgmq TO authenticated;
GRANT SELECT ON pgmq.q_jobs TO authenticated;
-- public-bucket-listing: buckets in the Supabase profile's Storage
INSERT INTO storage.buckets (id, name, public) VALUES ('avatars', 'avatars', true), ('docs', 'docs', true), ('private', 'private', false);
CREATE POLICY avatars_list ON storage.objects FOR SELECT TO public USING (bucket_id = 'avatars');
CREATE POLICY docs_own ON storage.objects FOR SELECT TO authenticated
  USING (bucket_id = 'docs' AND name LIKE (SELECT auth.uid())::text || '/%');
-- policy-without-rls (info): policies that are not enforced, outside the exposed schemas
CREATE SCHEMA app;
CREATE TABLE app.settings (id int PRIMARY KEY, owner uuid);
CREATE POLICY settings_own ON app.settings USING (owner = (SELECT auth.uid()));
-- autovacuum-disabled (info)
ALTER TABLE public.jobs SET (autovacuum_enabled = false);
-- extension-outdated and extension-deprecated
CREATE EXTENSION pg_trgm WITH SCHEMA extensions VERSION '1.5';
CREATE EXTENSION adminpack;
"#;

/// `(check, subject, status)` the report must hold.
const CAUGHT: &[(&str, &str, &str)] = &[
    (
        "policy-null-auth-disjunct",
        "policy notes_open_read on public.notes",
        "fail",
    ),
    (
        "policy-user-metadata",
        "policy notes_admin on public.notes",
        "fail",
    ),
    (
        "auth-rls-initplan",
        "policy tags_own on public.tags",
        "warn",
    ),
    (
        "multiple-permissive-policies",
        "public.tags authenticated SELECT",
        "warn",
    ),
    ("function-search-path", "public.tag_count()", "warn"),
    (
        "security-definer-authenticated",
        "public.all_note_ids()",
        "warn",
    ),
    ("auth-users-exposed", "public.member_emails", "fail"),
    ("foreign-table-exposed", "public.remote_notes", "warn"),
    ("sensitive-columns-exposed", "public.integrations", "fail"),
    ("sequence-exposed", "public.counters_id_seq", "warn"),
    (
        "fkey-to-auth-unique",
        "public.invites.invites_email_fkey",
        "fail",
    ),
    ("unsupported-reg-types", "public.jobs.handler", "warn"),
    ("insecure-queue-exposed", "pgmq.q_jobs", "fail"),
    ("public-bucket-listing", "bucket avatars", "warn"),
    ("policy-without-rls", "app.settings", "info"),
    ("autovacuum-disabled", "public.jobs", "info"),
    ("unused-index", "public.idx_invites_email", "info"),
    ("auth-allow-anonymous", "public.notes", "info"),
    ("extension-outdated", "extension pg_trgm", "warn"),
    ("extension-deprecated", "extension adminpack", "warn"),
];

#[test]
fn every_splinter_lint_eventos_covers_catches_its_bad_object() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute(BAD_OBJECTS)
        .expect("create the bad objects");
    let run = db
        .eventos(
            &dir,
            &[
                "verify",
                "--all-objects",
                "--exposed-schema",
                "public",
                "--exposed-schema",
                "pgmq_public",
                "--format",
                "json",
            ],
        )
        .assert()
        .code(1);
    let report: serde_json::Value =
        serde_json::from_str(&crate::harness::stdout(&run)).expect("one JSON document");
    let results = report["results"].as_array().unwrap();
    for (check, subject, status) in CAUGHT {
        let hit = results
            .iter()
            .find(|r| r["check"] == *check && r["subject"] == *subject)
            .unwrap_or_else(|| panic!("{check} did not examine {subject}"));
        assert_eq!(hit["status"], *status, "{check} {subject}: {hit:#}");
        assert!(
            hit["messages"][0].as_str().is_some_and(|m| !m.is_empty()),
            "{hit:#}"
        );
    }
    // Every message of every finding, as the checks word them.
    let findings: Vec<String> = results
        .iter()
        .filter(|r| r["status"] != "pass")
        .map(|r| {
            let messages: Vec<&str> = r["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|m| m.as_str())
                .collect();
            format!(
                "{} {} {}\n  {}",
                r["status"].as_str().unwrap(),
                r["check"].as_str().unwrap(),
                r["subject"].as_str().unwrap(),
                messages.join("\n  ")
            )
        })
        .collect();
    let _guard = crate::harness::stable_snapshots().bind_to_scope();
    insta::assert_snapshot!("verify-advisor-findings", findings.join("\n"));
    // Good objects of the same kinds pass.
    for (check, subject) in [
        ("public-bucket-listing", "bucket docs"),
        ("policy-user-metadata", "policy notes_own on public.notes"),
        ("auth-rls-initplan", "policy notes_own on public.notes"),
        (
            "policy-null-auth-disjunct",
            "policy notes_own on public.notes",
        ),
    ] {
        let hit = results
            .iter()
            .find(|r| r["check"] == check && r["subject"] == subject)
            .unwrap_or_else(|| panic!("{check} did not examine {subject}"));
        assert_eq!(hit["status"], "pass", "{hit:#}");
    }
}

#[test]
fn bad_objects_no_plan_owns_stay_warnings_in_their_own_section() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute(
            "CREATE TABLE public.accounts (id int PRIMARY KEY, password text);
             GRANT SELECT ON public.accounts TO anon;",
        )
        .unwrap();
    let out = crate::harness::stdout(&db.eventos(&dir, &["verify"]).assert().success());
    let theirs = out.split_once("== pre-existing objects").expect(&out).1;
    assert!(
        theirs.contains("warn sensitive-columns-exposed public.accounts"),
        "{out}"
    );
    assert!(theirs.contains("warn rls-enabled public.accounts"), "{out}");
}

#[test]
fn a_bloated_table_is_listed_from_the_servers_statistics() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &[]);
    db.client()
        .batch_execute(
            "CREATE TABLE public.bloated (id int PRIMARY KEY, pad text);
             ALTER TABLE public.bloated ENABLE ROW LEVEL SECURITY;
             INSERT INTO public.bloated SELECT g, repeat('x', 200) FROM generate_series(1, 200000) AS g;
             DELETE FROM public.bloated WHERE id % 10 <> 0;
             ANALYZE public.bloated;",
        )
        .unwrap();
    let run = db
        .eventos(&dir, &["verify", "--all-objects", "--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_str(&crate::harness::stdout(&run)).unwrap();
    let hit = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "table-bloat" && r["subject"] == "public.bloated")
        .unwrap_or_else(|| panic!("table-bloat did not examine public.bloated: {report:#}"));
    assert_eq!(hit["status"], "info", "{hit:#}");
    assert!(
        hit["messages"][0]
            .as_str()
            .unwrap()
            .contains("the pages it needs"),
        "{hit:#}"
    );
}
