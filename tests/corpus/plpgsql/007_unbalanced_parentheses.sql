-- A statement inside the body with an unbalanced parenthesis: PostgreSQL rejects the function.
CREATE FUNCTION billing.total_of(p_id bigint) RETURNS numeric
LANGUAGE plpgsql
AS $$
DECLARE
  t numeric;
BEGIN
  SELECT total INTO t FROM billing.invoice WHERE id = p_id;
  t := (t + (SELECT coalesce(sum(amount), 0) FROM billing.line_item WHERE invoice_id = p_id);
  RETURN t;
END
$$;
