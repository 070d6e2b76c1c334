-- Phase 3 · row-level security (model: see V0005).
-- Closed to anon/authenticated (RLS on, no policies, no grants): facial_recognition_data,
-- sentiment_scores (ERD security table), agent_memory (ERD), translation_cache (server cache).
-- Everything else: the event's organizer reads; attendees read their own rows and the
-- transcripts of sessions of events they attend. Writes come from the AI backend
-- (service_role) except where stated.

REVOKE ALL ON TABLE
  public.facial_recognition_data, public.sentiment_scores, public.agent_memory, public.translation_cache
FROM anon, authenticated;

REVOKE ALL ON TABLE
  public.check_in_logs, public.crowd_analytics, public.heat_map_data, public.security_alerts,
  public.session_transcripts, public.transcript_keywords, public.audio_processing_jobs,
  public.engagement_snapshots, public.feedback_analysis, public.predictions, public.automated_insights,
  public.scenario_simulations, public.agent_tasks, public.agent_communications, public.coordination_sessions
FROM anon;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.crowd_analytics, public.heat_map_data, public.session_transcripts, public.transcript_keywords,
  public.audio_processing_jobs, public.engagement_snapshots, public.feedback_analysis, public.predictions,
  public.automated_insights, public.agent_tasks, public.agent_communications, public.coordination_sessions
FROM authenticated;
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.check_in_logs FROM authenticated;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.security_alerts FROM authenticated;
GRANT UPDATE (resolved, resolved_at) ON TABLE public.security_alerts TO authenticated;
REVOKE UPDATE, TRUNCATE, REFERENCES, TRIGGER ON TABLE public.scenario_simulations FROM authenticated;

-- check-ins: organizers (door staff) record and read them; attendees see their own.
CREATE POLICY check_in_logs_select ON public.check_in_logs FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids())
         OR attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY check_in_logs_insert_organizer ON public.check_in_logs FOR INSERT TO authenticated
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

CREATE POLICY crowd_analytics_select_organizer ON public.crowd_analytics FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY heat_map_data_select_organizer ON public.heat_map_data FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY security_alerts_select_organizer ON public.security_alerts FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY security_alerts_resolve_organizer ON public.security_alerts FOR UPDATE TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- transcripts and keywords: the organizer and the attendees of the session's event.
CREATE POLICY session_transcripts_select ON public.session_transcripts FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.id FROM public.event_sessions AS s
                        WHERE s.event_id IN (SELECT public.organized_event_ids())
                           OR s.event_id IN (SELECT public.attended_event_ids())));
CREATE POLICY transcript_keywords_select ON public.transcript_keywords FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.id FROM public.event_sessions AS s
                        WHERE s.event_id IN (SELECT public.organized_event_ids())
                           OR s.event_id IN (SELECT public.attended_event_ids())));
CREATE POLICY audio_processing_jobs_select_organizer ON public.audio_processing_jobs FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.id FROM public.event_sessions AS s
                        WHERE s.event_id IN (SELECT public.organized_event_ids())));
-- aggregated sentiment (the individual scores stay closed)
CREATE POLICY engagement_snapshots_select_organizer ON public.engagement_snapshots FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.id FROM public.event_sessions AS s
                        WHERE s.event_id IN (SELECT public.organized_event_ids())));

CREATE POLICY feedback_analysis_select ON public.feedback_analysis FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids())
         OR attendee_id IN (SELECT public.organized_attendee_ids()));

CREATE POLICY predictions_select_organizer ON public.predictions FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY automated_insights_select_organizer ON public.automated_insights FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
-- organizers run what-if simulations themselves
CREATE POLICY scenario_simulations_organizer ON public.scenario_simulations FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()) AND created_by = (SELECT auth.uid()));

-- agent work on an organizer's event is visible to that organizer
CREATE POLICY agent_tasks_select_organizer ON public.agent_tasks FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY agent_communications_select_organizer ON public.agent_communications FOR SELECT TO authenticated
  USING (task_id IN (SELECT t.id FROM public.agent_tasks AS t));
CREATE POLICY coordination_sessions_select_organizer ON public.coordination_sessions FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));
