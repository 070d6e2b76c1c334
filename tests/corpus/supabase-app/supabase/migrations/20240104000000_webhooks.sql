-- A database webhook: the platform provides supabase_functions.http_request.
create trigger notes_webhook
  after insert on public.notes
  for each row
  execute function supabase_functions.http_request(
    'https://example.invalid/functions/v1/notify', 'POST',
    '{"Content-type":"application/json"}', '{}', '1000'
  );
