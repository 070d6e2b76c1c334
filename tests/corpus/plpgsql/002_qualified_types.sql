-- Variables, parameters and return types of a type from another schema.
CREATE OR REPLACE FUNCTION billing.recompute(p_invoice billing.invoice)
RETURNS billing.invoice
LANGUAGE plpgsql
AS $$
DECLARE
  r billing.invoice;
  s billing.invoice_status := 'draft';
BEGIN
  r := p_invoice;
  SELECT coalesce(sum(li.amount), 0) INTO r.total
  FROM billing.line_item li
  WHERE li.invoice_id = r.id;
  IF r.status = s THEN
    r.issued_at := NULL;
  END IF;
  RETURN r;
END;
$$;

CREATE FUNCTION billing.open_invoices()
RETURNS SETOF billing.invoice
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN QUERY SELECT * FROM billing.invoice WHERE status <> 'void';
END
$$;

CREATE FUNCTION billing.invoice_totals()
RETURNS TABLE (invoice billing.invoice, lines integer)
LANGUAGE plpgsql STABLE
AS $$
BEGIN
  RETURN QUERY
    SELECT i, count(li.id)::integer
    FROM billing.invoice i LEFT JOIN billing.line_item li ON li.invoice_id = i.id
    GROUP BY i.id;
END
$$;
