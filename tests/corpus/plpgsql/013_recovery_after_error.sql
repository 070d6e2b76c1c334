-- One broken statement in the middle: the statements after it are still linted, and a
-- BEGIN ATOMIC body and dollar-quoted bodies are never cut into bogus statements.
CREATE TABLE billing.credit_note (id bigint PRIMARY KEY, amount numeric NOT NULL);

CREATE TABEL billing.refund (id bigint PRIMARY KEY);

CREATE FUNCTION billing.credit_sign(p numeric) RETURNS integer
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE WHEN p < 0 THEN -1 WHEN p > 0 THEN 1 ELSE 0 END;
END;

CREATE FUNCTION billing.credit_total() RETURNS numeric
LANGUAGE plpgsql STABLE
AS $body$
DECLARE
  t numeric;
BEGIN
  SELECT sum(amount) INTO t FROM billing.credit_note; -- a ';' in a comment;
  RETURN coalesce(t, 0);
END
$body$;

DO $$ BEGIN RAISE NOTICE 'a;b'; PERFORM 1; END $$;

CREATE TABLE public.credit_export (id bigint PRIMARY KEY);
