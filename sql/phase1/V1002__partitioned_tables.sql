-- Phase 1 · time partitioning (ERD "Partitioning Strategy") and its maintenance.
-- Partitioned tables: PK = (id, partition key) as PostgreSQL requires, so no FK points AT
-- them (nothing in the ERD needs to). FKs FROM them to regular tables are fine.
-- Every partitioned table gets a DEFAULT partition (rows outside the premade range land
-- there instead of failing) and create_upcoming_partitions() premakes the next periods,
-- moving any rows that already landed in the default partition into the new partition.

-- Which parents to maintain. Rows are added by the phase that creates the parent.
CREATE TABLE public.partition_config (
  parent_table  text PRIMARY KEY,
  granularity   text NOT NULL,
  premake       integer NOT NULL DEFAULT 3,
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT partition_config_granularity_check CHECK (granularity IN ('week', 'month')),
  CONSTRAINT partition_config_premake_check CHECK (premake BETWEEN 1 AND 24)
);
ALTER TABLE public.partition_config ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.partition_config FROM anon, authenticated;
COMMENT ON TABLE public.partition_config IS
  'Partitioned tables maintained by create_upcoming_partitions(); service/ops only (no policies).';

-- Creates the partitions for the current period and the next `premake` periods of every
-- configured parent (boundaries at UTC midnight; weeks start on Monday). Idempotent: an
-- existing partition is left alone. Each new partition gets RLS enabled and no API grants.
-- SECURITY DEFINER because only the table owner may add partitions; for pg_cron and the
-- service role only.
CREATE FUNCTION public.create_upcoming_partitions(
  p_reference timestamptz DEFAULT now(),
  p_parent text DEFAULT NULL)          -- NULL = every configured parent
RETURNS SETOF text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_cfg      record;
  v_key      text;
  v_default  text;
  v_step     interval;
  v_base     timestamp;
  v_lower    timestamptz;
  v_upper    timestamptz;
  v_name     text;
  v_moving   boolean;
BEGIN
  FOR v_cfg IN
    SELECT * FROM public.partition_config AS pc
    WHERE p_parent IS NULL OR pc.parent_table = p_parent
    ORDER BY pc.parent_table
  LOOP
    IF pg_catalog.to_regclass(pg_catalog.format('public.%I', v_cfg.parent_table)) IS NULL THEN
      CONTINUE;
    END IF;

    SELECT a.attname INTO v_key
    FROM pg_catalog.pg_partitioned_table AS pt
    JOIN pg_catalog.pg_attribute AS a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
    WHERE pt.partrelid = pg_catalog.format('public.%I', v_cfg.parent_table)::regclass
      AND pt.partstrat = 'r' AND pt.partnatts = 1;
    IF v_key IS NULL THEN
      RAISE EXCEPTION 'create_upcoming_partitions: % is not range-partitioned on one column', v_cfg.parent_table;
    END IF;

    SELECT c.relname INTO v_default
    FROM pg_catalog.pg_inherits AS i
    JOIN pg_catalog.pg_class AS c ON c.oid = i.inhrelid
    WHERE i.inhparent = pg_catalog.format('public.%I', v_cfg.parent_table)::regclass
      AND pg_catalog.pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT';

    v_step := CASE v_cfg.granularity WHEN 'week' THEN interval '1 week' ELSE interval '1 month' END;
    v_base := pg_catalog.date_trunc(v_cfg.granularity, p_reference AT TIME ZONE 'UTC');

    FOR i IN 0 .. v_cfg.premake LOOP
      v_lower := (v_base + v_step * i) AT TIME ZONE 'UTC';
      v_upper := (v_base + v_step * (i + 1)) AT TIME ZONE 'UTC';
      v_name := v_cfg.parent_table || '_p' ||
                pg_catalog.to_char(v_base + v_step * i,
                                   CASE v_cfg.granularity WHEN 'week' THEN 'YYYY_MM_DD' ELSE 'YYYY_MM' END);
      IF pg_catalog.to_regclass(pg_catalog.format('public.%I', v_name)) IS NOT NULL THEN
        CONTINUE;
      END IF;

      v_moving := false;
      IF v_default IS NOT NULL THEN
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE %I >= $1 AND %I < $2)',
                                  v_default, v_key, v_key)
          INTO v_moving USING v_lower, v_upper;
      END IF;

      IF v_moving THEN
        -- Rows for this range already sit in the default partition: move them into a new
        -- table, then attach it (attaching validates both the new partition and the default).
        EXECUTE pg_catalog.format('CREATE TABLE public.%I (LIKE public.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                                  v_name, v_cfg.parent_table);
        EXECUTE pg_catalog.format(
          'WITH moved AS (DELETE FROM public.%I WHERE %I >= $1 AND %I < $2 RETURNING *) INSERT INTO public.%I SELECT * FROM moved',
          v_default, v_key, v_key, v_name) USING v_lower, v_upper;
        EXECUTE pg_catalog.format('ALTER TABLE public.%I ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
                                  v_cfg.parent_table, v_name, v_lower, v_upper);
      ELSE
        EXECUTE pg_catalog.format('CREATE TABLE public.%I PARTITION OF public.%I FOR VALUES FROM (%L) TO (%L)',
                                  v_name, v_cfg.parent_table, v_lower, v_upper);
      END IF;
      EXECUTE pg_catalog.format('ALTER TABLE public.%I ENABLE ROW LEVEL SECURITY', v_name);
      EXECUTE pg_catalog.format('REVOKE ALL ON TABLE public.%I FROM anon, authenticated', v_name);
      RETURN NEXT v_name;
    END LOOP;
  END LOOP;
  RETURN;
END;
$$;
COMMENT ON FUNCTION public.create_upcoming_partitions(timestamptz, text) IS
  'Premakes partitions of every table in partition_config (idempotent). Schedule monthly, e.g. pg_cron.';
REVOKE EXECUTE ON FUNCTION public.create_upcoming_partitions(timestamptz, text) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.create_upcoming_partitions(timestamptz, text) TO service_role;

-- ---------------------------------------------------------------------------------------
-- attendee_engagements: monthly by "timestamp".
CREATE TABLE public.attendee_engagements (
  id           uuid NOT NULL DEFAULT gen_random_uuid(),
  event_id     uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  attendee_id  uuid NOT NULL,
  action_type  text NOT NULL,
  "timestamp"  timestamptz NOT NULL DEFAULT now(),
  metadata     jsonb NOT NULL DEFAULT '{}'::jsonb,
  ip_address   inet,
  user_agent   text,
  CONSTRAINT attendee_engagements_pkey PRIMARY KEY (id, "timestamp"),
  CONSTRAINT attendee_engagements_attendee_fkey FOREIGN KEY (attendee_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE CASCADE,
  CONSTRAINT attendee_engagements_action_type_check CHECK (action_type IN
    ('page_view', 'session_join', 'session_leave', 'question_asked', 'poll_answered', 'chat_message',
     'booth_visit', 'download', 'click', 'reaction', 'share', 'other'))
) PARTITION BY RANGE ("timestamp");
CREATE INDEX idx_attendee_engagements_event_id ON public.attendee_engagements (event_id, "timestamp");
CREATE INDEX idx_attendee_engagements_attendee_id_event_id ON public.attendee_engagements (attendee_id, event_id);
CREATE INDEX idx_attendee_engagements_ts_brin ON public.attendee_engagements USING brin ("timestamp");
CREATE INDEX idx_attendee_engagements_metadata ON public.attendee_engagements USING gin (metadata jsonb_path_ops);
ALTER TABLE public.attendee_engagements ENABLE ROW LEVEL SECURITY;

CREATE TABLE public.attendee_engagements_default PARTITION OF public.attendee_engagements DEFAULT;
ALTER TABLE public.attendee_engagements_default ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.attendee_engagements_default FROM anon, authenticated;

-- chatbot_logs: monthly by created_at.
CREATE TABLE public.chatbot_logs (
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  conversation_id      text NOT NULL,
  attendee_id          uuid,
  event_id             uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  messages_json        jsonb NOT NULL DEFAULT '[]'::jsonb,
  resolved             boolean NOT NULL DEFAULT false,
  escalated            boolean NOT NULL DEFAULT false,
  satisfaction_rating  smallint,
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT chatbot_logs_pkey PRIMARY KEY (id, created_at),
  CONSTRAINT chatbot_logs_attendee_fkey FOREIGN KEY (attendee_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE SET NULL (attendee_id),
  CONSTRAINT chatbot_logs_messages_check CHECK (jsonb_typeof(messages_json) = 'array'),
  CONSTRAINT chatbot_logs_rating_check CHECK (satisfaction_rating IS NULL OR satisfaction_rating BETWEEN 1 AND 5)
) PARTITION BY RANGE (created_at);
CREATE INDEX idx_chatbot_logs_event_id ON public.chatbot_logs (event_id, created_at);
CREATE INDEX idx_chatbot_logs_attendee_id_event_id ON public.chatbot_logs (attendee_id, event_id);
CREATE INDEX idx_chatbot_logs_conversation_id ON public.chatbot_logs (conversation_id);
CREATE INDEX idx_chatbot_logs_escalated_open ON public.chatbot_logs (event_id) WHERE escalated AND NOT resolved;
CREATE INDEX idx_chatbot_logs_created_at_brin ON public.chatbot_logs USING brin (created_at);
CREATE TRIGGER trg_chatbot_logs_updated_at BEFORE UPDATE ON public.chatbot_logs
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
ALTER TABLE public.chatbot_logs ENABLE ROW LEVEL SECURITY;

CREATE TABLE public.chatbot_logs_default PARTITION OF public.chatbot_logs DEFAULT;
ALTER TABLE public.chatbot_logs_default ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.chatbot_logs_default FROM anon, authenticated;

INSERT INTO public.partition_config (parent_table, granularity, premake) VALUES
  ('attendee_engagements', 'month', 3),
  ('chatbot_logs', 'month', 3);
SELECT count(*) AS partitions_created FROM public.create_upcoming_partitions(now(), 'attendee_engagements');
SELECT count(*) AS partitions_created FROM public.create_upcoming_partitions(now(), 'chatbot_logs');
