create table public.notes (
  id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id),
  body text not null,
  updated_at timestamptz not null default now()
);
create index notes_owner_id_idx on public.notes (owner_id);

alter table public.notes enable row level security;

create policy "owners read notes" on public.notes
  for select using (owner_id = auth.uid());

create trigger notes_updated_at
  before update on public.notes
  for each row execute function vendor.stamp();
