-- SQL-standard bodies: several statements and CASE … END inside BEGIN ATOMIC … END.
CREATE FUNCTION billing.grade(p_total numeric) RETURNS text
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
  SELECT CASE
    WHEN p_total >= 1000 THEN 'large'
    WHEN p_total >= 100 THEN 'medium'
    ELSE 'small'
  END;
END;

CREATE PROCEDURE billing.archive_paid()
LANGUAGE sql
BEGIN ATOMIC
  UPDATE billing.invoice SET status = 'void' WHERE status = 'paid' AND issued_at < now() - interval '10 years';
  DELETE FROM billing.line_item WHERE amount = 0;
END;

CREATE FUNCTION billing.double(p integer) RETURNS integer
LANGUAGE sql IMMUTABLE
RETURN p * 2;
