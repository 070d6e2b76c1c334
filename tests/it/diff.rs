//! `eventos diff` and `check --diff` against real PostgreSQL: no drift after `migrate up` (PG15
//! phases 0–1, PG18 + pgvector all phases), one hand change per object kind reported once with
//! its sign and both definitions, the `--sql` draft closing the gap, constant catalog reads
//! with 1,000 tables, and the errors.

use crate::harness::{Pg, TestDb, eventos, fixture, repo_root, stderr, stdout};
use eventos::diff::Snapshot;
use serde_json::Value;

/// `eventos diff --format json` of `db` from the repository; returns (exit code, document).
fn diff_json(db: &TestDb, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["diff", "--format", "json"];
    args.extend_from_slice(extra);
    let output = db.eventos(&repo_root(), &args).output().unwrap();
    let code = output.status.code().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let document = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {code}:\n{text}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, document)
}

fn changes(document: &Value) -> &Vec<Value> {
    document["changes"].as_array().expect("changes is an array")
}

/// The `(sign, object, name)` of every change, for messages.
fn summary(document: &Value) -> Vec<String> {
    changes(document)
        .iter()
        .map(|c| format!("{} {} / {}", c["sign"], c["object"], c["name"]))
        .collect()
}

/// The one change on `object` called `name` (the object itself when `name` is empty).
#[track_caller]
fn the_change<'a>(document: &'a Value, object: &str, name: &str) -> &'a Value {
    let found: Vec<&Value> = changes(document)
        .iter()
        .filter(|c| c["object"] == object && c["name"] == name)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one change on {object} / {name:?}; all: {:#?}",
        summary(document)
    );
    found[0]
}

#[test]
fn no_drift_after_migrate_up_on_postgres_15_phases_0_and_1() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&repo_root(), &["--phase", "1", "--no-verify"]);
    let out = db.eventos(&repo_root(), &["diff"]).assert().success();
    let text = stdout(&out);
    assert!(
        text.contains("no drift: the database matches the bundles"),
        "{text}"
    );
    assert!(
        text.contains("12 migrations, V0001…V1004"),
        "the shadow gets exactly the recorded migrations: {text}"
    );
    assert!(
        !text.contains("major versions"),
        "shadow and database run the same PostgreSQL: {text}"
    );
    let (code, document) = diff_json(&db, &[]);
    assert_eq!(code, 0);
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["drift"], false);
    assert!(changes(&document).is_empty());
}

#[test]
fn no_drift_after_migrate_up_of_every_phase_with_pgvector() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &["--no-verify"]);
    let (code, document) = diff_json(&db, &[]);
    assert_eq!(code, 0, "{:#?}", summary(&document));
    assert_eq!(document["drift"], false);
    assert_eq!(
        document["migrations"].as_array().unwrap().len(),
        bundle_migration_count(),
        "every shipped migration is in the shadow"
    );
}

/// The number of migration files the repository ships, across every phase.
fn bundle_migration_count() -> usize {
    std::fs::read_dir(repo_root().join("sql"))
        .unwrap()
        .filter_map(|phase| phase.ok())
        .filter(|phase| phase.file_name().to_string_lossy().starts_with("phase"))
        .flat_map(|phase| std::fs::read_dir(phase.path()).unwrap())
        .filter(|file| {
            let name = file.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with('V') && name.ends_with(".sql")
        })
        .count()
}

#[test]
fn a_postgres_18_database_of_phases_0_and_1_gets_a_shadow_of_its_own_major() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &["--phase", "1", "--no-verify"]);
    let out = db.eventos(&repo_root(), &["diff"]).assert().success();
    let text = stdout(&out);
    assert!(text.contains("no drift"), "{text}");
    assert!(
        !text.contains("major versions"),
        "phases 0–1 need no pgvector, yet the shadow runs the database's PostgreSQL: {text}"
    );
}

/// One hand change per object kind, as people make them in the Supabase dashboard.
const HAND_CHANGES: &str = "
ALTER TABLE public.events ADD COLUMN notes text;
ALTER TABLE public.events ALTER COLUMN status SET DEFAULT 'published';
DROP INDEX public.idx_events_organizer_id;
CREATE INDEX idx_events_organizer_id ON public.events (organizer_id, status);
ALTER POLICY events_select_public ON public.events USING (true);
CREATE OR REPLACE FUNCTION public.slugify(p_text text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = '' AS $$ SELECT pg_catalog.lower(p_text) $$;
GRANT INSERT ON public.venues TO anon;
ALTER TABLE public.sponsors DISABLE ROW LEVEL SECURITY;
ALTER EXTENSION vector SET SCHEMA public;
";

#[test]
fn each_hand_change_is_reported_once_with_its_sign_and_both_definitions() {
    let db = TestDb::new(Pg::Vector);
    db.migrate_up(&repo_root(), &["--no-verify"]);
    db.client().batch_execute(HAND_CHANGES).unwrap();
    let (code, document) = diff_json(&db, &[]);
    assert_eq!(code, 1, "drift exits 1");
    assert_eq!(document["drift"], true);
    assert_eq!(
        changes(&document).len(),
        8,
        "one change per hand change, nothing else: {:#?}",
        summary(&document)
    );
    let summary_counts = &document["summary"];
    assert_eq!(summary_counts["only_in_database"], 2);
    assert_eq!(summary_counts["changed"], 6);

    let column = the_change(&document, "table public.events", "column notes");
    assert_eq!(column["sign"], "+");
    assert_eq!(column["database"], "text");
    assert!(column["bundles"].is_null());

    let default = the_change(&document, "table public.events", "column status");
    assert_eq!(default["sign"], "~");
    assert_eq!(default["attributes"][0]["name"], "default");
    assert!(
        default["database"]
            .as_str()
            .unwrap()
            .contains("DEFAULT 'published'::text")
    );
    assert!(
        default["bundles"]
            .as_str()
            .unwrap()
            .contains("DEFAULT 'draft'::text")
    );

    let index = the_change(
        &document,
        "table public.events",
        "index idx_events_organizer_id",
    );
    assert_eq!(index["sign"], "~");
    assert!(
        index["database"]
            .as_str()
            .unwrap()
            .ends_with("(organizer_id, status)")
    );
    assert!(
        index["bundles"]
            .as_str()
            .unwrap()
            .ends_with("(organizer_id)")
    );

    let policy = the_change(
        &document,
        "table public.events",
        "policy events_select_public",
    );
    assert_eq!(policy["sign"], "~");
    assert_eq!(policy["attributes"][0]["name"], "using");
    assert!(
        policy["database"]
            .as_str()
            .unwrap()
            .ends_with("USING (true)")
    );
    assert!(policy["bundles"].as_str().unwrap().contains("'published'"));

    let function = the_change(&document, "function public.slugify(p_text text)", "");
    assert_eq!(function["sign"], "~");
    let attributes: Vec<&str> = function["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(attributes, ["body"]);
    assert_ne!(function["database"], function["bundles"]);

    let grant = the_change(&document, "table public.venues", "grant to anon");
    assert_eq!(grant["sign"], "+");
    assert_eq!(
        grant["database"],
        "GRANT INSERT ON TABLE public.venues TO anon"
    );
    assert!(grant["bundles"].is_null());

    let rls = the_change(&document, "table public.sponsors", "");
    assert_eq!(rls["sign"], "~");
    assert_eq!(rls["attributes"][0]["name"], "row level security");
    assert_eq!(rls["attributes"][0]["database"], "disabled");
    assert_eq!(rls["attributes"][0]["bundles"], "enabled");

    let extension = the_change(&document, "extension vector", "");
    assert_eq!(extension["sign"], "~");
    assert_eq!(extension["database"], "extension vector in schema public");
    assert_eq!(
        extension["bundles"],
        "extension vector in schema extensions"
    );

    let human = db.eventos(&repo_root(), &["diff"]).assert().code(1);
    let text = stdout(&human);
    for line in [
        "table public.events\n",
        "  + column notes\n      database: text\n      bundles:  (absent)\n",
        "  ~ column status (default)\n      database: text NOT NULL DEFAULT 'published'::text\n      bundles:  text NOT NULL DEFAULT 'draft'::text\n",
        "  ~ extension vector (schema)\n",
        "      body: first difference at line",
        "diff: 8 differences: 2 only in the database (+), 0 only in the bundles (-), 6 changed (~)\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
}

/// Hand changes beyond the basic list, for the draft: new objects of every kind (types
/// included), removals, disabled triggers, comments, reloptions.
const MORE_HAND_CHANGES: &str = "
CREATE SCHEMA reporting;
CREATE TABLE reporting.daily (
  day date PRIMARY KEY, total numeric(12,2) NOT NULL DEFAULT 0,
  id bigint GENERATED BY DEFAULT AS IDENTITY, label text COLLATE \"C\",
  event_id uuid REFERENCES public.events (id) ON DELETE CASCADE, CHECK (total >= 0));
CREATE INDEX ON reporting.daily (event_id);
ALTER TABLE reporting.daily ENABLE ROW LEVEL SECURITY;
CREATE POLICY daily_read ON reporting.daily FOR SELECT TO authenticated USING (true);
GRANT SELECT ON reporting.daily TO authenticated;
GRANT UPDATE (label) ON reporting.daily TO authenticated;
COMMENT ON TABLE reporting.daily IS 'hot-fix table';
CREATE FUNCTION reporting.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
REVOKE EXECUTE ON FUNCTION reporting.touch() FROM PUBLIC;
CREATE TRIGGER daily_touch BEFORE UPDATE ON reporting.daily FOR EACH ROW EXECUTE FUNCTION reporting.touch();
ALTER TABLE public.venues DROP COLUMN amenities;
ALTER TABLE public.events ADD CONSTRAINT events_name_len CHECK (length(name) < 500);
ALTER TABLE public.events DISABLE TRIGGER trg_events_set_slug;
DROP POLICY events_delete_own ON public.events;
COMMENT ON COLUMN public.events.name IS 'the title';
REVOKE SELECT ON public.events FROM service_role;
CREATE SEQUENCE public.ticket_seq START 100;
ALTER FUNCTION public.slugify(text) SECURITY DEFINER;
CREATE MATERIALIZED VIEW public.mv_counts AS SELECT count(*) AS n FROM public.events;
REVOKE ALL ON public.mv_counts FROM anon;
CREATE UNIQUE INDEX mv_counts_n ON public.mv_counts (n);
ALTER VIEW public.event_summary SET (security_barrier = true);
CREATE TYPE public.mood AS ENUM ('ok', 'sad');
CREATE DOMAIN public.positive AS integer DEFAULT 1 NOT NULL CHECK (VALUE > 0);
CREATE TYPE public.pair AS (a integer, b text);
CREATE TABLE public.moods (id integer PRIMARY KEY, m public.mood NOT NULL DEFAULT 'ok',
  p public.positive, pr public.pair);
ALTER TABLE public.moods ENABLE ROW LEVEL SECURITY;
";

#[test]
fn the_sql_draft_applied_to_the_shadow_leaves_no_drift() {
    let target = TestDb::new(Pg::Vector);
    let shadow = TestDb::new(Pg::Vector);
    target.migrate_up(&repo_root(), &["--no-verify"]);
    let mut client = target.client();
    client.batch_execute(HAND_CHANGES).unwrap();
    client.batch_execute(MORE_HAND_CHANGES).unwrap();
    let shadow_args = ["diff", "--sql", "--shadow-url", shadow.url()];
    let out = target.eventos(&repo_root(), &shadow_args).assert().code(1);
    let draft = stdout(&out);
    assert!(
        draft.starts_with("-- DRAFT generated by `eventos diff --sql`"),
        "{draft}"
    );
    assert!(
        stderr(&out).contains("differences"),
        "the summary goes to stderr"
    );
    shadow
        .client()
        .batch_execute(&format!("BEGIN;\n{draft}\nCOMMIT;"))
        .unwrap_or_else(|e| panic!("the draft does not apply: {e:?}\n{draft}"));
    let (code, document) = diff_json(&target, &["--shadow-url", shadow.url()]);
    assert_eq!(
        code,
        0,
        "after the draft, no drift is left: {:#?}\n{draft}",
        summary(&document)
    );
}

#[test]
fn catalog_reads_stay_constant_with_1000_tables() {
    let db = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    db.migrate_up(&dir, &["--no-verify"]);
    let run = |db: &TestDb| -> Value {
        let output = db
            .eventos(&dir, &["diff", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let before = run(&db);
    assert_eq!(before["drift"], false, "{before:#}");
    let mut sql = String::new();
    for i in 0..1000 {
        sql.push_str(&format!(
            "CREATE TABLE public.extra_{i} (id bigint PRIMARY KEY, note_id uuid REFERENCES public.notes (id), body text DEFAULT 'x' CHECK (body <> ''));
             CREATE INDEX ON public.extra_{i} (note_id);
             ALTER TABLE public.extra_{i} ENABLE ROW LEVEL SECURITY;
             CREATE POLICY extra_{i}_read ON public.extra_{i} FOR SELECT TO authenticated USING (true);
             GRANT SELECT ON public.extra_{i} TO anon;\n"
        ));
    }
    // As the migrating role: objects of the platform's supabase_* roles are not the bundles' business.
    db.migrating_client().batch_execute(&sql).unwrap();
    let after = run(&db);
    assert_eq!(
        after["summary"]["only_in_database"], 1000,
        "one change per table"
    );
    assert_eq!(after["summary"]["total"], 1000);
    for document in [&before, &after] {
        assert_eq!(
            document["catalog_queries"]["database"],
            Snapshot::QUERIES,
            "{}",
            document["catalog_queries"]
        );
        assert_eq!(document["catalog_queries"]["bundles"], Snapshot::QUERIES);
    }
}

/// What a Supabase project holds besides the bundles: platform schemas, roles and their objects,
/// default extensions, and the partitions a maintenance job premade later.
const PLATFORM_AND_TIME: &str = "
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_admin') THEN CREATE ROLE supabase_admin; END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'supabase_storage_admin') THEN CREATE ROLE supabase_storage_admin; END IF;
END $$;
CREATE SCHEMA IF NOT EXISTS storage AUTHORIZATION supabase_storage_admin;
CREATE TABLE IF NOT EXISTS storage.buckets (id text PRIMARY KEY, name text NOT NULL);
ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
CREATE SCHEMA IF NOT EXISTS graphql_public;
CREATE OR REPLACE FUNCTION graphql_public.graphql(query text) RETURNS jsonb LANGUAGE sql AS $$ SELECT '{}'::jsonb $$;
CREATE OR REPLACE FUNCTION extensions.grant_pg_cron_access() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;
ALTER FUNCTION extensions.grant_pg_cron_access() OWNER TO supabase_admin;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
SELECT count(*) FROM public.create_upcoming_partitions(now() + interval '14 months');
";

#[test]
fn platform_objects_and_premade_partitions_are_not_drift() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&repo_root(), &["--phase", "1", "--no-verify"]);
    db.client().batch_execute(PLATFORM_AND_TIME).unwrap();
    let (code, document) = diff_json(&db, &[]);
    assert_eq!(code, 0, "{:#?}", summary(&document));
    // A trigger projects put on a platform table is theirs, and is compared.
    db.migrating_client()
        .batch_execute(
            "CREATE FUNCTION public.on_signup() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
             CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
               FOR EACH ROW EXECUTE FUNCTION public.on_signup();",
        )
        .unwrap();
    let (code, document) = diff_json(&db, &[]);
    assert_eq!(code, 1);
    assert_eq!(changes(&document).len(), 2, "{:#?}", summary(&document));
    assert_eq!(
        the_change(
            &document,
            "table auth.users",
            "trigger on_auth_user_created"
        )["sign"],
        "+"
    );
    assert_eq!(
        the_change(&document, "function public.on_signup()", "")["sign"],
        "+"
    );
}

#[test]
fn an_invalid_index_is_a_change_of_validity() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("basic"), &["--no-verify"]);
    db.client()
        .batch_execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'public.idx_notes_author_id'::regclass",
        )
        .unwrap();
    let output = db
        .eventos(&fixture("basic"), &["diff", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let document: Value = serde_json::from_slice(&output.stdout).unwrap();
    let change = the_change(&document, "table public.notes", "index idx_notes_author_id");
    assert_eq!(change["sign"], "~");
    assert_eq!(change["attributes"][0]["name"], "valid");
    assert!(change["database"].as_str().unwrap().ends_with("(INVALID)"));
    assert_eq!(changes(&document).len(), 1);
}

#[test]
fn a_database_without_history_needs_a_phase() {
    let db = TestDb::new(Pg::Stock);
    let out = db.eventos(&repo_root(), &["diff"]).assert().code(2);
    let err = stderr(&out);
    assert!(err.contains("no eventos migration history"), "{err}");
    assert!(err.contains("--phase N"), "{err}");
    assert_eq!(
        db.query_strings("SELECT to_regnamespace('auth') IS NULL"),
        ["t"],
        "diff never installs anything in the database it compares"
    );
    // With --phase, an empty database lacks everything phase 0 creates.
    let (code, document) = diff_json(&db, &["--phase", "0"]);
    assert_eq!(code, 1);
    assert!(
        document["summary"]["only_in_bundles"].as_u64().unwrap() > 20,
        "{:#?}",
        summary(&document)
    );
    assert_eq!(document["summary"]["only_in_database"], 0);
}

#[test]
fn the_database_being_compared_is_refused_as_its_own_shadow() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("basic"), &["--phase", "0", "--no-verify"]);
    let out = db
        .eventos(&fixture("basic"), &["diff", "--shadow-url", db.url()])
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("names the database being compared"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        db.query_strings("SELECT count(*) FROM eventos.schema_history"),
        ["2"],
        "phase 1 was not applied to it"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = fixture("basic");
    let out = eventos(&dir).arg("diff").assert().code(2);
    assert!(
        stderr(&out).contains("no database given"),
        "{}",
        stderr(&out)
    );
    let out = eventos(&dir)
        .args([
            "diff",
            "--phase",
            "7",
            "--database-url",
            "postgres://x@127.0.0.1:1/x",
        ])
        .assert()
        .code(2);
    assert!(
        stderr(&out).contains("phase 7 does not exist"),
        "{}",
        stderr(&out)
    );
    let out = eventos(&dir)
        .args([
            "diff",
            "--database-url",
            "postgres://nobody:secret@127.0.0.1:1/x",
        ])
        .assert()
        .code(2);
    assert!(!stderr(&out).contains("secret"), "{}", stderr(&out));
    eventos(&dir)
        .args([
            "diff",
            "--sql",
            "--format",
            "json",
            "--database-url",
            "postgres://x@127.0.0.1:1/x",
        ])
        .assert()
        .code(2);
}

#[test]
fn check_with_diff_reports_drift_in_the_production_like_database() {
    let prod = TestDb::new(Pg::Stock);
    let dir = fixture("basic");
    prod.migrate_up(&dir, &["--no-verify"]);
    let out = eventos(&dir)
        .args(["check", "--diff", prod.url()])
        .assert()
        .success();
    let text = stdout(&out);
    assert!(text.contains("== diff\n"), "{text}");
    assert!(text.contains("no drift"), "{text}");
    prod.client()
        .batch_execute("ALTER TABLE public.tags DISABLE ROW LEVEL SECURITY")
        .unwrap();
    let out = eventos(&dir)
        .args(["check", "--diff", prod.url()])
        .assert()
        .code(1);
    let text = stdout(&out);
    assert!(
        text.contains("table public.tags\n  ~ table public.tags (row level security)\n"),
        "{text}"
    );
}
