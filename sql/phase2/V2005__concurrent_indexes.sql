-- eventos:no-transaction
-- Phase 2 · indexes on phase 0 tables (columns added by V2002), built CONCURRENTLY.

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_recommendation_id
  ON public.orders (recommendation_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_attendees_event_networking
  ON public.attendees (event_id)
  WHERE networking_opt_in;
