-- Phase 3 · predictive analytics and AI-agent orchestration.

CREATE TABLE public.predictions (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  model_id         uuid NOT NULL REFERENCES public.predictive_models (id) ON DELETE CASCADE,
  event_id         uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  prediction_type  text NOT NULL,
  value            jsonb NOT NULL,
  confidence       numeric(4, 3),
  created_at       timestamptz NOT NULL DEFAULT now(),
  valid_until      timestamptz,
  CONSTRAINT predictions_type_check CHECK (prediction_type IN
    ('attendance', 'revenue', 'ticket_sales', 'no_show_rate', 'engagement', 'churn', 'capacity', 'other')),
  CONSTRAINT predictions_confidence_check CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
  CONSTRAINT predictions_validity_check CHECK (valid_until IS NULL OR valid_until > created_at)
);
CREATE INDEX idx_predictions_model_id ON public.predictions (model_id);
CREATE INDEX idx_predictions_event_id ON public.predictions (event_id, prediction_type, created_at DESC);

CREATE TABLE public.automated_insights (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id            uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  insight_type        text NOT NULL,
  description         text NOT NULL,
  impact_score        numeric(4, 3),
  action_recommended  text,
  discovered_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT automated_insights_type_check CHECK (insight_type IN
    ('anomaly', 'trend', 'opportunity', 'risk', 'recommendation')),
  CONSTRAINT automated_insights_impact_check CHECK (impact_score IS NULL OR impact_score BETWEEN 0 AND 1)
);
CREATE INDEX idx_automated_insights_event_id ON public.automated_insights (event_id, discovered_at DESC);

CREATE TABLE public.scenario_simulations (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id            uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  created_by          uuid REFERENCES auth.users (id) ON DELETE SET NULL DEFAULT auth.uid(),
  parameters_changed  jsonb NOT NULL,
  predicted_outcome   jsonb,
  confidence          numeric(4, 3),
  simulated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT scenario_simulations_confidence_check CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1)
);
CREATE INDEX idx_scenario_simulations_event_id ON public.scenario_simulations (event_id, simulated_at DESC);
CREATE INDEX idx_scenario_simulations_created_by ON public.scenario_simulations (created_by);

-- MEDIUM sensitivity (ERD): system access only, no API access at all.
CREATE TABLE public.agent_memory (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id     text NOT NULL,
  memory_type  text NOT NULL,
  content      jsonb NOT NULL,
  importance   smallint NOT NULL DEFAULT 5,
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  CONSTRAINT agent_memory_type_check CHECK (memory_type IN
    ('short_term', 'long_term', 'episodic', 'semantic', 'procedural')),
  CONSTRAINT agent_memory_importance_check CHECK (importance BETWEEN 1 AND 10),
  CONSTRAINT agent_memory_expiry_check CHECK (expires_at IS NULL OR expires_at > created_at)
);
CREATE INDEX idx_agent_memory_agent_id ON public.agent_memory (agent_id, memory_type, importance DESC);
CREATE INDEX idx_agent_memory_expires_at ON public.agent_memory (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX idx_agent_memory_content ON public.agent_memory USING gin (content jsonb_path_ops);

CREATE FUNCTION public.purge_expired_agent_memory()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  DELETE FROM public.agent_memory WHERE expires_at <= pg_catalog.now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;
REVOKE EXECUTE ON FUNCTION public.purge_expired_agent_memory() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.purge_expired_agent_memory() TO service_role;

CREATE TABLE public.agent_tasks (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  agent_id        text NOT NULL,
  parent_task_id  uuid REFERENCES public.agent_tasks (id) ON DELETE CASCADE,
  memory_id       uuid REFERENCES public.agent_memory (id) ON DELETE SET NULL,   -- AGENT_MEMORY informs AGENT_TASKS
  event_id        uuid REFERENCES public.events (id) ON DELETE CASCADE,
  description     text NOT NULL,
  status          text NOT NULL DEFAULT 'pending',
  priority        smallint NOT NULL DEFAULT 5,
  result          jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agent_tasks_parent_check CHECK (parent_task_id IS DISTINCT FROM id),
  CONSTRAINT agent_tasks_status_check CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  CONSTRAINT agent_tasks_priority_check CHECK (priority BETWEEN 1 AND 10)
);
CREATE INDEX idx_agent_tasks_parent_task_id ON public.agent_tasks (parent_task_id);
CREATE INDEX idx_agent_tasks_memory_id ON public.agent_tasks (memory_id);
CREATE INDEX idx_agent_tasks_event_id ON public.agent_tasks (event_id);
CREATE INDEX idx_agent_tasks_queue ON public.agent_tasks (agent_id, priority DESC, created_at)
  WHERE status IN ('pending', 'running');

CREATE TABLE public.agent_communications (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id       uuid REFERENCES public.agent_tasks (id) ON DELETE CASCADE,
  from_agent    text NOT NULL,
  to_agent      text NOT NULL,
  message_type  text NOT NULL,
  content       jsonb NOT NULL,
  "timestamp"   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT agent_communications_type_check CHECK (message_type IN
    ('request', 'response', 'broadcast', 'handoff', 'status', 'error'))
);
CREATE INDEX idx_agent_communications_task_id ON public.agent_communications (task_id);
CREATE INDEX idx_agent_communications_to_agent ON public.agent_communications (to_agent, "timestamp");
CREATE INDEX idx_agent_communications_ts_brin ON public.agent_communications USING brin ("timestamp");

CREATE TABLE public.coordination_sessions (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id               uuid REFERENCES public.agent_tasks (id) ON DELETE SET NULL,
  event_id              uuid REFERENCES public.events (id) ON DELETE CASCADE,
  goal                  text NOT NULL,
  participating_agents  text[] NOT NULL,
  status                text NOT NULL DEFAULT 'planning',
  outcome               jsonb,
  started_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT coordination_sessions_agents_check CHECK (cardinality(participating_agents) >= 1),
  CONSTRAINT coordination_sessions_status_check CHECK (status IN ('planning', 'active', 'completed', 'failed', 'cancelled'))
);
CREATE INDEX idx_coordination_sessions_task_id ON public.coordination_sessions (task_id);
CREATE INDEX idx_coordination_sessions_event_id ON public.coordination_sessions (event_id);
CREATE INDEX idx_coordination_sessions_agents ON public.coordination_sessions USING gin (participating_agents);

CREATE TRIGGER trg_agent_tasks_updated_at BEFORE UPDATE ON public.agent_tasks
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_coordination_sessions_updated_at BEFORE UPDATE ON public.coordination_sessions
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.predictions           ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.automated_insights    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.scenario_simulations  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.agent_memory          ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.agent_tasks           ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.agent_communications  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.coordination_sessions ENABLE ROW LEVEL SECURITY;
