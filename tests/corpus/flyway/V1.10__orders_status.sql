-- Flyway refuses a migration mixing transactional statements with CONCURRENTLY.
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);
