-- Phase 1 · core AI: content generation, analytics snapshots, predictive models, FAQ and
-- knowledge base. Scores / confidences are fractions in [0, 1]; ratings 1–5.
-- The partitioned tables (attendee_engagements, chatbot_logs) are in V1002.

CREATE TABLE public.content_templates (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  template_name         text NOT NULL,
  category              text NOT NULL,
  system_prompt         text NOT NULL,
  user_prompt_template  text NOT NULL,
  variables             jsonb NOT NULL DEFAULT '[]'::jsonb,
  active                boolean NOT NULL DEFAULT true,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT content_templates_template_name_key UNIQUE (template_name),
  CONSTRAINT content_templates_category_check CHECK (category IN
    ('event_description', 'email', 'social_post', 'whatsapp_message', 'blog_post', 'ad_copy',
     'agenda', 'speaker_bio', 'faq', 'other'))
);
CREATE INDEX idx_content_templates_category ON public.content_templates (category) WHERE active;

CREATE TABLE public.ai_generated_content (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id        uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  template_id     uuid REFERENCES public.content_templates (id) ON DELETE SET NULL,
  created_by      uuid REFERENCES auth.users (id) ON DELETE SET NULL DEFAULT auth.uid(),
  content_type    text NOT NULL,
  prompt          text NOT NULL,
  generated_text  text NOT NULL,
  model_used      text NOT NULL,
  tokens_used     integer NOT NULL DEFAULT 0,
  quality_score   numeric(4, 3),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT ai_generated_content_content_type_check CHECK (content_type IN
    ('event_description', 'email', 'social_post', 'whatsapp_message', 'blog_post', 'ad_copy',
     'agenda', 'speaker_bio', 'faq', 'other')),
  CONSTRAINT ai_generated_content_tokens_check CHECK (tokens_used >= 0),
  CONSTRAINT ai_generated_content_quality_check CHECK (quality_score IS NULL OR quality_score BETWEEN 0 AND 1)
);
CREATE INDEX idx_ai_generated_content_event_id ON public.ai_generated_content (event_id, created_at DESC);
CREATE INDEX idx_ai_generated_content_template_id ON public.ai_generated_content (template_id);
CREATE INDEX idx_ai_generated_content_created_by ON public.ai_generated_content (created_by);

CREATE TABLE public.generation_history (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id            uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE DEFAULT auth.uid(),
  content_id         uuid REFERENCES public.ai_generated_content (id) ON DELETE SET NULL,
  request_timestamp  timestamptz NOT NULL DEFAULT now(),
  success            boolean NOT NULL,
  error_message      text,
  user_feedback      smallint,
  metadata           jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT generation_history_feedback_check CHECK (user_feedback IS NULL OR user_feedback BETWEEN 1 AND 5),
  CONSTRAINT generation_history_error_check CHECK (success OR error_message IS NOT NULL)
);
CREATE INDEX idx_generation_history_user_id ON public.generation_history (user_id, request_timestamp DESC);
CREATE INDEX idx_generation_history_content_id ON public.generation_history (content_id);
CREATE INDEX idx_generation_history_request_ts_brin ON public.generation_history USING brin (request_timestamp);

CREATE TABLE public.dashboard_metrics_snapshots (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id          uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  dashboard_id      uuid REFERENCES public.event_dashboards (id) ON DELETE CASCADE,
  snapshot_time     timestamptz NOT NULL DEFAULT now(),
  metrics_json      jsonb NOT NULL DEFAULT '{}'::jsonb,
  engagement_score  numeric(4, 3),
  attendee_count    integer NOT NULL DEFAULT 0,
  CONSTRAINT dashboard_metrics_snapshots_score_check CHECK (engagement_score IS NULL OR engagement_score BETWEEN 0 AND 1),
  CONSTRAINT dashboard_metrics_snapshots_count_check CHECK (attendee_count >= 0)
);
CREATE INDEX idx_dashboard_metrics_snapshots_event_id ON public.dashboard_metrics_snapshots (event_id, snapshot_time DESC);
CREATE INDEX idx_dashboard_metrics_snapshots_dashboard_id ON public.dashboard_metrics_snapshots (dashboard_id);
CREATE INDEX idx_dashboard_metrics_snapshots_time_brin ON public.dashboard_metrics_snapshots USING brin (snapshot_time);

CREATE TABLE public.predictive_models (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id          uuid REFERENCES public.events (id) ON DELETE CASCADE,   -- NULL = platform-wide model
  model_type        text NOT NULL,
  version           text NOT NULL,
  parameters_json   jsonb NOT NULL DEFAULT '{}'::jsonb,
  accuracy_metrics  jsonb NOT NULL DEFAULT '{}'::jsonb,
  trained_at        timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT predictive_models_version_key UNIQUE NULLS NOT DISTINCT (event_id, model_type, version),
  CONSTRAINT predictive_models_model_type_check CHECK (model_type IN
    ('attendance', 'revenue', 'ticket_sales', 'no_show', 'churn', 'engagement', 'pricing', 'other'))
);
-- predictive_models.event_id is indexed by predictive_models_version_key.

CREATE TABLE public.faq_library (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id         uuid REFERENCES public.events (id) ON DELETE CASCADE,     -- NULL = platform FAQ
  question         text NOT NULL,
  answer           text NOT NULL,
  category         text NOT NULL DEFAULT 'general',
  usage_count      integer NOT NULL DEFAULT 0,
  relevance_score  numeric(4, 3),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT faq_library_category_check CHECK (category IN
    ('general', 'tickets', 'payments', 'venue', 'schedule', 'travel', 'accessibility',
     'networking', 'sponsors', 'technical', 'other')),
  CONSTRAINT faq_library_usage_check CHECK (usage_count >= 0),
  CONSTRAINT faq_library_relevance_check CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1)
);
CREATE INDEX idx_faq_library_event_id ON public.faq_library (event_id, category);
CREATE INDEX idx_faq_library_search ON public.faq_library
  USING gin (to_tsvector('english'::regconfig, question || ' ' || answer));

CREATE TABLE public.knowledge_base_articles (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id         uuid REFERENCES public.events (id) ON DELETE CASCADE,     -- NULL = platform article
  title            text NOT NULL,
  content          text NOT NULL,
  keywords         text[] NOT NULL DEFAULT '{}',
  related_faq_ids  uuid[] NOT NULL DEFAULT '{}',   -- FAQ_LIBRARY ||--o{ KNOWLEDGE_BASE_ARTICLES
  view_count       integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT knowledge_base_articles_view_count_check CHECK (view_count >= 0)
);
CREATE INDEX idx_knowledge_base_articles_event_id ON public.knowledge_base_articles (event_id);
CREATE INDEX idx_knowledge_base_articles_keywords ON public.knowledge_base_articles USING gin (keywords);
CREATE INDEX idx_knowledge_base_articles_related_faqs ON public.knowledge_base_articles USING gin (related_faq_ids);
CREATE INDEX idx_knowledge_base_articles_search ON public.knowledge_base_articles
  USING gin (to_tsvector('english'::regconfig, title || ' ' || content));

CREATE TRIGGER trg_content_templates_updated_at BEFORE UPDATE ON public.content_templates
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_ai_generated_content_updated_at BEFORE UPDATE ON public.ai_generated_content
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_predictive_models_updated_at BEFORE UPDATE ON public.predictive_models
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_faq_library_updated_at BEFORE UPDATE ON public.faq_library
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_knowledge_base_articles_updated_at BEFORE UPDATE ON public.knowledge_base_articles
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.content_templates           ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ai_generated_content        ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.generation_history          ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.dashboard_metrics_snapshots ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.predictive_models           ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.faq_library                 ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.knowledge_base_articles     ENABLE ROW LEVEL SECURITY;

-- ERD "Phase 0 -> Phase 1: modified tables marketing_campaigns, email_templates,
-- event_dashboards". Metadata-only changes (nullable column / constant default: no rewrite).
-- The FK columns are indexed CONCURRENTLY in V1004.
ALTER TABLE public.marketing_campaigns
  ADD COLUMN ai_content_id uuid REFERENCES public.ai_generated_content (id) ON DELETE SET NULL;
ALTER TABLE public.email_templates
  ADD COLUMN ai_content_id uuid REFERENCES public.ai_generated_content (id) ON DELETE SET NULL;
ALTER TABLE public.event_dashboards
  ADD COLUMN ai_insights jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN last_snapshot_at timestamptz;
