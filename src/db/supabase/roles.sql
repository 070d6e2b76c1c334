-- eventos faithful Supabase profile, cluster part: Supabase's roles with their attributes,
-- per-role settings and memberships (../shared/supabase-platform.md, sections 1 and 2).
-- Run by a superuser. Roles are cluster-wide and several eventos runs may bootstrap databases
-- of one cluster at once: every change is made only when missing, each CREATE tolerates losing
-- the race, and a role row that is already right is never updated.
-- `{api_admin_option}` is `WITH ADMIN OPTION` on PostgreSQL >= 16, empty before.

DO $roles$
DECLARE
  spec record;
  attrs text;
BEGIN
  FOR spec IN
    SELECT * FROM (VALUES
      -- name                        super  inherit createrole createdb repl   bypassrls login
      ('supabase_admin',             true,  true,   true,      true,    true,  true,     true),
      ('postgres',                   false, true,   true,      true,    true,  true,     true),
      ('anon',                       false, true,   false,     false,   false, false,    false),
      ('authenticated',              false, true,   false,     false,   false, false,    false),
      ('service_role',               false, true,   false,     false,   false, true,     false),
      ('authenticator',              false, false,  false,     false,   false, false,    true),
      ('supabase_auth_admin',        false, false,  true,      false,   false, false,    true),
      ('supabase_storage_admin',     false, false,  true,      false,   false, false,    true),
      ('supabase_realtime_admin',    false, false,  true,      false,   true,  false,    true),
      ('supabase_replication_admin', false, true,   false,     false,   true,  false,    true),
      ('supabase_read_only_user',    false, true,   false,     false,   false, true,     true),
      ('supabase_etl_admin',         false, true,   false,     false,   true,  false,    true),
      ('supabase_superuser',         false, true,   false,     false,   false, false,    false),
      ('dashboard_user',             false, true,   true,      true,    true,  false,    false),
      ('pgbouncer',                  false, true,   false,     false,   false, false,    true)
    ) AS s (name, super, inherit, createrole, createdb, repl, bypassrls, login)
  LOOP
    attrs := concat_ws(' ',
      CASE WHEN spec.super THEN 'SUPERUSER' ELSE 'NOSUPERUSER' END,
      CASE WHEN spec.inherit THEN 'INHERIT' ELSE 'NOINHERIT' END,
      CASE WHEN spec.createrole THEN 'CREATEROLE' ELSE 'NOCREATEROLE' END,
      CASE WHEN spec.createdb THEN 'CREATEDB' ELSE 'NOCREATEDB' END,
      CASE WHEN spec.repl THEN 'REPLICATION' ELSE 'NOREPLICATION' END,
      CASE WHEN spec.bypassrls THEN 'BYPASSRLS' ELSE 'NOBYPASSRLS' END,
      CASE WHEN spec.login THEN 'LOGIN' ELSE 'NOLOGIN' END);
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = spec.name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I %s', spec.name, attrs);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
      END;
    ELSIF EXISTS (
      SELECT 1 FROM pg_catalog.pg_roles AS r
      WHERE r.rolname = spec.name
        AND (r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolreplication,
             r.rolbypassrls, r.rolcanlogin)
            IS DISTINCT FROM
            (spec.super, spec.inherit, spec.createrole, spec.createdb, spec.repl,
             spec.bypassrls, spec.login)
    ) THEN
      EXECUTE format('ALTER ROLE %I %s', spec.name, attrs);
    END IF;
  END LOOP;

  -- Per-role settings (all databases). A setting the role already has is left as it is.
  FOR spec IN
    SELECT * FROM (VALUES
      ('supabase_admin', 'search_path', 'TO "\$user", public, auth, extensions'),
      ('postgres', 'search_path', 'TO "\$user", public, extensions'),
      ('anon', 'statement_timeout', 'TO ''3s'''),
      ('authenticated', 'statement_timeout', 'TO ''8s'''),
      ('authenticator', 'statement_timeout', 'TO ''8s'''),
      ('authenticator', 'lock_timeout', 'TO ''8s'''),
      ('supabase_auth_admin', 'search_path', 'TO auth'),
      ('supabase_auth_admin', 'idle_in_transaction_session_timeout', 'TO 60000'),
      ('supabase_storage_admin', 'search_path', 'TO storage'),
      ('supabase_realtime_admin', 'search_path', 'TO public, extensions, realtime')
    ) AS s (name, setting, value)
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_db_role_setting AS d, unnest(d.setconfig) AS c (entry)
      WHERE d.setdatabase = 0 AND d.setrole = spec.name::regrole
        AND c.entry LIKE spec.setting || '=%'
    ) THEN
      EXECUTE format('ALTER ROLE %I SET %s %s', spec.name, spec.setting, spec.value);
    END IF;
  END LOOP;

  -- Memberships (section 2). `admin` asks for the ADMIN option.
  FOR spec IN
    SELECT * FROM (VALUES
      ('anon', 'postgres', true),
      ('authenticated', 'postgres', true),
      ('service_role', 'postgres', true),
      ('pg_monitor', 'postgres', false),
      ('pg_read_all_data', 'postgres', false),
      ('pg_signal_backend', 'postgres', false),
      ('supabase_superuser', 'postgres', false),
      ('anon', 'authenticator', false),
      ('authenticated', 'authenticator', false),
      ('service_role', 'authenticator', false),
      ('anon', 'supabase_realtime_admin', false),
      ('authenticated', 'supabase_realtime_admin', false),
      ('service_role', 'supabase_realtime_admin', false),
      ('authenticator', 'supabase_storage_admin', false),
      ('pg_read_all_data', 'supabase_read_only_user', false),
      ('supabase_superuser', 'supabase_etl_admin', false)
    ) AS s (granted, member, admin)
  LOOP
    IF NOT EXISTS (
      SELECT 1 FROM pg_catalog.pg_auth_members AS m
      WHERE m.roleid = spec.granted::regrole AND m.member = spec.member::regrole
        AND (m.admin_option OR NOT spec.admin OR '{api_admin_option}' = '')
    ) THEN
      BEGIN
        EXECUTE format('GRANT %I TO %I %s', spec.granted, spec.member,
                       CASE WHEN spec.admin THEN '{api_admin_option}' ELSE '' END);
      EXCEPTION WHEN unique_violation THEN
        NULL;
      END;
    END IF;
  END LOOP;
END
$roles$;
