//! The CI gate on the faithful Supabase profile: what Supabase refuses fails `eventos lint`
//! (statically) and `eventos check` (the privilege preflight, or PostgreSQL itself at the file
//! and line), what it allows passes; the preflight changes nothing; backups restore as
//! `postgres` without an error. On the server with a working pgvector, where supautils is
//! emulated (PostgreSQL 18; 16 on a CPU without AVX-512), and on PostgreSQL 15 (without).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{
    Pg, TestDb, eventos, fixture, fixture_copy, repo_root, run_pg_tool, stderr, stdout,
};
use eventos::db::{Cluster, PgInstall};

/// The bin folder of the PostgreSQL `major` installation (CI has 15 from apt, 18 from pip).
fn pg_bin(major: u32) -> PathBuf {
    PgInstall::candidates()
        .into_iter()
        .find(|c| c.major() == Some(major))
        .unwrap_or_else(|| panic!("no PostgreSQL {major} installation found; run scripts/setup"))
        .bin_dir
}

/// The two servers the gate is tested on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Server {
    /// The installation whose pgvector works here (supautils emulated: PostgreSQL ≥ 16).
    Supautils,
    /// Debian's PostgreSQL 15: Supabase's image without supautils.
    Plain,
}

impl Server {
    fn install(self) -> PgInstall {
        match self {
            Server::Supautils => {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let install = runtime
                    .block_on(PgInstall::find(true))
                    .expect("a PostgreSQL with pgvector");
                assert!(install.major() >= Some(16), "{}", install.version);
                install
            }
            Server::Plain => PgInstall::candidates()
                .into_iter()
                .find(|c| c.major() == Some(15))
                .expect("PostgreSQL 15 (apt); run scripts/setup"),
        }
    }

    fn major(self) -> u32 {
        self.install().major().unwrap()
    }
}

/// `eventos check` on a throwaway cluster of `server`.
fn check(project: &Path, server: Server, args: &[&str]) -> assert_cmd::assert::Assert {
    eventos(project)
        .env("EVENTOS_PG_BIN", server.install().bin_dir)
        .arg("check")
        .args(args)
        .assert()
}

#[test]
fn the_shipped_bundles_pass_check_on_the_profile_all_phases_with_pgvector_0_and_1_on_15() {
    for (server, args, last) in [
        (Server::Supautils, vec![], "applied phase 3 "),
        (Server::Plain, vec!["--phase", "1"], "applied phase 1 "),
    ] {
        let out = check(&repo_root(), server, &args).success();
        let (text, err) = (stdout(&out), stderr(&out));
        assert!(
            text.contains(last) && text.contains(", 0 failed"),
            "{server:?}: {text}"
        );
        let profile = format!(
            "installed the Supabase profile for PostgreSQL {}",
            server.major()
        );
        assert!(err.contains(&profile), "{server:?}: {err}");
    }
}

/// A copy of the `basic` fixture with `sql` as a new last migration `V1002__change.sql`.
fn project_with(sql: &str) -> tempfile::TempDir {
    let project = fixture_copy("basic");
    std::fs::write(project.path().join("sql/phase1/V1002__change.sql"), sql).unwrap();
    project
}

const IGNORE: &str =
    "-- eventos:ignore supabase-reserved-schema -- the gate below must refuse it too\n";

/// An operation Supabase refuses: the statement, a dynamic form no static check can read, and
/// what `check` must say about each on PostgreSQL `major` (the preflight's reason for the
/// statement, PostgreSQL's own error for the dynamic form).
struct Refused {
    sql: &'static str,
    dynamic: Option<&'static str>,
    preflight: &'static str,
    server: &'static str,
}

fn refused_operations(server: Server) -> Vec<Refused> {
    let mut cases = vec![
        Refused {
            sql: "CREATE FUNCTION auth.hello() RETURNS int LANGUAGE sql AS 'SELECT 1';",
            dynamic: Some(
                "DO $$ DECLARE n text := 'auth'; BEGIN EXECUTE format('CREATE FUNCTION %I.hello() RETURNS int LANGUAGE sql AS %L', n, 'SELECT 1'); END $$;",
            ),
            preflight: "has no CREATE privilege on schema auth",
            server: "permission denied for schema auth",
        },
        Refused {
            sql: "ALTER TABLE auth.users ADD COLUMN nickname text;",
            dynamic: Some(
                "DO $$ DECLARE n text := 'users'; BEGIN EXECUTE format('ALTER TABLE auth.%I ADD COLUMN nickname text', n); END $$;",
            ),
            preflight: "is not the owner of table auth.users (owner: supabase_auth_admin)",
            server: "must be owner of table users",
        },
    ];
    if server == Server::Supautils {
        // supautils refuses it; PostgreSQL alone would not, so the preflight does, from
        // supautils.reserved_roles (see docs/migrate.md for the dynamic form).
        cases.push(Refused {
            sql: "ALTER ROLE service_role NOLOGIN;",
            dynamic: None,
            preflight: "\"service_role\" is a reserved role",
            server: "",
        });
    } else {
        cases.push(Refused {
            sql: "ALTER ROLE service_role NOBYPASSRLS;",
            dynamic: Some(
                "DO $$ DECLARE n text := 'service_role'; BEGIN EXECUTE format('ALTER ROLE %I NOBYPASSRLS', n); END $$;",
            ),
            preflight: "may not change the BYPASSRLS attribute",
            server: "must be superuser to change bypassrls attribute",
        });
        cases.push(Refused {
            sql: "CREATE EXTENSION file_fdw;",
            dynamic: Some("DO $$ DECLARE n text := 'file_fdw'; BEGIN EXECUTE format('CREATE EXTENSION %I', n); END $$;"),
            preflight: "may not create extension file_fdw",
            server: "permission denied to create extension \"file_fdw\"",
        });
    }
    cases
}

#[test]
fn what_supabase_refuses_fails_lint_and_check_at_its_file_and_line() {
    for server in [Server::Supautils, Server::Plain] {
        for case in refused_operations(server) {
            let project = project_with(&format!("SELECT 1;\n{}\n", case.sql));
            let lint = eventos(project.path()).arg("lint").assert().code(1);
            let text = stdout(&lint);
            assert!(
                text.contains("supabase-reserved-schema") && text.contains("V1002__change.sql:2:1"),
                "{}: lint: {text}",
                case.sql
            );

            // Past the lint (suppressed), the gate still refuses, naming the file and line.
            let project = project_with(&format!("SELECT 1;\n{IGNORE}{}\n", case.sql));
            let out = check(project.path(), server, &[]).code(1);
            let err = stderr(&out);
            assert!(
                err.contains("V1002__change.sql:3:1") && err.contains(case.preflight),
                "{server:?} {}: {err}",
                case.sql
            );
            assert!(err.contains("nothing was applied"), "{err}");
            assert!(!stdout(&out).contains("applied phase"), "{}", stdout(&out));

            // Where no static check can see it (a name from a variable), PostgreSQL refuses it
            // as Supabase does. (An error raised inside EXECUTE carries no position in the
            // file, so the statement is the file's first.)
            if let Some(dynamic) = case.dynamic {
                let project = project_with(&format!("{dynamic}\n"));
                eventos(project.path()).arg("lint").assert().success();
                let out = check(project.path(), server, &[]).code(1);
                let err = stderr(&out);
                assert!(
                    err.contains("V1002__change.sql:1:1") && err.contains(case.server),
                    "{server:?} {dynamic}: {err}"
                );
            }
        }
    }
}

/// Supabase's documented profile-creation trigger: a SECURITY DEFINER function in public, a
/// trigger on auth.users.
const PROFILE_TRIGGER: &str = r#"
CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  full_name text,
  avatar_url text
);
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY profiles_select_own ON public.profiles FOR SELECT TO authenticated
  USING ((SELECT auth.uid()) = id);

CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.profiles (id, full_name, avatar_url)
  VALUES (new.id, new.raw_user_meta_data ->> 'full_name', new.raw_user_meta_data ->> 'avatar_url');
  RETURN new;
END;
$$;

DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;
CREATE TRIGGER on_auth_user_created
  AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE PROCEDURE public.handle_new_user();
"#;

#[test]
fn the_standard_profile_trigger_on_auth_users_passes_lint_and_check_and_works() {
    let project = project_with(PROFILE_TRIGGER);
    let lint = eventos(project.path()).arg("lint").assert().success();
    assert!(stdout(&lint).contains(" 0 errors"), "{}", stdout(&lint));
    for server in [Server::Supautils, Server::Plain] {
        check(project.path(), server, &[]).success();
    }
    let db = TestDb::new(Pg::Stock);
    db.migrate_up(project.path(), &[]);
    let mut client = db.migrating_client();
    client
        .batch_execute(
            "INSERT INTO auth.users (id, raw_user_meta_data)
             VALUES ('00000000-0000-4000-8000-000000000001', '{\"full_name\": \"Ada\"}')",
        )
        .unwrap();
    assert_eq!(
        db.query_strings("SELECT full_name FROM public.profiles"),
        vec!["Ada"]
    );
}

/// `pg_dump --schema-only` of `db` (as the superuser), without the per-run `\restrict` keys.
fn schema_dump(db: &TestDb, url: &str) -> String {
    let major: u32 = db.query_strings("SHOW server_version_num")[0]
        .parse::<u32>()
        .unwrap()
        / 10000;
    run_pg_tool(
        &pg_bin(major).join("pg_dump"),
        ["--schema-only", "--dbname", url],
    )
    .lines()
    .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
    .collect::<Vec<_>>()
    .join("\n")
}

#[test]
fn the_preflight_refuses_a_schema_without_create_before_the_first_file_and_changes_nothing() {
    let db = TestDb::new(Pg::Stock);
    db.eventos(&fixture("basic"), &["status", "--supabase-compat"])
        .assert()
        .success();
    db.client()
        .batch_execute("CREATE SCHEMA app; GRANT USAGE ON SCHEMA app TO postgres")
        .unwrap();
    let project = project_with("SELECT 1;\nCREATE TABLE app.settings (key text PRIMARY KEY);\n");
    let before = schema_dump(&db, db.url());
    let out = db
        .eventos(project.path(), &["migrate", "up", "--supabase-compat"])
        .assert()
        .code(1);
    let err = stderr(&out);
    assert!(
        err.contains("V1002__change.sql:2:1: CREATE TABLE app.settings: role postgres has no CREATE privilege on schema app (owner: supabase_admin)"),
        "{err}"
    );
    assert!(err.contains("nothing was applied"), "{err}");
    assert!(!stdout(&out).contains("applied phase"), "{}", stdout(&out));
    assert_eq!(
        before,
        schema_dump(&db, db.url()),
        "the preflight changed the schema"
    );
    assert_eq!(
        db.query_strings("SELECT to_regclass('eventos.schema_history') IS NULL"),
        vec!["t"]
    );
}

#[test]
fn a_non_allow_listed_untrusted_extension_is_refused_by_postgres_and_allow_listed_ones_are_not() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cluster = runtime
        .block_on(Cluster::start(true))
        .expect("a throwaway cluster with pgvector");
    assert!(
        cluster.install().major() >= Some(16),
        "{}",
        cluster.describe()
    );
    // An extension the server ships that is neither trusted nor on supautils' allow-list:
    // written into the cluster's own extension folder, which the server reads first.
    let extensions = cluster.extension_dir().expect("the allow-list emulation");
    std::fs::write(
        extensions.join("eventos_untrusted.control"),
        "default_version = '1.0'\nsuperuser = true\nrelocatable = true\n",
    )
    .unwrap();
    std::fs::write(extensions.join("eventos_untrusted--1.0.sql"), "SELECT 1;\n").unwrap();
    let admin = cluster.admin_url("postgres");
    eventos(&fixture("basic"))
        .args(["status", "--supabase-compat", "--database-url", &admin])
        .assert()
        .success();
    let mut client = postgres::Client::connect(&cluster.url("postgres"), postgres::NoTls).unwrap();
    let refused = client
        .batch_execute("CREATE EXTENSION eventos_untrusted")
        .unwrap_err();
    assert_eq!(
        refused.as_db_error().map(|e| e.message()),
        Some("permission denied to create extension \"eventos_untrusted\"")
    );
    client
        .batch_execute("CREATE EXTENSION vector WITH SCHEMA extensions")
        .unwrap();
    assert_eq!(
        client
            .query_one(
                "SELECT t.typowner::regrole::text FROM pg_type t WHERE t.typname = 'vector'",
                &[]
            )
            .unwrap()
            .get::<_, String>(0),
        "supabase_admin",
        "the extension's objects belong to the superuser, as on Supabase"
    );

    // The preflight says so before any change, naming the file and line.
    let project = project_with(&format!(
        "SELECT 1;\n{IGNORE}CREATE EXTENSION eventos_untrusted;\n"
    ));
    let db_url = cluster.admin_url("postgres");
    let out = eventos(project.path())
        .args([
            "migrate",
            "up",
            "--supabase-compat",
            "--database-url",
            &db_url,
        ])
        .assert()
        .code(1);
    let err = stderr(&out);
    assert!(
        err.contains("V1002__change.sql:3:1: CREATE EXTENSION eventos_untrusted")
            && err.contains("neither trusted nor allow-listed"),
        "{err}"
    );
    drop(client);
    drop(cluster);
}

/// Runs `psql -v ON_ERROR_STOP=1 --single-transaction -f file url`; returns (success, stderr).
fn psql_restore(major: u32, file: &Path, url: &str) -> (bool, String) {
    let out = Command::new(pg_bin(major).join("psql"))
        .args([
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "--single-transaction",
            "-f",
        ])
        .arg(file)
        .arg(url)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Everything of schemas public and eventos, schema and data, as the superuser sees it: the
/// dump's lines, sorted (pg_dump lists equal default privileges in catalog order, which a
/// restore may change).
fn owned_dump(db: &TestDb, major: u32) -> Vec<String> {
    let args = ["--schema=public", "--schema=eventos", "--dbname", db.url()];
    let mut lines: Vec<String> = run_pg_tool(&pg_bin(major).join("pg_dump"), args)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    lines.sort();
    lines
}

#[test]
fn a_backup_restores_into_a_fresh_profile_database_as_postgres_without_an_error() {
    for (pg, phase) in [(Pg::Vector, "3"), (Pg::Stock, "1")] {
        let source = TestDb::new(pg);
        let major = source.query_strings("SHOW server_version_num")[0]
            .parse::<u32>()
            .unwrap()
            / 10000;
        let root = repo_root();
        source.migrate_up(&root, &["--phase", phase]);
        let user = "00000000-0000-4000-8000-0000000000aa";
        source
            .client()
            .batch_execute(&format!(
                "INSERT INTO auth.users (id, email) VALUES ('{user}', 'ada@example.com');
                 INSERT INTO public.profiles (id, email, full_name) VALUES ('{user}', 'ada@example.com', 'Ada');"
            ))
            .unwrap();
        let out = tempfile::tempdir().unwrap();
        let file = out.path().join("backup.sql");
        let backup = source
            .eventos(
                &root,
                &[
                    "migrate",
                    "up",
                    "--supabase-compat",
                    "--phase",
                    phase,
                    "--backup",
                    file.to_str().unwrap(),
                ],
            )
            .assert()
            .success();
        assert!(
            stderr(&backup).contains("schemas eventos, public"),
            "{}",
            stderr(&backup)
        );
        let script = std::fs::read_to_string(&file).unwrap();
        assert!(
            !script.contains("CREATE TABLE auth."),
            "auth is Supabase's, not ours"
        );
        assert!(
            !script.contains("storage."),
            "storage is Supabase's, not ours"
        );
        assert_eq!(
            script.contains("CREATE EXTENSION IF NOT EXISTS vector"),
            pg == Pg::Vector
        );

        // The same project's users exist where the backup is restored (auth is not in it).
        let target = TestDb::new(pg);
        target
            .eventos(&fixture("basic"), &["status", "--supabase-compat"])
            .assert()
            .success();
        target
            .client()
            .batch_execute(&format!(
                "INSERT INTO auth.users (id, email) VALUES ('{user}', 'ada@example.com')"
            ))
            .unwrap();
        let (ok, err) = psql_restore(major, &file, &target.migrating_url());
        assert!(
            ok && !err.contains("ERROR"),
            "{major}: restore failed:\n{err}"
        );
        assert_eq!(
            owned_dump(&source, major),
            owned_dump(&target, major),
            "{major}: the restored schemas differ"
        );
        target
            .eventos(&root, &["verify", "--phase", phase, "--supabase-compat"])
            .assert()
            .success();
    }
}

#[test]
fn the_preflight_checks_the_history_table_too() {
    let db = TestDb::new(Pg::Stock);
    db.eventos(&fixture("basic"), &["status", "--supabase-compat"])
        .assert()
        .success();
    // A history schema someone else created, where postgres may not create the table.
    db.client()
        .batch_execute("CREATE SCHEMA eventos; GRANT USAGE ON SCHEMA eventos TO postgres")
        .unwrap();
    let out = db
        .eventos(&fixture("basic"), &["migrate", "up", "--supabase-compat"])
        .assert()
        .code(1);
    let err = stderr(&out);
    assert!(
        err.contains("V0001__notes.sql:1:1: recording in the history table eventos.schema_history: role postgres has no CREATE privilege on schema eventos"),
        "{err}"
    );
    assert_eq!(
        db.query_strings("SELECT to_regclass('public.notes') IS NULL"),
        vec!["t"]
    );
}
