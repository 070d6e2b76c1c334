-- Assignment to a variable nobody declared: rejected at CREATE FUNCTION.
CREATE FUNCTION billing.bump(p_id bigint) RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  r billing.invoice;
BEGIN
  SELECT * INTO r FROM billing.invoice WHERE id = p_id;
  totl := r.total + 1;
END
$$;
