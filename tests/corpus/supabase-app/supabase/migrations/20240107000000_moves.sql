create table public.import_staging (id bigint primary key, payload jsonb);
alter table public.import_staging set schema private;

create table private.report_cache (id bigint primary key, data jsonb);
alter table private.report_cache set schema public;

create table public.drafts (id bigint primary key, body text);
alter table public.drafts enable row level security;
alter table public.drafts rename to note_drafts;

create table public.scratch (id bigint primary key);
drop table public.scratch;
