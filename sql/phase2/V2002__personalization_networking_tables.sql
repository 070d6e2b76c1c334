-- Phase 2 · personalization engine and networking.
-- Text embeddings: extensions.vector(1536) (OpenAI text-embedding-3-small / ada-002 size),
-- cosine distance, HNSW indexes (work on an empty table, no training step, unlike IVFFlat).

CREATE TABLE public.attendee_preferences (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id       uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  preference_type   text NOT NULL,
  value             text NOT NULL,
  confidence_score  numeric(4, 3),
  last_updated      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT attendee_preferences_value_key UNIQUE (attendee_id, preference_type, value),
  CONSTRAINT attendee_preferences_type_check CHECK (preference_type IN
    ('topic', 'track', 'session_format', 'speaker', 'industry', 'language', 'time_of_day',
     'networking', 'dietary', 'accessibility', 'other')),
  CONSTRAINT attendee_preferences_confidence_check CHECK (confidence_score IS NULL OR confidence_score BETWEEN 0 AND 1)
);
-- attendee_preferences.attendee_id is indexed by attendee_preferences_value_key.

CREATE TABLE public.session_embeddings (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id        uuid NOT NULL REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  embedding_vector  extensions.vector(1536) NOT NULL,
  generated_at      timestamptz NOT NULL DEFAULT now(),
  model_version     text NOT NULL,
  CONSTRAINT session_embeddings_model_key UNIQUE (session_id, model_version)
);
CREATE INDEX idx_session_embeddings_hnsw ON public.session_embeddings
  USING hnsw (embedding_vector extensions.vector_cosine_ops);

-- HIGH sensitivity (ERD): server-only, no API access at all.
CREATE TABLE public.attendee_embeddings (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id       uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  embedding_vector  extensions.vector(1536) NOT NULL,
  generated_at      timestamptz NOT NULL DEFAULT now(),
  model_version     text NOT NULL,
  CONSTRAINT attendee_embeddings_model_key UNIQUE (attendee_id, model_version)
);
CREATE INDEX idx_attendee_embeddings_hnsw ON public.attendee_embeddings
  USING hnsw (embedding_vector extensions.vector_cosine_ops);

CREATE TABLE public.recommendation_history (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id      uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  item_type        text NOT NULL,
  item_id          uuid NOT NULL,          -- polymorphic (item_type says which table)
  shown_at         timestamptz NOT NULL DEFAULT now(),
  clicked          boolean NOT NULL DEFAULT false,
  relevance_score  numeric(4, 3),
  CONSTRAINT recommendation_history_item_type_check CHECK (item_type IN
    ('session', 'attendee', 'sponsor', 'event', 'content', 'meeting', 'networking_event')),
  CONSTRAINT recommendation_history_relevance_check CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1)
);
CREATE INDEX idx_recommendation_history_attendee_id ON public.recommendation_history (attendee_id, shown_at DESC);
CREATE INDEX idx_recommendation_history_item ON public.recommendation_history (item_type, item_id);

CREATE TABLE public.interaction_events (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id   uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  event_type    text NOT NULL,
  target_id     uuid,
  "timestamp"   timestamptz NOT NULL DEFAULT now(),
  context_data  jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT interaction_events_event_type_check CHECK (event_type IN
    ('view', 'click', 'bookmark', 'unbookmark', 'rate', 'share', 'attend', 'skip', 'search', 'message', 'other'))
);
CREATE INDEX idx_interaction_events_attendee_id ON public.interaction_events (attendee_id, "timestamp");
CREATE INDEX idx_interaction_events_ts_brin ON public.interaction_events USING brin ("timestamp");
CREATE INDEX idx_interaction_events_context ON public.interaction_events USING gin (context_data jsonb_path_ops);

CREATE TABLE public.networking_preferences (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id             uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  goals                   text[] NOT NULL DEFAULT '{}',
  industries_of_interest  text[] NOT NULL DEFAULT '{}',
  roles_seeking           text[] NOT NULL DEFAULT '{}',
  availability            jsonb NOT NULL DEFAULT '{}'::jsonb,
  public_profile          boolean NOT NULL DEFAULT false,
  created_at              timestamptz NOT NULL DEFAULT now(),
  updated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT networking_preferences_attendee_id_key UNIQUE (attendee_id)
);
CREATE INDEX idx_networking_preferences_industries ON public.networking_preferences USING gin (industries_of_interest);

-- Pairs are stored once, in canonical order (attendee_1_id < attendee_2_id), and both
-- attendees must belong to the match's event (composite FKs).
CREATE TABLE public.matches (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  match_id       uuid NOT NULL DEFAULT gen_random_uuid(),   -- the matching run that produced the pair
  event_id       uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  attendee_1_id  uuid NOT NULL,
  attendee_2_id  uuid NOT NULL,
  match_score    numeric(4, 3) NOT NULL,
  reason         text,
  status         text NOT NULL DEFAULT 'suggested',
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT matches_pair_key UNIQUE (event_id, attendee_1_id, attendee_2_id),
  CONSTRAINT matches_attendee_1_fkey FOREIGN KEY (attendee_1_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE CASCADE,
  CONSTRAINT matches_attendee_2_fkey FOREIGN KEY (attendee_2_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE CASCADE,
  CONSTRAINT matches_order_check CHECK (attendee_1_id < attendee_2_id),
  CONSTRAINT matches_score_check CHECK (match_score BETWEEN 0 AND 1),
  CONSTRAINT matches_status_check CHECK (status IN ('suggested', 'accepted', 'declined', 'expired', 'met'))
);
CREATE INDEX idx_matches_attendee_1_id ON public.matches (attendee_1_id);
-- matches_attendee_1_fkey is covered by matches_pair_key (event_id, attendee_1_id, …).
CREATE INDEX idx_matches_attendee_2_id_event_id ON public.matches (attendee_2_id, event_id);
CREATE INDEX idx_matches_match_id ON public.matches (match_id);

CREATE TABLE public.meetings (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  match_id      uuid REFERENCES public.matches (id) ON DELETE SET NULL,
  organizer_id  uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,  -- the inviting attendee
  invitee_id    uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  time_slot     timestamptz NOT NULL,
  location      text,
  status        text NOT NULL DEFAULT 'proposed',
  notes         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT meetings_participants_check CHECK (organizer_id <> invitee_id),
  CONSTRAINT meetings_status_check CHECK (status IN ('proposed', 'accepted', 'declined', 'cancelled', 'completed'))
);
CREATE INDEX idx_meetings_match_id ON public.meetings (match_id);
CREATE INDEX idx_meetings_organizer_id ON public.meetings (organizer_id, time_slot);
CREATE INDEX idx_meetings_invitee_id ON public.meetings (invitee_id, time_slot);

CREATE TABLE public.connection_goals (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id  uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  goal_type    text NOT NULL,
  description  text,
  priority     smallint NOT NULL DEFAULT 3,
  achieved     boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT connection_goals_goal_type_check CHECK (goal_type IN
    ('find_cofounder', 'hire', 'get_hired', 'find_investors', 'find_customers', 'find_partners',
     'learn', 'mentor', 'be_mentored', 'other')),
  CONSTRAINT connection_goals_priority_check CHECK (priority BETWEEN 1 AND 5)
);
CREATE INDEX idx_connection_goals_attendee_id ON public.connection_goals (attendee_id);

CREATE TABLE public.networking_events (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id            uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  activity_type       text NOT NULL,
  start_time          timestamptz NOT NULL,
  end_time            timestamptz,
  max_participants    integer,
  matching_algorithm  text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT networking_events_activity_type_check CHECK (activity_type IN
    ('speed_networking', 'roundtable', 'mixer', 'workshop', 'meetup', 'mentoring', 'other')),
  CONSTRAINT networking_events_times_check CHECK (end_time IS NULL OR end_time > start_time),
  CONSTRAINT networking_events_max_check CHECK (max_participants IS NULL OR max_participants > 0)
);
CREATE INDEX idx_networking_events_event_id ON public.networking_events (event_id, start_time);

CREATE TRIGGER trg_attendee_preferences_last_updated BEFORE UPDATE ON public.attendee_preferences
  FOR EACH ROW EXECUTE FUNCTION public.update_last_updated_column();
CREATE TRIGGER trg_networking_preferences_updated_at BEFORE UPDATE ON public.networking_preferences
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_matches_updated_at BEFORE UPDATE ON public.matches
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_meetings_updated_at BEFORE UPDATE ON public.meetings
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_connection_goals_updated_at BEFORE UPDATE ON public.connection_goals
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();
CREATE TRIGGER trg_networking_events_updated_at BEFORE UPDATE ON public.networking_events
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.attendee_preferences   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.session_embeddings     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.attendee_embeddings    ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.recommendation_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interaction_events     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.networking_preferences ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.matches                ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.meetings               ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.connection_goals       ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.networking_events      ENABLE ROW LEVEL SECURITY;

-- ERD "Phase 1 -> Phase 2: modified tables attendees, orders". Constant defaults / nullable
-- column: metadata-only. orders.recommendation_id is indexed CONCURRENTLY in V2005.
ALTER TABLE public.attendees
  ADD COLUMN networking_opt_in boolean NOT NULL DEFAULT false,
  ADD COLUMN personalization_consent boolean NOT NULL DEFAULT false;
ALTER TABLE public.orders
  ADD COLUMN recommendation_id uuid REFERENCES public.recommendation_history (id) ON DELETE SET NULL;
