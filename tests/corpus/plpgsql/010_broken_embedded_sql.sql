-- A SQL statement inside a PL/pgSQL body that does not parse.
CREATE FUNCTION billing.reset_totals() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE billing.invoice
     SET total = 0
   WHERE;
END
$$;
