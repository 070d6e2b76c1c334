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
