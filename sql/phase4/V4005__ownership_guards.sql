-- Phase 4 · ownership and tenant columns, cross-references, venue booking requests, meetings.
--
-- 1. Column privileges: on every table the API roles may UPDATE, the columns that say who
--    owns a row or which tenant it belongs to (organizer_id, owner_id, user_id, created_by,
--    event_id, attendee_id, sponsor_id, sponsorship_id, the meeting's participants …) are not
--    updatable by authenticated at all. A policy's WITH CHECK cannot compare with the old row,
--    and a check through a helper that reads the same table sees the row before the update
--    (the hole phase 2's sponsors_update had), so they are pinned by privilege. Every UPDATE
--    policy also gets a WITH CHECK (V4006) that re-asserts ownership.
-- 2. Cross-references a policy cannot express are checked by the triggers below.

CREATE FUNCTION eventos_private.pin_update_columns(p_table regclass, p_pinned text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_columns text;
BEGIN
  SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_columns
  FROM pg_catalog.pg_attribute AS a
  WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped
    AND a.attname <> ALL (p_pinned || ARRAY['id', 'created_at']);
  EXECUTE pg_catalog.format('REVOKE UPDATE ON TABLE %s FROM authenticated', p_table);
  EXECUTE pg_catalog.format('GRANT UPDATE (%s) ON TABLE %s TO authenticated', v_columns, p_table);
END;
$$;
REVOKE ALL ON FUNCTION eventos_private.pin_update_columns(regclass, text[]) FROM PUBLIC, anon, authenticated;

-- (table, columns the API may never change). Tables whose UPDATE privilege was already
-- column-level (profiles, ticket_tiers, tickets, orders, matches, recommendation_history,
-- security_alerts) or absent keep theirs.
SELECT eventos_private.pin_update_columns(t.tbl::regclass, t.pinned)
FROM (VALUES
  ('public.venues', ARRAY['owner_id']),
  ('public.events', ARRAY['organizer_id']),
  ('public.event_sessions', ARRAY['event_id']),
  ('public.attendees', ARRAY['event_id', 'user_id']),
  ('public.marketing_campaigns', ARRAY['event_id']),
  ('public.email_templates', ARRAY['owner_id']),
  ('public.whatsapp_campaigns', ARRAY['event_id']),
  ('public.venue_bookings', ARRAY['event_id', 'venue_id']),
  ('public.event_dashboards', ARRAY['event_id']),
  ('public.wizard_sessions', ARRAY['user_id']),
  ('public.ai_generated_content', ARRAY['event_id', 'created_by']),
  ('public.dashboard_metrics_snapshots', ARRAY['event_id']),
  ('public.faq_library', ARRAY['event_id']),
  ('public.knowledge_base_articles', ARRAY['event_id']),
  ('public.chatbot_logs', ARRAY['event_id', 'attendee_id', 'conversation_id']),
  ('public.attendee_preferences', ARRAY['attendee_id']),
  ('public.networking_preferences', ARRAY['attendee_id']),
  ('public.connection_goals', ARRAY['attendee_id']),
  ('public.meetings', ARRAY['organizer_id', 'invitee_id', 'match_id']),
  ('public.networking_events', ARRAY['event_id', 'participant_count']),
  ('public.sponsors', ARRAY['created_by', 'user_id']),
  ('public.sponsor_proposals', ARRAY['sponsor_id', 'event_id']),
  ('public.follow_up_sequences', ARRAY['sponsor_id']),
  ('public.sponsorships', ARRAY['sponsor_id', 'event_id']),
  ('public.sponsor_deliverables', ARRAY['sponsorship_id'])
) AS t(tbl, pinned);

-- networking_events.participant_count is maintained by its trigger: not insertable either.
CREATE FUNCTION eventos_private.networking_event_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
BEGIN
  IF eventos_private.is_api_caller() THEN
    NEW.participant_count := 0;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER trg_networking_events_rules
  BEFORE INSERT ON public.networking_events
  FOR EACH ROW EXECUTE FUNCTION eventos_private.networking_event_rules();

-- ---------------------------------------------------------------------------------------
-- Venue bookings are requests: the event's organizer asks (status pending) for an active venue
-- (or one of their own); only the venue's owner confirms or declines; the requester may change
-- dates or cost while pending and may cancel. Messages never say what else is booked.
CREATE FUNCTION eventos_private.venue_bookable(p_venue_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.venues AS v
                 WHERE v.id = p_venue_id AND (v.status = 'active' OR v.owner_id = (SELECT auth.uid())))
$$;

CREATE FUNCTION eventos_private.owns_venue(p_venue_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.venues AS v WHERE v.id = p_venue_id AND v.owner_id = (SELECT auth.uid()))
$$;

CREATE FUNCTION eventos_private.organizes_event(p_event_id uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = p_event_id AND e.organizer_id = (SELECT auth.uid()))
$$;

CREATE FUNCTION eventos_private.venue_booking_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_owner      boolean;
  v_requester  boolean;
BEGIN
  IF NOT eventos_private.is_api_caller() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'pending' THEN
      RAISE EXCEPTION 'A booking starts as a request (status pending); the venue''s owner confirms it'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT eventos_private.organizes_event(NEW.event_id) THEN
      RETURN NEW;   -- not the caller's event: the policy refuses, nothing is said about the venue
    END IF;
    IF NOT eventos_private.venue_bookable(NEW.venue_id) THEN
      RAISE EXCEPTION 'Venue not found or not open for bookings' USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
  END IF;

  v_owner := eventos_private.owns_venue(OLD.venue_id);
  v_requester := eventos_private.organizes_event(OLD.event_id);
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    IF NEW.status = 'confirmed' AND NOT v_owner THEN
      RAISE EXCEPTION 'Only the venue''s owner can confirm a booking' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'pending' AND NOT v_requester THEN
      RAISE EXCEPTION 'Only the requester can re-open a booking request' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status = 'cancelled' AND NOT v_requester THEN
      RAISE EXCEPTION 'A cancelled booking can only be re-requested by its requester' USING ERRCODE = 'insufficient_privilege';
    END IF;
  END IF;
  IF (NEW.start_time, NEW.end_time, NEW.cost) IS DISTINCT FROM (OLD.start_time, OLD.end_time, OLD.cost) THEN
    IF NOT v_requester THEN
      RAISE EXCEPTION 'Only the requester can change a booking''s dates or cost' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.status = 'confirmed' AND NOT v_owner THEN
      NEW.status := 'pending';   -- changed dates need a new confirmation
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

-- Named to fire before phase 0's trg_venue_bookings_no_overlap (BEFORE triggers fire in name
-- order): by the time the overlap is checked, a row that is not the venue owner's confirmation
-- has been refused or turned back into a request.
CREATE TRIGGER trg_venue_bookings_guard
  BEFORE INSERT OR UPDATE ON public.venue_bookings
  FOR EACH ROW EXECUTE FUNCTION eventos_private.venue_booking_rules();

-- Phase 0's overlap guard said which dates were taken; same rule, no dates — and for an API
-- caller only when they own the venue (its bookings are theirs to see): anyone else probing a
-- "confirmed" row would learn from the answer whether the venue is free.
CREATE OR REPLACE FUNCTION public.prevent_venue_double_booking()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
BEGIN
  IF NEW.status <> 'confirmed'
     OR (eventos_private.is_api_caller() AND NOT eventos_private.owns_venue(NEW.venue_id)) THEN
    RETURN NEW;
  END IF;
  -- unarchive_event() puts historical bookings back as they were (V4008).
  IF NOT eventos_private.is_api_caller() AND pg_catalog.current_setting('eventos.restoring', true) = 'on' THEN
    RETURN NEW;
  END IF;
  PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('venue_bookings:' || NEW.venue_id::text, 0));
  IF EXISTS (SELECT 1 FROM public.venue_bookings AS b
             WHERE b.venue_id = NEW.venue_id
               AND b.status = 'confirmed'
               AND b.id <> NEW.id
               AND b.start_time < NEW.end_time
               AND NEW.start_time < b.end_time) THEN
    RAISE EXCEPTION 'The venue is not available for the requested time'
      USING ERRCODE = 'exclusion_violation', HINT = 'Ask the venue for another time slot.';
  END IF;
  RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------------------
-- Meetings: both participants are attendees of one event; a referenced match is theirs. The
-- invitation's state machine (API callers; docs/schema.md):
--   proposed  → accepted | declined (invitee) · cancelled (either)
--   accepted  → declined (invitee) · cancelled | completed (either)
--   declined  → accepted (invitee) · proposed (inviter) · cancelled (either)
--   cancelled → proposed (inviter)
--   completed → nothing
-- Only the inviter moves the time or place, which re-opens the invitation (proposed). An
-- inviter has at most one open proposal per invitee and settings.max_meeting_invitations_per_day
-- invitations a day.
CREATE FUNCTION eventos_private.meeting_pair_ok(p_organizer uuid, p_invitee uuid, p_match uuid)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT EXISTS (SELECT 1 FROM public.attendees AS a JOIN public.attendees AS b ON b.event_id = a.event_id
                 WHERE a.id = p_organizer AND b.id = p_invitee)
     AND (p_match IS NULL OR EXISTS (
            SELECT 1 FROM public.matches AS m
            WHERE m.id = p_match
              AND ((m.attendee_1_id = p_organizer AND m.attendee_2_id = p_invitee)
                   OR (m.attendee_1_id = p_invitee AND m.attendee_2_id = p_organizer))))
$$;

CREATE FUNCTION eventos_private.meeting_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_api      boolean := eventos_private.is_api_caller();
  v_inviter  boolean;
  v_invitee  boolean;
  v_from     text;
  v_to       text;
BEGIN
  IF TG_OP = 'INSERT' OR (NEW.organizer_id, NEW.invitee_id, NEW.match_id) IS DISTINCT FROM (OLD.organizer_id, OLD.invitee_id, OLD.match_id) THEN
    IF v_api AND NOT (NEW.organizer_id = ANY (ARRAY(SELECT eventos_private.networking_attendee_ids()))
                      AND NEW.invitee_id = ANY (ARRAY(SELECT eventos_private.networking_peer_ids()))) THEN
      RETURN NEW;   -- not between the caller and one of their peers: the policy refuses
    END IF;
    IF NOT eventos_private.meeting_pair_ok(NEW.organizer_id, NEW.invitee_id, NEW.match_id) THEN
      RAISE EXCEPTION 'Meeting participants must be attendees of one event (and the match theirs)'
        USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF NOT v_api THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'proposed' THEN
      RAISE EXCEPTION 'A meeting starts as a proposal' USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- One inviter's invitations queue here (the counts below are the caller's own rows).
    PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('meetings:' || NEW.organizer_id::text, 0));
    IF EXISTS (SELECT 1 FROM public.meetings AS m
               WHERE m.organizer_id = NEW.organizer_id AND m.invitee_id = NEW.invitee_id AND m.status = 'proposed') THEN
      RAISE EXCEPTION 'You already have an open invitation to this attendee' USING ERRCODE = 'unique_violation',
        HINT = 'Move the open invitation instead.';
    END IF;
    IF (SELECT count(*) FROM public.meetings AS m
        WHERE m.organizer_id = NEW.organizer_id AND m.created_at > pg_catalog.now() - interval '1 day')
       >= (eventos_private.current_settings()).max_meeting_invitations_per_day THEN
      RAISE EXCEPTION 'Too many invitations in the last 24 hours' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
  END IF;

  v_inviter := OLD.organizer_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids()));
  v_invitee := OLD.invitee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids()));
  IF OLD.status = 'completed' AND (NEW.status, NEW.time_slot, NEW.location) IS DISTINCT FROM (OLD.status, OLD.time_slot, OLD.location) THEN
    RAISE EXCEPTION 'A completed meeting cannot change' USING ERRCODE = 'check_violation';
  END IF;
  IF (NEW.time_slot, NEW.location) IS DISTINCT FROM (OLD.time_slot, OLD.location) THEN
    IF NOT v_inviter THEN
      RAISE EXCEPTION 'Only the inviter can move a meeting' USING ERRCODE = 'insufficient_privilege';
    END IF;
    NEW.status := 'proposed';
    RETURN NEW;
  END IF;
  v_from := OLD.status;
  v_to := NEW.status;
  IF v_to IS DISTINCT FROM v_from THEN
    IF v_to IN ('accepted', 'declined') AND NOT v_invitee THEN
      RAISE EXCEPTION 'Only the invitee can accept or decline a meeting' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF v_to = 'proposed' AND NOT v_inviter THEN
      RAISE EXCEPTION 'Only the inviter can re-propose a meeting' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT ((v_from = 'proposed' AND v_to IN ('accepted', 'declined', 'cancelled'))
            OR (v_from = 'accepted' AND v_to IN ('declined', 'cancelled', 'completed'))
            OR (v_from = 'declined' AND v_to IN ('accepted', 'proposed', 'cancelled'))
            OR (v_from = 'cancelled' AND v_to = 'proposed')) THEN
      RAISE EXCEPTION 'A meeting cannot go from % to %', v_from, v_to USING ERRCODE = 'check_violation',
        HINT = 'proposed → accepted | declined | cancelled; accepted → declined | cancelled | completed; declined → accepted | proposed | cancelled; cancelled → proposed.';
    END IF;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_meetings_rules
  BEFORE INSERT OR UPDATE ON public.meetings
  FOR EACH ROW EXECUTE FUNCTION eventos_private.meeting_rules();

REVOKE ALL ON FUNCTION eventos_private.networking_event_rules() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.venue_bookable(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.owns_venue(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.organizes_event(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.venue_booking_rules() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.meeting_pair_ok(uuid, uuid, uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.meeting_rules() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.networking_event_rules() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.venue_bookable(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.owns_venue(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.organizes_event(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.venue_booking_rules() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.meeting_pair_ok(uuid, uuid, uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.meeting_rules() TO authenticated, service_role;
