-- Phase 4 · every policy rewritten (issue 14).
--  * Shape: `col = ANY (ARRAY(SELECT eventos_private.helper()))` — the helper runs once per
--    statement (InitPlan) and the comparison is an index condition, where phase 0–3's
--    `col IN (SELECT helper())` became a hashed SubPlan filter over a full scan.
--  * Catalogue tables (sessions, tiers, networking activities, FAQ …) no longer build the list
--    of every visible event per query: `EXISTS (SELECT 1 FROM events e WHERE e.id = t.event_id)`
--    probes the event's primary key per row (with the events policies applied).
--  * Every UPDATE policy (FOR UPDATE and FOR ALL) has a WITH CHECK re-asserting ownership;
--    ownership/tenant columns are not updatable (V4005); references are checked to stay inside
--    what the caller owns (sponsorships/proposals → own sponsors, email templates → own
--    campaigns, snapshots → the same event's dashboard, orders → own recommendations …).
--  * Helpers live in eventos_private (not an API schema); the phase 0–2 helpers in public lose
--    EXECUTE for the API roles (they are no longer RPC endpoints).
-- Names of policies whose meaning did not change are kept.

-- The phase 0–3 policies.
DROP POLICY profiles_select_own ON public.profiles;
DROP POLICY profiles_insert_own ON public.profiles;
DROP POLICY profiles_update_own ON public.profiles;
DROP POLICY venues_select_active ON public.venues;
DROP POLICY venues_select_own ON public.venues;
DROP POLICY venues_insert_own ON public.venues;
DROP POLICY venues_update_own ON public.venues;
DROP POLICY venues_delete_own ON public.venues;
DROP POLICY events_select_public ON public.events;
DROP POLICY events_select ON public.events;
DROP POLICY events_insert_own ON public.events;
DROP POLICY events_update_own ON public.events;
DROP POLICY events_delete_own ON public.events;
DROP POLICY event_sessions_select_public ON public.event_sessions;
DROP POLICY event_sessions_select ON public.event_sessions;
DROP POLICY event_sessions_organizer ON public.event_sessions;
DROP POLICY ticket_tiers_select_public ON public.ticket_tiers;
DROP POLICY ticket_tiers_select ON public.ticket_tiers;
DROP POLICY ticket_tiers_organizer ON public.ticket_tiers;
DROP POLICY orders_select ON public.orders;
DROP POLICY orders_insert_own ON public.orders;
DROP POLICY payments_select ON public.payments;
DROP POLICY attendees_select ON public.attendees;
DROP POLICY attendees_register_self ON public.attendees;
DROP POLICY attendees_organizer ON public.attendees;
DROP POLICY tickets_select ON public.tickets;
DROP POLICY tickets_update_organizer ON public.tickets;
DROP POLICY marketing_campaigns_organizer ON public.marketing_campaigns;
DROP POLICY whatsapp_campaigns_organizer ON public.whatsapp_campaigns;
DROP POLICY venue_bookings_organizer ON public.venue_bookings;
DROP POLICY event_dashboards_organizer ON public.event_dashboards;
DROP POLICY email_templates_owner ON public.email_templates;
DROP POLICY wizard_sessions_owner ON public.wizard_sessions;
DROP POLICY wizard_actions_select_own ON public.wizard_actions;
DROP POLICY wizard_actions_insert_own ON public.wizard_actions;
DROP POLICY events_archive_select_own ON public.events_archive;
DROP POLICY content_templates_select_active ON public.content_templates;
DROP POLICY ai_generated_content_organizer ON public.ai_generated_content;
DROP POLICY generation_history_select_own ON public.generation_history;
DROP POLICY generation_history_insert_own ON public.generation_history;
DROP POLICY dashboard_metrics_snapshots_organizer ON public.dashboard_metrics_snapshots;
DROP POLICY predictive_models_select_organizer ON public.predictive_models;
DROP POLICY faq_library_select_public ON public.faq_library;
DROP POLICY faq_library_select ON public.faq_library;
DROP POLICY faq_library_organizer ON public.faq_library;
DROP POLICY knowledge_base_articles_select_public ON public.knowledge_base_articles;
DROP POLICY knowledge_base_articles_select ON public.knowledge_base_articles;
DROP POLICY knowledge_base_articles_organizer ON public.knowledge_base_articles;
DROP POLICY attendee_engagements_select ON public.attendee_engagements;
DROP POLICY attendee_engagements_insert_own ON public.attendee_engagements;
DROP POLICY chatbot_logs_organizer ON public.chatbot_logs;
DROP POLICY chatbot_logs_select_own ON public.chatbot_logs;
DROP POLICY chatbot_logs_insert_own ON public.chatbot_logs;
DROP POLICY attendee_preferences_own ON public.attendee_preferences;
DROP POLICY attendee_preferences_select_organizer ON public.attendee_preferences;
DROP POLICY recommendation_history_select ON public.recommendation_history;
DROP POLICY recommendation_history_click_own ON public.recommendation_history;
DROP POLICY interaction_events_select ON public.interaction_events;
DROP POLICY interaction_events_insert_own ON public.interaction_events;
DROP POLICY networking_preferences_own ON public.networking_preferences;
DROP POLICY networking_preferences_select_peers ON public.networking_preferences;
DROP POLICY connection_goals_own ON public.connection_goals;
DROP POLICY connection_goals_select_organizer ON public.connection_goals;
DROP POLICY session_embeddings_select_organizer ON public.session_embeddings;
DROP POLICY matches_select ON public.matches;
DROP POLICY matches_respond ON public.matches;
DROP POLICY meetings_select ON public.meetings;
DROP POLICY meetings_insert ON public.meetings;
DROP POLICY meetings_update ON public.meetings;
DROP POLICY meetings_delete ON public.meetings;
DROP POLICY networking_events_select_public ON public.networking_events;
DROP POLICY networking_events_select ON public.networking_events;
DROP POLICY networking_events_organizer ON public.networking_events;
DROP POLICY sponsors_select ON public.sponsors;
DROP POLICY sponsors_insert ON public.sponsors;
DROP POLICY sponsors_update ON public.sponsors;
DROP POLICY sponsors_delete ON public.sponsors;
DROP POLICY sponsor_proposals_organizer ON public.sponsor_proposals;
DROP POLICY sponsor_proposals_select_sponsor ON public.sponsor_proposals;
DROP POLICY sponsor_lead_scores_select_sponsor ON public.sponsor_lead_scores;
DROP POLICY follow_up_sequences_sponsor ON public.follow_up_sequences;
DROP POLICY sponsorships_organizer ON public.sponsorships;
DROP POLICY sponsorships_select_sponsor ON public.sponsorships;
DROP POLICY sponsor_deliverables_organizer ON public.sponsor_deliverables;
DROP POLICY sponsor_deliverables_select_sponsor ON public.sponsor_deliverables;
DROP POLICY check_in_logs_select ON public.check_in_logs;
DROP POLICY check_in_logs_insert_organizer ON public.check_in_logs;
DROP POLICY crowd_analytics_select_organizer ON public.crowd_analytics;
DROP POLICY heat_map_data_select_organizer ON public.heat_map_data;
DROP POLICY security_alerts_select_organizer ON public.security_alerts;
DROP POLICY security_alerts_resolve_organizer ON public.security_alerts;
DROP POLICY session_transcripts_select ON public.session_transcripts;
DROP POLICY transcript_keywords_select ON public.transcript_keywords;
DROP POLICY audio_processing_jobs_select_organizer ON public.audio_processing_jobs;
DROP POLICY engagement_snapshots_select_organizer ON public.engagement_snapshots;
DROP POLICY feedback_analysis_select ON public.feedback_analysis;
DROP POLICY predictions_select_organizer ON public.predictions;
DROP POLICY automated_insights_select_organizer ON public.automated_insights;
DROP POLICY scenario_simulations_organizer ON public.scenario_simulations;
DROP POLICY agent_tasks_select_organizer ON public.agent_tasks;
DROP POLICY agent_communications_select_organizer ON public.agent_communications;
DROP POLICY coordination_sessions_select_organizer ON public.coordination_sessions;

-- profiles: own row; the role column is not writable by API roles (admin_set_role, V4007)
CREATE POLICY profiles_select_own ON public.profiles FOR SELECT TO authenticated
  USING (id = (SELECT auth.uid()));
CREATE POLICY profiles_insert_own ON public.profiles FOR INSERT TO authenticated
  WITH CHECK (id = (SELECT auth.uid()));
CREATE POLICY profiles_update_own ON public.profiles FOR UPDATE TO authenticated
  USING (id = (SELECT auth.uid()))
  WITH CHECK (id = (SELECT auth.uid()));

-- venues: a catalogue of active venues; owners manage theirs
CREATE POLICY venues_select_active ON public.venues FOR SELECT TO anon, authenticated
  USING (status = 'active');
CREATE POLICY venues_select_own ON public.venues FOR SELECT TO authenticated
  USING (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_insert_own ON public.venues FOR INSERT TO authenticated
  WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_update_own ON public.venues FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_delete_own ON public.venues FOR DELETE TO authenticated
  USING (owner_id = (SELECT auth.uid()));

-- events: creating and keeping an event needs the organizer (or admin) role
CREATE POLICY events_select_public ON public.events FOR SELECT TO anon
  USING (status = 'published' AND visibility = 'public');
CREATE POLICY events_select ON public.events FOR SELECT TO authenticated
  USING ((status = 'published' AND visibility = 'public') OR organizer_id = (SELECT auth.uid()) OR id = ANY (ARRAY(SELECT eventos_private.attended_event_ids())));
CREATE POLICY events_insert_organizer ON public.events FOR INSERT TO authenticated
  WITH CHECK (organizer_id = (SELECT auth.uid()) AND (SELECT eventos_private.can_organize()) AND (venue_id IS NULL OR EXISTS (SELECT 1 FROM public.venues AS v WHERE v.id = events.venue_id)));
CREATE POLICY events_update_own ON public.events FOR UPDATE TO authenticated
  USING (organizer_id = (SELECT auth.uid()))
  WITH CHECK (organizer_id = (SELECT auth.uid()) AND (SELECT eventos_private.can_organize()) AND (venue_id IS NULL OR EXISTS (SELECT 1 FROM public.venues AS v WHERE v.id = events.venue_id)));
CREATE POLICY events_delete_own ON public.events FOR DELETE TO authenticated
  USING (organizer_id = (SELECT auth.uid()));

-- catalogue children: readable wherever the event is (one indexed probe per row, no global list); organizers manage
CREATE POLICY event_sessions_select_public ON public.event_sessions FOR SELECT TO anon
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = event_sessions.event_id AND e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY event_sessions_select ON public.event_sessions FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = event_sessions.event_id));
CREATE POLICY event_sessions_organizer ON public.event_sessions FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY ticket_tiers_select_public ON public.ticket_tiers FOR SELECT TO anon
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = ticket_tiers.event_id AND e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY ticket_tiers_select ON public.ticket_tiers FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = ticket_tiers.event_id));
CREATE POLICY ticket_tiers_organizer ON public.ticket_tiers FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));

-- orders: buyer and organizer read; buyers create pending orders on published events and cancel them
CREATE POLICY orders_select ON public.orders FOR SELECT TO authenticated
  USING (customer_id = (SELECT auth.uid()) OR event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY orders_insert_own ON public.orders FOR INSERT TO authenticated
  WITH CHECK (customer_id = (SELECT auth.uid()) AND status = 'pending' AND EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = orders.event_id AND e.status = 'published') AND (recommendation_id IS NULL OR EXISTS (SELECT 1 FROM public.recommendation_history AS r WHERE r.id = orders.recommendation_id AND r.attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))));
CREATE POLICY orders_cancel_own ON public.orders FOR UPDATE TO authenticated
  USING (customer_id = (SELECT auth.uid()) AND status = 'pending')
  WITH CHECK (customer_id = (SELECT auth.uid()) AND status = 'cancelled');

-- payments: visible with their order (the caller's visible orders, once, as an index condition)
CREATE POLICY payments_select ON public.payments FOR SELECT TO authenticated
  USING (order_id = ANY (ARRAY(SELECT o.id FROM public.orders AS o)));

-- attendees: self-registration (free events, trigger rules), self-service, organizers manage
CREATE POLICY attendees_select ON public.attendees FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY attendees_register_self ON public.attendees FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND status = 'registered' AND EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = attendees.event_id AND e.status = 'published'));
CREATE POLICY attendees_update_self ON public.attendees FOR UPDATE TO authenticated
  USING (user_id = (SELECT auth.uid()))
  WITH CHECK (user_id = (SELECT auth.uid()));
CREATE POLICY attendees_organizer ON public.attendees FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));

-- tickets: organizer, holder, buyer; organizers check in / assign within their event
CREATE POLICY tickets_select ON public.tickets FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR order_id = ANY (ARRAY(SELECT eventos_private.customer_order_ids())));
CREATE POLICY tickets_update_organizer ON public.tickets FOR UPDATE TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));

-- organizer-only event children; references stay inside the event
CREATE POLICY marketing_campaigns_organizer ON public.marketing_campaigns FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND (ai_content_id IS NULL OR EXISTS (SELECT 1 FROM public.ai_generated_content AS c WHERE c.id = marketing_campaigns.ai_content_id AND c.event_id = marketing_campaigns.event_id)));
CREATE POLICY whatsapp_campaigns_organizer ON public.whatsapp_campaigns FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY event_dashboards_organizer ON public.event_dashboards FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));

-- venue bookings: requests by the event organizer; the venue owner sees and answers them (trigger rules)
CREATE POLICY venue_bookings_select ON public.venue_bookings FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR venue_id = ANY (ARRAY(SELECT eventos_private.owned_venue_ids())));
CREATE POLICY venue_bookings_request ON public.venue_bookings FOR INSERT TO authenticated
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND status = 'pending');
CREATE POLICY venue_bookings_update ON public.venue_bookings FOR UPDATE TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR venue_id = ANY (ARRAY(SELECT eventos_private.owned_venue_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR venue_id = ANY (ARRAY(SELECT eventos_private.owned_venue_ids())));
CREATE POLICY venue_bookings_delete ON public.venue_bookings FOR DELETE TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND status <> 'confirmed');

-- email templates: the author; a campaign / AI content must be the author's
CREATE POLICY email_templates_owner ON public.email_templates FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid()) AND (campaign_id IS NULL OR EXISTS (SELECT 1 FROM public.marketing_campaigns AS c WHERE c.id = email_templates.campaign_id AND c.event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))) AND (ai_content_id IS NULL OR EXISTS (SELECT 1 FROM public.ai_generated_content AS a WHERE a.id = email_templates.ai_content_id AND a.event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))));

-- wizard state
CREATE POLICY wizard_sessions_owner ON public.wizard_sessions FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid()))
  WITH CHECK (user_id = (SELECT auth.uid()) AND (event_id IS NULL OR event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids()))));
CREATE POLICY wizard_actions_select_own ON public.wizard_actions FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.own_wizard_session_ids())));
CREATE POLICY wizard_actions_insert_own ON public.wizard_actions FOR INSERT TO authenticated
  WITH CHECK (session_id = ANY (ARRAY(SELECT eventos_private.own_wizard_session_ids())));

-- archive (phase 0 table)
CREATE POLICY events_archive_select_own ON public.events_archive FOR SELECT TO authenticated
  USING (organizer_id = (SELECT auth.uid()));

-- phase 1 · AI content, analytics, FAQ / knowledge base, logs
CREATE POLICY content_templates_select_active ON public.content_templates FOR SELECT TO authenticated
  USING (active);
CREATE POLICY ai_generated_content_organizer ON public.ai_generated_content FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND (created_by IS NULL OR created_by = (SELECT auth.uid())));
CREATE POLICY generation_history_select_own ON public.generation_history FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()));
CREATE POLICY generation_history_insert_own ON public.generation_history FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid()) AND (content_id IS NULL OR EXISTS (SELECT 1 FROM public.ai_generated_content AS c WHERE c.id = generation_history.content_id)));
CREATE POLICY dashboard_metrics_snapshots_organizer ON public.dashboard_metrics_snapshots FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND (dashboard_id IS NULL OR EXISTS (SELECT 1 FROM public.event_dashboards AS d WHERE d.id = dashboard_metrics_snapshots.dashboard_id AND d.event_id = dashboard_metrics_snapshots.event_id)));
CREATE POLICY predictive_models_select_organizer ON public.predictive_models FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY faq_library_select_public ON public.faq_library FOR SELECT TO anon
  USING (event_id IS NULL OR EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = faq_library.event_id AND e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY faq_library_select ON public.faq_library FOR SELECT TO authenticated
  USING (event_id IS NULL OR EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = faq_library.event_id));
CREATE POLICY faq_library_organizer ON public.faq_library FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY knowledge_base_articles_select_public ON public.knowledge_base_articles FOR SELECT TO anon
  USING (event_id IS NULL OR EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = knowledge_base_articles.event_id AND e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY knowledge_base_articles_select ON public.knowledge_base_articles FOR SELECT TO authenticated
  USING (event_id IS NULL OR EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = knowledge_base_articles.event_id));
CREATE POLICY knowledge_base_articles_organizer ON public.knowledge_base_articles FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY attendee_engagements_select ON public.attendee_engagements FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY attendee_engagements_insert_own ON public.attendee_engagements FOR INSERT TO authenticated
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY chatbot_logs_organizer ON public.chatbot_logs FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY chatbot_logs_select_own ON public.chatbot_logs FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY chatbot_logs_insert_own ON public.chatbot_logs FOR INSERT TO authenticated
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));

-- phase 2 · attendee-owned rows
CREATE POLICY attendee_preferences_own ON public.attendee_preferences FOR ALL TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY attendee_preferences_select_organizer ON public.attendee_preferences FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY recommendation_history_select ON public.recommendation_history FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY recommendation_history_click_own ON public.recommendation_history FOR UPDATE TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY interaction_events_select ON public.interaction_events FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY interaction_events_insert_own ON public.interaction_events FOR INSERT TO authenticated
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY networking_preferences_own ON public.networking_preferences FOR ALL TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY networking_preferences_select_peers ON public.networking_preferences FOR SELECT TO authenticated
  USING ((public_profile AND attendee_id = ANY (ARRAY(SELECT eventos_private.networking_peer_ids()))) OR attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY connection_goals_own ON public.connection_goals FOR ALL TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY connection_goals_select_organizer ON public.connection_goals FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY session_embeddings_select_organizer ON public.session_embeddings FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.organized_session_ids())));

-- matches and meetings: participants; invitations only between entitled, opted-in attendees (trigger rules)
CREATE POLICY matches_select ON public.matches FOR SELECT TO authenticated
  USING (attendee_1_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_2_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY matches_respond ON public.matches FOR UPDATE TO authenticated
  USING (attendee_1_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_2_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_1_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_2_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY meetings_select ON public.meetings FOR SELECT TO authenticated
  USING (organizer_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR invitee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR organizer_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY meetings_insert ON public.meetings FOR INSERT TO authenticated
  WITH CHECK (organizer_id = ANY (ARRAY(SELECT eventos_private.networking_attendee_ids())) AND invitee_id = ANY (ARRAY(SELECT eventos_private.networking_peer_ids())) AND status = 'proposed');
CREATE POLICY meetings_update ON public.meetings FOR UPDATE TO authenticated
  USING (organizer_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR invitee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (organizer_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR invitee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY meetings_delete ON public.meetings FOR DELETE TO authenticated
  USING (organizer_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY networking_events_select_public ON public.networking_events FOR SELECT TO anon
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = networking_events.event_id AND e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY networking_events_select ON public.networking_events FOR SELECT TO authenticated
  USING (EXISTS (SELECT 1 FROM public.events AS e WHERE e.id = networking_events.event_id));
CREATE POLICY networking_events_organizer ON public.networking_events FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY networking_participants_select ON public.networking_participants FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY networking_participants_join ON public.networking_participants FOR INSERT TO authenticated
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.networking_attendee_ids())) AND status = 'registered');
-- a participant cancels or re-registers; only the organizer records attendance
CREATE POLICY networking_participants_update_own ON public.networking_participants FOR UPDATE TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())))
  WITH CHECK (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) AND status IN ('registered', 'cancelled'));
CREATE POLICY networking_participants_organizer ON public.networking_participants FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));

-- sponsors: the account and its creator (direct column tests: a helper reading sponsors would
-- not see a row being inserted, so INSERT … RETURNING would fail); organizers see the sponsors on their events; references only to own sponsors
CREATE POLICY sponsors_select ON public.sponsors FOR SELECT TO authenticated
  USING (created_by = (SELECT auth.uid()) OR user_id = (SELECT auth.uid()) OR id = ANY (ARRAY(SELECT eventos_private.partner_sponsor_ids())));
CREATE POLICY sponsors_insert ON public.sponsors FOR INSERT TO authenticated
  WITH CHECK (created_by = (SELECT auth.uid()) AND (user_id IS NULL OR user_id = (SELECT auth.uid())) AND (SELECT eventos_private.app_role()) IN ('organizer', 'admin', 'sponsor'));
CREATE POLICY sponsors_update ON public.sponsors FOR UPDATE TO authenticated
  USING (created_by = (SELECT auth.uid()) OR user_id = (SELECT auth.uid()))
  WITH CHECK (created_by = (SELECT auth.uid()) OR user_id = (SELECT auth.uid()));
-- once a sponsor account has claimed the company, deleting it would cascade away the account's
-- own rows (lead scores, follow-ups): only an unclaimed sponsor, or one's own, is deleted
CREATE POLICY sponsors_delete ON public.sponsors FOR DELETE TO authenticated
  USING (created_by = (SELECT auth.uid()) AND (user_id IS NULL OR user_id = (SELECT auth.uid())));
CREATE POLICY sponsor_proposals_organizer ON public.sponsor_proposals FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())));
CREATE POLICY sponsor_proposals_select_sponsor ON public.sponsor_proposals FOR SELECT TO authenticated
  USING (sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())));
CREATE POLICY sponsor_lead_scores_select_sponsor ON public.sponsor_lead_scores FOR SELECT TO authenticated
  USING (sponsor_id = ANY (ARRAY(SELECT eventos_private.sponsor_account_ids())));
CREATE POLICY follow_up_sequences_sponsor ON public.follow_up_sequences FOR ALL TO authenticated
  USING (sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())))
  WITH CHECK (sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())));
CREATE POLICY sponsorships_organizer ON public.sponsorships FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())));
CREATE POLICY sponsorships_select_sponsor ON public.sponsorships FOR SELECT TO authenticated
  USING (sponsor_id = ANY (ARRAY(SELECT eventos_private.own_sponsor_ids())));
CREATE POLICY sponsor_deliverables_organizer ON public.sponsor_deliverables FOR ALL TO authenticated
  USING (sponsorship_id = ANY (ARRAY(SELECT eventos_private.organized_sponsorship_ids())))
  WITH CHECK (sponsorship_id = ANY (ARRAY(SELECT eventos_private.organized_sponsorship_ids())));
CREATE POLICY sponsor_deliverables_select_sponsor ON public.sponsor_deliverables FOR SELECT TO authenticated
  USING (sponsorship_id = ANY (ARRAY(SELECT eventos_private.sponsor_sponsorship_ids())));

-- phase 3 · onsite, voice, predictions, agents
CREATE POLICY check_in_logs_select ON public.check_in_logs FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())));
CREATE POLICY check_in_logs_insert_organizer ON public.check_in_logs FOR INSERT TO authenticated
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY crowd_analytics_select_organizer ON public.crowd_analytics FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY heat_map_data_select_organizer ON public.heat_map_data FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY security_alerts_select_organizer ON public.security_alerts FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY predictions_select_organizer ON public.predictions FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY automated_insights_select_organizer ON public.automated_insights FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY coordination_sessions_select_organizer ON public.coordination_sessions FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY security_alerts_resolve_organizer ON public.security_alerts FOR UPDATE TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY session_transcripts_select ON public.session_transcripts FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.organized_session_ids())) OR session_id = ANY (ARRAY(SELECT eventos_private.entitled_session_ids())));
CREATE POLICY transcript_keywords_select ON public.transcript_keywords FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.organized_session_ids())) OR session_id = ANY (ARRAY(SELECT eventos_private.entitled_session_ids())));
CREATE POLICY audio_processing_jobs_select_organizer ON public.audio_processing_jobs FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.organized_session_ids())));
CREATE POLICY engagement_snapshots_select_organizer ON public.engagement_snapshots FOR SELECT TO authenticated
  USING (session_id = ANY (ARRAY(SELECT eventos_private.organized_session_ids())));
CREATE POLICY feedback_analysis_select ON public.feedback_analysis FOR SELECT TO authenticated
  USING (attendee_id = ANY (ARRAY(SELECT eventos_private.own_attendee_ids())) OR attendee_id = ANY (ARRAY(SELECT eventos_private.organized_attendee_ids())));
CREATE POLICY scenario_simulations_organizer ON public.scenario_simulations FOR ALL TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())))
  WITH CHECK (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())) AND created_by = (SELECT auth.uid()));
CREATE POLICY agent_tasks_select_organizer ON public.agent_tasks FOR SELECT TO authenticated
  USING (event_id = ANY (ARRAY(SELECT eventos_private.organized_event_ids())));
CREATE POLICY agent_communications_select_organizer ON public.agent_communications FOR SELECT TO authenticated
  USING (task_id = ANY (ARRAY(SELECT eventos_private.own_task_ids())));

-- The public RLS helpers of phases 0–2 are no longer used by any policy: not callable through the API.
REVOKE EXECUTE ON FUNCTION public.organized_event_ids() FROM authenticated;
REVOKE EXECUTE ON FUNCTION public.attended_event_ids() FROM authenticated;
REVOKE EXECUTE ON FUNCTION public.own_attendee_ids() FROM authenticated;
REVOKE EXECUTE ON FUNCTION public.organized_attendee_ids() FROM authenticated;
REVOKE EXECUTE ON FUNCTION public.own_sponsor_ids() FROM authenticated;
REVOKE EXECUTE ON FUNCTION public.event_peer_attendee_ids() FROM authenticated;
