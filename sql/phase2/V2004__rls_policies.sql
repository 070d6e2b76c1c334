-- Phase 2 · row-level security (model: see V0005).
-- Attendee-owned rows: the attendee (own_attendee_ids()) manages them, the event's
-- organizer (organized_attendee_ids()) reads them. Sponsor rows: the sponsor's account
-- and the organizer who created the sponsor (own_sponsor_ids()).

CREATE FUNCTION public.own_sponsor_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT s.id FROM public.sponsors AS s
  WHERE s.user_id = (SELECT auth.uid()) OR s.created_by = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.own_sponsor_ids() IS
  'RLS helper: sponsors whose portal account is, or who were created by, the current user.';

CREATE FUNCTION public.event_peer_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT peer.id
  FROM public.attendees AS me
  JOIN public.attendees AS peer ON peer.event_id = me.event_id
  WHERE me.user_id = (SELECT auth.uid()) AND me.status <> 'cancelled'
$$;
COMMENT ON FUNCTION public.event_peer_attendee_ids() IS
  'RLS helper: attendees of the events the current user attends (networking visibility).';

REVOKE EXECUTE ON FUNCTION public.own_sponsor_ids() FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.event_peer_attendee_ids() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.own_sponsor_ids() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.event_peer_attendee_ids() TO authenticated, service_role;

-- ---------------------------------------------------------------------------------------
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.attendee_preferences, public.session_embeddings, public.recommendation_history,
  public.interaction_events, public.networking_preferences, public.matches, public.meetings,
  public.connection_goals, public.networking_events, public.sponsors, public.sponsor_proposals,
  public.follow_up_sequences, public.sponsorships, public.sponsor_deliverables
FROM anon;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.attendee_preferences, public.session_embeddings, public.recommendation_history,
  public.interaction_events, public.networking_preferences, public.matches, public.meetings,
  public.connection_goals, public.networking_events, public.sponsors, public.sponsor_proposals,
  public.follow_up_sequences, public.sponsorships, public.sponsor_deliverables
FROM authenticated;
REVOKE SELECT ON TABLE
  public.attendee_preferences, public.session_embeddings, public.recommendation_history,
  public.interaction_events, public.networking_preferences, public.matches, public.meetings,
  public.connection_goals, public.sponsors, public.sponsor_proposals, public.follow_up_sequences,
  public.sponsorships, public.sponsor_deliverables
FROM anon;

-- attendee_embeddings: server-only (ERD: "never exposed to frontend").
REVOKE ALL ON TABLE public.attendee_embeddings FROM anon, authenticated;
-- sponsor_lead_scores: no API writes; reads without attendee_id (anonymized).
REVOKE ALL ON TABLE public.sponsor_lead_scores FROM anon, authenticated;
GRANT SELECT (id, sponsor_id, score, scoring_factors, temperature, calculated_at)
  ON TABLE public.sponsor_lead_scores TO authenticated;
-- Embeddings and recommendations are computed by the backend.
REVOKE INSERT, UPDATE, DELETE ON TABLE public.session_embeddings, public.recommendation_history FROM authenticated;
GRANT UPDATE (clicked) ON TABLE public.recommendation_history TO authenticated;
-- Interaction events are an append-only stream.
REVOKE UPDATE, DELETE ON TABLE public.interaction_events FROM authenticated;
-- Matches are produced by the matcher; participants only answer them.
REVOKE INSERT, UPDATE, DELETE ON TABLE public.matches FROM authenticated;
GRANT UPDATE (status) ON TABLE public.matches TO authenticated;
-- A buyer may attribute an order to a recommendation (column added in V2002).
GRANT INSERT (recommendation_id) ON TABLE public.orders TO authenticated;

-- attendee-owned tables
CREATE POLICY attendee_preferences_own ON public.attendee_preferences FOR ALL TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY attendee_preferences_select_organizer ON public.attendee_preferences FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.organized_attendee_ids()));

CREATE POLICY recommendation_history_select ON public.recommendation_history FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids())
         OR attendee_id IN (SELECT public.organized_attendee_ids()));
CREATE POLICY recommendation_history_click_own ON public.recommendation_history FOR UPDATE TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));

CREATE POLICY interaction_events_select ON public.interaction_events FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids())
         OR attendee_id IN (SELECT public.organized_attendee_ids()));
CREATE POLICY interaction_events_insert_own ON public.interaction_events FOR INSERT TO authenticated
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));

CREATE POLICY networking_preferences_own ON public.networking_preferences FOR ALL TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY networking_preferences_select_peers ON public.networking_preferences FOR SELECT TO authenticated
  USING ((public_profile AND attendee_id IN (SELECT public.event_peer_attendee_ids()))
         OR attendee_id IN (SELECT public.organized_attendee_ids()));

CREATE POLICY connection_goals_own ON public.connection_goals FOR ALL TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY connection_goals_select_organizer ON public.connection_goals FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.organized_attendee_ids()));

-- session embeddings: the event's organizer may inspect them.
CREATE POLICY session_embeddings_select_organizer ON public.session_embeddings FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.id FROM public.event_sessions AS s
                        WHERE s.event_id IN (SELECT public.organized_event_ids())));

-- matches: both participants and the event's organizer.
CREATE POLICY matches_select ON public.matches FOR SELECT TO authenticated
  USING (attendee_1_id IN (SELECT public.own_attendee_ids())
         OR attendee_2_id IN (SELECT public.own_attendee_ids())
         OR event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY matches_respond ON public.matches FOR UPDATE TO authenticated
  USING (attendee_1_id IN (SELECT public.own_attendee_ids())
         OR attendee_2_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (attendee_1_id IN (SELECT public.own_attendee_ids())
              OR attendee_2_id IN (SELECT public.own_attendee_ids()));

-- meetings: participants manage; the inviter must be the current user and the invitee a
-- peer at one of the user's events.
CREATE POLICY meetings_select ON public.meetings FOR SELECT TO authenticated
  USING (organizer_id IN (SELECT public.own_attendee_ids())
         OR invitee_id IN (SELECT public.own_attendee_ids())
         OR organizer_id IN (SELECT public.organized_attendee_ids()));
CREATE POLICY meetings_insert ON public.meetings FOR INSERT TO authenticated
  WITH CHECK (organizer_id IN (SELECT public.own_attendee_ids())
              AND invitee_id IN (SELECT public.event_peer_attendee_ids()));
CREATE POLICY meetings_update ON public.meetings FOR UPDATE TO authenticated
  USING (organizer_id IN (SELECT public.own_attendee_ids())
         OR invitee_id IN (SELECT public.own_attendee_ids()))
  WITH CHECK (organizer_id IN (SELECT public.own_attendee_ids())
              OR invitee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY meetings_delete ON public.meetings FOR DELETE TO authenticated
  USING (organizer_id IN (SELECT public.own_attendee_ids()));

-- networking events: public like sessions; organizers manage.
CREATE POLICY networking_events_select_public ON public.networking_events FOR SELECT TO anon
  USING (event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY networking_events_select ON public.networking_events FOR SELECT TO authenticated
  USING (event_id IN (SELECT e.id FROM public.events AS e));
CREATE POLICY networking_events_organizer ON public.networking_events FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- sponsors
CREATE POLICY sponsors_select ON public.sponsors FOR SELECT TO authenticated
  USING (id IN (SELECT public.own_sponsor_ids())
         OR id IN (SELECT sp.sponsor_id FROM public.sponsorships AS sp
                   WHERE sp.event_id IN (SELECT public.organized_event_ids()))
         OR id IN (SELECT pr.sponsor_id FROM public.sponsor_proposals AS pr
                   WHERE pr.event_id IN (SELECT public.organized_event_ids())));
CREATE POLICY sponsors_insert ON public.sponsors FOR INSERT TO authenticated
  WITH CHECK (created_by = (SELECT auth.uid()));
CREATE POLICY sponsors_update ON public.sponsors FOR UPDATE TO authenticated
  USING (id IN (SELECT public.own_sponsor_ids()))
  WITH CHECK (id IN (SELECT public.own_sponsor_ids()));
CREATE POLICY sponsors_delete ON public.sponsors FOR DELETE TO authenticated
  USING (created_by = (SELECT auth.uid()));

CREATE POLICY sponsor_proposals_organizer ON public.sponsor_proposals FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY sponsor_proposals_select_sponsor ON public.sponsor_proposals FOR SELECT TO authenticated
  USING (sponsor_id IN (SELECT public.own_sponsor_ids()));

-- lead scores: only the sponsor's own account (not the organizer), attendee_id not granted.
CREATE POLICY sponsor_lead_scores_select_sponsor ON public.sponsor_lead_scores FOR SELECT TO authenticated
  USING (sponsor_id IN (SELECT s.id FROM public.sponsors AS s WHERE s.user_id = (SELECT auth.uid())));

CREATE POLICY follow_up_sequences_sponsor ON public.follow_up_sequences FOR ALL TO authenticated
  USING (sponsor_id IN (SELECT public.own_sponsor_ids()))
  WITH CHECK (sponsor_id IN (SELECT public.own_sponsor_ids()));

CREATE POLICY sponsorships_organizer ON public.sponsorships FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY sponsorships_select_sponsor ON public.sponsorships FOR SELECT TO authenticated
  USING (sponsor_id IN (SELECT public.own_sponsor_ids()));

CREATE POLICY sponsor_deliverables_organizer ON public.sponsor_deliverables FOR ALL TO authenticated
  USING (sponsorship_id IN (SELECT sp.id FROM public.sponsorships AS sp
                            WHERE sp.event_id IN (SELECT public.organized_event_ids())))
  WITH CHECK (sponsorship_id IN (SELECT sp.id FROM public.sponsorships AS sp
                                 WHERE sp.event_id IN (SELECT public.organized_event_ids())));
CREATE POLICY sponsor_deliverables_select_sponsor ON public.sponsor_deliverables FOR SELECT TO authenticated
  USING (sponsorship_id IN (SELECT sp.id FROM public.sponsorships AS sp
                            WHERE sp.sponsor_id IN (SELECT public.own_sponsor_ids())));
