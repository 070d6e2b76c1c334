-- Phase 0 · reporting views, the analytics cache, monitoring views, and archiving.

-- ---------------------------------------------------------------------------------------
-- event_summary: security_invoker, so the caller's RLS applies to events/orders/tickets
-- (seed 001_ used security_barrier and a policy on the view — neither gives RLS).
-- Aggregates are taken per event in LATERAL sub-queries: joining orders and tickets in one
-- GROUP BY (as the seeds do) multiplies revenue by the number of tickets per order.
CREATE VIEW public.event_summary WITH (security_invoker = true) AS
SELECT
  e.id,
  e.organizer_id,
  e.name,
  e.slug,
  e.start_at,
  e.end_at,
  e.status,
  e.visibility,
  e.capacity,
  e.currency,
  coalesce(o.total_orders, 0)                                   AS total_orders,
  coalesce(o.revenue, 0)::numeric(14, 2)                        AS revenue,
  coalesce(t.tickets_sold, 0)                                   AS tickets_sold,
  e.capacity - coalesce(t.tickets_sold, 0)                      AS remaining_capacity,
  round(coalesce(t.tickets_sold, 0) * 100.0 / nullif(e.capacity, 0), 2) AS capacity_percentage
FROM public.events AS e
LEFT JOIN LATERAL (
  SELECT count(*) AS total_orders, sum(ord.total_amount) AS revenue
  FROM public.orders AS ord
  WHERE ord.event_id = e.id AND ord.status = 'paid'
) AS o ON true
LEFT JOIN LATERAL (
  SELECT count(*) AS tickets_sold
  FROM public.tickets AS tk
  WHERE tk.event_id = e.id AND tk.status IN ('valid', 'used')
) AS t ON true;
-- anon cannot read orders/tickets at all; the summary is an organizer tool.
REVOKE ALL ON TABLE public.event_summary FROM anon;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.event_summary FROM authenticated;

-- ---------------------------------------------------------------------------------------
-- event_analytics_cache: a materialized view (no RLS possible), therefore closed to
-- anon/authenticated; organizers read their own rows through get_event_analytics().
CREATE MATERIALIZED VIEW public.event_analytics_cache AS
SELECT
  e.id AS event_id,
  e.organizer_id,
  e.name AS event_name,
  e.start_at,
  e.status,
  coalesce(o.order_count, 0)                   AS order_count,
  coalesce(o.total_revenue, 0)::numeric(14, 2) AS total_revenue,
  coalesce(o.avg_order_value, 0)::numeric(14, 2) AS avg_order_value,
  o.first_order_at,
  o.last_order_at,
  coalesce(a.attendee_count, 0)                AS attendee_count,
  coalesce(t.ticket_count, 0)                  AS ticket_count,
  coalesce(t.checked_in_count, 0)              AS checked_in_count,
  now()                                        AS refreshed_at
FROM public.events AS e
LEFT JOIN LATERAL (
  SELECT count(*) AS order_count, sum(ord.total_amount) AS total_revenue, avg(ord.total_amount) AS avg_order_value,
         min(ord.created_at) AS first_order_at, max(ord.created_at) AS last_order_at
  FROM public.orders AS ord
  WHERE ord.event_id = e.id AND ord.status = 'paid'
) AS o ON true
LEFT JOIN LATERAL (
  SELECT count(*) AS attendee_count FROM public.attendees AS att
  WHERE att.event_id = e.id AND att.status <> 'cancelled'
) AS a ON true
LEFT JOIN LATERAL (
  SELECT count(*) FILTER (WHERE tk.status IN ('valid', 'used')) AS ticket_count,
         count(*) FILTER (WHERE tk.checked_in_at IS NOT NULL) AS checked_in_count
  FROM public.tickets AS tk
  WHERE tk.event_id = e.id
) AS t ON true
WITH DATA;

-- Unique index: required by REFRESH MATERIALIZED VIEW CONCURRENTLY.
CREATE UNIQUE INDEX event_analytics_cache_event_id_key ON public.event_analytics_cache (event_id);
CREATE INDEX idx_event_analytics_cache_organizer ON public.event_analytics_cache (organizer_id, start_at);
REVOKE ALL ON TABLE public.event_analytics_cache FROM anon, authenticated;

CREATE FUNCTION public.refresh_event_analytics_cache()
RETURNS void
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  -- CONCURRENTLY keeps readers unblocked; it relies on event_analytics_cache_event_id_key.
  REFRESH MATERIALIZED VIEW CONCURRENTLY public.event_analytics_cache;
END;
$$;
COMMENT ON FUNCTION public.refresh_event_analytics_cache() IS
  'Refreshes event_analytics_cache without blocking readers. For pg_cron / the service role.';
REVOKE EXECUTE ON FUNCTION public.refresh_event_analytics_cache() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.refresh_event_analytics_cache() TO service_role;

CREATE FUNCTION public.get_event_analytics()
RETURNS SETOF public.event_analytics_cache
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT c.* FROM public.event_analytics_cache AS c WHERE c.organizer_id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.get_event_analytics() IS
  'Cached analytics of the calling organizer''s events (the matview itself is not exposed).';
REVOKE EXECUTE ON FUNCTION public.get_event_analytics() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.get_event_analytics() TO authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- Monitoring (real catalog columns: relname / indexrelname, *_exec_time). Not for API users.
CREATE VIEW public.table_statistics WITH (security_invoker = true) AS
SELECT
  s.schemaname,
  s.relname,
  pg_size_pretty(pg_total_relation_size(s.relid)) AS total_size,
  pg_size_pretty(pg_relation_size(s.relid))       AS table_size,
  pg_size_pretty(pg_indexes_size(s.relid))        AS indexes_size,
  pg_total_relation_size(s.relid)                 AS total_bytes,
  s.n_live_tup                                    AS live_rows,
  s.n_dead_tup                                    AS dead_rows,
  round(s.n_dead_tup::numeric * 100 / nullif(s.n_live_tup, 0), 2) AS dead_row_percentage,
  s.seq_scan,
  s.idx_scan,
  s.last_vacuum,
  s.last_autovacuum,
  s.last_analyze,
  s.last_autoanalyze
FROM pg_catalog.pg_stat_user_tables AS s;

CREATE VIEW public.index_usage_statistics WITH (security_invoker = true) AS
SELECT
  s.schemaname,
  s.relname,
  s.indexrelname,
  s.idx_scan,
  s.idx_tup_read,
  s.idx_tup_fetch,
  pg_size_pretty(pg_relation_size(s.indexrelid)) AS index_size,
  CASE
    WHEN s.idx_scan = 0 THEN 'UNUSED'
    WHEN s.idx_scan < 100 THEN 'RARELY USED'
    ELSE 'USED'
  END AS usage_status
FROM pg_catalog.pg_stat_user_indexes AS s;

CREATE VIEW public.rls_coverage WITH (security_invoker = true) AS
SELECT
  n.nspname AS schemaname,
  c.relname,
  c.relkind = 'p' AS is_partitioned,
  c.relispartition AS is_partition,
  c.relrowsecurity AS rls_enabled,
  c.relforcerowsecurity AS rls_forced,
  (SELECT count(*) FROM pg_catalog.pg_policy AS p WHERE p.polrelid = c.oid) AS policy_count
FROM pg_catalog.pg_class AS c
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p');

REVOKE ALL ON TABLE public.table_statistics, public.index_usage_statistics, public.rls_coverage
  FROM anon, authenticated;

-- slow_queries exists only where pg_stat_statements is installed (it cannot be created
-- from a migration on a server that lacks it). Call again after enabling the extension.
CREATE FUNCTION public.ensure_slow_queries_view()
RETURNS boolean
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_schema text;
BEGIN
  SELECT n.nspname INTO v_schema
  FROM pg_catalog.pg_extension AS x
  JOIN pg_catalog.pg_namespace AS n ON n.oid = x.extnamespace
  WHERE x.extname = 'pg_stat_statements';
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  EXECUTE pg_catalog.format($view$
    CREATE OR REPLACE VIEW public.slow_queries WITH (security_invoker = true) AS
    SELECT s.queryid,
           left(s.query, 200)                     AS query_preview,
           s.calls,
           round(s.total_exec_time::numeric, 2)   AS total_exec_time_ms,
           round(s.mean_exec_time::numeric, 2)    AS mean_exec_time_ms,
           round(s.max_exec_time::numeric, 2)     AS max_exec_time_ms,
           s.rows
    FROM %I.pg_stat_statements AS s
    WHERE s.mean_exec_time > 100
    ORDER BY s.mean_exec_time DESC
    LIMIT 20
  $view$, v_schema);
  EXECUTE 'REVOKE ALL ON TABLE public.slow_queries FROM anon, authenticated';
  RETURN true;
END;
$$;
REVOKE EXECUTE ON FUNCTION public.ensure_slow_queries_view() FROM PUBLIC, anon, authenticated;
SELECT public.ensure_slow_queries_view();

-- ---------------------------------------------------------------------------------------
-- Archiving (seed 001_ §6, rewritten). Events are moved with their row; everything that
-- cascades from events (sessions, tiers, attendees, marketing …) goes with the event.
-- Events still referenced by financial records (orders, sponsorships: ON DELETE RESTRICT)
-- are skipped, not force-deleted.
CREATE TABLE public.events_archive (
  LIKE public.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
  archived_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT events_archive_pkey PRIMARY KEY (id)
);
CREATE INDEX idx_events_archive_organizer_id ON public.events_archive (organizer_id);
ALTER TABLE public.events_archive ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.events_archive FROM anon;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.events_archive FROM authenticated;
CREATE POLICY events_archive_select_own ON public.events_archive FOR SELECT TO authenticated
  USING (organizer_id = (SELECT auth.uid()));

CREATE FUNCTION public.archive_old_events(p_days_old integer DEFAULT 730)
RETURNS TABLE (archived_count integer, skipped_count integer, archived_ids uuid[])
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_event   record;
  v_ids     uuid[] := '{}';
  v_skipped integer := 0;
BEGIN
  IF p_days_old IS NULL OR p_days_old < 0 THEN
    RAISE EXCEPTION 'archive_old_events: p_days_old must be >= 0 (got %)', p_days_old;
  END IF;
  FOR v_event IN
    SELECT e.id FROM public.events AS e
    WHERE e.status IN ('completed', 'cancelled')
      AND e.end_at < pg_catalog.now() - pg_catalog.make_interval(days => p_days_old)
    ORDER BY e.end_at
    FOR UPDATE
  LOOP
    BEGIN
      INSERT INTO public.events_archive
        (id, organizer_id, name, slug, description, start_at, end_at, venue_id, status, visibility,
         capacity, currency, settings, created_at, updated_at, archived_at)
      SELECT e.id, e.organizer_id, e.name, e.slug, e.description, e.start_at, e.end_at, e.venue_id, e.status,
             e.visibility, e.capacity, e.currency, e.settings, e.created_at, e.updated_at, pg_catalog.now()
      FROM public.events AS e WHERE e.id = v_event.id;
      DELETE FROM public.events WHERE id = v_event.id;
      v_ids := v_ids || v_event.id;
    EXCEPTION WHEN foreign_key_violation OR restrict_violation THEN
      v_skipped := v_skipped + 1;  -- still referenced by orders / sponsorships
    END;
  END LOOP;
  RETURN QUERY SELECT coalesce(pg_catalog.array_length(v_ids, 1), 0), v_skipped, v_ids;
END;
$$;
COMMENT ON FUNCTION public.archive_old_events(integer) IS
  'Moves completed/cancelled events that ended more than p_days_old days ago into events_archive; skips events with financial records.';
REVOKE EXECUTE ON FUNCTION public.archive_old_events(integer) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.archive_old_events(integer) TO service_role;
