-- Phase 3 · computer vision and onsite intelligence.
-- Face embeddings: extensions.vector(512) (ArcFace/FaceNet-512 size), cosine distance, HNSW.

-- CRITICAL sensitivity (ERD): consent required, auto-expire, no API access at all.
-- Retention is capped at 366 days from consent; purge_expired_facial_data() deletes
-- expired rows (schedule it daily). Rows are NOT copied into audit_log: an immutable log
-- would make biometric data impossible to erase.
CREATE TABLE public.facial_recognition_data (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  attendee_id       uuid NOT NULL REFERENCES public.attendees (id) ON DELETE CASCADE,
  embedding_vector  extensions.vector(512) NOT NULL,
  enrollment_date   timestamptz NOT NULL DEFAULT now(),
  consent_given     boolean NOT NULL,
  consent_date      timestamptz NOT NULL,
  expires_at        timestamptz NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT facial_recognition_data_attendee_id_key UNIQUE (attendee_id),
  CONSTRAINT facial_recognition_data_consent_check CHECK (consent_given),
  CONSTRAINT facial_recognition_data_consent_date_check CHECK (consent_date <= enrollment_date),
  CONSTRAINT facial_recognition_data_expiry_check CHECK (expires_at > enrollment_date),
  CONSTRAINT facial_recognition_data_retention_check CHECK (expires_at - consent_date <= interval '366 days')
);
CREATE INDEX idx_facial_recognition_data_expires_at ON public.facial_recognition_data (expires_at);
CREATE INDEX idx_facial_recognition_data_hnsw ON public.facial_recognition_data
  USING hnsw (embedding_vector extensions.vector_cosine_ops);

CREATE FUNCTION public.purge_expired_facial_data()
RETURNS integer
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  v_count integer;
BEGIN
  DELETE FROM public.facial_recognition_data WHERE expires_at <= pg_catalog.now();
  GET DIAGNOSTICS v_count = ROW_COUNT;
  RETURN v_count;
END;
$$;
COMMENT ON FUNCTION public.purge_expired_facial_data() IS
  'Deletes expired biometric enrollments; returns the number deleted. Schedule daily (service role / pg_cron).';
REVOKE EXECUTE ON FUNCTION public.purge_expired_facial_data() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.purge_expired_facial_data() TO service_role;

-- check_in_logs: monthly by "timestamp" (the ERD suggests event_id; see docs/schema.md:
-- check-ins of one event fall in one or two months anyway, and time ranges make
-- retention a DETACH/DROP; a hash on event_id would allow neither nor a default partition).
CREATE TABLE public.check_in_logs (
  id                uuid NOT NULL DEFAULT gen_random_uuid(),
  attendee_id       uuid NOT NULL,
  event_id          uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  "timestamp"       timestamptz NOT NULL DEFAULT now(),
  location          text,
  method            text NOT NULL,
  confidence_score  numeric(4, 3),
  metadata          jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT check_in_logs_pkey PRIMARY KEY (id, "timestamp"),
  CONSTRAINT check_in_logs_attendee_fkey FOREIGN KEY (attendee_id, event_id)
    REFERENCES public.attendees (id, event_id) ON DELETE CASCADE,
  CONSTRAINT check_in_logs_method_check CHECK (method IN
    ('qr_code', 'facial_recognition', 'manual', 'nfc', 'self_service')),
  CONSTRAINT check_in_logs_confidence_check CHECK (confidence_score IS NULL OR confidence_score BETWEEN 0 AND 1),
  CONSTRAINT check_in_logs_face_confidence_check CHECK (method <> 'facial_recognition' OR confidence_score IS NOT NULL)
) PARTITION BY RANGE ("timestamp");
CREATE INDEX idx_check_in_logs_event_id ON public.check_in_logs (event_id, "timestamp");
CREATE INDEX idx_check_in_logs_attendee_id_event_id ON public.check_in_logs (attendee_id, event_id);
CREATE INDEX idx_check_in_logs_ts_brin ON public.check_in_logs USING brin ("timestamp");
ALTER TABLE public.check_in_logs ENABLE ROW LEVEL SECURITY;
CREATE TABLE public.check_in_logs_default PARTITION OF public.check_in_logs DEFAULT;
ALTER TABLE public.check_in_logs_default ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON TABLE public.check_in_logs_default FROM anon, authenticated;
INSERT INTO public.partition_config (parent_table, granularity, premake) VALUES ('check_in_logs', 'month', 3);
SELECT count(*) AS partitions_created FROM public.create_upcoming_partitions(now(), 'check_in_logs');

CREATE TABLE public.crowd_analytics (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id       uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  location       text NOT NULL,
  "timestamp"    timestamptz NOT NULL DEFAULT now(),
  people_count   integer NOT NULL,
  density_level  text NOT NULL,
  flow_rate      numeric(10, 2),                 -- people per minute through the zone
  CONSTRAINT crowd_analytics_people_check CHECK (people_count >= 0),
  CONSTRAINT crowd_analytics_density_check CHECK (density_level IN ('low', 'moderate', 'high', 'critical')),
  CONSTRAINT crowd_analytics_flow_check CHECK (flow_rate IS NULL OR flow_rate >= 0)
);
CREATE INDEX idx_crowd_analytics_event_id ON public.crowd_analytics (event_id, location, "timestamp");
CREATE INDEX idx_crowd_analytics_ts_brin ON public.crowd_analytics USING brin ("timestamp");

CREATE TABLE public.heat_map_data (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id           uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  location_grid      text NOT NULL,
  "timestamp"        timestamptz NOT NULL DEFAULT now(),
  traffic_intensity  integer NOT NULL,           -- 0–100
  heatmap_values     jsonb NOT NULL DEFAULT '{}'::jsonb,
  CONSTRAINT heat_map_data_intensity_check CHECK (traffic_intensity BETWEEN 0 AND 100)
);
CREATE INDEX idx_heat_map_data_event_id ON public.heat_map_data (event_id, "timestamp");
CREATE INDEX idx_heat_map_data_ts_brin ON public.heat_map_data USING brin ("timestamp");

CREATE TABLE public.security_alerts (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_id     uuid NOT NULL REFERENCES public.events (id) ON DELETE CASCADE,
  "timestamp"  timestamptz NOT NULL DEFAULT now(),
  alert_type   text NOT NULL,
  severity     text NOT NULL,
  description  text NOT NULL,
  resolved     boolean NOT NULL DEFAULT false,
  resolved_at  timestamptz,
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT security_alerts_alert_type_check CHECK (alert_type IN
    ('overcrowding', 'unauthorized_access', 'suspicious_behavior', 'medical', 'fire',
     'lost_item', 'technical', 'other')),
  CONSTRAINT security_alerts_severity_check CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  CONSTRAINT security_alerts_resolved_check CHECK (resolved = (resolved_at IS NOT NULL))
);
CREATE INDEX idx_security_alerts_event_id ON public.security_alerts (event_id, "timestamp" DESC);
CREATE INDEX idx_security_alerts_open ON public.security_alerts (event_id, severity) WHERE NOT resolved;

CREATE TRIGGER trg_security_alerts_updated_at BEFORE UPDATE ON public.security_alerts
  FOR EACH ROW EXECUTE FUNCTION public.update_updated_at_column();

ALTER TABLE public.facial_recognition_data ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.crowd_analytics         ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.heat_map_data           ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.security_alerts         ENABLE ROW LEVEL SECURITY;
