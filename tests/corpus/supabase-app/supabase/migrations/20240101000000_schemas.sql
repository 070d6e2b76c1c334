create schema if not exists private;
create schema if not exists api;
