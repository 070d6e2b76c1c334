-- Phase 0 · helpers used by every later file.
-- update_updated_at_column() must exist before any trigger uses it (seed 003_ found
-- tables referencing it without a definition).

CREATE FUNCTION public.update_updated_at_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.updated_at := pg_catalog.now();
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION public.update_updated_at_column() IS
  'BEFORE UPDATE trigger: stamps updated_at with the transaction time.';

-- Some ERD tables name their modification stamp last_updated instead of updated_at.
CREATE FUNCTION public.update_last_updated_column()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  NEW.last_updated := pg_catalog.now();
  RETURN NEW;
END;
$$;
COMMENT ON FUNCTION public.update_last_updated_column() IS
  'BEFORE UPDATE trigger: stamps last_updated with the transaction time.';

-- URL slug from free text: lower-case ASCII letters/digits separated by single dashes.
CREATE FUNCTION public.slugify(p_text text)
RETURNS text
LANGUAGE sql
IMMUTABLE
PARALLEL SAFE
SET search_path = ''
AS $$
  SELECT pg_catalog.btrim(
           pg_catalog.regexp_replace(pg_catalog.lower(coalesce(p_text, '')), '[^a-z0-9]+', '-', 'g'),
           '-')
$$;

-- Human-facing business keys. Random (not sequential) so they do not leak sales volume;
-- uniqueness is guaranteed by the UNIQUE constraints on the columns that use them.
CREATE FUNCTION public.generate_order_number()
RETURNS text
LANGUAGE sql
VOLATILE
SET search_path = ''
AS $$
  SELECT 'ORD-' || pg_catalog.to_char(pg_catalog.now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '-'
         || pg_catalog.upper(pg_catalog.substr(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 1, 10))
$$;

CREATE FUNCTION public.generate_ticket_number()
RETURNS text
LANGUAGE sql
VOLATILE
SET search_path = ''
AS $$
  SELECT 'TKT-' || pg_catalog.upper(pg_catalog.substr(pg_catalog.replace(pg_catalog.gen_random_uuid()::text, '-', ''), 1, 12))
$$;
