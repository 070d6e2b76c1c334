-- A LANGUAGE sql body with a syntax error.
CREATE FUNCTION billing.paid_count() RETURNS bigint
LANGUAGE sql STABLE
AS $$
  SELECT count(*) FROM billing.invoice WHER status = 'paid';
$$;
