-- Rollback of phase 0 (core platform + Event Wizard), newest objects first.
-- Requires phases 1–3 to be rolled back already. No CASCADE: an unexpected dependent
-- object makes the rollback fail loudly instead of being dropped silently.
-- Does not touch the migration history table (the eventos tool maintains it).
-- DATA LOSS: drops every phase 0 table. Back up first (seed 004_ rollback plan).

-- V0007 views, analytics cache, monitoring, archive
DROP FUNCTION IF EXISTS public.archive_old_events(integer);
DROP TABLE IF EXISTS public.events_archive;
DROP FUNCTION IF EXISTS public.ensure_slow_queries_view();
DROP VIEW IF EXISTS public.slow_queries;
DROP VIEW IF EXISTS public.rls_coverage;
DROP VIEW IF EXISTS public.index_usage_statistics;
DROP VIEW IF EXISTS public.table_statistics;
DROP FUNCTION IF EXISTS public.get_event_analytics();
DROP FUNCTION IF EXISTS public.refresh_event_analytics_cache();
DROP MATERIALIZED VIEW IF EXISTS public.event_analytics_cache;
DROP VIEW IF EXISTS public.event_summary;

-- Tables of V0002/V0003/V0006 (indexes incl. V0008's, triggers and policies go with them).
DROP TABLE IF EXISTS
  public.wizard_actions,
  public.wizard_sessions,
  public.event_dashboards,
  public.venue_bookings,
  public.whatsapp_campaigns,
  public.email_templates,
  public.marketing_campaigns,
  public.tickets,
  public.attendees,
  public.payments,
  public.orders,
  public.ticket_tiers,
  public.event_sessions,
  public.events,
  public.venues,
  public.profiles,
  public.audit_log_head,
  public.audit_log;

-- V0006 audit functions
DROP FUNCTION IF EXISTS public.verify_audit_log_integrity();
DROP FUNCTION IF EXISTS public.audit_log_immutable();
DROP FUNCTION IF EXISTS public.audit_trigger_function();
DROP FUNCTION IF EXISTS public.audit_log_hash(text, bigint, text, text, uuid, jsonb, jsonb, uuid, timestamptz);

-- V0005 RLS helpers
DROP FUNCTION IF EXISTS public.organized_attendee_ids();
DROP FUNCTION IF EXISTS public.own_attendee_ids();
DROP FUNCTION IF EXISTS public.attended_event_ids();
DROP FUNCTION IF EXISTS public.organized_event_ids();

-- V0004 validation trigger functions
DROP FUNCTION IF EXISTS public.prevent_venue_double_booking();
DROP FUNCTION IF EXISTS public.reserve_ticket_inventory();
DROP FUNCTION IF EXISTS public.validate_order_totals();
DROP FUNCTION IF EXISTS public.set_event_slug();
DROP FUNCTION IF EXISTS public.validate_event_dates();

-- V0001 helpers
DROP FUNCTION IF EXISTS public.generate_ticket_number();
DROP FUNCTION IF EXISTS public.generate_order_number();
DROP FUNCTION IF EXISTS public.slugify(text);
DROP FUNCTION IF EXISTS public.update_last_updated_column();
DROP FUNCTION IF EXISTS public.update_updated_at_column();
