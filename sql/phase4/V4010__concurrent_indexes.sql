-- eventos:no-transaction
-- Phase 4 · indexes on earlier tables, built CONCURRENTLY (one idempotent statement each; see
-- the plan's "no-invalid-indexes" check).

-- The sealer's work list: unsealed audit rows.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_log_unsealed
  ON public.audit_log (id)
  WHERE seal_seq IS NULL;

-- The expiry sweep and the per-buyer cap: pending orders.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_pending
  ON public.orders (tier_id, customer_id)
  WHERE status = 'pending';

-- Event slugs: phase 0's events_slug_key made every slug unique across all tenants, so creating
-- an event with slug X answered "does any event — a private one, someone's draft — use X?".
-- A slug now identifies an event within its organizer's events, and globally only among the
-- events everyone can see (published and public: the public URL). The old constraint is
-- renamed out of the way first and the new one takes its name, so every step can be re-run.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS k
             WHERE k.conrelid = 'public.events'::regclass AND k.conname = 'events_slug_key'
               AND pg_catalog.pg_get_constraintdef(k.oid) = 'UNIQUE (slug)') THEN
    ALTER TABLE public.events RENAME CONSTRAINT events_slug_key TO events_slug_global_key;
  END IF;
END
$$;

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_slug_key
  ON public.events (organizer_id, slug);

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS events_public_slug_key
  ON public.events (slug)
  WHERE status = 'published' AND visibility = 'public';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint AS k
                 WHERE k.conrelid = 'public.events'::regclass AND k.conname = 'events_slug_key') THEN
    ALTER TABLE public.events
      DROP CONSTRAINT IF EXISTS events_slug_global_key,
      ADD CONSTRAINT events_slug_key UNIQUE USING INDEX events_slug_key;
  END IF;
END
$$;
