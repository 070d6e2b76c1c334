-- Several statements in one file are one implicit transaction: CONCURRENTLY is refused.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS name text;
CREATE INDEX CONCURRENTLY accounts_name_idx ON accounts (name);
