alter table public.note_drafts add column note_id bigint;
alter table public.note_drafts
  add constraint note_drafts_note_id_fkey foreign key (note_id) references public.notes (id);
create index note_drafts_note_id_idx on public.note_drafts (note_id);
alter table public.note_drafts drop constraint note_drafts_note_id_fkey cascade;
