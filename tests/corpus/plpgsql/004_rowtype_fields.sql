-- Assignment to fields of %ROWTYPE records and %TYPE declarations.
CREATE FUNCTION billing.void_invoice(p_id billing.invoice.id%TYPE)
RETURNS void
LANGUAGE plpgsql
AS $$
DECLARE
  r billing.invoice%ROWTYPE;
  item billing.line_item%ROWTYPE;
  old_total billing.invoice.total%TYPE;
BEGIN
  SELECT * INTO STRICT r FROM billing.invoice WHERE id = p_id FOR UPDATE;
  old_total := r.total;
  r.total := 0;
  r.status := 'void';
  FOR item IN SELECT * FROM billing.line_item WHERE invoice_id = p_id LOOP
    item.amount := 0;
  END LOOP;
  UPDATE billing.invoice SET total = r.total, status = r.status WHERE id = r.id;
  RAISE NOTICE 'invoice % voided (was %)', p_id, old_total;
END
$$;
