-- Repeatable: Flyway applies it after every versioned migration.
CREATE OR REPLACE VIEW order_summary AS
  SELECT customer, count(*) AS orders, sum(total) AS total FROM orders GROUP BY customer;
