-- The same DO block in a file eventos runs in a transaction: both transaction ends fail.
ALTER TABLE ops.batches ADD COLUMN IF NOT EXISTS note text;
DO $$
BEGIN
  INSERT INTO ops.batches VALUES (10) ON CONFLICT DO NOTHING;
  COMMIT;
  INSERT INTO ops.batches VALUES (11) ON CONFLICT DO NOTHING;
  ROLLBACK;
END
$$;
