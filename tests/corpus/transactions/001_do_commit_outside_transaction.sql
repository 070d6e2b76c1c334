-- eventos:no-transaction
-- A DO block that commits in batches: legal when it runs outside a transaction block.
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.batches (id int PRIMARY KEY);
DO $$
BEGIN
  FOR i IN 1..3 LOOP
    INSERT INTO ops.batches VALUES (i) ON CONFLICT DO NOTHING;
    COMMIT;
  END LOOP;
  ROLLBACK;
END
$$;
