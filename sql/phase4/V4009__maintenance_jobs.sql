-- Phase 4 · scheduled maintenance.
-- eventos_private.maintenance_jobs lists every job (name eventos-*, cron schedule for pg_cron,
-- the same period as an interval for `eventos maintain` and `eventos verify`, the SQL it runs)
-- and records each run. run_maintenance_job() runs one and records the outcome. Where pg_cron
-- is installed (Supabase: schema cron), register_maintenance_jobs() schedules every job with
-- cron.schedule(), which is idempotent by job name; this migration calls it. Where it is not,
-- `eventos maintain` (from a system cron or CI) runs the jobs that are due.
--
-- Log retention: a partition of a partitioned log is dropped (detached, then dropped) once its
-- whole range is older than partition_config.retention — whether or not its events are
-- archived: these are logs, and archive_event() copies whatever log rows still exist when an
-- event is archived. Rows older than the retention in the DEFAULT partition are deleted.
-- NULL retention keeps a table's partitions forever.

ALTER TABLE public.partition_config ADD COLUMN retention interval;
COMMENT ON COLUMN public.partition_config.retention IS
  'Partitions entirely older than this are dropped by drop_expired_log_partitions() (NULL = keep).';
UPDATE public.partition_config SET retention = CASE parent_table
  WHEN 'attendee_engagements' THEN interval '13 months'
  WHEN 'chatbot_logs' THEN interval '13 months'
  WHEN 'check_in_logs' THEN interval '25 months'
  WHEN 'sentiment_scores' THEN interval '6 months'
END;

CREATE FUNCTION public.drop_expired_log_partitions(p_reference timestamptz DEFAULT now())
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_cfg      record;
  v_part     record;
  v_key      text;
  v_cutoff   timestamptz;
  v_deleted  integer;
BEGIN
  -- Detaching needs a short exclusive lock on the parent: wait at most 5 s, retry next run.
  PERFORM pg_catalog.set_config('lock_timeout', '5s', true);
  FOR v_cfg IN
    SELECT pc.parent_table, pc.retention FROM public.partition_config AS pc
    WHERE pc.retention IS NOT NULL AND pg_catalog.to_regclass(pg_catalog.format('public.%I', pc.parent_table)) IS NOT NULL
    ORDER BY pc.parent_table
  LOOP
    v_cutoff := p_reference - v_cfg.retention;
    SELECT a.attname INTO v_key
    FROM pg_catalog.pg_partitioned_table AS pt
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = pg_catalog.format('public.%I', v_cfg.parent_table)::regclass;
    FOR v_part IN
      SELECT c.relname, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_catalog.pg_inherits AS i
      JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
      WHERE i.inhparent = pg_catalog.format('public.%I', v_cfg.parent_table)::regclass
      ORDER BY c.relname
    LOOP
      IF v_part.bound = 'DEFAULT' THEN
        EXECUTE pg_catalog.format('DELETE FROM public.%I WHERE %I < $1', v_part.relname, v_key) USING v_cutoff;
        GET DIAGNOSTICS v_deleted = ROW_COUNT;
        IF v_deleted > 0 THEN
          RETURN NEXT pg_catalog.format('%s: %s rows', v_part.relname, v_deleted);
        END IF;
      ELSIF (pg_catalog.substring(v_part.bound, ' TO \(''([^'']+)''\)$'))::timestamptz <= v_cutoff THEN
        EXECUTE pg_catalog.format('ALTER TABLE public.%I DETACH PARTITION public.%I', v_cfg.parent_table, v_part.relname);
        EXECUTE pg_catalog.format('DROP TABLE public.%I', v_part.relname);
        RETURN NEXT v_part.relname;
      END IF;
    END LOOP;
  END LOOP;
  RETURN;
END;
$$;
COMMENT ON FUNCTION public.drop_expired_log_partitions(timestamptz) IS
  'Drops log partitions older than partition_config.retention (job eventos-log-retention).';
REVOKE EXECUTE ON FUNCTION public.drop_expired_log_partitions(timestamptz) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.drop_expired_log_partitions(timestamptz) TO service_role;

-- ---------------------------------------------------------------------------------------
-- Biometric data never outlives its expiry: the purge runs every 10 minutes (below), and a row
-- that is already expired is never written (a back-dated enrollment, or an UPDATE that would
-- keep a row past its time, is refused — whoever writes it).
CREATE FUNCTION eventos_private.facial_data_rules()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.expires_at <= pg_catalog.now() THEN
    RAISE EXCEPTION 'Biometric data cannot be stored past its expiry' USING ERRCODE = 'check_violation',
      HINT = 'expires_at must lie in the future; expired enrollments are deleted, not kept.';
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION eventos_private.facial_data_rules() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER trg_facial_recognition_data_expiry
  BEFORE INSERT OR UPDATE ON public.facial_recognition_data
  FOR EACH ROW EXECUTE FUNCTION eventos_private.facial_data_rules();

-- ---------------------------------------------------------------------------------------
CREATE TABLE eventos_private.maintenance_jobs (
  name              text PRIMARY KEY,
  schedule          text NOT NULL,
  every             interval NOT NULL,
  command           text NOT NULL,
  description       text NOT NULL,
  registered_at     timestamptz NOT NULL DEFAULT now(),
  last_started_at   timestamptz,
  last_finished_at  timestamptz,
  last_status       text,
  last_result       text,
  runs              bigint NOT NULL DEFAULT 0,
  CONSTRAINT maintenance_jobs_name_check CHECK (name ~ '^eventos-[a-z0-9]+(-[a-z0-9]+)*$'),
  CONSTRAINT maintenance_jobs_every_check CHECK (every >= interval '1 minute'),
  CONSTRAINT maintenance_jobs_status_check CHECK (last_status IS NULL OR last_status IN ('succeeded', 'failed'))
);
ALTER TABLE eventos_private.maintenance_jobs ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE eventos_private.maintenance_jobs FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE eventos_private.maintenance_jobs TO service_role;

INSERT INTO eventos_private.maintenance_jobs (name, schedule, every, command, description) VALUES
  ('eventos-seal-audit-log', '* * * * *', interval '1 minute',
   'SELECT public.seal_audit_log()', 'chain the new audit_log rows'),
  ('eventos-expire-orders', '*/5 * * * *', interval '5 minutes',
   'SELECT public.expire_pending_orders()', 'expire pending orders whose hold ran out, releasing their tickets'),
  ('eventos-refresh-analytics', '0 * * * *', interval '1 hour',
   'SELECT public.refresh_event_analytics_cache()', 'refresh event_analytics_cache'),
  ('eventos-maintain-partitions', '10 0 * * *', interval '1 day',
   'SELECT count(*) FROM public.create_upcoming_partitions()', 'premake the partitions of the next periods'),
  ('eventos-purge-facial-data', '*/10 * * * *', interval '10 minutes',
   'SELECT public.purge_expired_facial_data()', 'delete expired biometric enrollments'),
  ('eventos-purge-agent-memory', '40 3 * * *', interval '1 day',
   'SELECT public.purge_expired_agent_memory()', 'delete expired agent memory'),
  ('eventos-log-retention', '0 4 * * *', interval '1 day',
   'SELECT count(*) FROM public.drop_expired_log_partitions()', 'drop log partitions older than their retention'),
  ('eventos-archive-events', '0 5 1 * *', interval '1 month',
   'SELECT a.archived_count FROM eventos_private.settings AS s, public.archive_old_events((extract(epoch FROM s.archive_after) / 86400)::integer) AS a',
   'archive completed/cancelled events older than settings.archive_after');

-- Runs one job now and records the outcome; a failure is recorded (and returned), not raised,
-- so that the record survives: the job's own work is rolled back to a savepoint.
CREATE FUNCTION public.run_maintenance_job(p_name text)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_command  text;
  v_result   text;
  v_status   text := 'succeeded';
BEGIN
  SELECT j.command INTO v_command FROM eventos_private.maintenance_jobs AS j WHERE j.name = p_name;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'run_maintenance_job: no job named %', p_name USING ERRCODE = 'no_data_found';
  END IF;
  UPDATE eventos_private.maintenance_jobs
     SET last_started_at = pg_catalog.clock_timestamp(), runs = runs + 1
   WHERE name = p_name;
  BEGIN
    EXECUTE v_command INTO v_result;
  EXCEPTION WHEN OTHERS THEN
    v_status := 'failed';
    v_result := SQLERRM;
    RAISE WARNING 'maintenance job % failed: %', p_name, SQLERRM;
  END;
  UPDATE eventos_private.maintenance_jobs
     SET last_finished_at = pg_catalog.clock_timestamp(), last_status = v_status, last_result = v_result
   WHERE name = p_name;
  RETURN v_status || coalesce(': ' || v_result, '');
END;
$$;
COMMENT ON FUNCTION public.run_maintenance_job(text) IS
  'Runs maintenance job p_name (pg_cron, eventos maintain) and records its outcome. Service role.';
REVOKE EXECUTE ON FUNCTION public.run_maintenance_job(text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.run_maintenance_job(text) TO service_role;

-- Schedules every job with pg_cron when it is installed; returns how many were scheduled
-- (0 without pg_cron). cron.schedule(job_name, …) replaces a job of the same name.
CREATE FUNCTION public.register_maintenance_jobs()
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_job    record;
  v_count  integer := 0;
BEGIN
  IF pg_catalog.to_regprocedure('cron.schedule(text, text, text)') IS NULL THEN
    RETURN 0;
  END IF;
  FOR v_job IN SELECT j.name, j.schedule FROM eventos_private.maintenance_jobs AS j ORDER BY j.name LOOP
    EXECUTE 'SELECT cron.schedule($1, $2, $3)'
      USING v_job.name, v_job.schedule, pg_catalog.format('SELECT public.run_maintenance_job(%L)', v_job.name);
    v_count := v_count + 1;
  END LOOP;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION public.register_maintenance_jobs() IS
  'Schedules every eventos-* maintenance job with pg_cron (idempotent); 0 when pg_cron is absent.';
REVOKE EXECUTE ON FUNCTION public.register_maintenance_jobs() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.register_maintenance_jobs() TO service_role;

CREATE FUNCTION public.admin_maintenance_jobs()
RETURNS TABLE (name text, schedule text, every interval, description text, last_started_at timestamptz,
               last_finished_at timestamptz, last_status text, last_result text, runs bigint)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  PERFORM eventos_private.require_admin();
  RETURN QUERY
    SELECT j.name, j.schedule, j.every, j.description, j.last_started_at, j.last_finished_at,
           j.last_status, j.last_result, j.runs
    FROM eventos_private.maintenance_jobs AS j ORDER BY j.name;
END;
$$;
COMMENT ON FUNCTION public.admin_maintenance_jobs() IS 'RPC (admins): every maintenance job and its last run.';
REVOKE EXECUTE ON FUNCTION public.admin_maintenance_jobs() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.admin_maintenance_jobs() TO authenticated, service_role;

SELECT public.register_maintenance_jobs() AS jobs_scheduled_with_pg_cron;
