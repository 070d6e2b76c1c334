
-- no-transaction
-- sqlx reads the marker only at the file's first byte: this file runs in a transaction.
CREATE INDEX CONCURRENTLY users_id_handle_idx ON users (id, handle);
