-- Rollback of phase 1 (core AI), newest objects first. Leaves phase 0 exactly as it was
-- before phase 1: the columns phase 1 added to phase 0 tables are dropped (their indexes
-- and FKs go with them). Requires phases 2–3 to be rolled back already. No CASCADE.
-- Does not touch the migration history table. DATA LOSS: drops every phase 1 table.

-- V1004 / V1001: undo the ALTERs of phase 0 tables (drops idx_*_ai_content_id,
-- idx_event_dashboards_ai_insights and the FKs to ai_generated_content).
ALTER TABLE public.event_dashboards DROP COLUMN IF EXISTS last_snapshot_at;
ALTER TABLE public.event_dashboards DROP COLUMN IF EXISTS ai_insights;
ALTER TABLE public.email_templates DROP COLUMN IF EXISTS ai_content_id;
ALTER TABLE public.marketing_campaigns DROP COLUMN IF EXISTS ai_content_id;

-- V1002: partitioned tables (their partitions, default partitions included, go with them).
DROP TABLE IF EXISTS public.chatbot_logs;
DROP TABLE IF EXISTS public.attendee_engagements;
DROP FUNCTION IF EXISTS public.create_upcoming_partitions(timestamptz, text);
DROP TABLE IF EXISTS public.partition_config;

-- V1001 (policies of V1003 and triggers go with the tables).
DROP TABLE IF EXISTS
  public.knowledge_base_articles,
  public.faq_library,
  public.predictive_models,
  public.dashboard_metrics_snapshots,
  public.generation_history,
  public.ai_generated_content,
  public.content_templates;
