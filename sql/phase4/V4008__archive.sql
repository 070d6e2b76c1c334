-- Phase 4 · archiving that loses nothing, and un-archiving.
-- archive_event() copies an event and every row that hangs off it — found by walking the
-- foreign keys that point at events, directly or through other rows (sessions, tiers, orders,
-- payments, tickets, attendees, feedback, sponsorships, logs …; a table added later is
-- followed too) — into ONE jsonb document (eventos_private.event_archives), records the
-- references that ON DELETE SET NULL would cut (wizard sessions, generation history …), then
-- deletes the rows children first, with triggers on (the deletions are audited, inventory
-- counters follow). unarchive_event() puts everything back exactly (same ids, same counters)
-- with triggers on as well (audited; counters recounted and compared), needing no superuser
-- setting, and re-links the cut references; it refuses if a referenced row (a venue, a sponsor,
-- a user) has disappeared meanwhile. Biometric rows (facial_recognition_data) are deleted, never
-- copied: an archive must not outlive their consent.

CREATE TABLE eventos_private.event_archives (
  event_id      uuid PRIMARY KEY,
  organizer_id  uuid NOT NULL,
  archived_at   timestamptz NOT NULL DEFAULT now(),
  row_count     integer NOT NULL,
  document      jsonb NOT NULL,
  CONSTRAINT event_archives_format_check CHECK (document ->> 'format' = '1')
);
CREATE INDEX idx_event_archives_organizer_id ON eventos_private.event_archives (organizer_id);
ALTER TABLE eventos_private.event_archives ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE eventos_private.event_archives FROM PUBLIC, anon, authenticated;
GRANT SELECT ON TABLE eventos_private.event_archives TO service_role;

-- The tables owned by an event: every table reachable from public.events through foreign keys
-- whose ON DELETE is CASCADE / RESTRICT / NO ACTION, with its depth (longest FK path from
-- events, so parents always come before children), primary key and owning FK edges.
CREATE FUNCTION eventos_private.archive_tables()
RETURNS TABLE (tbl regclass, depth integer, pk_columns text[])
LANGUAGE plpgsql
SET search_path = ''
AS $$
#variable_conflict use_column
DECLARE
  v_changed  boolean := true;
  v_rounds   integer := 0;
BEGIN
  CREATE TEMP TABLE IF NOT EXISTS eventos_archive_depth (tbl oid PRIMARY KEY, depth integer NOT NULL) ON COMMIT DROP;
  TRUNCATE pg_temp.eventos_archive_depth;
  INSERT INTO pg_temp.eventos_archive_depth VALUES ('public.events'::regclass, 0);
  WHILE v_changed AND v_rounds < 100 LOOP
    v_rounds := v_rounds + 1;
    WITH edges AS (
      SELECT DISTINCT k.conrelid AS child, k.confrelid AS parent
      FROM pg_catalog.pg_constraint AS k
      JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
      WHERE k.contype = 'f' AND k.conparentid = 0 AND k.confdeltype IN ('c', 'r', 'a')
        AND k.conrelid <> k.confrelid AND NOT c.relispartition
    ), candidates AS (
      SELECT e.child, max(d.depth) + 1 AS depth
      FROM edges AS e JOIN pg_temp.eventos_archive_depth AS d ON d.tbl = e.parent
      GROUP BY e.child
    ), upserted AS (
      INSERT INTO pg_temp.eventos_archive_depth AS d (tbl, depth)
      SELECT c.child, c.depth FROM candidates AS c
      ON CONFLICT (tbl) DO UPDATE SET depth = excluded.depth WHERE d.depth < excluded.depth
      RETURNING 1
    )
    SELECT count(*) > 0 INTO v_changed FROM upserted;
  END LOOP;
  RETURN QUERY
    SELECT d.tbl::regclass, d.depth,
           ARRAY(SELECT a.attname::text
                 FROM pg_catalog.pg_constraint AS p
                 CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS u(attnum, ord)
                 JOIN pg_catalog.pg_attribute AS a ON a.attrelid = p.conrelid AND a.attnum = u.attnum
                 WHERE p.conrelid = d.tbl AND p.contype = 'p' ORDER BY u.ord)
    FROM pg_temp.eventos_archive_depth AS d
    ORDER BY d.depth, d.tbl::regclass::text;
END;
$$;

-- The column lists of FK k, as a "(c.col1, c.col2) IN (SELECT (x).pcol1, (x).pcol2 …)" test
-- against the rows of the parent already collected.
CREATE FUNCTION eventos_private.archive_fk_match(p_fk oid, p_alias text)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT pg_catalog.format('(%s) IN (SELECT %s FROM pg_temp.eventos_archive_rows AS r, jsonb_populate_record(NULL::%s, r.data) AS x WHERE r.tbl = %L::regclass)',
           pg_catalog.string_agg(pg_catalog.format('%I.%I', p_alias, ca.attname), ', ' ORDER BY u.ord),
           pg_catalog.string_agg(pg_catalog.format('(x).%I', pa.attname), ', ' ORDER BY u.ord),
           k.confrelid::regclass, k.confrelid::regclass)
  FROM pg_catalog.pg_constraint AS k
  CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(ck, pk, ord)
  JOIN pg_catalog.pg_attribute AS ca ON ca.attrelid = k.conrelid AND ca.attnum = u.ck
  JOIN pg_catalog.pg_attribute AS pa ON pa.attrelid = k.confrelid AND pa.attnum = u.pk
  WHERE k.oid = p_fk
  GROUP BY k.confrelid
$$;

-- Phase 0's date rule, except while unarchive_event() restores an event that started long ago
-- (eventos.restoring, honoured only outside the API roles; no API-reachable SECURITY DEFINER
-- function inserts events).
CREATE OR REPLACE FUNCTION public.validate_event_dates()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF NEW.end_at <= NEW.start_at THEN
    RAISE EXCEPTION 'Event end date (%) must be after start date (%)', NEW.end_at, NEW.start_at
      USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.start_at < pg_catalog.now()
     AND NOT (pg_catalog.current_setting('eventos.restoring', true) = 'on'
              AND CURRENT_USER NOT IN ('anon', 'authenticated')) THEN
    RAISE EXCEPTION 'New event start date (%) cannot be in the past', NEW.start_at
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END;
$$;

-- Phase 0's modification stamps, except during the restore: the triggers that recount the
-- restored counters update those rows, which must keep their archived updated_at.
CREATE OR REPLACE FUNCTION public.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF pg_catalog.current_setting('eventos.restoring', true) = 'on' AND CURRENT_USER NOT IN ('anon', 'authenticated') THEN
    RETURN NEW;
  END IF;
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION public.update_last_updated_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  IF pg_catalog.current_setting('eventos.restoring', true) = 'on' AND CURRENT_USER NOT IN ('anon', 'authenticated') THEN
    RETURN NEW;
  END IF;
  NEW.last_updated := pg_catalog.now();
  RETURN NEW;
END;
$$;

CREATE FUNCTION public.archive_event(p_event_id uuid)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_event    public.events;
  v_t        record;
  v_fk       record;
  v_added    integer;
  v_total    integer := 0;
  v_tables   jsonb;
  v_links    jsonb;
  v_excluded regclass[] := ARRAY['public.facial_recognition_data'::regclass];
BEGIN
  SELECT e.* INTO v_event FROM public.events AS e WHERE e.id = p_event_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'archive_event: no event %', p_event_id USING ERRCODE = 'no_data_found';
  END IF;
  IF v_event.status NOT IN ('completed', 'cancelled') THEN
    RAISE EXCEPTION 'archive_event: event % is %, only completed or cancelled events are archived', p_event_id, v_event.status
      USING ERRCODE = 'check_violation';
  END IF;

  CREATE TEMP TABLE IF NOT EXISTS eventos_archive_rows (
    tbl regclass NOT NULL, depth integer NOT NULL, row_key text NOT NULL, data jsonb NOT NULL,
    PRIMARY KEY (tbl, row_key)) ON COMMIT DROP;
  TRUNCATE pg_temp.eventos_archive_rows;
  CREATE TEMP TABLE IF NOT EXISTS eventos_archive_graph (tbl regclass PRIMARY KEY, depth integer, pk_columns text[]) ON COMMIT DROP;
  TRUNCATE pg_temp.eventos_archive_graph;
  INSERT INTO pg_temp.eventos_archive_graph SELECT * FROM eventos_private.archive_tables();

  INSERT INTO pg_temp.eventos_archive_rows VALUES ('public.events'::regclass, 0, md5(to_jsonb(v_event)::text), to_jsonb(v_event));

  -- Collect, parents first; a table that references itself is followed to a fixed point.
  FOR v_t IN SELECT g.* FROM pg_temp.eventos_archive_graph AS g WHERE g.depth > 0 ORDER BY g.depth, g.tbl::text LOOP
    LOOP
      v_added := 0;
      FOR v_fk IN
        SELECT k.oid FROM pg_catalog.pg_constraint AS k
        WHERE k.conrelid = v_t.tbl AND k.contype = 'f' AND k.conparentid = 0 AND k.confdeltype IN ('c', 'r', 'a')
          AND k.confrelid IN (SELECT g.tbl FROM pg_temp.eventos_archive_graph AS g)
      LOOP
        EXECUTE pg_catalog.format(
          'INSERT INTO pg_temp.eventos_archive_rows SELECT %L::regclass, %s, md5(to_jsonb(c)::text), to_jsonb(c) FROM %s AS c WHERE %s ON CONFLICT DO NOTHING',
          v_t.tbl, v_t.depth, v_t.tbl, eventos_private.archive_fk_match(v_fk.oid, 'c'));
        GET DIAGNOSTICS v_total = ROW_COUNT;
        v_added := v_added + v_total;
      END LOOP;
      EXIT WHEN v_added = 0 OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS k
                                           WHERE k.conrelid = v_t.tbl AND k.confrelid = v_t.tbl AND k.contype = 'f');
    END LOOP;
  END LOOP;

  -- References that ON DELETE SET NULL / SET DEFAULT would cut, from rows that stay.
  v_links := '[]'::jsonb;
  FOR v_fk IN
    SELECT k.oid, k.conrelid::regclass AS tbl,
           ARRAY(SELECT a.attname::text FROM unnest(coalesce(k.confdelsetcols, k.conkey)) AS s(n)
                 JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = s.n) AS cut,
           ARRAY(SELECT a.attname::text FROM pg_catalog.pg_constraint AS p
                 CROSS JOIN LATERAL unnest(p.conkey) AS s(n)
                 JOIN pg_catalog.pg_attribute AS a ON a.attrelid = p.conrelid AND a.attnum = s.n
                 WHERE p.conrelid = k.conrelid AND p.contype = 'p') AS pk
    FROM pg_catalog.pg_constraint AS k
    JOIN pg_catalog.pg_class AS c ON c.oid = k.conrelid
    WHERE k.contype = 'f' AND k.conparentid = 0 AND k.confdeltype IN ('n', 'd') AND NOT c.relispartition
      AND k.confrelid IN (SELECT g.tbl FROM pg_temp.eventos_archive_graph AS g)
  LOOP
    EXECUTE pg_catalog.format(
      'SELECT coalesce(jsonb_agg(jsonb_build_object(''table'', %L, ''key'', (SELECT jsonb_object_agg(k, to_jsonb(c) -> k) FROM unnest(%L::text[]) AS k), ''set'', (SELECT jsonb_object_agg(k, to_jsonb(c) -> k) FROM unnest(%L::text[]) AS k))), ''[]'') FROM %s AS c WHERE %s AND NOT EXISTS (SELECT 1 FROM pg_temp.eventos_archive_rows AS r WHERE r.tbl = %L::regclass AND r.row_key = md5(to_jsonb(c)::text))',
      v_fk.tbl::text, v_fk.pk, v_fk.cut, v_fk.tbl, eventos_private.archive_fk_match(v_fk.oid, 'c'), v_fk.tbl)
      INTO v_tables;
    v_links := v_links || v_tables;
  END LOOP;

  SELECT jsonb_agg(jsonb_build_object('table', g.tbl::text, 'depth', g.depth, 'rows', coalesce(r.rows, '[]'::jsonb))
                   ORDER BY g.depth, g.tbl::text),
         sum(coalesce(r.n, 0))
    INTO v_tables, v_total
  FROM pg_temp.eventos_archive_graph AS g
  LEFT JOIN (SELECT x.tbl, jsonb_agg(x.data ORDER BY x.row_key) AS rows, count(*) AS n
             FROM pg_temp.eventos_archive_rows AS x GROUP BY x.tbl) AS r ON r.tbl = g.tbl
  WHERE g.tbl <> ALL (v_excluded);

  INSERT INTO eventos_private.event_archives (event_id, organizer_id, row_count, document)
  VALUES (v_event.id, v_event.organizer_id, v_total,
          jsonb_build_object('format', '1', 'event_id', v_event.id, 'archived_at', pg_catalog.now(),
                             'tables', v_tables, 'links', v_links));
  INSERT INTO public.events_archive
    (id, organizer_id, name, slug, description, start_at, end_at, venue_id, status, visibility,
     capacity, currency, settings, created_at, updated_at, archived_at)
  VALUES (v_event.id, v_event.organizer_id, v_event.name, v_event.slug, v_event.description, v_event.start_at,
          v_event.end_at, v_event.venue_id, v_event.status, v_event.visibility, v_event.capacity, v_event.currency,
          v_event.settings, v_event.created_at, v_event.updated_at, pg_catalog.now())
  ON CONFLICT (id) DO UPDATE SET archived_at = excluded.archived_at;

  -- Delete children first (triggers on: audited, counters released), then the event.
  FOR v_t IN SELECT g.* FROM pg_temp.eventos_archive_graph AS g ORDER BY g.depth DESC, g.tbl::text DESC LOOP
    EXECUTE pg_catalog.format(
      'DELETE FROM %s AS c USING (SELECT x.* FROM pg_temp.eventos_archive_rows AS r, jsonb_populate_record(NULL::%s, r.data) AS x WHERE r.tbl = %L::regclass) AS d WHERE (%s) = (%s)',
      v_t.tbl, v_t.tbl, v_t.tbl,
      (SELECT pg_catalog.string_agg(pg_catalog.format('c.%I', k), ', ') FROM unnest(v_t.pk_columns) AS k),
      (SELECT pg_catalog.string_agg(pg_catalog.format('d.%I', k), ', ') FROM unnest(v_t.pk_columns) AS k));
  END LOOP;
  RETURN v_total;
END;
$$;
COMMENT ON FUNCTION public.archive_event(uuid) IS
  'Copies a completed/cancelled event and everything that belongs to it into one jsonb document, then deletes it. Service role.';

CREATE FUNCTION public.unarchive_event(p_event_id uuid)
RETURNS integer
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_doc       jsonb;
  v_part      jsonb;
  v_link      jsonb;
  v_cols      text;
  v_count     integer := 0;
  v_n         integer;
  v_fk        record;
  v_orphan    boolean;
  v_rounds    integer := 0;
  v_t         record;
  v_rows      jsonb;
  -- Columns maintained by triggers: restored as zero, the triggers count them up again, and
  -- the result must equal the archived value.
  v_counters  jsonb := '{"public.ticket_tiers": "sold_count", "public.orders": "tickets_issued",
                         "public.networking_events": "participant_count"}';
BEGIN
  SELECT a.document INTO v_doc FROM eventos_private.event_archives AS a WHERE a.event_id = p_event_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unarchive_event: no archive of event %', p_event_id USING ERRCODE = 'no_data_found';
  END IF;

  CREATE TEMP TABLE IF NOT EXISTS eventos_restore_parts (
    tbl regclass PRIMARY KEY, depth integer NOT NULL, rows jsonb NOT NULL) ON COMMIT DROP;
  TRUNCATE pg_temp.eventos_restore_parts;
  INSERT INTO pg_temp.eventos_restore_parts
  SELECT (t.value ->> 'table')::regclass, 0, t.value -> 'rows'
  FROM jsonb_array_elements(v_doc -> 'tables') AS t
  WHERE jsonb_array_length(t.value -> 'rows') > 0;

  -- Rows outside the archive that the restored rows reference (a venue, a sponsor, a user …)
  -- must still exist.
  FOR v_fk IN
    SELECT k.conname, k.conrelid::regclass AS tbl, k.confrelid::regclass AS parent, r.rows,
           (SELECT pg_catalog.string_agg(pg_catalog.format('c.%I IS NOT NULL', a.attname), ' AND ')
            FROM unnest(k.conkey) AS s(n) JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = s.n) AS not_null,
           (SELECT pg_catalog.string_agg(pg_catalog.format('p.%I = c.%I', pa.attname, ca.attname), ' AND ')
            FROM unnest(k.conkey, k.confkey) AS u(ck, pk)
            JOIN pg_catalog.pg_attribute AS ca ON ca.attrelid = k.conrelid AND ca.attnum = u.ck
            JOIN pg_catalog.pg_attribute AS pa ON pa.attrelid = k.confrelid AND pa.attnum = u.pk) AS joined
    FROM pg_catalog.pg_constraint AS k
    JOIN pg_temp.eventos_restore_parts AS r ON r.tbl = k.conrelid
    WHERE k.contype = 'f' AND k.conparentid = 0
      AND k.confrelid NOT IN (SELECT x.tbl FROM pg_temp.eventos_restore_parts AS x)
  LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM jsonb_populate_recordset(NULL::%s, $1) AS c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s AS p WHERE %s))',
                              v_fk.tbl, v_fk.not_null, v_fk.parent, v_fk.joined)
      INTO v_orphan USING v_fk.rows;
    IF v_orphan THEN
      RAISE EXCEPTION 'unarchive_event: % rows reference % rows that no longer exist (constraint %)', v_fk.tbl, v_fk.parent, v_fk.conname
        USING ERRCODE = 'foreign_key_violation', HINT = 'Restore or recreate the referenced rows, then un-archive again.';
    END IF;
  END LOOP;

  -- Insert order: every table after the tables it references (all foreign keys between the
  -- archived tables, not only the ones that made it part of the event), so that the foreign
  -- keys hold row by row.
  LOOP
    v_rounds := v_rounds + 1;
    UPDATE pg_temp.eventos_restore_parts AS o SET depth = d.depth
    FROM (SELECT k.conrelid AS tbl, max(p.depth) + 1 AS depth
          FROM pg_catalog.pg_constraint AS k
          JOIN pg_temp.eventos_restore_parts AS p ON p.tbl = k.confrelid
          WHERE k.contype = 'f' AND k.conparentid = 0 AND k.conrelid <> k.confrelid
          GROUP BY k.conrelid) AS d
    WHERE o.tbl = d.tbl AND o.depth < d.depth;
    EXIT WHEN NOT FOUND;
    IF v_rounds > 100 THEN
      RAISE EXCEPTION 'unarchive_event: the archived tables reference each other in a cycle';
    END IF;
  END LOOP;

  -- The rows go back with triggers on, like any insert (audited, counters counted). Rules that
  -- judge new data by today's clock (an event starting in the past, a hold, a calendar that
  -- has moved on since) stand aside for the restore: eventos.restoring, honoured only outside
  -- the API roles.
  PERFORM pg_catalog.set_config('eventos.restoring', 'on', true);
  FOR v_t IN SELECT r.* FROM pg_temp.eventos_restore_parts AS r ORDER BY r.depth, r.tbl::text LOOP
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = v_t.tbl AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND (v_t.rows -> 0) ? a.attname;
    v_rows := v_t.rows;
    IF v_counters ? v_t.tbl::text THEN
      SELECT jsonb_agg(x.value || jsonb_build_object(v_counters ->> v_t.tbl::text, 0)) INTO v_rows
      FROM jsonb_array_elements(v_t.rows) AS x;
    END IF;
    EXECUTE pg_catalog.format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1)',
                              v_t.tbl, v_cols, v_cols, v_t.tbl)
      USING v_rows;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_count := v_count + v_n;
  END LOOP;
  FOR v_link IN SELECT l.value FROM jsonb_array_elements(v_doc -> 'links') AS l LOOP
    EXECUTE pg_catalog.format('UPDATE %s AS c SET %s WHERE %s',
      v_link ->> 'table',
      (SELECT pg_catalog.string_agg(pg_catalog.format('%I = (jsonb_populate_record(NULL::%s, $1)).%I', s.key, v_link ->> 'table', s.key), ', ')
       FROM jsonb_each(v_link -> 'set') AS s),
      (SELECT pg_catalog.string_agg(pg_catalog.format('c.%I = (jsonb_populate_record(NULL::%s, $2)).%I', k.key, v_link ->> 'table', k.key), ' AND ')
       FROM jsonb_each(v_link -> 'key') AS k)
        || ' AND ' ||
      (SELECT pg_catalog.string_agg(pg_catalog.format('c.%I IS NULL', s.key), ' AND ') FROM jsonb_each(v_link -> 'set') AS s))
      USING v_link -> 'set', v_link -> 'key';
  END LOOP;
  PERFORM pg_catalog.set_config('eventos.restoring', '', true);

  -- The counters the triggers rebuilt must be the archived ones.
  FOR v_t IN SELECT r.* FROM pg_temp.eventos_restore_parts AS r WHERE v_counters ? r.tbl::text LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM jsonb_populate_recordset(NULL::%s, $1) AS a JOIN %s AS t ON t.id = a.id WHERE t.%I IS DISTINCT FROM a.%I)',
                              v_t.tbl, v_t.tbl, v_counters ->> v_t.tbl::text, v_counters ->> v_t.tbl::text)
      INTO v_orphan USING v_t.rows;
    IF v_orphan THEN
      RAISE EXCEPTION 'unarchive_event: %.% recounted from the restored rows differs from the archive', v_t.tbl, v_counters ->> v_t.tbl::text
        USING ERRCODE = 'data_corrupted', HINT = 'The archived rows were inconsistent; restore them by hand.';
    END IF;
  END LOOP;

  DELETE FROM eventos_private.event_archives WHERE event_id = p_event_id;
  DELETE FROM public.events_archive WHERE id = p_event_id;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION public.unarchive_event(uuid) IS
  'Restores an archived event exactly (same ids) from its archive document and deletes the archive. Service role.';

-- Phase 0's archive_old_events() skipped events with orders or sponsorships and let the others'
-- children CASCADE away; now every due event is archived whole. Same signature and result.
CREATE OR REPLACE FUNCTION public.archive_old_events(p_days_old integer DEFAULT 730)
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
  LOOP
    BEGIN
      PERFORM public.archive_event(v_event.id);
      v_ids := v_ids || v_event.id;
    EXCEPTION WHEN OTHERS THEN
      v_skipped := v_skipped + 1;
      RAISE WARNING 'archive_old_events: event % not archived: %', v_event.id, SQLERRM;
    END;
  END LOOP;
  RETURN QUERY SELECT coalesce(pg_catalog.array_length(v_ids, 1), 0), v_skipped, v_ids;
END;
$$;
COMMENT ON FUNCTION public.archive_old_events(integer) IS
  'Archives (archive_event) every completed/cancelled event that ended more than p_days_old days ago; skipped = failures (warned).';

REVOKE ALL ON FUNCTION eventos_private.archive_tables() FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION eventos_private.archive_fk_match(oid, text) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.archive_event(uuid) FROM PUBLIC, anon, authenticated;
REVOKE EXECUTE ON FUNCTION public.unarchive_event(uuid) FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.archive_event(uuid) TO service_role;
GRANT EXECUTE ON FUNCTION public.unarchive_event(uuid) TO service_role;
