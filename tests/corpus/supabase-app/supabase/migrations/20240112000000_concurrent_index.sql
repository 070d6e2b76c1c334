-- The Supabase CLI runs CREATE INDEX CONCURRENTLY on its own, outside the file's transaction.
alter table public.notes add column if not exists archived boolean not null default false;
create index concurrently if not exists notes_archived_idx on public.notes (archived);
