CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_published_idx ON posts (published);
