//! `eventos verify --rls-probe` against real PostgreSQL: two synthetic users and anon, inside a
//! rolled-back transaction, over the `probe` fixture (the `basic` schema with a `[[rls_probe]]`
//! hint on `notes`).

use crate::harness::{Pg, TestDb, fixture, fixture_copy, stdout};

fn applied() -> TestDb {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("probe"), &[]);
    db
}

#[test]
fn owner_only_policies_pass_and_leave_no_trace() {
    let db = applied();
    let out = stdout(
        &db.eventos(&fixture("probe"), &["verify", "--rls-probe"])
            .assert()
            .success(),
    );
    assert!(out.contains("pass rls-probe public.notes"), "{out}");
    assert_eq!(
        db.query_strings("SELECT count(*) FROM auth.users"),
        vec!["0"]
    );
    assert_eq!(
        db.query_strings("SELECT count(*) FROM public.notes"),
        vec!["0"]
    );
}

#[test]
fn a_policy_showing_other_users_rows_fails() {
    let db = applied();
    db.client()
        .batch_execute(
            "CREATE POLICY notes_peek ON public.notes FOR SELECT TO authenticated USING (true)",
        )
        .unwrap();
    let out = stdout(
        &db.eventos(&fixture("probe"), &["verify", "--rls-probe"])
            .assert()
            .code(1),
    );
    assert!(out.contains("FAIL rls-probe public.notes"), "{out}");
    assert!(
        out.contains("synthetic user 1 sees 1 row(s) of the other synthetic user"),
        "{out}"
    );
    assert!(
        out.contains("synthetic user 2 sees 1 row(s) of the other synthetic user"),
        "{out}"
    );
}

#[test]
fn rows_already_in_the_table_do_not_count() {
    // A database with data: a real user's note that a policy publishes to everyone on purpose.
    let db = applied();
    db.client()
        .batch_execute(
            "INSERT INTO auth.users (id) VALUES ('00000000-0000-0000-0000-00000000000a');
             INSERT INTO public.notes (author_id, body)
               VALUES ('00000000-0000-0000-0000-00000000000a', 'public');
             GRANT SELECT ON public.notes TO anon;
             CREATE POLICY notes_published ON public.notes FOR SELECT TO anon, authenticated
               USING (body = 'public')",
        )
        .unwrap();
    let out = stdout(
        &db.eventos(&fixture("probe"), &["verify", "--rls-probe"])
            .assert()
            .success(),
    );
    assert!(out.contains("pass rls-probe public.notes"), "{out}");
    assert_eq!(
        db.query_strings("SELECT count(*) FROM public.notes"),
        vec!["1"]
    );
}

#[test]
fn rows_visible_to_anon_fail() {
    let db = applied();
    db.client()
        .batch_execute(
            "GRANT SELECT ON public.notes TO anon;
             CREATE POLICY notes_public ON public.notes FOR SELECT TO anon USING (true)",
        )
        .unwrap();
    let out = stdout(
        &db.eventos(&fixture("probe"), &["verify", "--rls-probe"])
            .assert()
            .code(1),
    );
    assert!(
        out.contains("anon sees 2 of the synthetic users' row(s)"),
        "{out}"
    );
    assert!(!out.contains("synthetic user 1"), "{out}");
}

#[test]
fn a_table_that_cannot_be_seeded_names_the_fix() {
    let project = fixture_copy("probe");
    let plan = project.path().join("plans/phase0.toml");
    let text = std::fs::read_to_string(&plan).unwrap();
    let without_seed: String = text
        .lines()
        .filter(|l| !l.starts_with("seed"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&plan, without_seed).unwrap();
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(project.path(), &[]);
    let out = stdout(
        &db.eventos(project.path(), &["verify", "--rls-probe"])
            .assert()
            .code(1),
    );
    assert!(out.contains("FAIL rls-probe-setup public.notes"), "{out}");
    assert!(
        out.contains("the probe could not seed a row owned by synthetic user 1 (23502"),
        "{out}"
    );
    assert!(
        out.contains("nothing was proven about the policies"),
        "{out}"
    );
    assert!(out.contains("give this table a `seed`"), "{out}");
    assert!(
        !out.contains("SELECT policies"),
        "a probe that could not insert blames no policy:\n{out}"
    );
}

#[test]
fn probing_without_hints_fails_rather_than_prove_nothing() {
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&fixture("basic"), &[]);
    let out = stdout(
        &db.eventos(&fixture("basic"), &["verify", "--rls-probe"])
            .assert()
            .code(1),
    );
    assert!(
        out.contains("no plan declares [[rls_probe]] tables"),
        "{out}"
    );
    db.eventos(&fixture("basic"), &["verify"])
        .assert()
        .success();
}

#[test]
fn real_phase_0_user_tables_isolate_users() {
    // The shipped plans carry their own `[[rls_probe]]` hints (all phases: tests/schema_probe.rs).
    let root = crate::harness::repo_root();
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&root, &["--phase", "0"]);
    let out = stdout(
        &db.eventos(&root, &["verify", "--phase", "0", "--rls-probe"])
            .assert()
            .success(),
    );
    assert!(out.contains("pass rls-probe public.profiles"), "{out}");
    assert!(
        out.contains("pass rls-probe public.wizard_sessions"),
        "{out}"
    );
}

/// Supabase's documented profile trigger: every new auth user gets a profile.
const PROFILE_TRIGGER: &str = "
CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.profiles (id, email, full_name)
  VALUES (NEW.id, NEW.email, NEW.raw_user_meta_data ->> 'full_name');
  RETURN NEW;
END;
$$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE PROCEDURE public.handle_new_user();
";

#[test]
fn supabases_profile_trigger_on_auth_users_does_not_break_the_probe() {
    let root = crate::harness::repo_root();
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&root, &["--phase", "0"]);
    db.client().batch_execute(PROFILE_TRIGGER).unwrap();
    let out = stdout(
        &db.eventos(&root, &["verify", "--phase", "0", "--rls-probe"])
            .assert()
            .success(),
    );
    assert!(out.contains("pass rls-probe public.profiles"), "{out}");
    assert!(
        out.contains("pass rls-write-probe public.profiles"),
        "{out}"
    );
    assert!(!out.contains("rls-probe-setup"), "{out}");
    assert_eq!(
        db.query_strings(
            "SELECT (SELECT count(*) FROM auth.users) + (SELECT count(*) FROM public.profiles)"
        ),
        vec!["0"]
    );
}

#[test]
fn a_failing_trigger_on_auth_users_is_named_and_no_policy_is_blamed() {
    let root = crate::harness::repo_root();
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(&root, &["--phase", "0"]);
    db.client()
        .batch_execute(&PROFILE_TRIGGER.replace("full_name)", "avatar_url)"))
        .unwrap();
    let run = db
        .eventos(&root, &["verify", "--phase", "0", "--rls-probe"])
        .assert()
        .code(1);
    let out = stdout(&run);
    assert!(
        crate::harness::stderr(&run).is_empty(),
        "{}",
        crate::harness::stderr(&run)
    );
    assert!(out.contains("FAIL rls-probe-setup auth.users"), "{out}");
    assert!(
        out.contains("the probe could not create its synthetic users in auth.users (42703: column \"avatar_url\" of relation \"profiles\" does not exist); triggers on auth.users: on_auth_user_created → public.handle_new_user()"),
        "{out}"
    );
    assert!(!out.contains("FAIL rls-probe public."), "{out}");
    assert!(!out.contains("cannot see their own row"), "{out}");
    assert_eq!(
        out.matches("could not create its synthetic users").count(),
        1,
        "the write probe does not repeat it:\n{out}"
    );
}
