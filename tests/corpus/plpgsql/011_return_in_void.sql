-- RETURN with a value in a function returning void: a compile error, whatever the catalog.
CREATE FUNCTION billing.noop() RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  RETURN 1;
END
$$;
