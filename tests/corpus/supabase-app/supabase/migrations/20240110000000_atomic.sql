create function public.display_name(p_profile public.profiles) returns text
language sql stable
begin atomic
  select case when p_profile.username is null then 'anonymous' else p_profile.username end;
end;
