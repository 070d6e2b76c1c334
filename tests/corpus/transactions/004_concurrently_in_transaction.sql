-- CREATE INDEX CONCURRENTLY in a file eventos runs in a transaction.
ALTER TABLE ops.batches ADD COLUMN IF NOT EXISTS created_at timestamptz;
CREATE INDEX CONCURRENTLY batches_created_idx ON ops.batches (created_at);
