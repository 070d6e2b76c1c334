-- Phase 4 · schema v2 foundations (issue 14).
--  * schema eventos_private: RLS helpers, platform settings and maintenance state. It is not
--    an API schema (PostgREST exposes public), so none of its SECURITY DEFINER helpers is an
--    RPC endpoint; only authenticated (and the service role) get USAGE and EXECUTE, so that
--    policies and triggers can call the helpers. anon's policies need none of them: anon can
--    reach nothing in the schema.
--  * role helpers: profiles.role becomes part of authorization (organizers create events,
--    admins read audit/analytics/monitoring through checked functions, V4007).
--  * membership helpers returning sets, used by the policies of V4006 in the
--    `col = ANY (ARRAY(SELECT helper()))` shape (one InitPlan, then an index condition).
-- Every helper returns only rows of the calling user; all are STABLE, SECURITY DEFINER (they
-- read tables whose RLS would recurse), `SET search_path = ''` with qualified names.

CREATE SCHEMA eventos_private;
COMMENT ON SCHEMA eventos_private IS
  'eventos: RLS helpers, settings and maintenance state. Not exposed through the API.';
REVOKE ALL ON SCHEMA eventos_private FROM PUBLIC;
GRANT USAGE ON SCHEMA eventos_private TO authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- Platform settings (one row). Changed by the service role (UPDATE eventos_private.settings).
CREATE TABLE eventos_private.settings (
  singleton                       boolean PRIMARY KEY DEFAULT true,
  pending_order_hold              interval NOT NULL DEFAULT interval '15 minutes',
  max_pending_orders_per_tier     integer NOT NULL DEFAULT 2,
  max_pending_units_per_tier      integer NOT NULL DEFAULT 10,
  max_free_registrations_per_day  integer NOT NULL DEFAULT 20,
  archive_after                   interval NOT NULL DEFAULT interval '730 days',
  audit_seal_grace                interval NOT NULL DEFAULT interval '1 hour',
  max_rows_per_request            integer NOT NULL DEFAULT 200,
  max_meeting_invitations_per_day integer NOT NULL DEFAULT 20,
  max_venues_per_owner            integer NOT NULL DEFAULT 50,
  updated_at                      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT settings_singleton_check CHECK (singleton),
  CONSTRAINT settings_hold_check CHECK (pending_order_hold BETWEEN interval '1 minute' AND interval '1 day'),
  CONSTRAINT settings_caps_check CHECK (max_pending_orders_per_tier >= 1 AND max_pending_units_per_tier >= 1
                                        AND max_free_registrations_per_day >= 1 AND max_rows_per_request >= 1
                                        AND max_meeting_invitations_per_day >= 1 AND max_venues_per_owner >= 1),
  CONSTRAINT settings_archive_after_check CHECK (archive_after >= interval '1 day'),
  CONSTRAINT settings_seal_grace_check CHECK (audit_seal_grace >= interval '1 minute')
);
INSERT INTO eventos_private.settings DEFAULT VALUES;
ALTER TABLE eventos_private.settings ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE eventos_private.settings FROM PUBLIC, anon, authenticated;
GRANT SELECT, UPDATE ON TABLE eventos_private.settings TO service_role;
CREATE TRIGGER trg_settings_updated_at BEFORE UPDATE ON eventos_private.settings
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

-- ---------------------------------------------------------------------------------------
-- Who is calling. is_api_caller() is SECURITY INVOKER on purpose: it reports the role the
-- statement runs as, so guard triggers apply to PostgREST requests (anon / authenticated)
-- and not to the service role, migrations, or SECURITY DEFINER functions that did their own
-- checks.
CREATE FUNCTION eventos_private.is_api_caller()
RETURNS boolean
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
  SELECT CURRENT_USER IN ('anon', 'authenticated')
$$;

CREATE FUNCTION eventos_private.app_role()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT p.role FROM public.profiles AS p WHERE p.id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION eventos_private.app_role() IS
  'profiles.role of the calling user; NULL without a profile or for anon.';

CREATE FUNCTION eventos_private.is_admin()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce((SELECT eventos_private.app_role()) = 'admin', false)
$$;

CREATE FUNCTION eventos_private.can_organize()
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce((SELECT eventos_private.app_role()) IN ('organizer', 'admin'), false)
$$;
COMMENT ON FUNCTION eventos_private.can_organize() IS
  'The calling user''s role may create and publish events (organizer or admin).';

-- ---------------------------------------------------------------------------------------
-- Entitlement: an attendee row counts for transcripts, peer lists and invitations when it is
-- active and holds a live ticket, or when its event is free (no tier with a price > 0, where
-- self-registration is the ticket). A view so that every helper uses the same rule; not
-- granted to any API role.
CREATE VIEW eventos_private.entitled_attendees AS
SELECT a.id, a.event_id, a.user_id, a.networking_opt_in
FROM public.attendees AS a
WHERE a.status IN ('registered', 'confirmed', 'checked_in')
  AND (EXISTS (SELECT 1 FROM public.tickets AS t
               WHERE t.attendee_id = a.id AND t.event_id = a.event_id AND t.status IN ('valid', 'used'))
       OR NOT EXISTS (SELECT 1 FROM public.ticket_tiers AS tt
                      WHERE tt.event_id = a.event_id AND tt.price > 0));
REVOKE ALL ON TABLE eventos_private.entitled_attendees FROM PUBLIC, anon, authenticated;

CREATE FUNCTION eventos_private.event_is_free(p_event_id uuid)
RETURNS boolean
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT NOT EXISTS (SELECT 1 FROM public.ticket_tiers AS t WHERE t.event_id = p_event_id AND t.price > 0)
$$;
COMMENT ON FUNCTION eventos_private.event_is_free(uuid) IS
  'No ticket tier of the event has a price above zero (self-registration allowed).';

-- ---------------------------------------------------------------------------------------
-- Membership sets of the calling user.
CREATE FUNCTION eventos_private.organized_event_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT e.id FROM public.events AS e WHERE e.organizer_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.attended_event_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT a.event_id FROM public.attendees AS a
  WHERE a.user_id = (SELECT auth.uid()) AND a.status <> 'cancelled'
$$;

CREATE FUNCTION eventos_private.entitled_event_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT ea.event_id FROM eventos_private.entitled_attendees AS ea WHERE ea.user_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.own_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT a.id FROM public.attendees AS a WHERE a.user_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.organized_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT a.id FROM public.attendees AS a
  JOIN public.events AS e ON e.id = a.event_id
  WHERE e.organizer_id = (SELECT auth.uid())
$$;

-- Own attendee rows that may network: entitled and opted in.
CREATE FUNCTION eventos_private.networking_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT ea.id FROM eventos_private.entitled_attendees AS ea
  WHERE ea.user_id = (SELECT auth.uid()) AND ea.networking_opt_in
$$;

-- Peers the calling user may see and invite: other entitled, opted-in attendees of the events
-- where the user is an entitled, opted-in attendee.
CREATE FUNCTION eventos_private.networking_peer_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT peer.id
  FROM eventos_private.entitled_attendees AS me
  JOIN eventos_private.entitled_attendees AS peer ON peer.event_id = me.event_id
  WHERE me.user_id = (SELECT auth.uid()) AND me.networking_opt_in AND peer.networking_opt_in
    AND peer.user_id IS DISTINCT FROM me.user_id
$$;

CREATE FUNCTION eventos_private.own_sponsor_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT s.id FROM public.sponsors AS s
  WHERE s.user_id = (SELECT auth.uid()) OR s.created_by = (SELECT auth.uid())
$$;

-- Sponsors whose portal account is the calling user (lead scores are theirs alone).
CREATE FUNCTION eventos_private.sponsor_account_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT s.id FROM public.sponsors AS s WHERE s.user_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.owned_venue_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT v.id FROM public.venues AS v WHERE v.owner_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.customer_order_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT o.id FROM public.orders AS o WHERE o.customer_id = (SELECT auth.uid())
$$;

-- Sessions of the calling user's events, organized or entitled to (transcripts & co.).
CREATE FUNCTION eventos_private.organized_session_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT s.id FROM public.event_sessions AS s
  JOIN public.events AS e ON e.id = s.event_id
  WHERE e.organizer_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.entitled_session_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT s.id FROM public.event_sessions AS s
  WHERE s.event_id IN (SELECT ea.event_id FROM eventos_private.entitled_attendees AS ea
                       WHERE ea.user_id = (SELECT auth.uid()))
$$;

CREATE FUNCTION eventos_private.organized_sponsorship_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT sp.id FROM public.sponsorships AS sp
  JOIN public.events AS e ON e.id = sp.event_id
  WHERE e.organizer_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.sponsor_sponsorship_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT sp.id FROM public.sponsorships AS sp
  JOIN public.sponsors AS s ON s.id = sp.sponsor_id
  WHERE s.user_id = (SELECT auth.uid()) OR s.created_by = (SELECT auth.uid())
$$;

-- Sponsors linked to the calling organizer's events by a proposal or a sponsorship.
CREATE FUNCTION eventos_private.partner_sponsor_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT sp.sponsor_id FROM public.sponsorships AS sp
  JOIN public.events AS e ON e.id = sp.event_id WHERE e.organizer_id = (SELECT auth.uid())
  UNION
  SELECT pr.sponsor_id FROM public.sponsor_proposals AS pr
  JOIN public.events AS e ON e.id = pr.event_id WHERE e.organizer_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.own_task_ids()
RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT t.id FROM public.agent_tasks AS t
  JOIN public.events AS e ON e.id = t.event_id
  WHERE e.organizer_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.own_wizard_session_ids()
RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ''
AS $$
  SELECT w.session_id FROM public.wizard_sessions AS w WHERE w.user_id = (SELECT auth.uid())
$$;

-- Every function of the schema: no PUBLIC EXECUTE (Supabase's default privileges grant it);
-- the helpers are executable by authenticated (policies, triggers) and the service role; anon
-- executes none of them.
DO $$
DECLARE
  v_fn regprocedure;
BEGIN
  FOR v_fn IN
    SELECT p.oid::regprocedure FROM pg_catalog.pg_proc AS p
    WHERE p.pronamespace = 'eventos_private'::regnamespace
  LOOP
    EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC, anon, authenticated', v_fn);
    EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO authenticated, service_role', v_fn);
  END LOOP;
END
$$;
