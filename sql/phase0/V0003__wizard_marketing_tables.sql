-- Phase 0 · Event Wizard tables of the ERD (marketing, venue bookings, dashboards) and the
-- wizard state of seed 003_: ONE state table (wizard_sessions) plus an append-only action
-- log (wizard_actions), replacing copilot_conversations / copilot_forms / copilot_states.

CREATE TABLE public.marketing_campaigns (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id       uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  name           text NOT NULL,
  campaign_type  text NOT NULL DEFAULT 'email',
  status         text NOT NULL DEFAULT 'draft',
  scheduled_for  timestamptz,
  targeting      jsonb NOT NULL DEFAULT '{}'::jsonb,
  metrics        jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT marketing_campaigns_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT marketing_campaigns_campaign_type_check
    CHECK (campaign_type IN ('email', 'social', 'whatsapp', 'sms', 'ads', 'other')),
  CONSTRAINT marketing_campaigns_status_check
    CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'completed', 'cancelled')),
  CONSTRAINT marketing_campaigns_scheduled_check CHECK (status <> 'scheduled' OR scheduled_for IS NOT NULL)
);
CREATE INDEX idx_marketing_campaigns_event_id ON public.marketing_campaigns (event_id);
CREATE INDEX idx_marketing_campaigns_targeting ON public.marketing_campaigns USING gin (targeting jsonb_path_ops);

-- ERD: MARKETING_CAMPAIGNS ||--o{ EMAIL_TEMPLATES. campaign_id is nullable so a template
-- can live in the owner's library before a campaign uses it; owner_id drives RLS.
CREATE TABLE public.email_templates (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id      uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE DEFAULT auth.uid(),
  campaign_id   uuid REFERENCES public.marketing_campaigns (id) ON DELETE CASCADE,
  name          text NOT NULL,
  subject_line  text NOT NULL,
  body_html     text NOT NULL,
  variables     jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT email_templates_name_check CHECK (btrim(name) <> '')
);
CREATE INDEX idx_email_templates_owner_id ON public.email_templates (owner_id);
CREATE INDEX idx_email_templates_campaign_id ON public.email_templates (campaign_id);

CREATE TABLE public.whatsapp_campaigns (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id          uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  name              text NOT NULL,
  message_template  text NOT NULL,
  status            text NOT NULL DEFAULT 'draft',
  scheduled_for     timestamptz,
  metrics           jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT whatsapp_campaigns_name_check CHECK (btrim(name) <> ''),
  CONSTRAINT whatsapp_campaigns_status_check
    CHECK (status IN ('draft', 'scheduled', 'sending', 'sent', 'paused', 'failed', 'cancelled'))
);
CREATE INDEX idx_whatsapp_campaigns_event_id ON public.whatsapp_campaigns (event_id);

CREATE TABLE public.venue_bookings (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id    uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  venue_id    uuid NOT NULL REFERENCES public.venues (id) ON DELETE RESTRICT,
  start_time  timestamptz NOT NULL,
  end_time    timestamptz NOT NULL,
  status      text NOT NULL DEFAULT 'pending',
  cost        numeric(12, 2) NOT NULL DEFAULT 0,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT venue_bookings_times_check CHECK (end_time > start_time),
  CONSTRAINT venue_bookings_status_check CHECK (status IN ('pending', 'confirmed', 'cancelled')),
  CONSTRAINT venue_bookings_cost_check CHECK (cost >= 0)
);
CREATE INDEX idx_venue_bookings_event_id ON public.venue_bookings (event_id);
CREATE INDEX idx_venue_bookings_venue_id ON public.venue_bookings (venue_id, start_time);

CREATE TABLE public.event_dashboards (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id      uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  name          text NOT NULL DEFAULT 'Overview',
  metrics       jsonb NOT NULL DEFAULT '{}'::jsonb,
  last_updated  timestamptz NOT NULL DEFAULT now(),
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT event_dashboards_event_name_key UNIQUE (event_id, name)
);
-- event_dashboards.event_id is indexed by event_dashboards_event_name_key.

CREATE TABLE public.wizard_sessions (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE DEFAULT auth.uid(),
  session_id             text NOT NULL,
  current_stage          text NOT NULL DEFAULT 'organizerSetup',
  completed_stages       text[] NOT NULL DEFAULT '{}',
  organizer_data         jsonb NOT NULL DEFAULT '{}'::jsonb,
  event_data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  ticket_data            jsonb NOT NULL DEFAULT '{}'::jsonb,
  venue_data             jsonb NOT NULL DEFAULT '{}'::jsonb,
  payment_data           jsonb NOT NULL DEFAULT '{}'::jsonb,
  status                 text NOT NULL DEFAULT 'draft',
  completion_percentage  integer NOT NULL DEFAULT 0,
  event_id               uuid REFERENCES public.events (id) ON DELETE SET NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now(),
  last_interaction       timestamptz NOT NULL DEFAULT now(),
  published_at           timestamptz,
  CONSTRAINT wizard_sessions_session_id_key UNIQUE (session_id),
  CONSTRAINT wizard_sessions_session_id_check CHECK (length(session_id) BETWEEN 1 AND 255),
  CONSTRAINT wizard_sessions_stage_check CHECK (current_stage IN
    ('organizerSetup', 'eventSetup', 'ticketSetup', 'venueSetup', 'paymentSetup', 'reviewPublish')),
  CONSTRAINT wizard_sessions_completed_stages_check CHECK (completed_stages <@ ARRAY
    ['organizerSetup', 'eventSetup', 'ticketSetup', 'venueSetup', 'paymentSetup', 'reviewPublish']::text[]),
  CONSTRAINT wizard_sessions_status_check
    CHECK (status IN ('draft', 'active', 'completed', 'published', 'abandoned')),
  CONSTRAINT wizard_sessions_percentage_check CHECK (completion_percentage BETWEEN 0 AND 100),
  CONSTRAINT wizard_sessions_published_check CHECK (status <> 'published' OR (published_at IS NOT NULL AND event_id IS NOT NULL))
);
CREATE INDEX idx_wizard_sessions_user_id ON public.wizard_sessions (user_id, last_interaction DESC);
CREATE INDEX idx_wizard_sessions_event_id ON public.wizard_sessions (event_id);
CREATE INDEX idx_wizard_sessions_status ON public.wizard_sessions (status, current_stage);

CREATE TABLE public.wizard_actions (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id        text NOT NULL REFERENCES public.wizard_sessions (session_id)
                      ON DELETE CASCADE ON UPDATE CASCADE,
  action_name       text NOT NULL,
  action_data       jsonb NOT NULL DEFAULT '{}'::jsonb,
  response_time_ms  integer,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT wizard_actions_action_name_check CHECK (length(action_name) BETWEEN 1 AND 100),
  CONSTRAINT wizard_actions_response_time_check CHECK (response_time_ms IS NULL OR response_time_ms >= 0)
);
CREATE INDEX idx_wizard_actions_session_id ON public.wizard_actions (session_id, created_at);

CREATE TRIGGER trg_marketing_campaigns_updated_at BEFORE UPDATE ON public.marketing_campaigns
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_email_templates_updated_at BEFORE UPDATE ON public.email_templates
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_whatsapp_campaigns_updated_at BEFORE UPDATE ON public.whatsapp_campaigns
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_venue_bookings_updated_at BEFORE UPDATE ON public.venue_bookings
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_event_dashboards_last_updated BEFORE UPDATE ON public.event_dashboards
  FOR EACH ROW EXECUTE FUNCTION public.update_last_updated_column();
CREATE TRIGGER trg_wizard_sessions_updated_at BEFORE UPDATE ON public.wizard_sessions
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.marketing_campaigns ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.email_templates     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.whatsapp_campaigns  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.venue_bookings      ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.event_dashboards    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.wizard_sessions     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.wizard_actions      ENABLE ROW LEVEL SECURITY;
