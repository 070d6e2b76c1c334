-- Arrays of a user-defined type as parameters, return types and variables.
CREATE FUNCTION billing.count_in(p_statuses billing.invoice_status[])
RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  n bigint;
  seen billing.invoice_status[] := '{}';
BEGIN
  SELECT count(*) INTO n FROM billing.invoice WHERE status = ANY (p_statuses);
  seen[1] := p_statuses[1];
  RETURN n;
END
$$;

CREATE FUNCTION billing.statuses_of(VARIADIC p_ids bigint[])
RETURNS billing.invoice_status[]
LANGUAGE plpgsql STABLE
AS $$
DECLARE
  result billing.invoice_status[];
BEGIN
  SELECT array_agg(status ORDER BY id) INTO result FROM billing.invoice WHERE id = ANY (p_ids);
  RETURN result;
END
$$;

CREATE FUNCTION billing.tag_all(VARIADIC p_statuses billing.invoice_status[])
RETURNS integer
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN cardinality(p_statuses);
END
$$;
