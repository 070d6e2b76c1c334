create view api.note_feed with (security_invoker = yes) as
  select id, body from public.notes;

create view api.profile_cards with (security_invoker = ON) as
  select id, username from public.profiles;

create view public.note_counts as
  select owner_id, count(*) as notes from public.notes group by owner_id;
alter view public.note_counts set (security_invoker = 1);

create view api.stale_feed with (security_invoker = true) as
  select id from public.notes;
create or replace view api.stale_feed as
  select id, body from public.notes;
