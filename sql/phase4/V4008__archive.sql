-- Phase 4 · archiving that loses nothing, and un-archiving.
-- archive_event() copies an event and every row that hangs off it — found by walking the
-- foreign keys that point at events, directly or through other rows (sessions, tiers, orders,
-- payments, tickets, attendees, feedback, sponsorships, logs …; a table added later is
-- followed too) — into ONE jsonb document (eventos_private.event_archives), records the
-- references that ON DELETE SET NULL would cut (wizard sessions, generation history …), then
-- deletes the rows children first, with triggers on (the deletions are audited, inventory
-- counters follow). unarchive_event() puts everything back exactly (same ids, same counters)
-- and re-links the cut references; it refuses if a referenced row (a venue, a sponsor, a user)
-- has disappeared meanwhile. Biometric rows (facial_recognition_data) are deleted, never
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
  v_doc      jsonb;
  v_part     jsonb;
  v_link     jsonb;
  v_cols     text;
  v_count    integer := 0;
  v_n        integer;
  v_fk       record;
  v_orphan   boolean;
BEGIN
  SELECT a.document INTO v_doc FROM eventos_private.event_archives AS a WHERE a.event_id = p_event_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'unarchive_event: no archive of event %', p_event_id USING ERRCODE = 'no_data_found';
  END IF;
  -- Exact row images (same ids, same counters): triggers would re-derive counters and re-run
  -- INSERT-time rules (e.g. "start date not in the past") on historical rows, so they are
  -- off for the restore; foreign keys are then checked explicitly below.
  PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
  FOR v_part IN SELECT t.value FROM jsonb_array_elements(v_doc -> 'tables') AS t ORDER BY (t.value ->> 'depth')::integer LOOP
    CONTINUE WHEN jsonb_array_length(v_part -> 'rows') = 0;
    SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
    FROM pg_catalog.pg_attribute AS a
    WHERE a.attrelid = (v_part ->> 'table')::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      AND (v_part -> 'rows' -> 0) ? a.attname;
    EXECUTE pg_catalog.format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1)',
                              v_part ->> 'table', v_cols, v_cols, v_part ->> 'table')
      USING v_part -> 'rows';
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
  PERFORM pg_catalog.set_config('session_replication_role', 'origin', true);

  -- Every foreign key of every restored row must hold (a venue, sponsor or user may be gone).
  FOR v_fk IN
    SELECT k.oid, k.conname, k.conrelid::regclass AS tbl,
           (SELECT pg_catalog.string_agg(pg_catalog.format('c.%I IS NOT NULL', a.attname), ' AND ')
            FROM unnest(k.conkey) AS s(n) JOIN pg_catalog.pg_attribute AS a ON a.attrelid = k.conrelid AND a.attnum = s.n) AS not_null,
           (SELECT pg_catalog.string_agg(pg_catalog.format('p.%I = c.%I', pa.attname, ca.attname), ' AND ')
            FROM unnest(k.conkey, k.confkey) AS u(ck, pk)
            JOIN pg_catalog.pg_attribute AS ca ON ca.attrelid = k.conrelid AND ca.attnum = u.ck
            JOIN pg_catalog.pg_attribute AS pa ON pa.attrelid = k.confrelid AND pa.attnum = u.pk) AS joined,
           k.confrelid::regclass AS parent
    FROM pg_catalog.pg_constraint AS k
    WHERE k.contype = 'f' AND k.conparentid = 0
      AND k.conrelid IN (SELECT (t.value ->> 'table')::regclass FROM jsonb_array_elements(v_doc -> 'tables') AS t)
  LOOP
    EXECUTE pg_catalog.format('SELECT EXISTS (SELECT 1 FROM %s AS c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s AS p WHERE %s))',
                              v_fk.tbl, v_fk.not_null, v_fk.parent, v_fk.joined)
      INTO v_orphan;
    IF v_orphan THEN
      RAISE EXCEPTION 'unarchive_event: % rows reference % rows that no longer exist (constraint %)', v_fk.tbl, v_fk.parent, v_fk.conname
        USING ERRCODE = 'foreign_key_violation', HINT = 'Restore or recreate the referenced rows, then un-archive again.';
    END IF;
  END LOOP;

  -- The restore is audited like any insert into an audited table.
  INSERT INTO public.audit_log (table_name, operation, record_id, new_data, changed_by, changed_at)
  SELECT c.relname, 'INSERT', (r.value ->> 'id')::uuid, r.value, (SELECT auth.uid()), pg_catalog.now()
  FROM jsonb_array_elements(v_doc -> 'tables') AS t
  CROSS JOIN LATERAL jsonb_array_elements(t.value -> 'rows') AS r
  JOIN pg_catalog.pg_class AS c ON c.oid = (t.value ->> 'table')::regclass
  WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_trigger AS g
                WHERE g.tgrelid = c.oid AND g.tgfoid = 'eventos_private.audit_append()'::regprocedure);

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
