-- A lone DO block runs outside any transaction block, so it may commit between batches.
DO $$
DECLARE
  batch integer;
BEGIN
  LOOP
    UPDATE accounts SET email = lower(email) WHERE id IN (SELECT id FROM accounts WHERE email <> lower(email) LIMIT 1000);
    GET DIAGNOSTICS batch = ROW_COUNT;
    EXIT WHEN batch = 0;
    COMMIT;
  END LOOP;
END
$$;
