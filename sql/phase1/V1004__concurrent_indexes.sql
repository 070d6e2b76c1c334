-- eventos:no-transaction
-- Phase 1 · indexes on phase 0 tables (FK columns added by V1001), built CONCURRENTLY.
-- One idempotent statement each; see the plan's "no-invalid-indexes" check.

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_marketing_campaigns_ai_content_id
  ON public.marketing_campaigns (ai_content_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_email_templates_ai_content_id
  ON public.email_templates (ai_content_id);

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_event_dashboards_ai_insights
  ON public.event_dashboards USING gin (ai_insights jsonb_path_ops);
