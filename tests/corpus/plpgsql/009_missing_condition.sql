-- IF without a condition.
DO $$
BEGIN
  PERFORM 1;
  IF THEN
    RAISE NOTICE 'never';
  END IF;
END
$$;
