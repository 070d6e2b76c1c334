-- Phase 2 · pgvector, in schema `extensions` (Supabase convention; never in public).
-- Column types reference it as extensions.vector(N). If the project already has vector
-- (Supabase "Database → Extensions"), it is used as is and the rollback leaves it; if this
-- migration creates it, it is marked so that rollback/phase2.sql drops exactly what it made.
DO $$
DECLARE
  v_schema text;
BEGIN
  SELECT n.nspname INTO v_schema
  FROM pg_catalog.pg_extension AS x JOIN pg_catalog.pg_namespace AS n ON n.oid = x.extnamespace
  WHERE x.extname = 'vector';
  IF NOT FOUND THEN
    CREATE EXTENSION vector WITH SCHEMA extensions;
    COMMENT ON EXTENSION vector IS 'eventos:phase2 — vector data type and ivfflat and hnsw access methods';
  ELSIF v_schema <> 'extensions' THEN
    RAISE EXCEPTION 'extension vector is installed in schema %, eventos expects schema extensions', v_schema
      USING HINT = 'ALTER EXTENSION vector SET SCHEMA extensions;';
  END IF;
END
$$;
