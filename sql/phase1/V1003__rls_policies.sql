-- Phase 1 · row-level security (model: see V0005). Helpers from phase 0:
-- organized_event_ids(), own_attendee_ids().

REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.content_templates, public.ai_generated_content, public.generation_history,
  public.dashboard_metrics_snapshots, public.predictive_models, public.faq_library,
  public.knowledge_base_articles, public.attendee_engagements, public.chatbot_logs
FROM anon;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.content_templates, public.ai_generated_content, public.generation_history,
  public.dashboard_metrics_snapshots, public.predictive_models, public.faq_library,
  public.knowledge_base_articles, public.attendee_engagements, public.chatbot_logs
FROM authenticated;
REVOKE SELECT ON TABLE
  public.content_templates, public.ai_generated_content, public.generation_history,
  public.dashboard_metrics_snapshots, public.predictive_models, public.attendee_engagements,
  public.chatbot_logs
FROM anon;
-- The template library and the models are curated by the backend (service_role).
REVOKE INSERT, UPDATE, DELETE ON TABLE public.content_templates, public.predictive_models FROM authenticated;
-- generation_history is an append-only log for its user.
REVOKE UPDATE, DELETE ON TABLE public.generation_history FROM authenticated;
-- Engagement events are written by the attendee's client or the backend, never edited.
REVOKE UPDATE, DELETE ON TABLE public.attendee_engagements FROM authenticated;

-- content_templates: active templates are readable by signed-in users.
CREATE POLICY content_templates_select_active ON public.content_templates FOR SELECT TO authenticated
  USING (active);

-- ai_generated_content: the event's organizer.
CREATE POLICY ai_generated_content_organizer ON public.ai_generated_content FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- generation_history: the requesting user.
CREATE POLICY generation_history_select_own ON public.generation_history FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY generation_history_insert_own ON public.generation_history FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid())
              AND (content_id IS NULL OR content_id IN (SELECT c.id FROM public.ai_generated_content AS c)));

-- dashboard snapshots: the event's organizer.
CREATE POLICY dashboard_metrics_snapshots_organizer ON public.dashboard_metrics_snapshots FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- predictive models: readable by the event's organizer (platform-wide models stay internal).
CREATE POLICY predictive_models_select_organizer ON public.predictive_models FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()));

-- FAQ / knowledge base: platform entries (event_id NULL) and entries of visible events are
-- public; organizers manage their events' entries.
CREATE POLICY faq_library_select_public ON public.faq_library FOR SELECT TO anon
  USING (event_id IS NULL
         OR event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY faq_library_select ON public.faq_library FOR SELECT TO authenticated
  USING (event_id IS NULL OR event_id IN (SELECT e.id FROM public.events AS e));
CREATE POLICY faq_library_organizer ON public.faq_library FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

CREATE POLICY knowledge_base_articles_select_public ON public.knowledge_base_articles FOR SELECT TO anon
  USING (event_id IS NULL
         OR event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY knowledge_base_articles_select ON public.knowledge_base_articles FOR SELECT TO authenticated
  USING (event_id IS NULL OR event_id IN (SELECT e.id FROM public.events AS e));
CREATE POLICY knowledge_base_articles_organizer ON public.knowledge_base_articles FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- attendee_engagements: organizers read their events'; attendees read and record their own.
CREATE POLICY attendee_engagements_select ON public.attendee_engagements FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids())
         OR attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY attendee_engagements_insert_own ON public.attendee_engagements FOR INSERT TO authenticated
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));

-- chatbot_logs: organizers read/resolve their events' conversations; attendees their own.
CREATE POLICY chatbot_logs_organizer ON public.chatbot_logs FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY chatbot_logs_select_own ON public.chatbot_logs FOR SELECT TO authenticated
  USING (attendee_id IN (SELECT public.own_attendee_ids()));
CREATE POLICY chatbot_logs_insert_own ON public.chatbot_logs FOR INSERT TO authenticated
  WITH CHECK (attendee_id IN (SELECT public.own_attendee_ids()));
