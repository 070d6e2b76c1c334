-- Phase 0 · tamper-evident audit log (seeds 001_ §2 and 004_ "hash chaining"), rewritten:
--  * append-only: UPDATE / DELETE / TRUNCATE raise (triggers), and no API role holds
--    INSERT/UPDATE/DELETE/TRUNCATE on it; rows are written only by the trigger function;
--  * hash chain: each row stores the previous row's hash (prev_hash, UNIQUE, so the chain
--    cannot fork) and its own sha256 over a canonical serialisation of its content;
--    appends are serialised by locking the chain head (audit_log_head, one row) FOR UPDATE:
--    under READ COMMITTED the next writer waits and reads the new head; under REPEATABLE
--    READ / SERIALIZABLE a writer whose snapshot predates the head gets a serialization
--    failure (SQLSTATE 40001, retry) instead of forking the chain. The head also lets the
--    verifier notice rows removed from the end of the log;
--  * errors are NOT swallowed (seed 001_ turned audit failures into warnings, which lets a
--    change through unaudited);
--  * changed_by has no FK to auth.users: ON DELETE SET NULL would have to UPDATE
--    immutable, hashed rows.

CREATE TABLE public.audit_log (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  table_name  text NOT NULL,
  operation   text NOT NULL,
  record_id   uuid,
  old_data    jsonb,
  new_data    jsonb,
  changed_by  uuid,
  changed_at  timestamptz NOT NULL DEFAULT now(),
  ip_address  inet,
  user_agent  text,
  prev_hash   text NOT NULL,
  row_hash    text NOT NULL,
  CONSTRAINT audit_log_operation_check CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
  CONSTRAINT audit_log_prev_hash_key UNIQUE (prev_hash),
  CONSTRAINT audit_log_row_hash_key UNIQUE (row_hash),
  CONSTRAINT audit_log_hash_format_check CHECK (prev_hash ~ '^[0-9a-f]{64}$' AND row_hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX idx_audit_log_table_record ON public.audit_log (table_name, record_id);
CREATE INDEX idx_audit_log_changed_by ON public.audit_log (changed_by);
CREATE INDEX idx_audit_log_changed_at_brin ON public.audit_log USING brin (changed_at);
ALTER TABLE public.audit_log ENABLE ROW LEVEL SECURITY;
COMMENT ON TABLE public.audit_log IS
  'Append-only, hash-chained change log of critical tables. Check with verify_audit_log_integrity().';

-- The chain head: the newest row's id and hash. Written only by audit_trigger_function().
CREATE TABLE public.audit_log_head (
  singleton  boolean PRIMARY KEY DEFAULT true,
  last_id    bigint,
  last_hash  text NOT NULL,
  CONSTRAINT audit_log_head_singleton_check CHECK (singleton),
  CONSTRAINT audit_log_head_hash_format_check CHECK (last_hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO public.audit_log_head (singleton, last_id, last_hash) VALUES (true, NULL, repeat('0', 64));
ALTER TABLE public.audit_log_head ENABLE ROW LEVEL SECURITY;

-- Canonical row hash. jsonb text output is deterministic (sorted keys), and the timestamp
-- is rendered in UTC so the hash does not depend on the session's TimeZone/DateStyle.
CREATE FUNCTION public.audit_log_hash(
  p_prev_hash text, p_id bigint, p_table_name text, p_operation text, p_record_id uuid,
  p_old_data jsonb, p_new_data jsonb, p_changed_by uuid, p_changed_at timestamptz)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(
    pg_catalog.jsonb_build_array(
      p_prev_hash, p_id, p_table_name, p_operation, p_record_id, p_old_data, p_new_data, p_changed_by,
      pg_catalog.to_char(p_changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text, 'UTF8')), 'hex')
$$;

CREATE FUNCTION public.audit_trigger_function()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_prev     text;
  v_hash     text;
  v_id       bigint;
  v_old      jsonb;
  v_new      jsonb;
  v_record   uuid;
  v_by       uuid;
  v_at       timestamptz := pg_catalog.now();
  v_headers  jsonb;
  v_ip       inet;
  v_agent    text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN v_old := pg_catalog.to_jsonb(OLD); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN v_new := pg_catalog.to_jsonb(NEW); END IF;
  v_record := (coalesce(v_new, v_old) ->> 'id')::uuid;
  v_by := (SELECT auth.uid());

  -- PostgREST exposes the HTTP request headers; absent for direct connections.
  BEGIN
    v_headers := nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb;
    v_agent := v_headers ->> 'user-agent';
    v_ip := pg_catalog.split_part(v_headers ->> 'x-forwarded-for', ',', 1)::inet;
  EXCEPTION WHEN others THEN
    v_ip := NULL;  -- malformed header: record the change without an address
  END;

  -- Lock the chain head: appends are serialised and every row links to the one before it.
  SELECT h.last_hash INTO v_prev FROM public.audit_log_head AS h WHERE h.singleton FOR UPDATE;

  -- The id is drawn first because it is part of the hashed content.
  v_id := pg_catalog.nextval('public.audit_log_id_seq'::regclass);
  INSERT INTO public.audit_log
    (id, table_name, operation, record_id, old_data, new_data, changed_by, changed_at,
     ip_address, user_agent, prev_hash, row_hash)
  OVERRIDING SYSTEM VALUE
  VALUES
    (v_id, TG_TABLE_NAME, TG_OP, v_record, v_old, v_new, v_by, v_at, v_ip, v_agent, v_prev,
     public.audit_log_hash(v_prev, v_id, TG_TABLE_NAME, TG_OP, v_record, v_old, v_new, v_by, v_at))
  RETURNING row_hash INTO v_hash;
  UPDATE public.audit_log_head SET last_id = v_id, last_hash = v_hash WHERE singleton;

  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION public.audit_trigger_function() IS
  'AFTER ROW trigger: appends a hash-chained audit_log row. SECURITY DEFINER (writes a table no API role may write).';

CREATE FUNCTION public.audit_log_immutable()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER trg_audit_log_immutable
  BEFORE UPDATE OR DELETE ON public.audit_log
  FOR EACH ROW EXECUTE FUNCTION public.audit_log_immutable();
CREATE TRIGGER trg_audit_log_no_truncate
  BEFORE TRUNCATE ON public.audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION public.audit_log_immutable();

-- Returns one row per problem; no rows = the chain is intact.
CREATE FUNCTION public.verify_audit_log_integrity()
RETURNS TABLE (log_id bigint, problem text)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH chain AS (
    SELECT l.*,
           coalesce(lag(l.row_hash) OVER (ORDER BY l.id), pg_catalog.repeat('0', 64)) AS expected_prev
    FROM public.audit_log AS l
  ),
  problems AS (
    SELECT c.id, pg_catalog.format('row %s: content does not match its row_hash (row modified)', c.id) AS problem
    FROM chain AS c
    WHERE c.row_hash IS DISTINCT FROM public.audit_log_hash(c.prev_hash, c.id, c.table_name, c.operation,
            c.record_id, c.old_data, c.new_data, c.changed_by, c.changed_at)
    UNION ALL
    SELECT c.id, pg_catalog.format('row %s: prev_hash does not match the previous row (row inserted or deleted before it)', c.id)
    FROM chain AS c
    WHERE c.prev_hash IS DISTINCT FROM c.expected_prev
    UNION ALL
    SELECT h.last_id, 'audit_log_head does not match the newest row (rows removed from the end of the log?)'
    FROM public.audit_log_head AS h
    WHERE h.last_hash IS DISTINCT FROM coalesce(
            (SELECT l.row_hash FROM public.audit_log AS l ORDER BY l.id DESC LIMIT 1), pg_catalog.repeat('0', 64))
  )
  SELECT p.id, p.problem FROM problems AS p ORDER BY p.id NULLS LAST, p.problem
$$;
COMMENT ON FUNCTION public.verify_audit_log_integrity() IS
  'Recomputes the audit_log hash chain; returns (log_id, problem) per tampered row, no rows when intact.';

REVOKE ALL ON TABLE public.audit_log, public.audit_log_head FROM anon, authenticated;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.audit_log_head FROM service_role;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.audit_log FROM service_role;
REVOKE EXECUTE ON FUNCTION public.audit_trigger_function() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.audit_log_immutable() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.verify_audit_log_integrity() FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.audit_log_hash(text, bigint, text, text, uuid, jsonb, jsonb, uuid, timestamptz)
  FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.verify_audit_log_integrity() TO service_role;
GRANT EXECUTE ON FUNCTION public.audit_log_hash(text, bigint, text, text, uuid, jsonb, jsonb, uuid, timestamptz)
  TO service_role;

-- Critical tables.
CREATE TRIGGER trg_profiles_audit AFTER INSERT OR UPDATE OR DELETE ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_events_audit AFTER INSERT OR UPDATE OR DELETE ON public.events
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_ticket_tiers_audit AFTER INSERT OR UPDATE OR DELETE ON public.ticket_tiers
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_orders_audit AFTER INSERT OR UPDATE OR DELETE ON public.orders
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_payments_audit AFTER INSERT OR UPDATE OR DELETE ON public.payments
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_attendees_audit AFTER INSERT OR UPDATE OR DELETE ON public.attendees
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
CREATE TRIGGER trg_tickets_audit AFTER INSERT OR UPDATE OR DELETE ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION public.audit_trigger_function();
