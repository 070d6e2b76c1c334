create function private.is_admin() returns boolean
language sql stable security definer
as $$ select coalesce((select auth.jwt() ->> 'role') = 'admin', false) $$;

alter function private.is_admin() set search_path = '';

create function public.note_count(p_owner uuid) returns bigint
language sql stable
as $$ select count(*) from public.notes where owner_id = p_owner $$;

alter function public.note_count(uuid) security definer;
