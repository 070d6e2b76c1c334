-- Rollback of phase 3 (advanced AI), newest objects first. Leaves phases 0–2 exactly as
-- before phase 3 (phase 3 altered no earlier table; it only added partition_config rows,
-- removed here). Extension vector belongs to phase 2 and stays. No CASCADE.
-- Does not touch the migration history table. DATA LOSS: drops every phase 3 table,
-- including biometric data (that is intended).

-- V3003
DROP TABLE IF EXISTS
  public.coordination_sessions,
  public.agent_communications,
  public.agent_tasks,
  public.agent_memory,
  public.scenario_simulations,
  public.automated_insights,
  public.predictions;
DROP FUNCTION IF EXISTS public.purge_expired_agent_memory();

-- V3002 (sentiment_scores: its partitions go with it)
DELETE FROM public.partition_config WHERE parent_table IN ('sentiment_scores', 'check_in_logs');
DROP TABLE IF EXISTS
  public.feedback_analysis,
  public.engagement_snapshots,
  public.sentiment_scores,
  public.translation_cache,
  public.audio_processing_jobs,
  public.transcript_keywords,
  public.session_transcripts;

-- V3001
DROP TABLE IF EXISTS
  public.security_alerts,
  public.heat_map_data,
  public.crowd_analytics,
  public.check_in_logs,
  public.facial_recognition_data;
DROP FUNCTION IF EXISTS public.purge_expired_facial_data();
