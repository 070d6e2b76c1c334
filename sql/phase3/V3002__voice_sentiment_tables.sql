-- Phase 3 · voice AI, translation, sentiment and feedback.
-- Sentiment polarity (avg_sentiment, feedback_analysis.sentiment_score) is in [-1, 1];
-- every other score / confidence is a fraction in [0, 1].

CREATE TABLE public.session_transcripts (
  id                        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id                uuid NOT NULL REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  language                  text NOT NULL,
  transcript_segments_json  jsonb NOT NULL DEFAULT '[]'::jsonb,
  speaker_labels            jsonb NOT NULL DEFAULT '{}'::jsonb,
  accuracy_score            numeric(4, 3),
  generated_at              timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT session_transcripts_language_key UNIQUE (session_id, language),
  CONSTRAINT session_transcripts_id_session_key UNIQUE (id, session_id),
  CONSTRAINT session_transcripts_language_check CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  CONSTRAINT session_transcripts_segments_check CHECK (jsonb_typeof(transcript_segments_json) = 'array'),
  CONSTRAINT session_transcripts_accuracy_check CHECK (accuracy_score IS NULL OR accuracy_score BETWEEN 0 AND 1)
);
-- session_id is indexed by session_transcripts_language_key.

-- ERD: SESSION_TRANSCRIPTS ||--o{ TRANSCRIPT_KEYWORDS, yet the ERD column is session_id:
-- both are kept, tied together by a composite FK.
CREATE TABLE public.transcript_keywords (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id          uuid NOT NULL REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  transcript_id       uuid NOT NULL,
  keyword             text NOT NULL,
  relevance_score     numeric(4, 3),
  timestamp_mentions  integer[] NOT NULL DEFAULT '{}',   -- seconds from the session start
  CONSTRAINT transcript_keywords_keyword_key UNIQUE (transcript_id, keyword),
  CONSTRAINT transcript_keywords_transcript_fkey FOREIGN KEY (transcript_id, session_id)
    REFERENCES public.session_transcripts (id, session_id) ON DELETE CASCADE,
  CONSTRAINT transcript_keywords_relevance_check CHECK (relevance_score IS NULL OR relevance_score BETWEEN 0 AND 1),
  CONSTRAINT transcript_keywords_mentions_check CHECK (0 <= ALL (timestamp_mentions))
);
CREATE INDEX idx_transcript_keywords_session_id ON public.transcript_keywords (session_id, keyword);
-- transcript_keywords_keyword_key (transcript_id, keyword) cannot cover the composite FK.
CREATE INDEX idx_transcript_keywords_transcript_id_session_id ON public.transcript_keywords (transcript_id, session_id);

CREATE TABLE public.audio_processing_jobs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id     uuid NOT NULL REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  transcript_id  uuid,
  status         text NOT NULL DEFAULT 'queued',
  started_at     timestamptz,
  completed_at   timestamptz,
  error_message  text,
  metadata       jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT audio_processing_jobs_transcript_fkey FOREIGN KEY (transcript_id, session_id)
    REFERENCES public.session_transcripts (id, session_id) ON DELETE SET NULL (transcript_id),
  CONSTRAINT audio_processing_jobs_status_check CHECK (status IN
    ('queued', 'processing', 'completed', 'failed', 'cancelled')),
  CONSTRAINT audio_processing_jobs_times_check CHECK (completed_at IS NULL OR (started_at IS NOT NULL AND completed_at >= started_at)),
  CONSTRAINT audio_processing_jobs_failed_check CHECK (status <> 'failed' OR error_message IS NOT NULL)
);
CREATE INDEX idx_audio_processing_jobs_session_id ON public.audio_processing_jobs (session_id);
CREATE INDEX idx_audio_processing_jobs_transcript_id_session_id ON public.audio_processing_jobs (transcript_id, session_id);
CREATE INDEX idx_audio_processing_jobs_pending ON public.audio_processing_jobs (created_at)
  WHERE status IN ('queued', 'processing');

-- Server-side cache; keyed by a hash of the text (texts can exceed the btree row limit).
CREATE TABLE public.translation_cache (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source_text      text NOT NULL,
  source_lang      text NOT NULL,
  target_lang      text NOT NULL,
  translated_text  text NOT NULL,
  cached_at        timestamptz NOT NULL DEFAULT now(),
  reuse_count      integer NOT NULL DEFAULT 0,
  CONSTRAINT translation_cache_langs_check CHECK (source_lang <> target_lang),
  CONSTRAINT translation_cache_reuse_check CHECK (reuse_count >= 0)
);
CREATE UNIQUE INDEX translation_cache_lookup_key
  ON public.translation_cache (source_lang, target_lang, md5(source_text));

-- sentiment_scores: weekly by "timestamp" (ERD: "weekly during events").
-- MEDIUM sensitivity (ERD: aggregated only, no individual tracking): no API access;
-- organizers see the aggregates in engagement_snapshots.
CREATE TABLE public.sentiment_scores (
  id            uuid NOT NULL DEFAULT gen_random_uuid(),
  attendee_id   uuid REFERENCES public.attendees (id) ON DELETE SET NULL,
  session_id    uuid REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  "timestamp"   timestamptz NOT NULL DEFAULT now(),
  emotion_type  text NOT NULL,
  confidence    numeric(4, 3) NOT NULL,
  source        text NOT NULL,
  context       jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT sentiment_scores_pkey PRIMARY KEY (id, "timestamp"),
  CONSTRAINT sentiment_scores_emotion_check CHECK (emotion_type IN
    ('joy', 'trust', 'fear', 'surprise', 'sadness', 'disgust', 'anger', 'anticipation', 'neutral')),
  CONSTRAINT sentiment_scores_confidence_check CHECK (confidence BETWEEN 0 AND 1),
  CONSTRAINT sentiment_scores_source_check CHECK (source IN ('text', 'voice', 'facial', 'survey', 'chat', 'social'))
) PARTITION BY RANGE ("timestamp");
CREATE INDEX idx_sentiment_scores_session_id ON public.sentiment_scores (session_id, "timestamp");
CREATE INDEX idx_sentiment_scores_attendee_id ON public.sentiment_scores (attendee_id);
CREATE INDEX idx_sentiment_scores_ts_brin ON public.sentiment_scores USING brin ("timestamp");
ALTER TABLE public.sentiment_scores ENABLE ROW LEVEL SECURITY;
CREATE TABLE public.sentiment_scores_default PARTITION OF public.sentiment_scores DEFAULT;
ALTER TABLE public.sentiment_scores_default ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.sentiment_scores_default FROM anon, authenticated;

CREATE TABLE public.engagement_snapshots (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id            uuid NOT NULL REFERENCES public.event_sessions (id) ON DELETE CASCADE,
  snapshot_time         timestamptz NOT NULL DEFAULT now(),
  avg_sentiment         numeric(4, 3),
  engagement_level      text NOT NULL,
  attendee_count        integer NOT NULL DEFAULT 0,
  emotion_distribution  jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT engagement_snapshots_sentiment_check CHECK (avg_sentiment IS NULL OR avg_sentiment BETWEEN -1 AND 1),
  CONSTRAINT engagement_snapshots_level_check CHECK (engagement_level IN ('very_low', 'low', 'medium', 'high', 'very_high')),
  CONSTRAINT engagement_snapshots_count_check CHECK (attendee_count >= 0)
);
CREATE INDEX idx_engagement_snapshots_session_id ON public.engagement_snapshots (session_id, snapshot_time);
CREATE INDEX idx_engagement_snapshots_time_brin ON public.engagement_snapshots USING brin (snapshot_time);

CREATE TABLE public.feedback_analysis (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id      uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  feedback_text    text NOT NULL,
  sentiment_score  numeric(4, 3),
  key_topics       text[] NOT NULL DEFAULT '{}',
  urgency          text NOT NULL DEFAULT 'low',
  analyzed_at      timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT feedback_analysis_sentiment_check CHECK (sentiment_score IS NULL OR sentiment_score BETWEEN -1 AND 1),
  CONSTRAINT feedback_analysis_urgency_check CHECK (urgency IN ('low', 'medium', 'high', 'critical'))
);
CREATE INDEX idx_feedback_analysis_attendee_id ON public.feedback_analysis (attendee_id);
CREATE INDEX idx_feedback_analysis_key_topics ON public.feedback_analysis USING gin (key_topics);
CREATE INDEX idx_feedback_analysis_urgent ON public.feedback_analysis (analyzed_at) WHERE urgency IN ('high', 'critical');

CREATE TRIGGER trg_audio_processing_jobs_updated_at BEFORE UPDATE ON public.audio_processing_jobs
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.session_transcripts   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.transcript_keywords   ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.audio_processing_jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.translation_cache     ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.engagement_snapshots  ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.feedback_analysis     ENABLE ROW LEVEL SECURITY;

INSERT INTO public.partition_config (parent_table, granularity, premake) VALUES ('sentiment_scores', 'week', 8);
SELECT count(*) AS partitions_created FROM public.create_upcoming_partitions(now(), 'sentiment_scores');
