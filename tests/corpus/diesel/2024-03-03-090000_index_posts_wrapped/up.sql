-- Without metadata.toml diesel runs this in a transaction: PostgreSQL refuses it.
CREATE INDEX CONCURRENTLY posts_title_idx ON posts (title);
