-- Phase 4 · registration and networking.
--  * Self-registration (attendee row with user_id = the caller) only for free events, one
--    active row per user and event, at most settings.max_free_registrations_per_day a day,
--    with the caller's own e-mail. Paid events: an attendee row comes with a ticket
--    (assign_ticket(), or the organizer / backend).
--  * Organizers add guests without linking user accounts, and never decide consent
--    (networking_opt_in / personalization_consent belong to the attendee).
--  * networking_participants: the ERD's ATTENDEES }o--o{ NETWORKING_EVENTS "participates",
--    with a capacity check (networking_events.participant_count, one conditional UPDATE).

CREATE FUNCTION eventos_private.caller_email()
RETURNS text
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT coalesce(nullif((SELECT auth.jwt()) ->> 'email', ''),
                  (SELECT p.email FROM public.profiles AS p WHERE p.id = (SELECT auth.uid())))
$$;
COMMENT ON FUNCTION eventos_private.caller_email() IS
  'The calling user''s e-mail: the JWT''s email claim, else their profile''s.';

-- Counts of the caller's own registrations (the attendees RLS of the caller would also show
-- them, but the organizer path must not count other people's rows).
CREATE FUNCTION eventos_private.own_registration_counts(p_event_id uuid, OUT at_event integer, OUT last_day integer)
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT count(*) FILTER (WHERE a.event_id = p_event_id AND a.status <> 'cancelled')::integer,
         count(*) FILTER (WHERE a.created_at > pg_catalog.now() - interval '1 day')::integer
  FROM public.attendees AS a
  WHERE a.user_id = (SELECT auth.uid())
$$;

CREATE FUNCTION eventos_private.attendee_rules()
RETURNS trigger
LANGUAGE plpgsql
SECURITY INVOKER
SET search_path = ''
AS $$
DECLARE
  v_uid     uuid := (SELECT auth.uid());
  v_counts  record;
  v_email   text;
BEGIN
  IF NOT eventos_private.is_api_caller() THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' THEN
    IF NEW.user_id IS NOT DISTINCT FROM v_uid AND v_uid IS NOT NULL THEN
      IF NOT eventos_private.event_is_free(NEW.event_id) THEN
        RAISE EXCEPTION 'This event sells tickets: attendees are registered through a ticket'
          USING ERRCODE = 'check_violation', HINT = 'Buy a ticket, then call assign_ticket().';
      END IF;
      PERFORM pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('attendees:' || v_uid::text, 0));
      v_counts := eventos_private.own_registration_counts(NEW.event_id);
      IF v_counts.at_event > 0 THEN
        RAISE EXCEPTION 'You are already registered for this event' USING ERRCODE = 'unique_violation';
      END IF;
      IF v_counts.last_day >= (eventos_private.current_settings()).max_free_registrations_per_day THEN
        RAISE EXCEPTION 'Too many registrations in the last 24 hours' USING ERRCODE = 'check_violation';
      END IF;
      v_email := eventos_private.caller_email();
      IF v_email IS NOT NULL AND pg_catalog.lower(NEW.email) <> pg_catalog.lower(v_email) THEN
        RAISE EXCEPTION 'Register with your own e-mail address' USING ERRCODE = 'check_violation';
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
  v_email := eventos_private.caller_email();
  IF OLD.user_id IS NOT DISTINCT FROM v_uid AND NEW.email IS DISTINCT FROM OLD.email
     AND v_email IS NOT NULL AND pg_catalog.lower(NEW.email) <> pg_catalog.lower(v_email) THEN
    RAISE EXCEPTION 'Register with your own e-mail address' USING ERRCODE = 'check_violation';
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

-- The buyer of a live ticket registers its holder: themselves (the attendee row is linked to
-- their account, reusing their registration at the event if they have one) or a guest (no
-- account link). Returns the attendee id.
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
    v_email := coalesce(nullif(p_email, ''), eventos_private.caller_email());
    SELECT a.id INTO v_attendee FROM public.attendees AS a
    WHERE a.event_id = v_ticket.event_id AND a.user_id = v_uid AND a.status <> 'cancelled'
    ORDER BY a.created_at LIMIT 1;
    IF v_attendee IS NOT NULL AND EXISTS (SELECT 1 FROM public.tickets AS t
                                          WHERE t.attendee_id = v_attendee AND t.status IN ('valid', 'used')) THEN
      RAISE EXCEPTION 'You already hold a ticket for this event: assign this one to a guest'
        USING ERRCODE = 'unique_violation';
    END IF;
  ELSE
    v_email := nullif(p_email, '');
  END IF;
  IF v_email IS NULL THEN
    RAISE EXCEPTION 'assign_ticket: an e-mail address is required' USING ERRCODE = 'invalid_parameter_value';
  END IF;

  IF v_attendee IS NULL THEN
    BEGIN
      INSERT INTO public.attendees (event_id, user_id, email, full_name)
      VALUES (v_ticket.event_id, CASE WHEN p_for_self THEN v_uid END, v_email, p_full_name)
      RETURNING id INTO v_attendee;
    EXCEPTION WHEN unique_violation THEN
      -- (event, e-mail) taken: say so without echoing anything about the existing row.
      RAISE EXCEPTION 'This e-mail address cannot be registered for this event again'
        USING ERRCODE = 'unique_violation';
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
  IF TG_OP = 'DELETE' THEN
    RETURN OLD;
  END IF;
  RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION eventos_private.networking_participation_rules() FROM PUBLIC, anon, authenticated;

CREATE TRIGGER trg_networking_participants_capacity
  BEFORE INSERT OR DELETE OR UPDATE OF status, networking_event_id, event_id, attendee_id
  ON public.networking_participants
  FOR EACH ROW EXECUTE FUNCTION eventos_private.networking_participation_rules();

REVOKE ALL ON FUNCTION eventos_private.caller_email() FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.own_registration_counts(uuid) FROM PUBLIC, anon;
REVOKE ALL ON FUNCTION eventos_private.attendee_rules() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION eventos_private.caller_email() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.own_registration_counts(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION eventos_private.attendee_rules() TO authenticated, service_role;
