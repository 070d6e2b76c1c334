-- Applied after 2_…: golang-migrate orders versions as numbers.
CREATE TABLE events_2025 PARTITION OF events
  FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE INDEX IF NOT EXISTS events_account_id_idx ON events (account_id);
