-- eventos faithful Supabase profile, PostgreSQL >= 16: what supautils' policy_grants lets
-- `postgres` do, without supautils. supautils runs CREATE/ALTER/DROP POLICY on a granted table
-- as the superuser; here an event trigger makes `postgres` a member of the owners of the
-- granted tables for the duration of that one statement (the membership is transactional, so
-- a failing statement rolls it back too), and refuses a policy command whose table was not
-- granted with PostgreSQL's own message. Functions owned by the superuser, in `extensions`,
-- like Supabase's own event trigger functions. `{policy_tables}` is the granted tables as
-- `ARRAY['auth.users', …]`.

CREATE FUNCTION extensions.eventos_policy_grants_start() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
  invoker text := CASE WHEN current_setting('role') = 'none' THEN session_user::text
                       ELSE current_setting('role') END;
  owner_name text;
  granted text[] := '{}';
BEGIN
  IF invoker <> 'postgres' THEN
    RETURN;
  END IF;
  FOR owner_name IN
    SELECT DISTINCT c.relowner::regrole::text
    FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname || '.' || c.relname = ANY ({policy_tables})
      AND NOT pg_has_role('postgres', c.relowner, 'USAGE')
    ORDER BY 1
  LOOP
    EXECUTE format('GRANT %I TO postgres', owner_name);
    granted := granted || owner_name;
  END LOOP;
  PERFORM set_config('eventos.policy_grants', array_to_string(granted, ','), true);
END
$$;

CREATE FUNCTION extensions.eventos_policy_grants_end() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path TO pg_catalog, pg_temp
AS $$
DECLARE
  granted text[] := string_to_array(nullif(current_setting('eventos.policy_grants', true), ''), ',');
  owner_name text;
  refused text;
BEGIN
  IF granted IS NULL THEN
    RETURN;
  END IF;
  IF tg_event = 'sql_drop' THEN
    SELECT o.address_names[1] || '.' || o.address_names[2] INTO refused
    FROM pg_event_trigger_dropped_objects() AS o
    JOIN pg_namespace AS n ON n.nspname = o.address_names[1]
    JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relname = o.address_names[2]
    WHERE o.object_type = 'policy'
      AND c.relowner::regrole::text = ANY (granted)
      AND NOT (o.address_names[1] || '.' || o.address_names[2]) = ANY ({policy_tables})
    LIMIT 1;
  ELSE
    SELECT n.nspname || '.' || c.relname INTO refused
    FROM pg_event_trigger_ddl_commands() AS d
    JOIN pg_policy AS p ON d.classid = 'pg_policy'::regclass AND p.oid = d.objid
    JOIN pg_class AS c ON c.oid = p.polrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relowner::regrole::text = ANY (granted)
      AND NOT (n.nspname || '.' || c.relname) = ANY ({policy_tables})
    LIMIT 1;
    FOREACH owner_name IN ARRAY granted LOOP
      EXECUTE format('REVOKE %I FROM postgres', owner_name);
    END LOOP;
    PERFORM set_config('eventos.policy_grants', '', true);
  END IF;
  IF refused IS NOT NULL THEN
    RAISE EXCEPTION 'must be owner of table %', split_part(refused, '.', 2)
      USING ERRCODE = 'insufficient_privilege';
  END IF;
END
$$;

ALTER FUNCTION extensions.eventos_policy_grants_start() OWNER TO supabase_admin;
ALTER FUNCTION extensions.eventos_policy_grants_end() OWNER TO supabase_admin;
REVOKE ALL ON FUNCTION extensions.eventos_policy_grants_start() FROM PUBLIC;
REVOKE ALL ON FUNCTION extensions.eventos_policy_grants_end() FROM PUBLIC;
CREATE EVENT TRIGGER eventos_policy_grants_start ON ddl_command_start
  WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  EXECUTE FUNCTION extensions.eventos_policy_grants_start();
CREATE EVENT TRIGGER eventos_policy_grants_drop ON sql_drop
  WHEN TAG IN ('DROP POLICY')
  EXECUTE FUNCTION extensions.eventos_policy_grants_end();
CREATE EVENT TRIGGER eventos_policy_grants_end ON ddl_command_end
  WHEN TAG IN ('CREATE POLICY', 'ALTER POLICY', 'DROP POLICY')
  EXECUTE FUNCTION extensions.eventos_policy_grants_end();
ALTER EVENT TRIGGER eventos_policy_grants_start OWNER TO supabase_admin;
ALTER EVENT TRIGGER eventos_policy_grants_drop OWNER TO supabase_admin;
ALTER EVENT TRIGGER eventos_policy_grants_end OWNER TO supabase_admin;
