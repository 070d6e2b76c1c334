-- Phase 4 · limits on what one signed-in user can write.
--  * Per request: an API INSERT into a table any signed-in user may write (their own venues,
--    interactions, logs, preferences, goals, invitations, wizard state, templates, sponsors,
--    booking requests …) adds at most settings.max_rows_per_request rows — one PostgREST request
--    cannot insert 10,000 rows. Organizer-managed tables (attendee imports, sessions, FAQ …),
--    orders (per-buyer hold caps, V4003) and attendees (one self-registration per event, V4004)
--    are left to their own rules. Counted once per statement (a statement trigger over the
--    inserted rows), for anon / authenticated only.
--  * Venues are a public catalogue: at most settings.max_venues_per_owner per owner.
--  * Invitations: at most settings.max_meeting_invitations_per_day a day and one open proposal
--    per invitee (V4005).
-- Sustained request rates (many small requests) are the API gateway's to limit.

CREATE FUNCTION eventos_private.api_insert_cap()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_max   integer;
  v_rows  bigint;
BEGIN
  IF NOT eventos_private.is_api_caller() THEN
    RETURN NULL;
  END IF;
  v_max := (eventos_private.current_settings()).max_rows_per_request;
  SELECT count(*) INTO v_rows FROM inserted_rows;
  IF v_rows > v_max THEN
    RAISE EXCEPTION 'At most % rows per request may be added to %', v_max, TG_TABLE_NAME
      USING ERRCODE = 'program_limit_exceeded', HINT = 'Send the rows in smaller batches.';
  END IF;
  RETURN NULL;
END;
$$;
COMMENT ON FUNCTION eventos_private.api_insert_cap() IS
  'AFTER INSERT statement trigger: an API request adds at most settings.max_rows_per_request rows.';
REVOKE ALL ON FUNCTION eventos_private.api_insert_cap() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.api_insert_cap() TO authenticated, service_role;

-- The tables any signed-in user may insert into without organizing an event. The list is
-- repeated in rollback/phase4.sql and in the plan's [objects] triggers.
DO $$
DECLARE
  v_table text;
BEGIN
  FOREACH v_table IN ARRAY ARRAY[
    'venues', 'venue_bookings', 'email_templates', 'wizard_sessions', 'wizard_actions',
    'generation_history', 'attendee_engagements', 'chatbot_logs', 'attendee_preferences',
    'interaction_events', 'networking_preferences', 'connection_goals', 'meetings',
    'networking_participants', 'sponsors', 'follow_up_sequences'] LOOP
    EXECUTE pg_catalog.format(
      'CREATE TRIGGER %I AFTER INSERT ON public.%I REFERENCING NEW TABLE AS inserted_rows '
      'FOR EACH STATEMENT EXECUTE FUNCTION eventos_private.api_insert_cap()',
      'trg_' || v_table || '_api_insert_cap', v_table);
  END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Venues per owner. The owner's own venues are visible to them (venues_select_own), so the
-- count runs with the caller's rights; one owner's inserts queue on an advisory lock.
CREATE FUNCTION eventos_private.venue_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
BEGIN
  IF NOT eventos_private.is_api_caller() OR NEW.owner_id IS DISTINCT FROM (SELECT auth.uid()) THEN
    RETURN NEW;   -- not the caller's own venue: the policy decides
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('venues:' || NEW.owner_id::text, 0));
  IF (SELECT count(*) FROM public.venues AS v WHERE v.owner_id = NEW.owner_id)
     >= (eventos_private.current_settings()).max_venues_per_owner THEN
    RAISE EXCEPTION 'Too many venues: at most % per owner', (eventos_private.current_settings()).max_venues_per_owner
      USING ERRCODE = 'program_limit_exceeded', HINT = 'Remove unused venues, or ask the platform to raise the limit.';
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION eventos_private.venue_rules() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.venue_rules() TO authenticated, service_role;

CREATE TRIGGER trg_venues_quota
  BEFORE INSERT ON public.venues
  FOR EACH ROW EXECUTE FUNCTION eventos_private.venue_rules();
