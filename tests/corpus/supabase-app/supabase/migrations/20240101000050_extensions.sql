create extension if not exists moddatetime schema extensions;
