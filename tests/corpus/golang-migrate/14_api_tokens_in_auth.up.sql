-- A plain PostgreSQL application (no Supabase project around it) keeps its own `auth`
-- schema: Supabase's reserved schemas mean nothing here.
CREATE SCHEMA IF NOT EXISTS auth;
CREATE TABLE auth.api_tokens (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  token_hash bytea NOT NULL UNIQUE
);
CREATE INDEX api_tokens_account_id_idx ON auth.api_tokens (account_id);
COMMENT ON TABLE auth.api_tokens IS 'hashed API tokens, one row per issued token';
