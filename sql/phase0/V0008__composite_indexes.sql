-- eventos:no-transaction
-- Phase 0 · composite / partial indexes of seed 001_ §1.1 (and 000_), built CONCURRENTLY
-- so they can be added to a live database without blocking writes. One idempotent
-- statement each: a rerun after a failure completes. (A CONCURRENTLY build that fails
-- leaves an INVALID index that IF NOT EXISTS would skip; the plan's verify step
-- "no-invalid-indexes" reports it — drop it and rerun.)
-- 001_ names orders.payment_status; the ERD column is orders.status.

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_events_organizer_start_status
  ON public.events (organizer_id, start_at, status)
  WHERE status = 'published';

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_created_status
  ON public.orders (customer_id, created_at DESC, status);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_event_customer_created
  ON public.orders (event_id, customer_id, created_at);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_tickets_event_status_checked
  ON public.tickets (event_id, status)
  WHERE checked_in_at IS NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_attendees_event_email
  ON public.attendees (event_id, email);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_venues_capacity_status
  ON public.venues (capacity, status)
  WHERE status = 'active';
