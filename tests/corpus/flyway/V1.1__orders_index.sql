-- Only non-transactional commands: Flyway runs this migration without a transaction.
CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer);
CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);
