-- Phase 0 · row-level security.
-- Model: organizers own their events and everything under them; attendees/customers see
-- their own attendee, ticket and order rows; anyone (anon included) may read published
-- public events and their sessions / tiers. auth.uid() is always wrapped in (select …) so
-- it is evaluated once per statement, not per row.
--
-- Membership helpers are SECURITY DEFINER set-returning functions: they read events /
-- attendees without RLS, which both avoids policy recursion (events <-> attendees) and
-- lets policies use `col IN (SELECT helper())`, a hashed sub-plan evaluated once. They
-- only ever return rows of the calling user and are NOT executable by anon.

CREATE FUNCTION public.organized_event_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT e.id FROM public.events AS e WHERE e.organizer_id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.organized_event_ids() IS 'RLS helper: ids of events organized by the current user.';

CREATE FUNCTION public.attended_event_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT a.event_id FROM public.attendees AS a WHERE a.user_id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.attended_event_ids() IS 'RLS helper: ids of events the current user attends.';

CREATE FUNCTION public.own_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT a.id FROM public.attendees AS a WHERE a.user_id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.own_attendee_ids() IS 'RLS helper: attendee rows that belong to the current user.';

CREATE FUNCTION public.organized_attendee_ids()
RETURNS SETOF uuid
LANGUAGE sql
STABLE
SECURITY DEFINER
SET search_path = ''
AS $$
  SELECT a.id
  FROM public.attendees AS a
  JOIN public.events AS e ON e.id = a.event_id
  WHERE e.organizer_id = (SELECT auth.uid())
$$;
COMMENT ON FUNCTION public.organized_attendee_ids() IS 'RLS helper: attendees of events organized by the current user.';

REVOKE EXECUTE ON FUNCTION public.organized_event_ids()    FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.attended_event_ids()     FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.own_attendee_ids()       FROM PUBLIC, anon;
REVOKE EXECUTE ON FUNCTION public.organized_attendee_ids() FROM PUBLIC, anon;
GRANT EXECUTE ON FUNCTION public.organized_event_ids()    TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.attended_event_ids()     TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.own_attendee_ids()       TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.organized_attendee_ids() TO authenticated, service_role;

-- ---------------------------------------------------------------------------------------
-- Table privileges. Supabase's default privileges grant ALL to anon and authenticated;
-- RLS does not cover TRUNCATE/REFERENCES/TRIGGER, and anon never writes.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.profiles, public.venues, public.events, public.event_sessions, public.ticket_tiers,
  public.orders, public.payments, public.attendees, public.tickets, public.marketing_campaigns,
  public.email_templates, public.whatsapp_campaigns, public.venue_bookings,
  public.event_dashboards, public.wizard_sessions, public.wizard_actions
FROM anon;
REVOKE TRUNCATE, REFERENCES, TRIGGER ON TABLE
  public.profiles, public.venues, public.events, public.event_sessions, public.ticket_tiers,
  public.orders, public.payments, public.attendees, public.tickets, public.marketing_campaigns,
  public.email_templates, public.whatsapp_campaigns, public.venue_bookings,
  public.event_dashboards, public.wizard_sessions, public.wizard_actions
FROM authenticated;
-- anon reads only what its policies expose; private tables are not even selectable.
REVOKE SELECT ON TABLE
  public.profiles, public.orders, public.payments, public.attendees, public.tickets,
  public.marketing_campaigns, public.email_templates, public.whatsapp_campaigns,
  public.venue_bookings, public.event_dashboards, public.wizard_sessions, public.wizard_actions
FROM anon;

-- Column-level write privileges where a row owner must not touch every column.
-- profiles: a user may not promote their own role.
REVOKE INSERT, UPDATE ON TABLE public.profiles FROM authenticated;
GRANT INSERT (id, email, full_name, metadata) ON TABLE public.profiles TO authenticated;
GRANT UPDATE (email, full_name, metadata) ON TABLE public.profiles TO authenticated;
-- ticket_tiers.sold_count is maintained only by reserve_ticket_inventory().
REVOKE INSERT, UPDATE ON TABLE public.ticket_tiers FROM authenticated;
GRANT INSERT (id, event_id, name, description, price, quantity, benefits) ON TABLE public.ticket_tiers TO authenticated;
GRANT UPDATE (name, description, price, quantity, benefits) ON TABLE public.ticket_tiers TO authenticated;
-- orders: buyers create pending orders; status changes come from the payment backend.
REVOKE INSERT, UPDATE, DELETE ON TABLE public.orders FROM authenticated;
GRANT INSERT (id, event_id, customer_id, tier_id, quantity, unit_price, total_amount) ON TABLE public.orders TO authenticated;
-- payments are written by the payment backend (service_role) only.
REVOKE INSERT, UPDATE, DELETE ON TABLE public.payments FROM authenticated;
-- tickets are issued by the backend; organizers check in / assign / cancel.
REVOKE INSERT, UPDATE, DELETE ON TABLE public.tickets FROM authenticated;
GRANT UPDATE (attendee_id, status, checked_in_at) ON TABLE public.tickets TO authenticated;
-- wizard_actions is an append-only log.
REVOKE UPDATE, DELETE ON TABLE public.wizard_actions FROM authenticated;

-- ---------------------------------------------------------------------------------------
-- profiles
CREATE POLICY profiles_select_own ON public.profiles FOR SELECT TO authenticated
  USING (id = (SELECT auth.uid()));
CREATE POLICY profiles_insert_own ON public.profiles FOR INSERT TO authenticated
  WITH CHECK (id = (SELECT auth.uid()));
CREATE POLICY profiles_update_own ON public.profiles FOR UPDATE TO authenticated
  USING (id = (SELECT auth.uid())) WITH CHECK (id = (SELECT auth.uid()));

-- venues: a shared catalogue; active venues are public, owners manage theirs.
CREATE POLICY venues_select_active ON public.venues FOR SELECT TO anon, authenticated
  USING (status = 'active');
CREATE POLICY venues_select_own ON public.venues FOR SELECT TO authenticated
  USING (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_insert_own ON public.venues FOR INSERT TO authenticated
  WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_update_own ON public.venues FOR UPDATE TO authenticated
  USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = (SELECT auth.uid()));
CREATE POLICY venues_delete_own ON public.venues FOR DELETE TO authenticated
  USING (owner_id = (SELECT auth.uid()));

-- events
CREATE POLICY events_select_public ON public.events FOR SELECT TO anon
  USING (status = 'published' AND visibility = 'public');
CREATE POLICY events_select ON public.events FOR SELECT TO authenticated
  USING ((status = 'published' AND visibility = 'public')
         OR organizer_id = (SELECT auth.uid())
         OR id IN (SELECT public.attended_event_ids()));
CREATE POLICY events_insert_own ON public.events FOR INSERT TO authenticated
  WITH CHECK (organizer_id = (SELECT auth.uid()));
CREATE POLICY events_update_own ON public.events FOR UPDATE TO authenticated
  USING (organizer_id = (SELECT auth.uid())) WITH CHECK (organizer_id = (SELECT auth.uid()));
CREATE POLICY events_delete_own ON public.events FOR DELETE TO authenticated
  USING (organizer_id = (SELECT auth.uid()));

-- event_sessions / ticket_tiers: readable wherever the event is; organizers manage.
CREATE POLICY event_sessions_select_public ON public.event_sessions FOR SELECT TO anon
  USING (event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY event_sessions_select ON public.event_sessions FOR SELECT TO authenticated
  USING (event_id IN (SELECT e.id FROM public.events AS e));
CREATE POLICY event_sessions_organizer ON public.event_sessions FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

CREATE POLICY ticket_tiers_select_public ON public.ticket_tiers FOR SELECT TO anon
  USING (event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published' AND e.visibility = 'public'));
CREATE POLICY ticket_tiers_select ON public.ticket_tiers FOR SELECT TO authenticated
  USING (event_id IN (SELECT e.id FROM public.events AS e));
CREATE POLICY ticket_tiers_organizer ON public.ticket_tiers FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- orders: the customer and the event's organizer read; customers create pending orders
-- for published events they can see.
CREATE POLICY orders_select ON public.orders FOR SELECT TO authenticated
  USING (customer_id = (SELECT auth.uid()) OR event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY orders_insert_own ON public.orders FOR INSERT TO authenticated
  WITH CHECK (customer_id = (SELECT auth.uid())
              AND status = 'pending'
              AND event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published'));

-- payments: visible with their order.
CREATE POLICY payments_select ON public.payments FOR SELECT TO authenticated
  USING (order_id IN (SELECT o.id FROM public.orders AS o));

-- attendees
CREATE POLICY attendees_select ON public.attendees FOR SELECT TO authenticated
  USING (user_id = (SELECT auth.uid()) OR event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY attendees_register_self ON public.attendees FOR INSERT TO authenticated
  WITH CHECK (user_id = (SELECT auth.uid())
              AND status = 'registered'
              AND event_id IN (SELECT e.id FROM public.events AS e WHERE e.status = 'published'));
CREATE POLICY attendees_organizer ON public.attendees FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- tickets: organizer, the buyer (order customer) and the ticket holder.
CREATE POLICY tickets_select ON public.tickets FOR SELECT TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids())
         OR attendee_id IN (SELECT public.own_attendee_ids())
         OR order_id IN (SELECT o.id FROM public.orders AS o WHERE o.customer_id = (SELECT auth.uid())));
CREATE POLICY tickets_update_organizer ON public.tickets FOR UPDATE TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- organizer-only event children
CREATE POLICY marketing_campaigns_organizer ON public.marketing_campaigns FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY whatsapp_campaigns_organizer ON public.whatsapp_campaigns FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY venue_bookings_organizer ON public.venue_bookings FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));
CREATE POLICY event_dashboards_organizer ON public.event_dashboards FOR ALL TO authenticated
  USING (event_id IN (SELECT public.organized_event_ids()))
  WITH CHECK (event_id IN (SELECT public.organized_event_ids()));

-- email templates belong to their author; a template attached to a campaign must be on
-- one of the author's events.
CREATE POLICY email_templates_owner ON public.email_templates FOR ALL TO authenticated
  USING (owner_id = (SELECT auth.uid()))
  WITH CHECK (owner_id = (SELECT auth.uid())
              AND (campaign_id IS NULL OR campaign_id IN (SELECT c.id FROM public.marketing_campaigns AS c)));

-- wizard state: private to the user running the wizard.
CREATE POLICY wizard_sessions_owner ON public.wizard_sessions FOR ALL TO authenticated
  USING (user_id = (SELECT auth.uid()))
  WITH CHECK (user_id = (SELECT auth.uid())
              AND (event_id IS NULL OR event_id IN (SELECT public.organized_event_ids())));
CREATE POLICY wizard_actions_select_own ON public.wizard_actions FOR SELECT TO authenticated
  USING (session_id IN (SELECT s.session_id FROM public.wizard_sessions AS s WHERE s.user_id = (SELECT auth.uid())));
CREATE POLICY wizard_actions_insert_own ON public.wizard_actions FOR INSERT TO authenticated
  WITH CHECK (session_id IN (SELECT s.session_id FROM public.wizard_sessions AS s WHERE s.user_id = (SELECT auth.uid())));
