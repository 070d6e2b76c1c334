-- Phase 4 · registration and networking.
--  * E-mail addresses are the account's: caller_email() reads auth.users (never the JWT claims
--    or the profile, which a client can shape). profiles.email must be that address (filled in
--    when omitted), and so must the e-mail of the caller's own attendee rows. Otherwise a user
--    could claim someone else's address and, through the unique indexes on profiles and
--    attendees, probe who has an account or attends an event.
--  * Self-registration (attendee row with user_id = the caller) only for free events the caller
--    can see, one active row per user and event, at most settings.max_free_registrations_per_day
--    a day, never beyond events.capacity. Paid events: an attendee row comes with a ticket
--    (assign_ticket(), or the organizer / backend).
--  * Organizers add guests without linking user accounts, and never decide consent
--    (networking_opt_in / personalization_consent belong to the attendee).
--  * networking_participants: the ERD's ATTENDEES }o--o{ NETWORKING_EVENTS "participates",
--    with a capacity check (networking_events.participant_count, one conditional UPDATE).
--  * matches: each participant answers for themselves (attendee_1_response /
--    attendee_2_response); the match is accepted when both accept (respond_to_match()).
--  * Rules that look at rows the caller cannot see run only after the caller's own rights are
--    established (BEFORE triggers run before the policies' WITH CHECK), so that no error says
--    anything about another tenant's rows.

CREATE FUNCTION eventos_private.caller_email()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT nullif(u.email::text, '') FROM auth.users AS u WHERE u.id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION eventos_private.caller_email() IS
  'The calling user''s e-mail address as the auth service records it (auth.users.email); NULL without one.';

-- profiles.email is the account's address (omitted: filled in).
CREATE FUNCTION eventos_private.profile_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_email text;
BEGIN
  IF NOT eventos_private.is_api_caller() OR NEW.id IS DISTINCT FROM (SELECT auth.uid())
     OR (TG_OP = 'UPDATE' AND NEW.email IS NOT DISTINCT FROM OLD.email) THEN
    RETURN NEW;   -- not the caller's own profile: the policies decide
  END IF;
  v_email := eventos_private.caller_email();
  IF v_email IS NULL THEN
    RAISE EXCEPTION 'Your account has no e-mail address' USING ERRCODE = 'check_violation',
      HINT = 'Add an e-mail address to your account; a profile carries the account''s address.';
  END IF;
  IF TG_OP = 'INSERT' AND coalesce(NEW.email, '') = '' THEN
    NEW.email := v_email;
  ELSIF pg_catalog.lower(NEW.email) <> pg_catalog.lower(v_email) THEN
    RAISE EXCEPTION 'A profile''s e-mail address is the account''s' USING ERRCODE = 'check_violation',
      HINT = 'Omit email (it is filled in), or change the account''s address first.';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_profiles_rules
  BEFORE INSERT OR UPDATE OF email ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION eventos_private.profile_rules();

-- Counts of the caller's own registrations (the attendees RLS of the caller would also show
-- them, but the organizer path must not count other people's rows), and whether the caller's
-- address is already registered at the event (by the organizer or a ticket buyer).
CREATE FUNCTION eventos_private.own_registration_counts(p_event_id uuid, p_email text,
                                                        OUT at_event integer, OUT last_day integer,
                                                        OUT email_taken boolean)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT count(*) FILTER (WHERE a.event_id = p_event_id AND a.status <> 'cancelled')::integer,
         count(*) FILTER (WHERE a.created_at > pg_catalog.now() - interval '1 day')::integer,
         EXISTS (SELECT 1 FROM public.attendees AS x
                 WHERE x.event_id = p_event_id AND pg_catalog.lower(x.email) = pg_catalog.lower(p_email))
  FROM public.attendees AS a
  WHERE a.user_id = (SELECT auth.uid())
$$;

-- Active (not cancelled) attendees of an event, for its capacity.
CREATE FUNCTION eventos_private.active_attendee_count(p_event_id uuid)
RETURNS integer
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT count(*)::integer FROM public.attendees AS a WHERE a.event_id = p_event_id AND a.status <> 'cancelled'
$$;

CREATE FUNCTION eventos_private.attendee_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_uid       uuid := (SELECT auth.uid());
  v_counts    record;
  v_email     text;
  v_capacity  integer;
BEGIN
  IF NOT eventos_private.is_api_caller() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.user_id IS NOT DISTINCT FROM v_uid AND v_uid IS NOT NULL THEN
      -- Only a published event the caller can see (the caller's own RLS); anything else is
      -- left to the policy, so that nothing below tells anything about a hidden event.
      SELECT e.capacity INTO v_capacity FROM public.events AS e
      WHERE e.id = NEW.event_id AND e.status = 'published';
      IF NOT FOUND THEN
        RETURN NEW;
      END IF;
      IF NOT eventos_private.event_is_free(NEW.event_id) THEN
        RAISE EXCEPTION 'This event sells tickets: attendees are registered through a ticket'
          USING ERRCODE = 'check_violation', HINT = 'Buy a ticket, then call assign_ticket().';
      END IF;
      v_email := eventos_private.caller_email();
      IF v_email IS NULL THEN
        RAISE EXCEPTION 'Your account has no e-mail address: registration needs one'
          USING ERRCODE = 'check_violation', HINT = 'Add an e-mail address to your account first.';
      END IF;
      IF coalesce(NEW.email, '') = '' THEN
        NEW.email := v_email;
      ELSIF pg_catalog.lower(NEW.email) <> pg_catalog.lower(v_email) THEN
        RAISE EXCEPTION 'Register with your own e-mail address' USING ERRCODE = 'check_violation',
          HINT = 'The address of your account; omit email to have it filled in.';
      END IF;
      PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('attendees:' || v_uid::text, 0));
      v_counts := eventos_private.own_registration_counts(NEW.event_id, v_email);
      IF v_counts.at_event > 0 THEN
        RAISE EXCEPTION 'You are already registered for this event' USING ERRCODE = 'unique_violation';
      END IF;
      IF v_counts.email_taken THEN
        RAISE EXCEPTION 'Your e-mail address is already registered for this event' USING ERRCODE = 'unique_violation',
          HINT = 'The organizer or a ticket buyer registered it; ask the organizer.';
      END IF;
      IF v_counts.last_day >= (eventos_private.current_settings()).max_free_registrations_per_day THEN
        RAISE EXCEPTION 'Too many registrations in the last 24 hours' USING ERRCODE = 'check_violation';
      END IF;
      IF v_capacity IS NOT NULL THEN
        -- Concurrent self-registrations of one event queue here, so the count is exact.
        PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('attendees:event:' || NEW.event_id::text, 0));
        IF eventos_private.active_attendee_count(NEW.event_id) >= v_capacity THEN
          RAISE EXCEPTION 'This event is full' USING ERRCODE = 'check_violation';
        END IF;
      END IF;
    ELSE
      IF NEW.user_id IS NOT NULL THEN
        RAISE EXCEPTION 'Attendees added by an organizer are not linked to a user account (leave user_id empty)'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.networking_opt_in OR NEW.personalization_consent THEN
        RAISE EXCEPTION 'Only the attendee can give networking or personalization consent'
          USING ERRCODE = 'insufficient_privilege';
      END IF;
    END IF;
    RETURN NEW;
  END IF;

  -- UPDATE (user_id and event_id are not updatable by the API roles: column privileges)
  IF (NEW.networking_opt_in, NEW.personalization_consent) IS DISTINCT FROM (OLD.networking_opt_in, OLD.personalization_consent)
     AND OLD.user_id IS DISTINCT FROM v_uid THEN
    RAISE EXCEPTION 'Only the attendee can give or withdraw networking or personalization consent'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.user_id IS NOT DISTINCT FROM v_uid AND v_uid IS NOT NULL AND NEW.email IS DISTINCT FROM OLD.email THEN
    v_email := eventos_private.caller_email();
    IF v_email IS NULL OR pg_catalog.lower(NEW.email) <> pg_catalog.lower(v_email) THEN
      RAISE EXCEPTION 'Register with your own e-mail address' USING ERRCODE = 'check_violation',
        HINT = 'Your registration carries the address of your account.';
    END IF;
  END IF;
  IF OLD.user_id IS NOT DISTINCT FROM v_uid AND NEW.status IS DISTINCT FROM OLD.status
     AND NOT (NEW.status = 'cancelled')
     AND NOT (NEW.event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids()))) THEN
    RAISE EXCEPTION 'Attendees may only cancel their own registration' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_attendees_rules
  BEFORE INSERT OR UPDATE ON public.attendees
  FOR EACH ROW EXECUTE FUNCTION eventos_private.attendee_rules();

-- The buyer of a live ticket registers its holder: themselves (their registration at the event
-- is reused — linked to their account, or a guest row made out to their address, which they
-- then claim — else a new one, always with the account's address) or a guest. A guest address
-- that is already registered at the event gets the ticket on that registration: the call does
-- the same whether or not the address is known, so it tells the buyer nothing about who
-- attends. Returns the attendee id.
CREATE FUNCTION public.assign_ticket(p_ticket_id uuid, p_full_name text, p_email text DEFAULT NULL,
                                     p_for_self boolean DEFAULT true)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_uid       uuid := (SELECT auth.uid());
  v_ticket    record;
  v_own       record;
  v_attendee  uuid;
  v_email     text;
BEGIN
  SELECT t.id, t.event_id, t.attendee_id INTO v_ticket
  FROM public.tickets AS t
  JOIN public.orders AS o ON o.id = t.order_id AND o.event_id = t.event_id
  WHERE t.id = p_ticket_id AND t.status = 'valid' AND o.customer_id = v_uid
  FOR UPDATE OF t;
  IF NOT FOUND OR v_uid IS NULL THEN
    RAISE EXCEPTION 'Ticket not found' USING ERRCODE = 'no_data_found',
      HINT = 'Only the buyer can assign a valid ticket.';
  END IF;
  IF v_ticket.attendee_id IS NOT NULL THEN
    RAISE EXCEPTION 'This ticket is already assigned' USING ERRCODE = 'unique_violation';
  END IF;
  IF p_full_name IS NULL OR pg_catalog.btrim(p_full_name) = '' THEN
    RAISE EXCEPTION 'assign_ticket: a full name is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  IF p_for_self THEN
    v_email := eventos_private.caller_email();
    IF v_email IS NULL THEN
      RAISE EXCEPTION 'Your account has no e-mail address' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Add one to your account, or assign the ticket to a guest (p_for_self => false).';
    END IF;
    IF nullif(p_email, '') IS NOT NULL AND pg_catalog.lower(p_email) <> pg_catalog.lower(v_email) THEN
      RAISE EXCEPTION 'A ticket for yourself carries your account''s e-mail address' USING ERRCODE = 'invalid_parameter_value',
        HINT = 'Omit p_email, or assign the ticket to a guest (p_for_self => false).';
    END IF;
    SELECT a.id, a.user_id, a.status INTO v_own
    FROM public.attendees AS a
    WHERE a.event_id = v_ticket.event_id
      AND (a.user_id = v_uid OR (a.user_id IS NULL AND pg_catalog.lower(a.email) = pg_catalog.lower(v_email)))
    ORDER BY a.user_id IS NULL, a.status = 'cancelled', a.created_at
    LIMIT 1
    FOR UPDATE;
    IF FOUND THEN
      IF EXISTS (SELECT 1 FROM public.tickets AS t
                 WHERE t.attendee_id = v_own.id AND t.status IN ('valid', 'used')) THEN
        RAISE EXCEPTION 'You already hold a ticket for this event: assign this one to a guest'
          USING ERRCODE = 'unique_violation';
      END IF;
      UPDATE public.attendees
         SET user_id = v_uid, status = CASE WHEN status = 'cancelled' THEN 'registered' ELSE status END
       WHERE id = v_own.id;
      v_attendee := v_own.id;
    END IF;
  ELSE
    v_email := nullif(pg_catalog.btrim(p_email), '');
    IF v_email IS NULL THEN
      RAISE EXCEPTION 'assign_ticket: an e-mail address is required' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT a.id INTO v_attendee
    FROM public.attendees AS a
    WHERE a.event_id = v_ticket.event_id AND pg_catalog.lower(a.email) = pg_catalog.lower(v_email);
    -- A cancelled guest registration comes back with its new ticket (an account's own
    -- cancellation is the account's to undo).
    UPDATE public.attendees SET status = 'registered'
     WHERE id = v_attendee AND user_id IS NULL AND status = 'cancelled';
  END IF;

  IF v_attendee IS NULL THEN
    BEGIN
      INSERT INTO public.attendees (event_id, user_id, email, full_name)
      VALUES (v_ticket.event_id, CASE WHEN p_for_self THEN v_uid END, v_email, p_full_name)
      RETURNING id INTO v_attendee;
    EXCEPTION WHEN unique_violation THEN
      -- Only a concurrent registration of the same address gets here.
      RAISE EXCEPTION 'This e-mail address is being registered for this event right now: try again'
        USING ERRCODE = 'serialization_failure';
    END;
  END IF;
  UPDATE public.tickets SET attendee_id = v_attendee WHERE id = v_ticket.id;
  RETURN v_attendee;
END;
$$;
COMMENT ON FUNCTION public.assign_ticket(uuid, text, text, boolean) IS
  'RPC: the buyer registers the holder of one of their valid tickets (themselves or a guest).';
REVOKE EXECUTE ON FUNCTION public.assign_ticket(uuid, text, text, boolean) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.assign_ticket(uuid, text, text, boolean) TO authenticated, service_role;

-- ---------------------------------------------------------------------------------------
ALTER TABLE public.networking_events ADD COLUMN participant_count integer NOT NULL DEFAULT 0;
ALTER TABLE public.networking_events
  ADD CONSTRAINT networking_events_participants_check
    CHECK (participant_count >= 0 AND (max_participants IS NULL OR participant_count <= max_participants)) NOT VALID;
-- eventos:ignore validate-in-same-transaction -- this file holds ACCESS EXCLUSIVE on networking_events
-- from its ADD COLUMN until commit anyway; the check reads only the column added here with DEFAULT 0
ALTER TABLE public.networking_events VALIDATE CONSTRAINT networking_events_participants_check;
COMMENT ON COLUMN public.networking_events.participant_count IS
  'Active participants (networking_participants registered/attended); maintained by a trigger.';

CREATE TABLE public.networking_participants (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  networking_event_id  uuid NOT NULL REFERENCES public.networking_events (id) ON DELETE CASCADE,
  event_id             uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  attendee_id          uuid NOT NULL,
  status               text NOT NULL DEFAULT 'registered',
  registered_at        timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT networking_participants_attendee_key UNIQUE (networking_event_id, attendee_id),
  CONSTRAINT networking_participants_attendee_fkey FOREIGN KEY (attendee_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE CASCADE,
  CONSTRAINT networking_participants_status_check CHECK (status IN ('registered', 'attended', 'cancelled'))
);
-- networking_event_id is indexed by networking_participants_attendee_key.
CREATE INDEX idx_networking_participants_attendee_id_event_id ON public.networking_participants (attendee_id, event_id);
CREATE INDEX idx_networking_participants_event_id ON public.networking_participants (event_id);
CREATE TRIGGER trg_networking_participants_updated_at BEFORE UPDATE ON public.networking_participants
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
ALTER TABLE public.networking_participants ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.networking_participants FROM anon;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLE public.networking_participants FROM authenticated;
REVOKE UPDATE ON TABLE public.networking_participants FROM authenticated;
GRANT UPDATE (status) ON TABLE public.networking_participants TO authenticated;

-- Capacity, enforced atomically on the activity's row (same pattern as ticket inventory).

-- Capacity, enforced atomically on the activity's row (same pattern as ticket inventory). An
-- AFTER trigger: it runs once the policies have admitted the row, so "full" / "not found"
-- never answer for an activity the caller may not join.
CREATE FUNCTION eventos_private.networking_participation_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  v_was  boolean := TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('registered', 'attended');
  v_is   boolean := TG_OP IN ('INSERT', 'UPDATE') AND NEW.status IN ('registered', 'attended');
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    IF TG_OP = 'UPDATE' AND (NEW.networking_event_id, NEW.event_id, NEW.attendee_id)
                            IS DISTINCT FROM (OLD.networking_event_id, OLD.event_id, OLD.attendee_id) THEN
      RAISE EXCEPTION 'A participation cannot move to another activity or attendee' USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.networking_events AS n
                   WHERE n.id = NEW.networking_event_id AND n.event_id = NEW.event_id) THEN
      RAISE EXCEPTION 'Networking activity not found for this event' USING ERRCODE = 'foreign_key_violation';
    END IF;
  END IF;
  IF v_is AND NOT v_was THEN
    UPDATE public.networking_events AS n
       SET participant_count = n.participant_count + 1
     WHERE n.id = NEW.networking_event_id
       AND (n.max_participants IS NULL OR n.participant_count < n.max_participants);
    IF NOT FOUND THEN
      RAISE EXCEPTION 'This networking activity is full' USING ERRCODE = 'check_violation';
    END IF;
  ELSIF v_was AND NOT v_is THEN
    UPDATE public.networking_events AS n SET participant_count = n.participant_count - 1
    WHERE n.id = OLD.networking_event_id;
  END IF;
  RETURN NULL;
END;
$$;
REVOKE ALL ON FUNCTION eventos_private.networking_participation_rules() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER trg_networking_participants_capacity
  AFTER INSERT OR DELETE OR UPDATE OF status, networking_event_id, event_id, attendee_id
  ON public.networking_participants
  FOR EACH ROW EXECUTE FUNCTION eventos_private.networking_participation_rules();

-- ---------------------------------------------------------------------------------------
-- Matches: phase 2 had one status that either participant could set — one could accept for
-- both. Now each side answers for itself; status follows: declined when either declines,
-- accepted when both accept, else suggested. The matcher (service role) still sets any status
-- (expired, met …); participants answer only while the match is open.
ALTER TABLE public.matches
  ADD COLUMN attendee_1_response text,
  ADD COLUMN attendee_2_response text;
ALTER TABLE public.matches
  ADD CONSTRAINT matches_responses_check
    CHECK (attendee_1_response IN ('accepted', 'declined') AND attendee_2_response IN ('accepted', 'declined')) NOT VALID;
-- eventos:ignore validate-in-same-transaction -- this file holds ACCESS EXCLUSIVE on matches from its
-- ADD COLUMN until commit anyway; the check reads only the columns added here (NULL in every row)
ALTER TABLE public.matches VALIDATE CONSTRAINT matches_responses_check;
COMMENT ON COLUMN public.matches.attendee_1_response IS
  'attendee_1''s answer (accepted / declined; NULL = none yet). Only attendee_1 sets it.';
COMMENT ON COLUMN public.matches.attendee_2_response IS
  'attendee_2''s answer (accepted / declined; NULL = none yet). Only attendee_2 sets it.';
REVOKE UPDATE (status) ON TABLE public.matches FROM authenticated;
GRANT UPDATE (attendee_1_response, attendee_2_response) ON TABLE public.matches TO authenticated;

CREATE FUNCTION eventos_private.match_response_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_mine uuid[];
BEGIN
  IF (NEW.attendee_1_response, NEW.attendee_2_response) IS NOT DISTINCT FROM (OLD.attendee_1_response, OLD.attendee_2_response) THEN
    RETURN NEW;
  END IF;
  IF eventos_private.is_api_caller() THEN
    v_mine := ARRAY(SELECT eventos_private.own_attendee_ids());
    IF (NEW.attendee_1_response IS DISTINCT FROM OLD.attendee_1_response AND NOT OLD.attendee_1_id = ANY (v_mine))
       OR (NEW.attendee_2_response IS DISTINCT FROM OLD.attendee_2_response AND NOT OLD.attendee_2_id = ANY (v_mine)) THEN
      RAISE EXCEPTION 'Each participant answers a match only for themselves' USING ERRCODE = 'insufficient_privilege',
        HINT = 'Set your own side''s response, or call respond_to_match().';
    END IF;
    IF OLD.status NOT IN ('suggested', 'accepted', 'declined') THEN
      RAISE EXCEPTION 'This match is % and takes no answers', OLD.status USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
    RETURN NEW;   -- the matcher set the status itself
  END IF;
  IF NEW.status IN ('suggested', 'accepted', 'declined') THEN
    NEW.status := CASE
      WHEN 'declined' IN (NEW.attendee_1_response, NEW.attendee_2_response) THEN 'declined'
      WHEN NEW.attendee_1_response = 'accepted' AND NEW.attendee_2_response = 'accepted' THEN 'accepted'
      ELSE 'suggested'
    END;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER trg_matches_responses
  BEFORE UPDATE OF attendee_1_response, attendee_2_response ON public.matches
  FOR EACH ROW EXECUTE FUNCTION eventos_private.match_response_rules();

-- RPC: the caller answers a match they are part of; returns the match's status afterwards.
CREATE FUNCTION public.respond_to_match(p_match_id uuid, p_accept boolean)
RETURNS text
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_answer  text := CASE WHEN p_accept THEN 'accepted' ELSE 'declined' END;
  v_mine    uuid[] := ARRAY(SELECT eventos_private.own_attendee_ids());
  v_status  text;
BEGIN
  IF p_accept IS NULL THEN
    RAISE EXCEPTION 'respond_to_match: p_accept must be true or false' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  UPDATE public.matches AS m
     SET attendee_1_response = CASE WHEN m.attendee_1_id = ANY (v_mine) THEN v_answer ELSE m.attendee_1_response END,
         attendee_2_response = CASE WHEN m.attendee_2_id = ANY (v_mine) THEN v_answer ELSE m.attendee_2_response END
   WHERE m.id = p_match_id AND (m.attendee_1_id = ANY (v_mine) OR m.attendee_2_id = ANY (v_mine))
  RETURNING m.status INTO v_status;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Match not found' USING ERRCODE = 'no_data_found';
  END IF;
  RETURN v_status;
END;
$$;
COMMENT ON FUNCTION public.respond_to_match(uuid, boolean) IS
  'RPC: the caller accepts or declines a match they are part of (their own side only); returns its status.';
REVOKE EXECUTE ON FUNCTION public.respond_to_match(uuid, boolean) FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.respond_to_match(uuid, boolean) TO authenticated, service_role;

REVOKE ALL ON FUNCTION eventos_private.caller_email() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.profile_rules() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.own_registration_counts(uuid, text) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.active_attendee_count(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.attendee_rules() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.match_response_rules() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.caller_email() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.profile_rules() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.own_registration_counts(uuid, text) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.active_attendee_count(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.attendee_rules() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.match_response_rules() TO authenticated, service_role;
