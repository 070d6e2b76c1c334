-- Rollback of phase 2 (personalization, networking, sponsors), newest objects first.
-- Leaves phases 0–1 exactly as before phase 2: the columns phase 2 added to attendees and
-- orders are dropped (with their indexes, FK and column grants), and extension vector is
-- dropped only if V2001 created it. Requires phase 3 to be rolled back already.
-- No CASCADE. Does not touch the migration history table. DATA LOSS: drops every phase 2 table.

-- V2005 / V2002: undo the ALTERs of phase 0 tables.
ALTER TABLE public.orders DROP COLUMN IF EXISTS recommendation_id;
ALTER TABLE public.attendees DROP COLUMN IF EXISTS personalization_consent;
ALTER TABLE public.attendees DROP COLUMN IF EXISTS networking_opt_in;

-- V2003 / V2002 tables (policies, triggers, indexes go with them).
DROP TABLE IF EXISTS
  public.sponsor_deliverables,
  public.sponsorships,
  public.follow_up_sequences,
  public.sponsor_lead_scores,
  public.sponsor_proposals,
  public.sponsors,
  public.networking_events,
  public.connection_goals,
  public.meetings,
  public.matches,
  public.networking_preferences,
  public.interaction_events,
  public.recommendation_history,
  public.attendee_embeddings,
  public.session_embeddings,
  public.attendee_preferences;

-- V2004 helpers
DROP FUNCTION IF EXISTS public.event_peer_attendee_ids();
DROP FUNCTION IF EXISTS public.own_sponsor_ids();

-- V2001: the extension, only if phase 2 created it (marked by its comment).
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_extension AS x
             WHERE x.extname = 'vector'
               AND pg_catalog.obj_description(x.oid, 'pg_extension') LIKE 'eventos:phase2%') THEN
    DROP EXTENSION vector;
  END IF;
END
$$;
