-- Re-declared idempotently, as generated migrations often do: nothing changes.
create table if not exists public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  username text unique
);

drop policy if exists "profiles are readable by their owner" on public.profiles;
create policy "profiles are readable by their owner" on public.profiles
  for select to authenticated using ((select auth.uid()) = id);

create index if not exists profiles_username_idx on public.profiles (username);
