-- Only procedures may end transactions; a function that commits fails when called.
CREATE PROCEDURE ops.purge_batches() LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ops.batches WHERE id > 100;
  COMMIT;
END
$$;

CREATE FUNCTION ops.purge_batches_now() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM ops.batches WHERE id > 100;
  COMMIT;
END
$$;
