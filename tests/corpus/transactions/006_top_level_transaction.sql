-- Transaction control at the top level of a file eventos wraps in its own transaction.
BEGIN;
UPDATE ops.batches SET note = 'x' WHERE id = 1;
COMMIT;
