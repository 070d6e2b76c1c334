-- Loops, cursors, exceptions, diagnostics, dynamic SQL and labels.
CREATE FUNCTION billing.sweep(p_limit integer DEFAULT 100)
RETURNS integer
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
<<sweep>>
DECLARE
  r record;
  c CURSOR FOR SELECT id FROM billing.invoice WHERE status = 'draft';
  done integer := 0;
  affected integer;
BEGIN
  FOR r IN EXECUTE format('SELECT id FROM %I.%I LIMIT $1', 'billing', 'invoice') USING p_limit LOOP
    done := done + 1;
  END LOOP;
  OPEN c;
  CLOSE c;
  FOREACH affected IN ARRAY ARRAY[1, 2, 3] LOOP
    CONTINUE WHEN affected = 2;
  END LOOP;
  UPDATE billing.invoice SET total = total WHERE status = 'draft';
  GET DIAGNOSTICS affected = ROW_COUNT;
  CASE
    WHEN affected > sweep.done THEN RAISE NOTICE 'more';
    ELSE NULL;
  END CASE;
  RETURN done;
EXCEPTION
  WHEN unique_violation THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'duplicate', HINT = 'retry';
END sweep
$$;
