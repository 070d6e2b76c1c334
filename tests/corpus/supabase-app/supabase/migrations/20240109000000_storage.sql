insert into storage.buckets (id, name, public) values ('avatars', 'avatars', true)
  on conflict (id) do nothing;

create policy "avatar owners write" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'avatars' and (select auth.uid()) = owner);
