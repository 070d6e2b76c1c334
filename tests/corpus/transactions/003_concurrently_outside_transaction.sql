-- build the index without blocking writes
-- eventos:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS batches_note_idx ON ops.batches (note);
VACUUM (ANALYZE) ops.batches;
