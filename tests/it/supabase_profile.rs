//! The faithful Supabase profile against `../shared/supabase-platform.md`: its catalog facts
//! (roles, memberships, ownership, `auth.users`) and, above all, section 9 — what the role
//! `postgres` may and may not do — decided by PostgreSQL itself, as `postgres`, on both
//! flavours (PostgreSQL 18 with the supautils emulation, 15 without, as the facts' columns).

use crate::harness::{Pg, TestDb, fixture};
use eventos::db::{Cluster, CompatProfile, PgInstall};

/// What PostgreSQL must answer to one statement run as `postgres`.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// It succeeds.
    Allowed,
    /// It fails with a message containing this text.
    Refused(&'static str),
}

use Expect::{Allowed, Refused};

/// A database with the profile installed by eventos (`--supabase-compat`).
fn profile_db(pg: Pg) -> TestDb {
    let db = TestDb::new(pg);
    db.eventos(&fixture("basic"), &["status", "--supabase-compat"])
        .assert()
        .success();
    db
}

/// Runs `sql` as `postgres` in a transaction that is always rolled back (outside one when
/// `sql` cannot run in a transaction block).
fn run_as_postgres(db: &TestDb, sql: &str) -> Result<(), String> {
    let mut client = db.migrating_client();
    let in_transaction = !sql.starts_with("ALTER SYSTEM");
    if in_transaction {
        client.batch_execute("BEGIN").unwrap();
    }
    let result = client
        .batch_execute(sql)
        .map_err(|e| match e.as_db_error() {
            Some(db) => db.message().to_string(),
            None => e.to_string(),
        });
    if in_transaction {
        client.batch_execute("ROLLBACK").unwrap();
    }
    result
}

/// Extension cases (`extension`, statement, expectation), kept where the installation ships
/// the extension; the others are named on stderr.
fn extension_cases(db: &TestDb, cases: &[(&str, &str, Expect)]) -> Vec<(String, Expect)> {
    let mut kept = Vec::new();
    for (extension, sql, expect) in cases {
        let available = db.query_strings(&format!(
            "SELECT count(*) FROM pg_available_extensions WHERE name = '{extension}'"
        )) == ["1"];
        if available {
            kept.push((sql.to_string(), *expect));
        } else {
            eprintln!(
                "{:?}: {extension} is not shipped by this installation: {sql} not run",
                db.pg
            );
        }
    }
    kept
}

/// Checks every case; reports all mismatches at once.
fn check_cases(db: &TestDb, cases: &[(&str, Expect)]) {
    let mut wrong = Vec::new();
    for (sql, expect) in cases {
        let result = run_as_postgres(db, sql);
        let ok = match (expect, &result) {
            (Allowed, Ok(())) => true,
            (Refused(needle), Err(message)) => message.contains(needle),
            _ => false,
        };
        if !ok {
            wrong.push(format!("{sql}\n  expected {expect:?}, got {result:?}"));
        }
    }
    assert!(wrong.is_empty(), "{:?}:\n{}", db.pg, wrong.join("\n"));
}

/// A trigger function in public for the trigger cases.
const TRIGGER_FN: &str = "CREATE FUNCTION public.on_user() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;";

/// Refused on both flavours, with different messages.
const COPY_TO_FILE: &str = "COPY (SELECT 1) TO '/tmp/eventos-profile-copy'";
const DEFAULT_PRIVILEGES_OF_ADMIN: &str =
    "ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin GRANT SELECT ON TABLES TO anon";

/// Section 9 rows that are the same on both flavours.
fn common_cases() -> Vec<(String, Expect)> {
    let with_trigger = |then: &str| {
        format!(
            "{TRIGGER_FN} CREATE TRIGGER t AFTER INSERT ON auth.users FOR EACH ROW EXECUTE FUNCTION public.on_user(); {then}"
        )
    };
    let mut cases: Vec<(String, Expect)> = vec![
        ("CREATE FUNCTION auth.f() RETURNS int LANGUAGE sql AS 'SELECT 1'".into(), Refused("permission denied for schema auth")),
        ("CREATE TABLE auth.t (id int)".into(), Refused("permission denied for schema auth")),
        ("CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql AS 'SELECT NULL::uuid'".into(), Refused("permission denied for schema auth")),
        ("ALTER TABLE auth.users ADD COLUMN x int".into(), Refused("must be owner of table users")),
        ("ALTER TABLE auth.users ALTER COLUMN aud SET DEFAULT 'x'".into(), Refused("must be owner of table users")),
        ("ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY".into(), Refused("must be owner of table users")),
        ("ALTER TABLE auth.users DISABLE TRIGGER ALL".into(), Refused("must be owner of table users")),
        ("CREATE INDEX ON auth.users (email)".into(), Refused("must be owner of table users")),
        (with_trigger("COMMENT ON TRIGGER t ON auth.users IS 'x'"), Refused("must be owner of relation users")),
        (with_trigger("DROP TRIGGER t ON auth.users"), Refused("must be owner of relation users")),
        ("DROP TRIGGER IF EXISTS absent ON auth.users".into(), Allowed),
        (with_trigger("SELECT 1"), Allowed),
        ("SELECT count(*) FROM auth.users".into(), Allowed),
        ("INSERT INTO auth.users (id) VALUES (gen_random_uuid())".into(), Allowed),
        ("DELETE FROM auth.users".into(), Allowed),
        ("TRUNCATE auth.users CASCADE".into(), Allowed),
        ("GRANT SELECT ON auth.users TO authenticated".into(), Allowed),
        ("GRANT UPDATE ON auth.users TO authenticated".into(), Allowed),
        ("GRANT EXECUTE ON FUNCTION auth.uid() TO anon".into(), Allowed),
        ("REVOKE EXECUTE ON FUNCTION auth.uid() FROM anon".into(), Allowed),
        ("ALTER FUNCTION auth.uid() VOLATILE".into(), Refused("must be owner of function auth.uid")),
        ("COMMENT ON FUNCTION auth.uid() IS 'x'".into(), Refused("must be owner of function auth.uid")),
        ("ALTER SCHEMA auth OWNER TO postgres".into(), Refused("must be owner of schema auth")),
        ("CREATE TABLE storage.t (id int)".into(), Refused("permission denied for schema storage")),
        ("ALTER TABLE storage.objects ADD COLUMN x int".into(), Refused("must be owner of table objects")),
        ("ALTER ROLE anon SET statement_timeout = '5s'".into(), Allowed),
        ("ALTER ROLE authenticated SET search_path = public".into(), Allowed),
        ("GRANT service_role TO authenticated".into(), Allowed),
        ("CREATE ROLE app_reader NOLOGIN".into(), Allowed),
        ("CREATE SCHEMA app".into(), Allowed),
        ("CREATE PUBLICATION app_pub".into(), Allowed),
        ("CREATE FUNCTION extensions.f() RETURNS int LANGUAGE sql AS 'SELECT 1'".into(), Allowed),
        ("ALTER PUBLICATION supabase_realtime ADD TABLE storage.buckets".into(), Refused("must be owner of table buckets")),
        ("ALTER SYSTEM SET work_mem = '1MB'".into(), Refused("permission denied")),
        ("CREATE FUNCTION public.c_fn() RETURNS int LANGUAGE c AS 'x', 'y'".into(), Refused("permission denied for language c")),
        ("SET ROLE supabase_admin".into(), Refused("permission denied to set role")),
        ("SET SESSION AUTHORIZATION supabase_admin".into(), Refused("permission denied to set session authorization")),
    ];
    // The policy emulation refuses a table outside supautils' policy_grants like PostgreSQL.
    cases.push((
        "CREATE TABLE public.mine (id int); CREATE POLICY p ON public.mine USING (true)".into(),
        Allowed,
    ));
    cases
}

fn as_refs(cases: &[(String, Expect)]) -> Vec<(&str, Expect)> {
    cases.iter().map(|(s, e)| (s.as_str(), *e)).collect()
}

#[test]
fn section_9_holds_with_the_supautils_emulation() {
    let db = profile_db(Pg::Vector);
    let mut cases = common_cases();
    cases.extend(extension_cases(
        &db,
        &[
            (
                "vector",
                "CREATE EXTENSION vector WITH SCHEMA extensions",
                Allowed,
            ),
            (
                "vector",
                "CREATE EXTENSION vector WITH SCHEMA public; DROP EXTENSION vector",
                Allowed,
            ),
            (
                "vector",
                "CREATE EXTENSION vector WITH SCHEMA auth",
                Allowed,
            ),
            (
                "btree_gist",
                "CREATE EXTENSION btree_gist WITH SCHEMA extensions",
                Allowed,
            ),
            (
                "pg_trgm",
                "CREATE EXTENSION pg_trgm WITH SCHEMA auth",
                Allowed,
            ),
            ("pg_trgm", "CREATE EXTENSION pg_trgm", Allowed),
        ],
    ));
    cases.extend([
        ("CREATE POLICY p ON auth.users FOR SELECT USING (true)".into(), Allowed),
        ("CREATE POLICY p ON storage.objects FOR SELECT USING (bucket_id = 'avatars')".into(), Allowed),
        ("CREATE POLICY p ON auth.users USING (true); ALTER POLICY p ON auth.users USING (false); DROP POLICY p ON auth.users".into(), Allowed),
        ("DROP POLICY IF EXISTS absent ON storage.objects".into(), Allowed),
        ("ALTER ROLE supabase_auth_admin SET search_path = auth".into(), Refused("permission denied to alter role")),
        ("ALTER ROLE authenticator SET statement_timeout = '5s'".into(), Refused("permission denied to alter role")),
        ("CREATE ROLE x; GRANT authenticator TO x".into(), Refused("permission denied to grant role \"authenticator\"")),
        ("CREATE ROLE x; GRANT pg_read_server_files TO x".into(), Refused("permission denied to grant role \"pg_read_server_files\"")),
        ("CREATE ROLE x BYPASSRLS".into(), Allowed),
        ("CREATE ROLE x REPLICATION".into(), Allowed),
        ("SET session_replication_role = replica".into(), Allowed),
        (COPY_TO_FILE.into(), Refused("permission denied to COPY to a file")),
        (DEFAULT_PRIVILEGES_OF_ADMIN.into(), Refused("permission denied to change default privileges")),
    ]);
    check_cases(&db, &as_refs(&cases));
}

#[test]
fn section_9_holds_on_postgres_15_without_supautils() {
    let db = profile_db(Pg::Stock);
    let mut cases = common_cases();
    cases.extend(extension_cases(
        &db,
        &[
            (
                "pg_trgm",
                "CREATE EXTENSION pg_trgm WITH SCHEMA extensions",
                Allowed,
            ),
            (
                "pg_trgm",
                "CREATE EXTENSION pg_trgm WITH SCHEMA auth",
                Allowed,
            ),
            ("pg_trgm", "CREATE EXTENSION pg_trgm", Allowed),
            (
                "file_fdw",
                "CREATE EXTENSION file_fdw",
                Refused("permission denied to create extension \"file_fdw\""),
            ),
            (
                "pageinspect",
                "CREATE EXTENSION pageinspect",
                Refused("permission denied to create extension \"pageinspect\""),
            ),
            (
                "pg_buffercache",
                "CREATE EXTENSION pg_buffercache",
                Refused("permission denied to create extension \"pg_buffercache\""),
            ),
            ("lo", "CREATE EXTENSION lo", Allowed),
            ("pgcrypto", "DROP EXTENSION pgcrypto", Allowed),
        ],
    ));
    cases.extend([
        (
            "CREATE POLICY p ON auth.users FOR SELECT USING (true)".into(),
            Refused("must be owner of table users"),
        ),
        ("ALTER ROLE anon LOGIN".into(), Allowed),
        ("ALTER ROLE anon CONNECTION LIMIT 5".into(), Allowed),
        (
            "ALTER ROLE service_role NOBYPASSRLS".into(),
            Refused("must be superuser to change bypassrls attribute"),
        ),
        (
            "DROP ROLE anon".into(),
            Refused("cannot be dropped because some objects depend on it"),
        ),
        (
            "ALTER ROLE supabase_auth_admin SET search_path = auth".into(),
            Allowed,
        ),
        (
            "ALTER ROLE authenticator SET statement_timeout = '5s'".into(),
            Allowed,
        ),
        ("CREATE ROLE x; GRANT authenticator TO x".into(), Allowed),
        (
            "CREATE ROLE x; GRANT pg_read_server_files TO x".into(),
            Allowed,
        ),
        (
            "CREATE ROLE x BYPASSRLS".into(),
            Refused("must be superuser"),
        ),
        (
            "CREATE ROLE x REPLICATION".into(),
            Refused("must be superuser"),
        ),
        (
            "SET session_replication_role = replica".into(),
            Refused("permission denied to set parameter"),
        ),
        (
            COPY_TO_FILE.into(),
            Refused("must be superuser or have privileges of the pg_write_server_files role"),
        ),
        (
            DEFAULT_PRIVILEGES_OF_ADMIN.into(),
            Refused("must be member of role \"supabase_admin\""),
        ),
    ]);
    check_cases(&db, &as_refs(&cases));
}

/// One value per row of `sql`, run as the superuser.
fn strings(db: &TestDb, sql: &str) -> Vec<String> {
    db.query_strings(sql)
}

#[test]
fn roles_memberships_and_ownership_are_supabases() {
    for (pg, admin_option) in [(Pg::Vector, "true"), (Pg::Stock, "false")] {
        let db = profile_db(pg);
        assert_eq!(
            strings(
                &db,
                "SELECT string_agg(rolname || ':' || rolsuper::int || rolinherit::int || rolcreaterole::int
                                   || rolcreatedb::int || rolreplication::int || rolbypassrls::int
                                   || rolcanlogin::int, ' ' ORDER BY rolname)
                 FROM pg_roles WHERE rolname IN ('postgres', 'anon', 'service_role', 'authenticator', 'supabase_admin')"
            ),
            vec![
                "anon:0100000 authenticator:0000001 postgres:0111111 service_role:0100010 supabase_admin:1111111"
            ],
            "{pg:?}"
        );
        assert_eq!(
            strings(
                &db,
                "SELECT string_agg(r.rolname || '=' || m.admin_option, ' ' ORDER BY r.rolname)
                 FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid
                 WHERE m.member = 'postgres'::regrole AND r.rolname IN ('anon', 'authenticated', 'service_role')"
            ),
            vec![format!(
                "anon={admin_option} authenticated={admin_option} service_role={admin_option}"
            )],
            "{pg:?}"
        );
        assert_eq!(
            strings(
                &db,
                "SELECT string_agg(nspname || ':' || nspowner::regrole, ' ' ORDER BY nspname) FROM pg_namespace
                 WHERE nspname IN ('public', 'auth', 'storage', 'extensions', 'graphql_public', 'realtime', 'pgbouncer')"
            ),
            vec!["auth:supabase_admin extensions:postgres graphql_public:supabase_admin pgbouncer:pgbouncer public:pg_database_owner realtime:supabase_admin storage:supabase_admin"],
        );
        assert_eq!(
            strings(
                &db,
                "SELECT datdba::regrole::text FROM pg_database WHERE datname = current_database()"
            ),
            vec!["postgres"]
        );
        assert_eq!(
            strings(
                &db,
                "SELECT relowner::regrole || ' rls=' || relrowsecurity || ' forced=' || relforcerowsecurity
                        || ' policies=' || (SELECT count(*) FROM pg_policy WHERE polrelid = c.oid)
                 FROM pg_class c WHERE oid = 'auth.users'::regclass"
            ),
            vec!["supabase_auth_admin rls=true forced=false policies=0"]
        );
        assert_eq!(
            strings(
                &db,
                "SELECT count(*) || ' id=' || (SELECT attnum || ':' || attnotnull FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attname = 'id')
                        || ' default=' || (SELECT count(*) FROM pg_attrdef WHERE adrelid = 'auth.users'::regclass AND adnum = 2)
                 FROM pg_attribute WHERE attrelid = 'auth.users'::regclass AND attnum > 0 AND NOT attisdropped"
            ),
            vec!["35 id=2:true default=0"]
        );
        assert_eq!(
            strings(
                &db,
                "SELECT string_agg(r.rolname || ':' || array_to_string(d.setconfig, ';'), ' ' ORDER BY r.rolname)
                 FROM pg_db_role_setting d JOIN pg_roles r ON r.oid = d.setrole
                 WHERE r.rolname IN ('postgres', 'anon', 'authenticated')"
            ),
            vec![
                "anon:statement_timeout=3s authenticated:statement_timeout=8s postgres:search_path=\"\\$user\", public, extensions"
            ]
        );
    }
}

#[test]
fn migrations_run_as_postgres_and_the_api_roles_get_supabases_default_grants() {
    let db = profile_db(Pg::Stock);
    let out = db
        .eventos(&fixture("basic"), &["migrate", "up", "--supabase-compat"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("run as role postgres"), "{err}");
    assert_eq!(
        strings(
            &db,
            "SELECT relowner::regrole || ' ' || has_table_privilege('anon', oid, 'SELECT')
             FROM pg_class WHERE oid = 'public.notes'::regclass"
        ),
        vec!["postgres true"]
    );
    assert_eq!(
        strings(
            &db,
            "SELECT c.relowner::regrole::text FROM pg_class c WHERE c.oid = 'eventos.schema_history'::regclass"
        ),
        vec!["postgres"]
    );
}

#[test]
fn a_superuser_named_postgres_gets_a_clear_refusal_and_the_legacy_opt_out_still_works() {
    // A vanilla server whose bootstrap superuser is postgres, as `initdb -U postgres` leaves it.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let vanilla = runtime
        .block_on(async {
            Cluster::start_with(PgInstall::find(false).await?, CompatProfile::Legacy).await
        })
        .expect("a vanilla throwaway PostgreSQL");
    let refused = crate::harness::eventos(&fixture("basic"))
        .args(["status", "--supabase-compat", "--database-url"])
        .arg(vanilla.url("postgres"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&refused.get_output().stderr).into_owned();
    assert!(err.contains("role postgres is a superuser"), "{err}");
    assert!(err.contains("--compat legacy"), "{err}");
    drop(vanilla);

    let legacy = TestDb::new(Pg::Stock);
    legacy
        .eventos(
            &fixture("basic"),
            &["migrate", "up", "--supabase-compat", "--compat", "legacy"],
        )
        .assert()
        .success();
    assert_eq!(
        strings(
            &legacy,
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'auth'"
        ),
        vec!["supabase_admin"],
        "the legacy layer: auth belongs to the connecting superuser"
    );
}
