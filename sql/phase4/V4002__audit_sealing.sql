-- Phase 4 · non-blocking audit chain.
-- Phase 0 linked every audit row to the previous one at write time, under a lock on the one
-- chain-head row: every audited write of every tenant queued on that row until commit.
-- Now writers only append (no hash, no lock); seal_audit_log() — run by the scheduler, one
-- sealer at a time — links the committed, unsealed rows into the chain in the order it finds
-- them (id order within a batch; a row whose transaction commits late is sealed in a later
-- batch), numbering them with seal_seq. verify_audit_log_integrity() checks every sealed row
-- (content hash, link to the previous sealed row, head) and reports rows left unsealed longer
-- than settings.audit_seal_grace.
-- Rows written before this migration were chained in id order under the head lock, so they
-- are sealed already: seal_seq = id.

-- eventos:ignore drop-not-null -- deliberate: an unsealed row has no hashes until seal_audit_log()
-- links it (audit_log_sealed_check below ties NULL hashes to a NULL seal_seq)
ALTER TABLE public.audit_log
  ALTER COLUMN prev_hash DROP NOT NULL,
  ALTER COLUMN row_hash DROP NOT NULL,
  ADD COLUMN seal_seq bigint,
  ADD COLUMN sealed_at timestamptz;
COMMENT ON COLUMN public.audit_log.seal_seq IS
  'Position in the hash chain (NULL until seal_audit_log() links the row).';

-- UPDATE/DELETE guard: rows are immutable, except that the sealer (which sets the
-- transaction-local flag eventos.audit_sealing) may fill the chain columns of unsealed rows.
-- 'rechain' (rollback/phase4.sql only) may rewrite the chain columns of any row.
CREATE FUNCTION eventos_private.audit_log_guard()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_mode text := coalesce(pg_catalog.current_setting('eventos.audit_sealing', true), '');
BEGIN
  IF TG_OP = 'UPDATE'
     AND (OLD.seal_seq IS NULL AND NEW.seal_seq IS NOT NULL AND v_mode = 'on' OR v_mode = 'rechain')
     AND (NEW.id, NEW.table_name, NEW.operation, NEW.record_id, NEW.old_data, NEW.new_data,
          NEW.changed_by, NEW.changed_at, NEW.ip_address, NEW.user_agent)
         IS NOT DISTINCT FROM
         (OLD.id, OLD.table_name, OLD.operation, OLD.record_id, OLD.old_data, OLD.new_data,
          OLD.changed_by, OLD.changed_at, OLD.ip_address, OLD.user_agent) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE OR REPLACE TRIGGER trg_audit_log_immutable
  BEFORE UPDATE OR DELETE ON public.audit_log
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_log_guard();

-- Existing rows: already chained in id order.
SELECT pg_catalog.set_config('eventos.audit_sealing', 'on', true);
UPDATE public.audit_log SET seal_seq = id, sealed_at = changed_at WHERE seal_seq IS NULL;
SELECT pg_catalog.set_config('eventos.audit_sealing', '', true);

-- eventos:ignore unique-constraint-without-index, check-not-valid -- this file holds ACCESS EXCLUSIVE on
-- audit_log from its first ALTER and rewrites every row in the backfill above: an index built
-- concurrently in a later file would not shorten this file's lock (phase 4 is unreleased;
-- splitting ALTER, backfill and constraints into separate files would)
ALTER TABLE public.audit_log
  ADD CONSTRAINT audit_log_seal_seq_key UNIQUE (seal_seq),
  ADD CONSTRAINT audit_log_sealed_check
    CHECK ((seal_seq IS NULL) = (row_hash IS NULL) AND (seal_seq IS NULL) = (prev_hash IS NULL)
           AND (seal_seq IS NULL) = (sealed_at IS NULL));

-- The append-only writer: no lock, no hash. Errors propagate (an unaudited change must fail).
CREATE FUNCTION eventos_private.audit_append()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_old      jsonb;
  v_new      jsonb;
  v_headers  jsonb;
  v_ip       inet;
  v_agent    text;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN v_old := pg_catalog.to_jsonb(OLD); END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN v_new := pg_catalog.to_jsonb(NEW); END IF;

  -- PostgREST exposes the HTTP request headers; absent for direct connections.
  BEGIN
    v_headers := nullif(pg_catalog.current_setting('request.headers', true), '')::jsonb;
    v_agent := v_headers ->> 'user-agent';
    v_ip := pg_catalog.split_part(v_headers ->> 'x-forwarded-for', ',', 1)::inet;
  EXCEPTION WHEN others THEN
    v_ip := NULL;  -- malformed header: record the change without an address
  END;

  INSERT INTO public.audit_log
    (table_name, operation, record_id, old_data, new_data, changed_by, changed_at, ip_address, user_agent)
  VALUES
    (TG_TABLE_NAME, TG_OP, (coalesce(v_new, v_old) ->> 'id')::uuid, v_old, v_new, (SELECT auth.uid()),
     pg_catalog.now(), v_ip, v_agent);
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION eventos_private.audit_append() IS
  'AFTER ROW trigger: appends an unsealed audit_log row (no lock; seal_audit_log() chains it).';

CREATE OR REPLACE TRIGGER trg_profiles_audit AFTER INSERT OR UPDATE OR DELETE ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_events_audit AFTER INSERT OR UPDATE OR DELETE ON public.events
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_ticket_tiers_audit AFTER INSERT OR UPDATE OR DELETE ON public.ticket_tiers
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_orders_audit AFTER INSERT OR UPDATE OR DELETE ON public.orders
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_payments_audit AFTER INSERT OR UPDATE OR DELETE ON public.payments
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_attendees_audit AFTER INSERT OR UPDATE OR DELETE ON public.attendees
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_tickets_audit AFTER INSERT OR UPDATE OR DELETE ON public.tickets
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();
CREATE OR REPLACE TRIGGER trg_sponsorships_audit AFTER INSERT OR UPDATE OR DELETE ON public.sponsorships
  FOR EACH ROW EXECUTE FUNCTION eventos_private.audit_append();

-- Links committed unsealed rows into the chain; returns how many it sealed. The head row is
-- locked by sealers only (writers never touch it), so concurrent sealers queue, writers don't.
CREATE FUNCTION public.seal_audit_log(p_limit integer DEFAULT 50000)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_seq    bigint;
  v_prev   text;
  v_hash   text;
  v_row    record;
  v_count  integer := 0;
BEGIN
  IF p_limit IS NULL OR p_limit < 1 THEN
    RAISE EXCEPTION 'seal_audit_log: p_limit must be at least 1' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT coalesce(h.last_id, 0), h.last_hash INTO v_seq, v_prev
  FROM public.audit_log_head AS h WHERE h.singleton FOR UPDATE;
  PERFORM pg_catalog.set_config('eventos.audit_sealing', 'on', true);
  FOR v_row IN
    SELECT l.id, l.table_name, l.operation, l.record_id, l.old_data, l.new_data, l.changed_by, l.changed_at
    FROM public.audit_log AS l
    WHERE l.seal_seq IS NULL
    ORDER BY l.id
    LIMIT p_limit
  LOOP
    v_seq := v_seq + 1;
    v_hash := public.audit_log_hash(v_prev, v_row.id, v_row.table_name, v_row.operation, v_row.record_id,
                                    v_row.old_data, v_row.new_data, v_row.changed_by, v_row.changed_at);
    UPDATE public.audit_log
       SET seal_seq = v_seq, prev_hash = v_prev, row_hash = v_hash, sealed_at = pg_catalog.clock_timestamp()
     WHERE id = v_row.id;
    v_prev := v_hash;
    v_count := v_count + 1;
  END LOOP;
  PERFORM pg_catalog.set_config('eventos.audit_sealing', '', true);
  IF v_count > 0 THEN
    UPDATE public.audit_log_head SET last_id = v_seq, last_hash = v_prev WHERE singleton;
  END IF;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION public.seal_audit_log(integer) IS
  'Chains committed unsealed audit_log rows (job eventos-seal-audit-log). Service role / admin / pg_cron.';
REVOKE EXECUTE ON FUNCTION public.seal_audit_log(integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.seal_audit_log(integer) TO service_role;

-- One row per problem; no rows = every sealed row is intact and nothing waited longer than
-- p_unsealed_grace to be sealed.
CREATE FUNCTION public.verify_audit_log_integrity(p_unsealed_grace interval)
RETURNS TABLE (log_id bigint, problem text)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  WITH chain AS (
    SELECT l.*,
           coalesce(lag(l.row_hash) OVER (ORDER BY l.seal_seq), pg_catalog.repeat('0', 64)) AS expected_prev
    FROM public.audit_log AS l
    WHERE l.seal_seq IS NOT NULL
  ),
  head AS (
    SELECT h.last_id, h.last_hash FROM public.audit_log_head AS h WHERE h.singleton
  ),
  newest AS (
    SELECT l.seal_seq, l.row_hash FROM public.audit_log AS l
    WHERE l.seal_seq IS NOT NULL ORDER BY l.seal_seq DESC LIMIT 1
  ),
  problems AS (
    SELECT c.id, pg_catalog.format('row %s: content does not match its row_hash (row modified)', c.id) AS problem
    FROM chain AS c
    WHERE c.row_hash IS DISTINCT FROM public.audit_log_hash(c.prev_hash, c.id, c.table_name, c.operation,
            c.record_id, c.old_data, c.new_data, c.changed_by, c.changed_at)
    UNION ALL
    SELECT c.id, pg_catalog.format('row %s: prev_hash does not match the previous sealed row (row inserted or deleted before it)', c.id)
    FROM chain AS c
    WHERE c.prev_hash IS DISTINCT FROM c.expected_prev
    UNION ALL
    SELECT h.last_id, 'audit_log_head does not match the newest sealed row (rows removed from the end of the log?)'
    FROM head AS h
    WHERE h.last_hash IS DISTINCT FROM coalesce((SELECT n.row_hash FROM newest AS n), pg_catalog.repeat('0', 64))
       OR h.last_id IS DISTINCT FROM (SELECT n.seal_seq FROM newest AS n)
    UNION ALL
    SELECT l.id, pg_catalog.format('row %s: not sealed %s after it was written (is the eventos-seal-audit-log job running?)',
                                   l.id, pg_catalog.date_trunc('second', pg_catalog.now() - l.changed_at))
    FROM public.audit_log AS l
    WHERE l.seal_seq IS NULL AND l.changed_at <= pg_catalog.now() - p_unsealed_grace
  )
  SELECT p.id, p.problem FROM problems AS p ORDER BY p.id NULLS LAST, p.problem
$$;
COMMENT ON FUNCTION public.verify_audit_log_integrity(interval) IS
  'Checks every sealed audit_log row and the head; reports rows unsealed for longer than p_unsealed_grace.';

CREATE OR REPLACE FUNCTION public.verify_audit_log_integrity()
RETURNS TABLE (log_id bigint, problem text)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT v.log_id, v.problem
  FROM eventos_private.settings AS s
  CROSS JOIN LATERAL public.verify_audit_log_integrity(s.audit_seal_grace) AS v
$$;

REVOKE EXECUTE ON FUNCTION public.verify_audit_log_integrity(interval) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.verify_audit_log_integrity(interval) TO service_role;
REVOKE ALL ON FUNCTION eventos_private.audit_append() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION eventos_private.audit_log_guard() FROM PUBLIC, anon, authenticated;

-- Sequences: the API roles (and the service role) never need audit_log's identity sequence
-- (only the SECURITY DEFINER writer draws from it); one setval would break every audited write.
-- Class fix in V4003 for every sequence of schema public.
